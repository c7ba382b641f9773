"""Rich previews and discovery: JSON-LD, Open Graph and Twitter tags, social cards, Atom feeds,
sitemap lastmod and the accessibility statement, on the example site and on small sites."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import yaml
from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site
from PIL import Image

from mentorsite.build import build_site
from mentorsite.card_fonts import font_files
from mentorsite.previews import script_json
from mentorsite.social_cards import CardSpec, draw

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_TODAY = date(2026, 11, 23)
BASE = "http://localhost:8000/"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class Head(HTMLParser):
    """The meta tags (property or name -> content), JSON-LD scripts and breadcrumb labels of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.crumbs: list[str] = []
        self._in_ld = self._in_crumbs = self._in_link = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a["content"]
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"
        if tag == "nav" and a.get("class") == "breadcrumb":
            self._in_crumbs = True
        self._in_link = self._in_crumbs and tag == "a"

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_crumbs = False
        self._in_ld = self._in_link = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(data)
        elif self._in_link:
            self.crumbs.append(data)


def head(path: Path) -> Head:
    return Head(path.read_text(encoding="utf-8"))


def graph(page: Head) -> list[dict]:
    (text,) = page.json_ld
    data = json.loads(text)
    assert data["@context"] == "https://schema.org"
    return data["@graph"]


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    report = build_site(ROOT, out, today=EXAMPLE_TODAY, clean=True)
    assert report.errors == []
    return out


def test_json_ld_names_the_right_types(example):
    """Home: the publisher and the WebSite; a profile: a ProfilePage whose main entity is a Person,
    with a BreadcrumbList matching the visible trail; a guide: an Article with its trail."""
    assert [n["@type"] for n in graph(head(example / "index.html"))] == ["Organization", "WebSite"]
    profile = head(example / "mentors/aino-virtanen/index.html")
    organisation, page, crumbs = graph(profile)
    assert (organisation["@type"], page["@type"], page["mainEntity"]["@type"], crumbs["@type"]) == (
        "Organization",
        "ProfilePage",
        "Person",
        "BreadcrumbList",
    )
    assert organisation == {
        "@type": "Organization",
        "@id": BASE + "#organization",
        "name": "Northbridge College Alumni Association",
        "url": BASE,
        "logo": BASE + "assets/logo.svg",
    }
    person = page["mainEntity"]
    assert person == {
        "@type": "Person",
        "name": "Aino Virtanen",
        "description": "Game designer and programmer; getting into games, prototyping and design systems",
        "url": BASE + "mentors/aino-virtanen/",
        "jobTitle": "Lead Game Designer",
        "worksFor": {"@type": "Organization", "name": "Revontuli Games"},
        "image": person["image"],
        "knowsAbout": ["Design", "Software engineering"],
        "knowsLanguage": ["fi", "sv", "en"],
    }
    assert person["image"].startswith(BASE + "mentors/aino-virtanen/photo-")
    assert [i["name"] for i in crumbs["itemListElement"]] == profile.crumbs == ["Mentors", "Aino Virtanen"]
    assert [i["item"] for i in crumbs["itemListElement"]] == [BASE + "mentors/", BASE + "mentors/aino-virtanen/"]
    guide = head(example / "guides/finding-a-mentor/index.html")
    assert [n["@type"] for n in graph(guide)] == ["Organization", "Article", "BreadcrumbList"]
    assert [i["name"] for i in graph(guide)[2]["itemListElement"]] == guide.crumbs
    assert graph(guide)[1]["dateModified"] == "2026-11-24"


def test_no_email_or_private_field_in_previews(example):
    """No JSON-LD block, meta tag or feed of the whole built example site holds an email address
    (every profile has a private `email`)."""
    private = {yaml.safe_load(p.read_text())["email"] for p in (ROOT / "mentors").glob("*.yaml")}
    assert len(private) >= 50
    checked = 0
    for page in example.rglob("*.html"):
        found = head(page)
        for text in [*found.json_ld, *found.meta.values()]:
            assert not EMAIL.search(text), (page, text)
            checked += 1
    for feed in ("feed.xml", "guides/feed.xml"):
        text = (example / feed).read_text()
        assert not EMAIL.search(text) and not any(address in text for address in private)
    assert checked > 2000


def test_open_graph_and_twitter_tags_exact(example):
    """og:type is profile on a mentor page, article on a guide, website elsewhere; every one
    shows its 1200×630 card as a large-image Twitter card."""

    def tags(path: str) -> dict[str, str]:
        meta = head(example / path).meta
        return {k: v for k, v in meta.items() if k.startswith(("og:", "twitter:"))}

    def image(path: str, alt: str) -> dict[str, str]:
        return {
            "og:image": BASE + path,
            "og:image:type": "image/png",
            "og:image:width": "1200",
            "og:image:height": "630",
            "og:image:alt": alt,
            "twitter:card": "summary_large_image",
            "twitter:image:alt": alt,
        }

    headline = "Game designer and programmer; getting into games, prototyping and design systems"
    assert tags("mentors/aino-virtanen/index.html") == {
        "og:url": BASE + "mentors/aino-virtanen/",
        "og:type": "profile",
        "og:site_name": "Northbridge Alumni Mentors",
        "og:title": "Aino Virtanen",
        "og:description": headline,
        **image("social/mentors/aino-virtanen.png", "Aino Virtanen"),
        "twitter:title": "Aino Virtanen",
        "twitter:description": headline,
    }
    guide = tags("guides/finding-a-mentor/index.html")
    assert (guide["og:type"], guide["og:image"], guide["twitter:card"]) == (
        "article",
        BASE + "social/guides/finding-a-mentor.png",
        "summary_large_image",
    )
    home = tags("index.html")
    assert {k: home[k] for k in ("og:type", "og:url", "og:title")} == {
        "og:type": "website",
        "og:url": BASE,
        "og:title": "Northbridge Alumni Mentors",
    }
    assert {k: v for k, v in home.items() if "image" in k or k == "twitter:card"} == image(
        "social/site.png", "Northbridge Alumni Mentors"
    )
    for path in ("social/site.png", "social/mentors/aino-virtanen.png", "social/guides/finding-a-mentor.png"):
        assert Image.open(example / path).size == (1200, 630)


def test_feeds_validate_and_list_the_expected_entries(example):
    """feed.xml: mentors with a `joined` date, newest first, at most [previews] feed_entries (20);
    guides/feed.xml: guides by `updated`. Both parse as well-formed Atom 1.0."""
    profiles = {p.stem: yaml.safe_load(p.read_text()) for p in (ROOT / "mentors").glob("*.yaml")}
    joined = sorted(
        ((m["joined"], slug) for slug, m in profiles.items() if m.get("joined") and m.get("active", True)),
        reverse=True,
    )
    mentors = feedparser.parse((example / "feed.xml").read_bytes())
    assert (mentors.bozo, mentors.version) == (False, "atom10")
    assert [e.id for e in mentors.entries] == [f"{BASE}mentors/{slug}/" for _, slug in joined[:20]]
    first = mentors.entries[0]
    slug = joined[0][1]
    assert (first.title, first.summary, first.link, first.published) == (
        profiles[slug]["name"],
        profiles[slug]["headline"],
        f"{BASE}mentors/{slug}/",
        f"{joined[0][0].isoformat()}T00:00:00Z",
    )
    assert mentors.feed.id == BASE + "feed.xml" and mentors.feed.author == "Northbridge College Alumni Association"
    guides = feedparser.parse((example / "guides/feed.xml").read_bytes())
    assert (guides.bozo, guides.version) == (False, "atom10")
    # A translation (code-of-conduct.fr.md) belongs to the French tree, which this site does not build.
    slugs = sorted(p.stem for p in (ROOT / "content/guides").glob("*.md") if "." not in p.stem)
    # Every example guide was updated the same day: ties go by slug, last first.
    assert [e.id for e in guides.entries] == [f"{BASE}guides/{s}/" for s in reversed(slugs)]
    assert {e.updated for e in guides.entries} == {"2026-11-24T00:00:00Z"}
    home = (example / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.xml" title="New mentors">' in home


def test_sitemap_lastmod_comes_from_the_data(example):
    """A profile's lastmod is its last_reviewed (else joined), a guide's its `updated`, a listing's
    the newest of its members; all in W3C date format."""
    sitemap = (example / "sitemap.xml").read_text()
    lastmod = dict(re.findall(r"<loc>([^<]+)</loc>(?:<lastmod>([^<]+)</lastmod>)?", sitemap))
    assert lastmod[BASE + "mentors/aino-virtanen/"] == "2026-03-16"
    assert lastmod[BASE + "guides/finding-a-mentor/"] == "2026-11-24"
    assert lastmod[BASE] == "2026-11-24"  # the newest of every mentor and guide
    dates = {v for v in lastmod.values() if v}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates) and len(lastmod) > 100


def test_accessibility_statement_in_the_theme(example):
    """/accessibility/, linked from every page's footer, names programme_email as the contact."""
    page = (example / "accessibility/index.html").read_text()
    assert "<h1>Accessibility statement</h1>" in page
    assert "WCAG) 2.1 at level AA" in page
    assert 'please tell us: <a href="mailto:mentoring@northbridge.example">mentoring@northbridge.example</a>.' in page
    assert '<li><a href="/accessibility/">Accessibility</a></li>' in (example / "mentors/index.html").read_text()


HOSTILE = "</script><script>alert(1)</script> & <!-- x"


def small_site(root: Path, extra_toml: str = "", headline: str = "", name: str = "") -> Path:
    profile = GOOD_PROFILE
    if headline:
        profile = re.sub(r"(?m)^headline: .*$", lambda _: "headline: " + json.dumps(headline), profile)
    if name:
        profile = profile.replace("name: Ada Example", f"name: {name}")
    files = {"site.toml": SITE_TOML + extra_toml, PHOTO_PATH: tiny_jpeg(), "mentors/ada.yaml": profile}
    return write_site(root, files=files)


def test_hostile_headline_stays_inside_the_json(tmp_path):
    """A headline that tries to close the script element is escaped inside the JSON and parses back equal."""
    site = small_site(tmp_path / "site", headline=HOSTILE)
    report = build_site(site, tmp_path / "out", today=TODAY)
    assert report.errors == [], report.errors
    html = (tmp_path / "out/mentors/ada/index.html").read_text()
    page = Head(html)
    assert graph(page)[1]["mainEntity"]["description"] == HOSTILE
    assert "alert(1)</script>" not in html.split("</head>")[0].replace("&lt;/script&gt;", "")
    assert len(page.json_ld) == 1
    assert str(script_json({"a": "</script>&\u2029"})) == '{"a":"\\u003c/script\\u003e\\u0026\\u2029"}'


def test_social_cards_are_deterministic_png(tmp_path):
    """Two clean builds draw byte-identical 1200×630 cards, with no time or text chunk in the PNG."""
    site = small_site(tmp_path / "site", name="يوسف الحسن")
    for out in ("one", "two"):
        assert build_site(site, tmp_path / out, today=TODAY, clean=True).errors == []
    first = (tmp_path / "one/social/mentors/ada.png").read_bytes()
    assert first == (tmp_path / "two/social/mentors/ada.png").read_bytes()
    image = Image.open(io.BytesIO(first))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert not {b"tIME", b"tEXt", b"iTXt", b"zTXt"} & {first[i : i + 4] for i in range(len(first) - 4)}


def test_cards_leave_unshapable_text_off_visibly():
    """Without shaping, Arabic text is left off the card (as if empty), never drawn as loose letters."""
    regular, bold = font_files(Path("."), "")
    arabic = CardSpec("يوسف الحسن", "مهندس", "Site", "#1f5f8b", "ي", regular=regular, bold=bold, shaping=False)
    other = replace(arabic, title="ليلى", subtitle="طبيبة أطفال", initials="ل")
    assert draw(arabic) == draw(other) != draw(replace(arabic, shaping=True))


def test_cards_off(tmp_path):
    """[previews] social_cards = false: no card is drawn, pages fall back to a summary Twitter card."""
    site = small_site(tmp_path / "site", "\n[previews]\nsocial_cards = false\n")
    assert build_site(site, tmp_path / "out", today=TODAY).errors == []
    assert not (tmp_path / "out/social").exists()
    meta = head(tmp_path / "out/mentors/ada/index.html").meta
    assert "og:image" not in meta and meta["twitter:card"] == "summary"


def test_missing_card_font_is_an_error(tmp_path):
    """A [previews] font that is not a font file stops the build, named at site.toml."""
    site = small_site(tmp_path / "site", '\n[previews]\nfont = "fonts/none.ttf"\n')
    report = build_site(site, tmp_path / "out", today=TODAY)
    assert [(d.path, d.message) for d in report.errors] == [
        ("site.toml", "[previews] font 'fonts/none.ttf' is not a TrueType or OpenType font file in the site")
    ]


def test_accessibility_settings(tmp_path):
    """[accessibility] names another contact page, adds the site's known limits and the review date."""
    toml = '\n[accessibility]\ncontact = "https://example.org/a11y"\nknown_limits = ["PDF forms are not tagged."]\nreviewed = 2026-05-04\n'
    site = small_site(tmp_path / "site", toml)
    assert build_site(site, tmp_path / "out", today=TODAY).errors == []
    page = (tmp_path / "out/accessibility/index.html").read_text()
    assert 'please tell us: <a href="https://example.org/a11y">https://example.org/a11y</a>.' in page
    assert "<li>PDF forms are not tagged.</li>" in page
    assert 'last reviewed on <time datetime="2026-05-04">4 May 2026</time>.' in page


def test_own_accessibility_page_replaces_the_theme_statement(tmp_path):
    """A site's content/accessibility.md is published at /accessibility/ instead of the theme's statement."""
    site = small_site(tmp_path / "site")
    (site / "content").mkdir(exist_ok=True)
    (site / "content/accessibility.md").write_text("---\ntitle: Our own statement\n---\nWritten by us.\n")
    assert build_site(site, tmp_path / "out", today=TODAY).errors == []
    page = (tmp_path / "out/accessibility/index.html").read_text()
    assert "<h1>Our own statement</h1>" in page and "WCAG" not in page
