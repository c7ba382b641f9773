"""Markdown to HTML: raw HTML, unsafe links and template syntax come out inert."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsite.markdown import (
    Heading,
    Reference,
    parsed_profile,
    plain_paragraphs,
    references,
    render_guide,
    render_profile,
    shifted_levels,
)

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
    """In a bio, # becomes h3 (the page owns h1/h2), deeper headings follow without skipping a
    level (#### under ## is h5, not h6), and images are not rendered."""
    assert render_profile("# Title\n\n## Sub\n\n#### Deep\n\n##### Deeper") == (
        "<h3>Title</h3>\n<h4>Sub</h4>\n<h5>Deep</h5>\n<h6>Deeper</h6>\n"
    )
    assert "<img" not in render_profile("![me](https://x.org/me.png)")


def test_guide_toc_ids():
    """Guide h2/h3 headings get unique ids and form the table of contents; h4 is left out.
    (#### sits under ### here: under ## it would be an h3, since levels never skip.)"""
    rendered = render_guide("Intro\n\n## First step\n\n### Détails & more\n\n## First step\n\n### Then\n\n#### Deep\n")
    assert rendered.toc == [
        Heading(2, "first-step", "First step"),
        Heading(3, "détails--more", "Détails & more"),
        Heading(2, "first-step-1", "First step"),
        Heading(3, "then", "Then"),
    ]
    assert rendered.html == (
        "<p>Intro</p>\n"
        '<h2 id="first-step">First step</h2>\n'
        '<h3 id="détails--more">Détails &amp; more</h3>\n'
        '<h2 id="first-step-1">First step</h2>\n'
        '<h3 id="then">Then</h3>\n'
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


# --- heading shift (issue 12 item 7) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "top", "expected"),
    [
        ([2, 4], 3, [3, 4]),  # a bio's ## and ####: h3, h4, never h3, h5
        ([4, 2, 3, 5], 3, [3, 3, 4, 5]),  # a deep first heading starts at the top
        ([2, 4, 3, 2], 3, [3, 4, 4, 3]),  # ### after #### is a sibling, under the ## before them
        ([1, 2, 3, 4, 5, 6], 3, [3, 4, 5, 6, 6, 6]),  # clamped at h6
        ([1, 2, 3], 2, [2, 3, 4]),
    ],
)
def test_shifted_levels(written, top, expected):
    """The first heading sits at the top level, each nested one one level below its parent."""
    assert shifted_levels(written, top) == expected


def test_bio_with_h2_and_h4_never_skips_a_level():
    """`##` then `####` in a bio become h3 then h4 (the page's section heading is h2)."""
    assert render_profile("## Background\n\ntext\n\n#### Detail\n\n## Now\n") == (
        "<h3>Background</h3>\n<p>text</p>\n<h4>Detail</h4>\n<h3>Now</h3>\n"
    )


def test_guide_body_headings_fit_under_its_h1():
    """A guide's # and ## are both sections (h2): the page title is the only h1; #### under ##
    becomes h3 and so enters the table of contents."""
    rendered = render_guide("# Part one\n\n## Part two\n\n#### Detail\n")
    assert rendered.html == (
        '<h2 id="part-one">Part one</h2>\n<h2 id="part-two">Part two</h2>\n<h3 id="detail">Detail</h3>\n'
    )
    assert rendered.toc == [
        Heading(2, "part-one", "Part one"),
        Heading(2, "part-two", "Part two"),
        Heading(3, "detail", "Detail"),
    ]


def test_guide_opening_title_that_repeats_the_page_title_is_dropped():
    """A body that opens with `# <its title>` (any case or spacing) would repeat the page's h1:
    that heading is left out; a different opening `#`, or the title later on, stays a section."""
    assert render_guide("# Finding  a MENTOR\n\nIntro\n", title="Finding a mentor").html == "<p>Intro</p>\n"
    assert render_guide("# Welcome\n\nIntro\n", title="Finding a mentor").html == (
        '<h2 id="welcome">Welcome</h2>\n<p>Intro</p>\n'
    )
    assert render_guide("Intro\n\n# Finding a mentor\n", title="Finding a mentor").html == (
        '<p>Intro</p>\n<h2 id="finding-a-mentor">Finding a mentor</h2>\n'
    )


# --- footnotes and task lists -------------------------------------------------------------------


def test_footnotes_have_page_unique_ids_and_labelled_back_links():
    """Footnote ids carry the text's part, so a bio's and an expectations text's never clash;
    the list has a heading at the text's top level for screen readers; every back-link says
    which reference it returns to."""
    html = render_profile("Once[^a], twice[^a].\n\n[^a]: A note.\n", "expectations")
    assert html == (
        '<p>Once<sup class="footnote-ref"><a href="#expectations-fn-1" id="expectations-fnref-1" '
        'aria-describedby="expectations-footnotes">[1]</a></sup>, twice<sup class="footnote-ref">'
        '<a href="#expectations-fn-1" id="expectations-fnref-1-2" aria-describedby="expectations-footnotes">[1]</a>'
        "</sup>.</p>\n"
        '<section class="footnotes">\n'
        '<h3 class="visually-hidden" id="expectations-footnotes">Footnotes</h3>\n<ol>\n'
        '<li id="expectations-fn-1"><p>A note. <a href="#expectations-fnref-1" class="footnote-backref" '
        'aria-label="Back to reference 1">\u21a9\ufe0e</a> <a href="#expectations-fnref-1-2" '
        'class="footnote-backref" aria-label="Back to reference 1 (2)">\u21a9\ufe0e</a></p>\n</li>\n'
        "</ol>\n</section>\n"
    )


def test_guide_footnotes_heading_is_an_h2_outside_the_toc():
    """In a guide the footnotes' heading is an h2 (its top level) and not a TOC entry."""
    rendered = render_guide("## Step\n\nSee[^1].\n\n[^1]: Note.\n")
    assert '<h2 class="visually-hidden" id="guide-footnotes">Footnotes</h2>' in rendered.html
    assert '<a href="#guide-fn-1" id="guide-fnref-1" aria-describedby="guide-footnotes">[1]</a>' in rendered.html
    assert rendered.toc == [Heading(2, "step", "Step")]


def test_task_list_checkboxes_are_disabled_and_labelled():
    """Task items become disabled checkboxes, each inside a label with its item's text."""
    assert render_profile("- [ ] Set goals\n- [x] Meet\n- plain\n") == (
        '<ul class="contains-task-list">\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" disabled="disabled" '
        'type="checkbox"> Set goals</label></li>\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" checked="checked" '
        'disabled="disabled" type="checkbox"> Meet</label></li>\n'
        "<li>plain</li>\n</ul>\n"
    )


def test_footnotes_and_task_lists_keep_hostile_input_inert():
    """Script, handlers and javascript: links inside footnotes, footnote labels and task items
    stay escaped text, as everywhere else; the plugins add only their fixed markup."""
    text = (
        "- [ ] <script>alert(1)</script> [x](javascript:alert(1))\n"
        "- [x] <img src=x onerror=alert(2)>\n\n"
        "Ref[^<b onmouseover=alert(3)>] and ^[<svg onload=alert(4)>]\n\n"
        "[^<b onmouseover=alert(3)>]: <script>alert(5)</script> [y](javascript:alert(6))\n"
    )
    for html in (render_profile(text), render_guide(text).html):
        assert "<script" not in html and "<img" not in html and "<svg" not in html and "<b " not in html
        assert "javascript:" not in html.replace("[x](javascript:alert(1))", "").replace("[y](javascript:alert(6))", "")
        assert "&lt;script&gt;alert(5)&lt;/script&gt;" in html
        assert "&lt;svg onload=alert(4)&gt;" in html
        assert html.count("<input ") == 2 and html.count('disabled="disabled"') == 2


def test_references_with_positions():
    """Link and image targets with their line and column (of the URL as written), reference
    definitions included; autolinks are not references."""
    text = "Intro\n\n![Plan](img/a%20b.png) and [h](handout.pdf)\n\n[x][r] <https://x.org>\n\n[r]: c.pdf\n"
    assert references(text) == [
        Reference("img/a%20b.png", True, "Plan", 3, 9),
        Reference("handout.pdf", False, "", 3, 32),
        Reference("c.pdf", False, "", 7, 6),
    ]


# Plain prose skips markdown-it: the same HTML, or no shortcut at all ---------------------------

#: Letters of several scripts, digits, the punctuation plain prose may hold, and characters that
#: start blocks, inline markup or typographer replacements.
PROSE = "aZéßжأ中 1 9,.;:?!-" + "\n\n\n" + "_*'\"()[]#>+|~&<`\\=^\t\u00a0\u2028\r\0"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=PROSE, max_size=40) | st.text(alphabet="aé中 1,.;:?!-\n", max_size=40))
def test_plain_paragraphs_are_markdown_its_html_or_nothing(text):
    plain = plain_paragraphs(text)
    assert plain is None or plain == parsed_profile(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ana mentors designers.\n\nShe runs a studio in Lagos, and reads a lot!",
        "Ünal: product, data; research?\nAll of it.\n",
        "Мария ведёт команду.",
        "مرحبا بكم",
        "",
        "\n\n",
    ],
)
def test_plain_prose_takes_the_shortcut(text):
    assert plain_paragraphs(text) is not None
    assert render_profile(text) == parsed_profile(text)


@pytest.mark.parametrize(
    "text",
    [
        "Two spaces end this line  \nso it breaks",
        "One space ends this line \nand is stripped",
        "1. a list",
        "- a list",
        "Heading\n---",
        "    code",
        "Wait...",
        "2010--2020",
        "It's",
        "(c) Example",
        "snake_case",
        "Tab\there",
        "Line\r\nends",
    ],
)
def test_anything_markdown_may_change_goes_through_markdown_it(text):
    assert plain_paragraphs(text) is None
