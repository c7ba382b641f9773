"""The edit loop: build into the preview's own folder, serve it, rebuild after every save.

Previews are built with a localhost base URL under `.mentorsite-cache/serve/`, never into the
publishable `output_dir`. Every build is incremental, into the preview's one folder: only the
pages an edit changes are rendered, each replaced whole (by rename), so a request never sees
half a page, and a failed build changes nothing, leaving the last good pages served.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from ..build import Report, build_site
from ..buildcache import forget_manifest
from ..derived import DerivedCache
from ..diagnostics import Diagnostic, counted, format_diagnostics, printable
from ..load import LoadCache
from ..parallel import CollectionHold
from .first_look import LastBuild, first_look, warm
from .server import LiveState, preview_server
from .watch import InputWatcher

#: Where previews are built, relative to the site (git-ignored with the rest of the cache).
SERVE_DIR = ".mentorsite-cache/serve"
#: How often the loop wakes without changes (to notice a failed watcher, and Ctrl+C on Windows).
IDLE_SECONDS = 1.0
#: How long the preview goes without a change after a rebuild before the collector runs
#: (CollectionHold): long enough for open tabs to hear of the build and ask for their pages.
QUIET_BEFORE_COLLECTING = 0.3

Echo = Callable[..., None]


class ServeError(Exception):
    """The preview cannot start (e.g. its port is taken)."""


class PreviewBuilds:
    """The builds of one serve process, all into its own folder under the site's serve folder."""

    def __init__(self, site_dir: Path, base_url: str):
        self.site = site_dir
        self.base_url = base_url
        self.folder = site_dir / SERVE_DIR / f"run-{os.getpid()}"
        self.output = self.folder / "site"
        #: Profiles and guides as last read: an edit re-reads the files it changed, not every one.
        self.loaded = LoadCache()
        #: Views, cards, facet values and search tokens of the mentors an edit did not touch.
        self.derived = DerivedCache()
        #: The last good build's tree and profiles, which a first look renders from.
        self.last: LastBuild | None = None

    def first_look(self, changed: set[str]) -> dict[str, bytes]:
        """The pages of the profiles among `changed` as the next build will make them, by output
        path, before it runs (serve/first_look); empty when they do not get one."""
        try:
            return first_look(self.site, changed, self.last)
        except Exception:  # a template failing, a bug: the full build reports what is wrong
            return {}

    def build(self, changed: set[str] | None = None) -> Report:
        """Build the site once more, incrementally. The one place the preview builds. `changed`:
        the paths the watcher saw change since the last build, every one of them (None: it
        may have missed some); the files it did not name are not even stat'ed."""
        self.loaded.trust_changes(changed)
        today = date.today()
        try:
            report = build_site(
                self.site,
                self.output,
                today=today,
                base_url=self.base_url,
                cache=self.loaded,
                derived=self.derived,
                preview=True,
                hold=True,
            )
            if isinstance(report.held, tuple):
                loaded, trees, staging = report.held[0], report.held[2], report.held[7]
                self.last = LastBuild(trees[0], loaded, today, staging.private) if len(trees) == 1 else None
                report.held = None
            return report
        except Exception as exc:  # a bug in one build must not end the edit loop
            return Report(
                diagnostics=[
                    Diagnostic(
                        "mentorsite",
                        0,
                        0,
                        f"internal error: {type(exc).__name__}: {exc}",
                        "please report this with the input that caused it",
                    )
                ]
            )

    def warm(self) -> None:
        """Ready the first look of the next edit (after the first build, while the editor reads)."""
        with contextlib.suppress(Exception):  # as first_look: the build reports what is wrong
            warm(self.last)

    def close(self) -> None:
        forget_manifest(self.site, self.output)
        shutil.rmtree(self.folder, ignore_errors=True)


def serve_site(site_dir: Path, host: str, port: int, echo: Echo) -> None:
    """Serve `site_dir` at host:port, rebuilding on every change, until KeyboardInterrupt."""
    live = LiveState()
    try:
        server = preview_server(host, port, live)  # before building: a taken port fails at once
    except OSError as exc:
        raise ServeError(f"cannot serve at {host}:{port}: {exc.strerror or exc}") from None
    base_url = f"http://{host}:{server.server_address[1]}/"
    _remove_abandoned_previews(site_dir / SERVE_DIR)
    builds = PreviewBuilds(site_dir, base_url)
    watcher = InputWatcher(site_dir)
    builds.loaded.reported = watcher.reports  # which photos it vouches for (photos.check_photos)
    try:
        watcher.start()  # before the first build, so an edit made during it is not lost
        threading.Thread(target=server.serve_forever, name="mentorsite-serve", daemon=True).start()
        echo(f"serving {site_dir} at {base_url} (Ctrl+C stops); previews are built in {builds.folder}")
        restarts = watcher.restarts
        collector = CollectionHold()
        _rebuild(builds, live, echo, set(), True, collector)
        builds.warm()
        reported = 0
        while True:
            changed = watcher.next_batch(QUIET_BEFORE_COLLECTING if collector.builds else IDLE_SECONDS)
            for failure in watcher.failures[reported:]:
                echo(f"watching stopped: {failure}; restart mentorsite serve to see new edits", err=True)
            reported = len(watcher.failures)
            if changed:
                # After a restart or a failure of watching, the watcher may have missed a change.
                complete = watcher.restarts == restarts and not watcher.failures
                restarts = watcher.restarts
                _rebuild(builds, live, echo, changed, complete, collector)
            else:
                collector.release()  # quiet now: tabs have their reload and their pages
    finally:
        watcher.close()
        live.close()
        server.shutdown()
        server.server_close()
        builds.close()


def _rebuild(
    builds: PreviewBuilds,
    live: LiveState,
    echo: Echo,
    changed: set[str],
    complete: bool,
    collector: CollectionHold | None = None,
) -> None:
    """Build, then switch the server to the new pages, or keep the old ones and show the problems.
    `complete`: `changed` holds every change since the last build. `collector`: serve's loop's
    (None: the collector resumes as the rebuild ends)."""
    collector = collector or CollectionHold(most=1)
    # A rebuild runs the collector once the preview is quiet, not a hundred times before its
    # pages are served (a cold first build collects as builds do: its garbage would pile up).
    if builds.derived.manifest is not None:
        collector.hold()
    try:
        if complete and changed:
            started = time.perf_counter()
            looked = builds.first_look(changed)  # the edited profile's page, before the rest
            if looked:
                live.first_look(looked)
                shown = ", ".join(printable(path.removesuffix("index.html")) for path in sorted(looked))
                echo(f"first look at {shown} in {time.perf_counter() - started:.2f} s; building the rest")
        report = builds.build(changed if complete else None)
        if report.written and report.output is not None:
            live.succeeded(report.output)
    finally:
        collector.done()
    what = f"built {counted(report.mentors, 'mentor')}:" if not changed else f"rebuilt after {_summary(changed)}:"
    if report.written and report.output is not None:
        rendered = counted(report.rendered - report.patched, "page")
        patched = f" {report.patched:,} with the facet counts updated," if report.patched else ""
        echo(f"{what} {rendered} rendered,{patched} {report.unchanged:,} unchanged in {report.seconds:.2f} s")
        return
    problems = report.errors or report.diagnostics
    live.failed(problems)
    echo(format_diagnostics(problems), err=True)
    kept = "still serving the last good pages" if live.current.root else "nothing to serve until it builds"
    echo(f"build failed: {counted(len(problems), 'problem')}; {kept}", err=True)


def _summary(changed: Iterable[str], shown: int = 3) -> str:
    paths = sorted(changed)
    text = ", ".join(printable(p) for p in paths[:shown])
    return text + (f" and {len(paths) - shown} more" if len(paths) > shown else "")


def _remove_in_background(folder: Path) -> None:
    # Tens of thousands of files take seconds to delete; the loop should not wait for that.
    threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, daemon=True).start()


def _remove_abandoned_previews(serve_dir: Path) -> None:
    """Delete the folders of serve processes that no longer run (killed before cleaning up)."""
    if os.name != "posix" or not serve_dir.is_dir():
        return  # os.kill(pid, 0) probes a process only on POSIX
    for folder in serve_dir.glob("run-*"):
        pid = folder.name.removeprefix("run-")
        if pid.isdigit() and not _running(int(pid)):
            forget_manifest(serve_dir.parents[1], folder / "site")
            _remove_in_background(folder)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
