"""Run the receiver (`mentorsite receive SITE`): its parts, the database lock, and the HTTP front end
(``front``; why this design: docs/receiver.md)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from functools import partial
from pathlib import Path
from typing import TextIO

from .answers import LinkSigner
from .app import Receiver
from .delivery import Outbox, SmtpTransport, reminder_links
from .directory import load_directory
from .front import CannotListen, Limits, run
from .lifecycle_mail import LifecycleMailer
from .pages import Pages
from .scheduler import Scheduler
from .settings import Settings, SettingsError, with_secret
from .store import Store
from .tokens import Signer

log = logging.getLogger("mentorsite.receiver")


class DatabaseLock:
    """An exclusive advisory lock on DATABASE.lock, released by the OS even on SIGKILL."""

    def __init__(self, database: Path):
        self.path = database.with_name(database.name + ".lock")
        self.handle: TextIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = self.handle = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:  # imported here, not at the top: the module only exists on POSIX
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; document one process
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise SettingsError(
                f"another receiver is already using {self.path.with_suffix('')}; run one receiver per database"
            ) from None

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def build_app(settings: Settings, *, trusted_proxy: str | None = None) -> tuple[Receiver, Store, Outbox]:
    """The app and its parts, not started (tests use this in-process)."""
    store = Store(settings.database, lease_seconds=settings.contact.send_lease_seconds)
    secret = settings.secret if settings.secret is not None else store.secret()
    settings = with_secret(settings, secret)
    directory = load_directory(settings)
    pages = Pages(settings)
    # The mails read the directory the app holds now (SIGHUP replaces it), in the pages' language.
    mailer = LifecycleMailer(
        settings, pages.messages, lambda: app.directory, store.load, answers=reminder_links(settings, pages.messages)
    )
    outbox = Outbox(store, settings, partial(SmtpTransport, messages=pages.messages), mailer=mailer)
    app = Receiver(
        settings,
        store,
        directory,
        Signer(secret),
        outbox,
        pages,
        trusted_proxy=trusted_proxy,
        links=LinkSigner(secret),
    )
    return app, store, outbox


def serve(
    settings: Settings, *, host: str, port: int, threads: int = 8, trusted_proxy: str | None = None, echo=print
) -> None:
    """Start the outbox and the HTTP front end; return after SIGTERM or SIGINT, once the
    requests in hand are answered."""
    # One receiver per SQLite file; receivers sharing a PostgreSQL database need no lock.
    lock = DatabaseLock(settings.database) if isinstance(settings.database, Path) else None
    if lock:
        lock.acquire()
    try:
        app, store, outbox = build_app(settings, trusted_proxy=trusted_proxy)
        requeued = store.requeue_interrupted()
        if requeued:
            log.warning("%d request(s) were being sent when the receiver stopped; sending them again", requeued)
        for warning in app.directory.warnings:
            log.warning("%s", warning)
        limits = Limits(workers=threads, max_body_bytes=settings.contact.max_body_bytes)
        raise_open_file_limit(limits.total + 64)

        def reload() -> None:
            try:
                app.directory = load_directory(app.settings)
                log.info(
                    "reloaded the mentor directory: %d mentors, %d reachable",
                    len(app.directory.entries),
                    app.directory.reachable,
                )
            except Exception as exc:
                log.error("reload failed, keeping the previous directory: %s", exc)

        scheduler = Scheduler(store, app.settings, queued=outbox.wake)

        def ready(bound_port: int) -> None:
            outbox.start()
            scheduler.start()
            counts = store.counts()
            echo(
                f"mentorsite receiver: {len(app.directory.entries)} mentors ({app.directory.reachable} reachable), "
                f"database {store.label} ({counts['queued']} queued, {counts['failed']} failed), "
                f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}), "
                f"delivery to {settings.contact.delivery}"
            )
            echo(f"listening on http://{host}:{bound_port}{settings.submit_path} (pid {os.getpid()}; Ctrl+C stops)")
            sys.stdout.flush()

        try:
            asyncio.run(
                run(
                    app,
                    limits,
                    host,
                    port,
                    trusted_proxy=trusted_proxy,
                    ready=ready,
                    reload=reload,
                    gettext=app.pages.messages.gettext,
                )
            )
        except CannotListen as exc:
            raise SettingsError(f"cannot listen on {host}:{port}: {exc}") from None
        finally:
            scheduler.stop()
            outbox.stop()
            store.close()
        echo("receiver stopped")
    finally:
        if lock:
            lock.release()


def raise_open_file_limit(wanted: int) -> None:
    """Each connection is an open file: raise the soft limit towards `wanted` (never above the hard limit)."""
    try:
        import resource  # imported here, not at the top: the module only exists on POSIX
    except ImportError:  # pragma: no cover - Windows has no such limit
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
