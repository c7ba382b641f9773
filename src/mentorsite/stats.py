"""The public statistics page's numbers ([stats] in site.toml): mentors by facet value and the
share accepting, counted from published profiles alone. Pure over the build's views, so no
private field (and nothing from the receiver) can reach the page."""

from __future__ import annotations

from dataclasses import dataclass

from .index import FacetView
from .views import FacetRef, MentorView

#: Fields the page always counts, also on a site with no facet over them.
ALWAYS_COUNTED = ("tags", "languages", "country")


@dataclass(frozen=True)
class StatRow:
    label: str
    #: Mentors with this value, and how many of them accept mentees.
    count: int
    accepting: int
    #: Site-relative URL of the value's listing, or None when no facet lists it.
    url: str | None


@dataclass(frozen=True)
class StatGroup:
    #: Stable key for ids in the page ("tags", "countries", …).
    key: str
    label: str
    #: Most mentors first; a value no published mentor has is left out.
    rows: list[StatRow]
    #: The largest count, the length of a full bar.
    largest: int


@dataclass(frozen=True)
class SiteStats:
    mentors: int
    accepting: int
    groups: list[StatGroup]

    @property
    def share_accepting(self) -> float:
        """Accepting mentors as a fraction of all (0 on a site with none)."""
        return self.accepting / self.mentors if self.mentors else 0.0


def _group(key: str, label: str, rows: list[StatRow]) -> StatGroup:
    return StatGroup(key, label, rows, max((r.count for r in rows), default=0))


def _refs(view: MentorView, field: str) -> list[FacetRef]:
    value = getattr(view, field)
    return value if isinstance(value, list) else [value] if value else []


def site_stats(
    views: dict[str, MentorView], order: list[str], facets: list[FacetView], labels: dict[str, str]
) -> SiteStats:
    """Counts for every facet of the site, then for any of ALWAYS_COUNTED no facet reads
    (`labels` names those groups in the site's language)."""
    accepting = {slug for slug in order if views[slug].accepting}
    groups = [
        _group(
            facet.key,
            facet.label,
            [
                StatRow(value.label, value.count, sum(1 for s in facet.members[value.key] if s in accepting), value.url)
                for value in facet.values
            ],
        )
        for facet in facets
    ]
    read = {facet.field for facet in facets}
    for field in ALWAYS_COUNTED:
        if field in read:
            continue
        counts: dict[str, list[int]] = {}
        shown: dict[str, str] = {}
        for slug in order:
            for ref in _refs(views[slug], field):
                count = counts.setdefault(ref.key, [0, 0])
                count[0] += 1
                count[1] += slug in accepting
                shown[ref.key] = ref.label
        ranked = sorted(counts, key=lambda key: (-counts[key][0], shown[key]))
        rows = [StatRow(shown[k], counts[k][0], counts[k][1], None) for k in ranked]
        if rows:
            groups.append(_group(field, labels[field], rows))
    return SiteStats(len(order), len(accepting), groups)
