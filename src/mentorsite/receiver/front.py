"""The receiver's HTTP front end: an asyncio server reads whole requests, a small thread pool
runs the WSGI app on them.

A connection that is idle, or sends its head or body slowly, only costs the event loop a
waiting coroutine; the workers (``--threads``) see complete requests only, so slow clients
cannot occupy them (issue 14: eight slow clients used to stop a receiver on eight threads).
Every request has deadlines for its whole head and whole body (plus a minimum average rate),
a kept-alive connection an idle timeout, and connections are capped per client
(``ratelimit.client_key``: an IPv6 client by its /64) and overall. Framing is strict
(``framing``); a refused or unread request closes the connection, so its bytes are never read
as the next request. SIGTERM stops accepting, lets the requests in hand finish, then returns.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate

import h11

from ..messages import N_
from .framing import HEAD_END, Refusal, declared_length, head_problem, refusal_bytes, wsgi_environ
from .ratelimit import client_key, normal_address

log = logging.getLogger("mentorsite.receiver")
#: After refusing a request, seconds its remaining input is read and discarded before closing.
LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class Limits:
    """How long and how much a client may take. The defaults are what `mentorsite receive` uses."""

    #: Threads running the app, each on one complete request (`--threads`).
    workers: int = 8
    #: A request head must arrive whole within this many seconds of the connection being ready for it.
    header_seconds: float = 10.0
    #: A request body must arrive whole within this many seconds of its head ...
    body_seconds: float = 20.0
    #: ... and, after the first `body_grace_seconds`, at `body_min_rate` bytes per second on average.
    body_grace_seconds: float = 5.0
    body_min_rate: float = 1024.0
    #: A connection waiting for its next request is closed after this many seconds.
    idle_seconds: float = 5.0
    #: The largest request head (431 above it).
    max_head_bytes: int = 16 * 1024
    #: The most body bytes read: the app's own limit. A longer body is handed to the app
    #: unread (it answers 413 with the headers the page's script can read), then the connection closes.
    max_body_bytes: int = 65_536
    #: Open connections per client; a browser opens at most 6 per host, the rest is room for a shared NAT.
    per_client: int = 32
    #: Open connections in all.
    total: int = 1000
    #: Seconds to hand an answer to a client that does not read it.
    write_seconds: float = 10.0
    #: After SIGTERM, seconds the requests in hand get to finish.
    shutdown_seconds: float = 10.0


class Gate:
    """Connection caps, per client and overall. The trusted proxy speaks for many clients, so
    only the overall cap applies to it (the proxy's own limits are per client)."""

    def __init__(self, per_client: int, total: int, exempt: str | None = None):
        self.per_client = per_client
        self.total = total
        self.exempt = exempt
        self.open: Counter[str] = Counter()
        self.count = 0

    def admit(self, key: str) -> str | None:
        """Count a new connection from `key`, or say why it is refused (a msgid; counting nothing)."""
        if self.count >= self.total:
            return N_("The server is busy. Please try again in a minute.")
        if key != self.exempt and self.open[key] >= self.per_client:
            return N_("Too many connections from your network.")
        self.open[key] += 1
        self.count += 1
        return None

    def release(self, key: str) -> None:
        self.count -= 1
        self.open[key] -= 1
        if not self.open[key]:
            del self.open[key]


class Refused(Exception):
    """Raised inside a connection to answer with a refusal and close."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal


class CannotListen(Exception):
    """The address cannot be listened on (in use, not ours, no permission)."""


class ClientGone(Exception):
    """The client closed the connection in the middle of a request."""


def http_date() -> str:
    return formatdate(usegmt=True)


class FrontEnd:
    """Serves one WSGI app; `handle` is the asyncio connection callback."""

    def __init__(
        self, app: Callable, limits: Limits, *, trusted_proxy: str | None = None, gettext: Callable[[str], str] = N_
    ):
        self.app = app
        #: Translates the refusals the front end sends itself (before any request is parsed,
        #: so in the site's default language).
        self.gettext = gettext
        self.limits = limits
        self.gate = Gate(
            limits.per_client, limits.total, client_key(normal_address(trusted_proxy)) if trusted_proxy else None
        )
        self.pool = ThreadPoolExecutor(limits.workers, thread_name_prefix="receiver-worker")
        self.tasks: set[asyncio.Task] = set()
        #: Connections waiting for a request head: closed at once on shutdown.
        self.waiting: set[asyncio.Task] = set()
        self.stopping = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[:2]
        local = writer.get_extra_info("sockname")[:2]
        key = client_key(peer[0])
        refused = self.gate.admit(key)
        if refused:
            writer.write(refusal_bytes(Refusal(503, refused), http_date(), retry_after=10, gettext=self.gettext))
            await self.close(writer, reader)
            return
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        unread = False
        try:
            unread = await self.converse(reader, writer, peer, local)
        except Refused as exc:
            writer.write(refusal_bytes(exc.refusal, http_date(), gettext=self.gettext))
            unread = True
        except (ClientGone, ConnectionError, TimeoutError):
            pass
        finally:
            self.gate.release(key)
            self.tasks.discard(task)
            self.waiting.discard(task)
            await self.close(writer, reader if unread else None)

    async def close(self, writer: asyncio.StreamWriter, unread: asyncio.StreamReader | None = None) -> None:
        """Send what is pending and close. With bytes the client may still be sending (`unread`),
        half-close first and discard its input for a moment: closing a socket with unread input
        sends a reset, which can destroy the answer before the client reads it (RFC 9112, 9.6)."""
        try:
            async with asyncio.timeout(self.limits.write_seconds):
                await writer.drain()
            if unread is not None and writer.can_write_eof():
                writer.write_eof()
                async with asyncio.timeout(LINGER_SECONDS):
                    while await unread.read(65536):
                        pass
        except (ConnectionError, TimeoutError):
            pass
        writer.close()

    async def converse(self, reader, writer, peer, local) -> bool:
        """Requests on one connection, one after the other, until it should close; True if the
        client may still be sending (a body left unread)."""
        loop = asyncio.get_running_loop()
        raw = b""
        while not self.stopping:
            head = await self.read_head(reader, raw)
            if head is None:
                return False
            raw, end = head
            problem = head_problem(raw[:end])
            if problem:
                raise Refused(problem)
            conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head_bytes)
            conn.receive_data(raw)
            request = next_event(conn)
            if not isinstance(request, h11.Request):
                raise Refused(Refusal(400, N_("Malformed request.")))
            length = declared_length(request)
            body, complete = await self.read_body(reader, writer, conn, length)
            environ = wsgi_environ(
                request, body, length=len(body) if length is None else length, peer=peer, server=local
            )
            status, reason, headers, payload = await loop.run_in_executor(self.pool, self.call_app, environ)
            closing = not complete or self.stopping
            writer.write(answer(conn, request, status, reason, headers, payload, close=closing))
            async with asyncio.timeout(self.limits.write_seconds):
                await writer.drain()
            if closing or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return not complete
            raw, closed = conn.trailing_data
            if closed:
                return False
        return False

    async def read_head(self, reader: asyncio.StreamReader, raw: bytes) -> tuple[bytes, int] | None:
        """Bytes up to a whole head and where it ends, or None if the client left or stayed idle."""
        task = asyncio.current_task()
        assert task is not None
        self.waiting.add(task)
        try:
            now = asyncio.get_running_loop().time()
            idle_deadline = now + self.limits.idle_seconds
            head_deadline = now + self.limits.header_seconds
            while True:
                end = raw.find(HEAD_END)
                if end > self.limits.max_head_bytes or (end < 0 and len(raw) > self.limits.max_head_bytes):
                    raise Refused(Refusal(431, N_("The request head is too large.")))
                if end >= 0:
                    return raw, end
                try:
                    async with asyncio.timeout_at(head_deadline if raw else min(idle_deadline, head_deadline)):
                        data = await reader.read(65536)
                except TimeoutError:
                    if raw:
                        seconds = f"{self.limits.header_seconds:g}"
                        raise Refused(
                            Refusal(
                                408, N_("The request head did not arrive within %(seconds)s s."), {"seconds": seconds}
                            )
                        ) from None
                    return None
                if not data:
                    return None
                raw += data
        finally:
            self.waiting.discard(task)

    async def read_body(self, reader, writer, conn: h11.Connection, length: int | None) -> tuple[bytes, bool]:
        """The body, and whether it was read whole (a body over the limit is not: the app sees
        at most one byte more than its limit, and the connection closes after the answer)."""
        limits = self.limits
        if length is not None and length > limits.max_body_bytes:
            return b"", False
        if conn.they_are_waiting_for_100_continue:
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
        start = asyncio.get_running_loop().time()
        parts: list[bytes] = []
        size = 0
        while True:
            event = next_event(conn)
            if event is h11.NEED_DATA:
                # The latest moment the average rate still holds without another byte.
                rate_deadline = start + limits.body_grace_seconds + size / limits.body_min_rate
                try:
                    async with asyncio.timeout_at(min(start + limits.body_seconds, rate_deadline)):
                        data = await reader.read(65536)
                except TimeoutError:
                    raise Refused(Refusal(408, N_("The request body did not arrive in time."))) from None
                if not data:
                    raise ClientGone
                conn.receive_data(data)
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
                size += len(event.data)
                if size > limits.max_body_bytes:
                    return b"".join(parts)[: limits.max_body_bytes + 1], False
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(parts), True
            else:
                raise ClientGone

    def call_app(self, environ: dict) -> tuple[int, bytes, list[tuple[str, str]], bytes]:
        """Run the WSGI app on a worker thread: status, reason, headers and the whole body."""
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]

        try:
            result = self.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            code, _, reason = started[0].partition(" ")
            return int(code), reason.encode("latin-1"), list(started[1]), payload
        except Exception:
            log.exception("unexpected error in the app on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
            body = (self.gettext(N_("Something went wrong on our side and nothing was stored.")) + "\n").encode("utf-8")
            return 500, b"Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")], body

    async def shutdown(self, server: asyncio.Server) -> None:
        """Stop accepting, close connections waiting for a request, let the others finish."""
        self.stopping = True
        server.close()
        for task in list(self.waiting):
            task.cancel()
        if self.tasks:
            _, pending = await asyncio.wait(list(self.tasks), timeout=self.limits.shutdown_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        self.pool.shutdown(wait=True)


def next_event(conn: h11.Connection):
    try:
        return conn.next_event()
    except h11.RemoteProtocolError as exc:
        # h11's reason is English protocol detail; the sentence around it is ours.
        raise Refused(
            Refusal(exc.error_status_hint, N_("Malformed request: %(reason)s."), {"reason": str(exc)})
        ) from None


def answer(conn: h11.Connection, request: h11.Request, status, reason, headers, payload, *, close: bool) -> bytes:
    """The bytes of the app's answer, with the connection's own headers decided here."""
    sent = [(n, v) for n, v in headers if n.lower() not in ("connection", "transfer-encoding", "date", "server")]
    sent += [("Date", http_date()), ("Server", "mentorsite")]
    if close:
        sent.append(("Connection", "close"))
    data = conn.send(h11.Response(status_code=status, reason=reason, headers=sent)) or b""
    if payload and request.method != b"HEAD":
        data += conn.send(h11.Data(data=payload)) or b""
    return data + (conn.send(h11.EndOfMessage()) or b"")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; on "::" it also takes IPv4 (asyncio's own would be IPv6 only)."""
    family, *_ = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    dual = family == socket.AF_INET6 and normal_address(host) == "::" and socket.has_dualstack_ipv6()
    return socket.create_server((host, port), family=family, backlog=1024, dualstack_ipv6=dual)


async def run(
    app: Callable,
    limits: Limits,
    host: str,
    port: int,
    *,
    trusted_proxy: str | None = None,
    ready: Callable[[int], None],
    reload: Callable[[], None] | None = None,
    gettext: Callable[[str], str] = N_,
) -> None:
    """Serve `app` on host:port until SIGTERM or SIGINT; `ready(port)` once listening. The
    front end's own refusals are in `gettext`'s language."""
    front = FrontEnd(app, limits, trusted_proxy=trusted_proxy, gettext=gettext)
    try:
        server = await asyncio.start_server(front.handle, sock=listening_socket(host, port))
    except OSError as exc:
        raise CannotListen(exc.strerror or str(exc)) from None
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if reload is not None and hasattr(signal, "SIGHUP"):
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, reload))
    ready(server.sockets[0].getsockname()[1])
    await stop.wait()
    await front.shutdown(server)
