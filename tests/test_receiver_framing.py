"""The receiver's HTTP front end under hostile clients (issue 14 item 2): strict framing, deadlines,
connection caps and shutdown, against a real `mentorsite receive` process over raw sockets.

Clients speak from several loopback addresses (127.0.0.0/8 is all local on Linux), so each test
is its own client for the per-client connection cap. The receiver trusts no proxy here.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from urllib.parse import urlencode

import pytest

pytest.importorskip("aiosmtpd")

from receiver_kit import LOOPBACK, ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402
from test_receiver_http import SECRET, SITE, form  # noqa: E402

from mentorsite.receiver.front import Limits  # noqa: E402

LIMITS = Limits()
MAX_BODY = 4096
#: A request that must never be answered when it rides in the body of a refused one.
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    root = tmp_path_factory.mktemp("framing")
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        root / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={
            "rate_limit": 10_000,
            "min_fill_seconds": 1.0,
            "max_body_bytes": MAX_BODY,
            "from_email": "m@example.org",
        },
    )
    process = ReceiverProcess(
        site,
        root / "data" / "requests.sqlite3",
        smtp_port=sink.port,
        port=port,
        env={"MENTORSITE_RECEIVER_SECRET": SECRET},
    )
    try:
        yield process.start()
    finally:
        code = process.stop()
        sink.stop()
    assert code == 0
    assert "Traceback" not in process.output(), process.output()


def connect(port: int, source: str = LOOPBACK) -> socket.socket:
    return socket.create_connection((LOOPBACK, port), timeout=15, source_address=(source, 0))


def read_to_end(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def exchange(port: int, data: bytes, source: str = LOOPBACK) -> bytes:
    """Send `data`, then read everything until the receiver closes the connection."""
    with connect(port, source) as sock:
        sock.sendall(data)
        return read_to_end(sock)


def statuses(data: bytes) -> list[int]:
    """The status of each answer in `data`, one after the other (each framed by its Content-Length)."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        found.append(int(re.match(rb"HTTP/1\.1 (\d{3}) ", head).group(1)))
        length = int(re.search(rb"\r\ncontent-length: *(\d+)", head, re.I).group(1))
        data = rest[length:]
    return found


def post_head(*headers: str, path: str = "/requests") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: receiver", f"Origin: {SITE}", "Accept: application/json", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


FORM_TYPE = "Content-Type: application/x-www-form-urlencoded"
CASES = {
    "two equal Content-Length": (post_head("Content-Length: 5", "Content-Length: 5") + b"a=b&c", 400),
    "Content-Length list": (post_head("Content-Length: 5, 5") + b"a=b&c", 400),
    "signed Content-Length": (post_head("Content-Length: +5") + b"a=b&c", 400),
    "negative Content-Length": (post_head("Content-Length: -1"), 400),
    "hex Content-Length": (post_head("Content-Length: 0x5") + b"a=b&c", 400),
    "huge Content-Length": (post_head("Content-Length: 1" + "0" * 19), 400),
    "chunked plus Content-Length": (post_head("Transfer-Encoding: chunked", "Content-Length: 5") + b"0\r\n\r\n", 400),
    "gzip transfer coding": (post_head("Transfer-Encoding: gzip") + b"a=b&c", 501),
    "chunked twice": (post_head("Transfer-Encoding: chunked, chunked") + b"0\r\n\r\n", 501),
    "two Transfer-Encoding headers": (
        post_head("Transfer-Encoding: chunked", "Transfer-Encoding: chunked") + b"0\r\n\r\n",
        501,
    ),
    "hex prefix in chunk size": (post_head("Transfer-Encoding: chunked") + b"0x5\r\na=b&c\r\n0\r\n\r\n", 400),
    "signed chunk size": (post_head("Transfer-Encoding: chunked") + b"-5\r\na=b&c\r\n0\r\n\r\n", 400),
    "chunk size not hex": (post_head("Transfer-Encoding: chunked") + b"zz\r\na=b&c\r\n0\r\n\r\n", 400),
    "chunk longer than its size": (post_head("Transfer-Encoding: chunked") + b"2\r\na=b&c\r\n0\r\n\r\n", 400),
    "obsolete line folding": (post_head("X-Note: one", " two", "Content-Length: 0"), 400),
    "bare LF": (b"POST /requests HTTP/1.1\nHost: receiver\nContent-Length: 0\n\n", 400),
    "header block too large": (post_head("X-Filler: " + "x" * (LIMITS.max_head_bytes + 10)), 431),
    "body over the limit": (post_head(FORM_TYPE, f"Content-Length: {MAX_BODY + 100}") + b"a=" + b"x" * 100, 413),
    "chunked body over the limit": (
        post_head(FORM_TYPE, "Transfer-Encoding: chunked") + b"%x\r\n" % (MAX_BODY + 100) + b"x" * (MAX_BODY + 100),
        413,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_framing_refusals_close_and_never_read_the_rest_as_a_request(receiver, case):
    """Each framing the RFC forbids or that proxies could read differently gets its exact status,
    `Connection: close`, and the bytes behind it (a request smuggled in the body) get no answer."""
    data, status = CASES[case]
    answer = exchange(receiver.port, data + SMUGGLED)
    assert statuses(answer) == [status], answer[:300]
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nconnection: close" in head


def test_body_over_the_limit_is_the_apps_413_with_cors_headers(receiver):
    """An over-long body is refused by the app without being read: JSON and CORS headers the
    page's script can read, then the connection closes."""
    answer = exchange(receiver.port, post_head(FORM_TYPE, f"Content-Length: {MAX_BODY + 1}"))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert statuses(answer) == [413]
    assert f"access-control-allow-origin: {SITE}".encode() in head.lower()
    assert b'"code": "too_large"' in body


def test_valid_chunked_and_pipelined_requests_are_served(receiver):
    """Strict is not broken: a chunked form post is stored (201), and two pipelined requests on a
    kept-alive connection get two answers in order."""
    body = urlencode(form(mentor="ana-example")).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:50], body[50:])) + b"0\r\n\r\n"
    answer = exchange(receiver.port, post_head(FORM_TYPE, "Transfer-Encoding: chunked", "Connection: close") + chunked)
    assert statuses(answer) == [201], answer
    pipelined = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert statuses(exchange(receiver.port, pipelined)) == [200, 404]


def _cut_after(port: int, source: str, first: bytes, trickle: bytes | None, results: dict, name: str) -> None:
    """Send `first`, then a byte of `trickle` every half second; record when and how the receiver ends it."""
    start = time.monotonic()
    with connect(port, source) as sock:
        sock.sendall(first)
        sock.settimeout(0.5)
        data = b""
        for byte in (trickle or b"") * 100 or [None] * 100:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if byte is not None:
                    try:
                        sock.send(bytes([byte]))
                    except OSError:
                        break
                continue
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                break
        results[name] = (time.monotonic() - start, statuses(data))


def test_slow_and_idle_clients_are_cut_at_their_deadlines(receiver):
    """A head trickled in is cut (408) at the head deadline, a body trickled in when it falls
    below the minimum rate after its grace period, an idle connection closed silently."""
    results: dict = {}
    clients = {
        "idle": (b"", None),
        "slow head": (b"POST /requests HTTP/1.1\r\nHost: x\r\n", b"X-Slow: yes"),
        "slow body": (post_head(FORM_TYPE, "Content-Length: 4000") + b"a=", b"x"),
    }
    threads = [
        threading.Thread(target=_cut_after, args=(receiver.port, f"127.0.3.{i}", first, trickle, results, name))
        for i, (name, (first, trickle)) in enumerate(clients.items(), 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    idle, slow_head, slow_body = (results[name] for name in clients)
    assert idle[1] == [] and LIMITS.idle_seconds - 0.5 < idle[0] < LIMITS.idle_seconds + 2
    assert slow_head[1] == [408] and LIMITS.header_seconds - 0.5 < slow_head[0] < LIMITS.header_seconds + 2
    # About 2 bytes a second: under 1,024 B/s from the end of the grace period on.
    assert slow_body[1] == [408] and LIMITS.body_grace_seconds - 0.5 < slow_body[0] < LIMITS.body_grace_seconds + 2


def test_two_hundred_slow_connections_do_not_delay_a_legitimate_post(receiver):
    """With 200 slow-head, slow-body and idle connections held open (from 20 addresses, under
    the per-client cap), a person's token fetch and post are each answered within a second."""
    held = []
    kinds = (b"", b"POST /requests HTTP/1.1\r\nHost: x\r\n", post_head(FORM_TYPE, "Content-Length: 4000") + b"a=")
    try:
        for i in range(200):
            sock = connect(receiver.port, f"127.0.4.{i % 20 + 1}")
            sock.sendall(kinds[i % 3])
            held.append(sock)
        time.sleep(0.3)
        for _ in range(3):
            start = time.monotonic()
            answer = exchange(receiver.port, b"GET /requests/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            body = urlencode(form(mentor="ana-example", name="Legitimate Person")).encode()
            head = post_head(FORM_TYPE, f"Content-Length: {len(body)}", "Connection: close")
            answer += exchange(receiver.port, head + body)  # each exchange ends when its answer is complete
            assert statuses(answer) == [200, 201], answer
            assert time.monotonic() - start < 1.0
        for sock in held:  # still open: nothing was cut to make room
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
    finally:
        for sock in held:
            sock.close()


def test_connections_are_capped_per_client(receiver):
    """A client holding the per-client cap gets 503 for one more connection; another client does not."""
    held = [connect(receiver.port, "127.0.5.1") for _ in range(LIMITS.per_client)]
    try:
        time.sleep(0.5)
        answer = exchange(receiver.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", source="127.0.5.1")
        assert statuses(answer) == [503]
        assert answer.endswith(b"Too many connections from your network.\n")
        answer = exchange(receiver.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "127.0.5.2")
        assert statuses(answer) == [200]
    finally:
        for sock in held:
            sock.close()


def test_sigterm_finishes_the_request_in_hand(tmp_path):
    """On SIGTERM a request being received is finished and answered (with Connection: close),
    a connection waiting for a request is closed at once, and the process exits 0."""
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        tmp_path / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={"min_fill_seconds": 1.0, "from_email": "m@example.org"},
    )
    process = ReceiverProcess(
        site, tmp_path / "requests.sqlite3", smtp_port=sink.port, port=port, env={"MENTORSITE_RECEIVER_SECRET": SECRET}
    ).start()
    try:
        body = urlencode(form(mentor="ana-example")).encode()
        in_hand, idle = connect(port), connect(port, "127.0.6.1")
        in_hand.sendall(post_head(FORM_TYPE, f"Content-Length: {len(body)}") + body[:20])
        time.sleep(0.3)
        assert process.proc is not None
        process.proc.terminate()
        time.sleep(0.5)
        assert read_to_end(idle) == b""
        assert process.proc.poll() is None  # still finishing the request in hand
        in_hand.sendall(body[20:])
        answer = read_to_end(in_hand)
        assert statuses(answer) == [201]
        assert b"\r\nconnection: close" in answer.split(b"\r\n\r\n", 1)[0].lower()
        assert process.proc.wait(10) == 0
    finally:
        process.stop()
        sink.stop()
    assert "receiver stopped" in process.output()
