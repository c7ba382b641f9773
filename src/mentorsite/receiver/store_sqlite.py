"""The request database in one SQLite file: the default, for one receiver on one machine.

Durability: WAL journal with ``synchronous=FULL``, so a COMMIT has reached the disk (the WAL is
fsynced) before it returns. Writes are short ``BEGIN IMMEDIATE`` transactions, so each one runs
alone: the per-mentor cap and the token check need no row locks. One receiver process owns a
file at a time (``server.DatabaseLock``), so ``exclusive`` is true: a row found in 'sending' at
start-up was interrupted for sure.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..diagnostics import MentorsiteError
from . import schema


class SqliteDatabase:
    """Thread-safe access: one connection per thread, writers taking turns."""

    dialect = schema.SQLITE
    #: SQLite has no row locks: BEGIN IMMEDIATE already makes each claim run alone.
    skip_locked = ""
    exclusive = True

    def __init__(self, path: Path, *, create: bool = True):
        self.path = Path(path)
        self.label = str(self.path)
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
        self.connection().execute("PRAGMA journal_mode=WAL")
        with self.transaction() as tx:
            schema.migrate(tx, self.dialect, lambda: self._columns(tx))
        # Older mentorsite versions read this; schema_version is the record from now on.
        self.connection().execute(f"PRAGMA user_version={schema.SCHEMA_VERSION}")

    @staticmethod
    def _columns(tx: sqlite3.Connection) -> set[str]:
        return {row["name"] for row in tx.execute("PRAGMA table_info(requests)")}

    def connection(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            # mails rows go with their request (ON DELETE CASCADE): purge and erasure rely on it.
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed when the block ends, rolled back if it raises."""
        # Writers of this process take turns on a Python lock: SQLite's own busy handler would
        # make a waiting thread sleep in growing steps (up to 100 ms), which under concurrent
        # posts costs far more than the commits themselves. busy_timeout still covers other
        # processes (the `mentorsite requests` commands).
        with self._write_lock:
            conn = self.connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | list = ()) -> list[Any]:
        """Rows of one read, outside any write transaction."""
        return self.connection().execute(sql, params).fetchall()

    def serialize(self, tx: sqlite3.Connection, key: str) -> None:
        """Nothing to do: a write transaction here already runs alone."""

    def after_purge(self) -> None:
        # secure_delete has overwritten the freed pages; truncating the WAL removes the copies
        # of them it still holds.
        self.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(self, func: Callable[[sqlite3.Connection], Any]) -> Any:
        """`func(tx)` in one write transaction."""
        with self.transaction() as tx:
            return func(tx)
