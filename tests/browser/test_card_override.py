"""A site's override of _card.html draws every card: static listings, search results and matches.

The example site is copied with one extra file, templates/_card.html: the theme's card plus a
conditional element the theme never renders (accepting mentors only, listing their languages).
"""

from __future__ import annotations

import re
import shutil

import pytest
from browser_support import ROOT, build_into, free_port
from playwright.sync_api import expect

#: Where the override adds its element, and the element: new markup, a new field, a new condition.
ANCHOR = '<p class="card-headline"{{ mentor.lang("headline") }}>{{ mentor.headline }}</p>\n'
EXTRA = (
    '{% if mentor.accepting %}<p class="card-override">Speaks '
    '{{ mentor.languages|map(attribute="label")|join(", ") }}</p>{% endif %}\n'
)
#: Slug and whether the card carries the override's element, for every card a selector matches.
CARDS = """articles => articles.map(a => [
    a.querySelector('h3 a').getAttribute('href').match(/mentors\\/([a-z0-9-]+)\\/$/)[1],
    a.querySelector('.card-override') !== null])"""


@pytest.fixture(scope="module")
def override_site(tmp_path_factory, serve_directory) -> str:
    work = tmp_path_factory.mktemp("card-override")
    site = work / "site"
    site.mkdir()
    shutil.copy(ROOT / "site.toml", site / "site.toml")
    shutil.copytree(ROOT / "mentors", site / "mentors")
    shutil.copytree(ROOT / "content", site / "content")
    theme_card = (ROOT / "templates" / "_card.html").read_text(encoding="utf-8")
    assert theme_card.count(ANCHOR) == 1, "the theme's card changed: move the override's anchor"
    (site / "templates").mkdir()
    (site / "templates" / "_card.html").write_text(theme_card.replace(ANCHOR, ANCHOR + EXTRA), encoding="utf-8")
    port = free_port()
    return serve_directory(build_into(site, work / "out", port), port)


def test_search_results_drawn_in_the_browser_use_the_sites_card_override(page, override_site, oracle):
    accepting = {p.slug for p in oracle.people if p.accepting}
    page.goto(override_site + "mentors/")
    expect(page.locator("#results")).to_have_attribute("data-search-ready", "true")
    static = page.locator("#cards article.card").evaluate_all(CARDS)
    assert [slug for slug, _ in static] == oracle.order[:24]
    assert static == [[slug, slug in accepting] for slug, _ in static]
    static_markup = dict(
        page.locator("#cards article.card").evaluate_all(
            "articles => articles.map(a => [a.querySelector('h3 a').getAttribute('href'), a.outerHTML])"
        )
    )

    page.locator("#q").press_sequentially("leadership", delay=10)
    expected = oracle.search("leadership")
    expect(page.locator("#result-count")).to_have_text(f"{len(expected)} mentors")
    drawn = page.locator("#cards article.card").evaluate_all(CARDS)
    assert drawn == [[slug, slug in accepting] for slug in expected[:24]]
    assert any(mark for _, mark in drawn) and not all(mark for _, mark in drawn), "pick a query with both kinds"
    # The element shows a field search.js never had: each accepting mentor's languages.
    languages = next(f.key for f in oracle.facets if f.source_field == "languages")
    people = {p.slug: p for p in oracle.people}
    marks = page.locator("#cards article.card").evaluate_all(
        "articles => articles.filter(a => a.querySelector('.card-override'))"
        ".map(a => a.querySelector('.card-override').textContent)"
    )
    assert [set(mark.removeprefix("Speaks ").split(", ")) for mark in marks] == [
        {oracle.labels[languages][key] for key in people[slug].values[languages]} for slug, mark in drawn if mark
    ]
    # A card drawn by search.js is the very markup of the same mentor's card on the static page.
    again = page.locator("#cards article.card").evaluate_all(
        "articles => articles.map(a => [a.querySelector('h3 a').getAttribute('href'), a.outerHTML])"
    )
    shared = [(href, markup) for href, markup in again if href in static_markup]
    assert shared and all(markup == static_markup[href] for href, markup in shared)
    assert page.errors == []


def test_match_results_use_the_sites_card_override(page, override_site, oracle):
    page.goto(override_site + "match/")
    form = page.locator("#match-form")
    expect(form).to_have_attribute("data-match-ready", "true")
    form.get_by_label("Leadership", exact=True).check()
    form.get_by_label("Your time zone").select_option("")
    form.get_by_role("button", name="Find my match").click()
    expect(form).to_have_attribute("data-matched", re.compile(r"\d+"))
    expected = [slug for slug, _ in oracle.match(["leadership"])][:10]
    assert page.locator("#matches > li.match article.card").evaluate_all(CARDS) == [[s, True] for s in expected]
    assert page.errors == []
