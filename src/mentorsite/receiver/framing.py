"""Strict HTTP/1.1 request framing (RFC 9112) in front of h11, and the WSGI environ of a request.

h11 parses requests, but it is lenient where RFC 9112 lets a recipient be and a proxy in front
may read the same bytes differently (request smuggling): it merges equal duplicate
Content-Length headers, lets Transfer-Encoding win over Content-Length, unfolds obsolete line
folding and accepts bare LF line ends. ``head_problem`` refuses all of these on the raw head,
before h11 sees it. Pure functions over bytes; the connection handling is ``front``.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import h11

from ..messages import N_

#: The end of a request head.
HEAD_END = b"\r\n\r\n"
_DIGITS = re.compile(rb"[0-9]{1,18}")


@dataclass(frozen=True)
class Refusal:
    """A request the front end answers itself, then closes the connection."""

    status: int
    #: A message (msgid) and its placeholders' values: `refusal_bytes` sends its translation.
    message: str
    variables: dict[str, object] = field(default_factory=dict)


REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def head_problem(head: bytes) -> Refusal | None:
    """Why the request head (request line and header lines, without the blank line) is refused, or None."""
    if b"\n" in head.replace(b"\r\n", b"") or b"\r" in head.replace(b"\r\n", b""):
        return Refusal(400, N_("Lines must end with CRLF."))
    lengths: list[bytes] = []
    codings: list[bytes] = []
    for line in head.split(b"\r\n")[1:]:
        if line[:1] in (b" ", b"\t"):
            return Refusal(400, N_("Obsolete line folding is not accepted."))
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"content-length":
            lengths.append(value.strip(b" \t"))
        elif name == b"transfer-encoding":
            codings.append(value.strip(b" \t"))
    if len(lengths) > 1:
        return Refusal(400, N_("More than one Content-Length header."))
    if lengths and not _DIGITS.fullmatch(lengths[0]):
        return Refusal(400, N_("Content-Length must be a number of at most 18 digits."))
    if codings and lengths:
        return Refusal(400, N_("Transfer-Encoding and Content-Length together are not accepted."))
    if len(codings) > 1 or (codings and codings[0].lower() != b"chunked"):
        return Refusal(501, N_("The only transfer coding accepted is chunked, once."))
    return None


def refusal_bytes(
    refusal: Refusal, date: str, *, retry_after: int | None = None, gettext: Callable[[str], str] = N_
) -> bytes:
    """The whole answer to a refused request: plain text in `gettext`'s language (it comes
    before any request is read, so the site's default language), then the connection is closed."""
    text = gettext(refusal.message)
    body = (text % refusal.variables if refusal.variables else text).encode("utf-8") + b"\n"
    lines = [
        f"HTTP/1.1 {refusal.status} {REASONS.get(refusal.status, 'Error')}",
        f"Date: {date}",
        "Server: mentorsite",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Connection: close",
    ]
    if retry_after is not None:
        lines.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def declared_length(request: h11.Request) -> int | None:
    """The request's Content-Length, or None for a chunked body."""
    for name, value in request.headers:
        if name == b"content-length":
            return int(value)
        if name == b"transfer-encoding":
            return None
    return 0


def wsgi_environ(
    request: h11.Request,
    body: bytes,
    *,
    length: int | None,
    peer: tuple[str, int],
    server: tuple[str, int],
) -> dict:
    """The PEP 3333 environ of a complete request. ``length`` is the Content-Length the app sees:
    the declared one, or for a chunked body the bytes read."""
    target = request.target
    path, _, query = target.partition(b"?")
    environ = {
        "REQUEST_METHOD": request.method.decode("ascii"),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/" + request.http_version.decode("ascii"),
        "REMOTE_ADDR": peer[0],
        "REMOTE_PORT": str(peer[1]),
        "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        if b"_" in name:  # would pass for its dashed twin (X_Forwarded_For as X-Forwarded-For)
            continue
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue
        if key == "CONTENT_TYPE":
            environ[key] = text
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ
