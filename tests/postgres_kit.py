"""A real, throwaway PostgreSQL server for the receiver's tests and bench/contact_load.py.

Debian's ``postgresql`` package (scripts/setup.sh --test installs it) provides the binaries
in /usr/lib/postgresql/VERSION/bin; the server is a fresh cluster (``initdb``) in a temporary
folder, started with ``pg_ctl`` on a free loopback port, its socket in that folder, trust
authentication for loopback only. PostgreSQL refuses to run as root, so when the tests run as
root (CI does) the cluster belongs to the ``postgres`` user and its commands run through
``runuser``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from receiver_kit import LOOPBACK, free_port

BINARIES = Path("/usr/lib/postgresql")


class PostgresMissing(RuntimeError):
    pass


def bindir() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    versions = sorted((p for p in BINARIES.glob("*/bin") if (p / "initdb").exists()), key=lambda p: int(p.parent.name))
    if not versions:
        raise PostgresMissing(
            f"no PostgreSQL server under {BINARIES}: install Debian's postgresql (scripts/setup.sh --test)"
        )
    return versions[-1]


class PostgresServer:
    """initdb + pg_ctl start on 127.0.0.1:port; `database()` makes a fresh empty database."""

    USER = "mentorsite"

    def __init__(self, *, durable: bool = False):
        #: With durable=False, fsync is off: a test gains speed and loses nothing, since no
        #: test cuts the power. (COMMIT still waits for the server, as in production.)
        self.durable = durable
        self.port = free_port()
        # Not under pytest's tmp folder: that is private to root, and the server may run as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="mentorsite-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._names = itertools.count(1)
        self._prefix: list[str] = []
        self.running = False

    def _run(self, *args: str | Path) -> None:
        result = subprocess.run(
            [*self._prefix, *map(str, args)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
        if result.returncode:
            raise RuntimeError(
                f"{Path(str(args[0])).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def start(self) -> PostgresServer:
        bins = bindir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self._run(bins / "initdb", "-D", self.data, "-U", self.USER, "--auth=trust", "-E", "UTF8", "--locale=C", "-N")
        options = f"-c listen_addresses={LOOPBACK} -p {self.port} -c unix_socket_directories={self.root}"
        options += " -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run(bins / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options, "start")
        self.running = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.USER}@{LOOPBACK}:{self.port}/{database}"

    def database(self) -> str:
        """The URL of a new, empty database."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.running:
            self._run(bindir() / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
