"""Page generators: the exact records each kind of page yields for a tiny site."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site
from markupsafe import Markup

from mentorsite import generators
from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.context import SiteContext, published_mentors, site_context
from mentorsite.derived import DerivedCache
from mentorsite.generators import site_image
from mentorsite.load import load_site
from mentorsite.messages import messages_for
from mentorsite.outputs import ALL_MENTORS, File, Inputs, Page
from mentorsite.previews import site_preview

#: Seven mentors, per_page 6: every listing has two pages. person-6 takes no mentees.
PROFILES = {
    f"mentors/person-{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}").replace(
        "ada.private@", f"p{i}.private@"
    )
    for i in range(7)
}
PROFILES["mentors/person-6.yaml"] = PROFILES["mentors/person-6.yaml"].replace("accepting: true", "accepting: false")
CONTENT = {
    "content/guides/hello.md": "---\ntitle: Hello\nsummary: A first guide.\n---\nHi.\n",
    "content/about.md": "---\ntitle: About\n---\nAbout us.\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> SiteContext:
    files = {"site.toml": "per_page = 6\n" + SITE_TOML, PHOTO_PATH: tiny_jpeg(), **PROFILES, **CONTENT}
    root = write_site(tmp_path_factory.mktemp("tiny") / "site", files=files)
    config = load_config(root)
    loaded = load_site(root, config, today=TODAY)
    assert loaded.diagnostics == []
    # A card is the mentor's slug here, so listings can be read back.
    return site_context(
        config,
        published_mentors(config, loaded.mentors),
        loaded.guides,
        {},
        lambda v: Markup(v.slug),
        messages_for(config.language),
    )


def test_directory_is_paginated(site):
    """Seven mentors at six per page: /mentors/ and /mentors/page/2/, accepting mentors first."""
    pages = list(generators.directory(site))
    assert [p.path for p in pages] == ["mentors/index.html", "mentors/page/2/index.html"]
    assert {p.template for p in pages} == {"directory.html"} and {p.inputs for p in pages} == {ALL_MENTORS}
    assert [p.context["cards"] for p in pages] == [[f"person-{i}" for i in range(6)], ["person-6"]]
    assert pages[1].context["page"] == {
        "path": "mentors/page/2/",
        "title": "Mentor directory (page 2 of 2)",
        "description": "All 7 mentors of Test Org.",
        "updated": site.views["person-6"].updated,
        "preview": site_preview(site.config, "mentors/page/2/", "Mentor directory (page 2 of 2)", site_image(site)),
    }
    assert pages[1].context["pagination"]["prev_url"] == "mentors/"


def test_mentor_pages_depend_on_the_mentors_they_show(site):
    """One page per mentor; a mentor taking no mentees also shows (and depends on) similar mentors."""
    pages = {p.path: p for p in generators.mentor_pages(site)}
    assert list(pages) == [f"mentors/person-{i}/index.html" for i in range(7)]
    assert pages["mentors/person-0/index.html"].inputs == Inputs(mentors=frozenset({"person-0"}))
    assert pages["mentors/person-6/index.html"].inputs == Inputs(
        mentors=frozenset({"person-6", "person-0", "person-1", "person-2"})
    )
    assert pages["mentors/person-6/index.html"].origin == "mentors/person-6"


def test_facet_pages_index_each_facet_and_list_each_value(site):
    assert [p.path for p in generators.facet_pages(site)] == [
        "tags/index.html",
        "tags/leadership/index.html",
        "tags/leadership/page/2/index.html",
        "tags/writing/index.html",
        "tags/writing/page/2/index.html",
        "industry/index.html",
        "industry/technology/index.html",
        "industry/technology/page/2/index.html",
        "countries/index.html",
        "countries/pt/index.html",
        "countries/pt/page/2/index.html",
        "languages/index.html",
        "languages/en/index.html",
        "languages/en/page/2/index.html",
        "languages/pt/index.html",
        "languages/pt/page/2/index.html",
        "formats/index.html",
        "formats/one-to-one/index.html",
        "formats/one-to-one/page/2/index.html",
    ]


def test_guide_pages(site):
    """The guides index, then guides under guides/ and content pages at the top level."""
    pages = list(generators.guide_pages(site))
    assert [(p.path, p.origin, p.template) for p in pages] == [
        ("guides/index.html", "guides index", "guides.html"),
        ("guides/hello/index.html", "content/guides/hello.md", "guide.html"),
        ("about/index.html", "content/about.md", "page.html"),
    ]
    assert pages[2].inputs == Inputs(guides=frozenset({"about"}), all_guides=True)


def test_sitemap_lists_page_folders_but_not_the_thank_you_page(site):
    """Only index.html pages are listed, by folder, sorted; the noindex thank-you page is left out.
    A page's lastmod is the `updated` date its generator gave it (none: no lastmod)."""
    paths = ["index.html", "404.html", "assets/style.css", "contact/thanks/index.html"]
    listing = Page("mentors/index.html", "m", "directory.html", {"page": {"updated": date(2026, 5, 1)}})
    sitemap, robots = generators.crawler_files(site, [listing, *(File(path, path, "") for path in paths)])
    assert (sitemap.path, sitemap.template, sitemap.context) == (
        "sitemap.xml",
        "sitemap.xml",
        {"paths": ["", "mentors/"], "lastmod": {"": "", "mentors/": "2026-05-01"}},
    )
    assert (robots.path, robots.template) == ("robots.txt", "robots.txt")


def test_the_sitemap_is_updated_where_its_pages_changed_though_other_outputs_come_and_go(site, monkeypatch):
    """Serve: an edit that adds or drops an output the sitemap does not list (a search shard for a
    bio's new word) still finds the last sitemap's entries by place; only a replaced page is
    looked at again, and the sitemap changes with it."""
    site = replace(site, derived=DerivedCache())
    site.derived.begin(b"settings")
    pages = [Page(f"p{i}/index.html", "m", "page.html", {"page": {"updated": date(2026, 5, i + 1)}}) for i in range(4)]
    shard = File("search/t/200.json", "search", "{}")
    first = next(generators.crawler_files(site, [pages[0], pages[1], pages[2], pages[3]]))
    looked: list[str] = []
    entry = generators._sitemap_entry
    monkeypatch.setattr(generators, "_sitemap_entry", lambda o, u: looked.append(o.path) or entry(o, u))
    again = next(generators.crawler_files(site, [pages[0], pages[1], shard, pages[2], pages[3]]))
    assert looked == [] and again is first  # nothing listed changed: the very same sitemap
    edited = replace(pages[2], context={"page": {"updated": date(2026, 6, 30)}})
    after = next(generators.crawler_files(site, [pages[0], pages[1], edited, pages[3]]))
    assert looked == ["p2/index.html"]
    assert after.context["lastmod"] == {
        "p0/": "2026-05-01",
        "p1/": "2026-05-02",
        "p2/": "2026-06-30",
        "p3/": "2026-05-04",
    }


def test_site_overrides_robots_txt(tmp_path):
    """A site's templates/robots.txt is published instead of the theme's; the sitemap stays the theme's."""
    robots = 'User-agent: *\nDisallow: /match/\nSitemap: {{ abs_url("sitemap.xml") }}\n\n'
    root = write_site(tmp_path / "site", files={"templates/robots.txt": robots})
    report = build_site(root, tmp_path / "out", today=date(2026, 6, 1))
    assert report.errors == []
    assert (tmp_path / "out" / "robots.txt").read_text() == (
        "User-agent: *\nDisallow: /match/\nSitemap: http://localhost:8000/sitemap.xml\n"
    )
    assert (tmp_path / "out" / "sitemap.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<urlset')


def test_an_edit_makes_again_only_the_listings_of_the_mentors_it_changed(tmp_path):
    """In a process that builds again and again (serve), a facet value's listing pages are
    the very same objects while none of its members' views changed; the listings of the
    edited mentor's values are made again, and equal what a fresh context gives."""
    tags = ["leadership", "writing", "finance", "design"]
    files = {
        f"mentors/person-{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}")
        .replace("ada.private@", f"p{i}.private@")
        .replace("photo: photos/ada.jpg\n", "")
        .replace("tags: [leadership, writing]", f"tags: [{tags[i % 4]}]")
        .replace("languages: [en, pt]", "languages: [en]" if i % 2 else "languages: [pt]")
        for i in range(8)
    }
    root = write_site(tmp_path / "site", files={"site.toml": SITE_TOML, **files})
    config = load_config(root)
    derived = DerivedCache()

    def context(loaded_mentors) -> SiteContext:
        derived.begin(b"the same settings")
        card = lambda v: Markup(v.slug)  # noqa: E731
        return site_context(config, loaded_mentors, [], {}, card, messages_for(config.language), derived)

    mentors = load_site(root, config, today=TODAY).mentors
    first = context(mentors)
    before = {p.path: p for p in generators.facet_pages(first)}
    edited = [replace(m, bio_html=m.bio_html + "<p>More.</p>") if m.slug == "person-1" else m for m in mentors]
    second = context(edited)
    after = {p.path: p for p in generators.facet_pages(second)}
    assert second.changed_since(first.made_as) == {"person-1"}
    listings = {path: page for path, page in after.items() if "value" in page.context}
    remade = {path for path, page in listings.items() if page is not before[path]}
    assert remade == {path for path, page in listings.items() if "person-1" in page.context["cards"]}
    assert {"tags/writing/index.html", "languages/en/index.html"} <= remade
    assert {"tags/leadership/index.html", "languages/pt/index.html"} <= listings.keys() - remade
    fresh = site_context(config, edited, [], {}, lambda v: Markup(v.slug), messages_for(config.language))
    assert {p.path: p.context for p in generators.facet_pages(fresh)} == {p: page.context for p, page in after.items()}


def test_a_remade_listing_keeps_its_pages_that_show_no_edited_mentor(tmp_path, monkeypatch):
    """A value listing made again because one member changed keeps the very pages that list
    none of the changed mentors, whether or not the derived cache still holds them: only the
    pages that show an edited mentor are asked of it and made again."""
    files = {
        f"mentors/person-{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}")
        .replace("ada.private@", f"p{i}.private@")
        .replace("photo: photos/ada.jpg\n", "")
        .replace("tags: [leadership, writing]", "tags: [writing]")
        for i in range(20)
    }
    toml = SITE_TOML.replace('language = "en"\n', 'language = "en"\nper_page = 6\n', 1)
    root = write_site(tmp_path / "site", files={"site.toml": toml, **files})
    config = load_config(root)
    derived = DerivedCache()
    asked: list[tuple] = []
    get = DerivedCache.get

    def counted(self, kind, sources, *rest):
        if kind == "listing":
            asked.append(sources)
        return get(self, kind, sources, *rest)

    monkeypatch.setattr(DerivedCache, "get", counted)

    def listings(loaded_mentors) -> dict[str, Page]:
        derived.begin(b"the same settings")
        card = lambda v: Markup(v.slug)  # noqa: E731
        site = site_context(config, loaded_mentors, [], {}, card, messages_for(config.language), derived)
        return {p.path: p for p in generators.facet_pages(site) if "value" in p.context}

    mentors = load_site(root, config, today=TODAY).mentors
    first = listings(mentors)
    assert sorted(path for path in first if path.startswith("tags/writing/")) == [
        "tags/writing/index.html",
        "tags/writing/page/2/index.html",
        "tags/writing/page/3/index.html",
        "tags/writing/page/4/index.html",
    ]
    edited = [replace(m, bio_html=m.bio_html + "<p>More.</p>") if m.slug == "person-15" else m for m in mentors]
    shown = {path for path, page in first.items() if "person-15" in page.context["cards"]}
    assert "tags/writing/page/2/index.html" in shown
    assert len(shown) == 6  # one page of each value listing: tags, languages (2), industry, country, format
    derived._entries = {k: e for k, e in derived._entries.items() if k[0] != "listing"}  # as begin() may drop them
    asked.clear()
    second = listings(edited)
    assert {path for path in second if second[path] is not first[path]} == shown
    assert len(asked) == len(shown)
    assert all("person-15" in second[path].context["cards"] for path in shown)


DAYS = [None, date(2025, 1, 1), date(2026, 3, 1), date(2026, 6, 1)]
SUMMARY_EDITS = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.sampled_from(["joined", "last_reviewed", "featured", "accepting"]),
        st.integers(0, len(DAYS) - 1),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=SUMMARY_EDITS)
def test_the_home_summary_updated_edit_by_edit_equals_one_made_again(tmp_path_factory, edits):
    """After each edit of a date, `featured` or availability, the summary serve updates from
    the last one (the newest, the last update, the accepting count, the featured) is the one
    made from every view; so are the newest mentors of the feed."""
    files = {
        f"mentors/person-{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}")
        .replace("ada.private@", f"p{i}.private@")
        .replace("photo: photos/ada.jpg\n", f"joined: 2025-0{1 + i % 6}-01\nfeatured: {str(i % 3 == 0).lower()}\n")
        for i in range(8)
    }
    root = write_site(tmp_path_factory.mktemp("summary") / "site", files={"site.toml": SITE_TOML, **files})
    config = load_config(root)
    derived = DerivedCache()
    mentors = load_site(root, config, today=TODAY).mentors
    card = lambda v: Markup(v.slug)  # noqa: E731
    for index, field, choice in [(0, "featured", 0), *edits]:
        loaded = mentors[index]
        if field == "featured":
            mentor = loaded.mentor.model_copy(update={"featured": choice % 2 == 1})
        elif field == "accepting":
            availability = loaded.mentor.availability.model_copy(update={"accepting": choice % 2 == 1})
            mentor = loaded.mentor.model_copy(update={"availability": availability})
        else:
            mentor = loaded.mentor.model_copy(update={field: DAYS[choice]})
        mentors[index] = replace(loaded, mentor=mentor)
        derived.begin(b"the same settings")
        site = site_context(config, list(mentors), [], {}, card, messages_for(config.language), derived)
        assert generators._summary(site) == generators._home_summary(generators._in_order(site))
        # And the feed's newest, three of them (so that edits happen outside them too).
        dated = [v for v in generators._in_order(site) if v.joined]
        assert generators._newest_joined(site, 3) == sorted(dated, key=lambda v: (v.joined, v.slug), reverse=True)[:3]


def test_views_share_their_facet_refs_and_show_the_loaded_bio_itself(site, tmp_path):
    """Every view showing a tag shows the one ref of it (refs are frozen), and a view's bio is
    the very Markup the profile was loaded with, not a copy: a build holds all of them."""
    views = [site.views[f"person-{i}"] for i in range(7)]
    assert [t.key for t in views[0].tags] == ["leadership", "writing"]
    assert all(v.tags[0] is views[0].tags[0] and v.tags[1] is views[0].tags[1] for v in views)
    assert all(v.languages[0] is views[0].languages[0] for v in views)
    assert views[0].tags[0] is not views[0].tags[1]
    files = {"site.toml": SITE_TOML, **PROFILES}
    root = write_site(tmp_path / "site", files=files)
    config = load_config(root)
    loaded = load_site(root, config, today=TODAY)
    assert type(loaded.mentors[0].bio_html) is Markup
    made = site_context(config, loaded.mentors, [], {}, lambda v: Markup(v.slug), messages_for(config.language))
    assert made.views[loaded.mentors[0].slug].bio_html is loaded.mentors[0].bio_html


def test_a_profile_page_writes_its_json_ld_as_it_renders_and_its_key_covers_it(site):
    """A mentor page holds no JSON-LD text, only what it is made from (ProfilePreview): it gives
    exactly what mentor_preview writes, and the digest a page key takes of it follows the view
    and the trail, not the card (the JSON-LD shows none)."""
    from mentorsite.buildcache import Digests
    from mentorsite.previews import ProfilePreview, mentor_preview

    pages = {p.path: p for p in generators.mentor_pages(site)}
    page = pages["mentors/person-1/index.html"]
    preview = page.context["page"]["preview"]
    view, crumbs = site.views["person-1"], page.context["breadcrumbs"]
    assert type(preview) is ProfilePreview and preview.og_type == "profile"
    assert preview.json_ld == mentor_preview(site.config, view, preview.image, crumbs).json_ld
    assert '"name":"Person 1"' in preview.json_ld

    def digest(preview: ProfilePreview) -> bytes:
        return Digests().of(preview)

    same = ProfilePreview(preview.image, site.config, replace(view, card=Markup("<b>other</b>")), list(crumbs))
    assert digest(same) == digest(preview)
    renamed = replace(view, name="Person One")
    assert digest(ProfilePreview(preview.image, site.config, renamed, crumbs)) != digest(preview)
    trail = [*crumbs[:1], replace(crumbs[1], label="Person One")]
    assert digest(ProfilePreview(preview.image, site.config, view, trail)) != digest(preview)
