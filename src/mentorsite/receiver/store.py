"""Durable storage of requests and their outbox state, in one SQLite file.

Durability: WAL journal with ``synchronous=FULL``, so a COMMIT has reached the disk (the WAL
is fsynced) before it returns; the web app answers 2xx only after that commit.

Delivery bookkeeping (the outbox) is a state machine on each row::

    queued --claim--> sending --250 OK--> sent
       ^                 |  \\--5xx-----> failed   (kept; `mentorsite requests retry` re-queues)
       +---4xx / down----+
       +---crash while sending (requeued at the next start, counted in `interrupted`)

Each transition is its own committed transaction, so after any crash the file says exactly
which mails were confirmed by the SMTP server. The one window SMTP itself leaves open is a
crash after the server accepted a message but before ``sent`` was committed (well under a
millisecond): such a row is re-sent once at the next start with the *same* Message-ID, and
its ``interrupted`` count makes it visible. One receiver process owns a database at a time
(``server`` holds a lock file), so a row in ``sending`` at start-up was interrupted for sure.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..contact_fields import FIELD_NAMES, REQUEST_FIELDS, RequestField
from ..diagnostics import MentorsiteError
from .validation import Submission


def _with_mentor_details(names: Iterable[str]) -> Iterator[str]:
    """The request's columns, with the receiver's mentor_name and recipient next to the mentor."""
    for name in names:
        yield name
        if name == "mentor":
            yield from ("mentor_name", "recipient")


def _column(field: RequestField) -> str:
    # A default lets ALTER TABLE add a new field's column to a database that has rows already.
    default = "0" if field.column_type == "INTEGER" else "''"
    return f"{field.name} {field.column_type} NOT NULL DEFAULT {default}"


_REQUEST_COLUMNS = {field.name: _column(field) for field in REQUEST_FIELDS}
_RECEIVER_COLUMNS = {"mentor_name": "mentor_name TEXT NOT NULL", "recipient": "recipient TEXT NOT NULL"}
_TABLE_COLUMNS = ",\n    ".join(
    ({**_REQUEST_COLUMNS, **_RECEIVER_COLUMNS})[name] for name in _with_mentor_details(FIELD_NAMES)
)

SCHEMA_VERSION = 1
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    {_TABLE_COLUMNS},
    token_nonce TEXT UNIQUE,
    content_hash TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS requests_due ON requests (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS requests_created ON requests (created_at);
CREATE INDEX IF NOT EXISTS requests_mentor ON requests (mentor, created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

STATUSES = ("queued", "sending", "sent", "failed")
#: Columns in list/export order.
COLUMNS = (
    "reference",
    "created_at",
    "status",
    "attempts",
    "interrupted",
    "sent_at",
    "last_error",
    *_with_mentor_details(FIELD_NAMES),
    "message_id",
)
_INSERTED = ("reference", "created_at", "mentor_name", "recipient", *FIELD_NAMES, "token_nonce", "content_hash")
_INSERT = (
    f"INSERT INTO requests ({', '.join(_INSERTED)}, message_id, next_attempt_at)"
    f" VALUES ({', '.join('?' * (len(_INSERTED) + 2))})"
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

    @classmethod
    def from_db(cls, record: Mapping) -> Row:
        """A row read with ``SELECT *``; columns of fields no longer defined are left out."""
        request = Submission(**{f.name: _from_column(f, record[f.name]) for f in REQUEST_FIELDS})
        return cls(request=request, **{name: record[name] for name in _BOOKKEEPING})

    def as_dict(self) -> dict:
        """Every column, in list/export order, as stored (a consent as 0 or 1)."""
        request = {f.name: _to_column(f, self.request.values[f.name]) for f in REQUEST_FIELDS}
        return {column: request[column] if column in request else getattr(self, column) for column in COLUMNS}


_BOOKKEEPING = tuple(name for name in Row.__dataclass_fields__ if name != "request")


def _to_column(field: RequestField, value: str | bool) -> str | int:
    return int(value) if field.column_type == "INTEGER" else value


def _from_column(field: RequestField, value: object) -> str | bool:
    return bool(value) if field.kind == "consent" else str(value)


def _add_new_fields(conn: sqlite3.Connection) -> None:
    """Give a database made before a field was defined a column for it (empty in old rows)."""
    present = {column[1] for column in conn.execute("PRAGMA table_info(requests)")}
    for name, column in _REQUEST_COLUMNS.items():
        if name not in present:
            conn.execute(f"ALTER TABLE requests ADD COLUMN {column}")


class Store:
    """Thread-safe access: one connection per thread, writes in short IMMEDIATE transactions."""

    def __init__(self, path: Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise MentorsiteError(f"no request database at {self.path}")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                # Personal data: readable by the receiver's user only.
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        self._write(_add_new_fields)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _write(self, func):
        # Writers of this process take turns on a Python lock: SQLite's own busy handler would
        # make a waiting thread sleep in growing steps (up to 100 ms), which under concurrent
        # posts costs far more than the commits themselves. busy_timeout still covers other
        # processes (the `mentorsite requests` commands).
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = func(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    # Settings kept with the data
    def secret(self) -> bytes:
        """The token-signing key, created once and kept so tokens survive a restart."""

        def get(conn):
            row = conn.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()
            if row:
                return bytes.fromhex(row[0])
            key = secrets.token_bytes(32)
            conn.execute("INSERT INTO meta (key, value) VALUES ('signing_key', ?)", (key.hex(),))
            return key

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
        24 hours: counted in the same transaction, so concurrent posts cannot overshoot it."""
        content_hash = submission.content_hash()
        now = utcnow()

        def add(conn):
            if token_nonce:
                row = conn.execute(
                    "SELECT reference, content_hash FROM requests WHERE token_nonce = ?", (token_nonce,)
                ).fetchone()
                if row:
                    if row["content_hash"] == content_hash:
                        return row["reference"], False
                    raise TokenReused(row["reference"])
            if mentor_daily_limit:
                recent = conn.execute(
                    "SELECT created_at FROM requests WHERE mentor = ? AND created_at >= ?"
                    " ORDER BY created_at DESC LIMIT ?",
                    (submission.mentor, iso(now - MENTOR_WINDOW), mentor_daily_limit),
                ).fetchall()
                if len(recent) >= mentor_daily_limit:
                    oldest = datetime.fromisoformat(recent[-1][0].replace("Z", "+00:00"))
                    raise MentorBusy(max(1.0, (oldest + MENTOR_WINDOW - now).total_seconds()))
            for _ in range(10):
                reference = new_reference()
                message_id = f"<{reference.lower()}.{secrets.token_hex(6)}@{domain}>"
                try:
                    conn.execute(
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
                    )
                    return reference, True
                except sqlite3.IntegrityError as exc:
                    if "reference" not in str(exc) and "message_id" not in str(exc):
                        raise
            raise RuntimeError("could not allocate a unique reference")  # pragma: no cover

        return self._write(add)

    # The outbox
    def requeue_interrupted(self) -> int:
        """At start-up: rows left in 'sending' by a crash go back to the queue."""
        return self._write(
            lambda conn: (
                conn.execute(
                    "UPDATE requests SET status = 'queued', interrupted = interrupted + 1, next_attempt_at = ?"
                    " WHERE status = 'sending'",
                    (time.time(),),
                ).rowcount
            )
        )

    def due(self, now: float, limit: int = 100) -> list[Row]:
        rows = (
            self._conn()
            .execute(
                "SELECT * FROM requests WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                (now, limit),
            )
            .fetchall()
        )
        return [Row.from_db(r) for r in rows]

    def next_due(self) -> float | None:
        row = self._conn().execute("SELECT MIN(next_attempt_at) FROM requests WHERE status = 'queued'").fetchone()
        return row[0]

    def claim(self, row_id: int) -> bool:
        """queued -> sending, committed before the SMTP transaction starts."""
        return self._write(
            lambda conn: (
                conn.execute(
                    "UPDATE requests SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'queued'",
                    (row_id,),
                ).rowcount
                == 1
            )
        )

    def mark_sent(self, row_id: int) -> None:
        self._write(
            lambda conn: conn.execute(
                "UPDATE requests SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND status = 'sending'",
                (iso(utcnow()), row_id),
            )
        )

    def mark_retry(self, row_id: int, error: str, next_attempt_at: float) -> None:
        self._write(
            lambda conn: conn.execute(
                "UPDATE requests SET status = 'queued', last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'sending'",
                (error[:500], next_attempt_at, row_id),
            )
        )

    def mark_failed(self, row_id: int, error: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "UPDATE requests SET status = 'failed', last_error = ? WHERE id = ? AND status = 'sending'",
                (error[:500], row_id),
            )
        )

    # The organisation's commands
    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUSES, 0)
        for status, count in self._conn().execute("SELECT status, COUNT(*) FROM requests GROUP BY status"):
            found[status] = count
        return found

    def rows(
        self,
        *,
        status: str | None = None,
        mentor: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Row]:
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
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
        return [Row.from_db(r) for r in self._conn().execute(sql, params)]

    def get(self, reference: str) -> Row | None:
        row = (
            self._conn().execute("SELECT * FROM requests WHERE reference = ?", (reference.strip().upper(),)).fetchone()
        )
        return Row.from_db(row) if row else None

    def retry(self, reference: str) -> bool:
        """failed -> queued, due now (after fixing whatever made the server refuse it)."""
        return self._write(
            lambda conn: (
                conn.execute(
                    "UPDATE requests SET status = 'queued', next_attempt_at = ? WHERE reference = ? AND status = 'failed'",
                    (time.time(), reference.strip().upper()),
                ).rowcount
                == 1
            )
        )

    def purge(self, older_than_days: float, *, include_undelivered: bool = False, dry_run: bool = False) -> int:
        """Delete requests created more than N days ago (by default only sent or failed ones).

        secure_delete overwrites the freed pages and the WAL is checkpointed and truncated, so
        the personal data does not linger in the file."""
        cutoff = iso(utcnow() - timedelta(days=older_than_days))
        statuses = STATUSES if include_undelivered else ("sent", "failed")
        marks = ",".join("?" * len(statuses))
        if dry_run:
            return (
                self._conn()
                .execute(
                    f"SELECT COUNT(*) FROM requests WHERE created_at < ? AND status IN ({marks})", (cutoff, *statuses)
                )
                .fetchone()[0]
            )
        count = self._write(
            lambda conn: (
                conn.execute(
                    f"DELETE FROM requests WHERE created_at < ? AND status IN ({marks})", (cutoff, *statuses)
                ).rowcount
            )
        )
        if count:
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count
