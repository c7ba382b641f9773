"""Where the contact form posts, per [contact] mode; no mode ever publishes a private address."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from mentorsite.build import build_site

FIXTURE = Path(__file__).parent / "sites" / "basic"


def build_with(tmp_path: Path, contact: str, public_email: bool = False) -> Path:
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[contact]\n" + contact)
    if public_email:
        profile = site / "mentors" / "ana-lima.yaml"
        profile.write_text(profile.read_text() + "public_email: ana.public@example.org\n")
    report = build_site(site, today=date(2026, 11, 23))
    assert report.errors == [], [d.human() for d in report.errors]
    out = site / "_site"
    for file in out.rglob("*"):
        if file.is_file():
            assert b".private@example.org" not in file.read_bytes(), file
    return out


def page(out: Path, slug: str) -> str:
    return (out / "mentors" / slug / "index.html").read_text(encoding="utf-8")


def form_tag(html: str) -> str:
    match = re.search(r"<form [^>]*>", html)
    assert match, "no form"
    return match.group(0)


def field_names(html: str) -> list[str]:
    form = html[html.index("<form") : html.index("</form>")]
    return re.findall(r'<(?:input|textarea|select)[^>]* name="([^"]+)"', form)


def test_receiver_mode_posts_to_the_receiver_with_a_token_url(tmp_path):
    """The default mode posts to the bundled receiver and knows where to fetch a signed timestamp."""
    out = build_with(tmp_path, 'mode = "receiver"\naction = "https://forms.example.org/requests"\n')
    tag = form_tag(page(out, "ana-lima"))
    assert 'action="https://forms.example.org/requests"' in tag
    assert 'data-token-url="https://forms.example.org/requests/token"' in tag
    assert field_names(page(out, "ana-lima")) == [
        "mentor",
        "lang",
        "ts",
        "name",
        "email",
        "hope_to_gain",
        "goals",
        "format",
        "cadence",
        "message",
        "consent",
        "website",
    ]
    assert (out / "contact" / "thanks" / "index.html").is_file()


def test_endpoint_mode_uses_the_configured_field_names(tmp_path):
    """A generic form service gets its own field names; unmapped fields keep ours."""
    out = build_with(
        tmp_path,
        'mode = "endpoint"\naction = "https://forms.example.org/f/abc"\n'
        'field_names = { name = "fullname", email = "_replyto", message = "body" }\n',
    )
    html = page(out, "ana-lima")
    tag = form_tag(html)
    assert 'action="https://forms.example.org/f/abc"' in tag and "data-token-url" not in tag
    assert field_names(html) == [
        "mentor",
        "ts",
        "fullname",
        "_replyto",
        "hope_to_gain",
        "goals",
        "format",
        "cadence",
        "body",
        "consent",
        "website",
    ]


def test_netlify_mode_emits_netlify_attributes(tmp_path):
    """Netlify Forms: data-netlify, the honeypot attribute, form-name, and a thank-you page to land on."""
    out = build_with(tmp_path, 'mode = "netlify"\n')
    html = page(out, "ana-lima")
    tag = form_tag(html)
    assert 'data-netlify="true"' in tag and 'netlify-honeypot="website"' in tag and 'name="contact"' in tag
    assert 'action="/mentors/contact/thanks/"' in tag
    assert '<input type="hidden" name="form-name" value="contact">' in html
    assert (out / "contact" / "thanks" / "index.html").is_file()


def test_mailto_mode_links_only_public_addresses(tmp_path):
    """mailto: a mentor who opted in gets a mailto link; others get no form and no address."""
    out = build_with(tmp_path, 'mode = "mailto"\n', public_email=True)
    opted_in = page(out, "ana-lima")
    assert '<a href="mailto:ana.public@example.org">ana.public@example.org</a>' in opted_in
    assert "<form" not in opted_in
    other = page(out, "bo-chen")
    assert "<form" not in other and "mailto:" not in other
    assert "reachable through the programme coordinators" in other


def test_public_email_is_not_shown_outside_mailto_mode(tmp_path):
    """An opted-in public address is only published when the site chose mailto mode."""
    out = build_with(tmp_path, 'mode = "receiver"\n', public_email=True)
    assert "ana.public@example.org" not in page(out, "ana-lima")


@pytest.mark.parametrize("mode", ["none"])
def test_none_mode_has_no_form(tmp_path, mode):
    """With mode none there is no form, only the first-contact guide link."""
    out = build_with(tmp_path, f'mode = "{mode}"\n')
    html = page(out, "ana-lima")
    assert "<form" not in html
    assert 'href="/mentors/guides/first-contact-message/"' in html
    assert not (out / "contact").exists()


def test_coordinator_address_is_never_published(tmp_path):
    """A template override printing the coordinator's address makes the build refuse to publish."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[contact]\nmode = "receiver"\ncoordinator_email = "coordinator@example.org"\n')
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "!theme/404.html" %}{% block content %}{{ site.contact.coordinator_email }}{% endblock %}'
    )
    report = build_site(site, today=date(2026, 11, 23))
    assert not report.written and not (site / "_site").exists()
    assert [d.path for d in report.errors] == ["404.html"]
    assert report.errors[0].message == "a private email address reached this output file; nothing was published"
