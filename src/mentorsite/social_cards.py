"""Social cards: the 1200×630 PNG a link preview shows for a mentor, a guide or the site.

A card is described by a `CardSpec` (plain, picklable data: its texts, the brand colour, the
photo and font files with their stamps); `draw` turns one into PNG bytes. The spec is what an
incremental build digests, so an unchanged card is neither drawn nor written again; the build
draws cards in its parallel stage (runner.write_outputs).

Fonts (card_fonts): a site's `[previews] font`, else DejaVu Sans, else Pillow's built-in Latin
font; for a script those lack, a system font that has it (`CardSpec.fallbacks`). A text mixing
scripts ("Ana 李 Silva") is drawn in runs, each with its font; letters no font has are left off
and `card_problems` names them in the build's warnings. Scripts that join or reorder their
letters (Arabic, Indic scripts) need Pillow's raqm layout; without it such text is left off the
card, and `card_problems` says so too, rather than drawing it as disconnected letters.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

from .card_fonts import (
    FontFile,
    Lookup,
    fallback_fonts,
    font_files,
    font_runs,
    fontconfig_list,
    install_hint,
    script_name,
)
from .config import SiteConfig
from .diagnostics import Diagnostic
from .load import Loaded

WIDTH, HEIGHT = 1200, 630
#: Part of every spec: change it when the drawing below changes.
RECIPE = "card-v2"
MARGIN = 72
AVATAR = 240

#: Scripts whose letters join or change shape with their neighbours: unreadable without shaping.
_SHAPED = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, NKo, Arabic supplements
    (0x0900, 0x0DFF),  # Indic scripts
    (0x0E00, 0x0FFF),  # Thai, Lao, Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0xFB1D, 0xFEFF),  # presentation forms
)


@dataclass(frozen=True)
class CardSpec:
    """Everything a card shows; equal specs draw equal bytes."""

    title: str
    subtitle: str
    site_name: str
    #: #rrggbb
    brand: str
    #: Shown in the avatar circle when there is no photo; empty for no avatar (the site's card).
    initials: str = ""
    #: The photo's source file and its digest (photos.PublishedPhoto), or None.
    photo: str | None = None
    photo_digest: str = ""
    regular: FontFile | None = None
    bold: FontFile | None = None
    shaping: bool = True
    #: System fonts for the scripts of this card's texts that `regular` and `bold` lack (card_fonts.fallback_fonts).
    fallbacks: tuple[FontFile, ...] = ()
    recipe: str = RECIPE


@dataclass(frozen=True)
class CardText:
    """A text some card shows, and where it comes from (for the build's warnings)."""

    path: str
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class Run:
    """A piece of text drawn with one font: what `layout` places on a card."""

    text: str
    font: FontFile | None
    size: int
    x: float
    y: float
    #: Pillow's text anchor for (x, y).
    anchor: str
    fill: str
    direction: str | None


@lru_cache(maxsize=1)
def shaping_available() -> bool:
    """Whether Pillow can lay out text with raqm (bidi and shaping)."""
    return bool(features.check("raqm"))


def needs_shaping(text: str) -> bool:
    return any(low <= ord(c) <= high for c in text for low, high in _SHAPED)


def card_texts(config: SiteConfig, loaded: Loaded) -> list[CardText]:
    """The texts the site's cards show (site, mentors with their translated headlines, guides), where they come from."""
    texts = [CardText("site.toml", 0, 0, t) for t in (config.title, config.description) if t]
    for item in loaded.mentors:
        mentor = item.mentor
        fields: list[tuple[tuple[str, ...], str | None]] = [(("name",), mentor.name), (("headline",), mentor.headline)]
        fields += [(("translations", lang, "headline"), t.headline) for lang, t in mentor.translations.items()]
        texts += [CardText(item.path, *item.document.position(loc), text) for loc, text in fields if text]
    for guide in [*loaded.guides, *loaded.translations]:
        texts += [CardText(guide.path, 0, 0, t) for t in (guide.meta.title, guide.meta.summary) if t]
    return texts


def card_problems(
    site_dir: Path, font: str, texts: Sequence[CardText], lookup: Lookup = fontconfig_list
) -> list[Diagnostic]:
    """An error for a `[previews] font` that is not a font file; a warning when some card text
    needs shaping this Pillow cannot do, and one per file and script that no installed font has
    (that text is left off the cards)."""
    problems = []
    usable = True
    if font:
        try:
            ImageFont.truetype(str(site_dir / font), 12)
        except OSError:
            usable = False
            problems.append(
                Diagnostic(
                    "site.toml",
                    0,
                    0,
                    f"[previews] font '{font}' is not a TrueType or OpenType font file in the site",
                    "give the path of a .ttf or .otf file relative to the site, or leave font empty for DejaVu Sans",
                )
            )
    shaping = shaping_available()
    if not shaping and any(needs_shaping(t.text) for t in texts):
        problems.append(
            Diagnostic(
                "site.toml",
                0,
                0,
                "social cards: some names or titles are in a script that needs text shaping (raqm), "
                "which this Pillow lacks; that text is left off the cards",
                "install libfribidi0 (Pillow's wheel bundles raqm but loads FriBiDi from the system) or libraqm, "
                "or set [previews] social_cards = false",
                "warning",
            )
        )
    if not usable:
        return problems
    regular, bold = font_files(site_dir, font)
    by_file: dict[str, list[CardText]] = {}
    for text in texts:
        if shaping or not needs_shaping(text.text):
            by_file.setdefault(text.path, []).append(text)
    for path, shown in by_file.items():
        missing = fallback_fonts([t.text for t in shown], regular, bold, lookup).missing
        for script, lacking in missing.items():
            first = next(t for t in shown if t.text in lacking)
            quoted = ", ".join(f"'{t}'" for t in lacking)
            problems.append(
                Diagnostic(
                    path,
                    first.line,
                    first.col,
                    f"social card: no installed font has the {script_name(script)} letters of {quoted}; "
                    "they are left off the card",
                    install_hint(script),
                    "warning",
                )
            )
    return problems


def _font(file: FontFile | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if file is None:
        return ImageFont.load_default(size)
    layout = ImageFont.Layout.RAQM if shaping_available() else ImageFont.Layout.BASIC
    return _truetype(file.path, file.index, size, layout)


@lru_cache(maxsize=32)
def _truetype(path: str, index: int, size: int, layout: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=layout)


def _is_rtl(text: str) -> bool:
    """Whether the first strong character is right-to-left (Hebrew, Arabic, …)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@dataclass(frozen=True)
class _Face:
    """The fonts that draw one kind of text on a card (title, body…), first to last resort."""

    chain: tuple[FontFile | None, ...]
    size: int
    shaping: bool

    def shown(self, text: str) -> str:
        """What of `text` is drawn: nothing that needs shaping this Pillow cannot do, no letter no font has."""
        if not self.shaping and needs_shaping(text):
            return ""
        return " ".join("".join(piece for piece, _ in font_runs(text, self.chain)).split())

    def runs(self, text: str) -> list[tuple[str, FontFile | None]]:
        return [(piece, self.chain[index]) for piece, index in font_runs(text, self.chain)]

    def length(self, text: str, direction: str | None) -> float:
        return sum(_font(font, self.size).getlength(piece, direction=direction) for piece, font in self.runs(text))


def _faces(spec: CardSpec, size: int, bold: bool) -> _Face:
    return _Face(((spec.bold if bold else spec.regular), *spec.fallbacks), size, spec.shaping)


def _line(face: _Face, text: str, x: float, y: float, anchor: str, fill: str, direction: str | None) -> list[Run]:
    """One line's runs, placed as `ImageDraw.text` with `anchor` places a line in the first font of
    the face: the runs share that font's baseline, in reading order from the anchored side."""
    runs = face.runs(text)
    if len(runs) == 1 and runs[0][1] == face.chain[0]:
        return [Run(runs[0][0], runs[0][1], face.size, x, y, anchor, fill, direction)]
    first = _font(face.chain[0], face.size)
    ascent, descent = first.getmetrics() if isinstance(first, ImageFont.FreeTypeFont) else (face.size, 0)
    baseline = y + {"a": ascent, "m": (ascent - descent) / 2}.get(anchor[1], 0)
    widths = [_font(font, face.size).getlength(piece, direction=direction) for piece, font in runs]
    rtl = direction == "rtl" or anchor[0] == "r"
    total = sum(widths)
    edge = {"l": x, "r": x, "m": x + total / 2 if rtl else x - total / 2}[anchor[0]]
    placed = []
    for (piece, font), width in zip(runs, widths, strict=True):
        placed.append(Run(piece, font, face.size, edge, baseline, "rs" if rtl else "ls", fill, direction))
        edge += -width if rtl else width
    return placed


def _wrap(text: str, face: _Face, width: int, lines: int, direction: str | None) -> list[str]:
    """Up to `lines` lines no wider than `width`; an ellipsis ends cut text. Words longer than a
    line (or text without spaces, as in Chinese) break between characters."""

    def fits(candidate: str) -> bool:
        return face.length(candidate, direction) <= width

    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            out.append(current)
            current = ""
        while not fits(word):
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut]):
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        out = out[: lines - 1] + [last.rstrip() + "…"]
    return out


def _text_colour(brand: str) -> tuple[str, str]:
    """(main, muted) text colours readable on the brand colour (WCAG relative luminance)."""
    channels = [int(brand[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white (1.05 / (L + 0.05)) against contrast with near-black.
    if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05:
        return "#ffffff", "#e8eef3"
    return "#111111", "#2b2b2b"


@lru_cache(maxsize=1)
def _circle() -> Image.Image:
    """The avatar's round mask, drawn at four times the size and scaled down for smooth edges."""
    mask = Image.new("L", (AVATAR * 4, AVATAR * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR * 4 - 1, AVATAR * 4 - 1), fill=255)
    return mask.resize((AVATAR, AVATAR), Image.Resampling.LANCZOS)


def _avatar(spec: CardSpec, initials: list[Run]) -> Image.Image:
    """The mentor's photo in a circle, else their initials on a lighter disc."""
    mask = _circle()
    if spec.photo:
        with Image.open(spec.photo) as original:
            if original.format == "JPEG":
                original.draft("RGB", (AVATAR * 2, AVATAR * 2))
            face = ImageOps.fit(ImageOps.exif_transpose(original).convert("RGB"), (AVATAR, AVATAR))
    else:
        # The brand colour lightened (two thirds over white), so dark initials read on it.
        face = Image.new("RGB", (AVATAR, AVATAR), "#ffffff")
        face.paste(Image.new("RGB", (AVATAR, AVATAR), spec.brand), mask=Image.new("L", (AVATAR, AVATAR), 170))
        _paint(ImageDraw.Draw(face), initials)
    disc = Image.new("RGBA", (AVATAR, AVATAR), (0, 0, 0, 0))
    disc.paste(face, mask=mask)
    return disc


@dataclass(frozen=True)
class Layout:
    """A card's texts as runs placed on it."""

    #: The initials, on the avatar disc (its own coordinates).
    initials: list[Run]
    #: The title and the subtitle.
    text: list[Run]
    #: The site's name, on the band along the bottom.
    band: list[Run]

    @property
    def runs(self) -> list[Run]:
        return self.initials + self.text + self.band


def layout(spec: CardSpec) -> Layout:
    """Where each piece of a card's texts goes, and in which font."""
    ink, muted = _text_colour(spec.brand)
    title, body, site = _faces(spec, 64, bold=True), _faces(spec, 36, bold=False), _faces(spec, 30, bold=True)
    rtl = _is_rtl(spec.title or spec.site_name)
    direction = "rtl" if rtl and spec.shaping else None
    text_start, text_end = MARGIN, WIDTH - MARGIN
    initials: list[Run] = []
    if spec.initials or spec.photo:
        initials = _initials(spec)
        if rtl:
            text_end -= AVATAR + 56
        else:
            text_start += AVATAR + 56
    width = text_end - text_start
    anchor = "ra" if rtl else "la"
    x = text_end if rtl else text_start
    lines = [(line, title, ink, 78) for line in _wrap(title.shown(spec.title), title, width, 2, direction)]
    lines += [(line, body, muted, 48) for line in _wrap(body.shown(spec.subtitle), body, width, 4, direction)]
    height = sum(step for *_, step in lines) + (16 if len(lines) > 1 else 0)
    y = (HEIGHT - 90 - height) // 2
    text: list[Run] = []
    for index, (line, face, colour, step) in enumerate(lines):
        if index and face is body and lines[index - 1][1] is title:
            y += 16
        text += _line(face, line, x, y, anchor, colour, direction)
        y += step
    # The site's name on a band along the bottom.
    name = site.shown(spec.site_name)
    site_rtl = _is_rtl(name)
    band = _line(
        site,
        name,
        WIDTH - MARGIN if site_rtl else MARGIN,
        HEIGHT - 45,
        "rm" if site_rtl else "lm",
        "#111111",
        "rtl" if site_rtl and spec.shaping else None,
    )
    return Layout(initials, text, band)


def _initials(spec: CardSpec) -> list[Run]:
    if spec.photo:
        return []
    letters = _faces(spec, 96, bold=True)
    shown = letters.shown(spec.initials)
    return _line(letters, shown, AVATAR / 2, AVATAR / 2, "mm", "#111111", None) if shown else []


def _paint(canvas: ImageDraw.ImageDraw, runs: list[Run]) -> None:
    for run in runs:
        font = _font(run.font, run.size)
        canvas.text((run.x, run.y), run.text, font=font, fill=run.fill, anchor=run.anchor, direction=run.direction)


def draw(spec: CardSpec) -> bytes:
    """The card as PNG bytes: deterministic (no timestamps or other metadata in the file)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), spec.brand)
    canvas = ImageDraw.Draw(image)
    placed = layout(spec)
    if spec.initials or spec.photo:
        disc = _avatar(spec, placed.initials)
        top = (HEIGHT - 90 - AVATAR) // 2
        left = WIDTH - MARGIN - AVATAR if _is_rtl(spec.title or spec.site_name) else MARGIN
        image.paste(disc, (left, top), disc)
    _paint(canvas, placed.text)
    canvas.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill="#ffffff")
    _paint(canvas, placed.band)
    canvas.rectangle((0, HEIGHT - 96, WIDTH, HEIGHT - 90), fill=spec.brand)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()
