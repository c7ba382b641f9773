"""What a build gives site.js for live availability (the browser side is tests/browser/
test_availability_browser.py): the receiver's availability.json URL on <body>, the
notice kept hidden on accepting mentors' pages, and the slugs column of facets.json,
all in receiver mode only."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from test_golden_site import FIXTURE

from mentorsite.build import build_site
from mentorsite.config import ContactConfig
from mentorsite.live_availability import availability_url


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ({}, "http://127.0.0.1:8787/availability.json"),
        ({"action": "https://forms.example.org/mentors/requests"}, "https://forms.example.org/availability.json"),
        ({"action": "https://forms.example.org:8443/requests"}, "https://forms.example.org:8443/availability.json"),
        ({"mode": "endpoint", "action": "https://forms.example.org/requests"}, None),
        ({"mode": "none"}, None),
    ],
)
def test_the_availability_url_is_the_receivers_origin(contact, expected):
    """Receiver mode only; the origin of the form's action, whatever path the form posts to."""
    assert availability_url(ContactConfig(**contact)) == expected


def build(parent: Path, contact: str) -> Path:
    work = parent / "site"
    shutil.copytree(FIXTURE, work)
    with (work / "site.toml").open("a", encoding="utf-8") as handle:
        handle.write(contact)
    report = build_site(work, today=date(2026, 11, 23))
    assert report.errors == [], [d.human() for d in report.errors]
    return work / "_site"


def test_receiver_mode_pages_carry_what_site_js_reads(tmp_path):
    out = build(tmp_path, '\n[contact]\naction = "https://forms.example.org/requests"\n')
    directory = (out / "mentors" / "index.html").read_text("utf-8")
    assert '<body data-availability-url="https://forms.example.org/availability.json">' in directory
    assert re.findall(r'<article class="card">.*?<a href="/mentors/mentors/([a-z-]+)/">', directory, re.S) == [
        "ana-lima",
        "bo-chen",
        "dana-berg",
        "eva-novak",
        "chidi-okeke",
    ]
    # An accepting mentor's page keeps the notice hidden for when they are full.
    ana = (out / "mentors" / "ana-lima" / "index.html").read_text("utf-8")
    template = ana.split("<div hidden data-availability-notice>", 1)[1].split("</div>", 1)[0]
    assert "Ana Lima is not taking new mentees right now." in template
    assert ana.count("data-availability-status") == 1
    # A mentor not accepting at build time has the notice itself, and no template.
    chidi = (out / "mentors" / "chidi-okeke" / "index.html").read_text("utf-8")
    assert "data-availability-notice" not in chidi and "Chidi Okeke is not taking new mentees right now." in chidi
    facets = json.loads((out / "search" / "facets.json").read_text("utf-8"))
    assert facets["slugs"] == ["ana-lima", "bo-chen", "dana-berg", "eva-novak", "chidi-okeke"]


def test_other_modes_carry_none_of_it(tmp_path):
    out = build(tmp_path, '\n[contact]\nmode = "endpoint"\naction = "https://forms.example.org/requests"\n')
    ana = (out / "mentors" / "ana-lima" / "index.html").read_text("utf-8")
    assert "data-availability" not in ana
    assert "<body>" in ana
    assert "slugs" not in json.loads((out / "search" / "facets.json").read_text("utf-8"))
