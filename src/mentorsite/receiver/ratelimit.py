"""Per-client sliding-window rate limits, in memory (per receiver process: N receivers on one
PostgreSQL database allow a client up to N times the limit), and who a client is for them.

A client is its address, except that an IPv6 client is its /64 (one subscriber's network: a
host picks any address in it at will) and an IPv4-mapped IPv6 address (``::ffff:192.0.2.7``,
what a server listening on ``::`` sees for an IPv4 peer) is the IPv4 address it carries.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """An IP address, IPv4-mapped IPv6 ones as IPv4; None if `text` is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def normal_address(text: str) -> str:
    """`text` as a canonical address ("::ffff:127.0.0.1" -> "127.0.0.1"), or unchanged if it is not one."""
    address = parse_address(text)
    return text if address is None else str(address)


def client_key(text: str) -> str:
    """The rate-limit key of a client address: IPv4 as is, IPv6 by its /64."""
    address = parse_address(text)
    if address is None:
        return text
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


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
