"""The report as data: JSON with stable keys, and CSV with one table per figure.

JSON keys (documented in docs/receiver.md, "Coordinator's report"; never renamed, only added
to): ``period`` {since, until}, ``includes_mentees``, ``requests``, ``requests_per_week`` [{week,
monday, requests}], ``states`` {state: count}, ``acceptance_rate`` {accepted, answered, total,
of_answered, of_all}, ``time_to_first_answer_hours`` {median, p90}, ``open``, ``expired``,
``load`` [{mentor, name, ongoing, capacity, over_capacity}], ``demand_supply`` [{facet,
facet_label, value, value_label, requests, accepting_mentors, requests_per_accepting_mentor}],
``never_contacted`` [{mentor, name}], ``stale_profiles`` [{mentor, name, last_reviewed}],
``mentees`` {count, people: [{name, email, requests}] only with --include-mentees}.
Rates are fractions (0.5, not 50), unrounded; a rate or time without data is null.

CSV: the same tables in that order, each under a row naming it (``# load``) and followed by an
empty row (with --include-mentees, a first row says the file names them), every cell through ``spreadsheet.safe_cell`` and quoted.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..spreadsheet import safe_cell
from .figures import Figures

#: The first line of a CSV that names mentees (the HTML says it in the site's language).
MENTEES_NOTICE = "this file names mentees and their addresses: keep it private, delete it when done"


def as_data(figures: Figures) -> dict[str, Any]:
    """The figures as plain JSON-ready data, under the documented keys."""
    f = figures
    mentees: dict[str, Any] = {"count": f.mentee_count}
    if f.mentees is not None:
        mentees["people"] = [{"name": m.name, "email": m.email, "requests": m.requests} for m in f.mentees]
    return {
        "period": {
            "since": f.period.since.isoformat() if f.period.since else None,
            "until": f.period.until.isoformat() if f.period.until else None,
        },
        "includes_mentees": f.mentees is not None,
        "requests": f.requests,
        "requests_per_week": [
            {"week": w.label, "monday": w.monday.isoformat(), "requests": w.requests} for w in f.per_week
        ],
        "states": f.per_state,
        "acceptance_rate": {
            "accepted": f.accepted_of_answered.part,
            "answered": f.accepted_of_answered.whole,
            "total": f.accepted_of_all.whole,
            "of_answered": f.accepted_of_answered.value,
            "of_all": f.accepted_of_all.value,
        },
        "time_to_first_answer_hours": {"median": f.answer_median_hours, "p90": f.answer_p90_hours},
        "open": f.open,
        "expired": f.expired,
        "load": [
            {"mentor": x.slug, "name": x.name, "ongoing": x.ongoing, "capacity": x.capacity, "over_capacity": x.over}
            for x in f.load
        ],
        "demand_supply": [
            {
                "facet": g.facet,
                "facet_label": g.facet_label,
                "value": g.value,
                "value_label": g.value_label,
                "requests": g.requests,
                "accepting_mentors": g.accepting,
                "requests_per_accepting_mentor": g.ratio,
            }
            for g in f.gaps
        ],
        "never_contacted": [{"mentor": n.slug, "name": n.name} for n in f.never_contacted],
        "stale_profiles": [
            {
                "mentor": n.slug,
                "name": n.name,
                "last_reviewed": n.last_reviewed.isoformat() if n.last_reviewed else None,
            }
            for n in f.stale
        ],
        "mentees": mentees,
    }


def as_json(figures: Figures) -> str:
    return json.dumps(as_data(figures), ensure_ascii=False, indent=2) + "\n"


def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    return [columns, *([row[c] for c in columns] for row in rows)]


def csv_tables(figures: Figures) -> dict[str, list[list[Any]]]:
    """Table name -> rows (header first)."""
    data = as_data(figures)
    rate, times = data["acceptance_rate"], data["time_to_first_answer_hours"]
    summary = [
        ["figure", "value"],
        ["since", data["period"]["since"]],
        ["until", data["period"]["until"]],
        ["requests", data["requests"]],
        *([f"state {state}", n] for state, n in data["states"].items()),
        ["acceptance rate of answered", rate["of_answered"]],
        ["acceptance rate of all", rate["of_all"]],
        ["median hours to first answer", times["median"]],
        ["p90 hours to first answer", times["p90"]],
        ["open", data["open"]],
        ["expired", data["expired"]],
        ["mentees", data["mentees"]["count"]],
    ]
    tables = {
        "summary": summary,
        "requests_per_week": _table(data["requests_per_week"], ["week", "monday", "requests"]),
        "load": _table(data["load"], ["mentor", "name", "ongoing", "capacity", "over_capacity"]),
        "demand_supply": _table(
            data["demand_supply"],
            [
                "facet",
                "facet_label",
                "value",
                "value_label",
                "requests",
                "accepting_mentors",
                "requests_per_accepting_mentor",
            ],
        ),
        "never_contacted": _table(data["never_contacted"], ["mentor", "name"]),
        "stale_profiles": _table(data["stale_profiles"], ["mentor", "name", "last_reviewed"]),
    }
    if "people" in data["mentees"]:
        tables["mentees"] = _table(data["mentees"]["people"], ["name", "email", "requests"])
    return tables


def as_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    if figures.mentees is not None:
        writer.writerow([f"# {MENTEES_NOTICE}"])
    for name, rows in csv_tables(figures).items():
        writer.writerow([f"# {name}"])
        for row in rows:
            writer.writerow([safe_cell("" if v is None else v) for v in row])
        writer.writerow([])
    return out.getvalue()
