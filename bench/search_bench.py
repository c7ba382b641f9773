"""Weights and latencies of search in headless Chromium, against the budgets of issue 3.

    python bench/search_bench.py                 # 1,000, 10,000 and 50,000 mentors
    python bench/search_bench.py --sizes 1000 10000

For each size a synthetic site (bench/generate.py, deterministic) is built with the site's
own pipeline under http://127.0.0.1:PORT/site-N/ and served by a static server that records
every request; a byte figure is the sum of the gzip -9 sizes of the files the page fetched.

- 1,000 mentors: the directory page's first load, everything fetched until the first result is
  on screen and the search is ready (HTML, CSS, JS, logo, search manifest).
  Budget 150 KB.
- 10,000 mentors: the bytes fetched before the first search result (load the directory,
  click into the search box, type "leadership" at 20 characters a second, until its results are
  rendered; budget 400 KB; and arriving with ?q=leadership from the home page's form), and the median latency of 33 keystrokes and filter changes,
  measured in the page with performance.now() from the input/change event to the results
  being in the DOM (budget 50 ms), plus to the next frame.
- 50,000 mentors: search and filters work, the bytes a typical search fetches, and how much of
  the index that is.

Needs the system Chromium (/usr/bin/chromium) and Playwright for Python (the `test` extra).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import shutil
import statistics
import sys
import threading
import time
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

OUT = HERE / "out"
WORK = OUT / "search-bench"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUDGET_1K = 150 * 1024
BUDGET_10K = 400 * 1024
BUDGET_MS = 50.0


#: What the last build() handed to search_files.
LAST_BUILD: dict = {}


class Recorder:
    """Files served, with their gzip -9 size, in order."""

    def __init__(self, root: Path):
        self.root = root
        self.lock = threading.Lock()
        self.log: list[tuple[str, int, int]] = []  # (path, raw bytes, gzip bytes)
        self._gz: dict[Path, int] = {}

    def gz(self, path: Path) -> int:
        if path not in self._gz:
            self._gz[path] = len(gzip.compress(path.read_bytes(), 9))
        return self._gz[path]

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    def since(self, start: int) -> list[tuple[str, int, int]]:
        with self.lock:
            return list(self.log[start:])


def serve(root: Path, port: int = 0) -> tuple[ThreadingHTTPServer, Recorder]:
    recorder = Recorder(root)

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def send_head(self):
            result = super().send_head()
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if result is not None and path.is_file():
                with recorder.lock:
                    recorder.log.append((self.path.split("?")[0], path.stat().st_size, recorder.gz(path)))
            return result

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, recorder


def build(count: int, port: int) -> tuple[Path, float]:
    """Generate (if needed) and build the site of `count` mentors; returns (output, search index seconds)."""
    import mentorsite.build as build_module
    import mentorsite.search as search_module  # generators.py calls search.search_files

    site = OUT / f"site-{count}"
    if not (site / "mentors").is_dir() or len(list((site / "mentors").iterdir())) != count:
        generate(count, site)
    else:  # the generator copies the example's site.toml: keep it current
        shutil.copy(HERE.parent / "site.toml", site / "site.toml")
    out = WORK / f"site-{count}"
    timing = {}
    original = search_module.search_files

    def timed(*args):
        LAST_BUILD["search_args"] = args  # (config, public mentor views, facets), for bench/pagefind_compare.py
        started = time.perf_counter()
        files = original(*args)
        timing["search"] = time.perf_counter() - started
        timing["files"] = files
        return files

    search_module.search_files = timed
    try:
        report = build_module.build_site(
            site, out, base_url=f"http://127.0.0.1:{port}/site-{count}/", today=date(2026, 11, 23)
        )
    finally:
        search_module.search_files = original
    if not report.written:
        raise SystemExit(f"build of {count} mentors failed: {[d.human() for d in report.errors][:5]}")
    files = timing["files"]
    index_raw = sum(len(d) for d in files.values())
    index_gz = sum(len(gzip.compress(d, 9)) for d in files.values())
    print(
        f"  built {count} mentors in {report.seconds:.1f} s; search index: {len(files)} files, "
        f"{index_raw / 1024:.0f} KB raw, {index_gz / 1024:.0f} KB gzipped, written in {timing['search']:.2f} s"
    )
    return out, index_gz


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def category(path: str) -> str:
    if "/pagefind/" in path:
        name = path.rsplit("/", 1)[-1]
        return "pagefind " + ("wasm" if "wasm" in name else name.rsplit(".", 1)[-1])
    if "/search/t/" in path:
        return "token shards"
    if "/search/r/" in path:
        return "record chunks"
    if "/search/" in path or "/assets/" in path:
        return path.rsplit("/", 1)[-1]
    return "HTML"


def summarise(entries: list[tuple[str, int, int]]) -> str:
    groups: dict[str, list[int]] = {}
    for path, _raw, gz in entries:
        groups.setdefault(category(path), []).append(gz)
    return ", ".join(f"{k} {kb(sum(v))}" + (f" ({len(v)} files)" if len(v) > 1 else "") for k, v in groups.items())


INSTRUMENT = """
window.__lat = []; window.__paint = []; window.__t0 = null;
addEventListener('input', e => { if (e.target && e.target.id === 'q') window.__t0 = performance.now(); }, true);
addEventListener('change', e => { if (e.target && e.target.type === 'checkbox') window.__t0 = performance.now(); }, true);
window.__compute = []; window.__rendered = [];
document.addEventListener('mentorsite:results', (e) => window.__rendered.push([e.detail.state, performance.now()]));
document.addEventListener('mentorsite:results', (e) => {
  if (window.__t0 === null) return;
  const t0 = window.__t0; window.__t0 = null;
  window.__lat.push(performance.now() - t0);
  window.__compute.push(e.detail.computeMs);
  requestAnimationFrame(() => setTimeout(() => window.__paint.push(performance.now() - t0), 0));
});
"""


def wait_results(page, n: int, what: str = "") -> None:
    try:
        page.wait_for_function("n => window.__lat.length >= n", arg=n, timeout=30_000)
    except Exception as exc:
        raise SystemExit(
            f"no results after operation {n} ({what}); latencies so far: {page.evaluate('window.__lat')}"
        ) from exc


def first_load(browser, url: str, recorder: Recorder) -> tuple[int, int, list]:
    """Directory first load: (bytes until search ready, bytes of HTML+CSS only, entries)."""
    context = browser.new_context()
    page = context.new_page()
    start = recorder.mark()
    page.goto(url + "mentors/")
    page.wait_for_selector("#results[data-search-ready]")
    page.wait_for_load_state("networkidle")
    entries = recorder.since(start)
    context.close()
    critical = sum(gz for path, _, gz in entries if path.endswith("/mentors/") or path.endswith(".css"))
    return sum(gz for _, _, gz in entries), critical, entries


def first_search(browser, url: str, recorder: Recorder, query: str = "leadership") -> tuple[int, list, str]:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(INSTRUMENT)
    start = recorder.mark()
    page.goto(url + "mentors/")
    page.wait_for_selector("#results[data-search-ready]")
    page.click("#q")
    page.keyboard.type(query, delay=50)
    page.wait_for_function(
        "q => document.getElementById('results').getAttribute('data-search-state') === '?q=' + q", arg=query
    )
    entries = recorder.since(start)
    count = page.text_content("#result-count")
    context.close()
    return sum(gz for _, _, gz in entries), entries, count


def arriving_with_query(browser, url: str, recorder: Recorder, query: str = "leadership") -> tuple[int, list]:
    """A visitor arriving with ?q= (the home page's search form): bytes of the page and of every
    resource whose fetch started before the results were rendered."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(INSTRUMENT)
    page.goto(url + "mentors/?q=" + query)
    page.wait_for_function("q => (window.__rendered || []).some(r => r[0] === '?q=' + q)", arg=query)
    started = page.evaluate(
        """q => {
        const at = window.__rendered.find(r => r[0] === '?q=' + q)[1];
        return [location.pathname].concat(performance.getEntriesByType('resource')
            .filter(e => e.startTime <= at).map(e => new URL(e.name).pathname));
    }""",
        query,
    )
    context.close()
    entries = []
    for path in started:
        file = recorder.root / path.lstrip("/")
        file = file / "index.html" if file.is_dir() else file
        entries.append((path, file.stat().st_size, recorder.gz(file)))
    return sum(gz for _, _, gz in entries), entries


def latencies(browser, url: str) -> tuple[list[float], list[float], list[str]]:
    """33 operations: keystrokes (typing, deleting) and filter changes, one at a time."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(INSTRUMENT)
    page.goto(url + "mentors/")
    page.wait_for_selector("#results[data-search-ready]")
    page.click("#q")
    ops: list[str] = []
    done = 0

    def key(k: str) -> None:
        nonlocal done
        page.evaluate("document.activeElement.id === 'q' || document.getElementById('q').focus()")
        page.keyboard.press(k)
        done += 1
        ops.append(f"key {k}")
        wait_results(page, done, ops[-1])

    def toggle(selector: str, label: str) -> None:
        nonlocal done
        page.locator(selector).click()
        done += 1
        ops.append(f"filter {label}")
        wait_results(page, done, ops[-1])

    for ch in "leadership":
        key(ch)
    for _ in range(4):
        key("Backspace")
    key("s")  # "leaders"
    toggle("#f-accepting", "accepting")
    for ch in " prod":
        key("Space" if ch == " " else ch)
    facet = lambda key, label: f'fieldset[data-facet="{key}"] input[value="{label}"]'  # noqa: E731
    toggle(facet("countries", "pt"), "country PT")
    toggle(facet("formats", "group"), "format group")
    toggle(facet("cadence", "monthly"), "cadence monthly")
    toggle(facet("formats", "group"), "format group off")
    toggle(facet("industry", "technology"), "industry technology")
    for _ in range(5):
        key("Backspace")
    toggle(facet("cadence", "monthly"), "cadence monthly off")
    toggle("#f-accepting", "accepting off")
    lat = page.evaluate("window.__lat")
    page.wait_for_function("n => window.__paint.length >= n", arg=len(lat))
    paint = page.evaluate("window.__paint")
    compute = page.evaluate("window.__compute")
    context.close()
    return lat, paint, compute, ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    WORK.mkdir(parents=True, exist_ok=True)
    server, recorder = serve(WORK, args.port)
    port = server.server_address[1]
    results: dict[str, object] = {}
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for count in args.sizes:
                print(f"{count} mentors")
                out, index_gz = build(count, port)
                url = f"http://127.0.0.1:{port}/site-{count}/"
                loaded, critical, entries = first_load(browser, url, recorder)
                print(
                    f"  directory first load: {kb(loaded)} gzipped until search is ready "
                    f"(HTML+CSS {kb(critical)}): {summarise(entries)}"
                )
                results[f"first_load_{count}"] = loaded
                if count == 1000:
                    print(f"  budget 1k first load <= {kb(BUDGET_1K)}: {'PASS' if loaded <= BUDGET_1K else 'FAIL'}")
                searched, entries, shown = first_search(browser, url, recorder)
                index_part = sum(gz for path, _, gz in entries if "/search/" in path)
                print(
                    f"  first search 'leadership' ({shown}): {kb(searched)} gzipped before the first result; "
                    f"search index part {kb(index_part)} = {100 * index_part / index_gz:.1f}% of the {kb(index_gz)} index: "
                    f"{summarise(entries)}"
                )
                results[f"first_search_{count}"] = searched
                arrived, entries = arriving_with_query(browser, url, recorder)
                print(
                    f"  arriving with ?q=leadership: {kb(arrived)} gzipped before the results render "
                    f"(the facet columns for live counts follow them): {summarise(entries)}"
                )
                results[f"arrive_with_query_{count}"] = arrived
                if count == 10000:
                    print(
                        f"  budget 10k bytes before first result <= {kb(BUDGET_10K)}: "
                        f"{'PASS' if searched <= BUDGET_10K else 'FAIL'}"
                    )
                if count >= 10000:
                    lat, paint, compute, ops = latencies(browser, url)
                    median, p90 = statistics.median(lat), sorted(lat)[int(0.9 * (len(lat) - 1))]
                    print(
                        f"  {len(lat)} operations: median {median:.1f} ms input-to-results (p90 {p90:.1f}, max {max(lat):.1f}); "
                        f"median {statistics.median(paint):.1f} ms to the next frame; "
                        f"query+filter+count computation median {statistics.median(compute):.1f} ms (max {max(compute):.1f})"
                    )
                    slow = sorted(zip(lat, ops, strict=False), reverse=True)[:3]
                    print("  slowest: " + "; ".join(f"{op} {ms:.1f} ms" for ms, op in slow))
                    results[f"median_ms_{count}"] = median
                    if count == 10000:
                        print(f"  budget 10k median < {BUDGET_MS:.0f} ms: {'PASS' if median < BUDGET_MS else 'FAIL'}")
            browser.close()
    finally:
        server.shutdown()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
