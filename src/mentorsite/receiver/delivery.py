"""SMTP delivery through the outbox: retries with exponential backoff, nothing dropped.

One thread per receiver drains the outbox. For each due row it claims it (commits
``sending`` with a lease), sends, then commits ``sent``; see ``store`` for the state machine,
the leases that let several receivers share one outbox, and the one unavoidable SMTP window.
Every ``POLL`` seconds it also requeues rows whose lease ran out (their receiver was killed).

Failures are sorted by what retrying can achieve:

* the server is unreachable, times out, or answers 4xx to the connection, login or message:
  *temporary*. If the whole server is down, the row goes straight back to the queue and the
  worker waits (``retry_base_seconds``, doubling up to ``retry_max_seconds``) before probing
  again with one message; when a probe succeeds the backlog drains at once. A 4xx for one
  recipient backs off that row alone.
* a 5xx for the message or recipient: *permanent*. The row is kept as ``failed`` with the
  server's answer, shown by ``mentorsite requests list --status failed``, and can be re-queued
  with ``mentorsite requests retry REF`` once fixed.
* a login refused (535): treated as temporary and logged loudly: fixing the credentials
  must not require re-sending anything by hand.
* a message that fails the header checks of ``mail.render_message``: *permanent*, kept as
  ``failed`` with the reason; nothing is handed to SMTP.

An SMTP server's answer often quotes the recipient ("550 5.1.1 <ana@example.org>: no such
user"). Every failure text passes through ``redact_addresses`` before it is logged or stored,
so a mentor's private address reaches neither the log nor ``mentorsite requests list``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..messages import Messages, load_messages
from .answers import AnswerLinks, LinkSigner, links_for
from .lifecycle_mail import LifecycleMailer
from .mail import answer_section, render_message
from .settings import Settings
from .store import Mail, Row, Store

log = logging.getLogger("mentorsite.receiver")


def answer_links(settings: Settings, row: Row) -> AnswerLinks | None:
    """A request's answer links (none without a signing key): the same in the first mail and in
    the reminder, since they are signed over the reference and the time it was received."""
    if settings.secret is None:
        return None
    return links_for(
        LinkSigner(settings.secret),
        reference=row.reference,
        mentor=row.request.mentor,
        created_at=row.created_at,
        receiver_url=settings.contact.public_receiver_url,
        days=settings.contact.answer_link_days,
    )


def reminder_links(settings: Settings, messages: Messages | None = None) -> Callable[[Row], str | None]:
    """The reminder's hook (``LifecycleMailer(answers=…)``): the answer links' text in the
    language of `messages` (English without), or None."""

    def text(row: Row) -> str | None:
        links = answer_links(settings, row)
        return answer_section(links, messages) if links else None

    return text


class TemporaryFailure(Exception):
    def __init__(self, message: str, *, server_down: bool):
        super().__init__(message)
        self.server_down = server_down


class PermanentFailure(Exception):
    pass


def backoff(failures: int, base: float, cap: float) -> float:
    """Delay after the n-th consecutive failure: base·2^(n-1), capped, with ±10 % jitter."""
    delay = min(cap, base * (2 ** max(0, failures - 1)))
    return delay * random.uniform(0.9, 1.1)


#: Anything shaped like an address (local@domain), however the server punctuates it.
_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"'`]+@[^\s<>()\[\]\\,;:\"'`]+")
REDACTED = "[address redacted]"


def redact_addresses(text: str) -> str:
    """`text` with every email address in it replaced by REDACTED."""
    return _ADDRESS.sub(REDACTED, text)


def _code_message(code: int, message) -> str:
    """An SMTP reply as text, addresses redacted (the Outbox redacts again whatever it records)."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return redact_addresses(f"{code} {text}".strip())


class SmtpTransport:
    """One SMTP connection, opened lazily and reused for a batch of messages."""

    def __init__(self, settings: Settings, messages: Messages | None = None):
        self.settings = settings
        #: The mentor's mail speaks the site's language (its own catalogue included).
        self.messages = messages or load_messages(settings.site_dir, settings.default_language)[0]
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if s.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_security == "starttls":
                    smtp.ehlo()
                    smtp.starttls(context=context)
            smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except smtplib.SMTPAuthenticationError as exc:
            log.error(
                "SMTP login refused for user %r: %s (fix $%s / $%s; requests stay queued)",
                s.smtp_username,
                _code_message(exc.smtp_code, exc.smtp_error),
                s.contact.smtp_username_env,
                s.contact.smtp_password_env,
            )
            raise TemporaryFailure(
                f"login refused: {_code_message(exc.smtp_code, exc.smtp_error)}", server_down=True
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise TemporaryFailure(f"server does not support {s.smtp_security}: {exc}", server_down=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(
                f"cannot reach SMTP server {s.smtp_host}:{s.smtp_port}: {exc}", server_down=True
            ) from None
        return smtp

    def links(self, row: Row) -> AnswerLinks | None:
        """The mentor's answer links for this request (none without a signing key)."""
        return answer_links(self.settings, row)

    def send(self, row: Row) -> None:
        s = self.settings
        try:
            message = render_message(
                row,
                sender=s.from_email,
                site_title=s.config.title,
                organisation=s.config.organisation,
                base_url=s.config.base_url,
                coordinator_mode=s.contact.delivery == "coordinator",
                links=self.links(row),
                messages=self.messages,
            )
        except (ValueError, TypeError) as exc:
            raise PermanentFailure(f"refused to send an unsafe message: {exc}") from None
        self.deliver(row.recipient, message)

    def deliver(self, recipient: str, message: bytes) -> None:
        """Hand checked message bytes to SMTP for one recipient; failures sorted as above."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            # The checked bytes themselves: send_message would serialise the message again.
            refused = self._smtp.sendmail(self.settings.from_email, [recipient], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self.close()
            if code >= 500:
                raise PermanentFailure(f"recipient refused: {_code_message(code, text)}") from None
            raise TemporaryFailure(f"recipient deferred: {_code_message(code, text)}", server_down=False) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self.close()
            detail = _code_message(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"message refused: {detail}") from None
            raise TemporaryFailure(f"message deferred: {detail}", server_down=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"connection lost: {exc}", server_down=True) from None
        if refused:  # only possible with several recipients; kept for completeness
            raise PermanentFailure(f"recipient refused: {refused}")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                with contextlib.suppress(OSError):
                    self._smtp.close()
            self._smtp = None


@dataclass(frozen=True)
class _Queue:
    """One outbox table as the worker drains it: the requests' mails or the lifecycle mails.
    An item (``store.Row`` or ``store.Mail``) has an ``id`` and the ``attempts`` of its claim."""

    #: Its items in the log, e.g. "request(s)".
    plural: str
    claim: Callable[[], Any]
    send: Callable[[SmtpTransport, Any], None]
    #: An item in the log, e.g. "request MR-7K3M-Q9XD".
    what: Callable[[Any], str]
    mark_sent: Callable[..., None]
    mark_retry: Callable[..., None]
    mark_failed: Callable[..., None]
    next_due: Callable[[], float | None]
    requeue_expired: Callable[[float], int]


class Outbox(threading.Thread):
    """The delivery worker. ``wake()`` after storing a request; ``stop()`` to finish.

    It drains the requests' outbox, then, given a `mailer`, the lifecycle mails' (``mails``),
    on the same SMTP connection and with the same retries, leases and fencing."""

    #: Longest sleep between looks at the database (re-queued rows from the CLI, rows stored
    #: by another receiver and expired leases are seen then).
    POLL = 2.0
    #: Most rows sent on one SMTP connection before looking at the clock and the leases again.
    BATCH = 100

    def __init__(
        self,
        store: Store,
        settings: Settings,
        transport_factory: Callable[[Settings], SmtpTransport] = SmtpTransport,
        mailer: LifecycleMailer | None = None,
    ):
        super().__init__(name="outbox", daemon=True)
        self.store = store
        self.settings = settings
        self.transport_factory = transport_factory
        self.mailer = mailer
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.server_failures = 0
        self.server_retry_at = 0.0
        self._next_lease_check = 0.0
        self.queues = [
            _Queue(
                "request(s)",
                store.claim_next,
                lambda transport, row: transport.send(row),
                lambda row: f"request {row.reference}",
                store.mark_sent,
                store.mark_retry,
                store.mark_failed,
                store.next_due,
                store.requeue_expired,
            )
        ]
        if mailer is not None:
            self.queues.append(
                _Queue(
                    "lifecycle mail(s)",
                    store.claim_next_mail,
                    self._send_mail,
                    lambda mail: f"request {mail.request.reference}: {mail.kind} mail",
                    store.mark_mail_sent,
                    store.mark_mail_retry,
                    store.mark_mail_failed,
                    store.next_mail_due,
                    store.requeue_expired_mails,
                )
            )

    def _send_mail(self, transport: SmtpTransport, mail: Mail) -> None:
        assert self.mailer is not None  # only queued when there is one
        try:
            rendered = self.mailer.render(mail)
        except (ValueError, TypeError) as exc:
            raise PermanentFailure(f"refused to send an unsafe message: {exc}") from None
        if rendered is None:
            raise PermanentFailure("nobody to send it to (set coordinator_email)")
        transport.deliver(*rendered)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.drain()
            except Exception:  # never let the worker die: log, wait, go on
                log.exception("outbox: unexpected error; retrying in %.0f s", self.POLL)
                delay = self.POLL
            if delay > 0:
                self._wake.wait(delay)
                self._wake.clear()

    def drain(self) -> float:
        """Send what is due; return how long to sleep before looking again."""
        now = time.time()
        if now < self.server_retry_at:
            return min(self.server_retry_at - now, self.POLL)
        if now >= self._next_lease_check:
            self._next_lease_check = now + self.POLL
            for queue in self.queues:
                requeued = queue.requeue_expired(now)
                if requeued:
                    log.warning(
                        "%d %s were being sent by a receiver that stopped; sending them again", requeued, queue.plural
                    )
        transport: SmtpTransport | None = None
        claimed = 0
        try:
            for queue in self.queues:
                while claimed < self.BATCH and not self._stopping.is_set():
                    item = queue.claim()
                    if item is None:
                        break
                    claimed += 1
                    if transport is None:
                        transport = self.transport_factory(self.settings)
                    if not self._send(queue, transport, item):
                        return 0.0
        finally:
            if transport is not None:
                transport.close()
        if claimed:
            return 0.0
        due = [d for d in (queue.next_due() for queue in self.queues) if d is not None]
        return self.POLL if not due else max(0.01, min(self.POLL, min(due) - now))

    def _send(self, queue: _Queue, transport: SmtpTransport, item: Any) -> bool:
        """Send one claimed item and record the outcome; False when the server is down."""
        contact = self.settings.contact
        try:
            queue.send(transport, item)
        except PermanentFailure as exc:
            reason = redact_addresses(str(exc))
            queue.mark_failed(item.id, reason, attempt=item.attempts)
            log.error(
                "%s: delivery failed permanently: %s (kept; see `mentorsite requests list --status failed`)",
                queue.what(item),
                reason,
            )
        except TemporaryFailure as exc:
            reason = redact_addresses(str(exc))
            if exc.server_down:
                queue.mark_retry(item.id, reason, time.time(), attempt=item.attempts)
                self.server_failures += 1
                wait = backoff(self.server_failures, contact.retry_base_seconds, contact.retry_max_seconds)
                self.server_retry_at = time.time() + wait
                log.warning(
                    "SMTP unavailable (%s); %d request(s) waiting, next try in %.1f s",
                    reason,
                    self.store.counts()["queued"],
                    wait,
                )
                return False
            wait = backoff(item.attempts + 1, contact.retry_base_seconds, contact.retry_max_seconds)
            queue.mark_retry(item.id, reason, time.time() + wait, attempt=item.attempts)
            log.warning("%s: %s; retrying in %.1f s", queue.what(item), reason, wait)
        else:
            queue.mark_sent(item.id, attempt=item.attempts)
            if self.server_failures:
                log.info("SMTP is back after %d failed attempt(s)", self.server_failures)
            self.server_failures = 0
            log.info("%s: delivered", queue.what(item))
        return True
