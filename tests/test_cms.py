"""The web editor (Decap CMS): /admin/ generated from the profile models and the vocabularies."""

from __future__ import annotations

import tomllib

import pytest
import yaml
from kit import GOOD_PROFILE, SITE_TOML, TODAY
from pydantic import BaseModel

from mentorsite.build import build_site
from mentorsite.cms import DECAP_INTEGRITY, DECAP_VERSION, cms_config, cms_files
from mentorsite.config import SiteConfig, load_config
from mentorsite.diagnostics import InputError
from mentorsite.models import Guide, Mentor
from mentorsite.validation import _unwrap

CMS_TOML = SITE_TOML.replace("[[nav]]", '[cms]\nenabled = true\nrepo = "example-org/mentors"\n\n[[nav]]', 1)
WIDGETS = {"string", "text", "markdown", "boolean", "number", "datetime", "list", "object", "select", "image"}


def config(toml: str = CMS_TOML) -> SiteConfig:
    return SiteConfig.model_validate(tomllib.loads(toml))


def by_name(fields: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in fields}


@pytest.fixture(scope="module")
def parsed() -> dict:
    """config.yml exactly as Decap reads it: parsed from the generated text."""
    return yaml.safe_load(cms_files(config())["admin/config.yml"])


def test_no_editor_unless_enabled():
    assert config(SITE_TOML).cms.enabled is False
    assert cms_files(config(SITE_TOML)) == {}
    assert sorted(cms_files(config())) == ["admin/config.yml", "admin/index.html"]


def test_backend_opens_pull_requests(parsed):
    assert parsed["backend"]["name"] == "github"
    assert parsed["backend"]["repo"] == "example-org/mentors"
    assert parsed["backend"]["branch"] == "main"
    assert parsed["backend"]["open_authoring"] is True
    assert parsed["publish_mode"] == "editorial_workflow"
    assert parsed["media_folder"] == "mentors/photos"
    assert parsed["public_folder"] == "photos"
    assert parsed["site_url"] == "http://localhost:8000/"
    assert "local_backend" not in parsed


def test_config_lists_every_model_field_at_every_level(parsed):
    """Walk Mentor and the models inside it: each field has a widget in the form."""
    mentors = next(c for c in parsed["collections"] if c["name"] == "mentors")
    assert (mentors["folder"], mentors["extension"], mentors["format"]) == ("mentors", "yaml", "yaml")

    def walk(model: type[BaseModel], fields: list[dict], where: str) -> int:
        widgets = by_name(fields)
        assert list(widgets) == list(model.model_fields), where
        count = 0
        for name, info in model.model_fields.items():
            widget = widgets[name]
            assert widget["widget"] in WIDGETS, (where, name)
            assert widget["required"] is info.is_required(), (where, name)
            count += 1
            nested = [m for m in _unwrap(info.annotation) if m is not model]
            if name == "translations":
                # One group per language of the site but its default: none on the example site.
                assert (widget["widget"], widget["fields"]) == ("object", []), (where, name)
            elif nested:
                assert widget["widget"] in ("object", "list"), (where, name)
                count += walk(nested[0], widget["fields"], f"{where}.{name}")
        return count

    # Location (city, country), Availability (accepting, capacity, available_from), Link (label, url)
    assert walk(Mentor, mentors["fields"], "Mentor") == len(Mentor.model_fields) + 2 + 3 + 2
    for name in ("guides", "pages"):
        collection = next(c for c in parsed["collections"] if c["name"] == name)
        assert [f["name"] for f in collection["fields"]] == [*Guide.model_fields, "body"]


def test_widgets_follow_the_models_and_vocabularies(parsed):
    fields = by_name(next(c for c in parsed["collections"] if c["name"] == "mentors")["fields"])
    assert fields["tags"] == {
        "label": "Expertise",
        "name": "tags",
        "hint": "Areas of expertise, from the site's vocabulary (at least one).",
        "required": True,
        "widget": "select",
        "multiple": True,
        "options": [
            {"label": "Leadership", "value": "leadership"},
            {"label": "Machine learning", "value": "machine-learning"},
            {"label": "Writing", "value": "writing"},
        ],
        "min": 1,
        "max": 12,
    }
    assert fields["industry"]["widget"] == "select" and "multiple" not in fields["industry"]
    assert fields["industry"]["options"] == [
        {"label": "Technology", "value": "technology"},
        {"label": "Finance and banking", "value": "finance"},
    ]
    assert fields["formats"]["options"][0] == {"label": "One-to-one", "value": "one-to-one"}
    assert fields["cadence"]["options"] == [
        {"label": "Weekly", "value": "weekly"},
        {"label": "Every two weeks", "value": "bi-weekly"},
        {"label": "Monthly", "value": "monthly"},
    ]
    assert {"label": "English (en)", "value": "en"} in fields["languages"]["options"]
    assert fields["bio"]["widget"] == "markdown" and fields["expectations"]["widget"] == "markdown"
    assert fields["headline"]["widget"] == "string"
    assert fields["headline"]["pattern"] == ["^[^\\n]{1,160}$", "one line, at most 160 characters"]
    assert fields["photo"]["widget"] == "image"
    assert fields["cohort"] == {
        "label": "Cohort",
        "name": "cohort",
        "hint": "Graduation year or cohort.",
        "required": False,
        "widget": "number",
        "value_type": "int",
        "min": 1900,
        "max": 2100,
    }
    assert fields["joined"]["widget"] == "datetime"
    assert (fields["joined"]["format"], fields["joined"]["date_format"], fields["joined"]["time_format"]) == (
        "YYYY-MM-DD",
        "YYYY-MM-DD",
        False,
    )
    assert fields["featured"]["default"] is False and fields["active"]["default"] is True
    assert fields["email"]["label"] == "Email (private)"
    assert fields["email"]["hint"].startswith("PRIVATE:") and "Never published" in fields["email"]["hint"]
    location = by_name(fields["location"]["fields"])
    assert {"label": "Portugal (PT)", "value": "PT"} in location["country"]["options"]
    links = fields["links"]
    assert (links["widget"], links["max"]) == ("list", 8)
    assert by_name(links["fields"])["url"]["pattern"][0] == "^https?://[^\\s]+$"
    assert fields["help_with"]["widget"] == "list" and fields["help_with"]["field"]["widget"] == "string"
    assert "Europe/Lisbon" in [o["value"] for o in fields["timezone"]["options"]]
    availability = by_name(fields["availability"]["fields"])
    assert availability["capacity"]["value_type"] == "int"
    assert availability["accepting"] == {
        "label": "Accepting",
        "name": "accepting",
        "hint": "Whether the mentor takes new mentees now.",
        "required": False,
        "widget": "boolean",
        "default": True,
    }


def test_admin_page_loads_a_pinned_decap_release():
    page = cms_files(config())["admin/index.html"]
    assert (
        f'<script src="https://unpkg.com/decap-cms@{DECAP_VERSION}/dist/decap-cms.js" '
        f'integrity="{DECAP_INTEGRITY}" crossorigin="anonymous"></script>'
    ) in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "identity.netlify.com" not in page


def test_git_gateway_and_other_options():
    toml = CMS_TOML.replace(
        'repo = "example-org/mentors"', 'backend = "git-gateway"\nbranch = "live"\nlocal_backend = true'
    )
    data = cms_config(config(toml))
    assert data["backend"] == {
        "name": "git-gateway",
        "branch": "live",
        "commit_messages": data["backend"]["commit_messages"],
    }
    assert data["local_backend"] is True
    assert (
        '<script src="https://identity.netlify.com/v1/netlify-identity-widget.js"></script>'
        in cms_files(config(toml))["admin/index.html"]
    )
    oauth = cms_config(
        config(
            CMS_TOML.replace(
                'repo = "example-org/mentors"',
                'repo = "a/b"\nauth_url = "https://auth.example.org/"\nopen_authoring = false',
            )
        )
    )
    assert oauth["backend"]["base_url"] == "https://auth.example.org"
    assert "open_authoring" not in oauth["backend"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[cms]\nenabled = true\n", "site.toml:1:1: error: 'cms': the github backend needs repo = \"owner/name\""),
        (
            '[cms]\nrepo = "not a repo"\n',
            "site.toml:2:1: error: 'cms.repo': repo must be written owner/name, not 'not a repo'",
        ),
        (
            '[cms]\nbackend = "gitlab"\n',
            "site.toml:2:1: error: 'cms.backend' must be one of 'github' or 'git-gateway'; got 'gitlab'",
        ),
    ],
)
def test_cms_settings_are_validated(tmp_path, table, message):
    (tmp_path / "site.toml").write_text(SITE_TOML + "\n" + table, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert [d.human().split("\n")[0] for d in caught.value.diagnostics] == [
        message.replace("site.toml:1:1", f"site.toml:{SITE_TOML.count(chr(10)) + 2}:1").replace(
            "site.toml:2:1", f"site.toml:{SITE_TOML.count(chr(10)) + 3}:1"
        )
    ]


def test_build_writes_admin_outside_the_sitemap(make_site):
    site = make_site(f"""
-- site.toml --
{CMS_TOML}
-- mentors/ada-example.yaml --
{GOOD_PROFILE}
""")
    report = build_site(site, today=TODAY)
    assert report.errors == [] and report.written
    out = site / "_site"
    assert (
        yaml.safe_load((out / "admin" / "config.yml").read_text(encoding="utf-8"))["backend"]["repo"]
        == "example-org/mentors"
    )
    assert "decap-cms" in (out / "admin" / "index.html").read_text(encoding="utf-8")
    assert "admin" not in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_float_fields_become_number_widgets():
    """A field type the profile models do not use yet still gets a sensible widget."""
    from mentorsite.cms import field_widget

    class Odd(BaseModel):
        when: float | None = None

    assert field_widget("when", Odd.model_fields["when"], None)["widget"] == "number"
