"""Markdown to HTML: raw HTML, unsafe links and template syntax come out inert."""

from __future__ import annotations

import pytest

from mentorsite.markdown import Heading, render_guide, render_profile

REL = 'rel="nofollow noopener ugc"'


def test_script_tag_is_escaped():
    """<script> in a bio is shown as text, never as a tag."""
    assert render_profile("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_event_handler_attribute_is_escaped():
    """An <img onerror=…> is escaped text, so the handler never runs."""
    assert render_profile("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"


def test_raw_html_block_is_escaped_in_guides():
    """Guides escape raw HTML too."""
    html = render_guide('<div onclick="x()">hi</div>\n\n<script>x</script>').html
    assert "<div" not in html and "<script" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:text/html,x",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "&#106;avascript:alert(1)",
        "file:///etc/passwd",
    ],
)
def test_unsafe_link_schemes_are_not_links(url):
    """Links with javascript:, data:, vbscript: (any case, entity-encoded) or file: stay plain text."""
    for render in (render_profile, lambda text: render_guide(text).html):
        html = render(f"[click]({url})")
        assert "<a" not in html
        assert "href" not in html
        assert html.startswith("<p>[click](")


def test_unsafe_reference_link_and_autolink():
    """Reference-style and autolink forms of javascript: are not links either."""
    assert "<a" not in render_profile("[a]: javascript:alert(1)\n\n[b][a]")
    assert render_profile("<javascript:alert(1)>") == "<p>&lt;javascript:alert(1)&gt;</p>\n"


def test_unsafe_image_source_is_not_an_image():
    """A data: image in a guide is not rendered as <img>."""
    html = render_guide("![i](data:image/svg+xml,<svg onload=alert(1)>)").html
    assert "<img" not in html
    assert "&lt;svg onload=alert(1)&gt;" in html


def test_link_title_cannot_break_out_of_attribute():
    """Quotes in a link title are escaped inside the attribute."""
    html = render_profile('[a](https://x.org "t\\" onmouseover=alert(1) x=\\"")')
    assert html == (f'<p><a href="https://x.org" title="t&quot; onmouseover=alert(1) x=&quot;" {REL}>a</a></p>\n')


@pytest.mark.parametrize("text", ["{{ 7*7 }}", "{% if true %}yes{% endif %}", "{# comment #}", "{{ config.items() }}"])
def test_template_syntax_is_literal(text):
    """Jinja syntax in Markdown is printed as written, never evaluated."""
    assert render_profile(text) == f"<p>{text}</p>\n"
    assert render_guide(text).html == f"<p>{text}</p>\n"


def test_external_links_get_rel():
    """http(s) links, in any case, get rel="nofollow noopener ugc"; relative, anchor and mailto do not."""
    html = render_profile(
        "[ext](https://example.org/x) [up](HTTP://X.ORG) [rel](../x/) [frag](#top) [mail](mailto:a@b.org)"
    )
    assert html == (
        f'<p><a href="https://example.org/x" {REL}>ext</a> <a href="HTTP://X.ORG" {REL}>up</a> '
        '<a href="../x/">rel</a> <a href="#top">frag</a> <a href="mailto:a@b.org">mail</a></p>\n'
    )


def test_autolinks_in_guides_get_rel():
    """<https://…> autolinks are external links too."""
    assert render_guide("<https://x.org>").html == f'<p><a href="https://x.org" {REL}>https://x.org</a></p>\n'


def test_protocol_relative_links_get_rel():
    """A //host/path link points at another site, so it gets the external rel too."""
    assert render_profile("[a](//evil.example/x)") == f'<p><a href="//evil.example/x" {REL}>a</a></p>\n'


def test_profile_headings_start_at_h3_and_no_images():
    """In a bio, # becomes h3 (the page owns h1/h2) and images are not rendered."""
    assert render_profile("# Title\n\n## Sub\n\n#### Deep\n\n##### Deeper") == (
        "<h3>Title</h3>\n<h4>Sub</h4>\n<h6>Deep</h6>\n<h6>Deeper</h6>\n"
    )
    assert "<img" not in render_profile("![me](https://x.org/me.png)")


def test_guide_toc_ids():
    """Guide h2/h3 headings get unique ids and form the table of contents; h4 is left out."""
    rendered = render_guide("Intro\n\n## First step\n\n### Détails & more\n\n## First step\n\n#### Deep\n")
    assert rendered.toc == [
        Heading(2, "first-step", "First step"),
        Heading(3, "détails--more", "Détails & more"),
        Heading(2, "first-step-1", "First step"),
    ]
    assert rendered.html == (
        "<p>Intro</p>\n"
        '<h2 id="first-step">First step</h2>\n'
        '<h3 id="détails--more">Détails &amp; more</h3>\n'
        '<h2 id="first-step-1">First step</h2>\n'
        "<h4>Deep</h4>\n"
    )


def test_guide_h1_is_demoted():
    """A body # heading becomes h2: the page title is the only h1."""
    html = render_guide("# Intro\n\ntext\n").html
    assert "<h1" not in html
    assert html.startswith("<h2") and "Intro</h2>" in html


def test_demoted_h1_is_in_toc():
    """A demoted # heading is an h2 like any other: it has an id and a TOC entry."""
    rendered = render_guide("# Intro\n\n## Next\n")
    assert rendered.toc == [Heading(2, "intro", "Intro"), Heading(2, "next", "Next")]
    assert '<h2 id="intro">Intro</h2>' in rendered.html


def test_guide_images_allowed():
    """Guides may show images with safe URLs."""
    assert render_guide("![diagram](pic.png)").html == '<p><img src="pic.png" alt="diagram" /></p>\n'


def test_code_is_escaped():
    """Inline code shows markup literally."""
    assert render_profile("`<script>`") == "<p><code>&lt;script&gt;</code></p>\n"
