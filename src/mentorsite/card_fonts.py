"""Which font draws each character of a social card.

A card draws with the site's `[previews] font`, else DejaVu Sans (Debian's fonts-dejavu-core:
Latin, Greek, Cyrillic, Arabic, Hebrew), else Pillow's built-in Latin font; a script those lack
(Chinese, Japanese, Korean, Devanagari, Thai…) is drawn with a system font that has it, found
through fontconfig (`fc-list`). Whether a font has a character is read from its cmap (fontTools),
never guessed from drawn pixels. Characters no font has are left off the card, never drawn as
boxes; `fallback_fonts` names their scripts so the build can say which font to install.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import unicodedata as ucd
from fontTools.ttLib import TTFont, TTLibError

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
#: Characters that take their font from their neighbours: spaces, digits, punctuation (Common)
#: and combining marks, ZWJ and ZWNJ (Inherited).
NEUTRAL = frozenset({"Zyyy", "Zinh"})
#: Pillow's built-in font (load_default) is Latin only; count on ASCII.
BUILT_IN = frozenset(range(0x20, 0x7F))

#: fontconfig languages whose fonts cover a script (ISO 15924 code); a script not listed is
#: looked up by its characters instead (`:charset=`).
SCRIPT_LANGUAGES = {
    "Hani": ("zh-cn", "zh-tw", "ja", "ko"),
    "Hira": ("ja",),
    "Kana": ("ja",),
    "Hang": ("ko",),
    "Bopo": ("zh-tw",),
    "Deva": ("hi", "mr", "ne"),
    "Beng": ("bn",),
    "Guru": ("pa",),
    "Gujr": ("gu",),
    "Orya": ("or",),
    "Taml": ("ta",),
    "Telu": ("te",),
    "Knda": ("kn",),
    "Mlym": ("ml",),
    "Sinh": ("si",),
    "Thai": ("th",),
    "Laoo": ("lo",),
    "Tibt": ("bo",),
    "Mymr": ("my",),
    "Khmr": ("km",),
    "Ethi": ("am",),
    "Geor": ("ka",),
    "Armn": ("hy",),
    "Hebr": ("he",),
    "Arab": ("ar", "fa", "ur"),
    "Syrc": ("syr",),
    "Thaa": ("dv",),
    "Grek": ("el",),
    "Cyrl": ("ru", "uk", "sr"),
}
#: The Debian package a warning suggests for a script no installed font covers.
_CJK = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})

#: fontconfig pattern -> (file, face index) of the installed fonts that match it.
Lookup = Callable[[str], Sequence[tuple[str, int]]]


@dataclass(frozen=True)
class FontFile:
    """A font file (and face, in a .ttc collection) with its stamp, so a replaced font changes a card's spec."""

    path: str
    size: int
    mtime_ns: int
    index: int = 0


@dataclass(frozen=True)
class Fallbacks:
    """What `fallback_fonts` found for some texts."""

    #: System fonts for the scripts the card's own fonts lack, in the order they are tried.
    fonts: tuple[FontFile, ...]
    #: Scripts (ISO 15924 code) no installed font covers -> the texts that use them.
    missing: dict[str, tuple[str, ...]]


def stamped(path: Path, index: int = 0) -> FontFile | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return FontFile(str(path), stat.st_size, stat.st_mtime_ns, index)


def font_files(site_dir: Path, setting: str) -> tuple[FontFile | None, FontFile | None]:
    """(regular, bold) font files for the cards; (None, None) means Pillow's built-in font."""
    if setting:
        own = stamped(site_dir / setting)
        return own, own
    return stamped(DEJAVU / "DejaVuSans.ttf"), stamped(DEJAVU / "DejaVuSans-Bold.ttf")


@lru_cache(maxsize=64)
def coverage(font: FontFile | None) -> frozenset[int]:
    """The code points `font` has glyphs for (its best cmap); a file that is no font has none."""
    if font is None:
        return BUILT_IN
    try:
        with TTFont(font.path, fontNumber=font.index, lazy=True) as parsed:
            return frozenset(parsed.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError, KeyError):
        return frozenset()


@cache
def fontconfig_list(pattern: str) -> tuple[tuple[str, int], ...]:
    """The installed fonts fontconfig lists for `pattern` (as `fc-list` does), by path; asked once per
    pattern and process (a font installed while `serve` runs is seen after a restart)."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\t%{index}\n", pattern],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found = set()
    for line in listed.splitlines():
        path, _, index = line.partition("\t")
        if path:
            found.add((path, int(index) if index.isdigit() else 0))
    return tuple(sorted(found))


def script_of(char: str) -> str:
    """The ISO 15924 code of the script `char` belongs to ("Zyyy" for Common, "Zinh" for Inherited)."""
    return ucd.script(char)


def script_name(code: str) -> str:
    return ucd.script_name(code, default=code).replace("_", " ")


def install_hint(code: str) -> str:
    package = "fonts-noto-cjk" if code in _CJK else "fonts-noto-core"
    return f"install {package}, or set [previews] font to a font that covers {script_name(code)}"


def _patterns(script: str, chars: Iterable[str]) -> list[str]:
    languages = SCRIPT_LANGUAGES.get(script)
    if languages:
        return [f":lang={language}" for language in languages]
    return [f":charset={ord(min(chars)):x}"]


def fallback_fonts(
    texts: Iterable[str], regular: FontFile | None, bold: FontFile | None, lookup: Lookup = fontconfig_list
) -> Fallbacks:
    """The system fonts the texts of one card need beyond `regular` and `bold`: for each script they
    lack, the first listed font (by path) that has every character of it in the texts, else the one
    that has the most."""
    own = _both(regular, bold)
    texts = list(dict.fromkeys(texts))
    needed: dict[str, set[str]] = {}
    for text in texts:
        for char in text:
            if ord(char) not in own and (script := script_of(char)) not in NEUTRAL:
                needed.setdefault(script, set()).add(char)
    fonts: list[FontFile] = []
    missing: dict[str, tuple[str, ...]] = {}
    for script, chars in needed.items():
        listed = {found for pattern in _patterns(script, chars) for found in lookup(pattern)}
        candidates = [
            f for path, index in sorted(listed) if (f := stamped(Path(path), index)) not in (None, regular, bold)
        ]
        best = max(candidates, key=lambda f: len(coverage(f) & {ord(c) for c in chars}), default=None)
        if best is not None and not coverage(best) & {ord(c) for c in chars}:
            best = None
        if best is not None and best not in fonts:
            fonts.append(best)
        lacking = {c for c in chars if best is None or ord(c) not in coverage(best)}
        if lacking:
            missing[script] = tuple(t for t in texts if not lacking.isdisjoint(t))
    return Fallbacks(tuple(fonts), missing)


@lru_cache(maxsize=8)
def _both(regular: FontFile | None, bold: FontFile | None) -> frozenset[int]:
    return coverage(regular) & coverage(bold)


def font_runs(text: str, chain: Sequence[FontFile | None]) -> list[tuple[str, int]]:
    """`text` cut where the font that draws it changes: (piece, index in `chain`), each character
    drawn by the first font of the chain that has it. Spaces, punctuation and combining marks stay
    with the font before them when it has them; a character no font has is left out."""
    if text and chain and coverage(chain[0]).issuperset(map(ord, text)):
        return [(text, 0)]  # the common case, and wrapping asks many times
    runs: list[tuple[str, int]] = []
    for char in text:
        script, code = script_of(char), ord(char)
        current = runs[-1][1] if runs else None
        if current is not None and script in NEUTRAL and (script == "Zinh" or code in coverage(chain[current])):
            pick: int | None = current
        else:
            pick = next((i for i, font in enumerate(chain) if code in coverage(font)), None)
        if pick is None:
            continue
        if runs and runs[-1][1] == pick:
            runs[-1] = (runs[-1][0] + char, pick)
        else:
            runs.append((char, pick))
    return runs
