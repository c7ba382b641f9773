"""Shared fixtures: a small site.toml, a valid profile and a helper that writes a site."""

from __future__ import annotations

import io
import os
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

# Test modules here do `from conftest import …`. A deeper conftest (tests/browser/) is also
# imported as module "conftest" and would shadow this one, so point the name back at this
# file just before each module of this folder is imported.
_HERE = Path(__file__).resolve().parent
_SELF = sys.modules[__name__]


def pytest_collectstart(collector):
    path = getattr(collector, "path", None)
    if isinstance(collector, pytest.Module) and path is not None and Path(path).resolve().parent == _HERE:
        sys.modules["conftest"] = _SELF


#: A fixed "today" so date-based warnings never depend on the calendar.
TODAY = date(2026, 6, 1)

SITE_TOML = """\
title = "Test Mentors"
description = "A small site for tests."
organisation = "Test Org"
base_url = "http://localhost:8000/"
language = "en"

[[nav]]
label = "Mentors"
url = "mentors/"

[[facets]]
key = "tags"
label = "Expertise"
[facets.values]
leadership = { label = "Leadership", aliases = ["management"] }
machine-learning = { label = "Machine learning", aliases = ["ml", "ai"] }
writing = { label = "Writing" }

[[facets]]
key = "industry"
label = "Industry"
[facets.values]
technology = "Technology"
finance = "Finance and banking"

[[facets]]
key = "countries"
label = "Country"
field = "country"

[[facets]]
key = "languages"
label = "Language"

[[facets]]
key = "formats"
label = "Mentoring format"
"""

BIO = (
    "Ada has spent fifteen years building data teams in public health and finance. "
    "She enjoys helping people move from analysis into leadership, and she likes to "
    "work through one concrete problem at every meeting."
)

#: A profile with no errors and no warnings (against TODAY, with the photo write_site adds).
#: Line numbers matter to the tests: name 1, headline 2, photo 3, tags 4, industry 5,
#: location 6-8, timezone 9, languages 10, formats 11, availability 12-14,
#: last_reviewed 15, email 16, bio 17-18.
GOOD_PROFILE = f"""\
name: Ada Example
headline: Data leader happy to help with a first management role
photo: photos/ada.jpg
tags: [leadership, writing]
industry: technology
location:
  city: Lisbon
  country: PT
timezone: Europe/Lisbon
languages: [en, pt]
formats: [one-to-one]
availability:
  accepting: true
  capacity: 2
last_reviewed: 2026-05-01
email: ada.private@example.org
bio: |
  {BIO}
"""

PRIVATE_EMAIL = "ada.private@example.org"


def tiny_jpeg() -> bytes:
    """An 8x8 JPEG, enough for the photo checks."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (31, 95, 139)).save(buffer, "JPEG")
    return buffer.getvalue()


def write_site(
    root: Path,
    profiles: dict[str, str] | None = None,
    *,
    toml: str = SITE_TOML,
    files: dict[str, str | bytes] | None = None,
) -> Path:
    """Write site.toml, mentors/<name> per profile, mentors/photos/ada.jpg and other files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(toml, encoding="utf-8")
    (root / "mentors" / "photos").mkdir(parents=True, exist_ok=True)
    (root / "mentors" / "photos" / "ada.jpg").write_bytes(tiny_jpeg())
    for name, text in (profiles or {}).items():
        (root / "mentors" / name).write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path):
    """make_site(profiles, toml=..., files=...) writes a site in tmp_path/site."""

    def make(profiles: dict[str, str] | None = None, **kwargs) -> Path:
        return write_site(tmp_path / "site", profiles, **kwargs)

    return make


@pytest.fixture(scope="session")
def context():
    """The validation context (vocabularies) of SITE_TOML, as the loader builds it."""
    from mentorsite.config import SiteConfig
    from mentorsite.load import vocabularies

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
