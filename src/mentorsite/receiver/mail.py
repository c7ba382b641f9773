"""The email a mentor (or the coordinator) receives, built with the standard `email` package.

Header safety comes from the library, not from string formatting: every header is set through
an ``EmailMessage`` whose policy refuses CR or LF in a header value (``ValueError``), and the
mentee's name and address go in as an ``Address`` object, which quotes or RFC 2047-encodes the
display name and refuses line breaks. Validation already refuses multi-line names; this is the
second, independent wall. Where the running Python supports it, the policy also verifies every
generated header (``verify_generated_headers``).

A message is a pure function of its stored row: the same Message-ID and Date on every attempt,
so a retried delivery is recognisably the same message.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin

from ..contact_fields import CADENCE_CHOICES, FORMAT_CHOICES
from .store import Row

_options: dict[str, Any] = {"raise_on_defect": True}
if hasattr(email.policy.SMTP, "verify_generated_headers"):  # Python 3.11.10+, 3.12.5+
    _options["verify_generated_headers"] = True
#: SMTP line endings, strict about defects and header injection.
POLICY = email.policy.SMTP.clone(**_options)


def address(value: str, display_name: str = "") -> Address:
    local, _, domain = value.rpartition("@")
    return Address(display_name=display_name, username=local, domain=domain)


def _section(title: str, text: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{text}\n"


def body_text(row: Row, *, site_title: str, organisation: str, base_url: str, coordinator_mode: bool) -> str:
    request = row.request
    profile = urljoin(base_url, f"mentors/{request.mentor}/")
    created = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
    if coordinator_mode:
        opening = (
            f"Hello,\n\n{request.name} would like to talk with {row.mentor_name} about mentoring, and agreed that "
            f"these details are shared with the mentor. Please pass the request on.\n\n"
            f"Mentor: {row.mentor_name} ({profile})\n"
            f"Mentee: {request.name} <{request.email}> (reply to this email to answer them)\n"
        )
    else:
        opening = (
            f"Hello {row.mentor_name},\n\n{request.name} found you in {site_title} and would like to talk with you "
            f"about mentoring. They agreed that these details are shared with you.\n\n"
            f"Reply to this email to answer {request.name} directly ({request.email}).\n"
        )
    parts = [opening, _section("What they hope to gain", request.hope_to_gain)]
    if request.goals:
        parts.append(_section("Their goals", request.goals))
    parts.append(
        f"Preferred format: {FORMAT_CHOICES.get(request.format, request.format)}\n"
        f"Preferred cadence: {CADENCE_CHOICES.get(request.cadence, request.cadence)}\n"
    )
    parts.append(_section("Their message", request.message))
    parts.append(
        f"-- \nReference {row.reference}, received {created.strftime('%-d %B %Y at %H:%M UTC')}\n"
        f"through the contact form of {site_title} ({organisation}).\n"
        f"Your address was not shown to {request.name}; it is theirs only if you reply.\n"
    )
    return "\n".join(parts)


def build_message(
    row: Row, *, sender: str, site_title: str, organisation: str, base_url: str, coordinator_mode: bool
) -> EmailMessage:
    """The message for one stored request. Raises ValueError if any header would be unsafe."""
    request = row.request
    msg = EmailMessage(policy=POLICY)
    msg["From"] = address(sender, site_title)
    msg["To"] = address(row.recipient, "" if coordinator_mode else row.mentor_name)
    msg["Reply-To"] = address(request.email, request.name)
    if coordinator_mode:
        msg["Subject"] = f"Mentoring request for {row.mentor_name} from {request.name}"
    else:
        msg["Subject"] = f"Mentoring request from {request.name}"
    created = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
    msg["Date"] = format_datetime(created)
    msg["Message-ID"] = row.message_id
    msg["X-Mentorsite-Reference"] = row.reference
    msg.set_content(
        body_text(
            row, site_title=site_title, organisation=organisation, base_url=base_url, coordinator_mode=coordinator_mode
        )
    )
    return msg
