"""The resource hub (issue 15): the guides' links, next steps and originality, the links to them
where mentees decide, their placeholders, and the starter set `mentorsite init` ships."""

from __future__ import annotations

import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from markdown_it import MarkdownIt

from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.diagnostics import InputError
from mentorsite.scaffold import init_site, starter_guides, starter_guides_dir

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "content" / "guides"
FIXTURE = Path(__file__).parent / "sites" / "basic"
BASE = "https://example.org/hub/"
TODAY = date(2026, 11, 24)
#: The example site's guides: the starter set too.
SLUGS = {
    "finding-a-mentor",
    "first-contact-message",
    "how-requests-work",
    "mentoring-agreement",
    "running-mentoring-meetings",
    "being-a-good-mentee",
    "being-a-mentor",
    "forms-of-mentoring",
    "when-it-isnt-working",
    "code-of-conduct",
}


class _Page(HTMLParser):
    """Links and ids of a page, and the links inside elements with given ids or classes."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._open: list[tuple[str, str, str]] = []  # (tag, id, class)
        self.links_in: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag not in ("input", "img", "meta", "link", "br", "source"):
            self._open.append((tag, attrs.get("id") or "", attrs.get("class") or ""))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            for _, ident, classes in self._open:
                for name in [ident, *classes.split()]:
                    if name:
                        self.links_in.setdefault(name, []).append(attrs["href"])

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break


def parse(file: Path) -> _Page:
    page = _Page()
    page.feed(file.read_text(encoding="utf-8"))
    return page


def broken_links(out: Path, base: str, files: list[Path]) -> list[tuple[str, str]]:
    """(page, link) for every link in `files` that leaves no file (or no #id) in the output."""
    broken = []
    root_path = urlsplit(base).path
    for file in files:
        rel = file.relative_to(out).as_posix()
        here = urljoin(base, rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        for link in parse(file).links:
            url = urlsplit(urljoin(here, link))
            if url.scheme not in ("http", "https") or url.netloc != urlsplit(base).netloc:
                continue
            if not url.path.startswith(root_path):
                broken.append((rel, link))
                continue
            target = out / url.path[len(root_path) :]
            if url.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file() or (url.fragment and url.fragment not in parse(target).ids):
                broken.append((rel, link))
    return broken


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The repository's example site, built under a sub-path."""
    out = tmp_path_factory.mktemp("example") / "out"
    report = build_site(ROOT, out, base_url=BASE, today=TODAY)
    assert report.errors == [], [d.human() for d in report.errors]
    return out


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    """A site made by `mentorsite init`, built."""
    site = tmp_path_factory.mktemp("init") / "harbour-mentors"
    init_site(site, TODAY)
    report = build_site(site, base_url=BASE, today=TODAY)
    assert report.errors == [], [d.human() for d in report.errors]
    return site


def guide_sources() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(GUIDES.glob("*.md")) if "." not in path.stem}


def test_the_example_site_has_the_full_guide_set():
    """content/guides/ holds exactly the issue's guide set, and the French example as a translation beside its guide."""
    assert set(guide_sources()) == SLUGS
    assert sorted(p.relative_to(GUIDES).as_posix() for p in GUIDES.rglob("*.fr.md")) == ["code-of-conduct.fr.md"]


def test_every_internal_link_in_every_guide_resolves(example):
    """Every site-internal link on every guide page (and the guides index) reaches a file, and #ids exist."""
    files = sorted((example / "guides").rglob("index.html"))
    assert {f.parent.name for f in files} == SLUGS | {"guides"}
    assert broken_links(example, BASE, files) == []


def test_guides_link_to_directory_filters(example):
    """Guides send readers to the facet pages and filtered directory, not only to the directory's front page."""
    links = set()
    for slug in SLUGS:
        here = f"{BASE}guides/{slug}/"
        links |= {urljoin(here, link) for link in parse(example / "guides" / slug / "index.html").links}
    for target in ("formats/", "cadence/", "meeting/", "mentors/?accepting=1", "mentors/?formats=group"):
        assert BASE + target in links, target


def _sections(source: str) -> list[tuple[str, list]]:
    """(h2 title, tokens) for each level-2 section of a guide's Markdown."""
    tokens = MarkdownIt("commonmark").enable("table").parse(source.split("---", 2)[2])
    sections: list[tuple[str, list]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            sections.append((tokens[index + 1].content, []))
        elif sections:
            sections[-1][1].append(token)
    return sections


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_each_guide_ends_with_its_next_step(slug):
    """A guide's last section is "Next step" and links at least one other guide or directory page."""
    title, tokens = _sections(guide_sources()[slug])[-1]
    assert title == "Next step"
    hrefs = [
        child.attrGet("href")
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "link_open"
    ]
    internal = [h for h in hrefs if h.startswith("../") and f"../{slug}/" not in h]
    assert internal, hrefs


def _blocks(source: str) -> list[str]:
    """A guide's paragraphs, list items, table cells and code lines, normalised for comparison."""
    tokens = MarkdownIt("commonmark").enable("table").parse(source.split("---", 2)[2])
    texts = [t.content for t in tokens if t.type == "inline"]
    texts += [line for t in tokens if t.type == "fence" for line in t.content.split("\n")]
    normalised = (" ".join(re.sub(r"[^\w]+", " ", text.casefold()).split()) for text in texts)
    return [text for text in normalised if len(text.split()) >= 8]  # short lines ("[Your name]") may recur


def test_no_guide_repeats_another_guides_paragraph():
    """No paragraph, list item, table cell or template line of eight words or more appears in two guides."""
    seen: dict[str, str] = {}
    repeated = []
    for slug, source in guide_sources().items():
        for block in set(_blocks(source)):
            if block in seen:
                repeated.append((seen[block], slug, block))
            seen.setdefault(block, slug)
    assert repeated == []


def test_the_repeat_check_catches_a_copied_paragraph():
    """The normalisation ignores case, punctuation and line breaks, so a lightly edited copy is caught."""
    one = "---\ntitle: a\n---\nMentors are volunteers, so allow them a little time to reply to you.\n"
    two = "---\ntitle: b\n---\n- mentors are volunteers -- so allow them\n  a little time to reply to you!\n"
    assert (
        set(_blocks(one)) == set(_blocks(two)) == {"mentors are volunteers so allow them a little time to reply to you"}
    )


def test_example_mentees_share_no_name_with_an_example_mentor():
    """The people in the guides' examples are not the directory's mentors (first names compared as words)."""
    names = set()
    for profile in (ROOT / "mentors").glob("*.yaml"):
        match = re.search(r"^name: ['\"]?([^\s'\"(]+)", profile.read_text(encoding="utf-8"), re.M)
        names.add(match.group(1))
    text = "\n".join(guide_sources().values())
    assert {name for name in names if re.search(rf"\b{re.escape(name)}\b", text)} == set()


# --- links where mentees decide -----------------------------------------------------------------


def mentor_pages(out: Path) -> dict[str, _Page]:
    return {f.parent.name: parse(f) for f in sorted((out / "mentors").glob("*/index.html"))}


def test_every_mentor_page_links_the_guides_where_mentees_decide(example):
    """Expectations link the mentee guide, formats the forms guide, the contact section the first-contact guide,
    on accepting and non-accepting mentors' pages alike."""
    pages = mentor_pages(example)
    sources = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "mentors").glob("*.yaml")}
    with_expectations = {s for s, text in sources.items() if re.search(r"^expectations:", text, re.M)}
    not_accepting = {s for s, text in sources.items() if re.search(r"^\s+accepting: false", text, re.M)}
    assert set(pages) <= set(sources)
    for slug, page in pages.items():
        expected = ["/hub/guides/being-a-good-mentee/"] if slug in with_expectations else None
        assert page.links_in.get("section-guide") == expected, slug
        assert page.links_in.get("fact-guide") == ["/hub/guides/forms-of-mentoring/"], slug
        assert "/hub/guides/first-contact-message/" in page.links_in["contact"], slug
    assert with_expectations & set(pages) and not_accepting & set(pages), "both kinds of page were checked"


def test_the_request_sent_page_links_the_meetings_guide(example):
    """contact/thanks/ offers the meetings guide as its next step."""
    page = parse(example / "contact" / "thanks" / "index.html")
    assert "/hub/guides/running-mentoring-meetings/" in page.links_in["button-row"]
    assert "/hub/guides/" not in page.links_in["button-row"]


def test_guides_a_site_lacks_are_not_linked(tmp_path):
    """A site without the mentee, forms and meetings guides gets no such links, and the thank-you page
    falls back to the guides index; [guides] points a role at the site's own slug."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    report = build_site(site, today=TODAY)
    assert report.errors == []
    out = site / "_site"
    for slug, page in mentor_pages(out).items():
        assert "fact-guide" not in page.links_in and "section-guide" not in page.links_in, slug
    assert "/mentors/guides/" in parse(out / "contact" / "thanks" / "index.html").links_in["button-row"]
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[guides]\nmeetings = "meetings"\nformats = ""\n')
    assert build_site(site, today=TODAY).errors == []
    assert "/mentors/guides/meetings/" in parse(out / "contact" / "thanks" / "index.html").links_in["button-row"]


def test_a_guide_role_must_name_a_slug(tmp_path):
    """A [guides] value that cannot be a file name is a positioned config error."""
    (tmp_path / "site.toml").write_text('title = "t"\norganisation = "o"\n\n[guides]\nmentee = "Good Mentee"\n')
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert [d.human() for d in caught.value.diagnostics] == [
        "site.toml:5:1: error: 'guides.mentee': 'Good Mentee' is not a guide slug (the file name without .md); "
        "leave it empty for no link"
    ]


# --- placeholders ------------------------------------------------------------------------------


def placeholder_site(tmp_path: Path, toml_extra: str, body: str) -> Path:
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    text = (site / "site.toml").read_text(encoding="utf-8")
    (site / "site.toml").write_text(
        text.replace('organisation = "Fixture Society"\n', f'organisation = "Fixture Society"\n{toml_extra}')
    )
    (site / "content" / "guides" / "help.md").write_text(f"---\ntitle: Help\n---\n{body}", encoding="utf-8")
    return site


def test_placeholders_are_filled_from_site_toml(tmp_path):
    """{{< organisation >}} is the organisation; {{< contact >}} the programme_email as a mailto link, also in code."""
    site = placeholder_site(
        tmp_path,
        'programme_email = "mentoring@fixture.example"\n',
        "Ask {{< organisation >}} at {{< contact >}}.\n\n```text\nWrite to {{< contact >}}\n```\n",
    )
    assert build_site(site, today=TODAY).errors == []
    html = (site / "_site" / "guides" / "help" / "index.html").read_text(encoding="utf-8")
    assert (
        '<p>Ask Fixture Society at <a href="mailto:mentoring@fixture.example">mentoring@fixture.example</a>.</p>'
        in html
    )
    assert '<pre><code class="language-text">Write to mentoring@fixture.example\n</code></pre>' in html
    assert "{{&lt;" not in html


def test_contact_placeholder_names_the_organisation_without_a_programme_email(tmp_path):
    """With no programme_email, {{< contact >}} reads as the organisation's name, never as an empty link."""
    site = placeholder_site(tmp_path, "", "Write to {{< contact >}}.\n")
    assert build_site(site, today=TODAY).errors == []
    html = (site / "_site" / "guides" / "help" / "index.html").read_text(encoding="utf-8")
    assert "<p>Write to Fixture Society.</p>" in html


def test_an_unknown_placeholder_is_a_positioned_error(tmp_path):
    """A misspelt placeholder stops the build with its line and column and the names that exist."""
    site = placeholder_site(tmp_path, "", "Fine line.\n\nAsk {{< organization >}} today.\n")
    report = build_site(site, today=TODAY)
    assert [d.human() for d in report.errors] == [
        "content/guides/help.md:6:5: error: unknown placeholder '{{< organization >}}'\n"
        "    hint: use one of {{< organisation >}}, {{< contact >}}"
    ]


def test_the_programme_email_may_not_be_the_private_coordinator_address(tmp_path):
    """programme_email is published; the coordinator's address is not, so the two may not be the same."""
    (tmp_path / "site.toml").write_text(
        'title = "t"\norganisation = "o"\nprogramme_email = "Team@x.example"\n\n'
        '[contact]\ncoordinator_email = "team@x.example"\n'
    )
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert [d.human() for d in caught.value.diagnostics] == [
        "site.toml:5:1: error: 'contact': coordinator_email is the programme_email too, but programme_email is "
        "published in the guides and coordinator_email stays private; give programme_email a public address "
        "such as a shared mailbox"
    ]


# --- the starter set ---------------------------------------------------------------------------


def test_init_ships_the_example_guides_from_their_one_copy(starter):
    """`init` copies the example site's guides (and the French example) byte for byte from content/guides/."""
    assert starter_guides_dir() == GUIDES
    written = {
        p.relative_to(starter / "content" / "guides").as_posix() for p in (starter / "content" / "guides").rglob("*.md")
    }
    assert written == {f"{slug}.md" for slug in SLUGS} | {"code-of-conduct.fr.md"}
    for rel, text in starter_guides().items():
        assert (starter / "content" / "guides" / rel).read_text(encoding="utf-8") == text


def test_a_site_made_by_init_builds_the_full_guide_set_without_broken_links(starter):
    """The new site is a resource hub on day one: every guide is published, named for its organisation,
    and no link on a guide page is broken."""
    out = starter / "_site"
    files = sorted((out / "guides").rglob("index.html"))
    assert {f.parent.name for f in files} == SLUGS | {"guides"}
    assert broken_links(out, BASE, files) == []
    conduct = (out / "guides" / "code-of-conduct" / "index.html").read_text(encoding="utf-8")
    assert "the Harbour Mentors mentoring programme" in conduct
    assert not (out / "guides" / "code-of-conduct.fr").exists()
