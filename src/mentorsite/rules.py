"""Site-wide rules: what no single file can know alone (one URL per slug, one profile per
person, no page or facet taking a URL the build uses).

`site_rules` is pure: it returns the mentors it keeps and its diagnostics, and leaves the
`Loaded` it was given as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .config import SiteConfig
from .diagnostics import Diagnostic
from .index import sort_key
from .load import Loaded, LoadedMentor
from .models import Mentor
from .replaced import replaced

#: URL segments the build itself uses; facets and pages may not take them.
RESERVED = frozenset(
    {
        "assets",
        "mentors",
        "guides",
        "search",
        "match",
        "admin",
        "contact",
        "404",
        "sitemap.xml",
        "robots.txt",
        "social",
        "feed.xml",
    }
)


class SamePerson(NamedTuple):
    """One way two profiles can be the same person: the field to point at, the key that
    matches, what to say and the hint."""

    field: str
    key: Callable[[Mentor], str | None]
    message: Callable[[Mentor, LoadedMentor], str]
    hint: str


#: One person, one profile: the same name (accents and case aside) or private email twice.
SAME_PERSON = (
    SamePerson(
        "name",
        lambda m: sort_key(m.name),
        lambda m, other: f"'{m.name}' already has a profile in {other.path}",
        "update that file instead, or remove one of the two",
    ),
    SamePerson(
        "email",
        lambda m: m.email.lower() if m.email else None,
        lambda m, other: f"this email is already used by {other.path}",
        "the same person should have one profile",
    ),
)


class RuleResult(NamedTuple):
    #: Mentors that keep their URL: all but the later of two profiles with the same slug.
    kept: list[LoadedMentor]
    diagnostics: list[Diagnostic]


def site_rules(config: SiteConfig, loaded: Loaded) -> RuleResult:
    """Apply the rules across files; a duplicate is reported on the later of the two files."""
    kept, found = _mentor_rules(loaded.mentors)
    return RuleResult(kept, found + _reserved_names(config, loaded))


class _Clean(NamedTuple):
    """The last profiles _mentor_rules found nothing wrong with (kept alive, so no other object
    takes one's identity), with which profile holds each SAME_PERSON key."""

    mentors: list[LoadedMentor]
    seen: dict[tuple[str, str], LoadedMentor]


#: At most one: the last clean run's.
_last_clean: list[_Clean] = []


def _person_keys(item: LoadedMentor) -> tuple[str | None, ...]:
    if item.person_keys is None:  # a LoadedMentor is never edited: its keys stay
        item.person_keys = tuple(rule.key(item.mentor) for rule in SAME_PERSON)
    return item.person_keys


def _still_clean(mentors: list[LoadedMentor]) -> bool:
    """Whether `mentors` are the last clean run's but for a few profiles, each with the slug of
    the one it replaces and no SAME_PERSON key another profile holds: then nothing is wrong
    with them either, and the record of who holds what is updated for the next run."""
    last = _last_clean[0] if _last_clean else None
    places = replaced(last.mentors, mentors) if last is not None else None
    if last is None or places is None:
        return False
    if not places:
        return True
    seen = dict(last.seen)
    for i in places:  # every changed profile's keys out first: two may have swapped one
        old = last.mentors[i]
        if mentors[i].slug != old.slug:
            return False
        for rule, key in zip(SAME_PERSON, _person_keys(old), strict=True):
            if key is not None:
                del seen[rule.field, key]
    for i in places:
        for rule, key in zip(SAME_PERSON, _person_keys(mentors[i]), strict=True):
            if key is not None and seen.setdefault((rule.field, key), mentors[i]) is not mentors[i]:
                return False
    _last_clean[:] = [_Clean(list(mentors), seen)]  # the slugs are the same: still one each
    return True


def _mentor_rules(mentors: list[LoadedMentor]) -> tuple[list[LoadedMentor], list[Diagnostic]]:
    if _still_clean(mentors):
        return list(mentors), []
    found: list[Diagnostic] = []
    first_slug: dict[str, str] = {}
    first_seen: dict[tuple[str, str], LoadedMentor] = {}
    kept: list[LoadedMentor] = []
    for item in mentors:
        if item.slug in first_slug:
            found.append(
                Diagnostic(
                    item.path,
                    0,
                    0,
                    f"slug '{item.slug}' is already used by {first_slug[item.slug]}",
                    "each mentor needs a file name of their own",
                )
            )
            continue
        first_slug[item.slug] = item.path
        for rule, key in zip(SAME_PERSON, _person_keys(item), strict=True):
            if key is None:
                continue
            other = first_seen.setdefault((rule.field, key), item)
            if other is not item:
                found.append(
                    Diagnostic(
                        item.path, *item.document.position((rule.field,)), rule.message(item.mentor, other), rule.hint
                    )
                )
        kept.append(item)
    _last_clean[:] = [_Clean(list(mentors), first_seen)] if not found else []
    return kept, found


def _reserved_names(config: SiteConfig, loaded: Loaded) -> list[Diagnostic]:
    found = [
        Diagnostic(
            "site.toml",
            0,
            0,
            f"facet key '{facet.key}' is reserved for the site's own pages",
            "choose another key, e.g. '" + facet.key + "-facet'",
        )
        for facet in config.facets
        if facet.key in RESERVED
    ]
    facet_keys = {f.key for f in config.facets}
    found += [
        Diagnostic(
            guide.path,
            0,
            0,
            f"page '{guide.slug}' would replace the site's /{guide.slug}/ pages",
            "rename the file",
        )
        for guide in loaded.guides
        if guide.kind == "page"
        and (guide.slug in RESERVED or guide.slug in facet_keys or guide.slug in config.site_languages[1:])
    ]
    return found
