"""Social cards: the 1200×630 PNG a link preview shows for a mentor, a guide or the site.

A card is described by a `CardSpec` (plain, picklable data: its texts, the brand colour, the
photo and font files with their stamps); `draw` turns one into PNG bytes. The spec is what an
incremental build digests, so an unchanged card is neither drawn nor written again; the build
draws cards in its parallel stage (runner.render_pages).

Fonts: a site's `[previews] font`, else DejaVu Sans from Debian's fonts-dejavu-core (Latin,
Greek, Cyrillic, Arabic, Hebrew), else Pillow's built-in Latin font. Scripts that join or
reorder their letters (Arabic, Indic scripts) need Pillow's raqm layout; without it such text
is left off the card, and `shaping_problems` says so in the build's warnings, rather than
drawing it as disconnected letters.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

from .diagnostics import Diagnostic

WIDTH, HEIGHT = 1200, 630
#: Part of every spec: change it when the drawing below changes.
RECIPE = "card-v1"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
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
class FontFile:
    """A font file with its stamp, so a replaced font changes the card's spec."""

    path: str
    size: int
    mtime_ns: int


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
    recipe: str = RECIPE


def font_files(site_dir: Path, setting: str) -> tuple[FontFile | None, FontFile | None]:
    """(regular, bold) font files for the cards; (None, None) means Pillow's built-in font."""
    if setting:
        own = _stamped(site_dir / setting)
        return own, own
    return _stamped(DEJAVU / "DejaVuSans.ttf"), _stamped(DEJAVU / "DejaVuSans-Bold.ttf")


def _stamped(path: Path) -> FontFile | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return FontFile(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1)
def shaping_available() -> bool:
    """Whether Pillow can lay out text with raqm (bidi and shaping)."""
    return bool(features.check("raqm"))


def needs_shaping(text: str) -> bool:
    return any(low <= ord(c) <= high for c in text for low, high in _SHAPED)


def card_problems(site_dir: Path, font: str, texts: list[str]) -> list[Diagnostic]:
    """An error for a `[previews] font` that is not a font file; a warning when some card text
    needs shaping this Pillow cannot do (that text is left off the cards)."""
    problems = []
    if font:
        try:
            ImageFont.truetype(str(site_dir / font), 12)
        except OSError:
            problems.append(
                Diagnostic(
                    "site.toml",
                    0,
                    0,
                    f"[previews] font '{font}' is not a TrueType or OpenType font file in the site",
                    "give the path of a .ttf or .otf file relative to the site, or leave font empty for DejaVu Sans",
                )
            )
    if not shaping_available() and any(needs_shaping(t) for t in texts):
        problems.append(
            Diagnostic(
                "site.toml",
                0,
                0,
                "social cards: some names or titles are in a script that needs text shaping (raqm), "
                "which this Pillow lacks; that text is left off the cards",
                "install Pillow from its wheel (it bundles raqm) or libraqm, or set [previews] social_cards = false",
                "warning",
            )
        )
    return problems


def _font(file: FontFile | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if file is None:
        return ImageFont.load_default(size)
    layout = ImageFont.Layout.RAQM if shaping_available() else ImageFont.Layout.BASIC
    return _truetype(file.path, size, layout)


@lru_cache(maxsize=32)
def _truetype(path: str, size: int, layout: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=layout)


def _is_rtl(text: str) -> bool:
    """Whether the first strong character is right-to-left (Hebrew, Arabic, …)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _shown(text: str, shaping: bool) -> str:
    return text if shaping or not needs_shaping(text) else ""


def _wrap(text: str, font, width: int, lines: int, direction: str | None) -> list[str]:
    """Up to `lines` lines no wider than `width`; an ellipsis ends cut text. Words longer than a
    line (or text without spaces, as in Chinese) break between characters."""

    def fits(candidate: str) -> bool:
        return font.getlength(candidate, direction=direction) <= width

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


def _avatar(spec: CardSpec) -> Image.Image:
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
        draw = ImageDraw.Draw(face)
        face.paste(Image.new("RGB", (AVATAR, AVATAR), spec.brand), mask=Image.new("L", (AVATAR, AVATAR), 170))
        initials = _shown(spec.initials, spec.shaping)
        if initials:
            font = _font(spec.bold, 96)
            draw.text((AVATAR / 2, AVATAR / 2), initials, font=font, fill="#111111", anchor="mm")
    disc = Image.new("RGBA", (AVATAR, AVATAR), (0, 0, 0, 0))
    disc.paste(face, mask=mask)
    return disc


def draw(spec: CardSpec) -> bytes:
    """The card as PNG bytes: deterministic (no timestamps or other metadata in the file)."""
    ink, muted = _text_colour(spec.brand)
    image = Image.new("RGB", (WIDTH, HEIGHT), spec.brand)
    canvas = ImageDraw.Draw(image)
    rtl = _is_rtl(spec.title or spec.site_name)
    direction = "rtl" if rtl and spec.shaping else None
    text_start, text_end = MARGIN, WIDTH - MARGIN
    if spec.initials or spec.photo:
        avatar = _avatar(spec)
        top = (HEIGHT - 90 - AVATAR) // 2
        if rtl:
            image.paste(avatar, (WIDTH - MARGIN - AVATAR, top), avatar)
            text_end -= AVATAR + 56
        else:
            image.paste(avatar, (MARGIN, top), avatar)
            text_start += AVATAR + 56
    width = text_end - text_start
    anchor = "ra" if rtl else "la"
    x = text_end if rtl else text_start
    title_font, body_font, site_font = _font(spec.bold, 64), _font(spec.regular, 36), _font(spec.bold, 30)
    lines = [
        (line, title_font, ink, 78) for line in _wrap(_shown(spec.title, spec.shaping), title_font, width, 2, direction)
    ]
    lines += [
        (line, body_font, muted, 48)
        for line in _wrap(_shown(spec.subtitle, spec.shaping), body_font, width, 4, direction)
    ]
    height = sum(step for *_, step in lines) + (16 if len(lines) > 1 else 0)
    y = (HEIGHT - 90 - height) // 2
    for index, (line, font, colour, step) in enumerate(lines):
        if index and font is body_font and lines[index - 1][1] is title_font:
            y += 16
        canvas.text((x, y), line, font=font, fill=colour, anchor=anchor, direction=direction)
        y += step
    # The site's name on a band along the bottom.
    canvas.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill="#ffffff")
    site = _shown(spec.site_name, spec.shaping)
    site_rtl = _is_rtl(site)
    canvas.text(
        (WIDTH - MARGIN if site_rtl else MARGIN, HEIGHT - 45),
        site,
        font=site_font,
        fill="#111111",
        anchor="rm" if site_rtl else "lm",
        direction="rtl" if site_rtl and spec.shaping else None,
    )
    canvas.rectangle((0, HEIGHT - 96, WIDTH, HEIGHT - 90), fill=spec.brand)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()
