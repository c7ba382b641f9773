"""Stages that update their last result (index.update_facets, views.choose_similar): after any
sequence of profile edits, the update equals the result made again from nothing, down to the
order of every dict (pages are made by walking them)."""

from __future__ import annotations

import os
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorsite.views as views_module
from mentorsite.config import parse_config
from mentorsite.index import MOST_UPDATED, FacetBase, build_facets, update_facets
from mentorsite.messages import messages_for
from mentorsite.models import facet_values
from mentorsite.views import FacetRef, MentorView, SimilarChoice, choose_similar

CONFIG = parse_config(
    {
        "title": "T",
        "organisation": "O",
        "facets": [
            {"key": "tags", "label": "Expertise", "values": {t: t.title() for t in ("a", "b", "c", "d", "e")}},
            {"key": "languages", "label": "Languages"},
            {"key": "country", "label": "Country"},
            {"key": "cohort", "label": "Cohort", "group": "decade"},
        ],
    }
)
MESSAGES = messages_for("en")
FIELDS = sorted({facet.source_field for facet in CONFIG.facets})
#: Names in two cases: the directory collates without case, suggestions rank by the name itself.
NAMES = ["Ana", "ana", "Bo", "bo", "Cy", "Dee", "eli", "Fay", "Gus", "hal", "Ida", "Jo"]

EXAMPLES = int(os.environ.get("MENTORSITE_PROPERTY_EXAMPLES", "0")) or None
PROPERTY = settings(
    max_examples=EXAMPLES or 150,
    deadline=None,
    derandomize=EXAMPLES is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

profiles = st.fixed_dictionaries(
    {
        "name": st.sampled_from(NAMES),
        "accepting": st.booleans(),
        "tags": st.lists(st.sampled_from("abcde"), min_size=1, max_size=4, unique=True),
        "languages": st.lists(st.sampled_from(["en", "fr", "ar"]), max_size=2, unique=True),
        "location": st.one_of(st.none(), st.sampled_from([{"country": "KE"}, {"country": "PT"}])),
        "cohort": st.one_of(st.none(), st.sampled_from([1995, 1999, 2004, 2012])),
    }
)
#: A site (slug -> profile), then edits: a profile set (added or replaced) or deleted (None).
sites = st.dictionaries(st.sampled_from([f"m{i:02}" for i in range(14)]), profiles, min_size=1, max_size=14)
edits = st.lists(
    st.lists(st.tuples(st.sampled_from([f"m{i:02}" for i in range(16)]), st.none() | profiles), min_size=1, max_size=3),
    min_size=1,
    max_size=6,
)


def edited(site: dict[str, dict], step: list[tuple[str, dict | None]]) -> dict[str, dict]:
    site = dict(site)
    for slug, profile in step:
        if profile is None:
            site.pop(slug, None)
        else:
            site[slug] = profile
    return site


def state(site: dict[str, dict], objects: dict[str, object]) -> tuple[dict, list[str], dict]:
    """The mentors (one object per profile version, as the load cache keeps them), the directory
    order and the facet values of `site`."""
    mentors = {slug: objects.setdefault(f"{slug}{sorted(p.items())}", SimpleNamespace(**p)) for slug, p in site.items()}
    order = sorted(site, key=lambda s: (not site[s]["accepting"], site[s]["name"].casefold(), s))
    values = {slug: {f: facet_values(p, f) for f in FIELDS} for slug, p in site.items()}
    return mentors, order, values


def shape(facets) -> list:
    """Everything a facet holds, dicts in their order."""
    return [
        (f.key, f.field, list(f.members.items()), f.values, list(f.labels.items()), f.multi, f.group) for f in facets
    ]


@PROPERTY
@given(sites, edits)
def test_updated_facets_equal_facets_made_again(site, steps):
    objects: dict[str, object] = {}
    mentors, order, values = state(site, objects)
    base = FacetBase(mentors, order, values, build_facets(CONFIG, mentors, order, MESSAGES, values))
    for step in steps:
        site = edited(site, step)
        if not site:
            continue
        mentors, order, values = state(site, objects)
        updated = update_facets(CONFIG, base, mentors, order, MESSAGES, values)
        assert shape(updated) == shape(build_facets(CONFIG, mentors, order, MESSAGES, values))
        # A facet no edited mentor has (or had) a value of is the last one's own object.
        changed = {s for s in mentors.keys() | base.mentors.keys() if mentors.get(s) is not base.mentors.get(s)}
        for old, new in zip(base.facets, updated, strict=True):
            if all(not values.get(s, {}).get(old.field) and not base.values.get(s, {}).get(old.field) for s in changed):
                assert new is old
            # One whose members did not move is too, and so is a value of the same count and label.
            assert (new is old) == (list(new.members.items()) == list(old.members.items()))
            before = {value.key: value for value in old.values}
            assert all(value is before[value.key] for value in new.values if before.get(value.key) == value)
        assert (updated is base.facets) == all(new is old for new, old in zip(updated, base.facets, strict=True))
        base = FacetBase(mentors, order, values, updated)


def test_an_edit_that_moves_no_value_keeps_the_very_same_facets():
    """A bio edited: another Mentor object with the same values. Nothing made from the facets
    (the sidebar, listings, their digests) has to be made again."""
    site = {
        "m1": {"name": "Ana", "accepting": True, "tags": ["a", "b"]},
        "m2": {"name": "Bo", "accepting": True, "tags": ["b"]},
    }
    mentors, order, values = state(site, {})
    base = FacetBase(mentors, order, values, build_facets(CONFIG, mentors, order, MESSAGES, values))
    edited_mentors = {**mentors, "m1": SimpleNamespace(**site["m1"], bio="new")}
    assert update_facets(CONFIG, base, edited_mentors, order, MESSAGES, values) is base.facets
    moved = {**values, "m1": {f: facet_values({**site["m1"], "tags": ["a"]}, f) for f in FIELDS}}
    updated = update_facets(CONFIG, base, edited_mentors, order, MESSAGES, moved)
    assert updated is not base.facets and updated[0] is not base.facets[0] and updated[1] is base.facets[1]
    assert [v.count for v in updated[0].values] == [1, 1]
    assert updated[0].values[0] is base.facets[0].values[1]  # "a": still one mentor, the same object


def test_facets_are_made_again_when_many_mentors_changed():
    site = {f"m{i:03}": {"name": f"N{i}", "accepting": True, "tags": ["a"]} for i in range(MOST_UPDATED + 1)}
    mentors, order, values = state(site, {})
    base = FacetBase({}, [], {}, build_facets(CONFIG, {}, [], MESSAGES, {}))
    updated = update_facets(CONFIG, base, mentors, order, MESSAGES, values)
    assert shape(updated) == shape(build_facets(CONFIG, mentors, order, MESSAGES, values))
    assert updated[0].members["a"] == order


def views_of(site: dict[str, dict]) -> tuple[dict[str, MentorView], dict[str, tuple], dict[str, list[str]]]:
    """Views as similar_mentors reads them (slug, accepting, name, tags), their keys, tag members."""
    order = sorted(site, key=lambda s: (not site[s]["accepting"], site[s]["name"].casefold(), s))
    views = {
        slug: SimpleNamespace(
            slug=slug, accepting=p["accepting"], name=p["name"], tags=[FacetRef(t, t, None) for t in p["tags"]]
        )
        for slug, p in site.items()
    }
    keys = {slug: (slug, v.accepting, v.name, tuple(t.key for t in v.tags)) for slug, v in views.items()}
    members: dict[str, list[str]] = {}
    for slug in order:
        for tag in site[slug]["tags"]:
            members.setdefault(tag, []).append(slug)
    return views, keys, members  # type: ignore[return-value]


@PROPERTY
@given(sites, edits)
def test_similar_mentors_chosen_again_only_where_needed_equal_a_choice_from_nothing(site, steps):
    views, keys, members = views_of(site)
    choice = choose_similar(views, keys, members)
    for step in steps:
        site = edited(site, step)
        views, keys, members = views_of(site)
        updated = choose_similar(views, keys, members, choice)
        fresh = choose_similar(views, keys, members)
        assert list(updated.chosen.items()) == list(fresh.chosen.items())
        assert updated.heads == fresh.heads
        choice = updated


def test_an_unchanged_mentor_keeps_its_list_unless_a_candidate_changed(monkeypatch):
    """The update re-chooses the edited mentor's list, and those whose tags' candidates moved."""
    site = {
        "ana": {"name": "Ana", "accepting": True, "tags": ["a"]},
        "bo": {"name": "Bo", "accepting": False, "tags": ["a"]},
        "cy": {"name": "Cy", "accepting": False, "tags": ["b"]},
        "dee": {"name": "Dee", "accepting": True, "tags": ["b"]},
    }
    views, keys, members = views_of(site)
    choice = choose_similar(views, keys, members)
    assert choice.chosen == {"bo": ["ana"], "cy": ["dee"]}
    chosen_for: list[str] = []
    real = views_module.similar_mentors
    monkeypatch.setattr(views_module, "similar_mentors", lambda v, *a: chosen_for.append(v.slug) or real(v, *a))
    site["cy"] = dict(site["cy"], name="Cyd")  # cy itself changed
    updated = choose_similar(*views_of(site), choice)
    assert (chosen_for, updated.chosen) == (["cy"], {"bo": ["ana"], "cy": ["dee"]})
    chosen_for.clear()
    site["ana"] = dict(site["ana"], tags=["b"])  # a candidate of a and b moved: bo and cy again
    updated = choose_similar(*views_of(site), updated)
    assert (sorted(chosen_for), updated.chosen) == (["bo", "cy"], {"bo": [], "cy": ["ana", "dee"]})
    assert isinstance(updated, SimilarChoice) and updated.keys == views_of(site)[1]
