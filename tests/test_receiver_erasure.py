"""Privacy in the request database, on both backends: `requests forget` (erasure), `requests
export --person` (access), `requests purge` over lifecycle data; and a real receiver's log,
which never holds an address."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from click.testing import CliRunner
from receiver_kit import VALID_FORM, ReceiverProcess, SmtpSink
from test_receiver_store import SITE, _call, _receiver_site

from mentorsite.cli import cli
from mentorsite.receiver.directory import Directory, Entry
from mentorsite.receiver.erasure import ERASED, REDACTED, Erased, forget, person_data, same_address
from mentorsite.receiver.store import Store, queue_mail, utcnow
from mentorsite.receiver.validation import validate

ANA = "ana.private@example.org"
DEV = "dev.private@example.org"
DIRECTORY = Directory(
    {
        "ana-example": Entry("ana-example", "Ana Example", True, (), ANA),
        "dev-example": Entry("dev-example", "Dev Example", True, (), DEV),
    }
)


def _add(store: Store, message: str, email: str, mentor: str = "ana-example") -> str:
    submission, errors, _ = validate({**VALID_FORM, "message": message, "email": email, "mentor": mentor}, DIRECTORY)
    assert not errors, errors
    entry = DIRECTORY.entries[mentor]
    return store.add(
        submission, mentor_name=entry.name, recipient=entry.recipient, token_nonce=None, domain="example.org"
    )[0]


def _sql(store: Store, sql: str, params: tuple = ()) -> None:
    store.db.run(lambda tx: tx.execute(sql, params))


def _rows(store: Store) -> dict[str, dict]:
    return {r["reference"]: dict(r) for r in store.db.query("SELECT * FROM requests ORDER BY id")}


def _mails(store: Store) -> list[tuple[str, str, str]]:
    rows = store.db.query(
        "SELECT r.reference, m.kind, m.status FROM mails m JOIN requests r ON r.id = m.request_id ORDER BY m.id"
    )
    return [(r["reference"], r["kind"], r["status"]) for r in rows]


@pytest.fixture
def filled(database):
    """Four requests: two from zoe (domain in another case), one from Zoe (another mailbox),
    one from yan whose stored SMTP error quotes zoe's address; each with its 'ack' mail, yan's
    with an introduction to the mentor still queued."""
    store = Store(database)
    refs = [
        _add(store, "Secret one", "zoe@example.org"),
        _add(store, "Secret two", "zoe@EXAMPLE.org", mentor="dev-example"),
        _add(store, "Other mailbox", "Zoe@example.org"),
        _add(store, "From yan", "yan@example.org"),
    ]
    _sql(
        store,
        "UPDATE requests SET status = 'failed', last_error = ? WHERE reference = ?",
        ("550 <zoe@example.org>", refs[3]),
    )
    store.db.run(lambda tx: queue_mail(tx, store.get(refs[3]).id, "intro_mentor", utcnow(), "example.org"))
    yield store, refs
    store.close()


def test_addresses_match_on_the_exact_local_part_and_any_case_of_domain():
    assert same_address("zoe@EXAMPLE.org", "zoe@example.ORG")
    assert not same_address("Zoe@example.org", "zoe@example.org")
    assert not same_address("zoe@example.org", "zoe")


def test_forget_a_mentee_deletes_their_requests_and_mails_and_is_idempotent(filled):
    store, (one, two, other, yan) = filled
    assert forget(store, "zoe@Example.org", dry_run=True) == Erased(requests=2, mails=2, received=0, errors=1)
    assert set(_rows(store)) == {one, two, other, yan}
    assert forget(store, "zoe@Example.org") == Erased(requests=2, mails=2, received=0, errors=1)
    rows = _rows(store)
    assert set(rows) == {other, yan}
    assert rows[yan]["last_error"] == REDACTED
    assert _mails(store) == [(other, "ack", "queued"), (yan, "ack", "queued"), (yan, "intro_mentor", "queued")]
    assert forget(store, "zoe@example.org") == Erased(0, 0, 0, 0)


def test_forget_a_mentor_blanks_them_as_recipient_and_stops_their_mails(filled):
    store, (one, two, other, yan) = filled
    assert forget(store, ANA.upper().replace("ANA.PRIVATE", "ana.private")) == Erased(0, 0, 3, 0)
    rows = _rows(store)
    assert {ref: (r["recipient"], r["mentor_name"]) for ref, r in rows.items()} == {
        one: (ERASED, ERASED),
        two: (DEV, "Dev Example"),
        other: (ERASED, ERASED),
        yan: (ERASED, ERASED),
    }
    # Still queued mails to the erased address are not sent; the mentee's are.
    assert (rows[one]["status"], rows[one]["last_error"]) == ("failed", "recipient erased")
    assert rows[yan]["last_error"] == "550 <zoe@example.org>"  # already failed: its error is kept
    assert (yan, "intro_mentor", "failed") in _mails(store)
    assert (one, "ack", "queued") in _mails(store)
    assert forget(store, ANA) == Erased(0, 0, 0, 0)


def test_forgotten_text_does_not_linger_in_the_sqlite_file(tmp_path):
    store = Store(tmp_path / "r.db")
    _add(store, "Unmistakable secret text", "zoe@example.org")
    forget(store, "zoe@example.org")
    store.close()
    for path in tmp_path.iterdir():
        assert b"Unmistakable secret" not in path.read_bytes(), path.name
        assert b"zoe@example.org" not in path.read_bytes(), path.name


def test_export_person_gives_everything_about_them_and_nothing_of_others(filled, tmp_path):
    store, (one, two, other, yan) = filled
    data = person_data(store, "zoe@example.ORG")
    assert [r["reference"] for r in data["requests_sent"]] == [one, two]
    first = data["requests_sent"][0]
    assert (first["email"], first["message"], first["state"], first["mentor"]) == (
        "zoe@example.org",
        "Secret one",
        "received",
        "ana-example",
    )
    assert [m["kind"] for m in first["mails"]] == ["ack"]
    assert "recipient" not in first and "token_nonce" not in first
    mentor = person_data(store, ANA)
    assert [r["reference"] for r in mentor["requests_received"]] == [one, other, yan]
    assert mentor["requests_sent"] == []
    received = mentor["requests_received"][2]
    assert "email" not in received and "message" not in received and "name" not in received
    assert [m["kind"] for m in received["mails"]] == ["intro_mentor"]


def test_forget_and_export_commands(filled, database, tmp_path):
    store, (one, two, other, yan) = filled
    runner = CliRunner()
    out = tmp_path / "zoe.json"
    result = runner.invoke(
        cli, ["requests", "export", "--person", "zoe@example.org", "-o", str(out), "--database", str(database)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text()
    assert ANA not in text and DEV not in text and "Other mailbox" not in text
    assert [r["reference"] for r in json.loads(text)["requests_sent"]] == [one, two]
    result = runner.invoke(cli, ["requests", "forget", "zoe@example.org", "--dry-run", "--database", str(database)])
    assert result.output == (
        "would erase: 2 request(s) sent with 2 mail(s); address removed from 0 request(s) received; "
        "1 error text(s) redacted\n"
    )
    result = runner.invoke(cli, ["requests", "forget", "zoe@example.org", "--database", str(database)])
    assert result.output.startswith("erased: 2 request(s) sent with 2 mail(s);")
    bad = runner.invoke(cli, ["requests", "forget", "zoe", "--database", str(database)])
    assert bad.exit_code == 2 and "'zoe' is not an address" in bad.output
    assert set(_rows(store)) == {other, yan}


def test_purge_keeps_running_mentorships_unless_asked(filled):
    """Retention deletes settled requests with their mails; an accepted mentorship not closed
    holds a place and stays unless --include-ongoing."""
    store, (one, two, other, yan) = filled
    _sql(store, "UPDATE requests SET status = 'sent'")
    _sql(store, "UPDATE requests SET state = 'accepted', answered_at = created_at WHERE reference = ?", (one,))
    _sql(store, "UPDATE requests SET state = 'accepted', closed_at = created_at WHERE reference = ?", (two,))
    _sql(store, "UPDATE requests SET state = 'declined', answered_at = created_at WHERE reference = ?", (other,))
    assert store.purge(0, dry_run=True) == 3
    assert store.purge(0) == 3
    assert set(_rows(store)) == {one}
    assert _mails(store) == [(one, "ack", "queued")]
    assert store.purge(0, include_ongoing=True) == 1
    assert _rows(store) == {} and _mails(store) == []


# What the receiver logs ---------------------------------------------------------------------------


def _wait_for_log(receiver: ReceiverProcess, text: str) -> None:
    deadline = time.monotonic() + 15
    while text not in receiver.output():
        assert time.monotonic() < deadline, receiver.output()
        time.sleep(0.05)


def test_the_receivers_log_holds_no_address(tmp_path):
    """A request stored and delivered by the real receiver process, then an SMTP server that
    refuses the recipient quoting it: the log names references and slugs, never an address."""
    site = _receiver_site(tmp_path / "site")
    sink = SmtpSink().start()
    receiver = ReceiverProcess(site, tmp_path / "r.db", smtp_port=sink.port).start()
    try:
        ts = _call(f"{receiver.url}/requests/token")["ts"]
        reference = _call(f"{receiver.url}/requests", {**VALID_FORM, "ts": ts})["reference"]
        assert sink.wait_for(1)[0].message["X-Mentorsite-Reference"] == reference
        _wait_for_log(receiver, f"request {reference}: delivered")
        sink.refuse[ANA] = f"550 5.1.1 <{ANA}>: Recipient address rejected"
        ts = _call(f"{receiver.url}/requests/token")["ts"]
        refused = _call(f"{receiver.url}/requests", {**VALID_FORM, "ts": ts, "message": "Again"})["reference"]
        _wait_for_log(receiver, f"request {refused}: delivery failed permanently")
    finally:
        receiver.stop()
        sink.stop()
    log = receiver.output()
    assert f"stored request {reference} for mentor ana-example" in log
    for address in (VALID_FORM["email"], ANA, "mentors@example.org"):
        assert address not in log, address
    assert "@" not in log.replace(f"{SITE}", "")


def test_an_sqlite_database_made_before_the_report_reads_as_before(tmp_path):
    """The Database protocol's new `dialect` is what both backends already had."""
    store = Store(tmp_path / "r.db")
    assert store.db.dialect.name == "sqlite"
    store.close()
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM mails").fetchone()[0] == 0
