"""Who may be contacted, and at which private address.

Read once at start (and again on SIGHUP) from the site's validated profiles through the
build's own pipeline, then overlaid with the optional contacts file, so a public repository
need hold no address at all:

* TOML: ``ana-oliveira = "ana@example.org"`` (top level, or inside a ``[contacts]`` table);
* CSV: a header row with ``slug`` and ``email`` columns.

Who is reachable follows the build's own rule of who is published (``context.published_mentors``):
inactive mentors, and stale ones on a site with ``stale_profiles = "hide"``, get no entry, so a
request to them is refused like one to an unknown mentor.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..build import check_site
from ..context import published_mentors
from ..privacy import private_addresses
from ..textrules import is_email
from ..vocabulary import FORMATS
from .settings import Settings, SettingsError


@dataclass(frozen=True)
class PublicEntry:
    """What pages may show of a mentor: the published fields, no address."""

    slug: str
    name: str
    accepting: bool
    formats: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    accepting: bool
    #: (key, label) of the mentoring formats the mentor offers.
    formats: tuple[tuple[str, str], ...]
    #: Where this mentor's requests go (already resolved for the delivery mode), or None.
    recipient: str | None
    #: The profile's availability.capacity (None: no limit) and expertise tags (case-folded),
    #: for live capacity and similar mentors (public fields).
    capacity: int | None = None
    tags: tuple[str, ...] = ()

    def public(self) -> PublicEntry:
        return PublicEntry(self.slug, self.name, self.accepting, self.formats)


@dataclass(frozen=True)
class Directory:
    entries: dict[str, Entry]
    warnings: tuple[str, ...] = ()
    #: Every private address the site knows (profiles, contacts file, coordinator), reachable
    #: or not: none may appear on a page the receiver serves.
    private: frozenset[str] = frozenset()
    #: Guide slug -> its URL relative to base_url, for links in the lifecycle mails.
    guides: dict[str, str] = field(default_factory=dict)

    def get(self, slug: str) -> Entry | None:
        return self.entries.get(slug)

    @property
    def reachable(self) -> int:
        return sum(1 for e in self.entries.values() if e.recipient)


def read_contacts(path: Path) -> dict[str, str]:
    """slug -> address from a TOML or CSV contacts file; SettingsError names the bad line."""
    text = path.read_text(encoding="utf-8-sig")
    found: dict[str, str] = {}
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "slug" not in reader.fieldnames or "email" not in reader.fieldnames:
            raise SettingsError(f"{path}:1: the CSV needs a header row with 'slug' and 'email' columns")
        rows = [(reader.line_num, row.get("slug") or "", row.get("email") or "") for row in reader]
    elif path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: invalid TOML: {exc}") from None
        data = data.get("contacts", data) if isinstance(data.get("contacts"), dict) else data
        rows = [(0, slug, value) for slug, value in data.items()]
    else:
        raise SettingsError(f"{path}: a contacts file must end in .toml or .csv")
    for line, slug, value in rows:
        where = f"{path}:{line}" if line else f"{path}: '{slug}'"
        if not isinstance(value, str) or not is_email(value):
            raise SettingsError(f"{where}: '{value}' is not a valid email address")
        found[slug.strip()] = value.strip()
    return found


def load_directory(settings: Settings) -> Directory:
    """Read the site's profiles (with the build's validation) and the contacts file."""
    _, loaded, report = check_site(settings.site_dir)
    warnings = [f"{d.path}: {d.message} (this profile cannot be contacted until it is fixed)" for d in report.errors]
    contacts = read_contacts(settings.contacts_file) if settings.contacts_file else {}
    contact = settings.contact
    entries: dict[str, Entry] = {}
    config = settings.config
    for item in published_mentors(config, loaded.mentors):
        mentor = item.mentor
        if contact.delivery == "coordinator":
            recipient = contact.coordinator_email
        else:
            recipient = contacts.get(item.slug) or mentor.email or contact.coordinator_email
            if recipient is None and mentor.availability.accepting:
                warnings.append(
                    f"{item.path}: no private address (profile email or contacts file): requests to "
                    f"this mentor are refused; set coordinator_email to forward them instead"
                )
        entries[item.slug] = Entry(
            item.slug,
            mentor.name,
            mentor.availability.accepting,
            tuple((f, FORMATS.get(f, f)) for f in mentor.formats),
            recipient,
            mentor.availability.capacity,
            tuple(tag.casefold() for tag in mentor.tags),
        )
    for slug in sorted(set(contacts) - set(entries)):
        warnings.append(f"{settings.contacts_file}: '{slug}' is not a published mentor")
    private = private_addresses(config, loaded.mentors) | set(contacts.values())
    guides = {g.slug: g.url for g in loaded.guides if g.kind == "guide"}
    return Directory(entries, tuple(warnings), frozenset(private), guides)
