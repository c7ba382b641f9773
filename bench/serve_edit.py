"""Time the edit loop of `mentorsite serve`: a profile saved → the reload event its open tab gets
→ the edited page served → the whole site rebuilt; prints the medians of several saves per size,
for two kinds of edit: a new bio (the page alone changes) and new tags with it (facet pages,
counts and other mentors' suggestions change too).

    python bench/serve_edit.py 1000 10000 --runs 3
    python bench/serve_edit.py 10000 --runs 7 --edit bio

Sites are generated as bench/incremental.py generates them (bench/out/site-N). Each run saves
one profile by rename, as many editors do, and listens on the preview's event stream as the
injected script does: the tab's reload event is serve's first look at the edited page when the
edit gets one (serve/first_look.py), else the end of the whole build. The page is then fetched
until it shows the edit, and the end of the whole build waited for. The edit is undone (and
that rebuild waited for) before the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

OUT = Path(__file__).parent / "out"
EVENTS = "__mentorsite/events"
#: How long the first (cold) build of a big site may take on a slow machine.
FIRST_BUILD_SECONDS = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connect(url: str):
    """The preview's event stream, once the server listens (it does before its first build)."""
    for _ in range(600):
        try:
            return urllib.request.urlopen(url + EVENTS, timeout=FIRST_BUILD_SECONDS)
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"serve did not listen at {url}")


def listen(stream, builds: queue.Queue) -> None:
    """Put (arrival time, state) of every state event on `builds`."""
    for raw in stream:
        line = raw.decode()
        if line.startswith("data: "):
            builds.put((time.perf_counter(), json.loads(line[6:])))


def next_build(builds: queue.Queue, after: int, page: str | None = None) -> tuple[float, dict]:
    """The arrival time and state of the next good build after number `after`: the first that
    reloads a tab showing `page` (a first look at it, or the whole build), else a whole build."""
    while True:
        arrived, state = builds.get(timeout=FIRST_BUILD_SECONDS)
        if state["problems"]:
            raise SystemExit(f"serve's build failed: {state['problems']}")
        if state["build"] > after and (state.get("pages") is None or (page and page in state["pages"])):
            return arrived, state


def whole_build(builds: queue.Queue, arrived: float, state: dict) -> tuple[float, dict]:
    """The arrival and state of the end of the build whose first look `state` is (itself, if whole)."""
    while state.get("pages") is not None:
        arrived, state = builds.get(timeout=FIRST_BUILD_SECONDS)
        if state["problems"]:
            raise SystemExit(f"serve's build failed: {state['problems']}")
    return arrived, state


def save_by_rename(path: Path, text: str) -> None:
    temporary = path.with_name("." + path.name + ".swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


#: The rows measure_edits returns for each kind of edit, in order.
ROWS = ("save → reload event", "save → page served", "save → site rebuilt")
#: The kinds of edit: a new bio; new tags (the first one dropped) and a new bio.
EDITS = ("bio", "tags")


def edited(original: str, edit: str, marker: str) -> str:
    """The profile's text with a bio starting with `marker`, and for "tags" its first tag dropped."""
    text = original.replace("bio: |\n  ", f"bio: |\n  {marker} ", 1)
    if edit == "tags":
        start = text.index("\ntags: [") + len("\ntags: [")
        end = text.index("]", start)
        text = text[:start] + ", ".join(text[start:end].split(", ")[1:]) + text[end:]
    return text


def row_name(edit: str, row: str) -> str:
    """A row of ROWS for one kind of edit: the bio's as they are, the others' prefixed."""
    return row if edit == "bio" else f"{edit}: {row}"


def default_profiles(site: Path, count: int) -> list[Path]:
    """The first `count` profiles from the third of the way through mentors/ with several tags."""
    profiles = sorted((site / "mentors").glob("*.yaml"))
    found = []
    for path in profiles[len(profiles) // 3 :]:
        line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("tags: ["))
        if ", " in line:
            found.append(path)
            if len(found) == count:
                return found
    raise SystemExit(f"{site} has fewer than {count} profiles with two tags")


def said_for(lines: list[str], profile: Path) -> str:
    """What serve printed for the last save of `profile`: its first look and its rebuild (the
    lines that follow come from undoing it). Waits a moment for the lines to be read."""
    time.sleep(0.5)
    told = [line.rstrip() for line in lines if line.startswith(("first look", "rebuilt after"))]
    looked = [i for i, line in enumerate(told) if line.startswith(f"first look at mentors/{profile.stem}/")]
    return " / ".join(told[looked[-1] : looked[-1] + 2]) if looked else " / ".join(told[-2:])


def measure_edits(
    site: Path, runs: int, profiles: list[Path] | None = None, edits: tuple[str, ...] = EDITS
) -> dict[str, list[float]]:
    """Start `mentorsite serve` on `site`, save one profile for each of `runs` runs of each kind
    of edit of `edits` (run k saves `profiles[k]`, by default default_profiles': a profile
    saved again would find what serve derived for it last time), and return the seconds of
    each row of ROWS per save (by row_name). Prints the time of serve's first build."""
    profiles = profiles or default_profiles(site, runs)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    serve = subprocess.Popen(
        [sys.executable, "-m", "mentorsite", "serve", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    originals: dict[Path, str] = {}  # the profile saved and not yet put back, if any
    threading.Thread(target=lambda: lines.extend(serve.stdout or ()), daemon=True).start()
    builds: queue.Queue = queue.Queue()
    try:
        started = time.perf_counter()
        threading.Thread(target=listen, args=(connect(url), builds), daemon=True).start()
        number = whole_build(builds, *next_build(builds, 0))[1]["build"]
        print(f"  serve's first build {time.perf_counter() - started:6.2f} s", flush=True)
        times: dict[str, list[float]] = {row_name(edit, row): [] for edit in edits for row in ROWS}
        for edit in edits:
            for run, profile in enumerate(profiles[:runs]):
                original = profile.read_text(encoding="utf-8")
                page = f"mentors/{profile.stem}/"
                marker = f"Edited {edit} {run}."
                originals[profile] = original
                saved = time.perf_counter()
                save_by_rename(profile, edited(original, edit, marker))
                arrived, state = next_build(builds, number, "/" + page)
                while marker not in urllib.request.urlopen(url + page, timeout=60).read().decode():
                    time.sleep(0.005)
                served = time.perf_counter()
                built, state = whole_build(builds, arrived, state)
                for row, at in zip(ROWS, (arrived, served, built), strict=True):
                    times[row_name(edit, row)].append(at - saved)
                save_by_rename(profile, original)
                originals.pop(profile)
                number = whole_build(builds, *next_build(builds, state["build"]))[1]["build"]
            print(f"  serve said ({edit}, last run): {said_for(lines, profile)}", flush=True)
        return times
    finally:
        for profile, original in originals.items():
            profile.write_text(original, encoding="utf-8")
        serve.terminate()
        serve.wait(timeout=60)


def bench_size(size: int, runs: int, edits: tuple[str, ...] = EDITS) -> None:
    site = OUT / f"site-{size}"
    if not (site / "mentors").is_dir() or len(list((site / "mentors").glob("*.yaml"))) != size:
        generate(size, site)
    print(f"{size:>6} mentors")
    for name, times in measure_edits(site, runs, edits=edits).items():
        print(
            f"{size:>6} mentors, {name:<26} median {statistics.median(times):6.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edit", choices=EDITS, action="append", help="the kinds of edit timed (default: both)")
    args = parser.parse_args()
    for size in args.sizes:
        bench_size(size, args.runs, tuple(args.edit or EDITS))


if __name__ == "__main__":
    main()
