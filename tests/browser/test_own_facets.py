"""Facets over the example site's own fields in the directory's filters, in headless Chromium:
`faculty` (a choice field declared in site.toml) and `graduated` (the built-in cohort by decade).

Each filtered result must be exactly the mentors of the static facet page for the same value,
and what the oracle computes from the profiles.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from search_oracle import Oracle
from test_search import all_results, count_text, open_directory, panel_counts, query_of


def static_slugs(root: Path, facet: str, value: str) -> list[str]:
    """Mentor slugs on a static facet value page and its further pages, in listing order."""
    slugs: list[str] = []
    page, number = root / facet / value / "index.html", 1
    while page.is_file():
        html = page.read_text(encoding="utf-8")
        slugs += re.findall(r'<article class="card">.*?href="[^"]*/mentors/([a-z0-9-]+)/"', html, re.S)
        number += 1
        page = root / facet / value / "page" / str(number) / "index.html"
    return slugs


def group(page, legend: str):
    return page.locator("#filters fieldset", has=page.locator("legend", has_text=legend))


def test_faculty_filter_gives_exactly_the_static_facet_pages_mentors(page, site_url, served_site, oracle: Oracle):
    open_directory(page, site_url)
    faculty = group(page, "Faculty")
    expect(faculty).to_be_visible()
    labels = oracle.labels["faculty"]
    used = oracle.used_values("faculty")
    assert set(used) == {"business", "engineering", "humanities", "law", "medicine", "science", "social-sciences"}
    # Every faculty in use, with its count, most used first (as the static sidebar orders them).
    expect(page.locator("#filters")).not_to_have_attribute("aria-busy", "true")
    expected_counts = oracle.counts("", {}, False)["faculty"]
    assert panel_counts(page, "faculty") == {v: [expected_counts[v], False] for v in used}
    assert faculty.locator("input[type=checkbox]").evaluate_all("boxes => boxes.map(b => b.value)") == used

    chosen: list[str] = []
    for value in ("engineering", "medicine"):  # one value, then a second (OR within the facet)
        faculty.get_by_label(labels[value], exact=True).check()
        chosen.append(value)
        expected = oracle.search("", {"faculty": chosen}, False)
        expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
        shown = all_results(page)
        assert shown == expected
        assert set(shown) == {slug for v in chosen for slug in static_slugs(served_site.root, "faculty", v)}
        assert query_of(page) == [("faculty", v) for v in used if v in chosen]
    assert page.errors == []


def test_faculty_and_decade_from_the_url_match_the_static_pages(page, site_url, served_site, oracle: Oracle):
    """A link such as mentors/?faculty=science&graduated=2010s (AND across facets) shows the mentors
    both static pages list; the decade filter alone shows exactly its static page."""
    open_directory(page, site_url, "?graduated=2010s")
    expected = oracle.search("", {"graduated": ["2010s"]}, False)
    # "Ready" means the script started; the URL's filters then load their index shards: wait
    # for the count they give before reading the list (read earlier, it was the static page).
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    assert all_results(page) == expected
    assert set(expected) == set(static_slugs(served_site.root, "graduated", "2010s"))
    expect(group(page, "Graduation decade").get_by_label("2010s", exact=True)).to_be_checked()
    # Decades read in order in the panel, like on the static facet index.
    decades = group(page, "Graduation decade").locator("input[type=checkbox]")
    assert decades.evaluate_all("boxes => boxes.map(b => b.value)") == ["1990s", "2000s", "2010s", "2020s"]

    open_directory(page, site_url, "?faculty=science&graduated=2010s")
    both = oracle.search("", {"faculty": ["science"], "graduated": ["2010s"]}, False)
    assert both, "pick values two mentors share"
    expect(page.locator("#result-count")).to_have_text(count_text(len(both)))
    assert all_results(page) == both
    assert set(both) == set(static_slugs(served_site.root, "faculty", "science")) & set(
        static_slugs(served_site.root, "graduated", "2010s")
    )
    assert page.errors == []
