"""The lifecycle mails (table ``mails``): what the mentee, the mentor and the coordinator hear
after a request, in the site's language, built and checked like the mentor's mail (``mail``).

Who gets what, and which addresses each reveals:

* ``ack`` to the mentee on receipt: a copy of the request, its reference, what happens next and
  the meetings guide. It names the mentor (public) and never holds the mentor's address.
* ``intro_mentee`` on accept: the mentor's address, in the body and in Reply-To. The mentor
  consented by confirming Accept, whose page says that the mentee gets their address; before
  that click nobody but the organisation knows it.
* ``intro_mentor`` on accept: the mentee's address (Reply-To), which the mentor already had
  from the request the mentee agreed to share.
* ``declined`` / ``expired`` to the mentee: up to three similar accepting mentors from the
  site's own data (``similar_mentors``), public names and page URLs only.
* ``reminder`` to the mentor: the request's essentials and, once the answer links exist, the
  links again (``answers`` hook); Reply-To the mentee, as in the first mail.
* ``coordinator`` to ``coordinator_email``: reference, names and date; no address.

Replies that do not go to a person go to ``coordinator_email``, else to the sender address.
A message is a pure function of its stored row and the site's data: Date is the mail's
``created_at`` and the Message-ID was fixed when it was queued, so a resend after the SMTP
window is recognisably the same message. Every header value passes
``headers.header_value_problem`` and the bytes pass ``mail.check_message_bytes``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urljoin

from babel.dates import format_date

from ..messages import Messages, locale_of
from .availability import OPEN, similar_open, statuses
from .directory import Directory, Entry
from .headers import header_value_problem
from .mail import POLICY, UnsafeMessage, address, check_message_bytes, choices_text
from .settings import Settings
from .store import Mail, Row

#: Most similar mentors offered after a decline or an expiry.
SIMILAR_LIMIT = 3


@dataclass(frozen=True)
class Suggestion:
    """A mentor offered instead: public name and page, nothing else."""

    slug: str
    name: str
    url: str


def similar_mentors(
    directory: Directory,
    mentor: str,
    *,
    suggested: str = "",
    taken: Mapping[str, int],
    paused: Collection[str],
    base_url: str,
    limit: int = SIMILAR_LIMIT,
) -> list[Suggestion]:
    """Up to `limit` mentors to offer instead of `mentor`: the declining mentor's suggestion
    first (when it names a mentor who can take the request), then those sharing most expertise
    tags with `mentor` (ties by name, then slug). Only reachable mentors who accept mentees, are
    not paused and have a free place (accepted, unclosed requests below their capacity)."""

    # The same statuses and ranking as availability.json and the receiver's refusal page.
    status = statuses(directory, taken, paused)
    chosen: list[Entry] = []
    first = directory.get(suggested) if suggested and suggested != mentor else None
    if first is not None and status.get(first.slug) == OPEN:
        chosen.append(first)
    chosen.extend(e for e in similar_open(directory, status, mentor, limit=limit + 1) if e not in chosen)
    return [Suggestion(e.slug, e.name, urljoin(base_url, f"mentors/{e.slug}/")) for e in chosen[:limit]]


@dataclass(frozen=True)
class Composed:
    """One lifecycle mail before it becomes bytes: who, to whom, what."""

    to: tuple[str, str]
    reply_to: tuple[str, str]
    subject: str
    body: str


#: A hook giving the answer links' text for a request's reminder (the "lifecycle" work signs
#: them in ``answers``); None: the reminder asks the mentor to reply instead.
AnswerText = Callable[[Row], str | None]


class LifecycleMailer:
    """Composes and renders the mails of ``schema.MAIL_KINDS`` for the outbox."""

    def __init__(
        self,
        settings: Settings,
        messages: Messages,
        directory: Callable[[], Directory],
        mentor_load: Callable[[], tuple[Mapping[str, int], Mapping[str, str]]],
        answers: AnswerText | None = None,
    ):
        self.settings = settings
        self.messages = messages
        self.directory = directory
        self.mentor_load = mentor_load
        self.answers = answers
        self.locale = locale_of(messages.language) or locale_of("en")
        contact = settings.contact
        #: Where replies go when they should not go to a person of the request.
        self.office = contact.coordinator_email or settings.from_email

    # Pieces ---------------------------------------------------------------------------------
    def _(self, msgid: str, **variables: object) -> str:
        return self.messages.gettext(msgid, **variables)

    def _date(self, stamp: str) -> str:
        return format_date(_moment(stamp), format="long", locale=self.locale)

    def _url(self, path: str) -> str:
        return urljoin(self.settings.config.base_url, path)

    def _signature(self, row: Row) -> str:
        config = self.settings.config
        reference = self._("Reference %(reference)s", reference=row.reference)
        return f"-- \n{config.title} ({config.organisation})\n{reference}\n"

    def _request_copy(self, row: Row) -> str:
        request = row.request
        parts = [_section(self._("What you hope to gain"), request.hope_to_gain)]
        if request.goals:
            parts.append(_section(self._("Your goals"), request.goals))
        parts.append(choices_text(request.format, request.cadence, self.messages))
        parts.append(_section(self._("Your message"), request.message))
        return "\n".join(parts)

    def _meetings_guide(self) -> str:
        url = self.directory().guides.get(self.settings.config.guides.meetings)
        return self._("Preparing for your first meeting: %(url)s", url=self._url(url)) + "\n" if url else ""

    # The kinds ------------------------------------------------------------------------------
    def compose(self, mail: Mail) -> Composed | None:
        """The mail of `mail`'s kind, or None when it has nobody to go to (no coordinator)."""
        row = mail.request
        request = row.request
        mentee = (request.email, request.name)
        mentor = (row.recipient, row.mentor_name)
        office = (self.office, self.settings.config.title)
        hello = self._("Hello %(name)s,", name=request.name) + "\n\n"
        names = {"mentor": row.mentor_name, "mentee": request.name, "reference": row.reference}
        if mail.kind == "ack":
            body = (
                hello
                + self._(
                    "We received your request to %(mentor)s on %(date)s. Its reference is %(reference)s.",
                    date=self._date(row.created_at),
                    **names,
                )
                + "\n\n"
                + self._(
                    "What happens next: we pass your request on to %(mentor)s with your name and address, as you "
                    "agreed. When they accept, we introduce you to each other by email. If they decline or do "
                    "not answer in time, we suggest other mentors.",
                    **names,
                )
                + "\n\n"
                + _section(self._("Your request"), "")
                + "\n"
                + self._request_copy(row)
                + "\n"
                + self._meetings_guide()
            )
            subject = self._("Your mentoring request %(reference)s", **names)
            return Composed(mentee, office, subject, body + "\n" + self._signature(row))
        if mail.kind == "intro_mentee":
            body = (
                hello
                + self._(
                    "%(mentor)s accepted your request %(reference)s and agreed that we give you their email "
                    "address: %(address)s",
                    address=row.recipient,
                    **names,
                )
                + "\n\n"
                + self._("Reply to this email to write to %(mentor)s directly.", **names)
                + "\n\n"
                + self._meetings_guide()
            )
            subject = self._("%(mentor)s accepted your mentoring request", **names)
            return Composed(mentee, mentor, subject, body + "\n" + self._signature(row))
        if mail.kind == "intro_mentor":
            body = (
                self._("Hello %(name)s,", name=row.mentor_name)
                + "\n\n"
                + self._(
                    "Thank you for accepting the request %(reference)s. As the Accept page said, we have sent "
                    "%(mentee)s your email address.",
                    **names,
                )
                + "\n\n"
                + self._(
                    "Reply to this email to write to %(mentee)s directly (%(address)s).", address=request.email, **names
                )
                + "\n"
            )
            subject = self._("Introduction: %(mentee)s", **names)
            return Composed(mentor, mentee, subject, body + "\n" + self._signature(row))
        if mail.kind in ("declined", "expired"):
            if mail.kind == "declined":
                opening = self._("%(mentor)s cannot take on your request %(reference)s at the moment.", **names)
            else:
                opening = self._(
                    "%(mentor)s could not answer your request %(reference)s in time, so we have closed it.", **names
                )
            taken, paused = self.mentor_load()
            offered = similar_mentors(
                self.directory(),
                request.mentor,
                suggested=mail.suggested_mentor if mail.kind == "declined" else "",
                taken=taken,
                paused=paused,
                base_url=self.settings.config.base_url,
            )
            if offered:
                others = (
                    self._("These mentors share interests with your request and are taking new mentees:")
                    + "\n\n"
                    + "".join(f"- {s.name}: {s.url}\n" for s in offered)
                )
            else:
                others = ""
            body = (
                hello
                + opening
                + "\n\n"
                + others
                + "\n"
                + self._("All mentors: %(url)s", url=self._url("mentors/"))
                + "\n"
            )
            subject = self._("About your mentoring request %(reference)s", **names)
            return Composed(mentee, office, subject, body + "\n" + self._signature(row))
        if mail.kind == "reminder":
            links = self.answers(row) if self.answers else None
            answer = (
                links
                or self._(
                    "Reply to this email to answer %(mentee)s directly (%(address)s).", address=request.email, **names
                )
                + "\n"
            )
            body = (
                self._("Hello %(name)s,", name=row.mentor_name)
                + "\n\n"
                + self._(
                    "%(mentee)s asked you for mentoring on %(date)s (reference %(reference)s) and is still "
                    "waiting for your answer.",
                    date=self._date(row.created_at),
                    **names,
                )
                + "\n\n"
                + _section(self._("What they hope to gain"), request.hope_to_gain)
                + "\n"
                + answer
            )
            subject = self._("Reminder: mentoring request from %(mentee)s", **names)
            return Composed(mentor, mentee, subject, body + "\n" + self._signature(row))
        if mail.kind == "coordinator":
            coordinator = self.settings.contact.coordinator_email
            if not coordinator:
                return None
            body = (
                self._(
                    "The request %(reference)s from %(mentee)s to %(mentor)s, received on %(date)s, has not been "
                    "answered yet.",
                    date=self._date(row.created_at),
                    **names,
                )
                + "\n\n"
                + self._("Details: mentorsite requests show %(reference)s", **names)
                + "\n"
            )
            subject = self._("Unanswered mentoring request %(reference)s", **names)
            return Composed((coordinator, ""), office, subject, body + "\n" + self._signature(row))
        raise ValueError(f"unknown mail kind {mail.kind!r}")

    def render(self, mail: Mail) -> tuple[str, bytes] | None:
        """(recipient, the checked bytes to hand to SMTP), or None when the mail has nobody to go to.
        Raises UnsafeMessage (a ValueError) rather than return anything unsafe."""
        composed = self.compose(mail)
        if composed is None:
            return None
        sender, title = self.settings.from_email, self.settings.config.title
        values = {
            "the sender address": sender,
            "the site title": title,
            "the recipient address": composed.to[0],
            "the recipient's name": composed.to[1],
            "the reply address": composed.reply_to[0],
            "the reply name": composed.reply_to[1],
            "the subject": composed.subject,
            "the reference": mail.request.reference,
            "the Message-ID": mail.message_id,
        }
        for what, value in values.items():
            problem = header_value_problem(value)
            if problem:
                raise UnsafeMessage(f"{what} {problem}")
        msg = EmailMessage(policy=POLICY)
        msg["From"] = address(sender, title)
        msg["To"] = address(*composed.to)
        msg["Reply-To"] = address(*composed.reply_to)
        msg["Subject"] = composed.subject
        msg["Date"] = format_datetime(_moment(mail.created_at))
        msg["Message-ID"] = mail.message_id
        msg["X-Mentorsite-Reference"] = mail.request.reference
        msg.set_content(composed.body)
        data = msg.as_bytes(policy=POLICY)
        expected = {"from": (sender, title), "to": composed.to, "reply-to": composed.reply_to}
        check_message_bytes(data, expected, composed.subject)
        return composed.to[0], data


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _section(title: str, text: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{text}\n" if text else f"{title}\n{'-' * len(title)}\n"
