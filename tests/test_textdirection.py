"""Writing direction: `dir` on every page's `<html>` from the site's language, overridable by block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_kit import BASE_SITE, assert_builds
from kit import SITE_TOML, write_site
from receiver_kit import VALID_FORM
from receiver_kit import write_site as write_receiver_site

from mentorsite.config import load_config
from mentorsite.receiver.directory import load_directory
from mentorsite.receiver.pages import Pages
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.validation import validate
from mentorsite.textdirection import text_direction

DIRECTIONS = {
    # written right to left, per CLDR
    "ar": "rtl",
    "he": "rtl",
    "fa": "rtl",
    "ur": "rtl",
    "ckb": "rtl",
    # a region CLDR lacks falls back to the language
    "ar-XY": "rtl",
    # a script subtag decides where CLDR knows it: Punjabi in Arabic script, Sindhi in Devanagari
    "pa-Arab": "rtl",
    "pa": "ltr",
    "sd-Deva": "ltr",
    "en": "ltr",
    "en-GB": "ltr",
    "zh-Hant-TW": "ltr",
    # a valid tag CLDR does not know at all
    "tlh": "ltr",
}


def test_direction_of_each_language_comes_from_cldr():
    assert {tag: text_direction(tag) for tag in DIRECTIONS} == DIRECTIONS


def html_tags(out: Path) -> dict[str, str]:
    """The `<html …>` start tag of every page in a built site, by path."""
    return {
        page.relative_to(out).as_posix(): re.search(r"<html[^>]*>", page.read_text(encoding="utf-8")).group(0)
        for page in sorted(out.rglob("*.html"))
    }


@pytest.mark.parametrize(
    ("language", "tag"), [("ar", '<html lang="ar" dir="rtl">'), ("en", '<html lang="en" dir="ltr">')]
)
def test_every_page_carries_the_languages_direction(tmp_path, language, tag):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"site.toml": SITE_TOML.replace('language = "en"', f'language = "{language}"')},
    )
    tags = html_tags(assert_builds(site)[1])
    assert len(tags) > 10 and set(tags.values()) == {tag}


def test_a_site_changes_the_html_attributes_without_copying_base_html(tmp_path):
    """base.html's `html_attributes` block: a site extends the theme's copy and adds to (or replaces) it."""
    override = (
        '{% extends "!theme/base.html" %}\n{% block html_attributes %}{{ super() }} class="js-off"{% endblock %}\n'
    )
    site = write_site(tmp_path / "site", BASE_SITE, files={"templates/base.html": override})
    tags = html_tags(assert_builds(site)[1])
    assert set(tags.values()) == {'<html lang="en" dir="ltr" class="js-off">'}


def receiver_pages(tmp_path: Path, files: dict[str, str]) -> tuple[Pages, object]:
    site = write_receiver_site(tmp_path / "site", base_url="http://127.0.0.1:8000/", action="http://127.0.0.1:8787/r")
    toml = site / "site.toml"
    toml.write_text('language = "ar"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    settings = resolve(site, load_config(site), database=tmp_path / "r.db")
    directory = load_directory(settings)
    _, errors, entry = validate(VALID_FORM, directory)
    assert errors == {} and entry is not None
    return Pages(settings), entry.public()


@pytest.mark.parametrize(
    ("files", "start"),
    [
        # the review page in the site's look, through base.html
        ({}, '<!doctype html>\n<html lang="ar" dir="rtl">'),
        # the plain page served when the site's templates fail
        ({"templates/base.html": "{{ no_such_variable.name }}"}, '<!doctype html><html lang="ar" dir="rtl">'),
    ],
    ids=["review", "plain"],
)
def test_the_receivers_pages_carry_the_direction(tmp_path, files, start):
    pages, entry = receiver_pages(tmp_path, files)
    page = pages.review(entry=entry, values=VALID_FORM, errors={}, token="T", private=frozenset())
    assert page.startswith(start)
