"""The report's figures: pure functions over the database's tallies and the site's profiles.

Definitions (the same in every format):

* requests per ISO week: every week from the first to the last of the period, empty ones as 0;
* acceptance rate: accepted ÷ answered (accepted + declined), and accepted ÷ all requests;
* time to a first answer: answered_at − created_at, median and 90th percentile (``query``);
* open: requests still waiting for an answer (received or delivered); expired: no answer in time;
* load: accepted mentorships not closed, against the profile's ``capacity`` (over when above it);
* demand against supply: per facet value, requests in the period to published mentors with that
  value ÷ the published, accepting (and not paused) mentors with it; values without any
  accepting mentor come first, then the highest ratio: where recruitment should look;
* never contacted: published, accepting, not paused, no request in the period;
* stale profiles: active profiles the site's rule marks stale (``review_after_months``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..receiver.schema import OPEN_STATES
from .query import Mentee, Period, Tallies


@dataclass(frozen=True)
class Profile:
    """What the report needs of one active profile."""

    slug: str
    name: str
    published: bool
    accepting: bool
    capacity: int | None
    stale: bool
    last_reviewed: date | None


@dataclass(frozen=True)
class FacetValue:
    key: str
    label: str
    #: Slugs of the published mentors with this value.
    slugs: tuple[str, ...]


@dataclass(frozen=True)
class FacetMembers:
    key: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Week:
    #: ISO year and week, as "2026-W09".
    label: str
    #: Its Monday.
    monday: date
    requests: int


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Load:
    slug: str
    name: str
    ongoing: int
    capacity: int | None

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.ongoing > self.capacity


@dataclass(frozen=True)
class Gap:
    facet: str
    facet_label: str
    value: str
    value_label: str
    requests: int
    accepting: int

    @property
    def ratio(self) -> float | None:
        """Requests per accepting mentor; None when no accepting mentor has the value."""
        return self.requests / self.accepting if self.accepting else None


@dataclass(frozen=True)
class Named:
    slug: str
    name: str
    last_reviewed: date | None = None


@dataclass(frozen=True)
class Figures:
    period: Period
    requests: int
    per_week: tuple[Week, ...]
    per_state: dict[str, int]
    accepted_of_answered: Rate
    accepted_of_all: Rate
    answer_median_hours: float | None
    answer_p90_hours: float | None
    open: int
    expired: int
    load: tuple[Load, ...]
    gaps: tuple[Gap, ...]
    never_contacted: tuple[Named, ...]
    stale: tuple[Named, ...]
    mentee_count: int
    mentees: tuple[Mentee, ...] | None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(per_day: dict[str, int], period: Period) -> tuple[Week, ...]:
    """Requests per ISO week, every week of the period (bounded by the data where it is open)."""
    days = sorted(date.fromisoformat(day) for day in per_day)
    first = period.since or (days[0] if days else None)
    last = period.until or (days[-1] if days else None)
    if first is None or last is None or first > last:
        return ()
    counts: dict[date, int] = {}
    for day, n in per_day.items():
        start = monday(date.fromisoformat(day))
        counts[start] = counts.get(start, 0) + n
    weeks, start = [], monday(first)
    while start <= last:
        year, week, _ = start.isocalendar()
        weeks.append(Week(f"{year}-W{week:02d}", start, counts.get(start, 0)))
        start += timedelta(days=7)
    return tuple(weeks)


def mentor_load(tallies: Tallies, profiles: list[Profile]) -> tuple[Load, ...]:
    """Every mentor with a place taken, fullest first (over capacity before the rest)."""
    names = {p.slug: p for p in profiles}
    loads = [
        Load(slug, names[slug].name if slug in names else slug, n, names[slug].capacity if slug in names else None)
        for slug, n in tallies.ongoing.items()
        if n
    ]

    def fullest(load: Load) -> tuple:
        share = load.ongoing / load.capacity if load.capacity else float("inf")
        return (not load.over, -share, -load.ongoing, load.slug)

    return tuple(sorted(loads, key=fullest))


def demand_gaps(tallies: Tallies, profiles: list[Profile], facets: list[FacetMembers]) -> tuple[Gap, ...]:
    """Demand against supply for every facet value, gaps first (see the module's docstring)."""
    open_to_requests = {p.slug for p in profiles if p.published and p.accepting and p.slug not in tallies.paused}
    gaps = [
        Gap(
            facet.key,
            facet.label,
            value.key,
            value.label,
            sum(tallies.per_mentor.get(slug, 0) for slug in value.slugs),
            sum(1 for slug in value.slugs if slug in open_to_requests),
        )
        for facet in facets
        for value in facet.values
    ]
    return tuple(
        sorted(
            gaps,
            key=lambda g: (g.ratio is not None, -(g.ratio or 0), -g.requests, g.facet, g.value),
        )
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def compute(tallies: Tallies, period: Period, profiles: list[Profile], facets: list[FacetMembers]) -> Figures:
    """All the figures of one report."""
    states = tallies.per_state
    total = sum(states.values())
    answered = states["accepted"] + states["declined"]
    never = tuple(
        Named(p.slug, p.name)
        for p in profiles
        if p.published and p.accepting and p.slug not in tallies.paused and not tallies.per_mentor.get(p.slug)
    )
    stale = tuple(Named(p.slug, p.name, p.last_reviewed) for p in profiles if p.stale)
    return Figures(
        period=period,
        requests=total,
        per_week=weekly(tallies.per_day, period),
        per_state=dict(states),
        accepted_of_answered=Rate(states["accepted"], answered),
        accepted_of_all=Rate(states["accepted"], total),
        answer_median_hours=_hours(tallies.answer_median),
        answer_p90_hours=_hours(tallies.answer_p90),
        open=sum(states[s] for s in OPEN_STATES),
        expired=states["expired"],
        load=mentor_load(tallies, profiles),
        gaps=demand_gaps(tallies, profiles, facets),
        never_contacted=never,
        stale=stale,
        mentee_count=tallies.mentee_count,
        mentees=tuple(tallies.mentees) if tallies.mentees is not None else None,
    )
