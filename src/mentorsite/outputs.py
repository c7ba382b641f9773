"""What a build writes, as plain records: a page to render, or a file whose bytes are known.

Page generators return these instead of closures, so the runner can render them in any
process and an incremental build can tell from a record whether a page must be rendered
again: its template, its context and the content it shows (`Inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .social_cards import CardSpec


@dataclass(frozen=True, slots=True)
class Inputs:
    """The content an output shows. Settings, templates and the tool version concern every
    output, so they are not listed here."""

    #: Slugs of the mentors whose profile it shows (the mentor, and any similar mentors).
    mentors: frozenset[str] = frozenset()
    #: Slugs of the guides and content pages it shows.
    guides: frozenset[str] = frozenset()
    #: Listings, counts and indexes over every published mentor.
    all_mentors: bool = False
    #: The list of guides (e.g. the guides index, the guide sidebar).
    all_guides: bool = False


#: An output that shows no content: only settings and templates.
NO_CONTENT = Inputs()
ALL_MENTORS = Inputs(all_mentors=True)
ALL_GUIDES = Inputs(all_guides=True)


@dataclass(frozen=True, slots=True)
class Page:
    """A page rendered from a template: `template` with `context` becomes the file at `path`."""

    path: str
    #: What produced it, for messages ("mentors/ana", "content/about.md").
    origin: str
    template: str
    context: dict[str, Any] = field(hash=False)
    inputs: Inputs = NO_CONTENT


@dataclass(frozen=True)
class File:
    """A file whose content the build already has (an asset, the search index, /admin/)."""

    path: str
    origin: str
    data: bytes | str
    inputs: Inputs = NO_CONTENT


@dataclass(frozen=True)
class Copy:
    """A file copied as it is from `source` (a resized photo in the photo cache)."""

    path: str
    origin: str
    source: Path
    inputs: Inputs = NO_CONTENT


@dataclass(frozen=True)
class Drawn:
    """An image drawn from `spec` (social_cards.CardSpec) in the build's parallel stage."""

    path: str
    origin: str
    spec: CardSpec
    inputs: Inputs = NO_CONTENT


Output = Page | File | Copy | Drawn
