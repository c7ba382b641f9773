"""The request lifecycle in the store, on SQLite and PostgreSQL: each transition is one transaction
that starts only from the states it names, so concurrent or replayed answers act once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from receiver_kit import VALID_FORM

from mentorsite.receiver.directory import Directory, Entry
from mentorsite.receiver.store import Outcome, Store
from mentorsite.receiver.validation import validate

DIRECTORY = Directory({"ana-example": Entry("ana-example", "Ana Example", True, (), "ana.private@example.org")})
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(database):
    opened = Store(database)
    yield opened
    opened.close()


def add(store: Store) -> str:
    submission, errors, _ = validate(dict(VALID_FORM), DIRECTORY)
    assert not errors
    return store.add(
        submission, mentor_name="Ana", recipient="ana.private@example.org", token_nonce=None, domain="example.org"
    )[0]


def mail_kinds(store: Store, reference: str) -> list[str]:
    rows = store.db.query(
        "SELECT kind FROM mails JOIN requests ON requests.id = mails.request_id WHERE reference = ? ORDER BY kind",
        (reference,),
    )
    return [r["kind"] for r in rows]


def test_the_smtp_250_moves_a_request_to_delivered(store):
    """mark_sent records delivery (status) and the lifecycle step (state) in one update."""
    reference = add(store)
    assert store.get(reference).state == "received"
    row = store.claim_next()
    store.mark_sent(row.id, attempt=row.attempts)
    done = store.get(reference)
    assert (done.state, done.status, done.delivered_at) == ("delivered", "sent", done.sent_at)


def test_concurrent_accepts_act_once_and_queue_one_introduction_each(database, store):
    """Eight receivers accept the same request at once: one changes it, seven read it back."""
    reference = add(store)
    stores = [Store(database) for _ in range(8)]
    results: list[Outcome] = []
    barrier = threading.Barrier(len(stores))

    def accept(other: Store) -> None:
        barrier.wait()
        results.append(other.accept(reference, NOW, domain="example.org"))

    threads = [threading.Thread(target=accept, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in stores:
        other.close()
    stamp = "2026-03-02T09:30:00.000000Z"
    assert (
        sorted(results, key=lambda r: not r.done)
        == [Outcome(True, "accepted", stamp, "ana-example")] + [Outcome(False, "accepted", stamp, "ana-example")] * 7
    )
    assert mail_kinds(store, reference) == ["ack", "intro_mentee", "intro_mentor"]


def test_an_answered_request_takes_no_other_answer(store):
    """Decline, withdraw and accept start only from received/delivered."""
    reference = add(store)
    declined = store.decline(reference, "Busy", "cleo-example", NOW, domain="example.org")
    assert declined == Outcome(True, "declined", "2026-03-02T09:30:00.000000Z", "ana-example")
    later = NOW + timedelta(hours=1)
    assert store.accept(reference, later, domain="example.org").done is False
    assert store.withdraw(reference, later) == Outcome(False, "declined", declined.at, "ana-example")
    row = store.get(reference)
    assert (row.state, row.decline_reason, row.suggested_mentor) == ("declined", "Busy", "cleo-example")
    assert mail_kinds(store, reference) == ["ack", "declined"]
    assert store.accept("MR-0000-0000", NOW, domain="example.org") == Outcome(False, None)
    other = add(store)
    assert store.withdraw(other, NOW).state == "withdrawn" and store.get(other).withdrawn_at is not None


def test_places_are_taken_by_accepted_requests_until_closed(store):
    """load() counts accepted, not closed requests per mentor; closing frees the place once."""
    first, second, third = add(store), add(store), add(store)
    store.accept(first, NOW, domain="example.org")
    store.accept(second, NOW, domain="example.org")
    store.decline(third, "", "", NOW, domain="example.org")
    assert store.load() == ({"ana-example": 2}, {})
    assert store.mentor_load("ana-example") == (2, None)
    closed = store.close_mentorship(first, NOW)
    assert closed == Outcome(True, "accepted", "2026-03-02T09:30:00.000000Z", "ana-example")
    assert store.close_mentorship(first, NOW + timedelta(days=1)) == Outcome(
        False, closed.state, closed.at, "ana-example"
    )
    assert store.close_mentorship(third, NOW) == Outcome(False, "declined", None, "ana-example")
    assert store.load() == ({"ana-example": 1}, {})


def test_pause_and_resume(store):
    """pause() marks a mentor once (keeping the first time); resume() only undoes a pause."""
    assert store.pause("ana-example", NOW) is True
    assert store.pause("ana-example", NOW + timedelta(days=1)) is False
    assert store.load() == ({}, {"ana-example": "2026-03-02T09:30:00.000000Z"})
    assert store.mentor_load("ana-example") == (0, "2026-03-02T09:30:00.000000Z")
    assert store.resume("ana-example") is True and store.resume("ana-example") is False
    assert store.load() == ({}, {}) and store.mentor_load("ana-example") == (0, None)
    assert store.pause("ana-example", NOW) is True
