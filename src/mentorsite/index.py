"""Facet indexes over published mentors: pure functions over plain data."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .cldr import collation_key
from .config import Facet, SiteConfig
from .labels import facet_labels
from .messages import Messages
from .models import Mentor, facet_values
from .vocabulary import year_key


@dataclass(frozen=True)
class FacetValueView:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class FacetHeading:
    """What a listing of one facet value shows of its facet. Not the FacetView: that changes
    with every count of every value, and the listing would have to be rendered again at every
    tag edit; its templates find the whole facet in the `facets` global."""

    key: str
    label: str
    url: str
    field: str


@dataclass
class FacetView:
    key: str
    label: str
    url: str
    field: str
    #: Values with at least one mentor, most used first.
    values: list[FacetValueView] = dataclasses.field(default_factory=list)
    #: value key -> slugs of the mentors that have it, in directory order.
    members: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: every allowed value -> label (for labelling a mentor's values).
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    #: Whether a mentor may have several values.
    multi: bool = True
    #: Facets over a year: "year" or "decade" (how years become values); None for the others.
    group: str | None = None

    def value_url(self, value: str) -> str:
        return f"{self.key}/{value}/"

    def keys(self, values: list) -> list[str]:
        return facet_keys(values, self.group)


def facet_keys(values: list, group: str | None) -> list[str]:
    """The facet values a mentor's field values fall under: themselves, or for a facet over a
    year (`group` "year" or "decade", SiteConfig.facet_group) the year or its decade."""
    if group is None:
        return values
    return list(dict.fromkeys(year_key(v, group) for v in values if isinstance(v, int)))


@lru_cache(maxsize=1 << 16)  # serve checks every name for duplicates at every rebuild
def sort_key(name: str) -> str:
    """Accent- and case-insensitive name order ("Élodie" next to "Elena")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def directory_order(mentors: dict[str, Mentor], language: str = "en") -> list[str]:
    """Slugs in listing order: mentors accepting mentees first, then by name as `language` sorts
    names (cldr.collation_key)."""
    collate = collation_key(language)
    return sorted(
        mentors, key=lambda slug: (not mentors[slug].availability.accepting, collate(mentors[slug].name), slug)
    )


def build_facet(
    config: SiteConfig,
    facet: Facet,
    mentors: dict[str, Mentor],
    order: list[str],
    messages: Messages,
    values: dict[str, dict[str, list]] | None = None,
) -> FacetView:
    """Which mentors have each value of one facet, with counts: most used first, years in order.

    `values` (slug -> field -> facet_values) spares reading the fields of unchanged mentors again."""
    labels = facet_labels(config, facet, messages)
    collate = collation_key(messages.language)
    view = FacetView(
        facet.key,
        facet.label,
        f"{facet.key}/",
        facet.source_field,
        labels=labels,
        multi=config.facet_multi(facet),
        group=config.facet_group(facet),
    )
    members: dict[str, list[str]] = {}
    field = facet.source_field
    for slug in order:
        for value in view.keys(values[slug][field] if values else facet_values(mentors[slug], field)):
            members.setdefault(value, []).append(slug)
    view.members = members
    if view.group is not None:
        # A year is its own label, and years read best in order ("1990s, 2000s, 2010s").
        view.labels = {key: key for key in members}
    view.values = _value_views(view, collate)
    return view


def _value_views(
    view: FacetView, collate: Callable[[str], object], before: Sequence[FacetValueView] = ()
) -> list[FacetValueView]:
    """The values of `view` with their counts, most used first (years in order). A value as
    it was `before` is that same object: the listing pages of the values an edit did not
    move are then kept from build to build (serve), by identity."""
    known = {value.key: value for value in before}
    return sorted(
        (
            _same_or(known.get(key), FacetValueView(key, view.labels.get(key, key), len(slugs), view.value_url(key)))
            for key, slugs in view.members.items()
        ),
        key=(lambda v: int(v.key.rstrip("s"))) if view.group is not None else (lambda v: (-v.count, collate(v.label))),
    )


def build_facets(
    config: SiteConfig,
    mentors: dict[str, Mentor],
    order: list[str],
    messages: Messages,
    values: dict[str, dict[str, list]] | None = None,
) -> list[FacetView]:
    return [build_facet(config, facet, mentors, order, messages, values) for facet in config.facets]


def search_examples(facets: list[FacetView], count: int = 3) -> list[str]:
    """What the search box suggests trying: the site's own most-used values, taken in turn
    from its expertise tags and languages (else from every facet): “Leadership”, “English”,
    “Writing”. Empty for a site with no mentors yet."""
    preferred = [f for f in facets if f.field in ("tags", "languages")]
    ranked = [[v.label for v in f.values] for f in (preferred or facets)]
    found: list[str] = []
    for rank in range(max((len(labels) for labels in ranked), default=0)):
        for labels in ranked:
            if rank < len(labels) and labels[rank].casefold() not in {f.casefold() for f in found}:
                found.append(labels[rank])
                if len(found) == count:
                    return found
    return found


#: More mentors changed since the facets a build updates than this: they are made again.
MOST_UPDATED = 64


@dataclass(frozen=True)
class FacetBase:
    """The facets of a site (build_facets), with what they were made from: the base that
    update_facets updates for the next build of the same settings."""

    mentors: dict[str, Mentor]
    order: list[str]
    values: dict[str, dict[str, list]]
    facets: list[FacetView]


def update_facets(
    config: SiteConfig,
    before: FacetBase | None,
    mentors: dict[str, Mentor],
    order: list[str],
    messages: Messages,
    values: dict[str, dict[str, list]],
) -> list[FacetView]:
    """build_facets' facets, updated from those of `before` (the same settings) for the mentors
    that changed since (another Mentor object): a tag edited on one profile moves it in a few
    members lists, where making the facets again walks every mentor's values (a quarter of a
    second at 10,000 mentors). A facet the changes do not touch is `before`'s own object.
    The facets are made again when there is no base or too much changed."""
    if before is None:
        return build_facets(config, mentors, order, messages, values)
    changed = {
        slug for slug in mentors.keys() | before.mentors.keys() if mentors.get(slug) is not before.mentors.get(slug)
    }
    if len(changed) > MOST_UPDATED or len(before.facets) != len(config.facets):
        return build_facets(config, mentors, order, messages, values)
    # The others keep their order (the directory order sorts each by its own name and availability).
    if [s for s in order if s not in changed] != [s for s in before.order if s not in changed]:
        return build_facets(config, mentors, order, messages, values)
    rank: dict[str, int] = {}
    collate = collation_key(messages.language)
    facets = [_updated_facet(old, before.values, values, changed, order, rank, collate) for old in before.facets]
    # An edit that moves no value (a bio, a headline) leaves the very same facets: what is made
    # from them (the sidebar, the listings, their digests) is then found as it was.
    return before.facets if all(new is old for new, old in zip(facets, before.facets, strict=True)) else facets


def _updated_facet(
    old: FacetView,
    values_before: dict[str, dict[str, list]],
    values: dict[str, dict[str, list]],
    changed: set[str],
    order: list[str],
    rank: dict[str, int],
    collate: Callable[[str], object],
) -> FacetView:
    field = old.field
    touched = {
        value
        for slug in changed
        for found in (values_before.get(slug), values.get(slug))
        if found is not None
        for value in old.keys(found[field])
    }
    if not touched:
        return old
    if not rank:
        rank.update((slug, index) for index, slug in enumerate(order))
    members = dict(old.members)
    entering = sorted((slug for slug in changed if slug in values), key=rank.__getitem__)
    for value in touched:
        kept = [slug for slug in members.get(value, ()) if slug not in changed]
        # As build_facet meets them: a mentor once per time the value is among its keys.
        added = [slug for slug in entering for key in old.keys(values[slug][field]) if key == value]
        merged = sorted(kept + added, key=rank.__getitem__) if added else kept
        if merged:
            members[value] = merged
        else:
            members.pop(value, None)
    # Keys in the order build_facet meets them: by each one's first mentor, then in its values.
    members = dict(
        sorted(members.items(), key=lambda item: (rank[item[1][0]], old.keys(values[item[1][0]][field]).index(item[0])))
    )
    if list(members.items()) == list(old.members.items()):
        return old  # the changed mentors have the values they had, in the same places
    view = dataclasses.replace(old, members=members)
    if view.group is not None:
        view.labels = {key: key for key in members}
    view.values = _value_views(view, collate, old.values)
    return view


def _same_or(old: FacetValueView | None, new: FacetValueView) -> FacetValueView:
    return old if old == new else new
