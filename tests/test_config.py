"""site.toml: validation messages with the right line, did-you-mean hints, derived values."""

from __future__ import annotations

import pytest
from kit import SITE_TOML

from mentorsite.config import load_config
from mentorsite.diagnostics import InputError


def edit(old: str, new: str, text: str = SITE_TOML) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def config_problems(tmp_path, toml: str | bytes) -> list[str]:
    """The diagnostics load_config raises for this site.toml (fails if it loads)."""
    path = tmp_path / "site.toml"
    path.write_bytes(toml.encode("utf-8") if isinstance(toml, str) else toml)
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    return [d.human() for d in caught.value.diagnostics]


def load(tmp_path, toml: str):
    (tmp_path / "site.toml").write_text(toml, encoding="utf-8")
    return load_config(tmp_path)


def test_minimal_config_loads(tmp_path):
    """The test site.toml loads with its facets and defaults."""
    config = load(tmp_path, SITE_TOML)
    assert config.title == "Test Mentors"
    assert [f.key for f in config.facets] == ["tags", "industry", "countries", "languages", "formats"]
    assert config.facet("countries").source_field == "country"
    assert config.per_page == 24 and config.output_dir == "_site"


def test_unknown_key_did_you_mean_with_line(tmp_path):
    """A misspelt top-level key is reported at its own line with 'did you mean'."""
    toml = edit('language = "en"\n', 'language = "en"\ntitel = "Typo"\n')
    assert config_problems(tmp_path, toml) == [
        "site.toml:6:1: error: unknown field 'titel'\n    hint: did you mean 'title'?"
    ]


def test_renamed_required_key_reports_both(tmp_path):
    """Replacing `title` by `titel` reports the typo and the missing title, both on line 1."""
    assert sorted(config_problems(tmp_path, edit("title =", "titel ="))) == [
        "site.toml:1:1: error: missing required field 'title'\n    hint: add a line title = \"…\"",
        "site.toml:1:1: error: unknown field 'titel'\n    hint: did you mean 'title'?",
    ]


def test_nested_unknown_key_did_you_mean(tmp_path):
    """A misspelt key in a table is reported at its line, with the table's own keys as hint."""
    toml = SITE_TOML + '\n[contact]\nmod = "receiver"\n'
    assert config_problems(tmp_path, toml) == [
        "site.toml:40:1: error: unknown field 'mod'\n    hint: did you mean 'mode'?"
    ]


def test_key_after_a_table_belongs_to_that_table(tmp_path):
    """A top-level key written after [[facets]] is reported against the facet's allowed keys."""
    assert config_problems(tmp_path, SITE_TOML + "per_page = 12\n") == [
        "site.toml:38:1: error: unknown field 'per_page'\n    hint: allowed here: key, label, labels, field, multi, values, group"
    ]


def test_toml_syntax_error_line_and_col(tmp_path):
    """A TOML syntax error carries tomllib's line and column, without repeating them in the text."""
    toml = edit('description = "A small site for tests."', "description = A small site")
    assert config_problems(tmp_path, toml) == [
        'site.toml:2:15: error: invalid TOML: Invalid value\n    hint: text values need quotes: title = "My site"'
    ]


def test_repeated_toml_key_has_no_quotes_hint(tmp_path):
    """A key set twice is reported at the repeat without the unrelated quotes hint."""
    found = config_problems(tmp_path, edit('language = "en"\n', 'language = "en"\nlanguage = "pt"\n'))
    assert found == [
        "site.toml:6:16: error: invalid TOML: Cannot overwrite a value\n    hint: this key or table is already set above; keep one of them"
    ]


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://example.org/", "/mentors/", "https://"])
def test_bad_base_url(tmp_path, url):
    """base_url must be an absolute http(s) URL; the error sits on its line."""
    toml = edit('base_url = "http://localhost:8000/"', f'base_url = "{url}"')
    assert config_problems(tmp_path, toml) == [
        "site.toml:4:1: error: 'base_url': base_url must be an absolute http(s) URL such as https://example.org/mentors/"
    ]


@pytest.mark.parametrize(
    "url, base_url, base_path",
    [
        ("https://org.github.io/mentors/", "https://org.github.io/mentors/", "/mentors/"),
        ("https://org.github.io/mentors", "https://org.github.io/mentors/", "/mentors/"),
        ("https://mentors.example.org", "https://mentors.example.org/", "/"),
        ("http://localhost:8000/", "http://localhost:8000/", "/"),
    ],
)
def test_base_path(tmp_path, url, base_url, base_path):
    """base_url gains a trailing slash, and base_path is the path the site lives under."""
    config = load(tmp_path, edit('base_url = "http://localhost:8000/"', f'base_url = "{url}"'))
    assert (config.base_url, config.base_path) == (base_url, base_path)


def test_facet_with_unknown_field(tmp_path):
    """A facet reading a field profiles do not have is reported at its [[facets]] header."""
    toml = edit('field = "country"', 'field = "contry"')
    assert config_problems(tmp_path, toml) == [
        "site.toml:26:1: error: 'facets item 3': facet 'countries' reads unknown profile field 'contry'; "
        "choose one of cadence, cohort, country, formats, industry, languages, meeting_modes, tags"
    ]


def test_facet_multi_mismatch(tmp_path):
    """multi = true on a single-value field is reported at the facet with the right setting."""
    toml = edit('label = "Industry"\n', 'label = "Industry"\nmulti = true\n')
    assert config_problems(tmp_path, toml) == [
        "site.toml:19:1: error: 'facets item 2': 'industry' is a single value; set multi = false"
    ]


def test_facet_without_values(tmp_path):
    """A facet over an open field (industry) needs a values table."""
    toml = SITE_TOML + '\n[[facets]]\nkey = "sectors"\nlabel = "Sectors"\nfield = "industry"\n'
    assert config_problems(tmp_path, toml) == [
        "site.toml:39:1: error: 'facets item 6': facet 'sectors' needs a [facets.values] table listing its allowed values"
    ]


def test_duplicate_facet_keys_are_an_error(tmp_path):
    """Two facets with the same key are exactly one error naming the key."""
    found = config_problems(tmp_path, edit('key = "industry"', 'key = "tags"'))
    assert found == [
        "site.toml:20:1: error: facet key 'tags' is used twice\n    hint: each [[facets]] table needs a key of its own"
    ]


def test_duplicate_facet_key_position(tmp_path):
    """The duplicate facet key is reported at the second facet (line 19/20), not at line 1."""
    [found] = config_problems(tmp_path, edit('key = "industry"', 'key = "tags"'))
    assert found.startswith(("site.toml:19:1: error: ", "site.toml:20:1: error: "))
    assert "'file'" not in found


def test_unknown_key_in_facet_value_is_one_error(tmp_path):
    """`alias` instead of `aliases` in a facet value is one error with the did-you-mean hint."""
    toml = edit('writing = { label = "Writing" }', 'writing = { label = "Writing", alias = ["w"] }')
    assert config_problems(tmp_path, toml) == [
        "site.toml:17:30: error: unknown field 'alias'\n    hint: did you mean 'aliases'?"
    ]


def test_nav_link_javascript_refused(tmp_path):
    """A javascript: navigation link is refused at its line."""
    toml = edit('url = "mentors/"', 'url = "javascript:alert(1)"')
    assert config_problems(tmp_path, toml) == [
        "site.toml:9:1: error: 'nav item 1 url': links must be http(s) or a path inside the site, not 'javascript:'"
    ]


def test_several_problems_each_on_its_line(tmp_path):
    """Every problem in site.toml is reported at once, each at its own line."""
    toml = edit('language = "en"\n', 'language = "en"\nper_page = 1\noutput_dir = "../out"\nbrand_colour = "blue"\n')
    assert sorted(config_problems(tmp_path, toml)) == [
        "site.toml:6:1: error: 'per_page' is out of range: input should be greater than or equal to 6",
        "site.toml:7:1: error: 'output_dir': output_dir must be a folder inside the site, such as _site",
        "site.toml:8:1: error: 'brand_colour': 'blue' is not a colour written #rrggbb\n"
        '    hint: blue is #0000ff: brand_colour = "#0000ff"',
    ]


def test_output_dir_cannot_be_a_site_input(tmp_path):
    """output_dir may not be mentors/ (the build would replace the profiles)."""
    toml = edit('language = "en"\n', 'language = "en"\noutput_dir = "mentors"\n')
    assert config_problems(tmp_path, toml) == [
        "site.toml:6:1: error: 'output_dir': output_dir must not be the site's own 'mentors'; use a folder such as _site"
    ]


def test_wrong_type_gets_quotes_hint(tmp_path):
    """A number where text is expected says so, with the quotes hint."""
    assert config_problems(tmp_path, edit('organisation = "Test Org"', "organisation = 5")) == [
        "site.toml:3:1: error: 'organisation' must be text, not a number\n    hint: put the value in quotes"
    ]


def test_literal_did_you_mean(tmp_path):
    """A misspelt choice lists the allowed ones and suggests the closest."""
    toml = SITE_TOML + '\n[contact]\nmode = "reciever"\n'
    assert config_problems(tmp_path, toml) == [
        "site.toml:40:1: error: 'contact.mode' must be one of 'receiver', 'endpoint', 'netlify', 'mailto' or 'none'; "
        "got 'reciever'\n    hint: did you mean 'receiver'?"
    ]


def test_missing_site_toml(tmp_path):
    """A folder without site.toml is one error pointing at `mentorsite init`."""
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert [d.human() for d in caught.value.diagnostics] == [
        f"site.toml: error: no site.toml in {tmp_path}\n    hint: run `mentorsite init DIR` to start a new site"
    ]


def test_site_toml_bom_and_bad_utf8(tmp_path):
    """A BOM is accepted; invalid UTF-8 is refused at the bad byte."""
    assert load(tmp_path, "\ufeff" + SITE_TOML).title == "Test Mentors"
    assert config_problems(tmp_path, b'title = "Caf\xe9"\n') == [
        "site.toml:1:13: error: file is not valid UTF-8 (byte 0xe9)\n    hint: save the file with UTF-8 encoding"
    ]
