"""Load and faults for the contact-request receiver, on loopback only; bounded in count and time.

    python bench/contact_load.py                      # 2,000 requests, concurrency 20
    python bench/contact_load.py --requests 300       # a quicker run
    python bench/contact_load.py --backend postgres --receivers 2   # two receivers, one PostgreSQL

A real `mentorsite receive` process (SQLite in a temporary folder) and a real SMTP server
(aiosmtpd, in this process) on 127.0.0.1. With ``--backend postgres``, a real PostgreSQL server
(tests/postgres_kit.py, fsync on) holds the requests, and ``--receivers N`` processes share it
behind a round-robin TCP balancer (bench/loopback_balancer.py). Client threads each fetch a
signed timestamp and post a request with `Accept: application/json`, as the site's JavaScript
does (the timestamp and the post may reach different receivers). During the run:

* at 20 % of the requests the SMTP server is stopped; at 70 % it is started again;
* at 50 % a receiver is killed with SIGKILL. Alone, it is restarted at once; one of several
  stays down while the others carry on, and is restarted at 80 %.

With ``--kill-mid-send`` the SMTP server is back at 40 % and the kill comes at 60 %, once every
receiver has a mail in flight: the lone receiver requeues what it was sending at its restart; a
survivor requeues the rows of a killed one once their lease (``send_lease_seconds``, 5 s here)
has run out.

A kill mid-send can land in the one window SMTP leaves open: after the server accepted a mail
and before ``sent`` was committed. That mail is sent again with the same Message-ID (the
receiving mail system can drop it as a duplicate). Such resends are counted apart; any other
duplicate fails the run.

A client whose post got no answer (the receiver was killed under it) posts the *same* form
again until it gets one, as a person pressing "Send" again would: the form's signed timestamp
makes that repeat return the first reference if the first post had been stored.

Printed at the end: throughput (acknowledged requests per second over the submission phase),
latency, and the counts that must hold: every 2xx has exactly one stored row and one delivered
email, no duplicates, nothing lost. Exits 1 if any of them fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import psycopg

# The receiver's test kit (an SMTP sink, the receiver as a process) lives with the tests, not in
# the shipped package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from loopback_balancer import RoundRobinBalancer  # noqa: E402
from postgres_kit import PostgresServer  # noqa: E402
from receiver_kit import ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402

HOST = "127.0.0.1"  # loopback only
SITE_ORIGIN = "http://127.0.0.1:8000"
MENTORS = 10


class Client:
    """One keep-alive connection; reconnects when the receiver goes away."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: str | None = None) -> tuple[int, dict]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Accept": "application/json", "Origin": SITE_ORIGIN}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return response.status, json.loads(data) if data else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=300.0, help="Give up after this many seconds.")
    parser.add_argument("--no-faults", action="store_true", help="Plain load: no SMTP outage, no SIGKILL.")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder (site, database, logs).")
    parser.add_argument(
        "--kill-mid-send", action="store_true", help="SMTP back at 40 %%; SIGKILL at 60 %% with a mail in flight."
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite", help="The request database.")
    parser.add_argument("--receivers", type=int, default=1, help="Receiver processes (PostgreSQL only: 2-4).")
    args = parser.parse_args()
    if not 1 <= args.requests <= 20_000 or not 1 <= args.concurrency <= 100:
        parser.error("keep it bounded: 1-20000 requests, concurrency 1-100")
    if args.receivers != 1 and (args.backend != "postgres" or not 2 <= args.receivers <= 4):
        parser.error("several receivers (2-4) need --backend postgres: SQLite allows one receiver per file")
    deadline = time.monotonic() + args.time_limit

    work = Path(tempfile.mkdtemp(prefix="contact-load-"))
    port = free_port()
    profiles = {
        f"mentor-{n:02d}": {
            "name": f"Mentor {n:02d}",
            "accepting": True,
            "email": f"mentor{n:02d}@example.org",
            "formats": ["one-to-one"],
        }
        for n in range(MENTORS)
    }
    site = write_site(
        work / "site",
        base_url=f"{SITE_ORIGIN}/",
        action=f"http://{HOST}:{port}/requests",
        profiles=profiles,
        contact={
            "rate_limit": 0,
            "mentor_daily_limit": 0,  # 2,000 requests to 10 mentors: a load test, not abuse
            "min_fill_seconds": 0,
            "retry_base_seconds": 0.25,
            "retry_max_seconds": 1.0,
            "from_email": "mentors@example.org",
            "send_lease_seconds": 5,
        },
    )
    sink = SmtpSink().start()
    postgres = None
    database: Path | str = work / "data" / "requests.sqlite3"
    if args.backend == "postgres":
        postgres = PostgresServer(durable=True).start()
        database = postgres.database()
    # One receiver listens on the site's port itself; several sit behind the balancer there.
    ports = [port] if args.receivers == 1 else [free_port() for _ in range(args.receivers)]
    balancer = RoundRobinBalancer(port, ports).start() if args.receivers > 1 else None

    def receiver(slot: int) -> ReceiverProcess:
        return ReceiverProcess(
            site,
            database,
            smtp_port=sink.port,
            port=ports[slot],
            args=("--threads", "8"),
            log=work / f"receiver-{slot}.log",
        ).start()

    slots = [receiver(slot) for slot in range(args.receivers)]
    killed: list[ReceiverProcess] = []

    lock = threading.Lock()
    next_index = iter(range(args.requests))
    done = Counter()
    acked: dict[int, str] = {}  # submission index -> reference
    statuses = Counter()
    latencies: list[float] = []
    events: list[str] = []

    def worker() -> None:
        client = Client(port)
        while time.monotonic() < deadline:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            mentor = f"mentor-{index % MENTORS:02d}"
            ts = None
            body = None
            started = time.perf_counter()
            while time.monotonic() < deadline:
                try:
                    if ts is None:
                        status, answer = client.call("GET", "/requests/token")
                        if status != 200:
                            raise OSError(f"token {status}")
                        ts = answer["ts"]
                        body = urlencode(
                            {
                                "mentor": mentor,
                                "name": f"Load Tester {index}",
                                "email": f"t{index}@example.org",
                                "hope_to_gain": "Advice.",
                                "message": f"Load request number {index}.",
                                "consent": "yes",
                                "ts": ts,
                            }
                        )
                    status, answer = client.call("POST", "/requests", body)
                except (OSError, http.client.HTTPException):
                    with lock:
                        done["connection_retries"] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    statuses[status] += 1
                if 200 <= status < 300:
                    with lock:
                        acked[index] = answer["reference"]
                        latencies.append(time.perf_counter() - started)
                        done["acknowledged"] += 1
                        if status == 200:
                            done["repeat_answers"] += 1
                    break
                with lock:
                    done["refused"] += 1
                break

    def query(sql: str) -> list[tuple]:
        if isinstance(database, Path):
            with sqlite3.connect(database) as conn:
                return conn.execute(sql).fetchall()
        with psycopg.connect(database) as conn:
            return conn.execute(sql).fetchall()

    def db_counts() -> Counter:
        # Both outboxes: the mentors' mails and the mentees' acknowledgements (lifecycle mails).
        return Counter(dict(query("SELECT status, COUNT(*) FROM requests GROUP BY status"))) + Counter(
            dict(query("SELECT status, COUNT(*) FROM mails GROUP BY status"))
        )

    def faults() -> None:
        marks = {
            int(args.requests * 0.2): "stop_smtp",
            int(args.requests * (0.4 if args.kill_mid_send else 0.7)): "start_smtp",
            int(args.requests * (0.6 if args.kill_mid_send else 0.5)): "kill_receiver",
        }
        if len(slots) > 1:
            marks[int(args.requests * 0.8)] = "restart_receiver"
        while marks and time.monotonic() < deadline:
            with lock:
                progress = done["acknowledged"] + done["refused"]
            for mark in sorted(marks):
                if progress >= mark:
                    action = marks.pop(mark)
                    at = time.perf_counter() - t0
                    if action == "stop_smtp":
                        sink.stop()
                    elif action == "start_smtp":
                        sink.start()
                    elif action == "kill_receiver":
                        # Mid-send, where it hurts: wait (at most 3 s) until every receiver has a
                        # mail in flight, so the one killed has one too.
                        until = time.monotonic() + (3 if args.kill_mid_send else 0)
                        while time.monotonic() < until and db_counts().get("sending", 0) < len(slots):
                            time.sleep(0.001)
                        slots[0].kill()
                        killed.append(slots[0])
                        if len(slots) == 1:
                            slots[0] = receiver(0)
                    else:
                        slots[0] = receiver(0)
                    events.append(f"{at:6.2f} s  after {progress:>5} answers: {action.replace('_', ' ')}")
            time.sleep(0.005)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    if not args.no_faults:
        threads.append(threading.Thread(target=faults))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submit_seconds = time.perf_counter() - t0
    if not sink.running:
        sink.start()

    # Drain: wait until every stored row is sent (bounded).
    while time.monotonic() < deadline:
        counts = db_counts()
        if counts.get("queued", 0) == counts.get("sending", 0) == 0:
            break
        time.sleep(0.1)
    drain_seconds = time.perf_counter() - t0 - submit_seconds
    time.sleep(1.0)  # anything sent twice would arrive now
    stored = {ref: (status, n) for ref, status, n in query("SELECT reference, status, interrupted FROM requests")}
    for process in slots:
        process.stop()
    if balancer:
        balancer.stop()
    if postgres:
        postgres.stop()
    sink.stop()

    messages = [r.message for r in sink.of_kind("request")]
    mails = Counter(m["X-Mentorsite-Reference"] for m in messages)
    acks = [r.message for r in sink.of_kind("ack")]
    ack_refs = Counter(m["X-Mentorsite-Reference"] for m in acks)
    # An acknowledgement resent in the SMTP window carries its first Message-ID again; a second
    # Message-ID for one request would be a real duplicate (the mails table's UNIQUE forbids it).
    ack_window = len(acks) - len(ack_refs)
    ack_other = len(ack_refs) - len({m["Message-ID"] for m in acks})
    message_ids: dict[str, set[str]] = {}
    for m in messages:
        message_ids.setdefault(m["X-Mentorsite-Reference"], set()).add(m["Message-ID"])
    refs = set(acked.values())
    duplicates = sum(n - 1 for n in mails.values() if n > 1)
    # Resent after an interrupted send (SMTP's window), with the same Message-ID: see the docstring.
    window_resends = sum(
        n - 1 for ref, n in mails.items() if n > 1 and ref in stored and stored[ref][1] and len(message_ids[ref]) == 1
    )
    lost_store = sorted(refs - set(stored))
    lost_mail = sorted(refs - set(mails))
    orphans = sorted(set(stored) - refs)
    reused = len(acked) - len(refs)
    ok = (
        len(acked) == args.requests
        and not lost_store
        and not lost_mail
        and duplicates == window_resends
        and reused == 0
        and set(ack_refs) == refs
        and ack_other == 0
    )

    print(
        f"contact receiver load & faults: {args.requests} requests, concurrency {args.concurrency}, "
        f"{MENTORS} mentors, loopback only; {args.backend}, {args.receivers} receiver(s)"
        + (
            f" behind a round-robin balancer (connections per receiver {list(balancer.routed.values())})"
            if balancer
            else ""
        )
    )
    for event in events:
        print(f"  {event}")
    print(
        f"submission phase     {submit_seconds:8.2f} s   throughput {len(acked) / submit_seconds:8.1f} requests/s (2xx)"
    )
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        print(
            f"latency (token+post) p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  max {max(latencies) * 1000:6.1f} ms"
        )
    print(f"drain after the run  {drain_seconds:8.2f} s")
    print(
        f"HTTP answers         {dict(sorted(statuses.items()))}  (200 = a repeated post answered with its first reference)"
    )
    print(f"2xx acknowledged     {len(acked):6d}   distinct references {len(refs)}")
    print(f"stored rows          {len(stored):6d}   (stored but never acknowledged: {len(orphans)})")
    print(f"delivered emails     {sum(mails.values()):6d}   distinct {len(mails)}")
    print(
        f"duplicates           {duplicates:6d}   (resent after a send interrupted in SMTP's window, "
        f"same Message-ID: {window_resends}; any other: {duplicates - window_resends})"
    )
    print(
        f"acknowledgements     {len(acks):6d}   distinct {len(ack_refs)} (missing {len(refs - set(ack_refs))}; "
        f"resent in SMTP's window, same Message-ID: {ack_window}; any other: {-ack_other})"
    )
    print(
        f"lost                 {len(lost_store) + len(lost_mail):6d}   (acknowledged but not stored: {len(lost_store)}, "
        f"not delivered: {len(lost_mail)})"
    )
    print(
        f"client retries while the receiver was down {done['connection_retries']}, "
        f"rows re-sent after the kill (interrupted) {sum(1 for s in stored.values() if s[1])}"
    )
    if ok and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        print("RESULT: OK")
    else:
        print("RESULT: " + ("OK" if ok else "FAILED") + f"   (work folder kept: {work})")
        if not ok:
            for process in [*killed, *slots]:
                print(process.output()[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
