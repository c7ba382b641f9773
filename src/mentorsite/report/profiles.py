"""The site's side of the report: its profiles and facets, read through the build's own loader.

Published, accepting, capacity, stale and facet values mean what they mean in the build
(``context.published_mentors``, ``load.is_stale``, ``index.build_facet``), so the report and
the site never disagree about who is listed under what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..build import check_site
from ..config import Facet, SiteConfig
from ..context import published_mentors
from ..diagnostics import InputError
from ..index import build_facet, directory_order
from ..messages import Messages, load_messages
from .figures import FacetMembers, FacetValue, Profile


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    messages: Messages
    profiles: list[Profile]
    facets: list[FacetMembers]


def read_site(site_dir: Path, today: date) -> Site:
    """The site's profiles and facets; raises InputError with every problem if the site has errors."""
    config, loaded, report = check_site(site_dir, today=today)
    if config is None or report.errors:
        raise InputError(report.errors)
    messages, _problems = load_messages(site_dir, config.language)
    active = [m for m in loaded.mentors if m.mentor.active]
    shown = {m.slug for m in published_mentors(config, active)}
    profiles = [
        Profile(
            m.slug,
            m.mentor.name,
            m.slug in shown,
            m.mentor.availability.accepting,
            m.mentor.availability.capacity,
            m.stale,
            m.mentor.last_reviewed,
        )
        for m in active
    ]
    mentors = {m.slug: m.mentor for m in active if m.slug in shown}
    order = directory_order(mentors, config.language)
    facets = list(config.facets)
    if not any(f.source_field == "tags" for f in facets):
        # Expertise is what mentees ask for most; the report shows it even when the site has no
        # facet over it (then with no vocabulary, which validation would ask of a facet: values
        # are labelled by themselves).
        facets.append(Facet.model_construct(key="tags", label=messages.gettext("Expertise")))
    members = []
    for facet in facets:
        view = build_facet(config, facet, mentors, order, messages)
        values = tuple(FacetValue(v.key, v.label, tuple(view.members[v.key])) for v in view.values)
        members.append(FacetMembers(view.key, view.label, values))
    return Site(config, messages, profiles, members)
