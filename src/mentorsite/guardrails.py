"""Guardrails: settings and leftovers that would publish a site that does not work.

Every check here finds something valid on its own that is wrong for a published site: a
contact form posting to the visitor's own computer, a base_url on localhost, example text
from `mentorsite new mentor`, a contact guide that is not there, a stale JSON Schema. They
are warnings, so a preview still builds; `--strict` (as a deploy should run) fails on them.

`check` reports them for site.toml as written; `build` reports them for the site as it is
built (with `--base-url`), plus a base_url on localhost unless --base-url was given: an
explicit address is taken as meant, and `serve` previews (which pass their own) never warn.
The functions are pure; `site_problems` reads the two files they need.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .config import SiteConfig, TomlLocator
from .diagnostics import Diagnostic, quote
from .load import Loaded, LoadedGuide, LoadedMentor
from .replaced import filtered
from .scaffold import PLACEHOLDERS
from .schema import MODELINE, SCHEMA_PATH, schema_file, schema_text

CONFIG = "site.toml"
#: Contact modes whose form posts to `[contact] action`.
FORM_MODES = frozenset({"receiver", "endpoint"})
#: What to write instead of each placeholder of `new mentor`.
PLACEHOLDER_HINTS = {
    "headline": "write one line, in the mentor's words, on what they can help with",
    "bio": "replace it with two or three paragraphs about the mentor; mentees choose by this text",
}


def is_loopback(url: str) -> bool:
    """Whether a URL points at the computer that opens it (localhost, 127.x, ::1, 0.0.0.0)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _position(toml: str, loc: tuple[str, ...]) -> tuple[int, int]:
    """Where `loc` is written in site.toml, or (0, 0) when it is not (a default applies)."""
    line, col = TomlLocator(toml)(loc, True)
    lines = toml.split("\n")
    return (line, col) if 0 < line <= len(lines) and loc[-1] in lines[line - 1] else (0, 0)


def contact_problems(config: SiteConfig, toml: str = "") -> list[Diagnostic]:
    """A form posting to the visitor's own computer, or over plain http from an https site."""
    contact = config.contact
    if contact.mode not in FORM_MODES:
        return []
    action, at = contact.action, _position(toml, ("contact", "action"))
    if is_loopback(action) and not is_loopback(config.base_url):
        return [
            Diagnostic(
                CONFIG,
                *at,
                f"the contact form posts to {action}, the visitor's own computer: no request would arrive",
                'set [contact] action to the https address of your receiver, or mode = "mailto" to publish no form',
                "warning",
            )
        ]
    if urlsplit(config.base_url).scheme == "https" and urlsplit(action).scheme == "http" and not is_loopback(action):
        return [
            Diagnostic(
                CONFIG,
                *at,
                f"the contact form posts over plain http ({action}) from an https site: "
                "browsers warn visitors or block the request",
                "use the https:// address of the same receiver or service",
                "warning",
            )
        ]
    return []


def base_url_problem(config: SiteConfig, toml: str = "") -> Diagnostic | None:
    """A build for publishing whose base_url is on localhost: every absolute link would be dead."""
    if not is_loopback(config.base_url):
        return None
    return Diagnostic(
        CONFIG,
        *_position(toml, ("base_url",)),
        f"base_url is {config.base_url}, this computer: the published sitemap and links to share would point there",
        'set base_url to the address the site will have, e.g. "https://your-org.github.io/mentors/", or build with '
        "--base-url (`mentorsite serve` is for previews)",
        "warning",
    )


def placeholder_problems(mentors: Sequence[LoadedMentor]) -> list[Diagnostic]:
    """Profiles still holding the example text `mentorsite new mentor` writes."""
    # serve's rebuilds look again only at the profiles that changed (replaced.filtered).
    return [
        problem
        for item in filtered("placeholders", mentors, lambda m: bool(_placeholders(m)))
        for problem in item.placeholders or ()
    ]


def _placeholders(item: LoadedMentor) -> list[Diagnostic]:
    # Made once per LoadedMentor, which is never edited (a LoadCache hands back the same
    # one while its file is unchanged).
    if item.placeholders is None:
        item.placeholders = [
            Diagnostic(
                item.path,
                *item.document.position((field,)),
                f"'{field}' still holds the example text from `mentorsite new mentor`",
                PLACEHOLDER_HINTS[field],
                "warning",
            )
            for field, text in PLACEHOLDERS.items()
            if text in (getattr(item.mentor, field) or "")
        ]
    return item.placeholders


def contact_guide_problem(config: SiteConfig, guides: Iterable[LoadedGuide], toml: str = "") -> Diagnostic | None:
    """`[contact] guide` naming a guide the site lacks: the "How to write a first message" box
    silently disappears from every mentor page. Only a guide site.toml names is checked (as
    `init` writes it): the default is a suggestion, which a site without that guide never took."""
    slug, at = config.contact.guide, _position(toml, ("contact", "guide"))
    if not slug or at == (0, 0) or slug in {g.slug for g in guides if g.kind == "guide"}:
        return None
    return Diagnostic(
        CONFIG,
        *at,
        f"the contact guide '{slug}' is not in content/guides/, so mentor pages show no "
        '"How to write a first message" box',
        f'add content/guides/{slug}.md, or set guide = "" under [contact] to go without',
        "warning",
    )


def schema_problem(config: SiteConfig, written: str | None, mentors: Sequence[LoadedMentor]) -> Diagnostic | None:
    """The site's JSON Schema (`written`, None when absent) out of step with site.toml, or
    missing while profiles point editors at it."""
    if written is None:
        # (serve's rebuilds look again only at the profiles that changed: replaced.filtered)
        if not filtered("modeline", mentors, lambda m: m.source.startswith(MODELINE)):
            return None
        return Diagnostic(
            SCHEMA_PATH,
            0,
            0,
            "profiles point editors at this JSON Schema, but it is missing",
            "run `mentorsite schema` in the site's folder to write it",
            "warning",
        )
    if written == schema_text(config):
        return None
    return Diagnostic(
        SCHEMA_PATH,
        0,
        0,
        "the JSON Schema is out of date with site.toml: editors suggest and check old values",
        "run `mentorsite schema` in the site's folder to write it again, and commit it",
        "warning",
    )


def site_problems(site_dir: Path, config: SiteConfig, loaded: Loaded, *, publishing: bool = False) -> list[Diagnostic]:
    """Every guardrail for a site as it is checked (or, with `publishing`, built without --base-url)."""
    toml = _read(site_dir / CONFIG) or ""
    found = contact_problems(config, toml) + placeholder_problems(loaded.mentors)
    found += [
        d
        for d in (
            contact_guide_problem(config, loaded.guides, toml),
            schema_problem(config, _read(schema_file(site_dir)), loaded.mentors),
            base_url_problem(config, toml) if publishing else None,
        )
        if d is not None
    ]
    return quote(found, {CONFIG: toml})


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
