"""One set of text and path rules: profiles, guides, site.toml and the receiver agree."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from mentorsite.load import read_guide
from mentorsite.models import Guide, Mentor
from mentorsite.receiver.directory import Directory, Entry
from mentorsite.receiver.validation import validate
from mentorsite.textrules import (
    Forbidden,
    is_email,
    is_slug,
    line_col,
    one_line_problem,
    prose_problem,
    slugify,
    source_line,
    symlink_on_path,
)

ANA = Entry("ana", "Ana Example", True, (), "ana@example.org")
DIRECTORY = Directory({"ana": ANA})
FORM = {
    "mentor": "ana",
    "name": "Mo Mentee",
    "email": "mo@example.org",
    "hope_to_gain": "Advice on a first management role.",
    "message": "Hello!",
    "consent": "yes",
}
PROFILE = {"name": "Ada Example", "headline": "Data leader", "bio": "About Ada.", "tags": ["leadership"]}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ada Example", None),
        ("Ada\nExample", Forbidden("control", 3, "\n")),
        ("Ada\u2028Example", Forbidden("control", 3, "\u2028")),
        ("Ada \u202eelpmaxE", Forbidden("bidi", 4, "\u202e")),
        ("Ada \u2067Example", Forbidden("bidi", 4, "\u2067")),
        ("Ada\u200eExample", Forbidden("bidi", 3, "\u200e")),
        ("Ada\u200fExample", Forbidden("bidi", 3, "\u200f")),
        ("Ada\u061cExample", Forbidden("bidi", 3, "\u061c")),
        ("Ada\u200bExample", None),  # invisible characters only count with visible=True
    ],
)
def test_one_line_problem_names_the_first_bad_character(text, expected):
    """Controls and line separators, then bidi controls and marks, are refused on one line."""
    assert one_line_problem(text) == expected


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_visible_lines_refuse_every_invisible_character(char):
    """A name or an address holds no zero-width, joiner, word-joiner, BOM or soft hyphen."""
    assert one_line_problem(f"Ada{char}Example", visible=True) == Forbidden("invisible", 3, char)


@pytest.mark.parametrize(
    "text",
    [
        "سارا رحیمی\u200cنژاد",  # Persian: ZWNJ between ی and ن
        "می\u200cخواهم",
        "क्\u200dष",  # Devanagari: ZWJ after a virama (half form)
        "र्\u200dय",  # eyelash ra
        "ශ්\u200dරී",  # Sinhala conjunct
        "ਸਿੰਘ\u200cਕੌਰ",  # Gurmukhi
    ],
)
def test_names_keep_the_joiners_their_script_spells_with(text):
    """ZWNJ/ZWJ between two letters (or a letter's marks) of Arabic script or an Indic script are
    spelling, not hidden formatting: a profile's name and the receiver's name field accept them."""
    assert one_line_problem(text, visible=True) is None
    Mentor.model_validate({**PROFILE, "name": text})
    _, errors, _ = validate({**FORM, "name": text}, DIRECTORY)
    assert errors == {}


@pytest.mark.parametrize(
    "text, offset",
    [
        ("\u200cسارا", 0),  # at the start of the name
        ("سارا\u200c", 4),  # at the end
        ("سارا \u200cنژاد", 5),  # after a space
        ("رحیمی\u200c\u200cنژاد", 5),  # doubled
        ("Ana\u200dBell", 3),  # Latin letters do not join
        ("سارا\u200cAna", 4),  # only one side joins
        ("松\u200c田", 1),
    ],
)
def test_joiners_anywhere_else_stay_refused(text, offset):
    """Outside a word of a joining script a joiner only hides something."""
    assert one_line_problem(text, visible=True) == Forbidden("invisible", offset, text[offset])


def test_bidi_controls_stay_refused_inside_a_persian_name():
    """Allowing ZWNJ did not open the door to the direction overrides next to it."""
    assert one_line_problem("رحیمی\u200c\u202eنژاد", visible=True) == Forbidden("bidi", 6, "\u202e")
    assert one_line_problem("رحیمی\u200fنژاد", visible=True) == Forbidden("bidi", 5, "\u200f")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("line one\n\tline two", None),
        ("marks \u200e\u200f\u061c are fine in prose", None),
        ("bell \x07", Forbidden("control", 5, "\x07")),
        ("lone \r return", Forbidden("control", 5, "\r")),
        ("abc \u202edef", Forbidden("bidi", 4, "\u202e")),
        ("abc \u2066def", Forbidden("bidi", 4, "\u2066")),
    ],
)
def test_prose_problem(text, expected):
    """Prose keeps tabs, line breaks and directional marks; controls and bidi controls are refused."""
    assert prose_problem(text) == expected


@pytest.mark.parametrize("char", ["\u200e", "\u200f", "\u061c"])
def test_receiver_refuses_the_bidi_marks_profiles_refuse(char):
    """U+200E, U+200F and U+061C in a one-line form field: refused as in a profile's name."""
    _, errors, _ = validate({**FORM, "name": f"Mo{char} Mentee"}, DIRECTORY)
    assert errors == {"name": "Please retype your name: it contains hidden formatting characters."}
    with pytest.raises(ValidationError) as caught:
        Mentor.model_validate({**PROFILE, "name": f"Ada{char} Example"})
    assert [e["msg"] for e in caught.value.errors()] == ["contains invisible text-direction characters"]


def test_receiver_refuses_a_soft_hyphen_in_a_name_as_profiles_do():
    """The invisible characters of a profile's name are the receiver's too."""
    _, errors, _ = validate({**FORM, "name": "Mo\u00adMentee"}, DIRECTORY)
    assert errors == {"name": "Please retype your name: it contains hidden formatting characters."}


def test_profiles_refuse_unicode_line_separators_in_one_line_fields():
    """U+2028 breaks a line as "\\n" does: a headline refuses it, as the receiver's name field does."""
    with pytest.raises(ValidationError) as caught:
        Mentor.model_validate({**PROFILE, "headline": "Data\u2028leader"})
    assert [e["msg"] for e in caught.value.errors()] == ["contains a line break or control character"]


def test_prose_rules_are_the_same_for_a_bio_and_a_guide_body():
    """A bidi isolate is refused in a bio and in a guide, with the guide's exact position."""
    with pytest.raises(ValidationError) as caught:
        Mentor.model_validate({**PROFILE, "bio": "About \u2066Ada."})
    assert [e["msg"] for e in caught.value.errors()] == ["contains text-direction override characters"]
    guide, problems = read_guide("content/g.md", "---\ntitle: G\n---\r\nok\r\nabc \u2066def\r\n".encode(), "guide")
    assert guide is None
    assert [(d.line, d.col, d.message) for d in problems] == [
        (5, 5, "contains the text-direction override character U+2066")
    ]
    assert Guide.model_validate({"title": "G"}).title == "G"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name@example.org", True),
        (" name@example.org ", True),
        ("name@localhost", False),
        ("a@b.org, c@d.org", False),
        ("name@example.org\nBcc: x@y.org", False),
    ],
)
def test_is_email(text, expected):
    assert is_email(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [("ana-oliveira", True), ("a" * 64, True), ("a" * 65, False), ("Ana", False), ("a--b", False), ("-a", False)],
)
def test_is_slug(text, expected):
    assert is_slug(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("José Ñúñez-Ortega", "jose-nunez-ortega"),
        ("  Ana  O'Neil ", "ana-o-neil"),
        ("Café", "cafe"),
        ("Søren Straße", "soren-strasse"),
        ("日本", "ri-ben"),  # one syllable per ideograph
        ("松田健二", "song-tian-jian-er"),
        ("山本さくら", "shan-ben-sakura"),  # kana transliterate as words
        ("कमल वर्मा", "kml-vrma"),
        ("נועה", "nv-h"),
        ("!?—", ""),
        ("x" * 70, "x" * 64),
    ],
)
def test_slugify(text, expected):
    """Letters of any script transliterated (anyascii), everything else a hyphen, at most 64
    characters; the result is a slug or ''."""
    assert slugify(text) == expected
    assert expected == "" or is_slug(expected)


def test_line_col_counts_lines_and_columns_from_one():
    text = "ab\ncde\n\nf"
    assert [line_col(text, i) for i in (0, 1, 3, 5, 7, 8)] == [(1, 1), (1, 2), (2, 1), (2, 3), (3, 1), (4, 1)]
    assert line_col(text, -1) == (0, 0)
    assert line_col("é\nx".encode(), 3) == (2, 1)  # bytes: columns count bytes
    assert line_col("éx".encode(), 2) == (1, 3)


def test_source_line():
    assert [source_line("a\r\nb\nc", n) for n in (0, 1, 2, 3, 4)] == ["", "a", "b", "c", ""]


def test_symlink_on_path_checks_every_step_but_not_the_base(tmp_path):
    """A link anywhere below the base is found; the base itself may be a link."""
    (tmp_path / "real" / "mentors" / "photos").mkdir(parents=True)
    os.symlink(tmp_path / "real", tmp_path / "site")
    site = tmp_path / "site"
    assert symlink_on_path(site, ("mentors", "photos", "ana.jpg")) is None
    os.symlink(site / "mentors" / "photos", site / "mentors" / "pics")
    assert symlink_on_path(site, ("mentors", "pics", "ana.jpg")) == site / "mentors" / "pics"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("name: Ada\nbio: x\n", 1, "name: Ada"),
        ("name: Ada\nbio: x\n", 2, "bio: x"),
        ("name: Ada\nbio: x\n", 3, ""),  # after the last line break: an empty line
        ("name: Ada\nbio: x\n", 4, ""),  # none
        ("name: Ada\r\nbio: x\r\n", 2, "bio: x"),  # CRLF files
        ("a\n\nc", 2, ""),
        ("a\n\nc", 3, "c"),
        ("", 1, ""),
        ("a", 0, ""),
        ("a", -1, ""),
    ],
)
def test_source_line_is_the_numbered_line_without_its_break(text, line, expected):
    assert source_line(text, line) == expected
