"""Markdown to safe HTML: one configured markdown-it-py engine per use.

Raw HTML in Markdown is escaped (never passed through), link targets are limited to http(s),
mailto and relative URLs, and the text is never treated as a template, so `<script>`,
`javascript:` links and `{{ … }}` in a bio all come out inert and literal.

Headings are shifted to fit under the page's own: a bio's first heading sits one level below
the mentor page's section h2, a guide's below its h1, each nested heading one level below the
heading it belongs to, so no level is ever skipped (`shifted_levels`). Footnotes and task lists
come from mdit-py-plugins, rendered here with ids unique on the page and labelled for screen
readers; both add only fixed markup, so raw HTML stays escaped.

Guides may name a few site facts with placeholders such as `{{< organisation >}}`: a fixed list
(`PLACEHOLDERS`), filled in after parsing as plain text tokens, so a value is never read as
Markdown or HTML and nothing else in the text is ever evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from urllib.parse import urlsplit

import mdurl
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core.smartquotes import QUOTE_RE, process_inlines
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

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


#: Level of the first heading of a bio or expectations text: the mentor page has its h1 (the
#: name) and an h2 per section ("About …", "What I expect from a mentee").
PROFILE_TOP = 3
#: Level of a guide's first heading: the guide's title is the page's only h1.
GUIDE_TOP = 2


def shifted_levels(levels: Iterable[int], top: int, floor: int = 1) -> list[int]:
    """The output level of each heading written at `levels`, in document order.

    The first heading gets `top`; every later one sits one level below the nearest heading
    before it that was written shallower, or at `top` when there is none. So `##` then `####`
    become h3 then h4 under a `top` of 3: levels never skip, whatever the author wrote. Levels
    written above `floor` count as `floor`; deeper than h6 stays h6.
    """
    shifted: list[int] = []
    enclosing: list[tuple[int, int]] = []  # (written, output) of the headings the current one is under
    for written in levels:
        written = max(written, floor)
        while enclosing and enclosing[-1][0] >= written:
            enclosing.pop()
        level = enclosing[-1][1] + 1 if enclosing else top
        enclosing.append((written, level))
        shifted.append(min(6, level))
    return shifted


def _plain_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))


def _same_title(heading: str, title: str) -> bool:
    return " ".join(heading.split()).casefold() == " ".join(title.split()).casefold()


def _heading_rule(top: int, floor: int) -> Callable[[StateCore], None]:
    """A core rule: drop a guide's opening `# Title` when it repeats the page title (env
    "title"), then shift every heading (see shifted_levels)."""

    def shift_headings(state: StateCore) -> None:
        tokens = state.tokens
        title = state.env.get("title")
        if (
            title
            and len(tokens) >= 3
            and tokens[0].type == "heading_open"
            and tokens[0].tag == "h1"
            and _same_title(_plain_text(tokens[1]), title)
        ):
            del tokens[:3]
        opening = [token for token in tokens if token.type == "heading_open"]
        levels = shifted_levels((int(token.tag[1]) for token in opening), top, floor)
        closing = iter(token for token in tokens if token.type == "heading_close")
        for token, level in zip(opening, levels, strict=True):
            token.tag = next(closing).tag = f"h{level}"

    return shift_headings


#: What screen readers hear for the footnotes (the theme's only English words in rendered Markdown).
FOOTNOTES_HEADING = "Footnotes"
BACK_TO_REFERENCE = "Back to reference {number}"


def _footnote_ids(token: Token, env: EnvType) -> tuple[str, str, str, str]:
    """(the text's part, footnote id, reference id, number shown) for a footnote token."""
    part = escapeHtml(str(env.get("part", "text")))
    number = str(token.meta["id"] + 1)
    sub = token.meta.get("subId", 0)
    return part, f"{part}-fn-{number}", f"{part}-fnref-{number}" + (f"-{sub + 1}" if sub > 0 else ""), number


def _footnote_rules(top: int) -> dict[str, Callable[..., str]]:
    """Render rules for mdit-py-plugins' footnote tokens: ids prefixed with env["part"], so a
    bio's and an expectations text's footnotes can share a page; the list under a heading at
    the text's top level (read by screen readers, hidden on screen); every back-link labelled
    with the reference it returns to. (Rules are called as the renderer's methods.)"""

    def ref(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        part, note, ref, number = _footnote_ids(tokens[idx], env)
        return (
            f'<sup class="footnote-ref"><a href="#{note}" id="{ref}" '
            f'aria-describedby="{part}-footnotes">[{number}]</a></sup>'
        )

    def block_open(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        part = escapeHtml(str(env.get("part", "text")))
        return (
            '<section class="footnotes">\n'
            f'<h{top} class="visually-hidden" id="{part}-footnotes">{FOOTNOTES_HEADING}</h{top}>\n<ol>\n'
        )

    def block_close(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</ol>\n</section>\n"

    def item_open(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f'<li id="{_footnote_ids(tokens[idx], env)[1]}">'

    def item_close(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</li>\n"

    def anchor(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        _, _, ref, number = _footnote_ids(tokens[idx], env)
        sub = tokens[idx].meta.get("subId", 0)
        label = BACK_TO_REFERENCE.format(number=number + (f" ({sub + 1})" if sub > 0 else ""))
        return f' <a href="#{ref}" class="footnote-backref" aria-label="{label}">\u21a9\ufe0e</a>'

    return {
        "footnote_ref": ref,
        "footnote_block_open": block_open,
        "footnote_block_close": block_close,
        "footnote_open": item_open,
        "footnote_close": item_close,
        "footnote_anchor": anchor,
    }


def _engine(*, top: int, floor: int, anchors: bool, images: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    if not images:
        md.disable("image")
    md.use(footnote_plugin)
    for name, rule in _footnote_rules(top).items():
        md.add_render_rule(name, rule)
    # Disabled checkboxes inside a <label>: each is named by its item's text, and none pretends
    # a visitor could tick it.
    md.use(tasklists_plugin, enabled=False, label=True)
    # Before anchors are assigned, so ids and the table of contents see the final levels.
    md.core.ruler.after("inline", "shift_headings", _heading_rule(top, floor))
    if anchors:
        # Guides and pages (not profiles) fill placeholders, before headings get their ids.
        md.core.ruler.push("placeholders", _fill_placeholders)
        md.use(anchors_plugin, min_level=2, max_level=3, permalink=False)
    md.validateLink = _validate_link  # type: ignore[method-assign]  # markdown-it's documented hook
    md.core.ruler.at("smartquotes", _bounded_smartquotes)
    return md


@cache
def _guide_engine() -> MarkdownIt:
    # A body `#` is a section like `##`: the page title is the only h1.
    return _engine(top=GUIDE_TOP, floor=2, anchors=True, images=True)


@cache
def _profile_engine() -> MarkdownIt:
    return _engine(top=PROFILE_TOP, floor=1, anchors=False, images=False)


def _external_links(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                href = str(child.attrGet("href") or "")
                # Absolute and protocol-relative (//host/…) links both leave the site.
                if child.type == "link_open" and (urlsplit(href).scheme in ("http", "https") or href.startswith("//")):
                    child.attrSet("rel", "nofollow noopener ugc")


def render_guide(text: str, placeholders: Mapping[str, Filled] | None = None, title: str = "") -> Rendered:
    """A guide or page body: headings below the page's h1, with ids and a table of contents (h2 and h3).

    `placeholders` fills `{{< name >}}` (see PLACEHOLDERS); without it they stay as written.
    A body opening with `# <title>` (the front matter's `title`, in any case) would repeat the
    page's h1, so that heading is left out.
    """
    md = _guide_engine()
    env = {"placeholders": placeholders or {}, "title": title, "part": "guide"}
    tokens = md.parse(text, env)
    toc = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            if level in (2, 3) and token.attrGet("id"):
                inline = tokens[index + 1]
                toc.append(Heading(level, str(token.attrGet("id")), inline.content))
    _external_links(tokens)
    return Rendered(md.renderer.render(tokens, md.options, env), toc)


#: A character that markdown-it or its typographer may act on: everything but letters, digits,
#: spaces, newlines and , . ; : ? ! - (and "_", a letter to \w but emphasis to Markdown).
_NOT_PROSE = re.compile(r"[^\w\n ,.;:?!-]")
#: Runs of those that the typographer rewrites (…, –, —), or a space that ends a line (stripped,
#: or with another a hard break).
_REWRITTEN = ("_", "..", "--", ",,", "????", "!!!!", " \n")
_BLANK_LINES = re.compile(r"\n{2,}")


def plain_paragraphs(text: str) -> str | None:
    """markdown-it's HTML for plain prose without running it, or None if the text is not plain.

    Most bios are a few paragraphs of plain sentences; this skips a parse that costs about
    0.1 ms each, 2 s of a 10,000-mentor build. A line that starts with a letter opens or
    continues a paragraph (every block rule starts with a digit, a space or punctuation), and
    the text of one needs no escaping. test_markdown checks it against markdown-it.
    """
    if _NOT_PROSE.search(text) or text.endswith(" ") or any(run in text for run in _REWRITTEN):
        return None
    text = text.strip("\n")
    if not text:
        return ""
    paragraphs = _BLANK_LINES.split(text)
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            if not line[0].isalpha():
                return None
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)


def render_profile(text: str, part: str = "bio") -> str:
    """A bio or expectations text: headings from h3 (the page has h1 and h2), no images.

    `part` names the text on the page ("bio", "expectations"): its footnotes' ids start with it.
    """
    plain = plain_paragraphs(text)
    if plain is not None:
        return plain
    return parsed_profile(text, part)


def parsed_profile(text: str, part: str = "bio") -> str:
    """render_profile through markdown-it, whatever the text."""
    md = _profile_engine()
    env = {"part": part}
    tokens = md.parse(text, env)
    _external_links(tokens)
    return md.renderer.render(tokens, md.options, env)


@dataclass(frozen=True)
class Reference:
    """A link's or an image's target in Markdown, and where it is written (1-based)."""

    url: str
    image: bool
    #: An image's alt text (empty for links, and for an image without one).
    alt: str
    line: int
    col: int


def references(text: str) -> list[Reference]:
    """Every link and image target of a guide body that markdown-it accepts, in order
    (remembered by text: serve checks the same guides at every rebuild)."""
    return list(_references(text))


@lru_cache(maxsize=512)
def _references(text: str) -> tuple[Reference, ...]:
    """references(), as a tuple.

    markdown-it knows a target's block but not its column, so the target is looked up in the
    text from that block on (the first time from its line, then after the last one found there),
    else anywhere (a reference definition); failing both, the block's first column.
    """
    md = _guide_engine()
    found: list[Reference] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for token in md.parse(text, {}):
        if token.type != "inline" or not token.children or token.map is None:
            continue
        cursor = line_starts[min(token.map[0], len(line_starts) - 1)]
        for child in token.children:
            if child.type == "image":
                url, image = str(child.attrGet("src") or ""), True
            elif child.type == "link_open" and child.markup != "autolink":
                url, image = str(child.attrGet("href") or ""), False
            else:
                continue
            written, at = url, -1
            for written in (url, mdurl.decode(url)):  # as written, or percent-encoded by markdown-it
                at = text.find(written, cursor)
                if at < 0:
                    at = text.find(written)
                if at >= 0:
                    break
            if at < 0:
                line, col = token.map[0] + 1, 1
            else:
                cursor = at + len(written)
                line = text.count("\n", 0, at) + 1
                col = at - line_starts[line - 1] + 1
            found.append(Reference(url, image, child.content if image else "", line, col))
    return tuple(found)
