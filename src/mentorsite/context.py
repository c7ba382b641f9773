"""The shared context of a build: what every page generator reads, built once.

Published mentors become views (with their cards), facets and the directory order; guides
and content pages become views. Generators take this plain data and never reach back to
files or settings beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from markupsafe import Markup

from .config import SiteConfig
from .derived import DerivedCache
from .index import FacetBase, FacetView, directory_order, update_facets
from .load import LoadedGuide, LoadedMentor
from .messages import Messages
from .models import Mentor, facet_values
from .photos import Photo, PublishedPhoto
from .views import (
    GuideView,
    MentorView,
    RefMaker,
    choose_similar,
    guide_links,
    guide_placeholders,
    guide_view,
    mentor_view,
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
    #: What this build derived per mentor, for generators to remember more (search tokens).
    derived: DerivedCache = field(default_factory=DerivedCache)
    #: Views whose card is still to be rendered (site_context's `cards_later`; finish_cards).
    pending_cards: list[MentorView] = field(default_factory=list)


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
    derived: DerivedCache | None = None,
    *,
    cards_later: bool = False,
) -> SiteContext:
    """Views of everything published; `photos` are the checked photos of active mentors,
    `card` renders a mentor's card (from `_card.html`), labels speak `messages`' language.

    Per mentor, views, cards and facet values come from `derived` when it has them: the
    caller began it under the settings, templates and date that `card` renders with.
    With `cards_later`, the views come without their cards, which finish_cards renders: a cold
    build starts its mentor pages, which show none, first. Its `derived` must be its own.
    """
    derived = derived or DerivedCache()
    photos = {m.slug: photos[m.slug] for m in published if m.slug in photos}
    mentors = {m.slug: m.mentor for m in published}
    # The same order while no mentor's name or availability changed: the sort collates every name.
    ordered_by = (messages.language, tuple((m.slug, m.mentor.availability.accepting, m.mentor.name) for m in published))
    order = list(derived.get("order", (), ordered_by, lambda: tuple(directory_order(mentors, messages.language))))
    fields = sorted({facet.source_field for facet in config.facets})

    def field_values(mentor: Mentor) -> tuple[dict[str, list], tuple]:
        found = {f: facet_values(mentor, f) for f in fields}
        return found, _hashable(found)

    # Each value with its signature from one entry: every entry asked for is a pass over all
    # mentors, and at 10,000 each pass costs some 20 ms (serve's rebuild is mostly such passes).
    faceted = {m.slug: derived.get("facets", (m.mentor,), None, field_values, m.mentor) for m in published}
    values = {slug: found for slug, (found, _) in faceted.items()}
    # The same facet views while no mentor's facet values nor the order changed (an edited bio or
    # headline): every listing page shows them, so its page and key are kept too (generators).
    signature = (tuple(order), tuple(faceted[s][1] for s in order))

    def made_facets() -> list[FacetView]:
        """The facets, updated from the last ones this process made (index.update_facets)."""
        found = update_facets(config, derived.base("facets"), mentors, order, messages, values)
        derived.keep_base("facets", FacetBase(mentors, order, values, found))
        return found

    facets = derived.get("facet-views", (), signature, made_facets)
    refs = RefMaker(facets, config, messages)

    def make_view(m: LoadedMentor, photo: Photo | None) -> tuple[MentorView, tuple]:
        view = mentor_view(m.slug, m.mentor, config, refs, photo, m.bio_html, m.expectations_html, m.stale, m.text_lang)
        return view, similar_key(view)

    def base_view(m: LoadedMentor) -> tuple[MentorView, tuple]:
        """The view without similar mentors nor card, and what similar_mentors reads of it."""
        photo = photos[m.slug].view if m.slug in photos else None
        return derived.get("view", (m,), (photo, m.stale), make_view, m, photo)

    def make_finished(base: MentorView, similar: list[MentorView]) -> MentorView:
        view = replace(base, similar=similar)
        if cards_later:
            pending.append(view)
        else:
            view.card = card(view)
        return view

    def finished(base: MentorView, similar: list[MentorView]) -> MentorView:
        """The view with its similar mentors and its card: a new object, views once made are never edited."""
        return derived.get("card", (base, *similar), None, make_finished, base, similar)

    pending: list[MentorView] = []
    based = {m.slug: base_view(m) for m in published}
    bases = {slug: view for slug, (view, _) in based.items()}
    views = {slug: finished(base, []) for slug, base in bases.items() if base.accepting}

    def similar_slugs(keys: dict[str, tuple]) -> dict[str, list[str]]:
        """Each not-accepting mentor's similar ones, updated from the last choice this process made."""
        tag_members = next((f.members for f in facets if f.field == "tags"), {})
        choice = choose_similar(bases, keys, tag_members, derived.base("similar"))
        derived.keep_base("similar", choice)
        return choice.chosen

    # What the choice reads of every mentor: an edited bio or headline keeps every list.
    keys = {slug: key for slug, (_, key) in based.items()}
    for slug, chosen in derived.get("similar", (), tuple(keys.values()), similar_slugs, keys).items():
        views[slug] = finished(bases[slug], [views[s] for s in chosen])
    views = {slug: views[slug] for slug in bases}  # in the order of `published`, as the build always had them
    placeholders = guide_placeholders(config)

    def rendered(g: LoadedGuide) -> GuideView:
        # load_site sets a guide's files at every build (they depend on the folder too).
        return derived.get("guide", (g,), tuple(g.files), partial(guide_view, g, placeholders))

    guide_views = sorted((rendered(g) for g in guides if g.kind == "guide"), key=lambda g: (g.order, g.title))
    return SiteContext(
        config=config,
        views=views,
        order=order,
        facets=facets,
        guides=guide_views,
        pages=[rendered(g) for g in guides if g.kind == "page"],
        guide_links=guide_links(guide_views, config),
        photos=photos,
        messages=messages,
        derived=derived,
        pending_cards=pending,
    )


def finish_cards(site: SiteContext, card: Callable[[MentorView], Markup]) -> None:
    """Render the cards site_context left for later (`cards_later`); no view is shown by a
    listing, search or match before."""
    for view in site.pending_cards:
        view.card = card(view)
    site.pending_cards.clear()


def _hashable(values: dict[str, list]) -> tuple:
    """A mentor's facet values as a hashable, comparable signature."""
    return tuple((field, tuple(map(repr, found))) for field, found in values.items())


def similar_key(view: MentorView) -> tuple:
    """What similar_mentors reads of a mentor (the directory order follows from it too)."""
    return (view.slug, view.accepting, view.name, tuple(tag.key for tag in view.tags))
