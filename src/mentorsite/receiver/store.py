"""Durable storage of requests and their outbox state: one interface over two databases.

``[contact] database`` chooses the backend: a file path keeps one SQLite file (the default,
``store_sqlite``; one receiver per file), a ``postgresql://`` URL a PostgreSQL database that
several receivers share (``store_postgres``). Both have the same tables (``schema``, migrated
at start-up) and run the same SQL below; the backend supplies connections, transactions, the
row-lock clause of a claim and the lock that serialises storing for one mentor.

Durability: a COMMIT has reached the disk before it returns (SQLite: WAL with
``synchronous=FULL``; PostgreSQL: ``synchronous_commit``); the web app answers 2xx only after
the commit of ``add``.

Delivery bookkeeping (the outbox) is a state machine on each row::

    queued --claim--> sending --250 OK--> sent
       ^                 |  \\--5xx-----> failed   (kept; `mentorsite requests retry` re-queues)
       +---4xx / down----+
       +---crash while sending (requeued once its lease runs out, counted in `interrupted`)

Each transition is its own committed transaction, so after any crash the database says
exactly which mails were confirmed by the SMTP server. A claim takes the next due row (with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so N receivers never claim one row twice) and gives
it a *lease* (``lease_until``, ``lease_seconds`` ahead). A receiver killed mid-send leaves its
row in 'sending'; any receiver's outbox requeues it once the lease has run out, never sooner,
because with several receivers the row's sender may still be at work. With SQLite one
receiver owns the file (``server`` holds a lock file), so at start-up every 'sending' row is
known to be interrupted and is requeued at once. The attempt number a claim returns fences
the later ``mark_*``: a sender whose lease ran out cannot overwrite what the next one records.

The one window SMTP itself leaves open is a crash after the server accepted a message but
before ``sent`` was committed (well under a millisecond): such a row is re-sent once with the
*same* Message-ID, and its ``interrupted`` count makes it visible.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ..config import ContactConfig
from ..contact_fields import FIELD_NAMES, REQUEST_FIELDS, RequestField
from ..diagnostics import MentorsiteError
from .database_url import is_database_url
from .schema import OPEN_STATES, SCHEMA_VERSION, STATES, Dialect, with_mentor_details
from .store_sqlite import SqliteDatabase
from .validation import Submission

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "Row",
    "Mail",
    "Timing",
    "Outcome",
    "TokenReused",
    "MentorBusy",
    "COLUMNS",
    "STATUSES",
    "STATES",
]


STATUSES = ("queued", "sending", "sent", "failed")
#: Columns in list/export order.
#: When a request reached each lifecycle state (``schema.STATES``), the mentorship ended, the
#: mentor was reminded and the coordinator told, in list/export order.
STAMPS = ("delivered_at", "answered_at", "expired_at", "withdrawn_at", "closed_at", "reminded_at", "escalated_at")
COLUMNS = (
    "reference",
    "created_at",
    "state",
    *STAMPS,
    "status",
    "attempts",
    "interrupted",
    "sent_at",
    "last_error",
    *with_mentor_details(FIELD_NAMES),
    "decline_reason",
    "suggested_mentor",
    "message_id",
)
_INSERTED = ("reference", "created_at", "mentor_name", "recipient", *FIELD_NAMES, "token_nonce", "content_hash")
_INSERT = (
    f"INSERT INTO requests ({', '.join(_INSERTED)}, message_id, next_attempt_at)"
    f" VALUES ({', '.join('?' * (len(_INSERTED) + 2))}) ON CONFLICT DO NOTHING RETURNING id"
)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_reference() -> str:
    """A short reference people can read out on the phone, e.g. MR-7K3M-Q9XD."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"MR-{chars[:4]}-{chars[4:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def queue_mail(tx: Any, request_id: int, kind: str, now: datetime, domain: str) -> bool:
    """Queue the lifecycle mail `kind` (``schema.MAIL_KINDS``) for a request inside `tx`; True if
    queued, False if that request already has one (the table allows one of each kind, which is
    what makes every lifecycle mail go out at most once, whoever queues it and however often)."""
    message_id = f"<{kind.replace('_', '-')}.{secrets.token_hex(8)}@{domain}>"
    inserted = tx.execute(
        "INSERT INTO mails (request_id, kind, created_at, message_id, next_attempt_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        # Due at once, also when `now` is a clock ahead of the machine's (the scheduler's, in tests).
        (request_id, kind, iso(now), message_id, min(now.timestamp(), time.time())),
    ).fetchone()
    return inserted is not None


@dataclass(frozen=True)
class Outcome:
    """What a lifecycle transition found: whether this call made the change, and the request's
    state afterwards (None: no such request) with the time it reached it, so a replayed answer
    can say "already accepted on …"."""

    done: bool
    state: str | None
    at: str | None = None
    mentor: str = ""


#: The column holding when a request reached each final state.
_STAMP_OF = {
    "delivered": "delivered_at",
    "accepted": "answered_at",
    "declined": "answered_at",
    "expired": "expired_at",
    "withdrawn": "withdrawn_at",
}


class TokenReused(Exception):
    """The form's token already stored a different request."""


#: The window of ``mentor_daily_limit``.
MENTOR_WINDOW = timedelta(days=1)


class MentorBusy(Exception):
    """The mentor already has ``mentor_daily_limit`` requests from the last 24 hours."""

    def __init__(self, retry_after: float):
        super().__init__(f"try again in {retry_after:.0f} s")
        #: Seconds until the oldest of them is a day old.
        self.retry_after = retry_after


@dataclass(frozen=True)
class Row:
    """A stored request: the receiver's bookkeeping around the request itself."""

    id: int
    reference: str
    created_at: str
    mentor_name: str
    recipient: str
    request: Submission
    token_nonce: str | None
    content_hash: str
    message_id: str
    status: str
    attempts: int
    interrupted: int
    next_attempt_at: float
    last_error: str | None
    sent_at: str | None
    lease_until: float | None
    #: The lifecycle (``schema.STATES``) and when each step happened.
    state: str = "received"
    delivered_at: str | None = None
    answered_at: str | None = None
    expired_at: str | None = None
    withdrawn_at: str | None = None
    closed_at: str | None = None
    reminded_at: str | None = None
    escalated_at: str | None = None
    decline_reason: str = ""
    suggested_mentor: str = ""

    @classmethod
    def from_db(cls, record: Mapping) -> Row:
        """A row read with ``SELECT *``; columns of fields no longer defined are left out."""
        request = Submission(**{f.name: _from_column(f, record[f.name]) for f in REQUEST_FIELDS})
        return cls(request=request, **{name: record[name] for name in _BOOKKEEPING})

    @property
    def reached_at(self) -> str | None:
        """When the request reached its current state."""
        return _stamp(vars(self))

    def as_dict(self) -> dict:
        """Every column, in list/export order, as stored (a consent as 0 or 1)."""
        request = {f.name: _to_column(f, self.request.values[f.name]) for f in REQUEST_FIELDS}
        return {column: request[column] if column in request else getattr(self, column) for column in COLUMNS}


_BOOKKEEPING = tuple(name for name in Row.__dataclass_fields__ if name != "request")


def _stamp(row: Mapping) -> str | None:
    column = _STAMP_OF.get(row["state"])
    return row[column] if column else row["created_at"]


def _to_column(field: RequestField, value: str | bool) -> str | int:
    return int(value) if field.column_type == "INTEGER" else value


def _from_column(field: RequestField, value: object) -> str | bool:
    return bool(value) if field.kind == "consent" else str(value)


@dataclass(frozen=True)
class Mail:
    """A lifecycle mail from the ``mails`` outbox, with the request it is about."""

    id: int
    #: One of ``schema.MAIL_KINDS``.
    kind: str
    created_at: str
    message_id: str
    #: The claim's attempt number, which fences ``mark_mail_*``.
    attempts: int
    request: Row
    #: The declining mentor's suggestion (a slug, or "").
    suggested_mentor: str

    @classmethod
    def from_db(cls, mail: Mapping, request: Mapping) -> Mail:
        return cls(
            id=mail["id"],
            kind=mail["kind"],
            created_at=mail["created_at"],
            message_id=mail["message_id"],
            attempts=mail["attempts"],
            request=Row.from_db(request),
            suggested_mentor=request["suggested_mentor"] or "",
        )


@dataclass(frozen=True)
class Timing:
    """When the scheduler acts on an unanswered request, in days after it was received (0: never)."""

    remind_after_days: float
    coordinator_after_days: float
    expire_after_days: float

    @classmethod
    def of(cls, contact: ContactConfig) -> Timing:
        """The site's timing; no coordinator notice without a coordinator_email to send it to."""
        coordinator = contact.coordinator_after_days if contact.coordinator_email else 0
        return cls(contact.remind_after_days, coordinator, contact.expire_after_days)


class Database(Protocol):
    """What a backend gives the store (``store_sqlite.SqliteDatabase``, ``store_postgres.PostgresDatabase``)."""

    label: str
    #: The SQL spelling of the backend (``schema.SQLITE`` or ``schema.POSTGRES``).
    dialect: Dialect
    #: Appended to the claim's row selection: the backend's row lock that skips rows others hold.
    skip_locked: str
    #: True when one receiver owns the database, so a row in 'sending' at start-up is interrupted.
    exclusive: bool

    def run(self, func: Callable[[Any], Any]) -> Any:
        """`func(transaction)` in one write transaction; its result."""

    def query(self, sql: str, params: tuple | list = ()) -> list[Any]: ...
    def serialize(self, tx: Any, key: str) -> None: ...
    def after_purge(self) -> None: ...
    def close(self) -> None: ...


def open_database(database: str | Path, *, create: bool = True) -> Database:
    """The backend for `database`: a postgresql:// URL or an SQLite file's path."""
    if not is_database_url(database):
        return SqliteDatabase(Path(database), create=create)
    try:  # the optional `postgres` extra: only a site that asks for PostgreSQL needs it
        from .store_postgres import PostgresDatabase
    except ImportError as exc:
        raise MentorsiteError(
            f"a postgresql:// database needs psycopg ({exc.name} is missing): pip install 'mentorsite[postgres]'"
        ) from None
    return PostgresDatabase(str(database))


#: Default lease of a claimed row: ``[contact] send_lease_seconds``'s default.
LEASE_SECONDS: float = ContactConfig.model_fields["send_lease_seconds"].default


class Store:
    """Requests and their outbox, in whichever database `database` names. Thread-safe."""

    def __init__(self, database: str | Path | Database, *, create: bool = True, lease_seconds: float = LEASE_SECONDS):
        self.db = open_database(database, create=create) if isinstance(database, str | Path) else database
        self.lease_seconds = lease_seconds

    @property
    def label(self) -> str:
        """The database, as shown to people (a URL without its password)."""
        return self.db.label

    @property
    def exclusive(self) -> bool:
        return self.db.exclusive

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self, func: Callable[[Any], Any]) -> Any:
        return self.db.run(func)

    # Settings kept with the data
    def secret(self) -> bytes:
        """The token-signing key, created once and kept so tokens survive a restart; every
        receiver on a shared database reads the same one (the first to start creates it)."""

        def get(tx):
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('signing_key', ?) ON CONFLICT (key) DO NOTHING",
                (secrets.token_bytes(32).hex(),),
            )
            return bytes.fromhex(tx.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()["value"])

        return self._write(get)

    # The web app
    def add(
        self,
        submission: Submission,
        *,
        mentor_name: str,
        recipient: str,
        token_nonce: str | None,
        domain: str,
        mentor_daily_limit: int = 0,
    ) -> tuple[str, bool]:
        """Store a request durably; return (reference, True), or the earlier (reference, False)
        when this token already stored the same content. Raises TokenReused otherwise, and
        MentorBusy when the mentor has `mentor_daily_limit` requests (0: no cap) from the last
        24 hours: counted in the same transaction, which runs alone for this mentor, so
        concurrent posts (to any receiver) cannot overshoot it."""
        content_hash = submission.content_hash()
        now = utcnow()

        def earlier(tx) -> tuple[str, bool] | None:
            row = tx.execute(
                "SELECT reference, content_hash FROM requests WHERE token_nonce = ?", (token_nonce,)
            ).fetchone()
            if row is None:
                return None
            if row["content_hash"] == content_hash:
                return row["reference"], False
            raise TokenReused(row["reference"])

        def add(tx):
            if mentor_daily_limit:  # count and insert alone for this mentor, across receivers
                self.db.serialize(tx, f"mentor:{submission.mentor}")
            if token_nonce and (found := earlier(tx)):
                return found
            if mentor_daily_limit:
                recent = tx.execute(
                    "SELECT created_at FROM requests WHERE mentor = ? AND created_at >= ?"
                    " ORDER BY created_at DESC LIMIT ?",
                    (submission.mentor, iso(now - MENTOR_WINDOW), mentor_daily_limit),
                ).fetchall()
                if len(recent) >= mentor_daily_limit:
                    oldest = datetime.fromisoformat(recent[-1]["created_at"].replace("Z", "+00:00"))
                    raise MentorBusy(max(1.0, (oldest + MENTOR_WINDOW - now).total_seconds()))
            for _ in range(10):
                reference = new_reference()
                message_id = f"<{reference.lower()}.{secrets.token_hex(6)}@{domain}>"
                inserted = tx.execute(
                    _INSERT,
                    (
                        reference,
                        iso(now),
                        mentor_name,
                        recipient,
                        *(_to_column(f, submission.values[f.name]) for f in REQUEST_FIELDS),
                        token_nonce,
                        content_hash,
                        message_id,
                        now.timestamp(),
                    ),
                ).fetchone()
                if inserted is not None:
                    # The mentee's acknowledgement goes out from the same commit as the request.
                    queue_mail(tx, inserted["id"], "ack", now, domain)
                    return reference, True
                # A conflict: the token was stored meanwhile (by another receiver, for another
                # mentor), or, once in a trillion, the reference or Message-ID was taken.
                if token_nonce and (found := earlier(tx)):
                    return found
            raise RuntimeError("could not allocate a unique reference")  # pragma: no cover

        return self._write(add)

    # The outbox
    def _claim_sql(self, table: str, returning: str) -> str:
        """The one claim of both outboxes (requests, mails): the next due queued row of `table`
        becomes 'sending' with a lease; rows other receivers hold locked are skipped."""
        return (
            f"UPDATE {table} SET status = 'sending', attempts = attempts + 1, lease_until = ?"
            f" WHERE status = 'queued' AND id = (SELECT id FROM {table}"
            " WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1"
            f"{self.db.skip_locked}) RETURNING {returning}"
        )

    def claim_next(self, now: float | None = None) -> Row | None:
        """The next due row, claimed (queued -> sending, with a lease) and committed before the
        SMTP transaction starts; None when nothing is due. Rows other receivers are claiming
        right now are skipped, not waited for."""
        now = time.time() if now is None else now

        def claim(tx):
            row = tx.execute(self._claim_sql("requests", "*"), (now + self.lease_seconds, now)).fetchone()
            return Row.from_db(row) if row else None

        return self._write(claim)

    def claim(self, row_id: int) -> bool:
        """Claim one row by id (queued -> sending, with a lease)."""
        return self._write(
            lambda tx: (
                tx.execute(
                    "UPDATE requests SET status = 'sending', attempts = attempts + 1, lease_until = ?"
                    " WHERE id = ? AND status = 'queued'",
                    (time.time() + self.lease_seconds, row_id),
                ).rowcount
                == 1
            )
        )

    def requeue_interrupted(self) -> int:
        """At start-up: rows left in 'sending' by a crash go back to the queue — all of them when
        this receiver owns the database, else those whose lease has run out (lifecycle mails too)."""
        until = float("inf") if self.exclusive else None
        return self.requeue_expired(until) + self.requeue_expired_mails(until)

    def requeue_expired(self, now: float | None = None) -> int:
        """Rows in 'sending' whose lease ran out before `now` (their sender was killed or hangs)
        go back to the queue, due at once, counted in `interrupted`."""
        now = time.time() if now is None else now
        return self._write(
            lambda tx: (
                tx.execute(
                    "UPDATE requests SET status = 'queued', interrupted = interrupted + 1, next_attempt_at = ?,"
                    " lease_until = NULL WHERE status = 'sending' AND COALESCE(lease_until, 0) < ?",
                    (time.time(), now),
                ).rowcount
            )
        )

    def due(self, now: float, limit: int = 100) -> list[Row]:
        """Queued rows due by `now`, oldest first (a read: claim_next takes them)."""
        rows = self.db.query(
            "SELECT * FROM requests WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (now, limit),
        )
        return [Row.from_db(r) for r in rows]

    def next_due(self) -> float | None:
        return self.db.query("SELECT MIN(next_attempt_at) AS due FROM requests WHERE status = 'queued'")[0]["due"]

    def _finish(
        self, row_id: int, attempt: int | None, assignments: str, params: tuple, table: str = "requests"
    ) -> None:
        # `attempt` fences the update: after a lease ran out and another receiver claimed the
        # row again (attempts + 1), the first sender's late answer changes nothing.
        fence = " AND attempts = ?" if attempt is not None else ""
        self._write(
            lambda tx: tx.execute(
                f"UPDATE {table} SET {assignments}, lease_until = NULL WHERE id = ? AND status = 'sending'{fence}",
                (*params, row_id, *(() if attempt is None else (attempt,))),
            )
        )

    def mark_sent(self, row_id: int, *, attempt: int | None = None) -> None:
        """sending -> sent; the request itself moves received -> delivered in the same update
        (the SMTP server's 250 is the only evidence the mentor has it)."""
        now = iso(utcnow())
        self._finish(
            row_id,
            attempt,
            "status = 'sent', sent_at = ?, last_error = NULL,"
            " delivered_at = CASE WHEN state = 'received' THEN ? ELSE delivered_at END,"
            " state = CASE WHEN state = 'received' THEN 'delivered' ELSE state END",
            (now, now),
        )

    def mark_retry(self, row_id: int, error: str, next_attempt_at: float, *, attempt: int | None = None) -> None:
        self._finish(
            row_id, attempt, "status = 'queued', last_error = ?, next_attempt_at = ?", (error[:500], next_attempt_at)
        )

    def mark_failed(self, row_id: int, error: str, *, attempt: int | None = None) -> None:
        self._finish(row_id, attempt, "status = 'failed', last_error = ?", (error[:500],))

    # The organisation's commands
    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUSES, 0)
        for row in self.db.query("SELECT status, COUNT(*) AS n FROM requests GROUP BY status"):
            found[row["status"]] = row["n"]
        return found

    def rows(
        self,
        *,
        status: str | None = None,
        state: str | None = None,
        mentor: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Row]:
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if state:
            where.append("state = ?")
            params.append(state)
        if mentor:
            where.append("mentor = ?")
            params.append(mentor)
        if since:
            where.append("created_at >= ?")
            params.append(iso(since))
        sql = "SELECT * FROM requests" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY created_at DESC, id DESC" if newest_first else " ORDER BY created_at, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Row.from_db(r) for r in self.db.query(sql, params)]

    def get(self, reference: str) -> Row | None:
        rows = self.db.query("SELECT * FROM requests WHERE reference = ?", (reference.strip().upper(),))
        return Row.from_db(rows[0]) if rows else None

    # The lifecycle: each transition is one UPDATE that names the states it starts from, so of
    # two concurrent or replayed answers exactly one changes the row; the other reads it back.
    def _transition(
        self, reference: str, starts: tuple[str, ...], assignments: str, params: tuple, then: Callable | None = None
    ) -> Outcome:
        """Run `assignments` on the request if its state is in `starts`; `then(tx, row)` runs in
        the same transaction after a change (to queue mails)."""
        marks = ", ".join("?" * len(starts))

        def change(tx) -> Outcome:
            row = tx.execute(
                f"UPDATE requests SET {assignments} WHERE reference = ? AND state IN ({marks}) RETURNING *",
                (*params, reference.strip().upper(), *starts),
            ).fetchone()
            if row is not None:
                if then is not None:
                    then(tx, row)
                return Outcome(True, row["state"], _stamp(row), row["mentor"])
            found = tx.execute("SELECT * FROM requests WHERE reference = ?", (reference.strip().upper(),)).fetchone()
            if found is None:
                return Outcome(False, None)
            return Outcome(False, found["state"], _stamp(found), found["mentor"])

        return self._write(change)

    def accept(self, reference: str, now: datetime, *, domain: str) -> Outcome:
        """received/delivered -> accepted; queues the introductions to mentee and mentor."""

        def introduce(tx, row) -> None:
            queue_mail(tx, row["id"], "intro_mentee", now, domain)
            queue_mail(tx, row["id"], "intro_mentor", now, domain)

        return self._transition(reference, OPEN_STATES, "state = 'accepted', answered_at = ?", (iso(now),), introduce)

    def decline(self, reference: str, reason: str, suggested_mentor: str, now: datetime, *, domain: str) -> Outcome:
        """received/delivered -> declined, with the mentor's optional reason and suggestion;
        queues the mentee's 'declined' mail."""
        return self._transition(
            reference,
            OPEN_STATES,
            "state = 'declined', answered_at = ?, decline_reason = ?, suggested_mentor = ?",
            (iso(now), reason, suggested_mentor),
            lambda tx, row: queue_mail(tx, row["id"], "declined", now, domain),
        )

    def withdraw(self, reference: str, now: datetime) -> Outcome:
        """received/delivered -> withdrawn (the mentee no longer wants an answer)."""
        return self._transition(reference, OPEN_STATES, "state = 'withdrawn', withdrawn_at = ?", (iso(now),))

    def close_mentorship(self, reference: str, now: datetime) -> Outcome:
        """The mentorship of an accepted request ended: closed_at is set, freeing its place.
        (Not ``close``: that closes the store.) `done` is False when it was closed already."""
        reference = reference.strip().upper()

        def change(tx) -> Outcome:
            row = tx.execute(
                "UPDATE requests SET closed_at = ? WHERE reference = ? AND state = 'accepted' AND closed_at IS NULL"
                " RETURNING state, closed_at, mentor",
                (iso(now), reference),
            ).fetchone()
            found = (
                row
                or tx.execute(
                    "SELECT state, closed_at, mentor FROM requests WHERE reference = ?", (reference,)
                ).fetchone()
            )
            if found is None:
                return Outcome(False, None)
            return Outcome(row is not None, found["state"], found["closed_at"], found["mentor"])

        return self._write(change)

    def pause(self, mentor: str, now: datetime) -> bool:
        """Mark a mentor paused ("I'm full"); False if they were paused already."""
        return self._write(
            lambda tx: (
                tx.execute(
                    "INSERT INTO mentor_state (mentor, paused, paused_at) VALUES (?, 1, ?) ON CONFLICT (mentor)"
                    " DO UPDATE SET paused = 1, paused_at = excluded.paused_at WHERE mentor_state.paused = 0",
                    (mentor, iso(now)),
                ).rowcount
                == 1
            )
        )

    def resume(self, mentor: str) -> bool:
        """Take a mentor off pause; False if they were not paused."""
        return self._write(
            lambda tx: (
                tx.execute(
                    "UPDATE mentor_state SET paused = 0, paused_at = NULL WHERE mentor = ? AND paused = 1", (mentor,)
                ).rowcount
                == 1
            )
        )

    def load(self) -> tuple[dict[str, int], dict[str, str]]:
        """Every mentor's taken places (accepted requests not closed) and the paused mentors with
        when they paused: one query (an index covers the places, ``schema`` migration 4)."""
        taken: dict[str, int] = {}
        paused: dict[str, str] = {}
        for row in self.db.query(
            "SELECT 'taken' AS kind, mentor, COUNT(*) AS n, NULL AS at FROM requests"
            " WHERE state = 'accepted' AND closed_at IS NULL GROUP BY mentor"
            " UNION ALL SELECT 'paused', mentor, 0, paused_at FROM mentor_state WHERE paused = 1"
        ):
            if row["kind"] == "taken":
                taken[row["mentor"]] = row["n"]
            else:
                paused[row["mentor"]] = row["at"] or ""
        return taken, paused

    def mentor_load(self, mentor: str) -> tuple[int, str | None]:
        """One mentor's taken places and when they paused (None: not paused)."""
        row = self.db.query(
            "SELECT (SELECT COUNT(*) FROM requests WHERE mentor = ? AND state = 'accepted' AND closed_at IS NULL) AS n,"
            " (SELECT MAX(paused_at) FROM mentor_state WHERE mentor = ? AND paused = 1) AS paused_at",
            (mentor, mentor),
        )[0]
        return row["n"], row["paused_at"]

    def retry(self, reference: str) -> bool:
        """failed -> queued, due now (after fixing whatever made the server refuse it)."""
        return self._write(
            lambda tx: (
                tx.execute(
                    "UPDATE requests SET status = 'queued', next_attempt_at = ? WHERE reference = ? AND status = 'failed'",
                    (time.time(), reference.strip().upper()),
                ).rowcount
                == 1
            )
        )

    def purge(
        self,
        older_than_days: float,
        *,
        include_undelivered: bool = False,
        include_ongoing: bool = False,
        dry_run: bool = False,
    ) -> int:
        """Delete requests created more than N days ago, with their lifecycle mails (ON DELETE
        CASCADE): by default those whose mail was sent or failed, except accepted mentorships
        not yet closed (each holds one of the mentor's places, and deleting it would free the
        place unseen); `include_undelivered` adds the ones never delivered, `include_ongoing`
        the running mentorships.

        The backend then makes sure the personal data does not linger in its files (SQLite:
        secure_delete and a truncated WAL; PostgreSQL: VACUUM)."""
        cutoff = iso(utcnow() - timedelta(days=older_than_days))
        statuses = STATUSES if include_undelivered else ("sent", "failed")
        marks = ",".join("?" * len(statuses))
        where = f"WHERE created_at < ? AND status IN ({marks})"
        if not include_ongoing:
            where += " AND NOT (state = 'accepted' AND closed_at IS NULL)"
        if dry_run:
            return self.db.query(f"SELECT COUNT(*) AS n FROM requests {where}", (cutoff, *statuses))[0]["n"]
        count = self._write(lambda tx: tx.execute(f"DELETE FROM requests {where}", (cutoff, *statuses)).rowcount)
        if count:
            self.db.after_purge()
        return count

    # The lifecycle mails' outbox (table ``mails``): the same state machine, leases and fencing
    # as the requests' outbox above, one row per (request, kind).
    def claim_next_mail(self, now: float | None = None) -> Mail | None:
        """The next due lifecycle mail, claimed (queued -> sending, with a lease) and committed
        with its request before the SMTP transaction starts; None when nothing is due."""
        now = time.time() if now is None else now

        def claim(tx):
            mail = tx.execute(
                self._claim_sql("mails", "id, request_id, kind, created_at, message_id, attempts"),
                (now + self.lease_seconds, now),
            ).fetchone()
            if mail is None:
                return None
            request = tx.execute("SELECT * FROM requests WHERE id = ?", (mail["request_id"],)).fetchone()
            return Mail.from_db(mail, request)

        return self._write(claim)

    def mark_mail_sent(self, mail_id: int, *, attempt: int | None = None) -> None:
        self._finish(mail_id, attempt, "status = 'sent', sent_at = ?, last_error = NULL", (iso(utcnow()),), "mails")

    def mark_mail_retry(self, mail_id: int, error: str, next_attempt_at: float, *, attempt: int | None = None) -> None:
        self._finish(
            mail_id,
            attempt,
            "status = 'queued', last_error = ?, next_attempt_at = ?",
            (error[:500], next_attempt_at),
            "mails",
        )

    def mark_mail_failed(self, mail_id: int, error: str, *, attempt: int | None = None) -> None:
        self._finish(mail_id, attempt, "status = 'failed', last_error = ?", (error[:500],), "mails")

    def requeue_expired_mails(self, now: float | None = None) -> int:
        """Lifecycle mails in 'sending' whose lease ran out before `now` go back to the queue
        (as ``requeue_expired``; ``float('inf')`` at the start of a receiver that owns the database)."""
        now = time.time() if now is None else now
        return self._write(
            lambda tx: (
                tx.execute(
                    "UPDATE mails SET status = 'queued', interrupted = interrupted + 1, next_attempt_at = ?,"
                    " lease_until = NULL WHERE status = 'sending' AND COALESCE(lease_until, 0) < ?",
                    (time.time(), now),
                ).rowcount
            )
        )

    def next_mail_due(self) -> float | None:
        return self.db.query("SELECT MIN(next_attempt_at) AS due FROM mails WHERE status = 'queued'")[0]["due"]

    def mails(self, reference: str | None = None) -> list[dict[str, Any]]:
        """The lifecycle mails (of one request), oldest first: kind, status, attempts, times."""
        sql = (
            "SELECT r.reference, m.kind, m.status, m.attempts, m.interrupted, m.created_at, m.sent_at,"
            " m.last_error, m.message_id FROM mails m JOIN requests r ON r.id = m.request_id"
        )
        params: tuple = ()
        if reference is not None:
            sql += " WHERE r.reference = ?"
            params = (reference.strip().upper(),)
        return [dict(row) for row in self.db.query(sql + " ORDER BY m.id", params)]

    def schedule_due(self, now: datetime, timing: Timing, domain: str, *, batch: int = 500) -> dict[str, int]:
        """Queue what the clock makes due at `now` (a pass of ``scheduler``); counts by step.

        Each step is one transaction per batch that marks the requests (a state check in the
        same UPDATE's WHERE) and queues their mail: a request is marked once, whoever runs the
        step and however often, and UNIQUE(request_id, kind) would refuse a second mail anyway.
        Expiry runs first, so a request found already past every deadline (the receiver was
        down for weeks) is expired without a pointless reminder."""
        open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        steps = (
            ("expired", timing.expire_after_days, "state = 'expired', expired_at = ?", ""),
            ("coordinator", timing.coordinator_after_days, "escalated_at = ?", " AND escalated_at IS NULL"),
            ("reminder", timing.remind_after_days, "reminded_at = ?", " AND reminded_at IS NULL"),
        )
        counts = dict.fromkeys((kind for kind, *_ in steps), 0)
        for kind, days, assignment, unmarked in steps:
            if not days:
                continue
            cutoff = iso(now - timedelta(days=days))

            def step(tx, kind=kind, assignment=assignment, unmarked=unmarked, cutoff=cutoff):
                marked = tx.execute(
                    f"UPDATE requests SET {assignment} WHERE id IN (SELECT id FROM requests"
                    f" WHERE state IN ({open_states}) AND created_at < ?{unmarked} ORDER BY created_at, id LIMIT ?)"
                    f" AND state IN ({open_states}){unmarked} RETURNING id",
                    (iso(now), cutoff, batch),
                ).fetchall()
                return sum(queue_mail(tx, row["id"], kind, now, domain) for row in marked), len(marked)

            while True:
                queued, marked = self._write(step)
                counts[kind] += queued
                if marked < batch:
                    break
        return counts
