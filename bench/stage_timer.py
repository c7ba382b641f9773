"""Time serve's one-profile rebuilds in one process, stage by stage: where the time of a
rebuild goes, without the watcher, the server or a browser.

    python bench/stage_timer.py 10000 --edits 8 --edit bio

It makes serve's PreviewBuilds on bench/out/site-N (generated as bench/incremental.py does),
builds once, then edits profiles one after another, as bench/serve_edit.py edits them ("bio":
a new bio; "tags": the first tag dropped too), each at a different profile. Each edit's build
is timed with the cyclic collector paused, as serve pauses it, and undone by another build
(not timed). The build's stage functions are wrapped with timers; a stage's time includes the
stages it calls. Prints every edit's seconds and figures, their median, and the median time of
each stage.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import re
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402
from serve_edit import edited  # noqa: E402

OUT = Path(__file__).parent / "out"
TWO_TAGS = re.compile(r"^tags: \[[^]\n]*, ", re.MULTILINE)

#: module -> the functions timed in it (those a module does not have are skipped).
STAGES = {
    "mentorsite.build": [
        "check_site",
        "load_config",
        "load_site",
        "site_rules",
        "check_photos",
        "site_problems",
        "quote_public_sources",
        "published_mentors",
        "private_addresses",
        "language_trees",
        "site_outputs",
        "site_context",
        "splice_sidebars",
        "write_outputs",
        "_sidebar_work",
        "_placed_sidebars",
    ],
    "mentorsite.buildcache": ["output_keys", "plan", "new_manifest"],
    "mentorsite.write": ["Staging.apply"],
}


def timed(seconds: dict[str, float], module: str, name: str) -> None:
    """Replace `module.name` with a function that adds its time to seconds[name] (a
    generator's too: it is run to its end in the call)."""
    found: object = importlib.import_module(module)
    owner, _, attribute = name.rpartition(".")
    if owner:  # a method: Class.name
        found = getattr(found, owner)
    function = getattr(found, attribute, None)
    if not callable(function):
        return

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = function(*args, **kwargs)
            return list(result) if isinstance(result, types.GeneratorType) else result
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

    setattr(found, attribute, wrapper)


def generator_stages() -> list[str]:
    """The page generators (generators.py's public functions), each timed as a stage."""
    module = importlib.import_module("mentorsite.generators")
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and callable(value) and getattr(value, "__module__", "") == module.__name__
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="mentors in the synthetic site")
    parser.add_argument("--edits", type=int, default=8, help="profiles edited, one after another")
    parser.add_argument("--edit", choices=("bio", "tags"), default="bio")
    parser.add_argument("--quiet", action="store_true", help="no stages per edit")
    parser.add_argument("--stages", type=int, default=25, help="the slowest stages printed")
    args = parser.parse_args()
    site = OUT / f"site-{args.size}"
    if len(list((site / "mentors").glob("*.yaml"))) != args.size:
        generate(args.size, site)

    from mentorsite.parallel import collection_paused
    from mentorsite.serve.session import PreviewBuilds

    seconds: dict[str, float] = {}
    for module, names in {**STAGES, "mentorsite.generators": generator_stages()}.items():
        for name in names:
            timed(seconds, module, name)
    builds = PreviewBuilds(site, "http://127.0.0.1:8000/")
    started = time.perf_counter()
    report = builds.build(None)
    print(f"first build {time.perf_counter() - started:.2f} s: {report.rendered:,} pages rendered")
    profiles = sorted((site / "mentors").glob("*.yaml"))
    edits: list[float] = []
    stages: list[dict[str, float]] = []
    for i in range(args.edits):
        profile = profiles[(args.size // 2 + i * 37) % args.size]
        original = profile.read_text(encoding="utf-8")
        if args.edit == "tags" and not TWO_TAGS.search(original):
            continue  # dropping its only tag would make the profile fail
        profile.write_text(edited(original, args.edit, "Edited."), encoding="utf-8")
        changed = {f"mentors/{profile.name}"}
        seconds.clear()
        gc.collect()
        with collection_paused():
            started = time.perf_counter()
            report = builds.build(changed)
            took = time.perf_counter() - started
        edits.append(took)
        stages.append(dict(seconds))
        profile.write_text(original, encoding="utf-8")
        builds.build(changed)
        print(
            f"edit {i + 1} ({profile.stem}): {took:.3f} s, {report.rendered:,} rendered,"
            f" {report.patched:,} patched, {report.unchanged:,} unchanged"
            + (
                ""
                if args.quiet
                else "; "
                + ", ".join(f"{n} {1000 * t:.0f}" for n, t in sorted(stages[-1].items(), key=lambda x: -x[1])[:6])
            )
        )
    builds.close()
    if not edits:
        raise SystemExit("no profile could be edited")
    print(f"median {statistics.median(edits):.3f} s over {len(edits)} edits")
    median: Callable[[str], float] = lambda name: statistics.median(s.get(name, 0.0) for s in stages)  # noqa: E731
    for name in sorted({n for s in stages for n in s}, key=median, reverse=True)[: args.stages]:
        print(f"  {name:28s} {1000 * median(name):8.1f} ms")


if __name__ == "__main__":
    main()
