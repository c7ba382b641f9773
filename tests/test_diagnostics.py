"""Diagnostics as people read them: the source line with a caret, and one record per problem."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import mentorsite.build
from mentorsite.build import check_site
from mentorsite.cli import cli
from mentorsite.config import load_config
from mentorsite.diagnostics import Diagnostic, InputError, MentorsiteError, format_diagnostics
from mentorsite.load import read_mentor
from mentorsite.scaffold import init_site

TODAY = date(2026, 5, 1)


def test_human_shows_the_source_line_with_a_caret_under_the_column():
    """As Hugo and rustc do: the line under a numbered gutter, a caret at the column, then the hint."""
    problem = Diagnostic(
        "mentors/ana.yaml", 5, 5, "unknown tag 'leadrship'", "did you mean 'leadership'?", source="  - leadrship"
    )
    assert problem.human(excerpt=True) == (
        "mentors/ana.yaml:5:5: error: unknown tag 'leadrship'\n"
        "   5 |   - leadrship\n"
        "     |     ^\n"
        "    hint: did you mean 'leadership'?"
    )


def test_the_caret_follows_wide_and_escaped_characters():
    """Wide characters take two columns, a tab is shown as \\t: the caret still sits under the column."""
    wide = Diagnostic("m.yaml", 12, 5, "bad", source="名前: x")
    assert wide.human(excerpt=True) == "m.yaml:12:5: error: bad\n  12 | 名前: x\n     |       ^"
    tab = Diagnostic("m.yaml", 1, 3, "bad", source="a\tb")
    assert tab.human(excerpt=True) == "m.yaml:1:3: error: bad\n   1 | a\\tb\n     |    ^"


def test_bidi_characters_in_the_source_line_cannot_reorder_the_terminal():
    shown = Diagnostic("m.yaml", 1, 7, "bad", source="name: \u202eevil").human(excerpt=True)
    assert shown == "m.yaml:1:7: error: bad\n   1 | name: \\u202eevil\n     |       ^"


def test_a_long_line_is_cut_around_the_column():
    source = "x" * 300 + "!" + "y" * 300
    shown = Diagnostic("m.yaml", 1, 301, "bad", source=source).human(excerpt=True).split("\n")
    assert shown[1] == "   1 | …" + "x" * 50 + "!" + "y" * 49 + "…"
    assert shown[2] == "     | " + " " * 51 + "^"


def test_the_short_form_has_no_excerpt():
    """human() alone (exception messages, logs) stays the message and the hint."""
    problem = Diagnostic("m.yaml", 5, 5, "bad", "fix it", source="  - x")
    assert problem.human() == "m.yaml:5:5: error: bad\n    hint: fix it"
    assert format_diagnostics([problem]) == problem.human(excerpt=True)


def test_no_excerpt_without_a_line_or_a_source():
    """An unknown line, an unknown column or a blank line: the message alone (no caret at a guess)."""
    assert Diagnostic("m.yaml", 0, 0, "bad", source="x: 1").human(excerpt=True) == "m.yaml: error: bad"
    assert Diagnostic("m.yaml", 3, 1, "bad").human(excerpt=True) == "m.yaml:3:1: error: bad"
    assert Diagnostic("m.yaml", 3, 0, "bad", source="x: 1").human(excerpt=True) == "m.yaml:3:1: error: bad\n   3 | x: 1"


def test_json_and_github_stay_one_record_per_diagnostic_without_the_excerpt():
    problems = [Diagnostic("m.yaml", 2, 3, "bad", "fix it", source="a: b"), Diagnostic("n.yaml", 0, 0, "worse")]
    assert json.loads(format_diagnostics(problems, "json")) == [
        {"path": "m.yaml", "line": 2, "col": 3, "message": "bad", "hint": "fix it", "severity": "error"},
        {"path": "n.yaml", "line": 0, "col": 0, "message": "worse", "hint": "", "severity": "error"},
    ]
    assert format_diagnostics(problems, "github").split("\n") == [
        "::error file=m.yaml,line=2,col=3::bad (hint: fix it)",
        "::error file=n.yaml::worse",
    ]


def test_the_source_is_not_part_of_a_diagnostics_identity():
    """Rules compare diagnostics (e.g. check --changed); where the line text was attached must not matter."""
    assert Diagnostic("m.yaml", 1, 1, "bad", source="x") == Diagnostic("m.yaml", 1, 1, "bad")


def test_a_profile_problem_carries_its_line():
    profile = b"name: Ada Example\nheadline: Data leader\nbio: About Ada.\ntags:\n  - leadrship\n"
    _, problems = read_mentor("mentors/ana.yaml", profile, {}, today=TODAY)
    assert [(d.line, d.col, d.source) for d in problems if d.is_error] == []
    context = {"vocabularies": {}}
    _, problems = read_mentor(
        "mentors/ana.yaml", profile.replace(b"Data leader", b'"Data\\nleader"'), context, today=TODAY
    )
    assert [(d.line, d.col, d.source) for d in problems if d.is_error] == [(2, 11, 'headline: "Data\\nleader"')]


def test_a_yaml_syntax_error_carries_its_line():
    _, problems = read_mentor("mentors/ana.yaml", b"name: Ada\nheadline: a: b\n", {}, today=TODAY)
    assert [(d.line, d.source) for d in problems] == [(2, "headline: a: b")]


def test_site_toml_problems_carry_their_line(tmp_path):
    init_site(tmp_path / "site", TODAY)
    toml = tmp_path / "site" / "site.toml"
    toml.write_text("per_page = nan\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(tmp_path / "site")
    [problem] = caught.value.diagnostics
    assert problem.message == "'per_page' must be a finite number, not nan"
    assert problem.source == "per_page = nan"


def test_problems_of_later_rules_carry_their_line(tmp_path):
    """A missing photo is found after loading; its diagnostic still shows the profile's line."""
    site = tmp_path / "site"
    init_site(site, TODAY)
    profile = site / "mentors" / "ada-example.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "photo: photos/none.jpg\n", encoding="utf-8")
    _, _, report = check_site(site, today=TODAY)
    [problem] = report.errors
    assert problem.message == "photo 'photos/none.jpg' does not exist"
    assert problem.source == "photo: photos/none.jpg"


# The command line -----------------------------------------------------------------------------


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture
def site(tmp_path) -> Path:
    init_site(tmp_path / "site", date.today())
    return tmp_path / "site"


def test_check_prints_the_excerpt(site):
    profile = site / "mentors" / "ada-example.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("tags: [leadership]", "tags: [leadrship]"))
    result = invoke("check", site)
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(profile.read_text().split("\n"), 1) if text.startswith("tags:"))
    assert (
        f"mentors/ada-example.yaml:{line}:8: error: 'tags item 1': 'leadrship' is not a known expertise tag\n"
        f"{line:>4} | tags: [leadrship]              # expertise, from the tags listed in site.toml\n"
        "     |        ^\n"
        "    hint: did you mean 'leadership'?\n"
    ) in result.output


def test_a_bad_base_url_option_is_one_clear_line(site, tmp_path):
    """`--base-url ftp://x` goes through the same translation as site.toml: no pydantic text."""
    result = invoke("build", site, "-o", tmp_path / "out", "--base-url", "ftp://x")
    assert result.exit_code == 1
    assert result.output.split("\n")[0] == (
        "--base-url: error: invalid base URL 'ftp://x': "
        "base_url must be an absolute http(s) URL such as https://example.org/mentors/"
    )
    assert "validation error" not in result.output and "pydantic" not in result.output


def test_a_non_finite_number_in_site_toml_is_a_clear_message(site):
    toml = site / "site.toml"
    toml.write_text("per_page = nan\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("check", site)
    assert result.exit_code == 1
    assert result.output == (
        "site.toml:1:1: error: 'per_page' must be a finite number, not nan\n"
        "   1 | per_page = nan\n"
        "     | ^\n"
        "checked 0 valid profiles: 1 error, 0 warnings\n"
    )


def test_an_internal_error_is_one_line_and_a_pointer_to_debug(site, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mentorsite.build, "check_site", broken)
    result = invoke("check", site)
    assert result.exit_code == 1
    assert result.output == (
        "mentorsite: internal error: RuntimeError: boom\n"
        "run again with --debug (or MENTORSITE_DEBUG=1) for the traceback, and please report it\n"
    )


@pytest.mark.parametrize("args, env", [(["--debug"], None), ([], {"MENTORSITE_DEBUG": "1"})])
def test_debug_shows_the_traceback_of_an_internal_error(site, monkeypatch, args, env):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mentorsite.build, "check_site", broken)
    result = invoke(*args, "check", site, env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Traceback (most recent call last):\n")
    assert 'raise RuntimeError("boom")' in result.output
    assert result.output.endswith("RuntimeError: boom\nmentorsite: internal error: RuntimeError: boom\n")


def test_a_mentorsite_error_exits_with_its_code(site, monkeypatch):
    def refused(*args, **kwargs):
        raise MentorsiteError("the site is locked", exit_code=3)

    monkeypatch.setattr(mentorsite.build, "check_site", refused)
    result = invoke("check", site)
    assert (result.exit_code, result.output) == (3, "mentorsite: the site is locked\n")


def test_receiver_commands_share_the_one_handler(tmp_path, site):
    """A receiver problem (here, no database) is one line and exit 1, like any command's."""
    result = invoke("requests", "list", site, "--database", tmp_path / "none.sqlite3")
    assert (result.exit_code, result.output) == (1, f"mentorsite: no request database at {tmp_path}/none.sqlite3\n")
