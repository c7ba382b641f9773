"""Pagefind against mentorsite's own search index, on the same synthetic site, in Chromium.

    pip install 'pagefind[extended]'     # in a scratch environment; not a mentorsite dependency
    python bench/pagefind_compare.py 10000

Builds the site with bench/search_bench.py's build (which also writes mentorsite's index), then
indexes the same public mentor views with Pagefind's Python API as custom records (content:
name, headline, role, organisation, location, tags, topics and bio; filters: every facet plus
"accepting"; metadata: what a result card shows) and compares, measured the same way:

- time to write each index, and its total size;
- bytes the browser fetches before the first results of "leadership" are ready to show
  (24 results with their card data); Pagefind's pre-compressed files count as served;
- latency of the operations of search_bench.py's run (typing "leadership", deleting, filters),
  each from the call to 24 result records in memory; for Pagefind with the counts "under the
  other active filters" the issue asks for, which take one extra search per active facet;
- behaviour: accent-insensitive name search ("tomas" for "Tomás"), one typo ("leadershp").
"""

from __future__ import annotations

import asyncio
import html
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import search_bench as sb  # noqa: E402

PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Pagefind bench</title>
<script type="module">
const pagefind = await import("./pagefind/pagefind.js");
await pagefind.init();
window.pf = pagefind;
window.pfReady = true;
</script>
"""

RUN = """async ([q, filters, others]) => {
  const t0 = performance.now();
  const found = await pf.search(q || null, {filters});
  const data = await Promise.all(found.results.slice(0, 24).map(r => r.data()));
  // Counts "under the other active filters": one more search per active facet.
  for (const key of others) {
    const rest = Object.assign({}, filters); delete rest[key];
    await pf.search(q || null, {filters: rest});
  }
  return {ms: performance.now() - t0, count: found.results.length, first: data.length ? data[0].meta.title : null};
}"""


def records(views, facets):
    by_field = {f.field: f for f in facets}
    for v in views:
        text = " ".join(
            filter(
                None,
                [
                    v.name,
                    v.headline,
                    v.role,
                    v.organisation,
                    v.city,
                    v.country.label if v.country else "",
                    " ".join(t.label for t in v.tags),
                    " ".join(v.help_with),
                    html.unescape(re.sub(r"<[^>]+>", " ", v.bio_html)),
                ],
            )
        )
        filters = {"accepting": ["yes" if v.accepting else "no"]}
        for field, refs in (
            ("tags", v.tags),
            ("industry", [v.industry] if v.industry else []),
            ("country", [v.country] if v.country else []),
            ("languages", v.languages),
            ("formats", v.formats),
            ("meeting_modes", v.meeting_modes),
            ("cadence", [v.cadence] if v.cadence else []),
        ):
            if field in by_field and refs:
                filters[by_field[field].key] = [r.key for r in refs]
        meta = {
            "title": v.name,
            "headline": v.headline,
            "role": v.role or "",
            "organisation": v.organisation or "",
            "location": ", ".join(filter(None, [v.city, v.country.label if v.country else ""])),
            "tags": ", ".join(t.label for t in v.tags[:4]),
            "accepting": "yes" if v.accepting else "no",
        }
        yield {"url": "/" + v.url, "content": text, "language": "en", "meta": meta, "filters": filters}


def unthrottle_pagefind() -> None:
    """Pagefind's Python wrapper (1.5.2) sleeps 100 ms before reading each response from its
    indexing service, so 10,000 records take 1,000+ s whatever the service does (measured here:
    200 records in 20.4 s, one at a time). Drop that sleep to measure the index, not the wrapper."""
    import types

    import pagefind.service as service

    shim = types.ModuleType("asyncio_without_poll_delay")
    shim.__dict__.update(vars(asyncio))

    async def sleep(delay, result=None):
        return await asyncio.sleep(0, result)

    shim.sleep = sleep
    service.asyncio = shim


async def write_pagefind(views, facets, out: Path) -> float:
    from pagefind.index import IndexConfig, PagefindIndex

    unthrottle_pagefind()

    started = time.perf_counter()
    async with PagefindIndex(IndexConfig(output_path=str(out / "pagefind"))) as index:
        batch = []
        for record in records(views, facets):
            batch.append(index.add_custom_record(**record))
            if len(batch) >= 50:
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)
    return time.perf_counter() - started


def served(entries) -> int:
    """Bytes on the wire: gzip -9 of each file, or the file itself when it is already compressed."""
    return sum(min(raw, gz) for _, raw, gz in entries)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    from playwright.sync_api import sync_playwright

    sb.WORK.mkdir(parents=True, exist_ok=True)
    server, recorder = sb.serve(sb.WORK)
    port = server.server_address[1]
    try:
        started = time.perf_counter()
        out, ours_gz = sb.build(count, port)
        config, views, facets = sb.LAST_BUILD["search_args"]
        seconds = asyncio.run(write_pagefind(views, facets, out))
        files = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
        raw = sum(p.stat().st_size for p in files)
        print(
            f"Pagefind: {len(files)} files, {raw / 1024:.0f} KB as served, written in {seconds:.1f} s "
            f"(mentorsite: {ours_gz / 1024:.0f} KB gzipped; its time is on the 'built' line above)"
        )
        (out / "pf-bench.html").write_text(PAGE, encoding="utf-8")
        url = f"http://127.0.0.1:{port}/site-{count}/"
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=sb.CHROMIUM, args=sb.ARGS)
            context = browser.new_context()
            page = context.new_page()
            start = recorder.mark()
            page.goto(url + "pf-bench.html")
            page.wait_for_function("window.pfReady === true")
            first = page.evaluate(RUN, ["leadership", {}, []])
            entries = recorder.since(start)
            print(
                f"Pagefind first search 'leadership': {served(entries) / 1024:.1f} KB fetched "
                f"({len(entries)} files, {first['count']} results, {first['ms']:.0f} ms): "
                + sb.summarise([(p, r, min(r, g)) for p, r, g in entries])
            )
            ours = context.new_page()
            ours.goto(url + "mentors/")
            ours.wait_for_selector("#results[data-search-ready]")
            for probe in ("leadership", "tomas", "leadershp", "lucja", "zoe"):
                ours.fill("#q", probe)
                ours.wait_for_function(
                    "q => document.getElementById('results').getAttribute('data-search-state') === '?q=' + q", arg=probe
                )
                print(
                    f"  '{probe}': Pagefind {page.evaluate(RUN, [probe, {}, []])['count']} results, "
                    f"mentorsite {ours.text_content('#result-count')}"
                )
            ours.close()
            ops: list[tuple[str, dict]] = []
            q = ""
            for ch in "leadership":
                q += ch
                ops.append((q, {}))
            for _ in range(4):
                q = q[:-1]
                ops.append((q, {}))
            q += "s"
            ops.append((q, {}))
            filters: dict[str, list[str]] = {"accepting": ["yes"]}
            ops.append((q, dict(filters)))
            for ch in " prod":
                q += ch
                ops.append((q, dict(filters)))
            for key, value in (("countries", "pt"), ("formats", "group"), ("cadence", "monthly")):
                filters[key] = [value]
                ops.append((q, dict(filters)))
            del filters["formats"]
            ops.append((q, dict(filters)))
            filters["industry"] = ["technology"]
            ops.append((q, dict(filters)))
            for _ in range(5):
                q = q[:-1]
                ops.append((q, dict(filters)))
            del filters["cadence"]
            ops.append((q, dict(filters)))
            del filters["accepting"]
            ops.append((q, dict(filters)))
            plain, counted = [], []
            for query, active in ops:
                plain.append(page.evaluate(RUN, [query.strip(), active, []])["ms"])
                counted.append(page.evaluate(RUN, [query.strip(), active, list(active)])["ms"])
            print(
                f"Pagefind {len(ops)} operations: median {statistics.median(plain):.1f} ms (max {max(plain):.1f}) for results; "
                f"median {statistics.median(counted):.1f} ms (max {max(counted):.1f}) with counts under the other filters"
            )
            context.close()
            browser.close()
        print(f"(whole comparison {time.perf_counter() - started:.0f} s)")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
