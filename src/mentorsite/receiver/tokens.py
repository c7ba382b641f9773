"""Signed form timestamps: how the receiver tells a person filling a form from a bot.

A token is ``<issued-ms>.<nonce>.<signature>``: the receiver issues it (``GET …/token`` for
the JavaScript path, or inside the review page for the no-JavaScript path), signs it with
HMAC-SHA256, and on submission checks that at least ``min_fill_seconds`` have passed since it
was issued and that it is not older than ``MAX_AGE``. Its nonce doubles as an idempotency key:
the same token submitted twice with the same content returns the first reference instead of
storing a second request (double clicks, a retry after a lost response, the Back button).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Literal

#: Tokens older than this are refused (the page then gets a fresh one).
MAX_AGE = 24 * 3600
#: Tolerated clock difference for tokens "from the future" (several processes, one clock).
SKEW = 5.0

_DIGITS = re.compile(r"[0-9]{1,16}")

Status = Literal["ok", "missing", "invalid", "expired", "too_fast"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenCheck:
    status: Status
    nonce: str = ""
    #: Seconds to wait before the same token becomes acceptable (too_fast only).
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Signer:
    """Issues and checks tokens with one secret key."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self._key = key

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()[:18])

    def issue(self, now: float | None = None) -> str:
        issued = int((time.time() if now is None else now) * 1000)
        payload = f"{issued}.{_b64(secrets.token_bytes(12))}"
        return f"{payload}.{self._sign(payload)}"

    def check(self, token: str, min_age: float, now: float | None = None) -> TokenCheck:
        now = time.time() if now is None else now
        if not token:
            return TokenCheck("missing")
        parts = token.split(".")
        # ASCII digits only: str.isdigit() accepts "١٢٣" and "²", which int() or the ASCII
        # signature then choke on (a 500 where the sender deserves a 400).
        if len(token) > 100 or not token.isascii() or len(parts) != 3 or not _DIGITS.fullmatch(parts[0]):
            return TokenCheck("invalid")
        payload = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._sign(payload), parts[2]):
            return TokenCheck("invalid")
        age = now - int(parts[0]) / 1000
        if age < -SKEW:
            return TokenCheck("invalid")
        if age > MAX_AGE:
            return TokenCheck("expired")
        if age < min_age:
            return TokenCheck("too_fast", parts[1], retry_after=round(min_age - age, 2))
        return TokenCheck("ok", parts[1])
