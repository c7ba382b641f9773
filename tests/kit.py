"""The test kit: one way to write a site, the one valid profile and the fixed facts tests share.

A test declares its site in one string, the way Hugo's tests do (txtar style)::

    write_site(tmp_path / "site", f'''
    -- site.toml --
    {SITE_TOML}
    -- mentors/ada.yaml --
    {GOOD_PROFILE}
    ''')

Fixtures live in conftest.py; this is a plain module (pytest's `pythonpath` puts tests/ on the
import path), so test modules `import kit` or `from kit import …`.
"""

from __future__ import annotations

import functools
import io
import re
import socket
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from PIL import Image

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

#: A profile with no errors and no warnings (against TODAY, with tiny_jpeg() at PHOTO_PATH).
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

_MARKER = re.compile(r"^-- (\S(?:.*\S)?) --$")


def drop_lines(text: str, *starts: str) -> str:
    """`text` without the lines that start with any of `starts` (e.g. GOOD_PROFILE without its photo)."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(starts))


@functools.cache
def tiny_jpeg() -> bytes:
    """An 8x8 JPEG, enough for the photo checks."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (31, 95, 139)).save(buffer, "JPEG")
    return buffer.getvalue()


#: Where GOOD_PROFILE's photo lives in a site: `write_site(..., files={PHOTO_PATH: tiny_jpeg()})`.
PHOTO_PATH = "mentors/photos/ada.jpg"


def parse_txtar(text: str) -> dict[str, str]:
    """{path: text} from `-- path --` sections; text before the first marker is a comment.

    A file's text is the lines up to the next marker with blank lines at its end dropped, so an
    interpolated constant ending in a newline comes out exactly as it is; a section with no
    lines is an empty file. Exact bytes (no final newline, trailing blank lines) go through
    write_site's `files` instead.
    """
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        marker = _MARKER.match(line.rstrip("\n"))
        if marker:
            name = marker.group(1)
            if name in files:
                raise ValueError(f"txtar: {name} appears twice")
            current = files[name] = []
        elif current is not None:
            current.append(line)
    parsed = {}
    for name, lines in files.items():
        body = "".join(lines).rstrip("\n")
        parsed[name] = body + "\n" if body else ""
    return parsed


def write_site(root: Path, text: str = "", *, files: Mapping[str, str | bytes] | None = None) -> Path:
    """Write the site declared in `text` (txtar style, see parse_txtar) under root; returns root.

    `files` adds files written exactly as given (bytes such as photos, or text whose every byte
    matters) and wins over a file of the same path in `text`, so a shared base site can be
    varied. Without a site.toml in either, SITE_TOML is written; mentors/ always exists.
    """
    written: dict[str, str | bytes] = {"site.toml": SITE_TOML, **parse_txtar(text), **(files or {})}
    (root / "mentors").mkdir(parents=True, exist_ok=True)
    for name, content in written.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


#: Ports free_port handed out in this process.
_GIVEN_PORTS: set[int] = set()


def free_port() -> int:
    """A port on 127.0.0.1 free now, and not handed out before by this process: two ports asked
    for before either is bound could otherwise be the same one (a receiver's health check once
    reached the SMTP sink started on its port)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(port)
            return port
