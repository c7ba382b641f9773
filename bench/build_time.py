"""Time full builds of synthetic sites; prints the median wall and CPU time of several runs.

    python bench/build_time.py 1000 10000 --runs 3

Each size is generated once (deterministically) into bench/out/, then built with the
`mentorsite build --clean` command in a fresh process per run, as a publisher's first build
would run (without --clean, every run after the first is a rebuild with nothing changed). CPU time
is user + system time of the build and its worker processes: on a shared machine it varies
less than wall time. MENTORSITE_JOBS=1 builds on one core.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

OUT = Path(__file__).parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        site = OUT / f"site-{size}"
        if not (site / "mentors").is_dir() or len(list((site / "mentors").iterdir())) != size:
            generate(size, site)
        times, cpu = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "mentorsite", "build", "--clean", str(site), "-o", str(site / "_site")],
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if result.returncode != 0:
                print(result.stdout, result.stderr)
                raise SystemExit(f"build of {size} mentors failed")
        pages = result.stdout.strip().splitlines()[-1]
        print(
            f"{size:>6} mentors: median {statistics.median(times):.2f} s over {args.runs} runs "
            f"(min {min(times):.2f}, max {max(times):.2f}), CPU {statistics.median(cpu):.2f} s | {pages}"
        )


if __name__ == "__main__":
    main()
