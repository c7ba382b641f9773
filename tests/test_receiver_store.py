"""The request store on both backends: SQLite (one receiver) and PostgreSQL (several receivers).

Tests taking the `database` fixture run once on an SQLite file and once on a fresh database of
a real PostgreSQL server (conftest.postgres_server). Several Store objects on one database
stand for several receivers; the last tests run real receiver processes.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from click.testing import CliRunner
from receiver_kit import VALID_FORM, ReceiverProcess, SmtpSink, free_port, write_site

from mentorsite.cli import cli
from mentorsite.config import load_config
from mentorsite.receiver.delivery import Outbox
from mentorsite.receiver.directory import Directory, Entry
from mentorsite.receiver.schema import SchemaTooNew
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.store import SCHEMA_VERSION, MentorBusy, Store, TokenReused
from mentorsite.receiver.validation import Submission, validate

DIRECTORY = Directory(
    {
        "ana-example": Entry("ana-example", "Ana Example", True, (), "ana.private@example.org"),
        "dev-example": Entry("dev-example", "Dev Example", True, (), "dev.private@example.org"),
    }
)
DETAILS = {"mentor_name": "Ana Example", "recipient": "ana.private@example.org", "domain": "example.org"}


def submission(**changes) -> Submission:
    sub, errors, _ = validate({**VALID_FORM, **changes}, DIRECTORY)
    assert not errors, errors
    return sub


def _add(store: Store, n: int, **changes) -> str:
    return store.add(submission(message=f"Request {n}", **changes), token_nonce=None, **DETAILS)[0]


@pytest.fixture
def opened():
    """opened(store) -> store, closed when the test ends (a PostgreSQL store holds a pool)."""
    stores: list[Store] = []

    def keep(store: Store) -> Store:
        stores.append(store)
        return store

    yield keep
    for store in stores:
        store.close()


def _schema_versions(database) -> list[int]:
    sql = "SELECT version FROM schema_version ORDER BY version"
    if isinstance(database, Path):
        with sqlite3.connect(database) as conn:
            return [row[0] for row in conn.execute(sql)]
    with psycopg.connect(database) as conn:
        return [row[0] for row in conn.execute(sql)]


# Shared behaviour ---------------------------------------------------------------------------------


def test_schema_is_versioned_and_migrated_once(database):
    """A new database records every migration in schema_version; opening it again applies none."""
    Store(database).close()
    Store(database).close()
    assert _schema_versions(database) == list(range(1, SCHEMA_VERSION + 1)) == [1, 2, 3, 4]


def test_token_reuse_and_counts(database, opened):
    """The same token and content is the same request; other content under it is refused."""
    store = opened(Store(database))
    ref, created = store.add(submission(), token_nonce="n1", **DETAILS)
    assert created and ref.startswith("MR-")
    assert store.add(submission(), token_nonce="n1", **DETAILS) == (ref, False)
    with pytest.raises(TokenReused):
        store.add(submission(message="Something else"), token_nonce="n1", **DETAILS)
    assert store.counts() == {"queued": 1, "sending": 0, "sent": 0, "failed": 0}
    assert store.get(ref.lower()).request == submission()


def test_secret_is_created_once_and_shared(database, opened):
    """Two receivers on one database sign form timestamps with the same key."""
    first, second = opened(Store(database)), opened(Store(database))
    key = first.secret()
    assert len(key) == 32 and second.secret() == key == first.secret()


def test_claim_lease_requeue_and_fence(database, opened):
    """A claim gives the row a lease; the row is requeued only once the lease has run out, and
    the first sender's late answer cannot overwrite the second claim's."""
    store = opened(Store(database, lease_seconds=60))
    ref = _add(store, 1)
    before = time.time()
    row = store.claim_next()
    assert (row.reference, row.status, row.attempts) == (ref, "sending", 1)
    assert before + 60 <= row.lease_until <= time.time() + 60
    assert store.claim_next() is None  # nothing else due
    assert store.requeue_expired() == 0  # its sender may still be at work
    assert store.requeue_expired(now=row.lease_until + 1) == 1
    again = store.claim_next()
    assert (again.id, again.attempts, again.interrupted) == (row.id, 2, 1)
    store.mark_sent(row.id, attempt=row.attempts)  # the killed sender's answer: fenced off
    assert store.get(ref).status == "sending"
    store.mark_sent(again.id, attempt=again.attempts)
    done = store.get(ref)
    assert (done.status, done.lease_until, done.attempts, done.interrupted) == ("sent", None, 2, 1)


def test_requeue_at_start_up_depends_on_ownership(database, opened):
    """SQLite has one receiver, so every 'sending' row at start-up was interrupted; on a shared
    PostgreSQL database another receiver may be sending it right now, so its lease is kept."""
    store = opened(Store(database, lease_seconds=60))
    _add(store, 1)
    store.claim_next()
    expected = 1 if isinstance(database, Path) else 0
    assert store.requeue_interrupted() == expected
    assert store.counts()["sending"] == 1 - expected


def test_mentor_cap_holds_across_receivers(database, opened):
    """Twelve posts at once for one mentor through two stores, cap 5: exactly 5 are stored."""
    stores = [opened(Store(database)), opened(Store(database))]
    outcomes: list[str] = []
    start = threading.Barrier(12)

    def post(n: int) -> None:
        start.wait()
        try:
            stores[n % 2].add(submission(message=f"R{n}"), token_nonce=f"n{n}", mentor_daily_limit=5, **DETAILS)
            outcomes.append("stored")
        except MentorBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {"stored": 5, "busy": 7}
    assert stores[0].counts()["queued"] == 5


def test_one_token_posted_at_once_to_two_receivers_for_two_mentors(database, opened):
    """The token check and the UNIQUE constraint agree under concurrency: one request is stored,
    the other post is told its token was used (whichever receiver wins)."""
    stores = [opened(Store(database)), opened(Store(database))]
    start = threading.Barrier(2)
    results: list[object] = []

    def post(n: int, mentor: str) -> None:
        start.wait()
        try:
            results.append(stores[n].add(submission(mentor=mentor), token_nonce="same", **DETAILS))
        except TokenReused as exc:
            results.append(exc)

    threads = [threading.Thread(target=post, args=pair) for pair in ((0, "ana-example"), (1, "dev-example"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, TokenReused)]
    assert len(stored) == len(refused) == 1 and stored[0][1] is True
    assert str(refused[0]) == stored[0][0]
    assert stores[0].counts()["queued"] == 1


class RecordingTransport:
    """Records each send (with who sent it), taking a little time as a real server does."""

    def __init__(self, name: str, log: list[tuple[str, str]], lock: threading.Lock):
        self.name, self.log, self.lock = name, log, lock

    def __call__(self, settings):
        return self

    def send(self, row) -> None:
        time.sleep(0.002)
        with self.lock:
            self.log.append((self.name, row.reference))

    def close(self) -> None:
        pass


def test_two_outboxes_send_each_row_exactly_once(database, tmp_path, opened):
    """Two receivers' outboxes drain one queue at the same time: every row is sent exactly once,
    both take part (SKIP LOCKED lets them claim side by side), and every row ends 'sent'."""
    site = write_site(tmp_path / "site", base_url="https://example.org/", action="https://example.org/requests")
    settings = resolve(site, load_config(site), database=database)
    first = opened(Store(database))
    refs = {_add(first, n) for n in range(150)}
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()
    outboxes = [
        Outbox(opened(Store(database)), settings, transport_factory=RecordingTransport(name, sent, lock))
        for name in "AB"
    ]
    for outbox in outboxes:
        outbox.start()
    deadline = time.monotonic() + 60
    while len(sent) < len(refs) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a row sent twice would show up now
    for outbox in outboxes:
        outbox.stop()
    per_reference = Counter(ref for _, ref in sent)
    assert set(per_reference) == refs and set(per_reference.values()) == {1}
    assert {name for name, _ in sent} == {"A", "B"}
    assert first.counts() == {"queued": 0, "sending": 0, "sent": 150, "failed": 0}


def test_requests_commands_work_on_both_backends(database, tmp_path, opened):
    """`mentorsite requests list/show/export/retry/purge --database …` read and change either backend."""
    site = write_site(tmp_path / "site", base_url="https://example.org/", action="https://example.org/requests")
    store = opened(Store(database))
    sent_ref, failed_ref = _add(store, 1), _add(store, 2)
    for ref, outcome in ((sent_ref, "sent"), (failed_ref, "failed")):
        row = store.claim_next()
        assert row.reference == ref
        if outcome == "sent":
            store.mark_sent(row.id, attempt=row.attempts)
        else:
            store.mark_failed(row.id, "550 no such user", attempt=row.attempts)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["requests", *args, str(site), "--database", str(database)])
        assert result.exit_code == 0, result.output
        return result.output

    listed = run("list").splitlines()
    assert listed[0] == "0 queued  0 sending  1 sent  1 failed"
    assert [line.split()[0] for line in listed[2:] if line.startswith("MR-")] == [failed_ref, sent_ref]
    assert "status: failed" in run("show", failed_ref).splitlines()
    export = tmp_path / "out.csv"
    run("export", "-o", str(export))
    assert export.stat().st_mode & 0o777 == 0o600
    assert len(export.read_text().splitlines()) == 3
    assert run("retry", failed_ref).startswith(f"{failed_ref}: queued again")
    assert store.get(failed_ref).status == "queued"
    assert run("purge", "--older-than", "0") == "deleted 1 request(s) received more than 0 days ago\n"
    assert [r.reference for r in store.rows()] == [failed_ref]


# SQLite: a database from before schema_version ---------------------------------------------------

#: The tables exactly as the receiver created them before this change (PRAGMA user_version = 1).
VERSION_1 = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    mentor TEXT NOT NULL DEFAULT '', mentor_name TEXT NOT NULL, recipient TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', hope_to_gain TEXT NOT NULL DEFAULT '',
    goals TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT '', cadence TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', consent INTEGER NOT NULL DEFAULT 0,
    token_nonce TEXT UNIQUE, content_hash TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0, interrupted INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL, last_error TEXT, sent_at TEXT
);
CREATE INDEX requests_due ON requests (status, next_attempt_at);
CREATE INDEX requests_created ON requests (created_at);
CREATE INDEX requests_mentor ON requests (mentor, created_at);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('signing_key', '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
INSERT INTO requests (reference, created_at, mentor, mentor_name, recipient, name, email, hope_to_gain,
    message, consent, content_hash, message_id, status, attempts, next_attempt_at)
VALUES ('MR-AAAA-BBBB', '2026-11-01T10:00:00.000000Z', 'ana-example', 'Ana Example', 'ana.private@example.org',
    'Zoë', 'zoe@example.org', 'Growth', 'Hi', 1, 'h1', '<mr-aaaa-bbbb.1@example.org>', 'sending', 1, 0),
    ('MR-CCCC-DDDD', '2026-11-02T10:00:00.000000Z', 'ana-example', 'Ana Example', 'ana.private@example.org',
    'Ike', 'ike@example.org', 'Growth', 'Hello', 1, 'h2', '<mr-cccc-dddd.1@example.org>', 'sent', 1, 0);
PRAGMA user_version = 1;
"""


def test_an_existing_sqlite_database_is_migrated(tmp_path, opened):
    """A database made before schema_version keeps its rows and its key, gains the lease column
    and the version table, and its interrupted send (no lease recorded) is requeued."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(VERSION_1)
    store = opened(Store(path))
    assert _schema_versions(path) == [1, 2, 3, 4]
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(requests)")}
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # Migration 3: a request whose mail was sent is 'delivered' at its sent_at; others 'received'.
        states = conn.execute("SELECT reference, state, delivered_at, sent_at FROM requests ORDER BY reference")
        assert [tuple(r) for r in states] == [
            ("MR-AAAA-BBBB", "received", None, None),
            ("MR-CCCC-DDDD", "delivered", None, None),
        ]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"lease_until", "state", "delivered_at", "answered_at", "closed_at", "decline_reason"} <= columns
    assert {"mails", "mentor_state"} <= tables
    assert store.secret() == bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
    assert [(r.reference, r.status, r.request.name) for r in store.rows()] == [
        ("MR-CCCC-DDDD", "sent", "Ike"),
        ("MR-AAAA-BBBB", "sending", "Zoë"),
    ]
    assert store.requeue_expired() == 1  # a 'sending' row without a lease has none left
    resumed = store.claim_next()
    assert (resumed.reference, resumed.attempts, resumed.interrupted) == ("MR-AAAA-BBBB", 2, 1)


def test_a_database_from_a_newer_mentorsite_is_refused(tmp_path):
    """An older mentorsite does not write to tables it does not know: a clear error instead."""
    path = tmp_path / "r.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(SchemaTooNew, match=r"schema version 99, newer than this mentorsite knows \(4\)"):
        Store(path)


# PostgreSQL: real receiver processes -------------------------------------------------------------


SITE = "http://127.0.0.1:8000"


def _receiver_site(root: Path, **contact) -> Path:
    return write_site(
        root,
        base_url=f"{SITE}/",
        action="http://127.0.0.1:8787/requests",
        contact={
            "rate_limit": 0,
            "mentor_daily_limit": 0,
            "min_fill_seconds": 0,
            "retry_base_seconds": 0.1,
            "retry_max_seconds": 0.4,
            "from_email": "mentors@example.org",
            **contact,
        },
    )


def _call(url: str, data: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=urlencode(data).encode() if data is not None else None,
        headers={"Accept": "application/json", "Origin": SITE},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _post(token_from: ReceiverProcess, post_to: ReceiverProcess, message: str) -> str:
    """A form whose signed timestamp comes from one receiver, posted to another."""
    ts = _call(f"{token_from.url}/requests/token")["ts"]
    form = {**VALID_FORM, "message": message, "ts": ts}
    return _call(f"{post_to.url}/requests", form)["reference"]


def _row(url: str, reference: str) -> dict:
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM requests WHERE reference = %s", (reference,)).fetchone()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)


def test_two_receiver_processes_share_one_postgres_database(postgres_url, tmp_path):
    """Two `mentorsite receive` processes on one database both start (no lock), sign with one
    shared key (a form from one is accepted by the other) and deliver every request once."""
    site = _receiver_site(tmp_path / "site")
    sink = SmtpSink().start()
    receivers = [
        ReceiverProcess(site, postgres_url, smtp_port=sink.port, log=tmp_path / f"{name}.log").start() for name in "ab"
    ]
    try:
        refs = [_post(receivers[n % 2], receivers[(n + 1) % 2], f"Request {n}") for n in range(10)]
        assert len(set(refs)) == 10
        _wait(lambda: len(sink.received) >= 20, 20, "ten deliveries and ten acknowledgements")
        time.sleep(0.5)  # anything sent twice would arrive now
        messages = sink.messages()
        for prefix in ("<mr-", "<ack."):  # the mentor's mail, the mentee's acknowledgement
            sent = Counter(m["X-Mentorsite-Reference"] for m in messages if m["Message-ID"].startswith(prefix))
            assert sent == Counter(dict.fromkeys(refs, 1)), prefix
        assert len(messages) == 20
        for receiver in receivers:
            assert f"database {postgres_url} (" in receiver.output()
    finally:
        for receiver in receivers:
            receiver.stop()
        sink.stop()


def test_a_receiver_killed_mid_send_is_relieved_once_its_lease_runs_out(postgres_url, tmp_path):
    """Receiver A claims a request and hangs on an SMTP server that never answers; it is
    SIGKILLed. Receiver B, starting meanwhile, leaves the row alone while A's lease lasts (A might
    still be sending), then requeues it and delivers it once, counted as interrupted."""
    site = _receiver_site(tmp_path / "site", send_lease_seconds=8)
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    sink = SmtpSink().start()
    a = ReceiverProcess(site, postgres_url, smtp_port=silent.getsockname()[1], log=tmp_path / "a.log").start()
    b = ReceiverProcess(site, postgres_url, smtp_port=sink.port, port=free_port(), log=tmp_path / "b.log")
    try:
        ref = _post(a, a, "Caught mid-send")
        _wait(lambda: _row(postgres_url, ref)["status"] == "sending", 5, "A's claim")
        a.kill()
        b.start()
        row = _row(postgres_url, ref)
        assert row["lease_until"] > time.time(), "the test was too slow to see the lease in force"
        assert (row["status"], row["attempts"]) == ("sending", 1)
        _wait(lambda: _row(postgres_url, ref)["status"] == "sent", 25, "B's delivery after the lease")
        done = _row(postgres_url, ref)
        assert (done["attempts"], done["interrupted"]) == (2, 1)
        assert float(done["next_attempt_at"]) >= row["lease_until"]
        time.sleep(0.3)
        assert [r.message["X-Mentorsite-Reference"] for r in sink.of_kind("request")] == [ref]
        assert "1 request(s) were being sent by a receiver that stopped; sending them again" in b.output()
    finally:
        a.kill()
        b.stop()
        sink.stop()
        silent.close()


def test_an_unreachable_postgres_is_a_clear_error(tmp_path):
    """A wrong URL gives one line naming the database (without its password), no traceback."""
    site = _receiver_site(tmp_path / "site")
    url = f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    result = CliRunner().invoke(cli, ["requests", "list", str(site), "--database", url])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"mentorsite: cannot use the PostgreSQL database postgresql://someone:***@127.0.0.1:{url.split(':')[3]}: connection failed: "
    )
    assert "hunter2" not in result.output and "Traceback" not in result.output
