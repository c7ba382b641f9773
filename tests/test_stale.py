"""Directory hygiene: profiles not reviewed for review_after_months are flagged, hidden or shown."""

from __future__ import annotations

import pytest
from kit import GOOD_PROFILE, SITE_TOML, TODAY

from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.diagnostics import InputError

NOTE = (
    '<p class="notice profile-stale" role="note"><strong>This profile may be out of date.</strong> '
    "It has not been reviewed for over 12 months, so details such as availability may have changed.</p>"
)

# TODAY is 2026-06-01: 2026-05-01 is fresh, 2025-05-01 is 13 months old.
FRESH = GOOD_PROFILE
STALE = (
    GOOD_PROFILE.replace("name: Ada Example", "name: Old Reviewed")
    .replace("last_reviewed: 2026-05-01", "last_reviewed: 2025-05-01")
    .replace("ada.private@example.org", "old.private@example.org")
)
NEVER = (
    GOOD_PROFILE.replace("name: Ada Example", "name: Never Reviewed")
    .replace("last_reviewed: 2026-05-01\n", "")
    .replace("ada.private@example.org", "never.private@example.org")
)


def site_toml(setting: str | None, months: int | None = None) -> str:
    extra = (f'stale_profiles = "{setting}"\n' if setting else "") + (
        f"review_after_months = {months}\n" if months else ""
    )
    return SITE_TOML.replace("[[nav]]", extra + "\n[[nav]]", 1)


def build(make_site, setting: str | None, months: int | None = None):
    site = make_site(f"""
-- site.toml --
{site_toml(setting, months)}
-- mentors/ada-example.yaml --
{FRESH}
-- mentors/old-reviewed.yaml --
{STALE}
-- mentors/never-reviewed.yaml --
{NEVER}
""")
    report = build_site(site, today=TODAY)
    assert report.errors == [] and report.written
    return report, site / "_site"


def page(out, slug: str) -> str:
    return (out / "mentors" / slug / "index.html").read_text(encoding="utf-8")


def test_flag_is_the_default_and_publishes_a_note(make_site):
    report, out = build(make_site, None)
    assert NOTE in page(out, "old-reviewed")
    assert NOTE not in page(out, "ada-example")
    assert NOTE not in page(out, "never-reviewed")  # no last_reviewed: never stale
    assert report.mentors == 3
    assert [d.human() for d in report.warnings if "reviewed" in d.message] == [
        "mentors/old-reviewed.yaml:15:16: warning: profile last reviewed 2025-05-01, over 12 months ago\n"
        "    hint: confirm the details with the mentor and update last_reviewed"
    ]


def test_hide_leaves_stale_profiles_out_of_the_site(make_site):
    report, out = build(make_site, "hide")
    assert not (out / "mentors" / "old-reviewed").exists()
    assert report.mentors == 2
    for path in out.rglob("*.html"):
        assert "old-reviewed" not in path.read_text(encoding="utf-8"), path
    assert "old-reviewed" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert NOTE not in page(out, "ada-example")


def test_show_publishes_stale_profiles_as_usual(make_site):
    report, out = build(make_site, "show")
    assert report.mentors == 3
    assert NOTE not in page(out, "old-reviewed")
    assert "profile-stale" not in page(out, "old-reviewed")


def test_the_age_comes_from_review_after_months(make_site):
    _, out = build(make_site, "hide", months=24)
    assert (out / "mentors" / "old-reviewed" / "index.html").is_file()


def test_unknown_setting_is_an_error_with_a_hint(make_site):
    site = make_site(f"-- site.toml --\n{site_toml('hidden')}")
    with pytest.raises(InputError) as caught:
        load_config(site)
    [problem] = caught.value.diagnostics
    assert problem.message == "'stale_profiles' must be one of 'flag', 'hide' or 'show'; got 'hidden'"
    assert problem.hint == "did you mean 'hide'?"
    assert problem.line == 7
