"""Social cards in every script: a font per script run (card_fonts), no box ever drawn for a
missing glyph, and a warning naming the file and the script when no installed font has it.

These draw with the system's fonts: DejaVu Sans, WenQuanYi Micro Hei and Lohit Devanagari, which
`scripts/setup.sh --test` installs, found through the real fontconfig."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, tiny_jpeg, write_site

from mentorsite.build import check_site
from mentorsite.card_fonts import DEJAVU, FontFile, fallback_fonts, font_files, fontconfig_list
from mentorsite.diagnostics import Diagnostic
from mentorsite.social_cards import WIDTH, CardSpec, CardText, Run, card_problems, card_texts, draw, layout

NAME = "王小明"
HINDI = "डेटा विज्ञान में करियर"
REGULAR, BOLD = font_files(Path("."), "")


def no_fonts(pattern: str) -> tuple[tuple[str, int], ...]:
    """A fontconfig that lists no font at all."""
    return ()


@cache
def glyphs(font: FontFile) -> frozenset[int]:
    """The characters a font file has a glyph for, read here independently of card_fonts."""
    with TTFont(font.path, fontNumber=font.index) as parsed:
        return frozenset(parsed["cmap"].getBestCmap())


def card(title: str, subtitle: str, initials: str = "", lookup=fontconfig_list) -> CardSpec:
    """A card as the build describes it: its fallbacks for its own texts only."""
    fallbacks = fallback_fonts((title, subtitle, initials, "Mentor Site"), REGULAR, BOLD, lookup).fonts
    return CardSpec(
        title, subtitle, "Mentor Site", "#1f5f8b", initials, regular=REGULAR, bold=BOLD, fallbacks=fallbacks
    )


def assert_no_tofu(runs: list[Run]) -> None:
    for run in runs:
        assert run.font is not None
        lacking = {c for c in run.text if ord(c) not in glyphs(run.font)}
        assert not lacking, f"{run.text!r} drawn with {run.font.path}, which has no glyph for {lacking}"


def test_chinese_name_and_hindi_headline_draw_every_letter_with_a_font_that_has_it():
    """王小明 with a Hindi headline: every character drawn comes from a font whose cmap has it (no
    .notdef box), nothing is left off, and the card differs from one without those texts."""
    spec = card(NAME, HINDI, "王")
    placed = layout(spec)
    assert_no_tofu(placed.runs)
    assert "".join(r.text for r in placed.initials) == "王"
    assert [r.text for r in placed.text] == [NAME, HINDI]
    assert {r.font for r in placed.text}.isdisjoint({REGULAR, BOLD})
    assert draw(spec) != draw(replace(spec, title="", subtitle="", initials=""))


def test_mixed_text_is_drawn_in_runs_with_two_fonts():
    """ "Ana 李 Silva": the Latin parts in DejaVu Sans Bold, 李 in a CJK font, left to right on one baseline."""
    placed = layout(card("Ana 李 Silva", ""))
    title = [r for r in placed.text if r.size == 64]
    assert [r.text for r in title] == ["Ana ", "李 ", "Silva"]
    assert title[0].font == title[2].font == BOLD
    assert len({r.font for r in title}) == 2
    assert len({r.y for r in title}) == 1 and title[0].x < title[1].x < title[2].x
    assert_no_tofu(placed.runs)


def test_english_headline_with_one_hindi_word():
    """One Devanagari word in an English headline gets its own run; the words around it stay in DejaVu Sans."""
    placed = layout(card("Ada Example", "Careers in data: करियर coaching"))
    body = [(r.text, r.font == REGULAR) for r in placed.text if r.size == 36]
    assert body == [("Careers in data: ", True), ("करियर ", False), ("coaching", True)]
    assert_no_tofu(placed.runs)


def test_right_to_left_title_places_its_runs_from_the_right():
    """An Arabic title with a Chinese name in it: the runs follow each other leftwards from the right margin."""
    placed = layout(card("يوسف 李 الحسن", "مهندس", "ي"))
    title = [r for r in placed.text if r.size == 64]
    assert [r.text for r in title] == ["يوسف ", "李 ", "الحسن"]
    assert title[0].x == WIDTH - 72 - 240 - 56 and title[0].x > title[1].x > title[2].x
    assert {r.anchor for r in title} == {"rs"} and {r.direction for r in title} == {"rtl"}
    assert_no_tofu(placed.runs)


def test_mixed_title_keeps_its_two_line_clamp():
    """A long title mixing Chinese and Latin wraps within the width and ends in an ellipsis on line two."""
    spec = card("Ana " + "李" * 60 + " Silva", "")
    title = [r for r in layout(spec).text if r.size == 64]
    assert len({r.y for r in title}) == 2
    assert title[-1].text.endswith("…")
    assert_no_tofu(title)


def test_no_installed_font_for_a_script_warns_and_leaves_it_off(tmp_path):
    """A site whose only font (DejaVu Sans) lacks Han and Devanagari, on a system whose fontconfig
    lists no font: one warning per script at the mentor's field, and the card is drawn as if
    those texts were empty, never with boxes."""
    profile = GOOD_PROFILE.replace("name: Ada Example", f"name: {NAME}").replace(
        "headline: Data leader happy to help with a first management role", f"headline: Ana 李 Silva, {HINDI}"
    )
    toml = SITE_TOML + '\n[previews]\nfont = "fonts/DejaVuSans.ttf"\n'
    site = write_site(tmp_path, files={"site.toml": toml, PHOTO_PATH: tiny_jpeg(), "mentors/ada.yaml": profile})
    (site / "fonts").mkdir(exist_ok=True)
    shutil.copy(DEJAVU / "DejaVuSans.ttf", site / "fonts/DejaVuSans.ttf")
    config, loaded, report = check_site(site)
    assert config is not None and report.errors == []
    assert card_problems(site, config.previews.font, card_texts(config, loaded), no_fonts) == [
        Diagnostic(
            "mentors/ada.yaml",
            1,
            7,
            "social card: no installed font has the Han letters of '王小明', 'Ana 李 Silva, डेटा विज्ञान में करियर'; "
            "they are left off the card",
            "install fonts-noto-cjk, or set [previews] font to a font that covers Han",
            "warning",
        ),
        Diagnostic(
            "mentors/ada.yaml",
            2,
            11,
            "social card: no installed font has the Devanagari letters of 'Ana 李 Silva, डेटा विज्ञान में करियर'; "
            "they are left off the card",
            "install fonts-noto-core, or set [previews] font to a font that covers Devanagari",
            "warning",
        ),
    ]
    spec = card(NAME, f"Ana 李 Silva, {HINDI}", "王", lookup=no_fonts)
    assert spec.fallbacks == ()
    placed = layout(spec)
    assert_no_tofu(placed.runs)
    assert [r.text for r in placed.text] == ["Ana Silva,"]
    assert placed.initials == []
    # The avatar disc stays, without initials: as for any initial no font has.
    assert draw(spec) == draw(replace(spec, title="", subtitle="Ana Silva,", initials="明"))
    assert draw(spec) != draw(replace(spec, title="", subtitle="Ana Silva,", initials="A"))


def test_installed_fonts_give_no_card_warning(tmp_path):
    """With the test fonts installed, the same mentor builds without a card warning."""
    profile = GOOD_PROFILE.replace("name: Ada Example", f"name: {NAME}").replace(
        "headline: Data leader happy to help with a first management role", f"headline: {HINDI}"
    )
    site = write_site(tmp_path, files={"site.toml": SITE_TOML, PHOTO_PATH: tiny_jpeg(), "mentors/ada.yaml": profile})
    config, loaded, report = check_site(site)
    assert config is not None
    assert [d for d in report.diagnostics if "social card" in d.message] == []
    assert card_problems(site, "", card_texts(config, loaded)) == []


def test_card_spec_changes_when_its_fallback_font_file_changes(tmp_path):
    """The fallback font's stamp is part of the spec: a replaced font file redraws the card; a
    Latin-only card names no fallback, so other mentors' scripts never redraw it."""
    font = tmp_path / "Deva.ttf"
    shutil.copy("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf", font)

    def one_font(pattern: str) -> tuple[tuple[str, int], ...]:
        return ((str(font), 0),)

    before = card("Ada Example", HINDI, lookup=one_font)
    assert [f.path for f in before.fallbacks] == [str(font)]
    os.utime(font, ns=(1_000_000_000, 1_000_000_000))
    after = card("Ada Example", HINDI, lookup=one_font)
    assert after != before and after.fallbacks[0].mtime_ns == 1_000_000_000
    assert card("Ada Example", "Data leader", lookup=one_font).fallbacks == ()


def test_fontconfig_lists_the_installed_script_fonts():
    """The real fc-list answers with existing files for Chinese, Japanese, Korean and Hindi."""
    for language in ("zh-cn", "ja", "ko", "hi"):
        listed = fontconfig_list(f":lang={language}")
        assert listed, f"fontconfig lists no font for {language}: run scripts/setup.sh --test"
        assert all(Path(path).is_file() and index >= 0 for path, index in listed)
    assert fontconfig_list(":lang=zz-none") == ()


def test_card_text_positions(tmp_path):
    """card_texts names each card text's file and, for a profile, the field's line and column."""
    site = write_site(
        tmp_path, files={"site.toml": SITE_TOML, PHOTO_PATH: tiny_jpeg(), "mentors/ada.yaml": GOOD_PROFILE}
    )
    config, loaded, _ = check_site(site)
    assert config is not None
    assert card_texts(config, loaded) == [
        CardText("site.toml", 0, 0, "Test Mentors"),
        CardText("site.toml", 0, 0, "A small site for tests."),
        CardText("mentors/ada.yaml", 1, 7, "Ada Example"),
        CardText("mentors/ada.yaml", 2, 11, "Data leader happy to help with a first management role"),
    ]
