"""`mentorsite serve` in Chromium: a saved edit reaches the open page without a reload by the
user; a broken edit shows its problems over the last good page until it is fixed.

A real serve process on a site from `mentorsite init` (serve_kit.py, in tests/).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from serve_kit import PROFILE, TIMEOUT, ServeProcess, preview_site, save_by_rename

from mentorsite.serve.server import UI_TEXT

WAIT_MS = TIMEOUT * 1000


@pytest.fixture
def serving(tmp_path):
    site = preview_site(tmp_path / "site")
    with ServeProcess(site) as serve:
        serve.wait_for_line("built ")
        yield site, serve


def save_profile(site, old: str, new: str) -> None:
    text = (site / PROFILE).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    save_by_rename(site / PROFILE, text.replace(old, new))


def test_edits_reload_the_page_and_a_broken_edit_shows_where_until_fixed(page, serving):
    site, serve = serving
    page.goto(serve.url + "mentors/ada-example/")
    headline = page.locator(".profile-headline")
    expect(headline).to_have_text("Mentor happy to help with career questions")
    overlay = page.get_by_role("alertdialog", name=UI_TEXT["title"])

    save_profile(site, "Mentor happy to help", "Mentor glad to help")
    expect(headline).to_have_text("Mentor glad to help with career questions", timeout=WAIT_MS)

    # An unknown field on the line after the headline: the overlay names that line.
    save_profile(site, 'with career questions"\n', 'with career questions"\nfavourite_colour: teal\n')
    line = next(n for n, text in enumerate((site / PROFILE).read_text().splitlines(), 1) if "favourite" in text)
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    problem = overlay.locator("li")
    expect(problem).to_have_count(1)
    expect(problem.locator("code")).to_have_text(f"mentors/ada-example.yaml:{line}:1")
    expect(problem).to_contain_text(f"mentors/ada-example.yaml:{line}:1: unknown field 'favourite_colour'")
    expect(problem.locator("pre")).to_have_text("favourite_colour: teal")  # the offending line
    expect(problem.locator("div")).to_contain_text(UI_TEXT["hint"] + ": allowed here: name, headline, ")
    expect(overlay).to_contain_text(UI_TEXT["kept"])
    expect(headline).to_have_text("Mentor glad to help with career questions")  # the last good page

    save_profile(site, "favourite_colour: teal\n", "")
    save_profile(site, "Mentor glad to help", "Mentor keen to help")
    expect(headline).to_have_text("Mentor keen to help with career questions", timeout=WAIT_MS)
    expect(overlay).to_have_count(0)

    # The overlay can be dismissed from the keyboard.
    save_profile(site, 'with career questions"\n', 'with career questions"\nfavourite_colour: teal\n')
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    expect(overlay.get_by_role("button", name=UI_TEXT["dismiss"])).to_be_focused()
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)
    assert page.errors == []


def test_the_edited_profiles_page_reloads_first_and_once_the_others_when_the_build_ends(context, serving):
    """The tab on the edited profile's page gets its first look before the build ends, and does
    not reload again when the build's page is the same; a tab on the directory reloads at the end."""
    site, serve = serving
    tabs = {name: context.new_page() for name in ("mentor", "directory")}
    loads = dict.fromkeys(tabs, 0)
    for name, tab in tabs.items():
        tab.on("load", lambda _, name=name: loads.__setitem__(name, loads[name] + 1))
    tabs["mentor"].goto(serve.url + "mentors/ada-example/")
    tabs["directory"].goto(serve.url + "mentors/")
    assert loads == {"mentor": 1, "directory": 1}
    after = len(serve.lines)

    save_profile(site, "Mentor happy to help", "Mentor quick to help")
    expect(tabs["mentor"].locator(".profile-headline")).to_have_text(
        "Mentor quick to help with career questions", timeout=WAIT_MS
    )
    serve.wait_for_line("first look at mentors/ada-example/ in ", after)
    serve.wait_for_line("rebuilt after mentors/ada-example.yaml: ", after)
    expect(tabs["directory"].get_by_text("Mentor quick to help with career questions")).to_be_visible(timeout=WAIT_MS)
    tabs["mentor"].wait_for_timeout(1000)  # a second reload would come with the directory's
    assert loads == {"mentor": 2, "directory": 2}
    assert [tab.url for tab in tabs.values()] == [serve.url + "mentors/ada-example/", serve.url + "mentors/"]
