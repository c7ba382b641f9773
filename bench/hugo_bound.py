"""mentorsite's cold build against Hugo's where Hugo may not finish in reasonable time.

    PYTHONPATH=src python bench/hugo_bound.py 50000 --limit 2400

Generates the same mentors for both tools as hugo_compare.py does (same seed, same Hugo site),
builds mentorsite's site cold, then Hugo's, sampling the memory of each whole process tree
as bench/measure.py does. Hugo is stopped after `--limit` seconds if it has not finished; then
its figures are lower bounds (its wall time is at least the limit, its peak memory at least
the largest seen), which still settle a goal such as "at most half of Hugo's" when mentorsite's
figure is under half the bound. While Hugo runs, the figures so far are printed every 30 s.
At 50,000 mentors Hugo's Related Content over every page is what takes it so long.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from hugo_compare import OUT, hugo_tool, mentorsite_tool  # noqa: E402
from hugo_site import write_hugo_site  # noqa: E402
from measure import TreeSampler  # noqa: E402

MB = 1024 * 1024
REPORT_EVERY = 30.0


def measure(command: list[str], limit: float | None, name: str) -> tuple[float, int, int, bool]:
    """(wall seconds, peak PSS summed, largest process RSS, finished) of one command's tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    sampler = TreeSampler(process.pid)
    sampler.start()
    finished = True
    next_report = REPORT_EVERY
    while process.poll() is None:
        elapsed = time.perf_counter() - started
        if limit is not None and elapsed >= limit:
            process.kill()
            process.wait()
            finished = False
            break
        if elapsed >= next_report:
            print(f"  {name}: {elapsed:6.0f} s, peak so far {(sampler.peak_pss or 0) / MB:,.0f} MB PSS", flush=True)
            next_report += REPORT_EVERY
        time.sleep(0.5)
    wall = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    if finished and process.returncode != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode})")
    return wall, sampler.peak_pss or 0, sampler.largest_process, finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="mentors")
    parser.add_argument("--limit", type=float, default=2400.0, help="seconds Hugo may take (default 2400)")
    parser.add_argument("--work", type=Path, default=OUT, help="where the sites and outputs go (default bench/out)")
    args = parser.parse_args()
    work = args.work / f"compare-{args.size}"
    generate(args.size, work / "mentorsite-site")
    write_hugo_site(work / "mentorsite-site", work / "hugo-site", "related")
    rows = []
    for tool, limit in ((mentorsite_tool(work), None), (hugo_tool(work), args.limit)):
        tool.clear()
        wall, pss, largest, finished = measure(tool.command, limit, tool.name)
        rows.append((tool.name, wall, pss, largest, finished))
        print(f"{tool.name}: {'done' if finished else 'stopped'} after {wall:.1f} s", flush=True)
        shutil.rmtree(tool.out, ignore_errors=True)  # (tens of thousands of pages: the disk)
    (_, ours, our_pss, our_largest, _), (_, theirs, their_pss, their_largest, done) = rows
    bound = "" if done else "≥ "
    print(f"\n== {args.size:,} mentors, cold builds, mentorsite then Hugo" + ("" if done else " (stopped)"))
    print(f"wall: {ours:.1f} s against {bound}{theirs:.1f} s: {'≤ ' if bound else ''}{ours / theirs:.2f}x")
    print(
        f"peak memory, all processes (PSS): {our_pss / MB:,.0f} MB against {bound}{their_pss / MB:,.0f} MB:"
        f" {'≤ ' if bound else ''}{our_pss / their_pss:.2f}x"
    )
    print(
        f"peak memory, largest process (RSS): {our_largest / MB:,.0f} MB against {bound}{their_largest / MB:,.0f} MB:"
        f" {'≤ ' if bound else ''}{our_largest / their_largest:.2f}x"
    )


if __name__ == "__main__":
    main()
