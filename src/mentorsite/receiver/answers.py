"""Signed, expiring answer links: how a mentor answers a request from the mail in one click.

A link is ``<receiver_url>/answer/<token>``; the token is ``<action>.<subject>.<expiry>.<signature>``:

* `action` — ``accept``, ``decline`` (the request) or ``pause`` (the mentor's profile);
* `subject` — the request's reference (``MR-7K3M-Q9XD``) or, for ``pause``, the mentor's slug;
* `expiry` — Unix seconds, the request's ``created_at`` plus ``[contact] answer_link_days``, so a
  mail re-sent after a failure carries the very same links (a message is a function of its row);
* `signature` — HMAC-SHA256 over the three, with a key derived from the receiver's secret (the
  one that signs form timestamps) for this purpose only, so a form token can never pass as a link.

Every part is URL-safe as it stands. A link only *names* an answer: opening it (GET) shows a
confirmation page, and only the POST of that page acts (``app``), so a mail scanner that
prefetches links changes nothing. Whoever holds the mail holds the links: they show the
mentee's name and request (which the mail holds anyway), never the mentee's address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

#: What a link can do, in the order the mail lists them.
ACTIONS = ("accept", "decline", "pause")
Action = Literal["accept", "decline", "pause"]
#: A reference or a slug: letters, digits, hyphens.
_SUBJECT = re.compile(r"[A-Za-z0-9-]{1,80}")
_EXPIRY = re.compile(r"[0-9]{1,12}")
#: Longer strings are not looked at (a token is under 120 characters).
MAX_TOKEN = 200

Status = Literal["ok", "invalid", "expired"]


@dataclass(frozen=True)
class LinkCheck:
    status: Status
    action: str = ""
    subject: str = ""
    expires: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class LinkSigner:
    """Issues and checks answer tokens with a key derived from the receiver's secret."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self._key = hmac.new(secret, b"mentorsite answer links v1", hashlib.sha256).digest()

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()[:24])

    def issue(self, action: Action, subject: str, expires: datetime) -> str:
        if action not in ACTIONS or not _SUBJECT.fullmatch(subject):
            raise ValueError(f"cannot sign {action!r} for {subject!r}")
        payload = f"{action}.{subject}.{int(expires.timestamp())}"
        return f"{payload}.{self._sign(payload)}"

    def check(self, token: str, now: float) -> LinkCheck:
        """The token's action and subject if its signature is right and it has not expired."""
        parts = token.split(".") if len(token) <= MAX_TOKEN and token.isascii() else []
        if (
            len(parts) != 4
            or parts[0] not in ACTIONS
            or not _SUBJECT.fullmatch(parts[1])
            or not _EXPIRY.fullmatch(parts[2])
            or not hmac.compare_digest(self._sign(".".join(parts[:3])), parts[3])
        ):
            return LinkCheck("invalid")
        expires = float(parts[2])
        if now >= expires:
            return LinkCheck("expired", parts[0], parts[1], expires)
        return LinkCheck("ok", parts[0], parts[1], expires)


@dataclass(frozen=True)
class AnswerLinks:
    """The three links of one request's mail."""

    accept: str
    decline: str
    pause: str
    expires: datetime


def answer_path(receiver_url: str) -> str:
    """The URL path answer links live under, e.g. ``/answer/`` (with receiver_url's prefix)."""
    return urlsplit(receiver_url).path.rstrip("/") + "/answer/"


def links_for(
    signer: LinkSigner, *, reference: str, mentor: str, created_at: str, receiver_url: str, days: int
) -> AnswerLinks:
    """The answer links of a request received at `created_at` (ISO text), valid for `days`."""
    created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    expires = created + timedelta(days=days)
    base = receiver_url.rstrip("/") + "/answer/"
    return AnswerLinks(
        accept=base + signer.issue("accept", reference, expires),
        decline=base + signer.issue("decline", reference, expires),
        pause=base + signer.issue("pause", mentor, expires),
        expires=expires,
    )
