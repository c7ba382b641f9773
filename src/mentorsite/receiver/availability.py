"""Live capacity: which mentors can take a request now, from the profiles and the database.

A published mentor is, in this order of precedence:

* ``closed`` — not accepting in the profile (as built), or the receiver has no address for them;
* ``paused`` — they pressed "I'm full, pause my profile" (``requests resume SLUG`` undoes it);
* ``full`` — their accepted requests not yet closed reach the profile's ``availability.capacity``;
* ``open`` — anything else (no capacity in the profile means no limit).

``GET /availability.json`` serves ``{"generated": ISO time, "mentors": {slug: status}}`` for every
published mentor, nothing else (no counts, no names). It is computed by one query
(``Store.load``) at most every `ttl` seconds (2) and at once after this receiver changed something,
and kept in memory with its ETag; other receivers' answers show within `ttl`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .directory import Directory, Entry
from .store import Store, iso

OPEN, FULL, PAUSED, CLOSED = "open", "full", "paused", "closed"


def status_of(entry: Entry, taken: int, paused: bool) -> str:
    if not entry.accepting or not entry.recipient:
        return CLOSED
    if paused:
        return PAUSED
    if entry.capacity is not None and taken >= entry.capacity:
        return FULL
    return OPEN


def statuses(directory: Directory, taken: Mapping[str, int], paused: Collection[str]) -> dict[str, str]:
    """slug -> status for every published mentor, sorted by slug."""
    return {
        slug: status_of(entry, taken.get(slug, 0), slug in paused) for slug, entry in sorted(directory.entries.items())
    }


def similar_open(directory: Directory, status: Mapping[str, str], slug: str, limit: int = 3) -> list[Entry]:
    """Open mentors sharing the most expertise tags with `slug` (ties by name), as the build's
    ``views.similar_mentors`` ranks them for a full mentor's page."""
    wanted = set(entry.tags) if (entry := directory.get(slug)) else set()
    scores = {
        other.slug: len(wanted & set(other.tags))
        for other in directory.entries.values()
        if other.slug != slug and status.get(other.slug) == OPEN and wanted & set(other.tags)
    }
    ranked = sorted(scores, key=lambda s: (-scores[s], directory.entries[s].name, s))
    return [directory.entries[s] for s in ranked[:limit]]


@dataclass(frozen=True)
class Snapshot:
    mentors: dict[str, str]
    body: bytes
    etag: str
    computed: float


class Availability:
    """availability.json from memory; `current()` is thread-safe."""

    def __init__(self, store: Store, *, ttl: float = 2.0, clock: Callable[[], float] = time.time):
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._directory: Directory | None = None
        self._stale = True

    def invalidate(self) -> None:
        """Recompute at the next look (after an answer or a pause on this receiver)."""
        with self._lock:
            self._stale = True

    def current(self, directory: Directory) -> Snapshot:
        now = self.clock()
        with self._lock:
            kept = self._snapshot
            fresh = not self._stale and directory is self._directory
            if kept is not None and fresh and now - kept.computed < self.ttl:
                return kept
            mentors = statuses(directory, *self.store.load())
            if kept is not None and kept.mentors == mentors:
                # Same answer: same body and ETag, so caches keep theirs ("generated" is when it last changed).
                self._snapshot = Snapshot(kept.mentors, kept.body, kept.etag, now)
            else:
                generated = iso(datetime.fromtimestamp(now, UTC))
                body = json.dumps({"generated": generated, "mentors": mentors}, separators=(",", ":")).encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                self._snapshot = Snapshot(mentors, body, etag, now)
            self._directory, self._stale = directory, False
            return self._snapshot
