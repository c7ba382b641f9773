"""Atom 1.0 feeds (RFC 4287): newly joined mentors at /feed.xml, guides at /guides/feed.xml.

Built with ElementTree, which escapes every text and attribute. Entry ids are the entries'
absolute URLs (stable while a slug is); every date comes from the data (`joined`, `updated`),
never from the build's clock, so an unchanged site gives byte-identical feeds.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree

from .config import SiteConfig
from .previews import absolute_url
from .views import GuideView, MentorView

ATOM = "http://www.w3.org/2005/Atom"
#: A feed with no dated entry yet still needs an `updated`: the epoch, never the build's clock.
NO_DATE = date(1970, 1, 1)


@dataclass(frozen=True)
class Entry:
    url: str
    title: str
    summary: str
    updated: date
    published: date | None = None


def rfc3339(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def newest_mentors(mentors: Sequence[MentorView], count: int) -> list[Entry]:
    """Mentors with a `joined` date, newest first (then by slug), as feed entries."""
    # As sorted(…, reverse=True)[:count], without sorting every mentor.
    dated = heapq.nlargest(count, (m for m in mentors if m.joined), key=lambda m: (m.joined, m.slug))
    return [Entry(m.url, m.name, m.headline, m.updated or m.joined, m.joined) for m in dated if m.joined]


def latest_guides(guides: list[GuideView], count: int) -> list[Entry]:
    """Guides with an `updated` date, most recently updated first (then by slug)."""
    dated = sorted((g for g in guides if g.updated), key=lambda g: (g.updated, g.slug), reverse=True)
    return [Entry(g.url, g.title, g.summary, g.updated) for g in dated[:count] if g.updated]


def atom(config: SiteConfig, path: str, title: str, page: str, entries: list[Entry]) -> bytes:
    """The feed at `path` (site-relative) listing `entries`; `page` is the HTML page it follows."""
    feed = ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    _text(feed, "id", absolute_url(config, path))
    _text(feed, "title", title)
    _text(feed, "updated", rfc3339(max((e.updated for e in entries), default=NO_DATE)))
    author = ElementTree.SubElement(feed, "author")
    _text(author, "name", config.organisation)
    _text(author, "uri", absolute_url(config, ""))
    ElementTree.SubElement(
        feed, "link", {"rel": "self", "type": "application/atom+xml", "href": absolute_url(config, path)}
    )
    ElementTree.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": absolute_url(config, page)})
    for entry in entries:
        item = ElementTree.SubElement(feed, "entry")
        _text(item, "id", absolute_url(config, entry.url))
        _text(item, "title", entry.title)
        _text(item, "updated", rfc3339(entry.updated))
        if entry.published:
            _text(item, "published", rfc3339(entry.published))
        ElementTree.SubElement(
            item, "link", {"rel": "alternate", "type": "text/html", "href": absolute_url(config, entry.url)}
        )
        if entry.summary:
            _text(item, "summary", entry.summary)
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _text(parent: ElementTree.Element, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = text
