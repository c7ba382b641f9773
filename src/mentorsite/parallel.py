"""Spread independent per-item work over the machine's cores.

Workers are forked, so they inherit the parent's prepared state (templates, views) without
pickling it; only small results travel back. Where fork is unavailable, or the work is
small, everything runs in-process with identical results.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

R = TypeVar("R")

#: Below this many items, starting processes costs more than it saves.
MIN_PARALLEL_ITEMS = 400


def default_jobs() -> int:
    env = os.environ.get("MENTORSITE_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _ended_by_sigterm() -> None:
    """Workers end when the pool terminates them (SIGTERM): serve turns SIGTERM into Ctrl+C,
    which a worker inherits and which, caught at the wrong moment, left one waiting forever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_ranges(count: int, work: Callable[[int, int], R], jobs: int | None = None) -> list[R]:
    """Call work(start, stop) over consecutive slices of range(count); results in order.

    This process works too, beside `jobs - 1` forked workers (start_ranges): it would only
    wait for them otherwise. A worker's memory is mostly the pages of this one that it copies
    as it reads the objects there (reference counts are writes): at 10,000 mentors each worker
    held about 100 MB of its own, so one worker fewer is that much less memory for the build.
    The slices this process takes are not pickled back either. `work` runs in this process as
    in a worker: what it changes of this process's state must be what merging its result does.
    """
    started = start_ranges(count, work, jobs)
    return [work(0, count)] if started is None else started.results()


@dataclass
class _Slices:
    """Consecutive slices of a range, each taken by the next process free (a shared count)."""

    work: Callable[[int, int], object]
    bounds: list[tuple[int, int]]
    taken: Any  # a multiprocessing.Value shared with the forked workers

    def take(self) -> list[tuple[int, object]]:
        """Take slices one after another until none is left; their results by number."""
        done: list[tuple[int, object]] = []
        while True:
            with self.taken.get_lock():
                number = self.taken.value
                self.taken.value = number + 1
            if number >= len(self.bounds):
                return done
            done.append((number, self.work(*self.bounds[number])))


#: The slices a worker forked by start_ranges takes (its copy of them as it was forked).
_FORKED: _Slices | None = None


def _take_forked() -> list[tuple[int, object]]:
    assert _FORKED is not None
    return _FORKED.take()


class Started:
    """Ranges of work running in forked workers while this process goes on (start_ranges)."""

    def __init__(self, pool, pending: list, slices: _Slices) -> None:
        self._pool = pool
        self._pending = pending
        self._slices = slices

    def results(self) -> list:
        """The results of every range, in order: this process takes the slices no worker has
        taken yet, then waits for the workers (a worker's exception is raised here)."""
        try:
            done: dict[int, Any] = dict(self._slices.take())
            for pending in self._pending:
                done.update(pending.get())
            return [done[i] for i in range(len(self._slices.bounds))]
        finally:
            self.stop()

    def stop(self) -> None:
        """End the workers (at once, if their results are no longer wanted)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            gc.unfreeze()


def start_ranges(count: int, work: Callable[[int, int], R], jobs: int | None = None) -> Started | None:
    """Start work(start, stop) over slices of range(count) in `jobs - 1` forked workers and
    return at once, so this process can prepare what comes next while they work; it takes the
    slices left when it asks for the results (Started.results). None where the work would run
    in-process (one core, little work, no fork). The workers see the state of this process as
    it is now, and this process its state when it asks: `work` must only read what already
    exists, and nothing it reads may change meanwhile."""
    global _FORKED
    jobs = jobs or default_jobs()
    if jobs <= 1 or count < MIN_PARALLEL_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    # A few slices per process evens out uneven items without much overhead.
    parts = jobs * 4
    bounds = [(count * i // parts, count * (i + 1) // parts) for i in range(parts)]
    slices = _Slices(work, bounds, context.Value("i", 0))
    _FORKED = slices
    # What the workers inherit is never garbage to them: frozen, their collections skip it and
    # do not write to (and so copy) the parent's memory pages. Started.stop unfreezes.
    gc.freeze()
    give_back_free_pages()
    try:
        pool = context.Pool(jobs - 1, initializer=_ended_by_sigterm)
    except BaseException:
        gc.unfreeze()
        raise
    finally:
        _FORKED = None  # the workers have their own copy
    return Started(pool, [pool.apply_async(_take_forked) for _ in range(jobs - 1)], slices)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's
    except (AttributeError, OSError):  # (another C library: nothing to do)
        return None


def give_back_free_pages() -> None:
    """Hand the C allocator's wholly free pages back to the system before forking workers.

    What a build frees (its profiles' texts once checked) leaves holes among what it keeps;
    glibc keeps those pages, which the workers would share and then copy as either process
    allocates there again. At 10,000 mentors, 16 MB of the 49 MB glibc held free came back.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


#: Allocations between two young-generation collections during a build (Python's default is 700).
BUILD_GC_THRESHOLD = 20_000


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a build allocates its many long-lived objects.

    A build creates hundreds of thousands of objects that live until it ends (models, views,
    pages); at the default threshold the collector walks them again and again, about a third
    of the build's time. Reference counting frees everything else as usual.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], BUILD_GC_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside; it resumes (and soon runs) after.

    A rebuild at 10,000 mentors allocates enough to run the collector some hundred times
    (150 ms). Serve holds it off longer (CollectionHold); this is for timing one rebuild as
    serve runs it (bench/stage_timer.py). Not for a cold build: its cyclic garbage would pile
    up for its whole length.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class CollectionHold:
    """The cyclic collector held off from one serve rebuild until the preview goes quiet.

    collection_paused resumes the collector as its rebuild ends, and its first collection then
    walks everything the rebuild left (25 to 45 ms at 10,000 mentors), holding the interpreter
    while the request threads wait to tell open tabs, and to serve the pages they reload. Held
    instead, it resumes when serve's loop has seen no change for a moment (`release`), or after
    `most` rebuilds in a row, so a constant stream of saves does not pile up cyclic garbage.
    """

    def __init__(self, most: int = 3) -> None:
        self.most = most
        #: Rebuilds since the collector was held (0: not held).
        self.builds = 0
        self._enabled = False

    def hold(self) -> None:
        """A rebuild begins: no collection until release (or the `most`-th rebuild's end, see done)."""
        if not self.builds:
            self._enabled = gc.isenabled()
            gc.disable()
        self.builds += 1

    def done(self) -> None:
        """A held rebuild has ended and its pages are out: release after the `most`-th in a row."""
        if self.builds >= self.most:
            self.release()

    def release(self) -> None:
        """The collector as it was before the first hold (and so soon running), if held."""
        if self.builds:
            self.builds = 0
            if self._enabled:
                gc.enable()
