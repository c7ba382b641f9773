"""axe-core audits (WCAG 2.x A/AA rules and best practices) in headless Chromium: zero violations,
in the light and the dark colour scheme, on the English example site and on the same site in
Arabic (right to left). Controls are found by structure or by the site's own labels, not by the
theme's interface text, so the same tests hold in any language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture(params=["light", "dark"])
def scheme(request, page) -> str:
    """The colour scheme the page's media queries see (prefers-color-scheme)."""
    page.emulate_media(color_scheme=request.param)
    return request.param


@pytest.fixture(params=["en", "ar"])
def any_site_url(request) -> str:
    """The example site's base URL: in English, or in Arabic."""
    if request.param == "en":
        return request.getfixturevalue("site_url")
    return request.getfixturevalue("arabic_site").url


def violations(page, axe) -> list[str]:
    """axe's violations on the settled page. Results and counts are dimmed while aria-busy (a
    shard or a card chunk still loading), which is a passing state, not the one to audit."""
    page.wait_for_function("!document.querySelector('[aria-busy=\"true\"]')")
    page.add_script_tag(path=str(axe))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
            v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\n/g, ' ')).join('\\n    '));
    }""")
    return found


@pytest.mark.parametrize("path", ["", "mentors/", "guides/first-contact-message/", "guides/", "accessibility/"])
def test_static_pages_have_no_axe_violations(page, any_site_url, scheme, axe, path):
    page.goto(any_site_url + path)
    assert violations(page, axe) == []


def test_mentor_pages_have_no_axe_violations(page, any_site_url, scheme, axe, oracle):
    people = {p.slug: p for p in oracle.people}
    accepting = next(s for s in oracle.order if people[s].accepting)
    full = next(s for s in oracle.order if not people[s].accepting)
    for slug in (accepting, full):
        page.goto(any_site_url + f"mentors/{slug}/")
        assert violations(page, axe) == [], slug


def test_directory_with_filters_open_has_no_axe_violations(page, any_site_url, scheme, axe):
    """Search results with filters applied and a long filter list opened: the search page."""
    page.goto(any_site_url + "mentors/?q=design&accepting=1&languages=en")
    expect(page.locator("#results")).to_have_attribute("data-search-ready", "true")
    expect(page.locator(".filter-chip")).to_have_count(2)
    page.locator("fieldset", has=page.locator("legend", has_text="Country")).locator("button.filter-more").click()
    assert violations(page, axe) == []
    # A phone-sized screen: the panel opens from its "Filters" button.
    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.locator("button.filters-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#filters")).to_be_visible()
    assert violations(page, axe) == []


def test_match_page_with_results_has_no_axe_violations(page, any_site_url, scheme, axe):
    page.goto(any_site_url + "match/")
    expect(page.locator("#match-form")).to_have_attribute("data-match-ready", "true")
    assert violations(page, axe) == []
    page.get_by_label("Leadership", exact=True).check()
    page.locator("#match-form button[type=submit]").click()
    expect(page.locator("#matches > li").first).to_be_visible()
    assert violations(page, axe) == []


def test_the_audit_catches_a_violation(page, site_url, axe):
    """Guards the audits above: an image without alt text must be reported."""
    page.goto(site_url + "guides/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert any(v.startswith("image-alt") for v in violations(page, axe))


def test_the_dark_audit_catches_low_contrast(page, site_url, axe):
    """Guards the dark-scheme audits: the scheme is really applied, and poor contrast in it is reported."""
    page.emulate_media(color_scheme="dark")
    page.goto(site_url + "guides/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 22, 28)"
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<p style=\"color:#1a1d21\">Dark on dark</p>')"
    )
    assert any(v.startswith("color-contrast") for v in violations(page, axe))
