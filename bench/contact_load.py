"""Load and faults for the contact-request receiver, on loopback only; bounded in count and time.

    python bench/contact_load.py                      # 2,000 requests, concurrency 20
    python bench/contact_load.py --requests 300       # a quicker run
    python bench/contact_load.py --backend postgres --receivers 2   # two receivers, one PostgreSQL
    python bench/contact_load.py --lifecycle          # mentors answer through their links meanwhile

A real `mentorsite receive` process (SQLite in a temporary folder) and a real SMTP server
(aiosmtpd, in this process) on 127.0.0.1. With ``--backend postgres``, a real PostgreSQL server
(tests/postgres_kit.py, fsync on) holds the requests, and ``--receivers N`` processes share it
behind a round-robin TCP balancer (bench/loopback_balancer.py). Client threads each fetch a
signed timestamp and post a request with `Accept: application/json`, as the site's JavaScript
does (the timestamp and the post may reach different receivers). During the run:

* at 20 % of the requests the SMTP server is stopped; at 70 % it is started again (once a send
  has failed against it: a short run can post faster than the outbox polls);
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

With ``--lifecycle``, mentors answer while the requests are still being posted: answer threads
take each mentor's mail from the SMTP server as it arrives, read its signed Accept and Decline
links and, as the browser would, GET the confirmation page and POST its form — Accept for half
of the requests, Decline with a reason for a quarter, nothing for the last quarter. SMTP is then
back at 40 % and the kill comes at 60 %, once a mail is in flight and an answer is being posted
(waiting at most 3 s for both), so the kill meets answers too. An answer POST that got no answer
is posted again, like a person clicking again: it must act, or say "already accepted" (declined)
if the first one had. The mentors have no capacity limit, so no accept is refused.

Every mail is then checked by (request, kind) and by Message-ID against what the answers imply:
the mentor's mail and the acknowledgement for every request, the two introductions for every
accept, the "declined" mail for every decline, nothing else; each sent once, a resend with the
same Message-ID of a row marked interrupted counted apart (the window above).

Printed at the end: throughput (acknowledged requests per second over the submission phase),
latency, and the counts that must hold: every 2xx has exactly one stored row and one delivered
email, no duplicates, nothing lost. Exits 1 if any of them fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

# The receiver's test kit (an SMTP sink, the receiver as a process) lives with the tests, not in
# the shipped package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from loopback_balancer import RoundRobinBalancer  # noqa: E402
from postgres_kit import PostgresServer  # noqa: E402
from receiver_kit import ReceiverProcess, SmtpSink, free_port, kind_of, write_site  # noqa: E402

HOST = "127.0.0.1"  # loopback only
SITE_ORIGIN = "http://127.0.0.1:8000"
MENTORS = 10
#: Threads answering mentor mails through their links (--lifecycle): mentors clicking meanwhile.
ANSWERERS = 4
#: The submission index each request's message carries, read back from the mentor's mail.
REQUEST_NUMBER = re.compile(r"Load request number (\d+)\.")
ANSWER_LINK = re.compile(r"^(Accept|Decline)[^:]*: (http\S+)$", re.M)
FORM_TOKEN = re.compile(r'name="token" value="([^"]+)"')
#: The state a confirmed answer leaves, and the mails it adds to the mentor's mail and the ack.
ANSWERS = {"accept": "accepted", "decline": "declined"}
ANSWER_MAILS = {"accepted": ("intro_mentee", "intro_mentor"), "declined": ("declined",), "delivered": ()}


def planned_answer(index: int) -> str | None:
    """Half the requests are accepted, a quarter declined, a quarter left unanswered."""
    return ("accept", "accept", "decline", None)[index % 4]


class Client:
    """One keep-alive connection; reconnects when the receiver goes away."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: str | None = None) -> tuple[int, dict]:
        """A call as the site's JavaScript makes it: JSON back."""
        status, data = self.send(method, path, body, accept="application/json", origin=SITE_ORIGIN)
        return status, json.loads(data) if data else {}

    def send(self, method: str, path: str, body: str | None, *, accept: str, origin: str | None) -> tuple[int, str]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Accept": accept, **({"Origin": origin} if origin else {})}
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
        return response.status, data.decode("utf-8")


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
    parser.add_argument(
        "--lifecycle",
        action="store_true",
        help="Mentors accept half and decline a quarter through their links meanwhile.",
    )
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

    answer_jobs: queue.Queue = queue.Queue()
    confirmed: dict[str, str] = {}  # reference -> the state a confirmed answer set
    answer_latencies: list[float] = []
    answer_problems: list[str] = []
    receiver_origin = f"http://{HOST}:{port}"  # the answer links' origin: their pages post there
    posting_done = threading.Event()

    def dispatch() -> None:
        """Hand each mentor's mail, once, to the answer threads as it arrives."""
        cursor = 0
        seen: set[str] = set()
        while time.monotonic() < deadline:
            with sink.lock:
                batch = sink.received[cursor:]
            cursor += len(batch)
            for received in batch:
                message = received.message
                reference = message["X-Mentorsite-Reference"]
                if kind_of(message) != "request" or reference in seen:
                    continue  # a resend in SMTP's window carries the same links: answered once
                seen.add(reference)
                text = message.get_content()
                action = planned_answer(int(REQUEST_NUMBER.search(text).group(1)))
                if action is not None:
                    links = dict(ANSWER_LINK.findall(text.replace("\r\n", "\n")))
                    answer_jobs.put((reference, action, links[action.title()]))
            with lock:
                everything_seen = posting_done.is_set() and set(acked.values()) <= seen
            if everything_seen:
                break
            time.sleep(0.01)
        for _ in range(ANSWERERS):
            answer_jobs.put(None)

    def answerer() -> None:
        client = Client(port)
        while (job := answer_jobs.get()) is not None:
            answer(client, *job)

    def answer(client: Client, reference: str, action: str, link: str) -> None:
        """GET the link's confirmation page, POST its form; again if a POST got no answer."""
        path = urlsplit(link).path
        state = ANSWERS[action]
        started = time.perf_counter()
        token = None
        lost_post = False
        while time.monotonic() < deadline:
            try:
                if token is None:
                    status, page = client.send("GET", path, None, accept="text/html", origin=None)
                    if status != 200:
                        with lock:
                            answer_problems.append(f"{reference}: opening the {action} link gave {status}")
                        return
                    token = FORM_TOKEN.search(page).group(1)
                form = {"token": token, **({"reason": "My diary is full this term."} if action == "decline" else {})}
                with lock:
                    done["answers_posting"] += 1
                try:
                    status, page = client.send(
                        "POST", path, urlencode(form), accept="text/html", origin=receiver_origin
                    )
                finally:
                    with lock:
                        done["answers_posting"] -= 1
            except (OSError, http.client.HTTPException):
                with lock:
                    done["answer_retries"] += 1
                    done["answer_posts_unanswered"] += token is not None
                lost_post = lost_post or token is not None
                time.sleep(0.05)
                continue
            with lock:
                if status == 200:
                    confirmed[reference] = state
                elif status == 409 and lost_post and f"This request was already {state} on" in page:
                    confirmed[reference] = state  # the unanswered POST had acted: the page says so
                    done["answers_confirmed_on_repeat"] += 1
                else:
                    answer_problems.append(f"{reference}: {action} answered {status}")
                    return
                answer_latencies.append(time.perf_counter() - started)
            return
        with lock:
            answer_problems.append(f"{reference}: {action} never answered before the time limit")

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

    def failed_sends() -> int:
        return sum(
            query(f"SELECT COUNT(*) FROM {table} WHERE status = 'queued' AND last_error IS NOT NULL")[0][0]
            for table in ("requests", "mails")
        )

    def faults() -> None:
        # With answers, the kill comes after SMTP is back, so mails and answers are flowing.
        mid_send = args.kill_mid_send or args.lifecycle
        marks = {
            int(args.requests * 0.2): "stop_smtp",
            int(args.requests * (0.4 if mid_send else 0.7)): "start_smtp",
            int(args.requests * (0.6 if mid_send else 0.5)): "kill_receiver",
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
                        # A short run posts faster than the outbox polls: keep SMTP down (at most
                        # 5 s) until a send has failed against it, so the outage is a real one.
                        until = time.monotonic() + 5
                        while time.monotonic() < until and not failed_sends():
                            time.sleep(0.01)
                        sink.start()
                    elif action == "kill_receiver":
                        # Mid-send, where it hurts: wait (at most 3 s) until every receiver has a
                        # mail in flight, so the one killed has one too (and an answer is posted).
                        until = time.monotonic() + (3 if mid_send else 0)
                        while time.monotonic() < until and (
                            db_counts().get("sending", 0) < len(slots)
                            or (args.lifecycle and done["answers_posting"] == 0)
                        ):
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
    posters = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    others = [threading.Thread(target=faults)] if not args.no_faults else []
    if args.lifecycle:
        others += [threading.Thread(target=dispatch), *(threading.Thread(target=answerer) for _ in range(ANSWERERS))]
    for thread in [*posters, *others]:
        thread.start()
    for thread in posters:
        thread.join()
    submit_seconds = time.perf_counter() - t0
    posting_done.set()
    for thread in others:
        thread.join()
    answer_seconds = time.perf_counter() - t0
    if not sink.running:
        sink.start()

    # Drain: wait until every stored row is sent (bounded).
    while time.monotonic() < deadline:
        counts = db_counts()
        if counts.get("queued", 0) == counts.get("sending", 0) == 0:
            break
        time.sleep(0.1)
    drain_seconds = time.perf_counter() - t0 - answer_seconds
    time.sleep(1.0)  # anything sent twice would arrive now
    stored = {ref: (status, n) for ref, status, n in query("SELECT reference, status, interrupted FROM requests")}
    states = dict(query("SELECT reference, state FROM requests"))
    row_count = query("SELECT COUNT(*) FROM requests")[0][0]
    mail_rows = {
        (ref, kind): (status, n)
        for ref, kind, status, n in query(
            "SELECT r.reference, m.kind, m.status, m.interrupted FROM mails m JOIN requests r ON r.id = m.request_id"
        )
    }
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

    tracebacks = [process.log.name for process in [*killed, *slots] if "Traceback" in process.output()]
    # Every mail by (request, kind) and by Message-ID, against what the confirmed answers imply.
    arrived: Counter = Counter()
    ids_of: dict[tuple[str, str], set[str]] = {}
    keys_of: dict[str, set[tuple[str, str]]] = {}
    for m in sink.messages():
        key = (m["X-Mentorsite-Reference"], kind_of(m))
        arrived[key] += 1
        ids_of.setdefault(key, set()).add(m["Message-ID"])
        keys_of.setdefault(m["Message-ID"], set()).add(key)
    want_state = {ref: confirmed.get(ref, "delivered") for ref in stored}
    wrong_state = sorted(ref for ref in stored if states[ref] != want_state[ref])
    want_rows = {(ref, "ack") for ref in stored} | {
        (ref, kind) for ref in stored for kind in ANSWER_MAILS.get(want_state[ref], ())
    }
    want_mails = want_rows | {(ref, "request") for ref in stored}
    rows_unsent = sum(1 for status, _ in mail_rows.values() if status != "sent")

    def interrupted(key: tuple[str, str]) -> int:
        return stored[key[0]][1] if key[1] == "request" else mail_rows.get(key, ("", 0))[1]

    all_duplicates = sum(n - 1 for n in arrived.values())
    all_window = sum(n - 1 for key, n in arrived.items() if n > 1 and len(ids_of[key]) == 1 and interrupted(key))
    missing_mails = want_mails - set(arrived)
    unexpected_mails = set(arrived) - want_mails
    shared_ids = sum(1 for keys in keys_of.values() if len(keys) > 1)
    planned = {ref: ANSWERS[a] for i, ref in acked.items() if args.lifecycle and (a := planned_answer(i))}
    unconfirmed = sorted(ref for ref, state in planned.items() if confirmed.get(ref) != state)
    ok = (
        len(acked) == args.requests
        and not lost_store
        and not lost_mail
        and duplicates == window_resends
        and reused == 0
        and set(ack_refs) == refs
        and ack_other == 0
        and row_count == len(stored)
        and not wrong_state
        and not unconfirmed
        and not answer_problems
        and set(mail_rows) == want_rows
        and rows_unsent == 0
        and not missing_mails
        and not unexpected_mails
        and all_duplicates == all_window
        and shared_ids == 0
        and not tracebacks
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
    if args.lifecycle:
        print(f"answer phase ends    {answer_seconds:8.2f} s   (the last mentor mail answered)")
        if answer_latencies:
            q = statistics.quantiles(answer_latencies, n=100)
            print(
                f"answer (GET+POST)    p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms"
                f"  max {max(answer_latencies) * 1000:6.1f} ms"
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
    if args.lifecycle:
        answered = Counter(confirmed.values())
        print(
            f"answers confirmed    accepted {answered['accepted']} of {sum(1 for s in planned.values() if s == 'accepted')}"
            f", declined {answered['declined']} of {sum(1 for s in planned.values() if s == 'declined')}"
            f"; unconfirmed {len(unconfirmed)}; other answers {len(answer_problems)}"
        )
        print(
            f"answer retries       {done['answer_retries']} (no reply while the receiver was down; of them POSTs "
            f"{done['answer_posts_unanswered']}); a repeated POST found the first had acted ('already …'): "
            f"{done['answers_confirmed_on_repeat']}"
        )
    print(
        f"request states       {dict(sorted(Counter(states.values()).items()))}   (not as answered: {len(wrong_state)}; "
        f"rows {row_count} for {len(stored)} references)"
    )
    print(
        f"outbox mails         {dict(sorted(Counter(k for _, k in mail_rows).items()))}   (not sent: {rows_unsent}; "
        f"missing {len(want_rows - set(mail_rows))}, unexpected {len(set(mail_rows) - want_rows)})"
    )
    print(f"mails by kind        {dict(sorted(Counter(k for (_, k), n in arrived.items() for _ in range(n)).items()))}")
    print(
        f"mails checked        {sum(arrived.values())} arrived for {len(want_mails)} expected (request, kind): "
        f"missing {len(missing_mails)}, unexpected {len(unexpected_mails)}, duplicates {all_duplicates} "
        f"(same Message-ID after an interrupted send: {all_window}; any other: {all_duplicates - all_window}); "
        f"Message-IDs shared by two mails {shared_ids}"
    )
    print(f"receiver logs with a traceback: {len(tracebacks)}")
    for problem in answer_problems[:10]:
        print(f"  answer problem: {problem}")
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
