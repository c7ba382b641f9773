"""The JSON Schema for editors: generated from the models, kept current in the repo, used by `new`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator
from kit import SITE_TOML, TODAY

from mentorsite.build import build_site
from mentorsite.cli import cli
from mentorsite.config import SiteConfig, load_config
from mentorsite.schema import MODELINE, SCHEMA_PATH, mentor_schema, schema_text
from mentorsite.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[1]


def validator(schema: dict) -> Draft7Validator:
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def errors(schema: dict, data: dict) -> list[tuple[list, str]]:
    return sorted((list(e.absolute_path), e.validator) for e in validator(schema).iter_errors(data))


@pytest.fixture(scope="module")
def schema() -> dict:
    """The example site's schema."""
    return mentor_schema(load_config(ROOT))


@pytest.fixture(scope="module")
def test_schema() -> dict:
    """The schema of the tests' own small site (kit.SITE_TOML)."""
    return mentor_schema(SiteConfig.model_validate(tomllib.loads(SITE_TOML)))


def test_repository_schema_is_current():
    """schema/mentor.schema.json is exactly what `mentorsite schema` writes for this site."""
    kept = (ROOT / SCHEMA_PATH).read_text(encoding="utf-8")
    assert kept == schema_text(load_config(ROOT)), "stale: run `mentorsite schema` and commit schema/mentor.schema.json"


def test_schema_is_valid_draft_7_and_lists_every_profile_field(schema):
    from mentorsite.models import Mentor

    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["title"] == "Mentor profile (Northbridge Alumni Mentors)"
    # The built-in fields, then the example site's own ([[fields]] in site.toml).
    assert list(schema["properties"]) == [*Mentor.model_fields, "faculty", "degree"]
    assert schema["required"] == ["name", "headline", "bio", "tags"]
    assert schema["additionalProperties"] is False


def test_facet_vocabularies_are_offered_as_enums(schema):
    """Completions offer exactly the canonical values of site.toml's facets, with their labels."""
    config = load_config(ROOT)
    tags = schema["properties"]["tags"]["items"]["anyOf"][0]
    assert tags["enum"] == list(config.facet("tags").values)
    assert tags["enumDescriptions"] == [v.label for v in config.facet("tags").labelled_values().values()]
    assert tags["enum"][:3] == ["career-change", "data-science", "design"]
    assert tags["enumDescriptions"][:3] == ["Career change", "Data science", "Design"]
    industry = schema["properties"]["industry"]["anyOf"][0]["anyOf"][0]
    assert industry["enum"] == list(config.facet("industry").values)
    assert schema["properties"]["formats"]["items"]["anyOf"][0]["enum"] == [
        "one-to-one",
        "group",
        "peer",
        "co-mentoring",
        "reverse",
    ]
    assert schema["properties"]["cadence"]["anyOf"][0]["anyOf"][0]["enum"] == ["weekly", "bi-weekly", "monthly"]
    country = schema["$defs"]["Location"]["properties"]["country"]["anyOf"][0]["anyOf"][0]
    assert {"PT", "NO", "BR"} <= set(country["enum"]) and len(country["enum"]) > 240


def test_every_example_profile_validates(schema):
    """Aliases ("ML"), labels ("Machine learning") and lower-case countries are not underlined."""
    check = validator(schema)
    for path in sorted((ROOT / "mentors").glob("*.yaml")):
        data = parse_yaml(path.read_text(encoding="utf-8"), path.name).data
        assert [e.message for e in check.iter_errors(data)] == [], path.name


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("leadership", True),
        ("Leadership", True),
        ("management", True),
        ("ML", True),
        ("ai", True),
        ("Machine learning", True),
        ("machine_learning", True),
        ("  Machine -  Learning ", True),
        ("leadrship", False),
        ("machine", False),
        ("learning", False),
        ("", False),
    ],
)
def test_tag_spellings_match_what_check_accepts(test_schema, context, value, ok):
    """The schema accepts exactly the spellings mentorsite's vocabulary resolves."""
    from mentorsite.models import Mentor

    data = {"name": "A", "headline": "B", "bio": "C", "tags": [value]}
    assert (errors(test_schema, data) == []) is ok
    try:
        Mentor.model_validate(data, context=context)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is ok


def test_mistakes_are_underlined(test_schema):
    data = {
        "name": "Ada",
        "headline": "Helps",
        "bio": "Text",
        "tags": ["leadrship"],
        "headlin": "typo",
        "industry": "tech",
        "location": {"country": "XX"},
        "availability": {"capacity": "two"},
        "joined": "2026-13-40",
        "languages": ["english"],
        "links": [{"label": "Site"}],
    }
    assert errors(test_schema, data) == [
        ([], "additionalProperties"),
        (["availability", "capacity"], "anyOf"),
        (["industry"], "anyOf"),
        (["joined"], "anyOf"),
        (["languages", 0], "anyOf"),
        (["links", 0], "required"),
        (["location"], "anyOf"),  # location is optional: the error is on the whole mapping
        (["tags", 0], "anyOf"),
    ]


def test_new_mentor_profile_points_at_the_schema_and_is_valid(tmp_path):
    """`init` writes the schema; `new mentor` starts with the modeline; editor and check agree it is valid."""
    runner = CliRunner()
    site = tmp_path / "site"
    assert runner.invoke(cli, ["init", str(site)]).exit_code == 0
    assert (site / SCHEMA_PATH).is_file()
    result = runner.invoke(cli, ["new", "mentor", "Zoë Example", str(site)])
    assert result.exit_code == 0, result.output
    profile = site / "mentors" / "zoe-example.yaml"
    text = profile.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/mentor.schema.json" == MODELINE
    schema_path = (profile.parent / text.splitlines()[0].split("$schema=")[1]).resolve()
    assert schema_path == (site / SCHEMA_PATH).resolve()
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert errors(schema, parse_yaml(text, profile.name).data) == []
    check = runner.invoke(cli, ["check", str(site)])
    assert check.exit_code == 0, check.output


def test_new_mentor_writes_a_missing_schema(tmp_path):
    runner = CliRunner()
    site = tmp_path / "site"
    runner.invoke(cli, ["init", str(site)])
    (site / SCHEMA_PATH).unlink()
    result = runner.invoke(cli, ["new", "mentor", "Bo Chen", str(site)])
    assert result.stdout == (f"wrote {site / 'mentors' / 'bo-chen.yaml'}\nwrote {site / SCHEMA_PATH}\n")


def test_schema_command_writes_checks_and_prints(tmp_path):
    runner = CliRunner()
    site = tmp_path / "site"
    runner.invoke(cli, ["init", str(site)])
    target = site / SCHEMA_PATH
    assert runner.invoke(cli, ["schema", str(site)]).stdout == f"unchanged: {target}\n"
    assert runner.invoke(cli, ["schema", str(site), "--check"]).exit_code == 0
    toml = (site / "site.toml").read_text(encoding="utf-8")
    addition = 'career-change = { label = "Career change" }'
    assert addition in toml
    (site / "site.toml").write_text(toml.replace(addition, addition + '\nmentoring = { label = "Mentoring" }'))
    stale = runner.invoke(cli, ["schema", str(site), "--check"])
    assert stale.exit_code == 1
    assert stale.stderr == f"{target} is stale; run: mentorsite schema {site}\n"
    printed = runner.invoke(cli, ["schema", str(site), "-o", "-"])
    assert "mentoring" in json.loads(printed.stdout)["properties"]["tags"]["items"]["anyOf"][0]["enum"]
    assert runner.invoke(cli, ["schema", str(site)]).stdout == f"wrote {target}\n"
    other = tmp_path / "elsewhere.json"
    assert runner.invoke(cli, ["schema", str(site), "-o", str(other)]).exit_code == 0
    assert other.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


def test_schema_is_neither_published_nor_a_profile(tmp_path):
    runner = CliRunner()
    site = tmp_path / "site"
    runner.invoke(cli, ["init", str(site)])
    report = build_site(site, today=TODAY)
    assert report.written and report.errors == []
    assert report.mentors == 1
    published = [p.relative_to(site / "_site").as_posix() for p in (site / "_site").rglob("*")]
    assert not [p for p in published if "schema" in p]


def test_schema_command_reports_a_broken_site_toml(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "x"\norganisaton = "y"\n')
    result = CliRunner().invoke(cli, ["schema", str(site)])
    assert result.exit_code == 1
    assert "did you mean 'organisation'?" in result.stderr


def test_dates_stay_text_for_the_schema():
    """Our reader keeps dates as text, like yaml-language-server: format: date applies."""
    assert parse_yaml("joined: 2026-01-05\n", "x.yaml").data == {"joined": "2026-01-05"}
