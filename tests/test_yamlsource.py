"""The safe YAML reader: core-schema scalars, refusals with exact positions, limits."""

from __future__ import annotations

import time

import pytest

from mentorsite.diagnostics import InputError
from mentorsite.yamlsource import MAX_YAML_BYTES, decode_source, parse_yaml, split_front_matter

ALIAS_HINT = "write the value out in full; a '*' or '&' at the start of a text needs quotes"
TAG_HINT = "remove the tag; profiles only hold text, numbers, true/false, lists and mappings"
TOO_DEEP = "YAML is nested too deeply (the limit is 16 levels)"


def problems(text: str, **kwargs) -> list[str]:
    """The human-readable diagnostics parse_yaml raises for text (fails if it parses)."""
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "p.yaml", **kwargs)
    return [d.human() for d in caught.value.diagnostics]


def decode_problems(raw: bytes) -> list[str]:
    with pytest.raises(InputError) as caught:
        decode_source(raw, "p.yaml")
    return [d.human() for d in caught.value.diagnostics]


# --- scalars: YAML 1.2 core schema, not YAML 1.1 ---------------------------------------


def test_yaml11_booleans_stay_text():
    """`no`, `on`, `yes`, `off`, `y`, `n` are text, not booleans (Norway's code is NO)."""
    doc = parse_yaml("a: no\nb: on\nc: yes\nd: off\ne: y\nf: n\nh: NO\n", "p.yaml")
    assert doc.data == {"a": "no", "b": "on", "c": "yes", "d": "off", "e": "y", "f": "n", "h": "NO"}


def test_core_booleans_and_null():
    """Only true/false (three casings) are booleans; ~, null and empty are None."""
    doc = parse_yaml("a: true\nb: False\nc: TRUE\nd: ~\ne: null\nf:\n", "p.yaml")
    assert doc.data == {"a": True, "b": False, "c": True, "d": None, "e": None, "f": None}
    assert type(doc.data["a"]) is bool


def test_exponent_without_dot_is_float():
    """`1e3` is the float 1000.0 (PyYAML's YAML 1.1 resolver would keep it as text)."""
    doc = parse_yaml("a: 1e3\nb: -2.5E-1\nc: .5\n", "p.yaml")
    assert doc.data == {"a": 1000.0, "b": -0.25, "c": 0.5}
    assert type(doc.data["a"]) is float


def test_dates_stay_text():
    """Unquoted dates and timestamps stay strings for the model to validate."""
    doc = parse_yaml("a: 2024-01-02\nb: 2026-13-40\nc: 2024-01-02T10:00:00Z\n", "p.yaml")
    assert doc.data == {"a": "2024-01-02", "b": "2026-13-40", "c": "2024-01-02T10:00:00Z"}


def test_yaml11_number_forms_stay_text_or_decimal():
    """Hex, octal, sexagesimal and underscores are text; a leading zero is plain decimal."""
    doc = parse_yaml("a: 0x1F\nb: 0o17\nc: 1_000\nd: 1:30\ne: 012\nf: .inf\n", "p.yaml")
    assert doc.data == {"a": "0x1F", "b": "0o17", "c": "1_000", "d": "1:30", "e": 12, "f": ".inf"}


def test_explicit_core_tags_are_allowed():
    """`!!str 5` is text and `!!int '7'` is 7: the seven core tags may be written out."""
    doc = parse_yaml("a: !!str 5\nb: !!int '7'\nc: !!float 1\n", "p.yaml")
    assert doc.data == {"a": "5", "b": 7, "c": 1.0}


def test_explicit_tag_with_wrong_text():
    """An explicit core tag on text that does not fit it is an error at the value."""
    assert problems("a: !!bool yes\nb: !!int 0x10\nc: !!float abc\nd: !!null x\n") == [
        "p.yaml:1:4: error: 'yes' is not true or false",
        "p.yaml:2:4: error: '0x10' is not a whole number",
        "p.yaml:3:4: error: 'abc' is not a number",
        "p.yaml:4:4: error: 'x' is not null",
    ]


def test_huge_integer_is_refused():
    """An integer literal over 18 digits is an error at the value; 18 digits still parse."""
    assert problems("a: 1\nb: 1234567890123456789\n") == ["p.yaml:2:4: error: number has more than 18 digits"]
    doc = parse_yaml("a: 123456789012345678\nb: -123456789012345678\n", "p.yaml")
    assert doc.data == {"a": 123456789012345678, "b": -123456789012345678}


def test_huge_integer_of_thousands_of_digits_is_fast():
    """A 200,000-digit integer is refused at once (int() of it would be slow)."""
    started = time.perf_counter()
    assert problems("a: " + "9" * 200_000 + "\n") == ["p.yaml:1:4: error: number has more than 18 digits"]
    assert time.perf_counter() - started < 1.0


def test_infinite_float_is_refused():
    """A float literal that overflows to infinity is an error."""
    assert problems("a: 1e400\n") == ["p.yaml:1:4: error: '1e400' is not a finite number"]


# --- duplicate keys ---------------------------------------------------------------------


def test_duplicate_key_names_first_line():
    """A repeated key is an error at the repeat, and the hint names the first line."""
    assert problems("a: 1\nb: 2\na: 3\n") == [
        "p.yaml:3:1: error: duplicate key 'a'\n    hint: 'a' is first set on line 1; keep one of them"
    ]


def test_duplicate_keys_quoted_and_nested():
    """Quoting does not make a key different; nested duplicates are found too; each repeat reported."""
    assert problems("a: 1\n'a': 2\nb:\n  c: 1\n  c: 2\n  c: 3\n") == [
        "p.yaml:2:1: error: duplicate key 'a'\n    hint: 'a' is first set on line 1; keep one of them",
        "p.yaml:5:3: error: duplicate key 'c'\n    hint: 'c' is first set on line 4; keep one of them",
        "p.yaml:6:3: error: duplicate key 'c'\n    hint: 'c' is first set on line 4; keep one of them",
    ]


def test_complex_key_is_refused():
    """A list used as a key is an error at the key."""
    assert problems("? [a, b]\n: 1\n") == ["p.yaml:1:3: error: a key must be plain text, not a list or mapping"]


# --- anchors, aliases, tags -------------------------------------------------------------


def test_alias_is_refused():
    """Anchors and aliases are an error, reported once at the anchored value."""
    assert problems("a: &x [1]\nb: *x\nc: *x\n") == [
        f"p.yaml:1:4: error: anchors and aliases (& and *) are not allowed\n    hint: {ALIAS_HINT}"
    ]


def test_alias_of_a_text_is_refused():
    """A text value is refused as an alias too, once, at its anchor."""
    assert problems("a: &x text\nb: *x\nc: *x\n") == [
        f"p.yaml:1:4: error: anchors and aliases (& and *) are not allowed\n    hint: {ALIAS_HINT}"
    ]


def test_too_many_texts_in_a_mapping():
    """Keys and their text values both count towards the limit; the error is at the value over it."""
    found = problems("{" + ", ".join(f"k{i}: v" for i in range(6000)) + "}\n")
    assert found == ["p.yaml:1:48889: error: too many values in one file (the limit is 10,000)"]


def test_billion_laughs_is_refused_fast():
    """The billion-laughs bomb is refused in well under a second, one error per anchor."""
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=False)
    )
    started = time.perf_counter()
    found = problems(bomb)
    assert time.perf_counter() - started < 0.5
    assert found == [
        f"p.yaml:{line}:4: error: anchors and aliases (& and *) are not allowed\n    hint: {ALIAS_HINT}"
        for line in range(1, 9)
    ]


def test_undefined_alias_hint():
    """A text starting with '*' (an alias of nothing) gets the 'put it in quotes' hint."""
    assert problems("name: *ada\n") == [
        "p.yaml:1:7: error: invalid YAML: found undefined alias\n"
        "    hint: '*' starts an alias in YAML; put the text in quotes"
    ]


@pytest.mark.parametrize(
    "text, shown",
    [
        ("a: !!python/object:os.system {}\n", "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system ['ls']\n", "!!python/object/apply:os.system"),
        ("a: !custom foo\n", "!custom"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
        ("a: !!set {x}\n", "!!set"),
        ("a: !!timestamp 2024-01-01\n", "!!timestamp"),
    ],
)
def test_unsupported_tags_are_refused(text, shown):
    """Python, custom and non-core YAML tags are an error at the tagged value, never constructed."""
    assert problems(text) == [f"p.yaml:1:4: error: unsupported YAML tag '{shown}'\n    hint: {TAG_HINT}"]


# --- documents --------------------------------------------------------------------------


def test_multiple_documents_are_refused():
    """A second '---' document is an error at its start, with a hint."""
    assert problems("a: 1\n---\nb: 2\n") == [
        "p.yaml:2:1: error: file holds more than one YAML document\n"
        "    hint: remove the second '---' line; one file holds one profile"
    ]


def test_leading_document_marker_is_fine():
    """A single document that starts with '---' parses."""
    assert parse_yaml("---\na: 1\n", "p.yaml").data == {"a": 1}


EMPTY = 'p.yaml:1:1: error: file is empty\n    hint: start from `mentorsite new mentor "Full Name"` for a valid profile'


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n"])
def test_empty_file(text):
    """A file with no content is one error at line 1 pointing at `mentorsite new mentor`."""
    assert problems(text) == [EMPTY]


def test_document_marker_only_is_empty():
    """A file holding only '---' (and comments) is reported as empty like a blank file."""
    assert problems("---\n# fill me in\n") == [EMPTY]


# --- nesting and size limits ------------------------------------------------------------


def test_flow_nesting_limit():
    """17 nested brackets are refused at the 17th bracket; 16 are accepted."""
    assert problems("a: " + "[" * 17 + "]" * 17 + "\n") == [f"p.yaml:1:20: error: {TOO_DEEP}"]
    assert parse_yaml("a: " + "[" * 16 + "]" * 16 + "\n", "p.yaml").data["a"] == [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]


def test_block_nesting_limit():
    """Deep block mappings are refused at the line and column where the limit is crossed."""
    text = "".join("  " * i + f"k{i}:\n" for i in range(20)) + "  " * 20 + "v: 1\n"
    assert problems(text) == [f"p.yaml:17:33: error: {TOO_DEEP}"]


def test_block_sequence_bomb_does_not_crash():
    """'- - - …' 100,000 levels deep on one line is a quick error, not a crashed process."""
    started = time.perf_counter()
    assert problems("- " * 100_000 + "x\n") == [f"p.yaml:1:33: error: {TOO_DEEP}"]
    assert time.perf_counter() - started < 2.0


def test_too_many_values():
    """More than 10,000 values in one document is one error, not thousands."""
    found = problems("a: [" + ",".join(["1"] * 10_001) + "]\n")
    assert found == ["p.yaml:1:19999: error: too many values in one file (the limit is 10,000)"]


def test_file_too_big():
    """A file over 256 KiB is refused before decoding, with sizes in the message."""
    assert decode_problems(b"x" * (MAX_YAML_BYTES + 1)) == [
        "p.yaml: error: file is 262,145 bytes; the limit is 262,144\n"
        "    hint: profiles and guides are plain text; is this the right file?"
    ]
    assert decode_source(b"x" * MAX_YAML_BYTES, "p.yaml") == "x" * MAX_YAML_BYTES


def test_text_too_big_for_parser():
    """parse_yaml itself refuses text over the limit counted in UTF-8 bytes."""
    text = "a: " + "é" * (MAX_YAML_BYTES // 2)
    assert problems(text) == ["p.yaml: error: YAML is larger than the limit of 262,144 bytes"]


# --- bytes and characters ---------------------------------------------------------------


def test_nul_byte_position():
    """A NUL byte is refused at its exact line and column."""
    assert decode_problems(b"a: 1\nb: x\x00y\n") == [
        "p.yaml:2:5: error: file contains a NUL byte\n"
        "    hint: the file looks binary or corrupted; save it again as UTF-8 text"
    ]


def test_invalid_utf8_position():
    """Latin-1 bytes are refused at the bad byte's line and column, naming the byte."""
    assert decode_problems(b"a: 1\nname: Jos\xe9 Nunez\n") == [
        "p.yaml:2:10: error: file is not valid UTF-8 (byte 0xe9)\n    hint: save the file with UTF-8 encoding"
    ]


def test_byte_order_mark_is_accepted():
    """A UTF-8 byte-order mark is dropped and the file parses normally."""
    text = decode_source("\ufeffname: José\n".encode("utf-8"), "p.yaml")
    assert text == "name: José\n"
    assert parse_yaml(text, "p.yaml").data == {"name": "José"}


def test_control_character_position():
    """A control character YAML refuses is named and positioned, not given as a byte offset."""
    assert problems("a: 1\nb: x\x07y\n") == [
        "p.yaml:2:5: error: file contains the control character U+0007\n"
        "    hint: delete it; it was probably pasted in with hidden formatting"
    ]


# --- syntax errors and their hints -------------------------------------------------------


def test_unquoted_colon_hint():
    """'key: a: b' gets the quotes hint at the second colon."""
    assert problems("name: Ada\nheadline: Note: x\n") == [
        "p.yaml:2:15: error: invalid YAML: mapping values are not allowed in this context\n"
        "    hint: a text containing ': ' must be put in quotes"
    ]


def test_unclosed_quote_hint():
    """An unclosed quote is reported with the 'never closed' hint."""
    assert problems('name: "Ada\nbio: x\n') == [
        "p.yaml:3:1: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)\n"
        "    hint: a quote or bracket was opened and never closed"
    ]


def test_tab_indentation_hint():
    """A tab used for indentation is an error at its line with the 'indent with spaces' hint."""
    found = problems("a:\n\tb: 1\n")
    assert len(found) == 1
    assert found[0].startswith("p.yaml:2:1: error: invalid YAML: ")
    assert found[0].endswith("\n    hint: indent with spaces; YAML does not allow tabs")


def test_at_sign_hint():
    """A value starting with '@' is an error with the 'put it in quotes' hint."""
    found = problems("name: @ada\n")
    assert len(found) == 1
    assert found[0].startswith("p.yaml:1:7: error: invalid YAML: ")
    assert found[0].endswith("\n    hint: a text starting with '@' or '`' must be put in quotes")


# --- positions ----------------------------------------------------------------------------


def test_positions_of_values_and_keys():
    """Every value and key keeps its 1-based line and column."""
    doc = parse_yaml("a: [1, 2]\nb:\n  c: {d: [x, y]}\n", "p.yaml")
    assert doc.values == {
        (): (1, 1),
        ("a",): (1, 4),
        ("a", 0): (1, 5),
        ("a", 1): (1, 8),
        ("b",): (3, 3),
        ("b", "c"): (3, 6),
        ("b", "c", "d"): (3, 10),
        ("b", "c", "d", 0): (3, 11),
        ("b", "c", "d", 1): (3, 14),
    }
    assert doc.keys == {("a",): (1, 1), ("b",): (2, 1), ("b", "c"): (3, 3), ("b", "c", "d"): (3, 7)}


def test_position_falls_back_to_enclosing_value():
    """A location missing from the file resolves to its nearest enclosing value, else 1:1."""
    doc = parse_yaml("a:\n  b: 1\n", "p.yaml")
    assert doc.position(("a", "zzz")) == (2, 3)
    assert doc.position(("a", "b"), key=True) == (2, 3)
    assert doc.position(("nothing", "here")) == (1, 1)


def test_line_offset_shifts_positions():
    """Front matter starts on line 2 of a guide: line_offset moves values and errors alike."""
    doc = parse_yaml("title: x\norder: 3\n", "g.md", line_offset=1)
    assert doc.values[("order",)] == (3, 8)
    with pytest.raises(InputError) as caught:
        parse_yaml("title: x\ntitle: y\n", "g.md", line_offset=1)
    assert [d.human() for d in caught.value.diagnostics] == [
        "g.md:3:1: error: duplicate key 'title'\n    hint: 'title' is first set on line 2; keep one of them"
    ]


def test_split_front_matter():
    """Front matter is split off with the body's first line; unclosed and absent are told apart."""
    assert split_front_matter("---\ntitle: x\n---\nbody\n") == ("title: x", "body\n", 4)
    assert split_front_matter("---\ntitle: x\n") == ("", "---\ntitle: x\n", 1)
    assert split_front_matter("no front\n") == (None, "no front\n", 1)


# --- indentation mistakes, said in editors' terms ------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "name: Ada\navailability:\n  accepting: true\n    capacity: 2\n",
            "p.yaml:4:5: error: 'capacity' is indented more than the line above\n"
            "    hint: remove 2 spaces so that it starts in the same column as 'accepting' on line 3",
        ),
        (
            "name: Ada\nlocation:\n    city: Lisbon\n  country: PT\n",
            "p.yaml:4:3: error: 'country' is not lined up with the lines above\n"
            "    hint: indent it by 4 spaces to keep it under 'location' (like 'city' on line 3), "
            "or by 0 spaces if it is a field of its own",
        ),
        (
            "name: Ada\ntags:\n  - a\n - b\n",
            "p.yaml:4:2: error: line 4 is not lined up with the lines above\n"
            "    hint: indent it by 2 spaces to keep it under 'tags' (like line 3)",
        ),
        (
            "name: Ada\nx:\n  bio: >\n    First.\n\n  Second.\n",
            "p.yaml:6:3: error: line 6 is part of 'bio' but is not indented\n"
            "    hint: indent every line of 'bio' by 4 spaces, like the lines above it",
        ),
        (
            "name: Ada\nheadline: one\ntwo\n",
            "p.yaml:3:1: error: line 3 is not 'key: value'\n"
            "    hint: if it continues 'headline' on line 2, indent it by 2 spaces; otherwise write it as 'key: value'",
        ),
    ],
    ids=["over-indented", "under-indented", "list-item", "folded-text", "plain-text"],
)
def test_indentation_mistakes_name_the_fix(text, shown):
    """A key or line indented wrongly is reported at that line, saying how many spaces to add or
    remove and which line to match, not in the parser's terms ("did not find expected key")."""
    assert problems(text) == [shown]


@pytest.mark.parametrize(
    "text",
    ["name: Ada\nheadline: Data: leader\n", "name: Ada\nheadline: Data leader\n  and mentor: ok\n"],
    ids=["same-line", "continued-line"],
)
def test_colon_in_text_keeps_the_quotes_hint(text):
    """Text holding ': ' is not mistaken for an over-indented key: the hint is still the quotes."""
    [shown] = problems(text)
    assert shown.startswith("p.yaml:")
    assert shown.endswith(
        "error: invalid YAML: mapping values are not allowed in this context\n"
        "    hint: a text containing ': ' must be put in quotes"
    )


def test_unindented_last_line_is_reported_on_its_own_line():
    """A bio's last line without indentation is reported on that line, not past the end of the file."""
    assert problems("name: Ada\nbio: |\n  First line.\nSecond line.\n", line_offset=10) == [
        "p.yaml:14:1: error: line 14 is part of 'bio' but is not indented\n"
        "    hint: indent every line of 'bio' by 2 spaces, like the lines above it"
    ]


def test_documents_share_their_paths_positions_and_keys():
    """Two profiles of the same shape hold the very same path, position and key objects (a
    profile's position table was 13 KB before, 130 MB at 10,000 profiles)."""
    text = "name: Ada Example\nlocation:\n  city: Lyon\ntags: [a, b]\n"
    first, second = parse_yaml(text, "mentors/a.yaml"), parse_yaml(text, "mentors/b.yaml")
    assert first.values == second.values and first.keys == second.keys
    assert first.values[("location", "city")] == (3, 9)
    for table in ("values", "keys"):
        a, b = getattr(first, table), getattr(second, table)
        for (path_a, pos_a), (path_b, pos_b) in zip(a.items(), b.items(), strict=True):
            assert path_a is path_b and pos_a is pos_b
    key_a = next(k for k in first.data if k == "location")
    key_b = next(k for k in second.data if k == "location")
    assert key_a is key_b


def test_a_full_table_of_shared_values_shares_nothing_new(monkeypatch):
    from mentorsite import yamlsource

    monkeypatch.setattr(yamlsource, "_SHARED", {})
    monkeypatch.setattr(yamlsource, "MAX_SHARED", 5)
    text = "\n".join(f"k{i}: {i}" for i in range(20)) + "\n"
    first, second = parse_yaml(text, "a.yaml"), parse_yaml(text, "b.yaml")
    assert len(yamlsource._SHARED) == 5
    assert first.values == second.values  # the same positions all the same, shared or not
    assert first.values[("k19",)] == (20, 6) and first.keys[("k19",)] == (20, 1)
    assert sum(p is q for p, q in zip(first.values, second.values, strict=True)) < 5
