"""Page generators: the exact records each kind of page yields for a tiny site."""

from __future__ import annotations

from datetime import date

import pytest
from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site
from markupsafe import Markup

from mentorsite import generators
from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.context import SiteContext, published_mentors, site_context
from mentorsite.load import load_site
from mentorsite.messages import messages_for
from mentorsite.outputs import ALL_MENTORS, Inputs

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
    """Only index.html pages are listed, by folder, sorted; the noindex thank-you page is left out."""
    paths = ["mentors/index.html", "index.html", "404.html", "assets/style.css", "contact/thanks/index.html"]
    sitemap, robots = generators.crawler_files(site, paths)
    assert (sitemap.path, sitemap.template, sitemap.context) == (
        "sitemap.xml",
        "sitemap.xml",
        {"paths": ["", "mentors/"]},
    )
    assert (robots.path, robots.template) == ("robots.txt", "robots.txt")


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
