"""A site's own profile fields ([[fields]] in site.toml) and booking_url: declaration errors,
profile validation with exact positions, and every place one model drives (schema, editor,
scaffold, views, search index)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from kit import GOOD_PROFILE, SITE_TOML, TODAY

from mentorsite.cms import cms_config
from mentorsite.config import SiteConfig, load_config, parse_config
from mentorsite.diagnostics import InputError
from mentorsite.load import profile_context, read_mentor
from mentorsite.scaffold import mentor_profile
from mentorsite.schema import mentor_schema

PATH = "mentors/ada.yaml"

#: SITE_TOML (37 lines) plus one field of every type and two facets over them.
FIELDS = """
[[fields]]
key = "faculty"
label = "Faculty"
type = "choice"
required = true
help = "The faculty you graduated from."
[fields.values]
engineering = { label = "Engineering", aliases = ["eng"] }
humanities = { label = "Arts and Humanities", aliases = ["arts"] }

[[fields]]
key = "graduation_year"
label = "Graduation year"
type = "year"
minimum = 1950
maximum = 2030

[[fields]]
key = "societies"
label = "Societies"
type = "choices"
[fields.values]
debating = "Debating"
rowing = "Rowing"

[[fields]]
key = "portfolio"
label = "Portfolio"
type = "url"

[[fields]]
key = "thesis_date"
label = "Thesis defended"
type = "date"

[[fields]]
key = "credits"
label = "Credits"
type = "number"
minimum = 0

[[fields]]
key = "degree"
label = "Degree"

[[facets]]
key = "faculty"
label = "Faculty"

[[facets]]
key = "graduated"
label = "Graduated"
field = "graduation_year"
group = "decade"
"""


def config_problems(tmp_path: Path, extra: str) -> list[str]:
    (tmp_path / "site.toml").write_text(SITE_TOML + extra, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    return [d.human() for d in caught.value.diagnostics]


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> SiteConfig:
    site = tmp_path_factory.mktemp("fields")
    (site / "site.toml").write_text(SITE_TOML + FIELDS, encoding="utf-8")
    return load_config(site)


def profile(extra: str) -> str:
    """GOOD_PROFILE with `extra` lines before last_reviewed (line 15)."""
    return GOOD_PROFILE.replace("last_reviewed:", extra + "last_reviewed:", 1)


def problems(config: SiteConfig, extra: str) -> list[str]:
    loaded, found = read_mentor(PATH, profile(extra).encode(), profile_context(config), today=TODAY)
    assert loaded is None
    return [d.human() for d in found]


def custom(config: SiteConfig, extra: str) -> dict:
    loaded, found = read_mentor(PATH, profile(extra).encode(), profile_context(config), today=TODAY)
    assert loaded is not None, [d.human() for d in found]
    return loaded.mentor.custom


# Profiles ----------------------------------------------------------------------------------------


def test_values_resolve_to_their_keys(config):
    """Aliases and labels resolve to value keys, choices keep each value once, numbers and dates
    are typed, an optional field left blank is unset."""
    assert custom(
        config,
        "faculty: eng\nsocieties: [Rowing, rowing, debating]\ncredits: 12.5\nthesis_date: 2020-02-03\n"
        "graduation_year: 1999\nportfolio: https://ada.example.org\ndegree: ''\n",
    ) == {
        "faculty": "engineering",
        "graduation_year": 1999,
        "societies": ["rowing", "debating"],
        "portfolio": "https://ada.example.org",
        "thesis_date": __import__("datetime").date(2020, 2, 3),
        "credits": 12.5,
    }


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "faculty: enginering\n",
            "mentors/ada.yaml:15:10: error: 'faculty': 'enginering' is not a known value for Faculty\n"
            "    hint: did you mean 'engineering'?",
        ),
        (
            "faculty: arts\nsocieties: [chess]\n",
            "mentors/ada.yaml:16:13: error: 'societies item 1': 'chess' is not a known value for Societies\n"
            "    hint: allowed: debating, rowing",
        ),
        ("", "mentors/ada.yaml:1:1: error: missing required field 'faculty'\n    hint: add a line 'faculty: …'"),
        (
            "faculty: arts\ngraduation_year: twenty\n",
            "mentors/ada.yaml:16:18: error: 'graduation_year' must be a whole number, not text ('twenty')",
        ),
        (
            "faculty: arts\ngraduation_year: 1900\n",
            "mentors/ada.yaml:16:18: error: 'graduation_year' is out of range: input should be greater than or equal to 1950",
        ),
        (
            "faculty: arts\ngraduation_year: true\n",
            "mentors/ada.yaml:16:18: error: 'graduation_year' must be a whole number, not true/false (True)",
        ),
        (
            "faculty: arts\ncredits: '12'\n",
            "mentors/ada.yaml:16:10: error: 'credits' must be a number, not text",
        ),
        (
            "faculty: arts\nportfolio: www.example.org\n",
            "mentors/ada.yaml:16:12: error: 'portfolio': must be a full web address starting with https:// or http://\n"
            "    hint: for example https://example.org/profile",
        ),
        (
            "faculty: arts\nthesis_date: 2020-02-30\n",
            "mentors/ada.yaml:16:14: error: 'thesis_date': 2020-02-30 is not a real day: February 2020 has 29 days\n"
            "    hint: for example 2020-02-29",
        ),
        (
            "faculty: arts\nfacultyy: arts\n",
            "mentors/ada.yaml:16:1: error: unknown field 'facultyy'\n    hint: did you mean 'faculty'?",
        ),
        (
            "faculty: arts\nbooking_url: http://cal.example.com/ada\n",
            "mentors/ada.yaml:16:14: error: 'booking_url': must be a secure web address starting with https://\n"
            "    hint: scheduling services (Calendly, Cal.com, …) give https:// links; copy the link from the browser",
        ),
        (
            "faculty: arts\nbooking_url: cal.example.com/ada\n",
            "mentors/ada.yaml:16:14: error: 'booking_url': must be a full web address starting with https:// or http://\n"
            "    hint: for example https://example.org/profile",
        ),
    ],
)
def test_problems_are_positioned_and_named(config, extra, expected):
    """Each mistake in a site's own field (or booking_url) is one error at its value, in editors' terms."""
    assert problems(config, extra) == [expected]


def test_own_values_cannot_be_written_past_the_model(config):
    """The model keeps a profile's own-field values privately: `custom:` is no key a profile may write."""
    found = problems(config, "faculty: arts\ncustom: {faculty: arts}\n")
    assert found[0].startswith("mentors/ada.yaml:16:1: error: unknown field 'custom'\n    hint: allowed here: name,")
    assert found[0].endswith(
        "active, translations, faculty, graduation_year, societies, portfolio, thesis_date, credits, degree"
    )


def test_profiles_with_own_fields_pickle_as_plain_mentors(config):
    """A validated profile is a plain Mentor whatever the site declares, so worker processes and
    caches can pickle it, own values included."""
    loaded, _ = read_mentor(PATH, profile("faculty: arts\n").encode(), profile_context(config), today=TODAY)
    assert loaded is not None and type(loaded.mentor).__qualname__ == "Mentor"
    copy = pickle.loads(pickle.dumps(loaded.mentor))
    assert copy == loaded.mentor and copy.custom == {"faculty": "humanities"}


def test_booking_url_must_be_https_without_own_fields(context):
    """booking_url is a built-in field: any https page, refused over plain http on every site."""
    good = GOOD_PROFILE.replace("email:", "booking_url: https://cal.example.com/ada\nemail:", 1)
    loaded, _ = read_mentor(PATH, good.encode(), context, today=TODAY)
    assert loaded is not None and loaded.mentor.booking_url == "https://cal.example.com/ada"
    bad = good.replace("https://cal", "http://cal")
    loaded, found = read_mentor(PATH, bad.encode(), context, today=TODAY)
    assert loaded is None
    assert [d.message for d in found] == ["'booking_url': must be a secure web address starting with https://"]


# site.toml ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '\n[[fields]]\nkey = "email"\nlabel = "Email"\n',
            "site.toml:39:1: error: 'fields item 1': 'email' is a built-in profile field; give the site's field another key",
        ),
        (
            '\n[[fields]]\nkey = "city"\nlabel = "City"\n',
            "site.toml:39:1: error: 'fields item 1': 'city' is a built-in profile field; give the site's field another key",
        ),
        (
            '\n[[fields]]\nkey = "Grad Year"\nlabel = "Year"\n',
            "site.toml:40:1: error: 'fields item 1 key': 'Grad Year' is not a field key: use lower-case letters, "
            'digits and underscores, starting with a letter such as "grad_year"',
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choice"\n',
            "site.toml:39:1: error: 'fields item 1': a choice field needs a [fields.values] table listing its allowed values",
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choise"\n',
            "site.toml:42:1: error: 'fields item 1 type' must be one of 'text', 'number', 'year', 'date', 'url', "
            "'choice' or 'choices'; got 'choise'\n    hint: did you mean 'choice'?",
        ),
        (
            '\n[[fields]]\nkey = "year"\nlabel = "Year"\ntype = "year"\nminimum = 2030\nmaximum = 2000\n',
            "site.toml:39:1: error: 'fields item 1': minimum (2030) is larger than maximum (2000)",
        ),
        (
            '\n[[fields]]\nkey = "nick"\nlabel = "Nickname"\n\n[[facets]]\nkey = "nick"\nlabel = "Nick"\n',
            "site.toml:43:1: error: 'facets item 6': facet 'nick' reads 'nick', a text field; "
            "a facet reads a choice, choices or year field",
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choice"\n[fields.values]\neng = "Engineering"\n'
            '\n[[facets]]\nkey = "faculty"\nlabel = "Faculty"\n[facets.values]\neng = "Eng"\n',
            "site.toml:46:1: error: 'facets item 6': facet 'faculty' lists values, but 'faculty' is one of the "
            "site's own fields; list its values in its [[fields]] table",
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choice"\n[fields.values]\neng = "Engineering"\n'
            '\n[[facets]]\nkey = "faculty"\nlabel = "Faculty"\ngroup = "decade"\n',
            "site.toml:46:1: error: 'facets item 6': group applies to facets over a year, not to 'faculty'",
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choice"\n[fields.values]\neng = "Engineering"\n'
            '\n[[facets]]\nkey = "fac"\nlabel = "Faculty"\nfield = "facultey"\n',
            "site.toml:46:1: error: 'facets item 6': facet 'fac' reads unknown profile field 'facultey'; choose one of "
            "cadence, cohort, country, faculty, formats, industry, languages, meeting_modes, tags",
        ),
        (
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choice"\n[fields.values]\neng = "Engineering"\n'
            '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty again"\n',
            "site.toml:47:1: error: field key 'faculty' is used twice\n    hint: each [[fields]] table needs a key of its own",
        ),
    ],
)
def test_declaration_problems_are_positioned(tmp_path, extra, expected):
    """Every mistake in a [[fields]] table, or in a facet over one, is exactly one positioned error."""
    assert config_problems(tmp_path, extra) == [expected]


def test_a_broken_field_is_reported_once_not_again_by_its_facet(tmp_path):
    """A facet over a field whose own table is wrong adds no second error: the field's is the one to fix."""
    extra = '\n[[fields]]\nkey = "faculty"\nlabel = "Faculty"\ntype = "choise"\n\n[[facets]]\nkey = "faculty"\nlabel = "F"\n'
    assert [p.split(": error: ")[1].split("\n")[0] for p in config_problems(tmp_path, extra)] == [
        "'fields item 1 type' must be one of 'text', 'number', 'year', 'date', 'url', 'choice' or 'choices'; got 'choise'"
    ]


def test_cohort_is_a_facet_and_without_parse_config_facets_still_see_the_fields():
    """The built-in cohort needs no values to be a facet; SiteConfig.model_validate (no parse_config)
    still refuses a facet over a field the site does not declare."""
    import tomllib

    assert parse_config(tomllib.loads(SITE_TOML + '\n[[facets]]\nkey = "cohort"\nlabel = "Cohort"\n')).facets[-1].key
    data = tomllib.loads(SITE_TOML + FIELDS)
    assert SiteConfig.model_validate(data).custom_field("faculty") is not None
    data["fields"] = data["fields"][1:]
    with pytest.raises(ValueError, match="facets item 6: facet 'faculty' reads unknown profile field 'faculty'"):
        SiteConfig.model_validate(data)


# One model, everywhere ----------------------------------------------------------------------------


def test_schema_includes_the_fields(config):
    """The JSON Schema lists the own fields after the built-in ones, with label, help, vocabulary,
    bounds and required, and accepts what check accepts."""
    schema = mentor_schema(config)
    Draft7Validator.check_schema(schema)
    properties = schema["properties"]
    assert list(properties)[-7:] == [
        "faculty",
        "graduation_year",
        "societies",
        "portfolio",
        "thesis_date",
        "credits",
        "degree",
    ]
    assert "faculty" in schema["required"]
    faculty = properties["faculty"]
    assert (faculty["title"], faculty["description"]) == ("Faculty", "The faculty you graduated from.")
    assert faculty["anyOf"][0] == {
        "type": "string",
        "enum": ["engineering", "humanities"],
        "enumDescriptions": ["Engineering", "Arts and Humanities"],
    }
    year = next(b for b in properties["graduation_year"]["anyOf"] if b.get("type") == "integer")
    assert (year["minimum"], year["maximum"]) == (1950, 2030)
    validator = Draft7Validator(schema)
    base = yaml.safe_load(GOOD_PROFILE)
    base["last_reviewed"] = base["last_reviewed"].isoformat()
    assert not list(validator.iter_errors({**base, "faculty": "ENG", "societies": ["Rowing"]}))
    assert [e.validator for e in validator.iter_errors({**base, "faculty": "chess"})] == ["anyOf"]
    assert [e.validator for e in validator.iter_errors({**base, "faculty": "eng", "graduation_year": 1900})] == [
        "anyOf"
    ]
    assert [e.validator for e in validator.iter_errors({**base, "faculty": "eng", "booking_url": "http://x.org"})] == [
        "anyOf"
    ]
    assert not list(validator.iter_errors({**base, "faculty": "eng", "booking_url": "https://x.org/a"}))


def test_editor_includes_the_fields(config):
    """The web editor's mentor form has the own fields, labelled, with help, choices and bounds."""
    fields = {f["name"]: f for f in cms_config(config)["collections"][0]["fields"]}
    assert fields["faculty"] == {
        "label": "Faculty",
        "name": "faculty",
        "hint": "The faculty you graduated from.",
        "required": True,
        "widget": "select",
        "options": [
            {"label": "Engineering", "value": "engineering"},
            {"label": "Arts and Humanities", "value": "humanities"},
        ],
    }
    assert fields["societies"]["widget"] == "select" and fields["societies"]["multiple"] is True
    assert (
        fields["graduation_year"]["widget"],
        fields["graduation_year"]["min"],
        fields["graduation_year"]["max"],
    ) == (
        "number",
        1950,
        2030,
    )
    assert fields["credits"]["widget"] == "number" and fields["credits"]["min"] == 0
    assert fields["portfolio"]["pattern"][0] == "^https?://[^\\s]+$"
    assert fields["booking_url"]["pattern"][0] == "^https://[^\\s]+$"
    assert fields["thesis_date"]["widget"] == "datetime"


def test_new_mentor_fills_required_fields_and_comments_the_rest(config):
    """`new mentor` writes the required faculty with a valid value and the others commented with
    their help, and the profile it writes passes check."""
    text = mentor_profile("Ada Example", TODAY, "leadership", fields=config.fields)
    assert (
        "# Faculty (required): The faculty you graduated from.\nfaculty: engineering  # one of engineering, humanities\n"
        in text
    )
    assert "# Graduation year\n# graduation_year: 2026  # a year, 1950-2030\n" in text
    assert '# booking_url: "https://cal.example.org/you"' in text
    loaded, found = read_mentor("mentors/ada-example.yaml", text.encode(), profile_context(config), today=TODAY)
    assert loaded is not None and [d for d in found if d.is_error] == []
    assert loaded.mentor.custom == {"faculty": "engineering"}


def test_search_index_holds_own_values_and_facet_columns(tmp_path, config):
    """Own text and choice labels are searchable; facets over own fields get filter columns."""
    from kit import drop_lines, write_site

    from mentorsite.build import build_site

    ada = drop_lines(profile("faculty: arts\ndegree: BSc Oceanography\ngraduation_year: 2004\n"), "photo:", "email:")
    bo = ada.replace("Ada Example", "Bo Example").replace(
        "faculty: arts\ndegree: BSc Oceanography\ngraduation_year: 2004", "faculty: eng\ngraduation_year: 2011"
    )
    site = write_site(
        tmp_path / "site", files={"site.toml": SITE_TOML + FIELDS, "mentors/ada.yaml": ada, "mentors/bo.yaml": bo}
    )
    report = build_site(site, today=TODAY)
    assert report.errors == []
    out = site / "_site" / "search"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    facets = {f["key"]: f for f in manifest["facets"]}
    assert facets["faculty"]["values"] == [["humanities", "Arts and Humanities", 1], ["engineering", "Engineering", 1]]
    assert facets["graduated"]["values"] == [["2000s", "2000s", 1], ["2010s", "2010s", 1]]
    assert facets["faculty"]["multi"] is False
    shards = {}
    for shard in (out / "t").iterdir():
        shards.update(json.loads(shard.read_text(encoding="utf-8")))
    assert "oceanography" in shards and "humanities" in shards
