"""The public statistics page ([stats] in site.toml): off by default, and when on, /stats/ with
the exact counts the golden fixture's profiles imply, a footer link, no private field, and the
page's bytes pinned by a golden file (UPDATE_GOLDEN=1 regenerates tests/golden/stats/)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from test_golden_site import FIXTURE, difference, update_golden

from mentorsite.build import build_site

GOLDEN = Path(__file__).parent / "golden" / "stats" / "index.html"


def build(parent: Path, stats: bool) -> Path:
    work = parent / "site"
    shutil.copytree(FIXTURE, work)
    if stats:
        with (work / "site.toml").open("a", encoding="utf-8") as handle:
            handle.write("\n[stats]\nenabled = true\n")
    report = build_site(work, today=date(2026, 11, 23))
    assert report.errors == [], [d.human() for d in report.errors]
    return work / "_site"


@pytest.fixture(scope="module")
def stats_site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("stats"), stats=True)


def rows(html: str, heading: str) -> list[tuple[str, str, str]]:
    """(value, mentors, accepting) of the table under the <h2> `heading`."""
    section = html.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = re.findall(
        r'<tr><th scope="row">(?:<a href="[^"]*">)?(.*?)(?:</a>)?</th><td>(.*?)</td><td>(.*?)</td></tr>', body
    )
    return [tuple(row) for row in found]


def test_the_page_counts_exactly_what_the_profiles_say(stats_site):
    """Five published mentors (the inactive one left out), four accepting; Chidi's "management"
    is the alias of leadership; Eva gives no country."""
    html = (stats_site / "stats" / "index.html").read_text("utf-8")
    totals = re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", html.split('class="stats-totals"', 1)[1])
    assert totals == [("Mentors", "5"), ("Accepting mentees", "4"), ("Share accepting", "80%")]
    assert rows(html, "Expertise") == [("Leadership", "3", "2"), ("Data science", "2", "2"), ("Writing", "2", "1")]
    assert rows(html, "Language") == [
        ("English", "4", "3"),
        ("Chinese", "1", "1"),
        ("Norwegian", "1", "1"),
        ("Portuguese", "1", "1"),
        ("Yoruba", "1", "0"),
    ]
    assert rows(html, "Country") == [
        ("Brazil", "1", "1"),
        ("China", "1", "1"),
        ("Nigeria", "1", "0"),
        ("Norway", "1", "1"),
    ]
    # One bar per row, each group's largest value a full bar.
    chart = html.split(">Expertise</h2>", 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'<rect class="stats-bar" x="220" y="\d+" width="([\d.]+)"', chart) == ["330.0", "220.0", "220.0"]


def test_the_page_matches_its_golden_file(stats_site):
    built = (stats_site / "stats" / "index.html").read_bytes()
    if update_golden():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(built)
    assert built == GOLDEN.read_bytes(), difference("stats/index.html", GOLDEN.read_bytes(), built)


def test_linked_from_the_footer_and_listed_in_the_sitemap_only_when_on(stats_site, tmp_path):
    link = '<li><a href="/mentors/stats/">Mentoring in numbers</a></li>'
    assert link in (stats_site / "index.html").read_text("utf-8")
    assert "<loc>https://org.github.io/mentors/stats/</loc>" in (stats_site / "sitemap.xml").read_text("utf-8")
    off = build(tmp_path, stats=False)
    assert not (off / "stats").exists()
    assert "/stats/" not in (off / "index.html").read_text("utf-8")


def test_no_private_field_reaches_the_page(stats_site):
    profiles = "".join(p.read_text("utf-8") for p in (FIXTURE / "mentors").glob("*.yaml"))
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", profiles))
    assert addresses
    html = (stats_site / "stats" / "index.html").read_text("utf-8")
    assert [a for a in addresses if a in html] == []
