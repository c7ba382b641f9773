"""Run the receiver: `mentorsite receive SITE` on the cheroot WSGI server.

Why cheroot: it is the production HTTP server of the CherryPy project, pure Python, maintained
since 2017 as its own package (and long before inside CherryPy), on PyPI with frequent
releases. It fits this app:

* the receiver's work is synchronous by nature — a SQLite commit with an fsync before each
  answer — so a pool of threads serves it directly, with no event loop to keep unblocked and no
  async framework to add (an ASGI server such as uvicorn would need both);
* pure Python with two small pure-Python dependencies: installs anywhere mentorsite does,
  Windows included, with no compiler;
* each worker thread owns its connection with blocking I/O. We first used waitress (also pure
  Python, also well kept), but measured here, on this 2-core machine with 20 concurrent
  keep-alive clients in another process, its asyncore main loop busy-polls while a worker
  finishes each answer and starves the workers of the GIL: 60–140 requests/s, against 840–960
  for cheroot with the same app, database and clients (about 700 for either with one client);
* it enforces a request body ceiling itself and times out idle and slow clients.

TLS belongs to a reverse proxy (nginx, Caddy, a platform load balancer): run the receiver on
127.0.0.1 behind it, set ``[contact] action`` to the public https:// URL, and pass
``--trusted-proxy`` with the proxy's address so the per-IP rate limit sees the real client
(the last X-Forwarded-For entry, only from that address).

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
        self.handle = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; document one process
            return
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise SettingsError(
                f"another receiver is already using {self.path.with_suffix('')}; run one receiver per database"
            ) from None

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def build_app(settings: Settings, *, trusted_proxy: str | None = None) -> tuple[Receiver, Store, Outbox]:
    """The app and its parts, not started (tests use this in-process)."""
    store = Store(settings.database)
    if settings.secret is None:
        settings = with_secret(settings, store.secret())
    directory = load_directory(settings)
    outbox = Outbox(store, settings)
    app = Receiver(
        settings, store, directory, Signer(settings.secret), outbox, Pages(settings), trusted_proxy=trusted_proxy
    )
    return app, store, outbox


def serve(
    settings: Settings, *, host: str, port: int, threads: int = 8, trusted_proxy: str | None = None, echo=print
) -> None:
    """Start the outbox and the HTTP server; return after SIGTERM or SIGINT."""
    from cheroot import wsgi

    lock = DatabaseLock(settings.database)
    lock.acquire()
    try:
        app, store, outbox = build_app(settings, trusted_proxy=trusted_proxy)
        requeued = store.requeue_interrupted()
        if requeued:
            log.warning("%d request(s) were being sent when the receiver stopped; sending them again", requeued)
        for warning in app.directory.warnings:
            log.warning("%s", warning)
        server = wsgi.Server(
            (host, port),
            app,
            numthreads=threads,
            server_name="mentorsite",
            timeout=30,
            request_queue_size=64,
            shutdown_timeout=10,
        )
        server.software = "mentorsite"
        # A ceiling above the app's own limit, so the app answers 413 itself (with CORS headers
        # the page's JavaScript can read) for anything up to it.
        server.max_request_body_size = max(settings.contact.max_body_bytes * 4, 1 << 20)
        server.max_request_header_size = 64 * 1024
        try:
            server.prepare()
        except OSError as exc:
            raise SettingsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        outbox.start()

        def stop(signum, frame):
            raise SystemExit(0)

        def reload(signum, frame):
            def work():
                try:
                    app.directory = load_directory(app.settings)
                    log.info(
                        "reloaded the mentor directory: %d mentors, %d reachable",
                        len(app.directory.entries),
                        app.directory.reachable,
                    )
                except Exception as exc:
                    log.error("reload failed, keeping the previous directory: %s", exc)

            threading.Thread(target=work, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, reload)
        counts = store.counts()
        echo(
            f"mentorsite receiver: {len(app.directory.entries)} mentors ({app.directory.reachable} reachable), "
            f"database {settings.database} ({counts['queued']} queued, {counts['failed']} failed), "
            f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}), "
            f"delivery to {settings.contact.delivery}"
        )
        echo(
            f"listening on http://{host}:{server.bind_addr[1]}{settings.submit_path} (pid {os.getpid()}; Ctrl+C stops)"
        )
        sys.stdout.flush()
        try:
            server.serve()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.stop()  # lets the worker threads finish the requests in hand
            outbox.stop()
            store.close()
            echo("receiver stopped")
    finally:
        lock.release()
