"""Issue 6: HTML, scripts, event handlers, dangerous URLs and Jinja syntax in every text field,
in Markdown bodies and in front matter all come out inert and literal.

One site carries the payloads everywhere a person can type text (every profile field, a
guide's front matter and body, a page, even site.toml's labels); the built output is then
parsed and searched for anything a browser would run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hostile_kit import BASE_SITE, assert_builds, assert_refused, cli, elements, profile
from kit import SITE_TOML, write_site

JINJA = "{{ 7*7 }}"
JINJA_BLOCK = "{% if true %}IF-RAN{% endif %}"
#: A second expression whose value (42049) cannot appear by accident anywhere in a site.
JINJA_MARK = "{{ 6007*7 }}"
SCRIPT = "<script>alert(1)</script>"
HANDLER = "<img src=x onerror=alert(2)>"
ANCHOR = '<a href="javascript:alert(3)">x</a>'
BREAKOUT = "\"'><svg onload=alert(4)>"

#: One line of everything, for one-line fields (each fits 160 characters).
LINE = f"{SCRIPT}{HANDLER} {JINJA} {JINJA_BLOCK} {BREAKOUT}"
assert len(LINE) <= 160

#: Markdown whose every paragraph tries something else.
MARKDOWN = f"""\
Hello {SCRIPT} and {HANDLER} and {ANCHOR}.

Template: {JINJA}

Block: {JINJA_BLOCK}

Marker: {JINJA_MARK}

<div onclick="alert(5)">raw block</div>

<iframe src="https://evil.example/"></iframe>

<style>body {{ display: none }}</style>

[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](jav&#x09;ascript:alert(1)) [d](&#106;avascript:alert(1))

[e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [f](vbscript:msgbox(1)) [g](VBScript:msgbox(1))

[h]( javascript:alert(1)) [i](<javascript:alert(1)>) [j](java\\
script:alert(1)) [k](javascript&colon;alert(1))

<javascript:alert(1)> <data:text/html,hi> [ref][r1]

[r1]: javascript:alert(1)

`{SCRIPT}` and {JINJA} in code

    {SCRIPT} {JINJA} indented code
"""

GUIDE_MARKDOWN = (
    MARKDOWN
    + f"""
![img](javascript:alert(1)) ![img2](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)

## Heading {SCRIPT} {JINJA}

### Sub {HANDLER}

[ok](https://example.org/ok) [rel](../mentors/)
"""
)

HOSTILE_TOML = (
    SITE_TOML.replace('title = "Test Mentors"', f'title = "T {SCRIPT[:30]}"')
    .replace('description = "A small site for tests."', f"description = {json.dumps(LINE)}")
    .replace('organisation = "Test Org"', f"organisation = {json.dumps(LINE[:120])}")
    .replace('label = "Expertise"', 'label = "<b>E</b>{{ 7*7 }}"')
    .replace(
        'leadership = { label = "Leadership", aliases = ["management"] }',
        'leadership = { label = "<script>x</script>{{ 7*7 }}", aliases = ["management"] }',
    )
    .replace('label = "Mentors"', 'label = "<i>M</i>{{ 7*7 }}"')
    .replace('language = "en"', 'language = "en"\nlogo = "javascript:alert(1)"')
)

LINK_URL = 'https://ok.example/?q="><script>alert(1)</script>{{7*7}}'
INDENTED_MARKDOWN = "\n".join("  " + line if line else "" for line in MARKDOWN.splitlines())

HOSTILE_PROFILE = f"""\
name: {json.dumps("Eve <b onmouseover=alert(1)>" + JINJA + "</b>")}
headline: {json.dumps(LINE)}
pronouns: {json.dumps("<i>" + JINJA + "</i>")}
role: {json.dumps(LINE)}
organisation: {json.dumps(LINE)}
tags: [leadership, writing]
industry: technology
location:
  city: {json.dumps("<b>C</b>" + JINJA + BREAKOUT)}
  country: PT
help_with:
  - {json.dumps(LINE)}
  - {json.dumps(JINJA_MARK)}
links:
  - label: {json.dumps("<x>" + JINJA + "</x>" + BREAKOUT)}
    url: {json.dumps(LINK_URL)}
availability:
  accepting: false
email: eve.private@example.org
bio: |
{INDENTED_MARKDOWN}
expectations: |
{INDENTED_MARKDOWN}
"""

HOSTILE_GUIDE = f"""\
---
title: {json.dumps(LINE)}
summary: {json.dumps(LINE + " " + JINJA_MARK)}
tags: [{json.dumps("<b>" + JINJA + "</b>")}]
---
{GUIDE_MARKDOWN}"""

DANGEROUS_SCHEME = re.compile(r"^(?:javascript|data|vbscript|file|blob|filesystem):", re.IGNORECASE)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "background",
    "cite",
    "xlink:href",
    "longdesc",
    "ping",
    "manifest",
    "codebase",
    "archive",
    "lowsrc",
    "dynsrc",
}
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "base",
    "xmp",
    "plaintext",
    "noembed",
    "template",
    "portal",
    "isindex",
}
JSON_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def dangerous(url: str) -> bool:
    """Would a browser treat this attribute value as a script or data URL? (Browsers drop
    leading whitespace and control characters, and tabs and line breaks anywhere.)"""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(0x21))))
    return bool(DANGEROUS_SCHEME.match(cleaned))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("injection")
    site = write_site(
        root / "site",
        BASE_SITE,
        files={
            "site.toml": HOSTILE_TOML,
            "mentors/eve.yaml": HOSTILE_PROFILE,
            "mentors/sam.yaml": profile("Sam Safe", **{"Ada has spent": f"{JINJA} Ada has spent"}),
            "content/guides/hostile.md": HOSTILE_GUIDE,
            "content/about.md": HOSTILE_GUIDE,
        },
    )
    check = cli("check", site)
    assert check.code == 0, check.output
    _, out = assert_builds(site, root / "out")
    return out


def html_files(out: Path) -> list[Path]:
    files = sorted(out.rglob("*.html"))
    assert len(files) > 10
    return files


def test_hostile_pages_exist(built):
    for page in (
        "mentors/eve/index.html",
        "mentors/sam/index.html",
        "guides/hostile/index.html",
        "about/index.html",
        "index.html",
        "mentors/index.html",
        "tags/leadership/index.html",
        "guides/index.html",
    ):
        assert (built / page).is_file(), page


def test_no_script_runs_from_content(built):
    for file in html_files(built):
        page = elements(file.read_text(encoding="utf-8"))
        for tag, attrs in page.tags:
            if tag == "script":
                src = attrs.get("src") or ""
                kind = (attrs.get("type") or "").lower()
                assert src.startswith("/assets/") or kind in JSON_SCRIPT_TYPES, (file, attrs)
            assert tag not in FORBIDDEN_TAGS, (file, tag, attrs)


def test_no_event_handler_attributes(built):
    for file in html_files(built):
        for tag, attrs in elements(file.read_text(encoding="utf-8")).tags:
            handlers = [name for name in attrs if name.lower().startswith("on")]
            assert not handlers, (file, tag, attrs)


def test_no_dangerous_urls(built):
    checked = 0
    for file in html_files(built):
        for tag, attrs in elements(file.read_text(encoding="utf-8")).tags:
            for name, value in attrs.items():
                if name.lower() in URL_ATTRIBUTES and value:
                    for part in value.split(",") if name == "srcset" else [value]:
                        assert not dangerous(part.strip()), (file, tag, name, value)
                        checked += 1
            if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
                raise AssertionError((file, attrs))
    assert checked > 100


def test_jinja_syntax_is_printed_literally_never_evaluated(built):
    eve = elements((built / "mentors/eve/index.html").read_text(encoding="utf-8"))
    text = "".join(eve.text)
    assert JINJA in text
    assert JINJA_BLOCK in text
    assert JINJA_MARK in text
    guide = "".join(elements((built / "guides/hostile/index.html").read_text(encoding="utf-8")).text)
    assert JINJA in guide and JINJA_BLOCK in guide and JINJA_MARK in guide
    for file in html_files(built):
        page_text = "".join(elements(file.read_text(encoding="utf-8")).text)
        assert "49" not in page_text, file
        assert "IF-RAN" not in page_text.replace(JINJA_BLOCK, ""), file
    for file in built.rglob("*"):
        if file.is_file():
            assert b"42049" not in file.read_bytes(), file


def test_html_in_fields_is_shown_as_text(built):
    eve_html = (built / "mentors/eve/index.html").read_text(encoding="utf-8")
    text = "".join(elements(eve_html).text)
    assert SCRIPT in text  # the text a person typed, visible as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in eve_html
    assert "<h1>Eve &lt;b onmouseover=alert(1)&gt;{{ 7*7 }}&lt;/b&gt;</h1>" in eve_html


def test_cards_in_the_search_records_are_the_pages_escaped_cards(built):
    """search.js inserts each record's card as markup: it must be the autoescaped card of the pages."""
    chunks = sorted((built / "search" / "r").glob("*.json"))
    cards = [record["card"] for chunk in chunks for record in json.loads(chunk.read_text(encoding="utf-8"))]
    directory = (built / "mentors/index.html").read_text(encoding="utf-8")
    assert len(cards) == 3 and all(f"<li>{card}</li>" in directory for card in cards)
    for card in cards:
        for tag, attrs in elements(card).tags:
            assert tag != "script" and tag not in FORBIDDEN_TAGS, (tag, attrs)
            assert not [name for name in attrs if name.lower().startswith("on")], (tag, attrs)
    eve = next(card for card in cards if "mentors/eve/" in card)
    assert "Eve &lt;b onmouseover=alert(1)&gt;{{ 7*7 }}&lt;/b&gt;</a></h3>" in eve


def test_title_and_meta_attributes_stay_closed(built):
    for file in html_files(built):
        page = elements(file.read_text(encoding="utf-8"))
        for tag, attrs in page.tags:
            if tag == "meta" and attrs.get("name") == "description":
                assert "onload" not in attrs  # the breakout '"\'>' must stay inside content=""
            for name in attrs:
                assert re.fullmatch(r"[a-z][a-z0-9:_-]*", name), (file, tag, name)


def test_links_keep_their_markup_safe(built):
    eve = elements((built / "mentors/eve/index.html").read_text(encoding="utf-8"))
    external = [
        attrs for tag, attrs in eve.tags if tag == "a" and (attrs.get("href") or "").startswith("https://ok.example/")
    ]
    assert external and all("ugc" in (attrs.get("rel") or "") for attrs in external)
    guide = elements((built / "guides/hostile/index.html").read_text(encoding="utf-8"))
    hrefs = [attrs.get("href") for tag, attrs in guide.tags if tag == "a"]
    assert "https://example.org/ok" in hrefs and "../mentors/" in hrefs


def test_feeds_and_data_files_stay_well_formed(built):
    ElementTree.parse(built / "sitemap.xml")
    for file in built.rglob("*.json"):
        json.loads(file.read_text(encoding="utf-8"))


def test_script_elements_are_the_theme_scripts_and_carry_no_data(built):
    """Pins every <script> the templates emit: theme assets by src, deferred, with nothing inside,
    and one JSON-LD block per page (previews.py) whose data stays inside its element.

    So no text a person typed (a "</script>" in a bio) can land inside a script element: in the
    JSON-LD, `<`, `>` and `&` are \\u escapes, so the element's text has none of them and parses
    back to exactly what was typed.
    """
    emitted = set()
    pages, people = 0, 0
    for file in html_files(built):
        pages += 1
        inline = []
        for attrs, text in elements(file.read_text(encoding="utf-8")).scripts:
            if attrs.get("type") == "application/ld+json":
                assert (sorted(attrs), set("<>&") & set(text)) == (["type"], set()), file
                inline.append(json.loads(text))
                continue
            src = urlsplit(attrs.get("src") or "").path
            emitted.add((src, tuple(sorted(attrs)), text))
        assert len(inline) == 1, file
        if file.parent.name == "eve":
            person = inline[0]["@graph"][1]["mainEntity"]
            assert (person["name"], person["description"]) == (json.loads(HOSTILE_PROFILE.split("\n")[0][6:]), LINE)
            people += 1
    assert pages > 5 and people == 1
    assert emitted == {
        ("/assets/messages.en.js", ("defer", "src"), ""),  # the scripts' words, from the catalogue
        ("/assets/site.js", ("defer", "src"), ""),
        ("/assets/search.js", ("defer", "src"), ""),
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "\\tjavascript:alert(1)",
        "java\\tscript:alert(1)",
        "\\u0001javascript:alert(1)",
        "javascript&#58;alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "VbScRiPt:msgbox(1)",
        "//evil.example/x",
        "https:javascript:alert(1)",
        "file:///etc/passwd",
        "https://exa mple.org/",
    ],
)
def test_profile_links_must_be_web_addresses(tmp_path, url):
    text = profile("Bo Two") + f'links:\n  - label: mine\n    url: "{url}"\n'
    site = write_site(tmp_path / "site", BASE_SITE, files={"mentors/bo.yaml": text})
    assert_refused(
        site,
        [
            "mentors/bo.yaml:18:10: error: 'links item 1 url': must be a full web address starting with https:// or http://"
        ],
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            '[[nav]]\nlabel = "x"\nurl',
            "javascript:alert(1)",
            "'nav item 1 url': links must be http(s) or a path inside the site, not 'javascript:'",
        ),
        (
            '[[nav]]\nlabel = "x"\nurl',
            " JaVaScRiPt:alert(1)",
            "'nav item 1 url': links must be http(s) or a path inside the site, not 'javascript:'",
        ),
        (
            '[[nav]]\nlabel = "x"\nurl',
            "data:text/html,x",
            "'nav item 1 url': links must be http(s) or a path inside the site, not 'data:'",
        ),
        ("[contact]\naction", "javascript:alert(1)", "'contact.action': the form action must be an http(s) URL"),
        ("base_url", "javascript:alert(1)//", "'base_url': base_url must be an absolute http(s) URL"),
    ],
)
def test_site_toml_urls_must_be_safe(tmp_path, field, value, message):
    toml = f"{field} = {json.dumps(value)}\n"
    if not field.startswith("["):
        toml = SITE_TOML.replace('base_url = "http://localhost:8000/"', toml.strip())
    else:
        toml = SITE_TOML.split("[[nav]]")[0] + toml
    site = write_site(tmp_path / "site", BASE_SITE, files={"site.toml": toml})
    assert_refused(site, [f"error: {message}"])


def test_public_email_in_mailto_mode_is_inert(tmp_path):
    toml = SITE_TOML.replace(
        'language = "en"', 'language = "en"\n\n[contact]\nmode = "mailto"\n\n[cms]\nenabled = false'
    )
    address = "{{7*7}}'&x`|~@example.org"
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "site.toml": toml,
            "mentors/ada.yaml": profile("Ada Example") + f"public_email: {json.dumps(address)}\n",
        },
    )
    _, out = assert_builds(site)
    page = elements((out / "mentors/ada/index.html").read_text(encoding="utf-8"))
    mailto = [
        attrs["href"] for tag, attrs in page.tags if tag == "a" and (attrs.get("href") or "").startswith("mailto:")
    ]
    assert mailto and all(not dangerous(href) for href in mailto)
    assert address in "".join(page.text)
    assert "49" not in "".join(page.text)
