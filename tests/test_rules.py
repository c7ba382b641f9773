"""Site-wide rules: pure, they return the mentors they keep and leave their input alone."""

from __future__ import annotations

from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site

from mentorsite.config import load_config
from mentorsite.load import load_site
from mentorsite.rules import site_rules


def test_rules_return_kept_mentors_and_do_not_touch_the_loaded_site(tmp_path):
    """A second file with the same slug is dropped from `kept` with an error; the same person
    twice is reported on the later file but kept; `loaded.mentors` is left exactly as it was."""
    other = GOOD_PROFILE.replace("Ada Example", "Bo Other").replace("ada.private@", "bo.private@")
    site = write_site(
        tmp_path / "site",
        f"""
-- mentors/ada.yaml --
{GOOD_PROFILE}
-- mentors/ada.yml --
{other}
-- mentors/bo.yaml --
{other}
-- content/mentors.md --
---
title: Mentors
---
A page.
""",
        files={PHOTO_PATH: tiny_jpeg()},
    )
    config = load_config(site)
    loaded = load_site(site, config, today=TODAY)
    before = list(loaded.mentors)
    assert [m.path for m in before] == ["mentors/ada.yaml", "mentors/ada.yml", "mentors/bo.yaml"]

    kept, diagnostics = site_rules(config, loaded)

    assert [m.path for m in kept] == ["mentors/ada.yaml", "mentors/bo.yaml"]
    assert [d.human().splitlines()[0] for d in diagnostics] == [
        "mentors/ada.yml: error: slug 'ada' is already used by mentors/ada.yaml",
        "content/mentors.md: error: page 'mentors' would replace the site's /mentors/ pages",
    ]
    assert loaded.mentors == before and all(a is b for a, b in zip(loaded.mentors, before, strict=True))


def test_same_person_is_reported_on_the_later_file(tmp_path):
    """Same name and same private email in two files: both rules point at the later file's fields."""
    site = write_site(
        tmp_path / "site",
        files={"mentors/ada.yaml": GOOD_PROFILE, "mentors/ada-2.yaml": GOOD_PROFILE, PHOTO_PATH: tiny_jpeg()},
    )
    config = load_config(site)
    kept, diagnostics = site_rules(config, load_site(site, config, today=TODAY))
    assert [m.slug for m in kept] == ["ada-2", "ada"]  # files load in name order
    assert [d.human().splitlines()[0] for d in diagnostics] == [
        "mentors/ada.yaml:1:7: error: 'Ada Example' already has a profile in mentors/ada-2.yaml",
        "mentors/ada.yaml:16:8: error: this email is already used by mentors/ada-2.yaml",
    ]


def test_reserved_facet_key_is_reported(tmp_path):
    """A facet may not take a URL segment the build uses."""
    toml = SITE_TOML.replace('key = "formats"', 'key = "search"\nfield = "formats"')
    site = write_site(tmp_path / "site", files={"site.toml": toml})
    config = load_config(site)
    assert [d.human() for d in site_rules(config, load_site(site, config, today=TODAY)).diagnostics] == [
        "site.toml: error: facet key 'search' is reserved for the site's own pages\n"
        "    hint: choose another key, e.g. 'search-facet'"
    ]
