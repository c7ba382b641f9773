"""The request database in PostgreSQL: several receivers sharing one database.

Selected by ``[contact] database = "postgresql://user@host/db"`` (or ``--database``); needs the
``postgres`` extra (psycopg 3 and its pool). Connections come from one
``psycopg_pool.ConnectionPool`` per process, in autocommit mode, so each write is an explicit
``BEGIN … COMMIT`` block and each read one statement. PostgreSQL's default
``synchronous_commit = on`` means a COMMIT has reached the server's disk (its WAL) when it
returns: the web app still answers 2xx only after that.

What SQLite's single writer gave for free is asked for explicitly here:

* the per-mentor cap: the insert's transaction first takes a transaction-scoped advisory lock
  on the mentor (``serialize``), so two receivers storing for one mentor take turns;
* the token check: a token stored meanwhile by another transaction meets the UNIQUE
  constraint (``ON CONFLICT DO NOTHING`` waits for that transaction) and is then read back;
* the outbox: a claim picks its row with ``FOR UPDATE SKIP LOCKED``, so two receivers never
  claim the same row and neither waits for the other;
* interrupted sends: no receiver can assume it is alone (``exclusive`` is false), so a row
  left in 'sending' is requeued only once its lease has run out (see ``store``);
* migrations run under an advisory lock, so receivers starting together migrate once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import dict_row

from ..diagnostics import MentorsiteError
from . import schema
from .database_url import shown

#: Transaction outcomes that succeed when simply run again.
_TRANSIENT = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


def _lock_key(key: str) -> int:
    """A stable signed 64-bit advisory-lock key for `key` (collisions only cost a wait)."""
    return int.from_bytes(hashlib.blake2b(f"mentorsite:{key}".encode(), digest_size=8).digest(), "big", signed=True)


class _Transaction:
    """A connection inside a transaction, speaking the store's ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[dict[str, Any]]):
        self.conn = conn

    def execute(self, sql: str, params: tuple | list = ()) -> psycopg.Cursor[dict[str, Any]]:
        # The store's SQL has no literal '?' or '%': placeholders are the only ones.
        return self.conn.execute(sql.replace("?", "%s"), params)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database."""

    dialect = schema.POSTGRES
    skip_locked = " FOR UPDATE SKIP LOCKED"
    exclusive = False

    def __init__(self, url: str, *, max_connections: int = 16, connect_timeout: int = 10):
        self.url = url
        self.label = shown(url)
        try:
            # One plain connection first: it migrates, and a wrong URL fails at once with the
            # server's reason (a pool would only report a timeout).
            with (
                psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=connect_timeout) as conn,
                conn.transaction(),
            ):
                self._migrate(_Transaction(conn))
        except psycopg.OperationalError as exc:
            raise MentorsiteError(f"cannot use the PostgreSQL database {self.label}: {_reason(exc)}") from None
        self.pool: psycopg_pool.ConnectionPool[psycopg.Connection[dict[str, Any]]] = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
            name="mentorsite",
        )

    def _migrate(self, tx: _Transaction) -> None:
        self.serialize(tx, "migrate")

        def present() -> set[str]:
            rows = tx.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'requests'"
            ).fetchall()
            return {row["column_name"] for row in rows}

        schema.migrate(tx, self.dialect, present)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        """A write transaction, committed when the block ends, rolled back if it raises."""
        with self.pool.connection() as conn, conn.transaction():
            yield _Transaction(conn)

    def run(self, func: Callable[[_Transaction], Any], *, attempts: int = 5) -> Any:
        """`func(tx)` in one write transaction, run again if the server aborted it as a deadlock."""
        for attempt in range(attempts):
            try:
                with self.transaction() as tx:
                    return func(tx)
            except _TRANSIENT:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def query(self, sql: str, params: tuple | list = ()) -> list[Any]:
        """Rows of one read (one statement, its own snapshot)."""
        with self.pool.connection() as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    def serialize(self, tx: _Transaction, key: str) -> None:
        """Make transactions that name the same `key` take turns, until `tx` ends."""
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_lock_key(key),))

    def after_purge(self) -> None:
        # Deleted rows stay in the table's pages until VACUUM reclaims them; do it now rather
        # than whenever autovacuum gets to it. (Copies in the server's WAL and backups age out
        # with the server's own retention.)
        with self.pool.connection() as conn:
            conn.execute("VACUUM requests, mails")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
