"""Run the receiver: `mentorsite receive SITE` on the waitress WSGI server.

Why waitress: it is a production-grade, pure-Python WSGI server, maintained by the Pylons
project since 2011 and in wide use (Pyramid, Flask and Django deployments, Windows hosts).
It fits this app exactly:

* the receiver's work is synchronous by nature — a SQLite commit with an fsync before each
  answer — so a thread pool serves it directly, with no event loop to keep unblocked and no
  async framework to add (an ASGI server such as uvicorn would need both);
* pure Python with no dependencies of its own: installs anywhere mentorsite does, including
  Windows and machines without a compiler;
* it buffers whole requests before a worker thread sees them, enforces a request body ceiling
  itself, times out idle and slow clients, and can honour X-Forwarded-For from one trusted
  reverse proxy only (``--trusted-proxy``), which the per-IP rate limit needs behind nginx or
  Caddy.

TLS belongs to that reverse proxy (or a platform load balancer): run the receiver on
127.0.0.1 behind it, and set ``[contact] action`` to the public https:// URL.

One receiver process owns a database: a lock file next to it makes a second one refuse to
start, which lets the outbox treat any row left in ``sending`` as interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .app import Receiver
from .delivery import Outbox
from .directory import load_directory
from .pages import Pages
from .settings import Settings, SettingsError, with_secret
from .store import Store
from .tokens import Signer

log = logging.getLogger("mentorsite.receiver")


class DatabaseLock:
    """An exclusive advisory lock on DATABASE.lock, released by the OS even on SIGKILL."""

    def __init__(self, database: Path):
        self.path = database.with_name(database.name + ".lock")
        self.handle = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.handle = open(self.path, "a+")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; document one process
            return
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise SettingsError(f"another receiver is already using {self.path.with_suffix('')}; "
                                "run one receiver per database") from None

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def build_app(settings: Settings) -> tuple[Receiver, Store, Outbox]:
    """The app and its parts, not started (tests use this in-process)."""
    store = Store(settings.database)
    if settings.secret is None:
        settings = with_secret(settings, store.secret())
    directory = load_directory(settings)
    outbox = Outbox(store, settings)
    app = Receiver(settings, store, directory, Signer(settings.secret), outbox, Pages(settings))
    return app, store, outbox


def serve(settings: Settings, *, host: str, port: int, threads: int = 8, trusted_proxy: str | None = None,
          echo=print) -> None:
    """Start the outbox and the HTTP server; return after SIGTERM or SIGINT."""
    import waitress

    lock = DatabaseLock(settings.database)
    lock.acquire()
    try:
        app, store, outbox = build_app(settings)
        requeued = store.requeue_interrupted()
        if requeued:
            log.warning("%d request(s) were being sent when the receiver stopped; sending them again", requeued)
        for warning in app.directory.warnings:
            log.warning("%s", warning)
        options = dict(host=host, port=port, threads=threads, ident="mentorsite",
                       # A ceiling above the app's own limit, so the app answers 413 itself (with CORS
                       # headers the page's JavaScript can read) for anything up to it.
                       max_request_body_size=max(settings.contact.max_body_bytes * 4, 1 << 20),
                       channel_timeout=30, connection_limit=200, clear_untrusted_proxy_headers=True)
        if trusted_proxy:
            options.update(trusted_proxy=trusted_proxy, trusted_proxy_count=1,
                           trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"})
        try:
            server = waitress.create_server(app, **options)
        except OSError as exc:
            raise SettingsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        outbox.start()

        def stop(signum, frame):
            raise SystemExit(0)

        def reload(signum, frame):
            def work():
                try:
                    app.directory = load_directory(app.settings)
                    log.info("reloaded the mentor directory: %d mentors, %d reachable",
                             len(app.directory.entries), app.directory.reachable)
                except Exception as exc:
                    log.error("reload failed, keeping the previous directory: %s", exc)

            threading.Thread(target=work, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, reload)
        counts = store.counts()
        echo(f"mentorsite receiver: {len(app.directory.entries)} mentors ({app.directory.reachable} reachable), "
             f"database {settings.database} ({counts['queued']} queued, {counts['failed']} failed), "
             f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}), "
             f"delivery to {settings.contact.delivery}")
        echo(f"listening on http://{host}:{server.effective_port}{settings.submit_path} (pid {os.getpid()}; Ctrl+C stops)")
        sys.stdout.flush()
        try:
            server.run()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.close()  # run() has already let the worker threads finish their requests
            outbox.stop()
            store.close()
            echo("receiver stopped")
    finally:
        lock.release()
