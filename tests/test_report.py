"""`mentorsite report`: figures known by construction, on both backends, in HTML, JSON and CSV.

The site has four mentors (Ada, a hostile-named Bo, Cy who is not accepting and stale, Dee who
is never contacted) and a facet label written to break HTML and spreadsheets. The database has
eight requests in the first half of March 2026 and one before it; every figure below follows
from the table in `REQUESTS`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from kit import GOOD_PROFILE, SITE_TOML, TODAY, drop_lines, write_site

from mentorsite.cli import cli
from mentorsite.receiver.store import Store
from mentorsite.report.command import make_report
from mentorsite.report.query import Period
from mentorsite.report.tables import as_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from seed_requests import insert, synthetic  # noqa: E402

HOSTILE_NAME = 'Bo "<script>alert(1)</script>" =cmd|x'
HOSTILE_LABEL = "=HYPERLINK(1) <b>Writing</b>"
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 15))


def _profile(name: str, tags: str, *, accepting: bool = True, capacity: int = 2, reviewed: str = "2026-05-01") -> str:
    text = drop_lines(GOOD_PROFILE, "photo:")
    return (
        text.replace("name: Ada Example", f"name: '{name}'")
        .replace("tags: [leadership, writing]", f"tags: [{tags}]")
        .replace("accepting: true", f"accepting: {'true' if accepting else 'false'}")
        .replace("capacity: 2", f"capacity: {capacity}")
        .replace("last_reviewed: 2026-05-01", f"last_reviewed: {reviewed}")
        .replace("email: ada.private@example.org", f"email: {name.split()[0].lower()}.private@mentors.example")
    )


@pytest.fixture
def site(tmp_path) -> Path:
    toml = SITE_TOML.replace('writing = { label = "Writing" }', f'writing = {{ label = "{HOSTILE_LABEL}" }}')
    return write_site(
        tmp_path / "site",
        files={
            "site.toml": toml,
            "mentors/ada.yaml": _profile("Ada Example", "leadership, writing"),
            "mentors/bo.yaml": _profile(HOSTILE_NAME, "leadership", capacity=1),
            "mentors/cy.yaml": _profile("Cy Example", "machine-learning", accepting=False, reviewed="2024-01-01"),
            "mentors/dee.yaml": _profile("Dee Example", "writing", capacity=3),
        },
    )


#: (mentor, created, state, hours to the answer, closed, mentee)
REQUESTS = [
    ("ada", "2026-03-02T10:00:00", "accepted", 2, None, "zoe@example.org"),
    ("ada", "2026-03-03T10:00:00", "accepted", 4, None, "zoe@example.org"),
    ("ada", "2026-03-04T10:00:00", "accepted", 6, None, "yan@example.org"),
    ("ada", "2026-03-10T10:00:00", "declined", 10, None, "xia@example.org"),
    ("bo", "2026-03-11T10:00:00", "accepted", 20, None, "wu@example.org"),
    ("bo", "2026-03-12T10:00:00", "expired", None, None, "vic@example.org"),
    ("bo", "2026-03-13T10:00:00", "delivered", None, None, "uma@example.org"),
    ("cy", "2026-03-14T10:00:00", "received", None, None, "tom@example.org"),
    # Before the period: counts for Dee's load only.
    ("dee", "2026-02-20T10:00:00", "accepted", 1, None, "sam@example.org"),
    # Ended: takes no place any more.
    ("dee", "2026-02-21T10:00:00", "accepted", 1, "2026-02-28T10:00:00", "sam@example.org"),
]


def _stamp(text: str, hours: float = 0) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(text) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def seed(database) -> None:
    records = []
    for n, (mentor, created, state, hours, closed, mentee) in enumerate(REQUESTS):
        records.append(
            {
                "reference": f"MR-TEST-{n:04d}",
                "created_at": _stamp(created),
                "mentor": mentor,
                "name": f"Mentee {mentee.split('@')[0]}",
                "email": mentee,
                "state": state,
                "answered_at": None if hours is None else _stamp(created, hours),
                "closed_at": None if closed is None else _stamp(closed),
            }
        )
    with Store(database) as store:
        insert(store, records)


def test_every_figure_is_the_one_the_requests_imply(site, database):
    """Counts, rates, median and p90, weeks, load, demand against supply, never contacted, stale."""
    seed(database)
    figures, _facts = make_report(site, str(database), PERIOD, include_mentees=False, today=TODAY)
    data = as_data(figures)
    assert data["period"] == {"since": "2026-03-02", "until": "2026-03-15"}
    assert data["requests"] == 8
    assert data["states"] == {
        "received": 1,
        "delivered": 1,
        "accepted": 4,
        "declined": 1,
        "expired": 1,
        "withdrawn": 0,
    }
    assert data["requests_per_week"] == [
        {"week": "2026-W10", "monday": "2026-03-02", "requests": 3},
        {"week": "2026-W11", "monday": "2026-03-09", "requests": 5},
    ]
    assert data["acceptance_rate"] == {"accepted": 4, "answered": 5, "total": 8, "of_answered": 0.8, "of_all": 0.5}
    # Answers after 2, 4, 6, 10 and 20 hours: the median is the third, p90 the fifth (⌈4.5⌉).
    assert data["time_to_first_answer_hours"] == {"median": pytest.approx(6), "p90": pytest.approx(20)}
    assert (data["open"], data["expired"]) == (2, 1)
    assert data["load"] == [
        {"mentor": "ada", "name": "Ada Example", "ongoing": 3, "capacity": 2, "over_capacity": True},
        {"mentor": "bo", "name": HOSTILE_NAME, "ongoing": 1, "capacity": 1, "over_capacity": False},
        {"mentor": "dee", "name": "Dee Example", "ongoing": 1, "capacity": 3, "over_capacity": False},
    ]
    gaps = [(g["facet"], g["value"], g["requests"], g["accepting_mentors"]) for g in data["demand_supply"]]
    assert gaps == [
        ("tags", "machine-learning", 1, 0),  # asked for, nobody accepting: the first gap
        ("tags", "leadership", 7, 2),
        ("countries", "pt", 8, 3),
        ("formats", "one-to-one", 8, 3),
        ("industry", "technology", 8, 3),
        ("languages", "en", 8, 3),
        ("languages", "pt", 8, 3),
        ("tags", "writing", 4, 2),
    ]
    assert data["demand_supply"][1]["requests_per_accepting_mentor"] == 3.5
    assert data["demand_supply"][0]["requests_per_accepting_mentor"] is None
    assert data["never_contacted"] == [{"mentor": "dee", "name": "Dee Example"}]
    assert data["stale_profiles"] == [{"mentor": "cy", "name": "Cy Example", "last_reviewed": "2024-01-01"}]
    assert data["mentees"] == {"count": 7}
    assert data["includes_mentees"] is False


def test_a_paused_mentor_is_no_supply_and_not_never_contacted(site, tmp_path):
    """A mentor paused through the mail link offers no place: Dee leaves 'never contacted'."""
    database = tmp_path / "r.db"
    seed(database)
    with Store(database) as store:
        store.db.run(lambda tx: tx.execute("INSERT INTO mentor_state (mentor, paused) VALUES ('dee', 1)"))
    data = as_data(make_report(site, str(database), PERIOD, include_mentees=False, today=TODAY)[0])
    assert data["never_contacted"] == []
    writing = next(g for g in data["demand_supply"] if g["value"] == "writing")
    assert (writing["requests"], writing["accepting_mentors"]) == (4, 1)


def _run(*args: str) -> bytes:
    result = CliRunner().invoke(cli, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_html_shows_the_numbers_and_is_self_contained(site, tmp_path):
    """The page's text carries the figures; it has no URL, no external stylesheet, no mentee."""
    database = tmp_path / "r.db"
    seed(database)
    out = tmp_path / "report.html"
    _run(str(site), "--database", str(database), "--since", "2026-03-02", "--until", "2026-03-15", "-o", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    page = out.read_bytes()
    text = re.sub(r"\s+", " ", re.sub(rb"<[^>]+>", b" ", page).decode())
    for shown in (
        "Requests 8",
        "Acceptance rate of answered requests 80%",
        "Acceptance rate of all requests 50%",
        "Median time to first answer 6 h",
        "Time to first answer, 90th percentile 20 h",
        "Waiting for an answer 2",
        "Expired without an answer 1",
        "Mentees 7",
        "2026-W10 2 March 2026 3",
        "2026-W11 9 March 2026 5",
        "Ada Example 3 2 Over capacity",
        "From 2 March 2026 to 15 March 2026",
    ):
        assert shown in text, shown
    assert not re.search(rb"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert b"<link" not in page and b"<script" not in page and b"url(" not in page
    assert b"@example.org" not in page
    assert b'role="img"' in page and page.count(b"<title id=") == 3


def test_hostile_names_and_labels_are_escaped_in_html_and_neutralised_in_csv(site, tmp_path):
    """A mentor's name and a facet label with markup and formula triggers stay text."""
    database = tmp_path / "r.db"
    seed(database)
    page = _run(str(site), "--database", str(database), "--since", "2026-03-02", "--until", "2026-03-15")
    assert b"<script>" not in page and b"<b>Writing" not in page
    assert (
        b"&lt;b&gt;Writing&lt;/b&gt;" in page and b"Bo &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34; =cmd|x" in page
    )
    table = _run(str(site), "--database", str(database), "--format", "csv", "--since", "2026-03-02")
    cells = [cell for row in csv.reader(io.StringIO(table.decode())) for cell in row]
    assert "'=HYPERLINK(1) <b>Writing</b>" in cells and 'Bo "<script>alert(1)</script>" \'=cmd|x' in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "# demand_supply" in cells and "# load" in cells


def test_mentees_only_with_the_flag_and_the_report_says_so(site, tmp_path):
    """Without --include-mentees no address reaches any format; with it, a table and a warning."""
    database = tmp_path / "r.db"
    seed(database)
    base = (str(site), "--database", str(database))
    for fmt in ("html", "json", "csv"):
        assert b"@example.org" not in _run(*base, "--format", fmt)
    page = _run(*base, "--include-mentees").decode()
    assert page.index("This report names mentees") < page.index('id="summary"')
    assert "zoe@example.org" in page and "sam@example.org" in page
    data = json.loads(_run(*base, "--format", "json", "--include-mentees", "--since", "2026-03-02"))
    assert data["includes_mentees"] is True
    assert data["mentees"]["people"][0] == {"name": "Mentee zoe", "email": "zoe@example.org", "requests": 2}
    assert "sam@example.org" not in {p["email"] for p in data["mentees"]["people"]}  # before --since
    assert len(data["mentees"]["people"]) == 7
    table = _run(*base, "--format", "csv", "--include-mentees").decode()
    assert table.startswith('"# this file names mentees and their addresses') and "zoe@example.org" in table


def test_the_report_speaks_the_sites_language(site, tmp_path):
    """French words, French numbers and dates."""
    database = tmp_path / "r.db"
    seed(database)
    toml = site / "site.toml"
    toml.write_text(toml.read_text().replace('language = "en"', 'language = "fr"'))
    page = _run(str(site), "--database", str(database), "--since", "2026-03-02", "--until", "2026-03-15").decode()
    assert 'lang="fr"' in page and "Rapport de coordination" in page
    assert "Du 2 mars 2026 au 15 mars 2026" in page and "80%" in page


def test_seeder_is_deterministic_and_the_report_reads_it(site, tmp_path):
    """The bench's seeder gives the same rows for the same seed; every request is counted once."""
    first = list(synthetic(300, ["ada", "bo", "cy", "dee"]))
    assert first == list(synthetic(300, ["ada", "bo", "cy", "dee"]))
    database = tmp_path / "r.db"
    with Store(database) as store:
        insert(store, first)
    data = as_data(make_report(site, str(database), Period(), include_mentees=False, today=TODAY)[0])
    assert (
        data["requests"] == 300 == sum(data["states"].values()) == sum(w["requests"] for w in data["requests_per_week"])
    )
    assert len(data["requests_per_week"]) == 52


def test_tags_count_even_when_the_site_has_no_facet_over_them(site, tmp_path):
    """Demand against supply always covers expertise tags, labelled by themselves without a facet."""
    database = tmp_path / "r.db"
    seed(database)
    toml = site / "site.toml"
    text = toml.read_text()
    start = text.index('[[facets]]\nkey = "tags"')
    toml.write_text(text[:start] + text[text.index("[[facets]]", start + 1) :])
    data = as_data(make_report(site, str(database), PERIOD, include_mentees=False, today=TODAY)[0])
    tags = [
        (g["facet_label"], g["value"], g["value_label"], g["requests"])
        for g in data["demand_supply"]
        if g["facet"] == "tags"
    ]
    assert tags == [
        ("Expertise", "machine-learning", "machine-learning", 1),
        ("Expertise", "leadership", "leadership", 7),
        ("Expertise", "writing", "writing", 4),
    ]
