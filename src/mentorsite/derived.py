"""Per-mentor caches of what a build derives from each profile: its view with its card, its facet
values, its search tokens. A process that builds again and again (`serve`) keeps one, so an
unchanged mentor costs a dict lookup; a one-off build starts with an empty one.

Entries are found by the identity of what they were made from. A `load.LoadCache` hands back
the same `LoadedMentor` while a file's bytes stay the same, and nothing derived is edited once
made, so an object's identity stands for its content (the sources are kept alive with the
entry, so an identity is never reused). What no entry can see — the settings, the site's
catalogue, the templates a card reaches, the asset versions, the date — is the `settings` a
build begins with: other settings drop every entry. What one build did not ask for is dropped
by the next, so the caches hold one site, not its history.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class DerivedCache:
    """Values by the identities of the objects (and the plain values) they were made from."""

    def __init__(self) -> None:
        self.settings: bytes | None = None
        #: key -> (the source objects, kept alive; the value), as asked for by the current build…
        self._now: dict[tuple, tuple[tuple, Any]] = {}
        #: …and by the build before, until the current one asks again.
        self._before: dict[tuple, tuple[tuple, Any]] = {}
        #: The last build's digests of views and cards (buildcache.Digests), for the next one.
        self.digests: Any = None
        #: The manifest of the last preview build (buildcache.Manifest): serve owns its folder,
        #: so the next build need not read it back from disk.
        self.manifest: Any = None

    def begin(self, settings: bytes | None) -> None:
        """Start a build under `settings` (None: nothing may be reused, nor kept for later)."""
        if settings is None or settings != self.settings:
            self._now, self._before, self.digests = {}, {}, None
        elif self._now:
            self._now, self._before = {}, self._now
        self.settings = settings

    def get(self, kind: str, sources: tuple, values: Hashable, make: Callable[[], T]) -> T:
        """The value of `kind` made from `sources` (by identity) and `values` (by equality)."""
        key = (kind, *map(id, sources), values)
        entry = self._now.get(key)
        if entry is None:
            entry = self._before.pop(key, None)
            if entry is None:
                entry = (sources, make())
            if self.settings is not None:
                self._now[key] = entry
        return entry[1]
