"""The coordinator's report in headless Chromium: zero axe violations in the light and the dark
colour scheme, in English and in Arabic (right to left), and no request leaves the page."""

from __future__ import annotations

import sys
from datetime import date

import pytest
from browser_support import ROOT, example_site_in
from test_accessibility import violations

from mentorsite.receiver.store import Store
from mentorsite.report.command import make_report, render
from mentorsite.report.query import Period

sys.path.insert(0, str(ROOT / "bench"))
from seed_requests import insert, site_mentors, synthetic  # noqa: E402


@pytest.fixture(scope="module", params=["en", "ar"])
def report_url(request, tmp_path_factory, serve_directory) -> str:
    folder = tmp_path_factory.mktemp(f"report-{request.param}")
    site = ROOT if request.param == "en" else example_site_in("ar", folder)
    database = folder / "requests.db"
    with Store(database) as store:
        insert(store, synthetic(600, site_mentors(site)))
    today = date(2026, 6, 1)
    figures, facts = make_report(site, str(database), Period(), include_mentees=True, today=today)
    (folder / "report.html").write_text(render(figures, "html", facts, today), encoding="utf-8")
    return serve_directory(folder) + "report.html"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_report_has_no_axe_violations(page, report_url, scheme, axe):
    page.emulate_media(color_scheme=scheme)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(report_url)
    assert fetched == [report_url]  # self-contained: nothing else is loaded
    assert page.locator("svg[role=img]").count() == 3
    assert violations(page, axe) == []
