"""The report's reads of the request database: aggregates computed by the database itself.

Every query groups or counts in SQL (a year of 100,000 requests comes back as a few hundred
rows: one per day, one per mentor), or, for the median and 90th percentile of the time to a
first answer, sorts in SQL and reads the one or two rows at the rank wanted. No request row
becomes a Python object. The same SQL runs on SQLite and PostgreSQL; only the duration
between two ISO 8601 timestamps is spelled per backend. Nothing here writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..receiver.schema import STATES
from ..receiver.store import Database

#: Seconds from created_at to answered_at, per backend (the timestamps are ISO 8601 text in UTC).
_ANSWER_SECONDS = {
    "sqlite": "(julianday(answered_at) - julianday(created_at)) * 86400.0",
    "postgres": "EXTRACT(EPOCH FROM (answered_at::timestamptz - created_at::timestamptz))",
}


@dataclass(frozen=True)
class Period:
    """Requests received from `since` to `until`, both days included (None: no bound)."""

    since: date | None = None
    until: date | None = None

    def where(self) -> tuple[str, list[str]]:
        """The SQL condition on created_at and its parameters (ISO text compares as time)."""
        conditions, params = ["1 = 1"], []
        if self.since:
            conditions.append("created_at >= ?")
            params.append(self.since.isoformat())
        if self.until:
            conditions.append("created_at < ?")
            params.append((self.until + timedelta(days=1)).isoformat())
        return " AND ".join(conditions), params


@dataclass(frozen=True)
class Mentee:
    """One person who sent requests in the period (read only with --include-mentees)."""

    name: str
    email: str
    requests: int


@dataclass
class Tallies:
    """What the database says about a period, already aggregated."""

    #: Requests received per day ("2026-03-02" -> 4).
    per_day: dict[str, int] = field(default_factory=dict)
    #: Requests in the period per state (every state of ``schema.STATES``, 0 when none).
    per_state: dict[str, int] = field(default_factory=dict)
    #: Requests in the period per mentor slug.
    per_mentor: dict[str, int] = field(default_factory=dict)
    #: Accepted requests not closed, per mentor: places taken now, whatever the period.
    ongoing: dict[str, int] = field(default_factory=dict)
    #: Mentors who paused their profile through the mail link.
    paused: set[str] = field(default_factory=set)
    #: Seconds to a first answer: (median, 90th percentile), None without answers.
    answer_median: float | None = None
    answer_p90: float | None = None
    #: Distinct mentee addresses in the period.
    mentee_count: int = 0
    #: The mentees themselves, only when asked for.
    mentees: list[Mentee] | None = None


def _one(db: Database, sql: str, params: list[Any]) -> Any:
    return db.query(sql, params)[0]


def answer_times(db: Database, period: Period) -> tuple[float | None, float | None]:
    """Median (the mean of the two middle values for an even count) and 90th percentile (nearest
    rank: the ⌈0.9·n⌉-th smallest) of the seconds to a first answer, ranked by the database."""
    where, params = period.where()
    answered = f"FROM requests WHERE {where} AND answered_at IS NOT NULL"
    count = _one(db, f"SELECT COUNT(*) AS n {answered}", params)["n"]
    if not count:
        return None, None
    seconds = _ANSWER_SECONDS[db.dialect.name]

    def ranked(offset: int, limit: int) -> list[float]:
        rows = db.query(f"SELECT {seconds} AS s {answered} ORDER BY s LIMIT ? OFFSET ?", [*params, limit, offset])
        return [float(row["s"]) for row in rows]

    middle = ranked((count - 1) // 2, 2 if count % 2 == 0 else 1)
    p90 = ranked(math.ceil(0.9 * count) - 1, 1)[0]
    return sum(middle) / len(middle), p90


def read_tallies(db: Database, period: Period, *, include_mentees: bool = False) -> Tallies:
    """Every aggregate the report needs, in a handful of grouped queries."""
    where, params = period.where()
    per_day = {
        row["day"]: row["n"]
        for row in db.query(
            f"SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n FROM requests WHERE {where}"
            " GROUP BY substr(created_at, 1, 10)",
            params,
        )
    }
    per_state = dict.fromkeys(STATES, 0)
    for row in db.query(f"SELECT state, COUNT(*) AS n FROM requests WHERE {where} GROUP BY state", params):
        per_state[row["state"]] = row["n"]
    per_mentor = {
        row["mentor"]: row["n"]
        for row in db.query(f"SELECT mentor, COUNT(*) AS n FROM requests WHERE {where} GROUP BY mentor", params)
    }
    ongoing = {
        row["mentor"]: row["n"]
        for row in db.query(
            "SELECT mentor, COUNT(*) AS n FROM requests WHERE state = 'accepted' AND closed_at IS NULL GROUP BY mentor"
        )
    }
    paused = {row["mentor"] for row in db.query("SELECT mentor FROM mentor_state WHERE paused = 1")}
    median, p90 = answer_times(db, period)
    mentee_count = _one(db, f"SELECT COUNT(DISTINCT lower(email)) AS n FROM requests WHERE {where}", params)["n"]
    mentees = None
    if include_mentees:
        mentees = [
            Mentee(row["name"], row["email"], row["n"])
            for row in db.query(
                f"SELECT MIN(name) AS name, lower(email) AS email, COUNT(*) AS n FROM requests WHERE {where}"
                " GROUP BY lower(email) ORDER BY n DESC, lower(email)",
                params,
            )
        ]
    return Tallies(per_day, per_state, per_mentor, ongoing, paused, median, p90, mentee_count, mentees)
