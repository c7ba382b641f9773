"""Site-wide rules: pure, they return the mentors they keep and leave their input alone."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site

from mentorsite import rules
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


NAMES = ["Ada Example", "Bo Other", "Cy Third"]
EMAILS = ["ada.private@example.org", "bo.private@example.org", "cy.private@example.org", None]
SLUGS = ["ada", "bo", "cy", "di"]
RULE_EDITS = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["name", "email", "slug", "copy", "drop"]), st.integers(0, 3)),
    min_size=1,
    max_size=10,
)


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=RULE_EDITS)
def test_rules_updated_edit_by_edit_equal_rules_made_again(tmp_path_factory, edits):
    """Serve's rebuilds pass the last profiles but for the edited ones; the rules then update
    their last clean answer (rules._still_clean). After every edit of a name, an email, a slug
    (the same person twice, a slug taken twice, and back), a profile read again or dropped,
    the answer is the one made from nothing: the same kept profiles and the same problems."""
    site = write_site(
        tmp_path_factory.mktemp("site"),
        files={
            f"mentors/p{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}").replace(
                "ada.private@", f"p{i}.private@"
            )
            for i in range(6)
        },
    )
    config = load_config(site)
    loaded = load_site(site, config, today=TODAY)
    mentors = list(loaded.mentors)
    rules._last_clean.clear()
    site_rules(config, replace(loaded, mentors=mentors))
    for place, what, choice in edits:
        at = place % len(mentors)
        item = mentors[at]
        if what == "name":
            mentors[at] = replace(item, mentor=item.mentor.model_copy(update={"name": NAMES[choice % 3]}))
        elif what == "email":
            mentors[at] = replace(item, mentor=item.mentor.model_copy(update={"email": EMAILS[choice]}))
        elif what == "slug":
            mentors[at] = replace(item, slug=SLUGS[choice])
        elif what == "copy":
            mentors[at] = replace(item)
        elif len(mentors) > 1:
            del mentors[at]
        updated = site_rules(config, replace(loaded, mentors=list(mentors)))
        kept_alive = list(rules._last_clean)
        rules._last_clean.clear()
        fresh = site_rules(config, replace(loaded, mentors=list(mentors)))
        rules._last_clean[:] = kept_alive
        assert [id(m) for m in updated.kept] == [id(m) for m in fresh.kept]
        assert updated.diagnostics == fresh.diagnostics
