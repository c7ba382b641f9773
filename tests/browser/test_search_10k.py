"""A 10,000-mentor synthetic site (bench/generate.py): search, filter, share and match in Chromium."""

from __future__ import annotations

import re
import sys

import pytest
from browser_support import ROOT, build_into, free_port
from playwright.sync_api import expect

from mentorsite.index import sort_key

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

COUNT = 10_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_site(tmp_path_factory, serve_directory):
    work = tmp_path_factory.mktemp("site-10k")
    site = generate(COUNT, work / "site")
    port = free_port()
    out = build_into(site, work / "out", port)
    return site, serve_directory(out, port)


def field(text: str, name: str) -> str:
    return re.search(rf"^{name}: (.*)$", text, re.M).group(1).strip().strip('"')


def test_ten_thousand_mentors_search_filter_share_and_match(page, big_site):
    site, url = big_site
    profiles = {p.stem: p.read_text(encoding="utf-8") for p in sorted((site / "mentors").glob("*.yaml"))}
    assert len(profiles) == COUNT

    # Search: one mentor by name, typed without accents.
    name = field(profiles["mentor-04711"], "name")
    page.goto(url + "mentors/")
    expect(page.locator("#results")).to_have_attribute("data-search-ready", "true")
    typed = name.lower().translate(str.maketrans("áéíóúöüøåäçğłñõ", "aeiououoaacglno"))
    page.locator("#q").press_sequentially(typed, delay=5)
    expect(page.locator("#result-count")).to_have_text("1 mentor")
    expect(page.locator("#cards h3 a")).to_have_text(name)

    # Filter across two facets: accepting mentors in Iceland who speak Icelandic.
    page.locator("#q").fill("")
    expect(page.locator("#result-count")).to_contain_text(f"{COUNT} mentors")
    page.get_by_label("Accepting mentees only").check()
    page.locator("fieldset", has=page.locator("legend", has_text="Country")).get_by_label("Iceland", exact=True).check()
    expected = [slug for slug, text in profiles.items() if "country: IS" in text and "accepting: true" in text]
    expect(page.locator("#result-count")).to_have_text(f"{len(expected)} mentors")
    page.locator("fieldset", has=page.locator("legend", has_text="Language")).get_by_role(
        "button", name="Show all"
    ).click()
    page.get_by_label("Icelandic", exact=True).check()
    expected = [slug for slug in expected if re.search(r"^languages: \[.*\bis\b.*\]$", profiles[slug], re.M)]
    expect(page.locator("#result-count")).to_have_text(f"{len(expected)} mentors")
    expect(page).to_have_url(url + "mentors/?accepting=1&countries=is&languages=is")
    shared = page.url

    # The shared URL restores the view in a fresh page.
    other = page.context.new_page()
    other.goto(shared)
    expect(other.locator("#result-count")).to_have_text(f"{len(expected)} mentors")
    expect(other.get_by_label("Icelandic", exact=True)).to_be_checked()
    shown = other.locator("#cards h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    in_directory_order = sorted(expected, key=lambda s: (sort_key(field(profiles[s], "name")), s))
    assert [re.search(r"mentors/([a-z0-9-]+)/$", h).group(1) for h in shown] == in_directory_order[:24]
    other.close()

    # Match: Spanish-speaking accepting mentors for two topics, explained.
    page.goto(url + "match/")
    expect(page.locator("#match-form")).to_have_attribute("data-match-ready", "true")
    page.get_by_label("Negotiation", exact=True).check()
    page.get_by_label("Public speaking", exact=True).check()
    page.get_by_label("Language").select_option("es")
    page.get_by_label("Your time zone").select_option("")
    page.get_by_role("button", name="Find my match").click()
    expect(page.locator("#match-form")).to_have_attribute("data-matched", re.compile(r"\d+"))
    whys = page.locator("#matches .match-why").all_text_contents()
    assert len(whys) == 10
    assert whys[0] == "Why this match: 2 of your topics, speaks Spanish"
    assert all("speaks Spanish" in why for why in whys)
    badges = page.locator("#matches .badge").all_text_contents()
    assert badges == ["Accepting mentees"] * 10
    assert page.errors == []
