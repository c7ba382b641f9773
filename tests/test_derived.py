"""derived.DerivedCache: values found by the identity of their sources and the equality of plain
values, kept while the settings stay, and never holding more than about two sites."""

from __future__ import annotations

import gc

from mentorsite.derived import DerivedCache
from mentorsite.parallel import CollectionHold, collection_paused


class Source:
    """A stand-in for a loaded profile: equal contents, distinct identities."""

    def __init__(self, text: str):
        self.text = text


def counting() -> tuple[list[str], callable]:
    made: list[str] = []

    def make(source: Source, values: object = None):
        def run() -> str:
            made.append(source.text)
            return f"{source.text}:{values}"

        return run

    return made, make


def test_a_value_is_made_once_per_source_identity_and_values_under_the_same_settings():
    cache, (made, make) = DerivedCache(), counting()
    a, b = Source("a"), Source("b")
    cache.begin(b"s1")
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert cache.get("view", (a,), 2, make(a, 2)) == "a:2"  # other values: made again
    assert cache.get("card", (a,), 1, make(a, 1)) == "a:1"  # another kind: made again
    assert cache.get("view", (Source("a"),), 1, make(a, 1)) == "a:1"  # equal, not the same object
    assert made == ["a", "a", "a", "a"]
    cache.begin(b"s1")
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert cache.get("view", (b,), 1, make(b, 1)) == "b:1"
    assert made == ["a", "a", "a", "a", "b"]
    cache.begin(b"s2")  # other settings: nothing is reused
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert made == ["a", "a", "a", "a", "b", "a"]


def test_without_settings_nothing_is_kept():
    cache, (made, make) = DerivedCache(), counting()
    a = Source("a")
    cache.begin(None)
    cache.get("view", (a,), None, make(a))
    cache.get("view", (a,), None, make(a))
    cache.begin(None)
    cache.get("view", (a,), None, make(a))
    assert made == ["a", "a", "a"]


def test_what_later_builds_stop_asking_for_is_dropped_once_it_is_half_the_cache():
    """Serve edits one profile after another: the entries of replaced profiles must not pile up.
    An entry not asked for stays (and is reused) until the unasked are more than the asked."""
    cache, (made, make) = DerivedCache(), counting()
    sources = [Source(str(i)) for i in range(10)]
    cache.begin(b"s")
    for s in sources:
        cache.get("view", (s,), None, make(s))
    assert len(cache._entries) == 10
    for build in range(1, 13):  # each build replaces one source by an edited copy
        edited = (build - 1) % 10
        sources[edited] = Source(f"{sources[edited].text}'")
        cache.begin(b"s")
        for s in sources:
            cache.get("view", (s,), None, make(s))
            cache.get("view", (s,), None, make(s))  # asked twice: one entry, counted once
        # The 10 asked and those of replaced profiles, until these outnumber them (build 12
        # begins with 21 entries of which 11 unasked, and keeps build 11's 10).
        assert len(cache._entries) == (10 + build if build <= 11 else 11)
        assert [cache.get("view", (s,), None, make(s)) for s in sources] == [f"{s.text}:None" for s in sources]
    assert made == [str(i) for i in range(10)] + [f"{i}'" for i in range(10)] + ["0''", "1''"]
    cache.begin(b"s")
    cache.get("view", (sources[0],), None, make(sources[0]))
    cache.begin(b"s")  # the last build asked for 1 of 11: only it stays
    assert list(cache._entries.values())[0][0] == (sources[0],) and len(cache._entries) == 1


def test_a_build_that_asked_for_nothing_drops_nothing():
    """A build that failed before deriving anything leaves the cache for the next one."""
    cache, (made, make) = DerivedCache(), counting()
    a = Source("a")
    cache.begin(b"s")
    cache.get("view", (a,), None, make(a))
    cache.begin(b"s")
    cache.begin(b"s")
    cache.begin(b"s")
    assert cache.get("view", (a,), None, make(a)) == "a:None"
    assert made == ["a"]


def test_collection_hold_lasts_until_released_or_the_most_th_rebuild():
    assert gc.isenabled()
    hold = CollectionHold(most=3)
    try:
        hold.hold()
        hold.done()
        assert not gc.isenabled() and hold.builds == 1  # the collector waits for a quiet moment
        hold.hold()
        hold.done()
        assert not gc.isenabled() and hold.builds == 2
        hold.release()
        assert gc.isenabled() and hold.builds == 0
        hold.release()  # not held: nothing to do
        assert gc.isenabled()
        for _ in range(3):  # saves with no quiet moment between them
            hold.hold()
            hold.done()
        assert gc.isenabled() and hold.builds == 0  # resumed at the third
    finally:
        gc.enable()


def test_collection_hold_keeps_a_collector_that_was_off_off():
    gc.disable()
    try:
        hold = CollectionHold()
        hold.hold()
        hold.release()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collection_paused_restores_the_collector_as_it_was():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
    try:
        with collection_paused():
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.isenabled()


def test_make_gets_its_arguments_and_sources_count_in_order():
    cache, calls = DerivedCache(), []
    a, b = Source("a"), Source("b")

    def make(*args):
        calls.append(args)
        return len(calls)

    cache.begin(b"s")
    assert cache.get("pair", (a, b), None, make, "x", 2) == 1
    assert cache.get("pair", (a, b), None, make, "y", 3) == 1  # found: make is not called
    assert cache.get("pair", (b, a), None, make, "z", 4) == 2  # the same sources, another order
    assert cache.get("pair", (a,), None, make) == 3
    assert cache.get("pair", (), None, make) == 4
    assert cache.get("pair", (), "other", make) == 5
    assert calls == [("x", 2), ("z", 4), (), (), ()]


def test_a_one_off_cache_keeps_nothing_it_makes_nor_any_base():
    cache, (made, make) = DerivedCache(one_off=True), counting()
    a = Source("a")
    cache.begin(b"s1")
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert cache.get("view", (a,), 1, make(a, 1)) == "a:1"
    assert made == ["a", "a"]  # made at each ask: no entry holds it (nor `a`) alive
    cache.keep_base("facets", ["made from a"])
    assert cache.base("facets") is None
    assert cache._entries == {} and cache._bases == {}
