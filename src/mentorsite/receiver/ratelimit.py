"""Per-client sliding-window rate limits, in memory (one receiver process per database)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key; ``limit`` 0 means no limit.

    Memory is bounded: beyond ``max_keys`` clients the least recently seen is forgotten.
    """

    def __init__(self, limit: int, window: float, max_keys: int = 100_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float:
        """Record a hit; return 0 when allowed, else the seconds until the next one is."""
        if self.limit <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque(maxlen=self.limit)
                if len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(0.001, hits[0] + self.window - now)
            hits.append(now)
            return 0.0
