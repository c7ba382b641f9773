"""The receiver's clock: reminders, the coordinator's notice and expiry of unanswered requests.

Every ``INTERVAL`` seconds (and once at start) a pass asks the store for what the clock makes
due (``Store.schedule_due``), with the days of ``[contact] remind_after_days``,
``coordinator_after_days`` and ``expire_after_days`` counted from the request's arrival:

* older than N days, still received/delivered, not reminded -> ``reminded_at`` and a ``reminder``;
* older than M days, not escalated -> ``escalated_at`` and a ``coordinator`` mail (only with a
  ``coordinator_email``);
* older than the expiry -> state ``expired``, ``expired_at`` and an ``expired`` mail.

The marks and the mail are one transaction, and the UPDATE's WHERE re-checks the state and the
mark, so a pass that runs twice — after a restart, or in several receivers sharing PostgreSQL at
the same moment — changes nothing the second time; UNIQUE(request_id, kind) in ``mails`` would
refuse a second mail anyway. Nothing is kept in memory between passes: a receiver that was down
for a week catches up at its first pass. The clock is injected (`clock`), so tests move time
without sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from .settings import Settings
from .store import Store, Timing, utcnow

log = logging.getLogger("mentorsite.receiver")


class Scheduler(threading.Thread):
    """Runs ``run_once`` every INTERVAL seconds until ``stop()``; wakes the outbox when it queued mail."""

    #: Seconds between passes: the deadlines are days, so a minute late is on time.
    INTERVAL = 60.0

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        queued: Callable[[], None] = lambda: None,
    ):
        super().__init__(name="scheduler", daemon=True)
        self.store = store
        self.timing = Timing.of(settings.contact)
        self.domain = settings.from_email.rpartition("@")[2]
        self.clock = clock
        self.queued = queued
        self._stopping = threading.Event()

    def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """One pass at `now` (default: the clock); the mails queued, by kind."""
        counts = self.store.schedule_due(self.clock() if now is None else now, self.timing, self.domain)
        if any(counts.values()):
            log.info(
                "scheduler: %d reminder(s), %d coordinator notice(s), %d expired request(s)",
                counts["reminder"],
                counts["coordinator"],
                counts["expired"],
            )
            self.queued()
        return counts

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:  # never let the clock stop: log, wait, go on
                log.exception("scheduler: unexpected error; trying again in %.0f s", self.INTERVAL)
            self._stopping.wait(self.INTERVAL)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
