"""Issue 12 item 7: Markdown that fits the page (headings under the page's own), footnotes,
task lists, and the files next to a guide that it references, published beside it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from content_kit import FILES, GUIDE, PDF, tiny_png, write_content_site
from kit import TODAY, write_site

from mentorsite.build import build_site, check_site
from mentorsite.guide_files import referenced_path
from mentorsite.markdown import Reference

HEADING = re.compile(r"<(h[1-6])[^>]*>(.*?)</h[1-6]>")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("content")
    report = build_site(write_content_site(root / "site"), root / "out", today=TODAY)
    assert report.written and not report.errors, [d.human() for d in report.errors]
    return root / "out"


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def guide_problems(tmp_path: Path, body: str, **files: str | bytes) -> list[str]:
    """Every diagnostic of a site whose one guide has `body`, as `check` prints them."""
    site = write_site(
        tmp_path / "site",
        files={"content/guides/plan.md": f"---\ntitle: Plan\n---\n{body}", **files},
    )
    _, loaded, report = check_site(site, today=TODAY)
    return [d.human() for d in report.diagnostics if d.path.startswith("content/")]


def test_referenced_files_are_published_beside_the_guide(built):
    """The image and the PDF a guide references are published at the URLs its Markdown gives,
    from the guide's page, byte for byte; a file next to it that nothing references is not."""
    assert files_under(built / "guides") == {
        "index.html",
        "feed.xml",
        "planning/index.html",
        "planning/diagram.png",
        "planning/handouts/first-meeting.pdf",
    }
    assert (built / "guides/planning/diagram.png").read_bytes() == tiny_png()
    assert (built / "guides/planning/handouts/first-meeting.pdf").read_bytes() == PDF
    assert not [p for p in files_under(built) if p.endswith("notes.txt")]
    html = (built / "guides/planning/index.html").read_text()
    assert '<img src="diagram.png" alt="The three phases of a mentoring relationship" />' in html
    assert '<a href="handouts/first-meeting.pdf">handout</a>' in html


def test_mentor_page_headings_never_skip_a_level(built):
    """A bio's `##`/`####` become h3/h4 under the page's "About" h2; the expectations' `##` an
    h3 under its h2; each text's footnotes have their own hidden h3 and their own ids."""
    html = (built / "mentors/ada/index.html").read_text()
    assert [(tag, text) for tag, text in HEADING.findall(html)] == [
        ("h1", "Ada Example"),
        ("h2", "About Ada Example"),
        ("h3", "Background"),
        ("h4", "Teams I built"),
        ("h3", "Now"),
        ("h3", "Footnotes"),
        ("h2", "What I expect from a mentee"),
        ("h3", "Before we meet"),
        ("h3", "Footnotes"),
        ("h2", "At a glance"),
        ("h3", "Expertise"),
        ("h2", "Request a conversation"),
    ]
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert {"bio-fn-1", "bio-fnref-1", "expectations-fn-1", "expectations-fnref-1"} <= set(ids)


def test_guide_page_opening_title_is_not_repeated(built):
    """The guide's `# Planning your sessions` repeats its title: the page has one h1, and its
    body headings follow it without a gap (#### under ## is an h3, listed on the page's TOC)."""
    html = (built / "guides/planning/index.html").read_text()
    assert [(tag, text) for tag, text in HEADING.findall(html)] == [
        ("h1", "Planning your sessions"),
        ("h2", "On this page"),
        ("h2", "Before the first meeting"),
        ("h3", "Keep it short"),
        ("h2", "Footnotes"),
        ("h2", "Ready to find a mentor?"),
    ]
    assert '<a href="#keep-it-short">Keep it short</a>' in html


def test_a_missing_file_is_an_error_at_its_line_and_column(tmp_path):
    """The reference's own line and column, counted from the file's first line; the build stops."""
    assert guide_problems(tmp_path, "Intro.\n\nSee ![the plan](plan.png) and [the form](forms/Form.pdf).\n") == [
        "content/guides/plan.md:6:17: error: 'plan.png' does not exist (no file content/guides/plan.png)\n"
        "    hint: add the file at content/guides/plan.png, or correct the name",
        "content/guides/plan.md:6:42: error: 'forms/Form.pdf' does not exist (no file content/guides/forms/Form.pdf)\n"
        "    hint: add the file at content/guides/forms/Form.pdf, or correct the name",
    ]
    site = tmp_path / "site"
    report = build_site(site, tmp_path / "out", today=TODAY)
    assert not report.written and not (tmp_path / "out").exists()


def test_a_name_in_the_wrong_case_gets_a_hint(tmp_path):
    assert guide_problems(tmp_path, "![Plan](Diagram.PNG)\n", **{"content/guides/diagram.png": tiny_png()}) == [
        "content/guides/plan.md:4:9: error: 'Diagram.PNG' does not exist (no file content/guides/Diagram.PNG)\n"
        "    hint: did you mean 'diagram.png'? names on the web are case-sensitive"
    ]


def test_a_reference_out_of_the_content_folder_is_refused(tmp_path):
    """`../../site.toml` (or any path leaving content/) is never published."""
    assert guide_problems(tmp_path, "[settings](../../site.toml) ![x](../../mentors/photos/ada.jpg)\n") == [
        "content/guides/plan.md:4:12: error: '../../site.toml' is outside the content folder, so it cannot be published\n"
        "    hint: move the file into content/, next to the guide, and link it from there",
        "content/guides/plan.md:4:34: error: '../../mentors/photos/ada.jpg' is outside the content folder, "
        "so it cannot be published\n"
        "    hint: move the file into content/, next to the guide, and link it from there",
    ]


def test_a_symbolic_link_out_of_the_content_folder_is_refused(tmp_path):
    """A file, or a folder on the way, that is a symbolic link could publish anything on the machine."""
    site = write_site(
        tmp_path / "site",
        files={"content/guides/plan.md": "---\ntitle: Plan\n---\n![Secret](secret.png) [k](keys/id.pdf)\n"},
    )
    os.symlink(site / "site.toml", site / "content/guides/secret.png")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/id.pdf").write_bytes(PDF)
    os.symlink(tmp_path / "elsewhere", site / "content/guides/keys")
    _, _, report = check_site(site, today=TODAY)
    assert [d.human() for d in report.errors] == [
        "content/guides/plan.md:4:11: error: 'secret.png' leads through a symbolic link "
        "(content/guides/secret.png), which is not followed\n    hint: commit the file itself",
        "content/guides/plan.md:4:27: error: 'keys/id.pdf' leads through a symbolic link "
        "(content/guides/keys), which is not followed\n    hint: commit the file itself",
    ]


def test_an_image_without_alt_text_is_a_warning(tmp_path):
    assert guide_problems(tmp_path, "![](diagram.png)\n", **{"content/guides/diagram.png": tiny_png()}) == [
        "content/guides/plan.md:4:5: warning: image 'diagram.png' has no alt text\n"
        "    hint: describe what it shows between the brackets: ![what it shows](diagram.png)"
    ]


def test_page_links_and_web_addresses_are_not_files(tmp_path):
    """Links to pages (a trailing /, .html, .md, no suffix), site paths, anchors and other sites
    are left as they are: no file is looked for."""
    body = (
        "[a](../first-contact/) [b](../other) [c](page.html) [d](other.md) [e](#top) [f](/files/a.pdf)\n"
        "[g](https://example.org/a.pdf) [h](mailto:a@example.org) [i](//cdn.example.org/x.pdf) [j](.hidden)\n"
    )
    assert guide_problems(tmp_path, body) == []


@pytest.mark.parametrize(
    ("url", "image", "expected"),
    [
        ("diagram.png", True, "diagram.png"),
        ("img/a%20b.png?v=2#x", True, "img/a b.png"),
        ("handout.pdf#page=2", False, "handout.pdf"),
        ("../shared/logo", True, "../shared/logo"),
        ("../other/", False, None),
        ("notes.md", False, None),
        ("/abs.pdf", False, None),
        ("https://x.org/a.png", True, None),
    ],
)
def test_referenced_path(url, image, expected):
    assert referenced_path(Reference(url, image, "", 1, 1)) == expected


def test_a_file_two_guides_share_is_published_once(tmp_path):
    """Two guides reaching content/shared/logo.png by `../` publish it once, at guides/shared/logo.png."""
    guide = "---\ntitle: {0}\n---\n![Our logo](../shared/logo.png)\n"
    site = write_site(
        tmp_path / "site",
        files={
            "content/guides/one.md": guide.format("One"),
            "content/guides/two.md": guide.format("Two"),
            "content/shared/logo.png": tiny_png(),
        },
    )
    report = build_site(site, tmp_path / "out", today=TODAY)
    assert report.written, [d.human() for d in report.errors]
    assert files_under(tmp_path / "out/guides") == {
        "index.html",
        "feed.xml",
        "one/index.html",
        "two/index.html",
        "shared/logo.png",
    }


def test_a_draft_guide_publishes_and_checks_nothing(tmp_path):
    assert guide_problems(tmp_path, "![Plan](missing.png)\n") != []
    site = write_site(
        tmp_path / "draft",
        files={"content/guides/plan.md": "---\ntitle: Plan\ndraft: true\n---\n![Plan](missing.png)\n"},
    )
    _, _, report = check_site(site, today=TODAY)
    assert report.errors == []


def test_the_fixture_uses_every_feature():
    """Guards the fixture the HTML checker and axe run over."""
    assert "[^" in FILES["mentors/ada.yaml"] and "####" in FILES["mentors/ada.yaml"]
    assert "- [ ]" in GUIDE and "[^plan]" in GUIDE and "![" in GUIDE
