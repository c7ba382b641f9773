"""Slow clients against the contact-request receiver, on loopback only; bounded in count and time.

    python bench/slow_clients.py                  # the receiver alone
    python bench/slow_clients.py --via nginx      # behind deploy/nginx.conf, as shipped
    python bench/slow_clients.py --via caddy      # behind deploy/Caddyfile, as shipped

A real `mentorsite receive` process (SQLite in a temporary folder, a real SMTP server in this
process). Two phases, each with client threads that fetch a signed timestamp and post a
request (`Accept: application/json`, keep-alive), as the site's JavaScript does:

1. no attack: throughput and latency (compare bench/contact_load.py --no-faults);
2. under attack: `--connections` (500) connections held open the whole time, a third each
   idle, sending a request head one byte at a time, and sending a body one byte at a time,
   from 25 loopback addresses (under the per-client cap); any the receiver cuts at its
   deadlines is opened again at once.

Printed: requests/s, p50/p95/max of token+post, the answers, and how many attack connections
were cut and re-opened. This process raises its open-file limit to its hard limit (each held
connection is a file here too); the receiver raises its own.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import selectors
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from contact_load import HOST, SITE_ORIGIN, Client  # noqa: E402
from proxy_kit import SERVER_NAME, ProxyProcess  # noqa: E402
from receiver_kit import ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402

MENTORS = 10
KINDS = ("idle", "slow head", "slow body")


def load(port: int, requests: int, concurrency: int, time_limit: float) -> tuple[float, list[float], Counter]:
    """`requests` token+post pairs from `concurrency` keep-alive clients: seconds, latencies, answers."""
    answers: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = iter(range(requests))
    stop_at = time.monotonic() + time_limit

    def worker() -> None:
        client = Client(port)
        for i in remaining:
            if time.monotonic() > stop_at:
                return
            start = time.monotonic()
            try:
                status, answer = client.call("GET", "/requests/token")
                form = {
                    "mentor": f"mentor-{i % MENTORS}",
                    "name": f"Bench Person {i}",
                    "email": f"person{i}@example.org",
                    "hope_to_gain": "A first leadership role.",
                    "format": "one-to-one",
                    "cadence": "monthly",
                    "message": "Hello, could we talk?",
                    "consent": "yes",
                    "ts": answer.get("ts", ""),
                }
                status, _ = client.call("POST", "/requests", urlencode(form))
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                answers[status] += 1
                latencies.append(time.monotonic() - start)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, latencies, answers


class Attack:
    """Connections held open in one thread: opened again as soon as they are cut."""

    def __init__(self, port: int, count: int):
        self.port = port
        self.count = count
        self.selector = selectors.DefaultSelector()
        self.sockets: dict[socket.socket, tuple[str, bytes]] = {}
        self.cut = Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, i: int) -> None:
        kind = KINDS[i % 3]
        sock = socket.create_connection((HOST, self.port), timeout=5, source_address=(f"127.0.9.{i % 25 + 1}", 0))
        host = f"Host: {SERVER_NAME}\r\n"
        first = {
            "idle": b"",
            "slow head": b"POST /requests HTTP/1.1\r\n" + host.encode(),
            "slow body": (
                f"POST /requests HTTP/1.1\r\n{host}Origin: {SITE_ORIGIN}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\na="
            ).encode(),
        }[kind]
        sock.sendall(first)
        sock.setblocking(False)
        trickle = {"idle": b"", "slow head": b"X", "slow body": b"x"}[kind]
        self.sockets[sock] = (kind, trickle)
        self.selector.register(sock, selectors.EVENT_READ, i)

    def run(self) -> None:
        last_trickle = time.monotonic()
        while not self.stopping.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:  # cut by the server: hold another one
                    self.cut[self.sockets.pop(sock)[0]] += 1
                    self.selector.unregister(sock)
                    sock.close()
                    self.open(key.data)
            if time.monotonic() - last_trickle > 1.0:
                last_trickle = time.monotonic()
                for sock, (_, trickle) in list(self.sockets.items()):
                    if trickle:
                        with contextlib.suppress(OSError):  # cut: the select loop re-opens it
                            sock.send(trickle)

    def start(self) -> Attack:
        for i in range(self.count):
            self.open(i)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def report(title: str, seconds: float, latencies: list[float], answers: Counter) -> None:
    ok = sum(n for status, n in answers.items() if status in (200, 201))
    cuts = sorted(latencies)
    p95 = cuts[int(0.95 * (len(cuts) - 1))] if cuts else float("nan")
    print(
        f"{title:<22} {ok / seconds:7.1f} requests/s  p50 {statistics.median(cuts) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  max {cuts[-1] * 1000:7.1f} ms  answers {dict(answers)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--via", choices=("direct", "nginx", "caddy"), default="direct")
    parser.add_argument("--connections", type=int, default=500, help="Attack connections held open.")
    parser.add_argument("--requests", type=int, default=2000, help="Legitimate requests per phase.")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=120.0, help="Give up a phase after this many seconds.")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="mentorsite-slow-"))
    sink = SmtpSink().start()
    port = free_port()
    profiles = {
        f"mentor-{i}": {
            "name": f"Mentor {i}",
            "accepting": True,
            "email": f"m{i}@example.org",
            "formats": ["one-to-one"],
        }
        for i in range(MENTORS)
    }
    site = write_site(
        work / "site",
        base_url=f"{SITE_ORIGIN}/",
        action=f"http://{HOST}:{port}/requests",
        contact={"rate_limit": 0, "mentor_daily_limit": 0, "min_fill_seconds": 0.0, "from_email": "m@example.org"},
        profiles=profiles,
    )
    trusted = ("--trusted-proxy", HOST) if args.via != "direct" else ()
    receiver = ReceiverProcess(site, work / "requests.sqlite3", smtp_port=sink.port, port=port, args=trusted)
    proxy = None
    try:
        receiver.start()
        target = port
        if args.via != "direct":
            proxy = ProxyProcess(args.via, work / args.via, port).start()
            target = proxy.port
        print(
            f"slow clients: via {args.via}, {args.requests} requests per phase at concurrency {args.concurrency}, "
            f"{args.connections} attack connections, loopback only (open-file limit {soft} -> {hard})"
        )
        report("no attack", *load(target, args.requests, args.concurrency, args.time_limit))
        attack = Attack(target, args.connections).start()
        time.sleep(1.0)
        try:
            report("under attack", *load(target, args.requests, args.concurrency, args.time_limit))
        finally:
            held = len(attack.sockets)
            attack.stop()
        print(f"attack connections held at the end {held}; cut and re-opened {dict(attack.cut)}")
    finally:
        if proxy is not None:
            proxy.stop()
        receiver.stop()
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
