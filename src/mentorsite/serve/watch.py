"""Watch a site's inputs and hand over the changed paths, one batch per burst of saves.

watchfiles (Rust's notify: inotify, FSEvents, ReadDirectoryChangesW) does the watching, with
two watchers rather than one recursive watch of the site folder, which would also watch `.git`,
the output and the preview's own builds (tens of thousands of folders on a big site):

- the site folder itself, not recursively: site.toml, and input folders appearing or vanishing;
- the input folders that exist, recursively. A watch on a folder that is deleted and created
  again sees nothing afterwards, so this watcher restarts whenever that set of folders changes.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import watchfiles

#: The folders and files a build reads (photos live under mentors/).
INPUT_DIRS = ("mentors", "content", "templates")
INPUT_FILES = ("site.toml",)
#: watchfiles hands over what it saw once this many milliseconds pass without a change. Its
#: default, 50, and then 20 with QUIET_SECONDS at 0.03, came to 80 ms of every save → reload;
#: an editor's save (a write, or a write and a rename) takes well under a millisecond, and a
#: save the build starts in the middle of is built again once the rest arrives (see next_batch).
STEP_MS = 5
#: A burst of saves ends after this long without another change (from either watcher)…
QUIET_SECONDS = 0.005
#: …or after this long in all, so a constant stream of changes still gets a build.
LONGEST_BURST_SECONDS = 1.0


class InputFilter(watchfiles.DefaultFilter):
    """Changes to the site's inputs only, without editors' swap, backup and lock files.

    Hidden files are ignored as the build ignores them; that also covers the temporary file an
    editor writes before renaming it over the real one (the rename itself is seen).
    """

    ignore_entity_patterns = (
        *watchfiles.DefaultFilter.ignore_entity_patterns,
        r"^\.",  # hidden files, editors' temporary copies
        r"^#.*#$",  # Emacs auto-save
        r"^4913$",  # Vim's probe that a folder is writable
    )

    def __init__(self, site: Path):
        super().__init__()
        self.site = site

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        relative = relative_input(self.site, path)
        return relative is not None and super().__call__(change, relative)


def relative_input(site: Path, path: str) -> str | None:
    """`path` relative to the site (with /) if the build reads it, else None."""
    try:
        parts = Path(path).relative_to(site).parts
    except ValueError:
        return None
    if parts and (parts[0] in INPUT_DIRS or (len(parts) == 1 and parts[0] in INPUT_FILES)):
        return "/".join(parts)
    return None


class InputWatcher:
    """Collects changes to a site's inputs from watcher threads; `next_batch` hands them over."""

    def __init__(self, site_dir: Path):
        self.site = site_dir.resolve()
        self.filter = InputFilter(self.site)
        self._changes: queue.Queue[set[str]] = queue.Queue()
        self._stopped = threading.Event()
        self._inputs_stop = threading.Event()
        self._watched: tuple[str, ...] = ()
        #: Why watching stopped, if a watcher failed (e.g. the system's limit of watches).
        self.failures: list[str] = []
        #: How often the input folders' watcher restarted: changes just after a restart may be missed.
        self.restarts = 0

    def start(self) -> None:
        self._start_thread([self.site], recursive=False, stop=self._stopped)
        self._watch_inputs()

    def reports(self, relative: str) -> bool:
        """Whether a change of `relative` (a path from the site) is reported: the filter
        ignores some names (hidden files, editors' backups and the like)."""
        return self.filter(watchfiles.Change.modified, str(self.site / relative))

    def close(self) -> None:
        self._stopped.set()
        self._inputs_stop.set()

    def next_batch(self, timeout: float) -> set[str]:
        """Wait up to `timeout` for a change, then for its burst to end; the changed paths
        relative to the site (empty when nothing changed)."""
        try:
            batch = set(self._changes.get(timeout=timeout))
        except queue.Empty:
            return set()
        deadline = time.monotonic() + LONGEST_BURST_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                batch |= self._changes.get(timeout=min(QUIET_SECONDS, left))
            except queue.Empty:
                break
        # Before the build reads the inputs, so that nothing written after it began is missed.
        self._watch_inputs()
        return batch

    def _watch_inputs(self) -> None:
        existing = tuple(name for name in INPUT_DIRS if (self.site / name).is_dir())
        if existing == self._watched:
            return
        self._inputs_stop.set()
        self._inputs_stop = threading.Event()
        self._watched = existing
        self.restarts += 1
        if existing:
            self._start_thread([self.site / name for name in existing], recursive=True, stop=self._inputs_stop)

    def _start_thread(self, paths: list[Path], *, recursive: bool, stop: threading.Event) -> None:
        def watch() -> None:
            try:
                for changes in watchfiles.watch(
                    *paths,
                    watch_filter=self.filter,
                    recursive=recursive,
                    stop_event=stop,
                    step=STEP_MS,
                    raise_interrupt=False,
                ):
                    self._changes.put({relative_input(self.site, path) or path for _change, path in changes})
            except FileNotFoundError:
                # An input folder vanished before its watch began: the site folder's watcher
                # reports that, and the next batch watches what exists then.
                if not recursive:
                    self.failures.append(f"the site folder {self.site} is gone")
                    self._changes.put(set())
            except Exception as exc:  # a watcher that dies silently would freeze the preview
                self.failures.append(f"{type(exc).__name__}: {exc}")
                self._changes.put(set())

        threading.Thread(target=watch, name="mentorsite-watch", daemon=True).start()
