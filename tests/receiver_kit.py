"""Real parts for the receiver's tests and load bench (bench/contact_load.py): a loopback SMTP
server that records what it receives (aiosmtpd, a test dependency), and the receiver run as a
real process. Kept with the tests, out of the shipped package.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from kit import free_port  # noqa: F401 - also for the tests that import it from here

LOOPBACK = "127.0.0.1"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


def kind_of(message: EmailMessage) -> str:
    """A message's kind, read from its Message-ID: "request" for the mentor's mail (<mr-…>),
    else the lifecycle mail's kind (<intro-mentee.…> is "intro_mentee")."""
    local = str(message["Message-ID"]).strip("<>").partition("@")[0]
    return "request" if local.startswith("mr-") else local.partition(".")[0].replace("-", "_")


@dataclass
class _Handler:
    sink: SmtpSink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refuse:
            return self.sink.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1:port that keeps every message; stop() and start() at will."""

    port: int = field(default_factory=free_port)
    #: Recipient -> SMTP reply, e.g. {"x@example.org": "550 5.1.1 No such user"}.
    refuse: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.Lock()
        self._controller = None

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname=LOOPBACK, port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def of_kind(self, kind: str) -> list[Received]:
        """What arrived of one kind: "request" (the mentor's mail) or a lifecycle mail's kind."""
        with self.lock:
            return [r for r in self.received if kind_of(r.message) == kind]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            raise TimeoutError(f"expected {count} messages, got {len(self.received)}")


def outbox_settled(database: Path, timeout: float = 20.0) -> None:
    """Wait until an SQLite database's outboxes hold nothing due or being sent (requests and
    lifecycle mails), so a test counting what arrives next is not met by an earlier mail."""
    due = "status = 'sending' OR (status = 'queued' AND next_attempt_at <= ?)"
    sql = f"SELECT (SELECT COUNT(*) FROM requests WHERE {due}) + (SELECT COUNT(*) FROM mails WHERE {due})"
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(database) as conn:
            if conn.execute(sql, (time.time(), time.time())).fetchone()[0] == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the outbox of {database} did not drain")
        time.sleep(0.05)


def _death_signal():
    """A pre-exec hook for the child: on Linux, get SIGTERM when the test process dies, however
    it dies, so a killed test run leaves no receiver behind. Resolved in the parent, so the
    child (forked from a process with threads) only makes one system call.

    Linux sends this signal when the *thread* that started the child ends, so it is only set
    up from the main thread (a receiver restarted from a worker thread would die with it)."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    PR_SET_PDEATHSIG = 1
    return lambda: prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


class ReceiverProcess:
    """`python -m mentorsite receive SITE` as a child process, waited for until it answers."""

    def __init__(
        self,
        site: Path,
        database: Path | str,
        *,
        smtp_port: int,
        port: int | None = None,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ):
        self.site = Path(site)
        #: An SQLite file, or a postgresql:// URL (then `log` is required).
        self.database = database if isinstance(database, str) else Path(database)
        self.port = port or free_port()
        self.smtp_port = smtp_port
        self.args = args
        self.env = {**os.environ, **(env or {})}
        if log is None:
            assert isinstance(self.database, Path), "give a receiver on a database URL a log file"
            log = self.database.with_name(self.database.stem + f"-receiver-{self.port}.log")
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "mentorsite",
            "receive",
            str(self.site),
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--database",
            str(self.database),
            "--smtp-host",
            LOOPBACK,
            "--smtp-port",
            str(self.smtp_port),
            "--smtp-security",
            "none",
            *self.args,
        ]

    def start(self, timeout: float = 30.0) -> ReceiverProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.command(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            preexec_fn=_death_signal(),
        )
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"receiver exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"receiver did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut or the OOM killer."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode


#: A request for ana-example that passes validation, as the form posts it.
VALID_FORM = {
    "mentor": "ana-example",
    "name": "Zoë Mentee",
    "email": "zoe@example.org",
    "hope_to_gain": "Confidence leading a team.",
    "goals": "",
    "format": "one-to-one",
    "cadence": "monthly",
    "message": "Hello Ana,\r\ncould we talk?",
    "consent": "yes",
}

#: A bio long enough that the profile raises no warnings.
BIO = (
    "Ana has led product and data teams for fifteen years in health care and finance. She enjoys "
    "helping people move from analysis into leadership, and likes to work through one concrete "
    "problem at every meeting, with notes and a next step agreed before the call ends."
)

PROFILES = {
    # Accepting, private address in the profile.
    "ana-example": {
        "name": "Ana Example",
        "accepting": True,
        "email": "ana.private@example.org",
        "formats": ["one-to-one", "group"],
    },
    # Not accepting.
    "ben-example": {"name": "Ben Example", "accepting": False, "email": "ben.private@example.org", "formats": []},
    # Accepting, address only in the contacts file.
    "cleo-example": {"name": "Cléo Exemple", "accepting": True, "email": None, "formats": ["peer"]},
    # Accepting, no address anywhere.
    "dev-example": {"name": "Dev Example", "accepting": True, "email": None, "formats": []},
}


def write_site(
    root: Path, *, base_url: str, action: str, contact: dict | None = None, profiles: dict[str, dict] | None = None
) -> Path:
    """A small site for the receiver: site.toml with a [contact] table and a few profiles."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    lines = [
        'title = "Receiver Test Mentors"',
        'organisation = "Test Org"',
        f'base_url = "{base_url}"',
        'description = "A small site for the receiver tests."',
        "",
        "[contact]",
        'mode = "receiver"',
        f'action = "{action}"',
    ]
    for key, value in (contact or {}).items():
        lines.append(f"{key} = {json.dumps(value)}")
    (root / "site.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "mentors").mkdir(exist_ok=True)
    for slug, p in (PROFILES if profiles is None else profiles).items():
        text = [
            f"name: {p['name']}",
            "headline: Happy to help with a first leadership role",
            f"tags: [{', '.join(p.get('tags', ['leadership']))}]",
            f"formats: [{', '.join(p['formats'])}]",
            "availability:",
            f"  accepting: {str(p['accepting']).lower()}",
            *([f"  capacity: {p['capacity']}"] if "capacity" in p else []),
            "bio: |",
            f"  {BIO}",
        ]
        if p.get("email"):
            text.append(f"email: {p['email']}")
        (root / "mentors" / f"{slug}.yaml").write_text("\n".join(text) + "\n", encoding="utf-8")
    return root
