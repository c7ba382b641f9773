"""The shared context of a build: what every page generator reads, built once.

Published mentors become views (with their cards), facets and the directory order; guides
and content pages become views. Generators take this plain data and never reach back to
files or settings beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from .config import SiteConfig
from .index import FacetView, build_facets, directory_order
from .load import LoadedGuide, LoadedMentor
from .messages import Messages
from .photos import PublishedPhoto
from .views import (
    GuideView,
    MentorView,
    RefMaker,
    guide_links,
    guide_placeholders,
    guide_view,
    mentor_view,
    similar_mentors,
)


@dataclass(frozen=True)
class SiteContext:
    config: SiteConfig
    #: Published mentors by slug, each with its card rendered.
    views: dict[str, MentorView]
    #: Slugs in directory order (accepting mentors first, then by name).
    order: list[str]
    facets: list[FacetView]
    #: Guides in reading order.
    guides: list[GuideView]
    #: Content pages (content/*.md outside guides/).
    pages: list[GuideView]
    #: Guide URLs by role ("first_contact", "mentee", …; views.guide_links), for the guides the site has.
    guide_links: dict[str, str]
    #: Checked photos of published mentors by slug.
    photos: dict[str, PublishedPhoto]
    #: The interface's words in the site's language (titles built in Python).
    messages: Messages


def published_mentors(config: SiteConfig, mentors: list[LoadedMentor]) -> list[LoadedMentor]:
    """Mentors the site shows: active ones, less stale profiles when the site hides those."""
    return [m for m in mentors if m.mentor.active and not (m.stale and config.stale_profiles == "hide")]


def site_context(
    config: SiteConfig,
    published: list[LoadedMentor],
    guides: list[LoadedGuide],
    photos: dict[str, PublishedPhoto],
    card: Callable[[MentorView], Markup],
    messages: Messages,
) -> SiteContext:
    """Views of everything published; `photos` are the checked photos of active mentors,
    `card` renders a mentor's card (from `_card.html`), labels speak `messages`' language."""
    photos = {m.slug: photos[m.slug] for m in published if m.slug in photos}
    mentors = {m.slug: m.mentor for m in published}
    order = directory_order(mentors, messages.language)
    facets = build_facets(config, mentors, order, messages)
    refs = RefMaker(facets, config, messages)
    views = {
        m.slug: mentor_view(
            m.slug,
            m.mentor,
            config,
            refs,
            photos[m.slug].view if m.slug in photos else None,
            m.bio_html,
            m.expectations_html,
            m.stale,
        )
        for m in published
    }
    tag_members = next((f.members for f in facets if f.field == "tags"), {})
    for view in views.values():
        if not view.accepting:
            view.similar = similar_mentors(view, views, tag_members)
    for view in views.values():
        view.card = card(view)
    placeholders = guide_placeholders(config)
    guide_views = sorted(
        (guide_view(g, placeholders) for g in guides if g.kind == "guide"), key=lambda g: (g.order, g.title)
    )
    return SiteContext(
        config=config,
        views=views,
        order=order,
        facets=facets,
        guides=guide_views,
        pages=[guide_view(g, placeholders) for g in guides if g.kind == "page"],
        guide_links=guide_links(guide_views, config),
        photos=photos,
        messages=messages,
    )
