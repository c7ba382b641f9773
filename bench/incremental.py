"""Time incremental builds of synthetic sites: cold, nothing changed, one profile edited, one
template edited; prints the median of several runs and the pages each rendered.

    python bench/incremental.py 1000 10000 --runs 3

Each size is generated once (deterministically) into bench/out/, with a site override of
`guide.html` (the template this edits), then built with the `mentorsite build` command in a
fresh process per run, as a publisher would run it. Edits are undone after each run, so every
run measures the same change.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

OUT = Path(__file__).parent / "out"
GUIDE_OVERRIDE = '{% extends "!theme/guide.html" %}\n'
SUMMARY = re.compile(r"built [\d,]+ mentors?: ([\d,]+) pages? rendered, ([\d,]+) unchanged")


def build(site: Path, *extra: str) -> tuple[float, str]:
    """Seconds of one `mentorsite build` and its "R rendered, U unchanged" figures."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mentorsite", "build", str(site), "-o", str(site / "_site"), *extra],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    found = SUMMARY.search(result.stdout)
    if result.returncode != 0 or not found:
        print(result.stdout, result.stderr)
        raise SystemExit(f"build of {site} failed")
    return seconds, f"{found.group(1)} rendered, {found.group(2)} unchanged"


def bench_size(size: int, runs: int) -> None:
    site = OUT / f"site-{size}"
    if not (site / "mentors").is_dir() or len(list((site / "mentors").glob("*.yaml"))) != size:
        generate(size, site)
    (site / "templates").mkdir(exist_ok=True)
    template = site / "templates" / "guide.html"
    template.write_text(GUIDE_OVERRIDE)
    profile = sorted((site / "mentors").glob("*.yaml"))[size // 2]
    original = profile.read_text(encoding="utf-8")

    def edit_profile() -> None:
        profile.write_text(original.replace("bio: |\n  ", "bio: |\n  Edited. ", 1), encoding="utf-8")

    def edit_template() -> None:
        template.write_text(GUIDE_OVERRIDE + "{# edited #}\n")

    def undo() -> None:
        profile.write_text(original, encoding="utf-8")
        template.write_text(GUIDE_OVERRIDE)

    scenarios = [
        ("cold (--clean)", None, ("--clean",)),
        ("nothing changed", None, ()),
        ("one profile edited", edit_profile, ()),
        ("one template edited", edit_template, ()),
    ]
    build(site, "--clean")
    for name, edit, extra in scenarios:
        times, counts = [], ""
        for _ in range(runs):
            if edit:
                edit()
            seconds, counts = build(site, *extra)
            times.append(seconds)
            if edit:  # "nothing changed" must not touch a file either
                undo()
                build(site)  # back to the unedited output before the next run
        print(
            f"{size:>6} mentors, {name:<20} median {statistics.median(times):6.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}) | {counts}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        bench_size(size, args.runs)


if __name__ == "__main__":
    main()
