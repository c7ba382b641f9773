"""Facet indexes over published mentors: pure functions over plain data."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass

from .config import Facet, SiteConfig
from .models import Mentor, facet_values


@dataclass(frozen=True)
class FacetValueView:
    key: str
    label: str
    count: int
    url: str


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

    def value_url(self, value: str) -> str:
        return f"{self.key}/{value}/"


def sort_key(name: str) -> str:
    """Accent- and case-insensitive name order ("Élodie" next to "Elena")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def directory_order(mentors: dict[str, Mentor]) -> list[str]:
    """Slugs in listing order: mentors accepting mentees first, then by name."""
    return sorted(
        mentors, key=lambda slug: (not mentors[slug].availability.accepting, sort_key(mentors[slug].name), slug)
    )


def build_facet(facet: Facet, mentors: dict[str, Mentor], order: list[str]) -> FacetView:
    """Which mentors have each value of one facet, with counts."""
    labels = {key: value.label for key, value in facet.labelled_values().items()}
    members: dict[str, list[str]] = {}
    for slug in order:
        for value in facet_values(mentors[slug], facet.source_field):
            members.setdefault(value, []).append(slug)
    view = FacetView(facet.key, facet.label, f"{facet.key}/", facet.source_field, labels=labels)
    view.members = members
    view.values = sorted(
        (FacetValueView(key, labels.get(key, key), len(slugs), view.value_url(key)) for key, slugs in members.items()),
        key=lambda v: (-v.count, sort_key(v.label)),
    )
    return view


def build_facets(config: SiteConfig, mentors: dict[str, Mentor], order: list[str]) -> list[FacetView]:
    return [build_facet(facet, mentors, order) for facet in config.facets]


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
