"""Golden-site tests: build tests/sites/basic (published under a sub-path) and check the tree.

The whole output is compared file by file with the committed tree tests/golden/basic/; after an
intended change of the output, regenerate it and read the diff before committing:

    UPDATE_GOLDEN=1 pytest tests/test_golden_site.py tests/test_invalid_sites.py
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from mentorsite.build import build_site

FIXTURE = Path(__file__).parent / "sites" / "basic"
GOLDEN = Path(__file__).parent / "golden" / "basic"
BASE = "https://org.github.io/mentors/"
PUBLISHED = {"ana-lima", "bo-chen", "chidi-okeke", "dana-berg", "eva-novak"}
#: The golden tree must stay small enough to read and review.
GOLDEN_LIMIT = 1_000_000


def update_golden() -> bool:
    """UPDATE_GOLDEN=1 rewrites the expected files instead of comparing with them."""
    return os.environ.get("UPDATE_GOLDEN", "") not in ("", "0")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.mentor_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src", "action"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if attrs.get("srcset"):
            self.links += [part.strip().split(" ")[0] for part in attrs["srcset"].split(",")]


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def build_fixture(parent: Path) -> Path:
    """Build a copy of the fixture site (fixed today) in parent; returns its output folder."""
    work = parent / "site"
    shutil.copytree(FIXTURE, work)
    report = build_site(work, today=date(2026, 11, 23))
    assert report.errors == [], [d.human() for d in report.errors]
    assert report.written
    return work / "_site"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("golden"))


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def difference(name: str, expected: bytes, actual: bytes) -> str:
    """A unified diff for text (JSON laid out one value a line first), sizes for anything else."""
    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: {len(expected)} bytes expected, {len(actual)} built (binary)"
    if name.endswith(".json"):
        with contextlib.suppress(ValueError):
            old, new = (json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n" for text in (old, new))
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"golden/{name}", f"built/{name}", n=2
    )
    return "".join(lines)


def test_output_matches_the_golden_tree(site):
    """Every output file, and nothing else, is byte for byte the committed one in tests/golden/basic/."""
    built = files_under(site)
    if update_golden():
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(site, GOLDEN)
    expected = files_under(GOLDEN)
    missing, extra = sorted(expected.keys() - built.keys()), sorted(built.keys() - expected.keys())
    assert (missing, extra) == ([], []), "(not built, not in golden); UPDATE_GOLDEN=1 regenerates tests/golden/basic/"
    changed = [difference(name, expected[name], built[name]) for name in expected if expected[name] != built[name]]
    assert not changed, "\n".join(changed[:10]) + "\n(UPDATE_GOLDEN=1 regenerates tests/golden/basic/)"
    assert sum(map(len, expected.values())) < GOLDEN_LIMIT


def test_the_build_is_deterministic(site, tmp_path):
    """A second build of the same site in another folder writes the same bytes (the golden tree can be trusted)."""
    assert files_under(build_fixture(tmp_path)) == files_under(site)


def page_url(out: Path, file: Path) -> str:
    rel = file.relative_to(out).as_posix()
    return BASE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def target_file(out: Path, url: str) -> Path | None:
    path = urlsplit(url).path
    if not path.startswith("/mentors/"):
        return None
    rel = path[len("/mentors/") :]
    candidate = out / rel
    return candidate / "index.html" if rel == "" or rel.endswith("/") else candidate


def mentor_slugs_on(page: Path) -> set[str]:
    """Slugs of the mentor cards linked from a listing page."""
    html = page.read_text(encoding="utf-8")
    cards = re.findall(r'<article class="card">(.*?)</article>', html, re.S)
    found = set()
    for card in cards:
        match = re.search(r'href="/mentors/mentors/([a-z0-9-]+)/"', card)
        assert match, card
        found.add(match.group(1))
    return found


def test_every_published_mentor_has_a_page_and_paused_ones_do_not(site):
    """Each active profile gets /mentors/<slug>/; `active: false` keeps a profile off the site."""
    pages = {p.parent.name for p in (site / "mentors").glob("*/index.html")}
    assert pages == PUBLISHED
    assert not (site / "mentors" / "paused-person").exists()
    assert mentor_slugs_on(site / "mentors" / "index.html") == PUBLISHED


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # "management" is an alias of leadership; paused-person has it too but is not published
        ("tags/leadership", {"ana-lima", "chidi-okeke", "eva-novak"}),
        ("tags/data-science", {"ana-lima", "bo-chen"}),  # "data" is an alias
        ("tags/writing", {"chidi-okeke", "dana-berg"}),
        ("industry/technology", {"ana-lima", "chidi-okeke"}),
        ("industry/education", {"bo-chen", "eva-novak"}),
        ("countries/br", {"ana-lima"}),
        ("countries/no", {"dana-berg"}),  # `country: NO` unquoted is Norway, not false
        ("languages/en", {"ana-lima", "chidi-okeke", "dana-berg", "eva-novak"}),
        ("languages/yo", {"chidi-okeke"}),
        ("formats/one-to-one", {"ana-lima", "chidi-okeke"}),
        ("formats/reverse", {"dana-berg"}),
        # The site's own choice field: by key, label ("North chapter") or alias ("Southern");
        # paused-person's "south" is not published.
        ("chapter/north", {"ana-lima", "chidi-okeke"}),
        ("chapter/south", {"bo-chen"}),
        # The site's own year field, grouped by decade (paused-person's 2001 is not published).
        ("graduated/1990s", {"chidi-okeke"}),
        ("graduated/2000s", {"ana-lima", "eva-novak"}),
        ("graduated/2010s", {"bo-chen"}),
    ],
)
def test_facet_pages_list_exactly_the_right_mentors(site, page, expected):
    """A facet value page lists exactly the published mentors with that value."""
    assert mentor_slugs_on(site / page / "index.html") == expected


def test_facet_index_pages_count_values(site):
    """/tags/ lists every used value with its count; unused values get no page."""
    html = (site / "tags" / "index.html").read_text(encoding="utf-8")
    for value in ("leadership", "data-science", "writing"):
        assert f'href="/mentors/tags/{value}/"' in html
    assert not (site / "countries" / "pt").exists()  # only the paused mentor is in PT
    assert sorted(p.name for p in (site / "formats").iterdir() if p.is_dir()) == [
        "group",
        "one-to-one",
        "peer",
        "reverse",
    ]


def test_own_field_facets_have_exactly_their_used_values_in_order(site):
    """A facet over the site's own choice field has a page per used value; a year facet lists
    its decades oldest first, each with its count."""
    assert sorted(p.name for p in (site / "chapter").iterdir() if p.is_dir()) == ["north", "south"]
    assert sorted(p.name for p in (site / "graduated").iterdir() if p.is_dir()) == ["1990s", "2000s", "2010s"]
    html = (site / "graduated" / "index.html").read_text(encoding="utf-8")
    grid = html[html.index('<ul class="value-grid">') :]
    shown = re.findall(
        r'href="/mentors/graduated/([^/]+)/"><span class="facet-label">([^<]+)</span> <span class="count">(\d+)', grid
    )
    assert shown == [("1990s", "1990s", "1"), ("2000s", "2000s", "2"), ("2010s", "2010s", "1")]


def test_own_fields_are_shown_on_profiles_labelled_and_linked(site):
    """A profile shows the site's own fields under their labels: a choice by its label linked to
    its facet page, a year as written linked to its decade."""
    html = (site / "mentors" / "bo-chen" / "index.html").read_text(encoding="utf-8")
    assert '<div><dt>Alumni chapter</dt><dd><a href="/mentors/chapter/south/">South chapter</a></dd></div>' in html
    assert '<div><dt>Graduation year</dt><dd><a href="/mentors/graduated/2010s/">2012</a></dd></div>' in html
    assert "Alumni chapter" not in (site / "mentors" / "dana-berg" / "index.html").read_text(encoding="utf-8")


BOOKING = re.compile(r'<a[^>]*href="(https://cal\.example\.com/[^"]+)"[^>]*>Book a time')


def test_booking_link_only_for_accepting_mentors(site):
    """ "Book a time" opens the scheduling page (new tab, rel noopener) on an accepting mentor's page
    and card; a mentor not accepting shows it nowhere, though the profile has one."""
    page = (site / "mentors" / "ana-lima" / "index.html").read_text(encoding="utf-8")
    assert BOOKING.findall(page) == ["https://cal.example.com/ana-lima"]
    link = re.search(r"<a[^>]*>Book a time", page).group(0)
    assert 'target="_blank"' in link and 'rel="noopener nofollow ugc"' in link
    listing = (site / "mentors" / "index.html").read_text(encoding="utf-8")
    cards = dict(
        re.findall(r'<article class="card">.*?href="/mentors/mentors/([a-z0-9-]+)/"(.*?)</article>', listing, re.S)
    )
    assert {slug for slug, card in cards.items() if BOOKING.search(card)} == {"ana-lima"}
    for file in site.rglob("*"):
        if file.is_file():
            assert b"cal.example.com/chidi" not in file.read_bytes(), file


def test_every_internal_link_and_asset_resolves(site):
    """Every href/src/action under the base path points at a file in the output, and fragments exist."""
    broken = []
    for file in sorted(site.rglob("*.html")):
        parsed = parse(file)
        here = page_url(site, file)
        for link in parsed.links:
            url = urljoin(here, link)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.netloc != "org.github.io":
                continue
            target = target_file(site, url)
            if target is None:
                broken.append((file.relative_to(site).as_posix(), link, "outside the base path"))
            elif not target.is_file():
                broken.append((file.relative_to(site).as_posix(), link, "missing"))
            elif parts.fragment and target == file and parts.fragment not in parsed.ids:
                broken.append((file.relative_to(site).as_posix(), link, "no such id"))
    assert broken == []


def test_no_private_email_anywhere(site):
    """No file of any kind in the output contains a mentor's private email."""
    for file in site.rglob("*"):
        if file.is_file():
            assert b".private@example.org" not in file.read_bytes(), file


def test_sitemap_and_robots(site):
    """sitemap.xml lists every page by absolute URL under the base; robots.txt points to it."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    locs = set(re.findall(r"<loc>(.*?)</loc>", sitemap))
    pages = {page_url(site, p) for p in site.rglob("index.html")}
    assert locs == pages - {BASE + "contact/thanks/"}  # the thank-you page is noindex
    assert (site / "contact" / "thanks" / "index.html").is_file()
    assert BASE + "mentors/ana-lima/" in locs
    assert (site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"


def test_guides_have_a_table_of_contents_and_pages_exist(site):
    """Guides render with heading ids and a TOC linking to them; content/ pages get their own URL."""
    html = (site / "guides" / "first-contact-message" / "index.html").read_text(encoding="utf-8")
    assert 'id="greeting"' in html and 'href="#greeting"' in html
    assert 'id="details"' in html and 'href="#details"' in html
    assert (site / "about" / "index.html").is_file()
    assert (site / "404.html").is_file()


def test_full_mentor_gets_no_form_but_similar_mentors(site):
    """A mentor not accepting mentees has no contact form, and links to accepting mentors who share a tag."""
    html = (site / "mentors" / "chidi-okeke" / "index.html").read_text(encoding="utf-8")
    assert "<form" not in html
    assert 'href="/mentors/mentors/dana-berg/"' in html  # shares "writing" and is accepting
    open_html = (site / "mentors" / "ana-lima" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<form method="post"[^>]* action="http://127\.0\.0\.1:8787/requests"', open_html)


def test_pagination_splits_the_directory(tmp_path):
    """With more mentors than per_page, the directory continues at /mentors/page/2/ with the rest."""
    work = tmp_path / "site"
    shutil.copytree(FIXTURE, work)
    source = (work / "mentors" / "ana-lima.yaml").read_text()
    for index in range(8):
        (work / "mentors" / f"extra-{index}.yaml").write_text(
            source.replace("Ana Lima", f"Extra Person {index}").replace("ana-lima.private", f"extra{index}.private")
        )
    report = build_site(work, today=date(2026, 11, 23))
    assert report.errors == []
    out = work / "_site" / "mentors"
    pages = [
        mentor_slugs_on(out / "index.html"),
        mentor_slugs_on(out / "page" / "2" / "index.html"),
        mentor_slugs_on(out / "page" / "3" / "index.html"),
    ]
    assert [len(p) for p in pages] == [6, 6, 1]
    assert set().union(*pages) == PUBLISHED | {f"extra-{i}" for i in range(8)}
    assert not (out / "page" / "4").exists()
    assert 'href="/mentors/mentors/page/3/"' in (out / "index.html").read_text(encoding="utf-8")
