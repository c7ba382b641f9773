"""The "Find my match" page: ranked entirely in the browser, explained, and private."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_match_form_ranks_accepting_mentors_and_explains_each_match(page, site_url, oracle):
    page.goto(site_url + "match/")
    form = page.locator("#match-form")
    expect(form).to_have_attribute("data-match-ready", "true")
    form.get_by_label("Leadership", exact=True).check()
    form.get_by_label("Product management", exact=True).check()
    form.get_by_label("Language").select_option("es")
    form.get_by_label("Preferred format").select_option("one-to-one")
    form.get_by_label("Your time zone").select_option("America/Bogota")
    form.get_by_label("How often would you like to meet?").select_option("bi-weekly")

    requests = []
    page.on("request", lambda request: requests.append(request))
    form.get_by_role("button", name="Find my match").click()
    expect(form).to_have_attribute("data-matched", re.compile(r"\d+"))

    expected = oracle.match(
        ["leadership", "product-management"],
        language="es",
        format="one-to-one",
        tz="America/Bogota",
        cadence="bi-weekly",
    )
    assert expected
    people = {p.slug: p for p in oracle.people}
    assert all(people[slug].accepting for slug, _ in expected)
    top = expected[:10]
    got = page.locator("#matches > li").evaluate_all("""items => items.map(li => [
        li.querySelector('h3 a').getAttribute('href').match(/mentors\\/([a-z0-9-]+)\\/$/)[1],
        li.querySelector('.match-why').textContent])""")
    assert got == [[slug, "Why this match: " + why] for slug, why in top]
    # The explanation names what matched, e.g. "2 of your topics, speaks Spanish, same time zone".
    assert any("of your topics" in why and "speaks Spanish" in why for _, why in top)
    count = len(expected)
    expect(page.locator("#match-count")).to_have_text(
        f"Your top 10 of {count} mentors who match"
        if count > 10
        else f"{count} {'mentor' if count == 1 else 'mentors'} matched"
    )

    # Nothing the visitor chose left the page: only the static index and images were fetched.
    for request in requests:
        parts = urlsplit(request.url)
        assert request.method == "GET", request.url
        assert parts.hostname == "127.0.0.1"
        assert re.fullmatch(r"(v=[0-9a-f]+)?", parts.query), request.url
        assert not re.search(r"leadership|product|bogota|bi-weekly|one-to-one", parts.path.replace("/search/", "")), (
            request.url
        )
    assert page.errors == []


def test_match_without_answers_asks_for_one(page, site_url):
    page.goto(site_url + "match/")
    expect(page.locator("#match-form")).to_have_attribute("data-match-ready", "true")
    page.get_by_label("Your time zone").select_option("")
    page.get_by_role("button", name="Find my match").click()
    expect(page.locator("#match-count")).to_have_text("Choose at least one topic or preference to get suggestions.")


def test_match_is_in_the_main_navigation(page, site_url):
    page.goto(site_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find my match").click()
    expect(page).to_have_url(site_url + "match/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find my match")
