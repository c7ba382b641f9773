"""Markdown to safe HTML: one configured markdown-it-py engine per use.

Raw HTML in Markdown is escaped (never passed through), link targets are limited to http(s),
mailto and relative URLs, and the text is never treated as a template, so `<script>`,
`javascript:` links and `{{ … }}` in a bio all come out inert and literal.

Guides may name a few site facts with placeholders such as `{{< organisation >}}`: a fixed list
(`PLACEHOLDERS`), filled in after parsing as plain text tokens, so a value is never read as
Markdown or HTML and nothing else in the text is ever evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core.smartquotes import QUOTE_RE, process_inlines
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

_SAFE_SCHEMES = {"http", "https", "mailto"}


def _validate_link(url: str) -> bool:
    # markdown-it has already percent-encoded the URL; control characters and entity tricks
    # ("jav&#x09;ascript:") are normalised before this check sees them.
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme == "" or scheme in _SAFE_SCHEMES


#: Paragraphs longer than this (in characters) keep straight quotes: markdown-it's smart
#: quotes take time proportional to length × quotes, minutes for one 1 MB paragraph of quotes.
SMARTQUOTES_MAX_CHARS = 20_000


def _bounded_smartquotes(state: StateCore) -> None:
    if not state.md.options.typographer:
        return
    for token in state.tokens:
        if (
            token.type == "inline"
            and token.children is not None
            and len(token.content) <= SMARTQUOTES_MAX_CHARS
            and QUOTE_RE.search(token.content)
        ):
            process_inlines(token.children, state)


#: `{{< name >}}` in a guide; only the names in PLACEHOLDERS are filled in.
PLACEHOLDER_RE = re.compile(r"\{\{<\s*([A-Za-z0-9_-]*)\s*>\}\}")
#: What each placeholder stands for (its value comes from site.toml at build time).
PLACEHOLDERS = {
    "organisation": "the organisation's name (`organisation`)",
    "contact": "the programme's public address (`programme_email`) as a link, else the organisation's name",
}


@dataclass(frozen=True)
class Filled:
    """A placeholder's value: text, and a link target when it should be a link."""

    text: str
    href: str = ""


def _placeholder_tokens(text: str, values: Mapping[str, Filled], in_link: bool) -> list[Token]:
    """`text` as text tokens with placeholders filled; linked values become links outside links."""
    tokens: list[Token] = []
    last = 0

    def plain(content: str) -> None:
        if content:
            token = Token("text", "", 0)
            token.content = content
            tokens.append(token)

    for match in PLACEHOLDER_RE.finditer(text):
        filled = values.get(match.group(1))
        if filled is None:
            continue  # unknown names are reported by the loader; never guessed at here
        plain(text[last : match.start()])
        if filled.href and not in_link:
            opening = Token("link_open", "a", 1)
            opening.attrSet("href", filled.href)
            tokens.append(opening)
            plain(filled.text)
            tokens.append(Token("link_close", "a", -1))
        else:
            plain(filled.text)
        last = match.end()
    plain(text[last:])
    return tokens


def _fill(text: str, values: Mapping[str, Filled]) -> str:
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)].text if m.group(1) in values else m.group(0), text)


def _fill_placeholders(state: StateCore) -> None:
    values: Mapping[str, Filled] = state.env.get("placeholders") or {}
    if not values:
        return
    for token in state.tokens:
        if token.type in ("fence", "code_block"):
            token.content = _fill(token.content, values)
        elif token.type == "inline" and token.children and "{{<" in token.content:
            children: list[Token] = []
            depth = 0
            for child in token.children:
                depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
                if child.type == "text" and "{{<" in child.content:
                    children += _placeholder_tokens(child.content, values, depth > 0)
                else:
                    if child.type == "code_inline":
                        child.content = _fill(child.content, values)
                    children.append(child)
            token.children = children
            token.content = _fill(token.content, values)  # the table of contents reads it


def unknown_placeholders(text: str) -> list[tuple[int, str]]:
    """(offset, placeholder) for every `{{< name >}}` whose name is not in PLACEHOLDERS."""
    return [(m.start(), m.group(0)) for m in PLACEHOLDER_RE.finditer(text) if m.group(1) not in PLACEHOLDERS]


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass
class Rendered:
    html: str
    toc: list[Heading] = field(default_factory=list)


def _demote_h1(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


def _engine(*, anchors: bool, images: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    if not images:
        md.disable("image")
    if anchors:
        # The page title is the only h1: body h1s become h2 *before* anchors are assigned,
        # so they get an id and a place in the table of contents like any h2.
        md.core.ruler.push("demote_h1", _demote_h1)
        # Guides and pages (not profiles) fill placeholders, before headings get their ids.
        md.core.ruler.push("placeholders", _fill_placeholders)
        md.use(anchors_plugin, min_level=2, max_level=3, permalink=False)
    md.validateLink = _validate_link  # type: ignore[method-assign]  # markdown-it's documented hook
    md.core.ruler.at("smartquotes", _bounded_smartquotes)
    return md


@cache
def _guide_engine() -> MarkdownIt:
    return _engine(anchors=True, images=True)


@cache
def _profile_engine() -> MarkdownIt:
    return _engine(anchors=False, images=False)


def _external_links(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                href = str(child.attrGet("href") or "")
                # Absolute and protocol-relative (//host/…) links both leave the site.
                if child.type == "link_open" and (urlsplit(href).scheme in ("http", "https") or href.startswith("//")):
                    child.attrSet("rel", "nofollow noopener ugc")


def render_guide(text: str, placeholders: Mapping[str, Filled] | None = None) -> Rendered:
    """A guide or page body: headings get ids and a table of contents (h2 and h3).

    `placeholders` fills `{{< name >}}` (see PLACEHOLDERS); without it they stay as written.
    """
    md = _guide_engine()
    tokens = md.parse(text, {"placeholders": placeholders or {}})
    toc = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            if level in (2, 3) and token.attrGet("id"):
                inline = tokens[index + 1]
                toc.append(Heading(level, str(token.attrGet("id")), inline.content))
    _external_links(tokens)
    return Rendered(md.renderer.render(tokens, md.options, {}), toc)


def render_profile(text: str) -> str:
    """A bio or expectations text: headings start at h3 (the page has h1 and h2), no images."""
    md = _profile_engine()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, max(3, int(token.tag[1]) + 2))}"
    _external_links(tokens)
    return md.renderer.render(tokens, md.options, {})
