"""Text and path safety rules, in one place for profiles, site.toml, guides and the receiver.

Which characters a one-line field or a piece of prose may hold, what an email address and a
slug look like, where an offset sits as (line, column), and whether a path passes through a
symbolic link. Plain functions over strings and paths; no module of the pipeline below this.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, NamedTuple

from anyascii import anyascii

from .writing import HAN, JOINERS, JOINING, cjk_count, in_ranges

# Character classes, as regex class bodies. They are the one definition: to allow a character
# somewhere (e.g. ZWNJ/ZWJ where a script needs them), change it here.

#: C0 and C1 control characters.
CONTROLS = "\x00-\x1f\x7f-\x9f"
#: Unicode's line and paragraph separators: they break a line as surely as "\n".
LINE_SEPARATORS = "\u2028\u2029"
#: Explicit directional formatting (embeddings, overrides, isolates): they reorder the text
#: around them, the "Trojan Source" trick, so a name can impersonate another.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
#: Implicit directional marks (LRM, RLM, ALM): harmless in prose, invisible noise in a name.
BIDI_MARKS = "\u200e\u200f\u061c"
#: Characters that show nothing: zero-width space, ZWNJ, ZWJ, word joiner, BOM, soft hyphen.
#: ZWNJ and ZWJ are spelling inside a word of a script that needs them (see in_word_joiner).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

_ONE_LINE_CONTROL = re.compile(f"[{CONTROLS}{LINE_SEPARATORS}]")
#: Prose keeps tab and "\n" (callers turn "\r\n" into "\n" first).
_PROSE_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ONE_LINE_BIDI = re.compile(f"[{BIDI_CONTROLS}{BIDI_MARKS}]")
_PROSE_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")

Kind = Literal["control", "bidi", "invisible"]


class Forbidden(NamedTuple):
    """The first forbidden character found: what kind it is, and where."""

    kind: Kind
    offset: int
    char: str


def _joining_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" and in_ranges(char, JOINING)


def in_word_joiner(text: str, offset: int) -> bool:
    """Whether text[offset] is a ZWNJ or ZWJ between two letters (or a letter's marks) of a
    script whose spelling uses them: Persian "می‌خواهم", Devanagari "क्‍ष", Sinhala conjuncts.

    Anywhere else (Latin text, the ends of a word, next to a space) a joiner only hides
    something, and stays refused in names."""
    return (
        text[offset] in JOINERS
        and 0 < offset < len(text) - 1
        and _joining_letter(text[offset - 1])
        and _joining_letter(text[offset + 1])
    )


def _first(text: str, rules: Iterable[tuple[Kind, re.Pattern[str]]]) -> Forbidden | None:
    for kind, pattern in rules:
        for match in pattern.finditer(text):
            if kind == "invisible" and in_word_joiner(text, match.start()):
                continue
            return Forbidden(kind, match.start(), match.group())
    return None


def one_line_problem(text: str, *, visible: bool = False) -> Forbidden | None:
    """A forbidden character in a one-line field (a headline; with `visible`, a name or an
    address, where invisible characters are refused too), or None."""
    rules: list[tuple[Kind, re.Pattern[str]]] = [("control", _ONE_LINE_CONTROL), ("bidi", _ONE_LINE_BIDI)]
    if visible:
        rules.append(("invisible", _INVISIBLE))
    return _first(text, rules)


def prose_problem(text: str) -> Forbidden | None:
    """A forbidden character in multi-line text (a bio, a guide, a message), or None."""
    return _first(text, [("control", _PROSE_CONTROL), ("bidi", _PROSE_BIDI)])


EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def is_email(text: str) -> bool:
    """Whether text is one email address (surrounding spaces aside)."""
    return bool(EMAIL_RE.match(text.strip()))


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Longest slug: a file name and a URL segment.
SLUG_MAX = 64


def is_slug(text: str) -> bool:
    """Lower-case a-z, 0-9 and single hyphens between them, at most SLUG_MAX characters."""
    return len(text) <= SLUG_MAX and bool(SLUG_RE.match(text))


def slugify(text: str) -> str:
    """'José Ñúñez-Ortega' -> 'jose-nunez-ortega', '松田健二' -> 'song-tian-jian-er', 'कमल वर्मा' ->
    'kml-vrma': letters of any script transliterated ('' when nothing is left)."""
    if cjk_count(text):
        # anyascii runs ideographs together ("SongTianJianEr"): one syllable each reads better.
        text = "".join(f" {c} " if in_ranges(c, HAN) else c for c in text)
    ascii_text = anyascii(text)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def line_col(text: str | bytes, index: int) -> tuple[int, int]:
    """1-based (line, column) of text[index], lines broken at "\\n"; (0, 0) for a negative index.

    For bytes (a file that is not text yet) the column counts bytes.
    """
    if index < 0:
        return 0, 0
    if isinstance(text, bytes):
        text = text.decode("latin-1")  # one character per byte: the same offsets
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def source_line(text: str, line: int) -> str:
    """The text of 1-based `line` (without its line break), or '' when there is none."""
    # Found by searching for line breaks, not by splitting the whole file: a build quotes a
    # line for each of thousands of warnings ("no photo" on line 1 of every profile).
    if line < 1:
        return ""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if not start:
            return ""
    end = text.find("\n", start)
    return (text[start:] if end < 0 else text[start:end]).rstrip("\r")


def symlink_on_path(base: Path, parts: Iterable[str]) -> Path | None:
    """The first of base/p1, base/p1/p2, … that is a symbolic link, or None (base itself,
    e.g. the site folder, may be a link).

    A link anywhere on the way could lead outside the site, so every step is checked.
    """
    probe = base
    for part in parts:
        probe = probe / part
        if probe.is_symlink():
            return probe
    return None
