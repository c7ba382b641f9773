"""Search, filters and URL state in the directory, in headless Chromium, on the example site.

Every expected result set comes from search_oracle.Oracle, computed in Python from the profiles.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect
from search_oracle import Oracle, words


def names(oracle: Oracle, slugs: list[str]) -> list[str]:
    by_slug = {p.slug: p.name for p in oracle.people}
    return [by_slug[s] for s in slugs]


def count_text(n: int) -> str:
    return f"{n} mentor" if n == 1 else f"{n} mentors"


def open_directory(page, site_url: str, query: str = "") -> None:
    page.goto(site_url + "mentors/" + query)
    expect(page.locator("#results")).to_have_attribute("data-search-ready", "true")


def shown_slugs(page, cards: str = "#cards article.card") -> list[str]:
    hrefs = page.locator(cards + " h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [re.search(r"/mentors/([a-z0-9-]+)/$", h).group(1) for h in hrefs]


def all_results(page) -> list[str]:
    """Every result, pressing "Show more" until the list is complete."""
    more = page.locator("button.show-more")
    while more.is_visible():
        before = page.locator("#cards > li").count()
        more.click()
        expect(page.locator("#cards > li")).not_to_have_count(before)
    return shown_slugs(page)


def query_of(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


#: Queries typed key by key, each with what it exercises.
QUERIES = [
    "jose",  # accent-insensitive: José Ñúñez Carrasco
    "lucja wisniewska",  # Ł folds to l
    "soren",  # ø folds to o
    "yildirim",  # dotless ı
    "leadership",  # name/tag hits above bio hits
    "product man",  # prefix matching, two words
    "leadershp",  # one typo
    "desing",  # one swap
    "spanish",  # language labels are searchable
    "ml",  # tag aliases ("ML" means machine learning)
    "松田健二",  # non-Latin names
]


def test_typing_a_query_gives_exactly_the_expected_mentors_in_order(page, site_url, oracle):
    open_directory(page, site_url)
    box = page.locator("#q")
    for typed in QUERIES:
        box.fill("")
        expect(page.locator("#result-count")).to_contain_text(count_text(len(oracle.people)))
        box.press_sequentially(typed, delay=10)
        expected = oracle.search(typed)
        assert expected, f"the oracle finds nobody for {typed!r}: pick another query"
        expect(page.locator("#result-count"), typed).to_have_text(count_text(len(expected)))
        assert names(oracle, all_results(page)) == names(oracle, expected), typed
        page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=typed)
        assert query_of(page) == [("q", typed)]
    assert page.errors == []


def test_ranking_puts_name_and_tag_hits_first_and_accepting_first_on_ties(page, site_url, oracle):
    open_directory(page, site_url, "?q=leadership")
    expected = oracle.search("leadership")
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    got = all_results(page)
    assert got == expected
    tagged = [p.slug for p in oracle.people if "leadership" in p.values["tags"]]
    assert set(got[: len(tagged)]) == set(tagged), "expertise-tag hits must rank above bio-only hits"
    people = {p.slug: p for p in oracle.people}
    first_full = next(i for i, s in enumerate(got[: len(tagged)]) if not people[s].accepting)
    assert all(not people[s].accepting for s in got[first_full : len(tagged)]), "accepting mentors first among equals"


def test_search_form_on_the_home_page_leads_to_directory_results(page, site_url, oracle):
    page.goto(site_url)
    page.get_by_label("Search mentors").fill("design")
    page.get_by_label("Search mentors").press("Enter")
    expect(page).to_have_url(site_url + "mentors/?q=design")
    expected = oracle.search("design")
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    expect(page.locator("#q")).to_have_value("design")
    assert shown_slugs(page) == expected[:24]


def panel_counts(page, key: str) -> dict[str, tuple[int, bool]]:
    """value -> (count shown, checkbox disabled) for one facet of the filter panel."""
    return page.evaluate(
        """key => {
        const out = {};
        const boxes = key === 'accepting' ? [document.getElementById('f-accepting')]
            : document.querySelectorAll(`fieldset[data-facet="${key}"] input[type=checkbox]`);
        for (const box of boxes) {
            const count = document.getElementById(box.getAttribute('aria-describedby'));
            out[box.value] = [parseInt(count.getAttribute('data-n') ?? count.textContent, 10), box.disabled];
        }
        return out;
    }""",
        key,
    )


def check_counts(page, oracle: Oracle, q: str, filters: dict[str, list[str]], accepting: bool) -> None:
    expect(page.locator("#filters")).not_to_have_attribute("aria-busy", "true")
    expected = oracle.counts(q, filters, accepting)
    for facet in ["accepting"] + [f.key for f in oracle.facets]:
        shown = panel_counts(page, facet)
        for value, (count, disabled) in shown.items():
            want = expected[facet].get(value, 0)
            checked = value in filters.get(facet, []) or (facet == "accepting" and accepting)
            assert count == want, f"{facet}={value}: shows {count}, expected {want}"
            assert disabled == (want == 0 and not checked), f"{facet}={value} disabled={disabled} with count {want}"


def test_filters_across_two_facets_with_live_counts_url_back_and_reload(page, site_url, oracle):
    open_directory(page, site_url)
    panel = page.locator("#filters")
    expect(panel.locator("legend", has_text="Expertise")).to_be_visible()
    # Every configured facet is a fieldset with a legend, plus availability.
    legends = panel.locator("fieldset > legend").all_text_contents()
    assert legends == ["Availability"] + [f.label for f in oracle.facets]

    steps = [
        ("Language", "Spanish", "languages", "es"),
        ("Language", "Portuguese", "languages", "pt"),  # OR within a facet
        ("Expertise", "Leadership", "tags", "leadership"),  # AND across facets
    ]
    filters: dict[str, list[str]] = {}
    history = []
    page.get_by_label("Accepting mentees only").check()
    accepting = True
    history.append(("accepting", dict(filters), True))
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("", filters, True))))
    expect(page).to_have_url(site_url + "mentors/?accepting=1")
    check_counts(page, oracle, "", filters, accepting)
    for legend, label, key, value in steps:
        page.locator("fieldset", has=page.locator("legend", has_text=legend)).get_by_label(label, exact=True).check()
        filters = {**filters, key: filters.get(key, []) + [value]}
        expected = oracle.search("", filters, accepting)
        expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
        order = {f.key: n for n, f in enumerate(oracle.facets)}
        want_query = [("accepting", "1")] + [
            (k, v) for k in sorted(filters, key=order.get) for v in oracle.used_values(k) if v in filters[k]
        ]
        expect(page).to_have_url(re.compile(re.escape("mentors/?")))
        assert query_of(page) == want_query
        assert all_results(page) == expected
        check_counts(page, oracle, "", filters, accepting)
        history.append((label, {k: list(v) for k, v in filters.items()}, accepting))
    chips = page.locator(".active-filters .filter-chip")
    expect(chips).to_have_count(4)
    expect(chips.nth(0)).to_contain_text("Accepting mentees only")

    # Back restores the previous state: checkboxes, results, counts and URL.
    page.go_back()
    _, filters, accepting = history[-2]
    expected = oracle.search("", filters, accepting)
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    expect(page.get_by_label("Leadership", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Portuguese", exact=True)).to_be_checked()
    assert shown_slugs(page) == expected[:24]
    check_counts(page, oracle, "", filters, accepting)
    page.go_forward()
    _, filters, accepting = history[-1]
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("", filters, accepting))))
    expect(page.get_by_label("Leadership", exact=True)).to_be_checked()

    # A bookmarked or shared URL restores the same view on reload.
    bookmarked = page.url
    page.reload()
    expect(page.locator("#results")).to_have_attribute("data-search-ready", "true")
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("", filters, accepting))))
    expect(page.get_by_label("Spanish", exact=True)).to_be_checked()
    assert page.url == bookmarked
    check_counts(page, oracle, "", filters, accepting)

    # Removing a chip drops one filter; "Clear all" drops everything.
    page.locator(".filter-chip", has_text="Language: Spanish").click()
    filters = {"languages": ["pt"], "tags": ["leadership"]}
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("", filters, True))))
    assert ("languages", "es") not in query_of(page)
    page.get_by_role("button", name="Clear all").click()
    expect(page).to_have_url(site_url + "mentors/")
    expect(page.locator("#result-count")).to_contain_text(count_text(len(oracle.people)))
    expect(page.locator(".filter-chip")).to_have_count(0)
    assert page.errors == []


def test_query_and_filters_combine_and_back_restores_the_query(page, site_url, oracle):
    open_directory(page, site_url)
    page.locator("#q").press_sequentially("product", delay=10)
    expect(page).to_have_url(site_url + "mentors/?q=product")
    page.get_by_label("Accepting mentees only").check()
    expected = oracle.search("product", {}, True)
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    assert shown_slugs(page) == expected[:24]
    check_counts(page, oracle, "product", {}, True)
    page.go_back()
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("product"))))
    expect(page.get_by_label("Accepting mentees only")).not_to_be_checked()
    expect(page.locator("#q")).to_have_value("product")
    page.go_back()
    expect(page.locator("#q")).to_have_value("")
    expect(page.locator("#result-count")).to_contain_text(count_text(len(oracle.people)))


def test_keyboard_only_filtering(page, site_url, oracle):
    open_directory(page, site_url)
    page.locator("#q").focus()
    box = page.get_by_label("Accepting mentees only")
    for _ in range(12):
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first filter checkbox is not reachable with Tab")
    assert box.evaluate("el => el.matches(':focus-visible')")
    outline = box.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Space")
    expect(page.locator("#result-count")).to_have_text(count_text(len(oracle.search("", {}, True))))
    expect(page).to_have_url(site_url + "mentors/?accepting=1")


def test_directory_without_javascript_lists_and_paginates(browser, site_url, oracle):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + "mentors/")
        total = len(oracle.people)
        expect(page.locator("#result-count")).to_contain_text(count_text(total))
        assert shown_slugs(page) == oracle.order[:24]
        expect(page.locator("#filters")).to_have_count(0)
        page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next page").click()
        expect(page).to_have_url(site_url + "mentors/page/2/")
        assert shown_slugs(page) == oracle.order[24:48]
        # The facet sidebar links still browse by value.
        sidebar = page.get_by_role("complementary", name="Browse by")
        sidebar.get_by_role("link", name=re.compile(r"^Spanish")).click()
        expect(page).to_have_url(site_url + "languages/es/")
        spanish = [p.slug for p in oracle.people if "es" in p.values["languages"]]
        assert shown_slugs(page, "main article.card") == spanish
    finally:
        context.close()


#: What native speakers type (issue 12), each with the mentors it must find: the oracle states
#: the same sets, and the browser must show exactly the oracle's answer, in its order.
SCRIPT_QUERIES = [
    ("حسن", {"yusuf-al-hassan", "hassan-darwish"}),  # without ال: finds al-Hassan too
    ("الحسن", {"yusuf-al-hassan", "hassan-darwish"}),  # with ال: finds plain Hassan too
    ("ليلي", {"layla-haddad"}),  # ى (ليلى) typed as ي
    ("رحیمی", {"sara-rahiminejad"}),  # the Persian keyboard's ی
    ("رحيمي", {"sara-rahiminejad"}),  # Arabic ي finds the Persian ی
    ("رحیمی\u200cنژاد", {"sara-rahiminejad"}),  # typed with its ZWNJ
    ("晓玲", {"chen-xiaoling"}),  # a two-character given name inside 陈晓玲
    ("陈", {"chen-xiaoling"}),  # a one-character surname: that mentor, not everyone
    ("健二", {"kenji-matsuda"}),
    ("さくら", {"sakura-yamamoto"}),  # kana
    ("山本", {"sakura-yamamoto"}),
    ("कमल", {"kamal-verma"}),  # vowel signs keep कमल (Kamal) apart from कोमल (Komal)
    ("कोमल", {"komal-sharma"}),
    ("חיים", {"noa-ben-haim"}),  # Hebrew, final mem
]


@pytest.mark.parametrize("typed, expected", SCRIPT_QUERIES, ids=[q for q, _ in SCRIPT_QUERIES])
def test_search_finds_names_as_native_speakers_type_them(page, site_url, oracle, typed, expected):
    """Typed key by key, each script's query gives exactly the expected mentors, in the oracle's order."""
    assert set(oracle.search(typed)) == expected
    open_directory(page, site_url)
    page.locator("#q").press_sequentially(typed, delay=10)
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=typed)
    expect(page.locator("#result-count")).to_have_text(count_text(len(expected)))
    assert shown_slugs(page) == oracle.search(typed)
    assert page.errors == []


def test_the_browser_splits_queries_into_the_words_the_oracle_does(page, site_url, oracle):
    """search.js's normalising and tokenising (from the manifest's rules) equal the oracle's, script by script."""
    texts = [q for q, _ in SCRIPT_QUERIES] + [
        "José Łucja Søren Straße",
        "松田健二 (Kenji)",
        "Python编程 ｶﾀｶﾅ",
        "مُحَمَّد عـــلي ٢٠٢٤ ۱۴۰۳ ٱبن آمنة فاطمة مصطفى کریمی",
        "ज़रा हँसी क्\u200dष",
        "שָׁלוֹם דניאל",
        "الف ال",
    ]
    open_directory(page, site_url)
    got = page.evaluate(
        "texts => texts.map(t => { const r = window.mentorsiteSearch.text; return r.words(r.normalise(t)); })", texts
    )
    assert got == [words(t, query=True) for t in texts]
