"""The browser scripts speak the site's language: the example site built in French."""

from __future__ import annotations

import re
import shutil

import pytest
from browser_support import ROOT, build_into, free_port
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def french_site(tmp_path_factory, serve_directory) -> str:
    work = tmp_path_factory.mktemp("french")
    site = work / "site"
    site.mkdir()
    toml = (ROOT / "site.toml").read_text(encoding="utf-8")
    (site / "site.toml").write_text(toml.replace('language = "en"', 'language = "fr"'), encoding="utf-8")
    shutil.copytree(ROOT / "mentors", site / "mentors")
    shutil.copytree(ROOT / "content", site / "content")
    port = free_port()
    return serve_directory(build_into(site, work / "out", port), port)


def test_search_live_region_and_filters_speak_french(page, french_site, oracle):
    page.goto(french_site + "mentors/")
    results = page.locator("#results")
    expect(results).to_have_attribute("data-search-ready", "true")
    expect(page.locator(".filters-toggle")).to_have_text("Filtres")
    expect(page.locator("#filters-title")).to_have_text("Filtrer les mentors")
    expect(page.locator("label[for=f-accepting]")).to_have_text("Seulement les mentors disponibles")

    page.locator("#q").press_sequentially("leadership", delay=10)
    expected = oracle.search("leadership")
    assert len(expected) > 1
    count = page.locator("#result-count")
    expect(count).to_have_attribute("role", "status")
    expect(count).to_have_text(f"{len(expected)} mentors")
    expect(page.locator(".filter-chip, .clear-all").last).to_have_text("Tout effacer")

    page.locator("#q").fill("zzqxv")
    # French says "0 mentor" (0 takes the singular), and why nothing shows.
    expect(count).to_have_text("0 mentor")
    expect(page.locator(".no-results")).to_have_text(
        "Aucun mentor ne correspond à tous ces choix. Retirez un filtre ou essayez d’autres mots."
    )
    assert page.errors == []


def test_match_status_and_reasons_speak_french(page, french_site, oracle):
    page.goto(french_site + "match/")
    form = page.locator("#match-form")
    expect(form).to_have_attribute("data-match-ready", "true")
    form.get_by_label("Votre fuseau horaire").select_option("")  # the browser's own is chosen first
    form.get_by_role("button", name="Trouver mon mentor").click()
    status = page.locator("#match-count")
    expect(status).to_have_text("Choisissez au moins un sujet ou une préférence pour obtenir des suggestions.")

    form.get_by_label("Langue").select_option("es")
    form.get_by_role("button", name="Trouver mon mentor").click()
    expect(form).to_have_attribute("data-matched", re.compile(r"\d+"))
    matched = len(oracle.match([], language="es"))
    assert matched
    expect(status).to_have_text(
        f"Vos 10 meilleurs sur {matched} mentors correspondants"
        if matched > 10
        else f"{matched} {'mentor correspond' if matched < 2 else 'mentors correspondent'}"
    )
    why = page.locator(".match-why").first
    expect(why).to_have_text("Pourquoi ce mentor : Parle espagnol")
    assert page.errors == []
