"""Issue 6: property-based tests. Whatever text, bytes or YAML-shaped data arrives, the loader
returns a valid model or diagnostics (each with a path, a position and a message); it never
raises.

Settings are modest and derandomized with no example database, so CI runs the same examples
every time, quickly; set MENTORSITE_PROPERTY_EXAMPLES to hunt longer with random examples.
"""

from __future__ import annotations

import os
import string
from datetime import date

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorsite.diagnostics import Diagnostic, InputError
from mentorsite.load import LoadedGuide, LoadedMentor, read_guide, read_mentor
from mentorsite.models import Mentor
from mentorsite.yamlsource import Document, decode_source, parse_yaml

TODAY = date(2026, 11, 23)
PATH = "mentors/someone.yaml"

#: MENTORSITE_PROPERTY_EXAMPLES=5000 runs a longer, random hunt locally (no database either way).
EXAMPLES = int(os.environ.get("MENTORSITE_PROPERTY_EXAMPLES", "0")) or None
CI_SETTINGS = settings(
    max_examples=EXAMPLES or 200,
    deadline=None,
    derandomize=EXAMPLES is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_diagnostics(diagnostics, path=PATH) -> None:
    assert isinstance(diagnostics, list)
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.path == path
        assert isinstance(d.message, str) and d.message.strip()
        assert isinstance(d.line, int) and d.line >= 0
        assert isinstance(d.col, int) and d.col >= 0
        assert d.severity in ("error", "warning")
        shown = d.human()
        # One line per diagnostic (plus its hint): nothing a value contains can forge another.
        assert len(shown.split("\n")) == (2 if d.hint else 1)


def parse_or_diagnose(text: str):
    try:
        document = parse_yaml(text, PATH)
    except InputError as exc:
        assert exc.diagnostics
        assert_diagnostics(exc.diagnostics)
        lines = text.count("\n") + 2
        assert all(d.line <= lines for d in exc.diagnostics), (text, exc.diagnostics)
        return None
    assert isinstance(document, Document)
    return document


# Text with YAML's special characters much more often than chance would give.
YAML_ALPHABET = (
    string.ascii_letters[:8] + string.digits[:4] + " \t\n-:?[]{}&*!|>'\"%@`#,.~\\\x00\x07\x85\ufeff\u202e\u200b"
)
yaml_like_text = st.text(alphabet=YAML_ALPHABET, max_size=300)


@CI_SETTINGS
@given(st.text(max_size=500))
def test_any_text_parses_or_is_diagnosed(text):
    parse_or_diagnose(text)


@CI_SETTINGS
@given(yaml_like_text)
def test_yaml_looking_text_parses_or_is_diagnosed(text):
    parse_or_diagnose(text)


@CI_SETTINGS
@given(st.binary(max_size=500))
def test_any_bytes_decode_or_are_diagnosed(raw):
    try:
        text = decode_source(raw, PATH)
    except InputError as exc:
        assert_diagnostics(exc.diagnostics)
        return
    assert isinstance(text, str)
    parse_or_diagnose(text)


@CI_SETTINGS
@given(st.binary(max_size=300), st.text(max_size=300))
def test_any_profile_bytes_give_a_model_or_diagnostics(raw, text):
    for data in (raw, text.encode("utf-8")):
        loaded, diagnostics = read_mentor(PATH, data, {}, today=TODAY)
        check_result(loaded, diagnostics)


def check_result(loaded, diagnostics) -> None:
    assert_diagnostics(diagnostics)
    if loaded is None:
        assert any(d.is_error for d in diagnostics)
    else:
        assert isinstance(loaded, LoadedMentor)
        assert isinstance(loaded.mentor, Mentor)
        assert not any(d.is_error for d in diagnostics)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.dates().map(str)
    | st.sampled_from(["no", "on", "yes", "off", "1e3", "0x10", "2026-02-30", "~", "NO", "null"])
)
yaml_data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


def dump(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@CI_SETTINGS
@given(yaml_data)
def test_any_yaml_shaped_data_gives_a_model_or_diagnostics(data):
    loaded, diagnostics = read_mentor(PATH, dump(data), {}, today=TODAY)
    check_result(loaded, diagnostics)


BIO = "A long and helpful biography. " * 10

VALID = {
    "name": st.sampled_from(["Ada Example", "Zoë Ñúñez", "李 小龙", "O'Brien"]),
    "headline": st.just("Helps with first management roles"),
    "bio": st.just(BIO),
    "tags": st.sampled_from([["leadership"], ["writing", "leadership"]]),
    "pronouns": st.just("she/her"),
    "location": st.just({"city": "Oslo", "country": "no"}),
    "timezone": st.just("Europe/Oslo"),
    "languages": st.just(["en", "nb"]),
    "formats": st.just(["one-to-one", "group"]),
    "meeting_modes": st.just(["video"]),
    "cadence": st.just("monthly"),
    "availability": st.just({"accepting": True, "capacity": 2, "available_from": "2026-12-01"}),
    "cohort": st.integers(min_value=1900, max_value=2100),
    "help_with": st.just(["CVs", "interviews"]),
    "links": st.just([{"label": "Site", "url": "https://example.org/"}]),
    "email": st.just("someone@example.org"),
    "featured": st.booleans(),
    "joined": st.just("2026-01-09"),
    "active": st.booleans(),
}
INVALID = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=300)
    | st.lists(st.text(max_size=5), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
    | st.sampled_from(
        [
            "javascript:alert(1)",
            "<script>x</script>",
            "{{ 7*7 }}",
            "a\u202eb",
            "x\u200by",
            "\x07",
            "",
            "2026-13-45",
            "no",
            "Europe/Nowhere",
            "not an email",
            "x" * 20_000,
        ]
    )
)


@st.composite
def mixed_profiles(draw):
    profile = {}
    for key, valid in VALID.items():
        choice = draw(st.sampled_from(["valid", "valid", "invalid", "missing"]))
        if choice == "valid":
            profile[key] = draw(valid)
        elif choice == "invalid":
            profile[key] = draw(INVALID)
    if draw(st.booleans()):
        profile[draw(st.text(min_size=1, max_size=10))] = draw(INVALID)
    return profile


@CI_SETTINGS
@given(mixed_profiles())
def test_profiles_mixing_valid_and_invalid_values_give_a_model_or_diagnostics(context, profile):
    for ctx in ({}, context):
        loaded, diagnostics = read_mentor(PATH, dump(profile), ctx, today=TODAY)
        check_result(loaded, diagnostics)
        if loaded is not None:  # a model only when every required field came through valid
            assert all(key in profile for key in ("name", "headline", "bio", "tags"))


def test_all_valid_fields_give_a_model(context):
    data = {
        "name": "Ada Example",
        "headline": "Helps",
        "bio": BIO,
        "tags": ["leadership"],
        "location": {"city": "Oslo", "country": "no"},
        "availability": {"accepting": True, "capacity": 2},
        "email": "someone@example.org",
    }
    loaded, diagnostics = read_mentor(PATH, dump(data), context, today=TODAY)
    assert loaded is not None, diagnostics
    assert loaded.mentor.location.country == "NO"


@CI_SETTINGS
@given(yaml_like_text, st.text(max_size=300))
def test_any_guide_gives_a_guide_or_diagnostics(front, body):
    for text in (f"---\n{front}\n---\n{body}", f"---\ntitle: T\n---\n{body}", front + body):
        guide, diagnostics = read_guide("content/guides/g.md", text.encode("utf-8"), "guide")
        assert_diagnostics(diagnostics, "content/guides/g.md")
        assert (guide is None) == bool(diagnostics)
        if guide is not None:
            assert isinstance(guide, LoadedGuide)


@CI_SETTINGS
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=200))
def test_text_with_lone_surrogates_is_diagnosed_not_raised(text):
    # Text read from disk never holds one (UTF-8 decoding refuses them); other callers might.
    parse_or_diagnose(text)


def test_lone_surrogate_is_positioned():
    try:
        parse_yaml("a: 1\nb: x\ud800\n", PATH)
    except InputError as exc:
        assert [d.human() for d in exc.diagnostics] == [
            f"{PATH}:2:5: error: text contains an invalid character (a lone surrogate)"
        ]
    else:
        raise AssertionError("parsed")


def test_unusual_line_breaks_do_not_shift_positions():
    # YAML breaks lines at NEL and U+2028 too; editors do not, and positions follow the editor.
    document = parse_yaml('a: "x\u2028y\x85z"\nb: [1, 2]\n', PATH)
    assert document.values[("b",)] == (2, 4)
    assert document.keys[("b",)] == (2, 1)
