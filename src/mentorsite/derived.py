"""Per-mentor caches of what a build derives from each profile: its view with its card, its facet
values, its search tokens. A process that builds again and again (`serve`) keeps one, so an
unchanged mentor costs a dict lookup; a one-off build starts with an empty one.

Entries are found by the identity of what they were made from. A `load.LoadCache` hands back
the same `LoadedMentor` while a file's bytes stay the same, and nothing derived is edited once
made, so an object's identity stands for its content (the sources are kept alive with the
entry, so an identity is never reused). What no entry can see — the settings, the site's
catalogue, the templates a card reaches, the asset versions, the date — is the `settings` a
build begins with: other settings drop every entry. What the builds since stopped asking for is
dropped once it is more than half the cache, so the caches hold at most about two sites, not
their history.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class DerivedCache:
    """Values by the identities of the objects (and the plain values) they were made from."""

    def __init__(self, *, one_off: bool = False) -> None:
        #: A cache of one build that no other build asks (a one-off build's own): it keeps no
        #: entry nor base, which would only hold memory until the build ends (about 30 MB of
        #: keys, entries and bases at 10,000 mentors).
        self.one_off = one_off
        self.settings: bytes | None = None
        #: key -> [the source objects, kept alive; the value; the number of the last build that
        #: asked for it]. One dict and a stamp, not a dict per build: serve asks for some 75,000
        #: entries per rebuild at 10,000 mentors, and each is then hashed once, not three times
        #: (looked up in this build's dict, popped from the last one's, stored in this one's).
        self._entries: dict[tuple, list] = {}
        self._build = 0
        #: How many entries the current build asked for.
        self._asked = 0
        #: The last build's digests of views and cards (buildcache.Digests), for the next one.
        self.digests: Any = None
        #: The manifest of the last preview build (buildcache.Manifest): serve owns its folder,
        #: so the next build need not read it back from disk.
        self.manifest: Any = None
        #: The last result of each stage that updates its last result rather than making it
        #: again (the facets, the similar mentors), with what it was made from: see base().
        self._bases: dict[str, Any] = {}

    def begin(self, settings: bytes | None) -> None:
        """Start a build under `settings` (None: nothing may be reused, nor kept for later;
        always None in a one-off cache)."""
        if self.one_off:
            settings = None
        if settings is None or settings != self.settings:
            self._entries, self.digests, self._bases = {}, None, {}
        elif len(self._entries) > 2 * self._asked > 0:
            # Drop what the last build did not ask for once that is most of the cache, so it
            # holds at most about two sites, not their history. Not at every build: rehashing
            # every key of a 10,000-mentor site takes 70 ms.
            last = self._build
            self._entries = {key: entry for key, entry in self._entries.items() if entry[2] == last}
        self._build += 1
        self._asked = 0
        self.settings = settings

    def get(self, kind: str, sources: tuple, values: Hashable, make: Callable[..., T], *args: Any) -> T:
        """The value of `kind` made from `sources` (by identity) and `values` (by equality):
        `make(*args)` when there is none yet. (Passing `args` rather than a partial spares
        making one at every call: most calls find the value.)"""
        key = (kind, values, id(sources[0])) if len(sources) == 1 else (kind, values, *map(id, sources))
        entry = self._entries.get(key)
        if entry is None:
            entry = [sources, make(*args), self._build]
            if self.settings is not None:
                self._entries[key] = entry
            self._asked += 1
        elif entry[2] != self._build:
            entry[2] = self._build
            self._asked += 1
        return entry[1]

    def base(self, kind: str) -> Any:
        """The last result of stage `kind` kept by keep_base (None: none, or nothing may be
        reused): a stage given it updates it for what changed since, instead of starting over."""
        return self._bases.get(kind) if self.settings is not None else None

    def keep_base(self, kind: str, value: Any) -> None:
        """Keep `value` (a result with what it was made from) as the base of `kind`'s next update."""
        if self.settings is not None:
            self._bases[kind] = value
