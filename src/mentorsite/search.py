"""Client-side search index files (issue 3 fills this in)."""

from __future__ import annotations

from .config import SiteConfig
from .index import FacetView
from .views import MentorView


def search_files(config: SiteConfig, mentors: list[MentorView], facets: list[FacetView]) -> dict[str, bytes]:
    """Files of the search index, by output path. Built only from public views."""
    return {}
