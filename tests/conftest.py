"""Fixtures shared by every test, the markers applied by folder, and CI's no-skip rule.

Constants and helpers (the valid profile, SITE_TOML, write_site, …) live in kit.py.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from kit import PHOTO_PATH, SITE_TOML, tiny_jpeg, write_site
from postgres_kit import PostgresServer

from mentorsite.config import SiteConfig
from mentorsite.load import vocabularies

_BROWSER = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(items):
    """Everything under tests/browser/ is a `browser` test, so `-m "not browser"` is the fast loop."""
    for item in items:
        if _BROWSER in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def make_site(tmp_path):
    """make_site(text, files=...) writes a site (kit.write_site) in tmp_path/site, with GOOD_PROFILE's photo."""

    def make(text: str = "", *, files: dict[str, str | bytes] | None = None) -> Path:
        return write_site(tmp_path / "site", text, files={PHOTO_PATH: tiny_jpeg(), **(files or {})})

    return make


@pytest.fixture(scope="session")
def context():
    """The validation context (vocabularies) of SITE_TOML, as the loader builds it."""
    return {"vocabularies": vocabularies(SiteConfig.model_validate(tomllib.loads(SITE_TOML)))}


# --- CI never skips silently -------------------------------------------------------------
# Browser, HTML-validator and actionlint tests skip on a developer machine without those
# tools (with an install hint). In CI (the CI environment variable is set, as .ci/run's
# caller does) the set-up script installs them all, so a skip there means something is
# missing: report it as a failure instead of letting the suite pass without those tests.


def _ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"module skipped in CI, which must run every test: {report.longrepr}"


# --- PostgreSQL ------------------------------------------------------------------------------
# One real server for the session (postgres_kit), a fresh database for each test that asks.


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server started from Debian's binaries for this test session."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return postgres_server.database()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> Path | str:
    """A new request database on each backend: an SQLite file's path, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "r.db"
    return request.getfixturevalue("postgres_url")
