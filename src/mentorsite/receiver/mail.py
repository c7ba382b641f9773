"""The email a mentor (or the coordinator) receives, built with the standard `email` package,
and checked byte by byte before it may be sent.

Header safety does not depend on the interpreter's patch level. Python's ``email`` package
decodes RFC 2047 encoded words it finds in a value when it refolds a header, so on
interpreters without the CVE-2024-6923 fix (3.11.7 among them) a name such as
``=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?=`` turns into real line breaks and extra headers.
Three walls, each enough on its own:

1. ``headers.header_value_problem``: every value that goes into a header is refused if it
   contains encoded-word syntax (``=?`` … ``?=``) or any control or line-separator character.
   The form's validation applies the same rule, so a mentee hears about it at once (422).
2. ``EmailMessage`` with a strict SMTP policy (CR or LF in a value raises ``ValueError``;
   ``verify_generated_headers`` where the running Python has it).
3. ``check_message_bytes``: the serialised bytes are parsed back; the header block must be
   ASCII, one header per CRLF-terminated line (continuations start with white space), exactly
   the expected set of header names, each once, and the addresses and names a mail program
   would decode must be the ones intended. Anything else raises ``UnsafeMessage``.

``render_message`` runs all three and returns the bytes handed to SMTP, so what was checked is
what is sent. A message is a pure function of its stored row: the same Message-ID and Date on
every attempt, so a retried delivery is recognisably the same message. The mentor's message ends
with the signed answer links (``answers.links_for``: Accept, Decline, pause), whose expiry is
counted from the row's created_at, so a retry carries the very same links.

The words are the site's language (the ``Messages`` passed in; English when none is), through
the catalogue like the lifecycle mails (``lifecycle_mail``), dates and numbers from CLDR.
"""

from __future__ import annotations

import email.policy
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin

from ..cldr import Cldr
from ..contact_fields import CADENCE_CHOICES, FORMAT_CHOICES
from ..messages import Messages, source_messages
from .answers import AnswerLinks
from .headers import header_value_problem
from .store import Row

_options: dict[str, Any] = {"raise_on_defect": True}
if hasattr(email.policy.SMTP, "verify_generated_headers"):  # Python 3.11.10+, 3.12.5+
    _options["verify_generated_headers"] = True
#: SMTP line endings, strict about defects and header injection.
POLICY = email.policy.SMTP.clone(**_options)

#: Every header a message has, each exactly once (lower case).
HEADERS = frozenset(
    {
        "from",
        "to",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "x-mentorsite-reference",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
    }
)
#: A header line: a field name (printable ASCII but ":") then a colon.
_FIELD_LINE = re.compile(rb"^([!-9;-~]+):")
#: RFC 5322's limit for a line, without its CRLF.
_MAX_LINE = 998


class UnsafeMessage(ValueError):
    """A message that must not be sent. The text says why and names no address."""


def address(value: str, display_name: str = "") -> Address:
    local, _, domain = value.rpartition("@")
    return Address(display_name=display_name, username=local, domain=domain)


def _section(title: str, text: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{text}\n"


def choices_text(format: str, cadence: str, messages: Messages) -> str:
    """The chosen format and cadence, each on its line, in the choices' words of `messages`."""
    _ = messages.gettext
    chosen_format = _(FORMAT_CHOICES.get(format, format))
    chosen_cadence = _(CADENCE_CHOICES.get(cadence, cadence))
    return (
        _("Preferred format: %(choice)s", choice=chosen_format)
        + "\n"
        + _("Preferred cadence: %(choice)s", choice=chosen_cadence)
        + "\n"
    )


def answer_section(links: AnswerLinks, messages: Messages | None = None) -> str:
    """The one-click answers: each link opens a page to confirm on, so a prefetch does nothing."""
    messages = messages or source_messages()
    _ = messages.gettext
    return _section(
        _("Answer in one click"),
        _("Accept: %(url)s", url=links.accept)
        + "\n\n"
        + _("Decline (you may give a reason or suggest another mentor): %(url)s", url=links.decline)
        + "\n\n"
        + _("I'm full, pause my profile: %(url)s", url=links.pause)
        + "\n\n"
        + _("Each link opens a page where you confirm; nothing changes until you do.")
        + "\n"
        + _("The links work until %(date)s.", date=Cldr(messages.language).format_date(links.expires)),
    )


def body_text(
    row: Row,
    *,
    site_title: str,
    organisation: str,
    base_url: str,
    coordinator_mode: bool,
    links: AnswerLinks | None = None,
    messages: Messages | None = None,
) -> str:
    messages = messages or source_messages()
    _ = messages.gettext
    request = row.request
    profile = urljoin(base_url, f"mentors/{request.mentor}/")
    created = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
    names = {"mentor": row.mentor_name, "mentee": request.name, "address": request.email}
    if coordinator_mode:
        opening = (
            _("Hello,")
            + "\n\n"
            + _(
                "%(mentee)s would like to talk with %(mentor)s about mentoring, and agreed that these details "
                "are shared with the mentor. Please pass the request on.",
                **names,
            )
            + "\n\n"
            + _("Mentor: %(mentor)s (%(url)s)", url=profile, **names)
            + "\n"
            + _("Mentee: %(mentee)s <%(address)s> (reply to this email to answer them)", **names)
            + "\n"
        )
    else:
        opening = (
            _("Hello %(name)s,", name=row.mentor_name)
            + "\n\n"
            + _(
                "%(mentee)s found you in %(site)s and would like to talk with you about mentoring. They agreed "
                "that these details are shared with you.",
                site=site_title,
                **names,
            )
            + "\n\n"
            + _("Reply to this email to answer %(mentee)s directly (%(address)s).", **names)
            + "\n"
        )
    parts = [opening, _section(_("What they hope to gain"), request.hope_to_gain)]
    if request.goals:
        parts.append(_section(_("Their goals"), request.goals))
    parts.append(choices_text(request.format, request.cadence, messages))
    parts.append(_section(_("Their message"), request.message))
    if links is not None:
        parts.append(answer_section(links, messages))
    parts.append(
        "-- \n"
        + _(
            "Reference %(reference)s, received %(date)s at %(time)s UTC",
            reference=row.reference,
            date=Cldr(messages.language).format_date(created),
            time=created.strftime("%H:%M"),
        )
        + "\n"
        + _("through the contact form of %(site)s (%(organisation)s).", site=site_title, organisation=organisation)
        + "\n"
        + _("Your address was not shown to %(mentee)s; it is theirs only if you reply.", **names)
        + "\n"
    )
    return "\n".join(parts)


def _subject(row: Row, coordinator_mode: bool, messages: Messages) -> str:
    names = {"mentor": row.mentor_name, "mentee": row.request.name}
    if coordinator_mode:
        return messages.gettext("Mentoring request for %(mentor)s from %(mentee)s", **names)
    return messages.gettext("Mentoring request from %(mentee)s", **names)


def _header_values(row: Row, *, sender: str, site_title: str) -> dict[str, str]:
    """Every text that goes into a header, by what it is (the words of an UnsafeMessage)."""
    return {
        "the sender address": sender,
        "the site title": site_title,
        "the recipient address": row.recipient,
        "the mentor's name": row.mentor_name,
        "the mentee's name": row.request.name,
        "the mentee's email address": row.request.email,
        "the reference": row.reference,
        "the Message-ID": row.message_id,
        "the created time": row.created_at,
    }


def build_message(
    row: Row,
    *,
    sender: str,
    site_title: str,
    organisation: str,
    base_url: str,
    coordinator_mode: bool,
    links: AnswerLinks | None = None,
    messages: Messages | None = None,
) -> EmailMessage:
    """The message for one stored request, in the language of `messages` (English without).
    Raises UnsafeMessage (a ValueError) if a value may not go into a header, ValueError if
    the policy finds a header unsafe."""
    messages = messages or source_messages()
    for what, value in _header_values(row, sender=sender, site_title=site_title).items():
        problem = header_value_problem(value)
        if problem:
            raise UnsafeMessage(f"{what} {problem}")
    request = row.request
    msg = EmailMessage(policy=POLICY)
    msg["From"] = address(sender, site_title)
    msg["To"] = address(row.recipient, "" if coordinator_mode else row.mentor_name)
    msg["Reply-To"] = address(request.email, request.name)
    msg["Subject"] = _subject(row, coordinator_mode, messages)
    created = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
    msg["Date"] = format_datetime(created)
    msg["Message-ID"] = row.message_id
    msg["X-Mentorsite-Reference"] = row.reference
    msg.set_content(
        body_text(
            row,
            site_title=site_title,
            organisation=organisation,
            base_url=base_url,
            coordinator_mode=coordinator_mode,
            links=links,
            messages=messages,
        )
    )
    return msg


def check_message_bytes(data: bytes, expected: dict[str, tuple[str, str]], subject: str) -> None:
    """Refuse (UnsafeMessage) serialised message bytes whose header block is not exactly what
    was meant: ASCII, CRLF-terminated lines of at most 998 bytes, each a ``Name:`` line or a
    continuation starting with white space; exactly the names in HEADERS, each once; and,
    decoded as a mail program would, the addresses and display names of `expected`
    (header -> (address, display name)) and `subject` (white space aside), and no control
    character or encoded-word syntax left in any header."""
    head, blank, _ = data.partition(b"\r\n\r\n")
    if not blank:
        raise UnsafeMessage("the message has no blank line between its headers and its body")
    if not head.isascii():
        raise UnsafeMessage("the header block is not ASCII")
    names: list[str] = []
    for number, line in enumerate(head.split(b"\r\n"), 1):
        if b"\r" in line or b"\n" in line:
            raise UnsafeMessage(f"header line {number} holds a bare CR or LF")
        if len(line) > _MAX_LINE:
            raise UnsafeMessage(f"header line {number} is longer than {_MAX_LINE} bytes")
        if line[:1] in (b" ", b"\t"):
            if not names:
                raise UnsafeMessage("the header block starts with a continuation line")
            continue
        field = _FIELD_LINE.match(line)
        if field is None:
            raise UnsafeMessage(f"header line {number} is neither a header nor a continuation")
        names.append(field.group(1).decode("ascii").lower())
    if sorted(names) != sorted(HEADERS):
        extra = sorted({n for n in names if n not in HEADERS or names.count(n) > 1})
        missing = sorted(HEADERS - set(names))
        raise UnsafeMessage(
            "the headers are not the expected set"
            + (f"; unexpected or repeated: {', '.join(extra)}" if extra else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    parsed = BytesHeaderParser(policy=email.policy.default).parsebytes(head + b"\r\n\r\n")
    for name in sorted(HEADERS):
        problem = header_value_problem(str(parsed[name]))
        if problem:
            raise UnsafeMessage(f"the {name} header, decoded, {problem}")
    for name, (addr_spec, display_name) in expected.items():
        found = [(a.addr_spec, _squeezed(a.display_name)) for a in parsed[name].addresses]
        if found != [(addr_spec, _squeezed(display_name))]:
            raise UnsafeMessage(f"the {name} header does not decode to the one address and name intended")
    if _squeezed(str(parsed["subject"])) != _squeezed(subject):
        raise UnsafeMessage("the subject header does not decode to the subject intended")


def _squeezed(text: str) -> str:
    # The email package's folding and unfolding of encoded words adds or merges white space
    # (a space inside a long name, two spaces as one); the words themselves must survive.
    return "".join(text.split())


def render_message(
    row: Row,
    *,
    sender: str,
    site_title: str,
    organisation: str,
    base_url: str,
    coordinator_mode: bool,
    links: AnswerLinks | None = None,
    messages: Messages | None = None,
) -> bytes:
    """The bytes to hand to SMTP for one stored request, checked (``check_message_bytes``), in
    the language of `messages` (English without). Raises UnsafeMessage (or the policy's
    ValueError) instead of returning anything unsafe."""
    messages = messages or source_messages()
    message = build_message(
        row,
        sender=sender,
        site_title=site_title,
        organisation=organisation,
        base_url=base_url,
        coordinator_mode=coordinator_mode,
        links=links,
        messages=messages,
    )
    data = message.as_bytes(policy=POLICY)
    expected = {
        "from": (sender, site_title),
        "to": (row.recipient, "" if coordinator_mode else row.mentor_name),
        "reply-to": (row.request.email, row.request.name),
    }
    check_message_bytes(data, expected, _subject(row, coordinator_mode, messages))
    return data
