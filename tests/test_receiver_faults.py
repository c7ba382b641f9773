"""Nothing is lost and nothing is sent twice: the SMTP server down, the receiver SIGKILLed, a
mail refused. Real receiver processes, a real SQLite file and a real SMTP server, on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("aiosmtpd")

from receiver_kit import ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402

from mentorsite.receiver.tokens import Signer  # noqa: E402

SECRET = "receiver-faults-secret-0123456789"
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def rig(tmp_path):
    port = free_port()
    site = write_site(
        tmp_path / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={
            "rate_limit": 0,
            "min_fill_seconds": 1.0,
            "retry_base_seconds": 0.1,
            "retry_max_seconds": 0.4,
            "from_email": "mentors@example.org",
        },
    )
    sink = SmtpSink()  # not started: the SMTP server is down
    receivers = []

    def receiver() -> ReceiverProcess:
        process = ReceiverProcess(
            site,
            tmp_path / "data" / "requests.sqlite3",
            smtp_port=sink.port,
            port=port,
            env={"MENTORSITE_RECEIVER_SECRET": SECRET},
        )
        receivers.append(process)
        return process.start()

    yield site, sink, receiver, tmp_path / "data" / "requests.sqlite3"
    for process in receivers:
        process.stop()
    sink.stop()


def submit(receiver: ReceiverProcess, message: str) -> str:
    data = {
        "mentor": "ana-example",
        "name": "Zoë Mentee",
        "email": "zoe@example.org",
        "hope_to_gain": "Confidence.",
        "message": message,
        "consent": "yes",
        "ts": Signer(SECRET.encode()).issue(now=time.time() - 5),
    }
    req = urllib.request.Request(
        f"{receiver.url}/requests",
        data=urlencode(data).encode(),
        method="POST",
        headers={"Accept": "application/json", "Origin": SITE},
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())["reference"]


def rows(database) -> dict[str, dict]:
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        return {r["reference"]: dict(r) for r in conn.execute("SELECT * FROM requests")}


def wait_until(condition, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(what)


def delivered_refs(sink: SmtpSink, kind: str = "request") -> Counter:
    """References of the mails of `kind` received (the mentor's mail by default)."""
    return Counter(r.message["X-Mentorsite-Reference"] for r in sink.of_kind(kind))


def test_smtp_down_requests_queue_then_deliver_once_when_it_returns(rig):
    site, sink, receiver, database = rig
    process = receiver()
    refs = [submit(process, f"Request {n}") for n in range(3)]
    wait_until(
        lambda: all(r["attempts"] >= 1 and r["last_error"] for r in rows(database).values()),
        what="a failed delivery attempt",
    )
    stored = rows(database)
    assert set(stored) == set(refs)
    assert all(r["status"] == "queued" and "cannot reach SMTP server" in r["last_error"] for r in stored.values())
    time.sleep(0.5)  # several backoff periods with the server down
    sink.start()
    wait_until(lambda: all(r["status"] == "sent" for r in rows(database).values()), what="delivery after SMTP returned")
    wait_until(lambda: len(sink.of_kind("ack")) >= 3, what="the acknowledgements after SMTP returned")
    time.sleep(0.5)  # would anything be sent a second time?
    assert delivered_refs(sink) == Counter(dict.fromkeys(refs, 1))
    # The mentees' acknowledgements, queued while SMTP was down, went out once each too.
    assert delivered_refs(sink, "ack") == Counter(dict.fromkeys(refs, 1))
    assert len(sink.received) == 6
    assert "SMTP is back" in process.output()


def test_sigkill_after_the_answer_loses_nothing(rig):
    site, sink, receiver, database = rig
    first = receiver()
    refs = [submit(first, f"Request {n}") for n in range(3)]
    first.kill()  # SIGKILL right after the 201s: no clean shutdown, SMTP still down
    assert first.proc.returncode == -9
    assert set(rows(database)) == set(refs)
    sink.start()
    second = receiver()
    wait_until(lambda: all(r["status"] == "sent" for r in rows(database).values()), what="delivery after restart")
    time.sleep(0.3)
    assert delivered_refs(sink) == Counter(dict.fromkeys(refs, 1))
    # The same key (from the environment) still accepts a form fetched before the crash.
    assert submit(second, "After the restart").startswith("MR-")


def test_interrupted_send_is_resent_once_and_marked(rig):
    site, sink, receiver, database = rig
    first = receiver()
    ref = submit(first, "Crash during SMTP")
    first.stop()
    # As if the process died between 'sending' and 'sent' (the SMTP window).
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE requests SET status = 'sending', attempts = 1 WHERE reference = ?", (ref,))
    sink.start()
    second = receiver()
    wait_until(lambda: rows(database)[ref]["status"] == "sent", what="resend")
    row = rows(database)[ref]
    assert (row["attempts"], row["interrupted"]) == (2, 1)
    assert delivered_refs(sink) == Counter({ref: 1})
    assert "were being sent when the receiver stopped" in second.output()


def test_refused_mail_is_kept_as_failed_and_can_be_retried(rig):
    site, sink, receiver, database = rig
    sink.refuse["ana.private@example.org"] = "550 5.1.1 Mailbox unavailable"
    sink.start()
    process = receiver()
    ref = submit(process, "To a full mailbox")
    wait_until(lambda: rows(database)[ref]["status"] == "failed", what="permanent failure")
    assert rows(database)[ref]["last_error"] == "recipient refused: 550 5.1.1 Mailbox unavailable"
    sink.refuse.clear()
    result = subprocess.run(
        [sys.executable, "-m", "mentorsite", "requests", "retry", ref, str(site), "--database", str(database)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    wait_until(lambda: rows(database)[ref]["status"] == "sent", timeout=15, what="retry")  # the outbox polls every 2 s
    assert delivered_refs(sink) == Counter({ref: 1})


def test_one_receiver_per_database(rig):
    site, sink, receiver, database = rig
    receiver()
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "mentorsite",
            "receive",
            str(site),
            "--port",
            str(free_port()),
            "--database",
            str(database),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1
    assert "another receiver is already using" in second.stderr


def test_sighup_reloads_the_directory(rig):
    site, sink, receiver, database = rig
    sink.start()
    process = receiver()
    profile = (site / "mentors" / "ana-example.yaml").read_text(encoding="utf-8")
    (site / "mentors" / "eve-new.yaml").write_text(
        profile.replace("Ana Example", "Eve New").replace("ana.private@", "eve.private@"), encoding="utf-8"
    )
    data = {
        "mentor": "eve-new",
        "name": "Zoë",
        "email": "zoe@example.org",
        "hope_to_gain": "Advice.",
        "message": "Hello",
        "consent": "yes",
        "ts": Signer(SECRET.encode()).issue(now=time.time() - 5),
    }

    def post() -> int:
        req = urllib.request.Request(
            f"{process.url}/requests",
            data=urlencode(data).encode(),
            method="POST",
            headers={"Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert post() == 422  # not known yet
    process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded the mentor directory: 5 mentors" in process.output(), what="reload")
    assert post() == 201
    wait_until(lambda: len(sink.of_kind("request")) == 1, what="delivery")
    assert sink.of_kind("request")[0].rcpt_tos == ["eve.private@example.org"]


def test_lifecycle_fault_run_loses_no_answer_and_sends_every_mail_once(tmp_path):
    """bench/contact_load.py --lifecycle, small: 120 requests while mentors accept half and decline
    a quarter through their links, SMTP down until a send has failed, the receiver SIGKILLed with a
    mail and an answer in flight. Every request and confirmed answer is stored as answered, and
    every mail arrived once by (request, kind): the mentor's mail and the ack for all 120, two
    introductions for each of the 60 accepts, the declined mail for each of the 30 declines."""
    bench = Path(__file__).resolve().parents[1] / "bench" / "contact_load.py"
    run = subprocess.run(
        [sys.executable, str(bench), "--requests", "120", "--concurrency", "8", "--lifecycle", "--time-limit", "90"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "RESULT: OK" in out
    events = [line.split(": ")[-1] for line in out.splitlines() if "answers: " in line]
    assert events == ["stop smtp", "start smtp", "kill receiver"]
    assert "2xx acknowledged        120   distinct references 120" in out
    assert "stored rows             120   (stored but never acknowledged: 0)" in out
    assert "answers confirmed    accepted 60 of 60, declined 30 of 30; unconfirmed 0; other answers 0" in out
    assert (
        "request states       {'accepted': 60, 'declined': 30, 'delivered': 30}   (not as answered: 0; "
        "rows 120 for 120 references)"
    ) in out
    assert (
        "outbox mails         {'ack': 120, 'declined': 30, 'intro_mentee': 60, 'intro_mentor': 60}   "
        "(not sent: 0; missing 0, unexpected 0)"
    ) in out
    checked = re.search(
        r"mails checked +(\d+) arrived for 390 expected \(request, kind\): missing 0, unexpected 0, "
        r"duplicates (\d+) \(same Message-ID after an interrupted send: (\d+); any other: 0\); "
        r"Message-IDs shared by two mails 0",
        out,
    )
    assert checked, out
    arrived, duplicates, window = map(int, checked.groups())
    # Only resends in SMTP's window (a kill between the server's 250 and the commit) may repeat.
    assert arrived == 390 + duplicates and duplicates == window
