"""The shared context of a build: what every page generator reads, built once.

Published mentors become views (with their cards), facets and the directory order; guides
and content pages become views. Generators take this plain data and never reach back to
files or settings beyond it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from markupsafe import Markup

from .config import SiteConfig
from .derived import DerivedCache
from .index import FacetBase, FacetView, directory_order, update_facets
from .load import LoadedGuide, LoadedMentor
from .messages import Messages
from .models import Mentor, facet_values
from .photos import Photo, PublishedPhoto
from .replaced import filtered
from .views import (
    GuideView,
    MentorView,
    RefMaker,
    SimilarChoice,
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
    #: What the mentors' part of this context was made as (a _MentorPart): a stage that keeps
    #: its last result (DerivedCache.keep_base) keeps this with it, and asks `changed_since`
    #: which mentors it must make again.
    made_as: Any = None

    def changed_since(self, made_as: Any) -> frozenset[str] | None:
        """The slugs whose view is not the one of the context `made_as` came from (another
        object, or there only), or None when that is not known. Views are never edited once
        made, and their cards are made under the settings the build's DerivedCache began with,
        so an unchanged view is an unchanged mentor on every page that shows one."""
        if made_as is None or self.made_as is None:
            return None
        if made_as is self.made_as:
            return frozenset()
        known = self._changes.get(id(made_as))
        if known is None or known[0] is not made_as:
            last: dict[str, MentorView] = made_as.views
            found = {slug for slug, view in self.views.items() if last.get(slug) is not view}
            known = self._changes[id(made_as)] = (made_as, frozenset(found | (last.keys() - self.views.keys())))
        return known[1]

    #: changed_since's answers, by the identity of what it was asked about (kept alive here).
    _changes: dict[int, tuple[Any, frozenset[str]]] = field(default_factory=dict, repr=False, compare=False)


def published_mentors(config: SiteConfig, mentors: list[LoadedMentor]) -> list[LoadedMentor]:
    """Mentors the site shows (is_published), from the last answer for the site's whole list
    but at the profiles that changed (replaced.filtered): call it with the whole list only."""
    return filtered(("published", config.stale_profiles), mentors, partial(is_published, config))


def is_published(config: SiteConfig, mentor: LoadedMentor) -> bool:
    """Whether the site shows the mentor: active, and not stale when the site hides those."""
    return mentor.mentor.active and not (mentor.stale and config.stale_profiles == "hide")


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
    caller began it under the settings, templates and date that `card` renders with. When it
    holds the last context this process made and the same profiles are published (a few of
    them edited), that context is updated for the edited ones (_MentorPart), not made again.
    With `cards_later`, the views come without their cards, which finish_cards renders: a cold
    build starts its mentor pages, which show none, first. Its `derived` must be its own.
    """
    derived = derived or DerivedCache()
    photos = {m.slug: photos[m.slug] for m in published if m.slug in photos}
    pending: list[MentorView] = []
    make = _MentorMaker(config, card, messages, derived, photos, pending if cards_later else None)
    before = None if cards_later else derived.base("site")
    edited = before.edited(published, photos) if before is not None else None
    part = make.updated(before, edited) if before is not None and edited is not None else make.all(published)
    derived.keep_base("site", part)
    placeholders = guide_placeholders(config)

    def rendered(g: LoadedGuide) -> GuideView:
        # load_site sets a guide's files at every build (they depend on the folder too).
        return derived.get("guide", (g,), tuple(g.files), partial(guide_view, g, placeholders))

    guide_views = sorted((rendered(g) for g in guides if g.kind == "guide"), key=lambda g: (g.order, g.title))
    return SiteContext(
        config=config,
        views=part.views,
        order=list(part.order),
        facets=part.facets,
        guides=guide_views,
        pages=[rendered(g) for g in guides if g.kind == "page"],
        guide_links=guide_links(guide_views, config),
        photos=photos,
        messages=messages,
        derived=derived,
        pending_cards=pending,
        made_as=part if not cards_later else None,
    )


#: More profiles edited since the last context than this: it is made again, not updated.
MOST_EDITED = 64


@dataclass(frozen=True)
class _MentorPart:
    """The mentors' part of a site context, with what it was made from: the base the next
    context of the same process updates (DerivedCache.base("site")). Never edited once made."""

    published: dict[str, LoadedMentor]
    photos: dict[str, PublishedPhoto]
    mentors: dict[str, Mentor]
    order: tuple[str, ...]
    #: slug -> (its facet values, their signature)
    faceted: dict[str, tuple[dict[str, list], bytes]]
    values: dict[str, dict[str, list]]
    facets: list[FacetView]
    #: slug -> (its view without similar mentors nor card, its similar_key)
    based: dict[str, tuple[MentorView, tuple]]
    bases: dict[str, MentorView]
    keys: dict[str, tuple]
    choice: SimilarChoice
    views: dict[str, MentorView]

    def edited(
        self, published: list[LoadedMentor], photos: dict[str, PublishedPhoto]
    ) -> dict[str, LoadedMentor] | None:
        """The profiles of `published` that are not this part's (another object, another photo),
        by slug; None when the published slugs or their order changed, or too many did."""
        if len(published) != len(self.published):
            return None
        edited = {}
        for loaded, (slug, was) in zip(published, self.published.items(), strict=True):
            if loaded is not was:
                if loaded.slug != slug:
                    return None
                edited[slug] = loaded
        if photos != self.photos:
            for slug in photos.keys() | self.photos.keys():
                if photos.get(slug) != self.photos.get(slug):
                    edited[slug] = next(m for m in published if m.slug == slug)
        return edited if len(edited) <= MOST_EDITED else None


class _MentorMaker:
    """Makes the mentors' part of a context, all of it or updated from the last one; what it
    derives per mentor comes from (and goes to) the process's DerivedCache."""

    def __init__(
        self,
        config: SiteConfig,
        card: Callable[[MentorView], Markup],
        messages: Messages,
        derived: DerivedCache,
        photos: dict[str, PublishedPhoto],
        pending: list[MentorView] | None,
    ) -> None:
        self.config, self.card, self.messages, self.derived = config, card, messages, derived
        self.photos = photos
        #: Views whose card is left for later (cards_later), else None.
        self.pending = pending
        self.fields = sorted({facet.source_field for facet in config.facets})

    def all(self, published: list[LoadedMentor]) -> _MentorPart:
        """The part made from every profile (the cached per-mentor values reused)."""
        derived, messages = self.derived, self.messages
        mentors = {m.slug: m.mentor for m in published}
        order = self.order(published, mentors)
        # Each value with its signature from one entry: every entry asked for is a pass over all
        # mentors, and at 10,000 each pass costs some 20 ms (serve's rebuild is mostly such passes).
        faceted = {m.slug: derived.get("facets", (m.mentor,), None, self.field_values, m.mentor) for m in published}
        values = {slug: found for slug, (found, _) in faceted.items()}
        # The same facet views while no mentor's facet values nor the order changed (an edited
        # bio or headline): every listing page shows them, so its page and key are kept too.
        signature = (order, tuple(faceted[s][1] for s in order))

        def made_facets() -> list[FacetView]:
            """The facets, updated from the last ones this process made (index.update_facets)."""
            found = update_facets(self.config, derived.base("facets"), mentors, list(order), messages, values)
            derived.keep_base("facets", FacetBase(mentors, list(order), values, found))
            return found

        facets = derived.get("facet-views", (), signature, made_facets)
        refs = RefMaker(facets, self.config, messages)
        based = {m.slug: self.base_view(m, refs) for m in published}
        bases = {slug: view for slug, (view, _) in based.items()}
        keys = {slug: key for slug, (_, key) in based.items()}
        views = {slug: self.finished(base, []) for slug, base in bases.items() if base.accepting}
        # What the choice reads of every mentor: an edited bio or headline keeps every list.
        choice = derived.get("similar", (), tuple(keys.values()), self.choose, bases, keys, facets)
        for slug, chosen in choice.chosen.items():
            views[slug] = self.finished(bases[slug], [views[s] for s in chosen])
        views = {slug: views[slug] for slug in bases}  # in the order of `published`, as the build always had them
        published_by = {m.slug: m for m in published}
        return _MentorPart(
            published_by, self.photos, mentors, order, faceted, values, facets, based, bases, keys, choice, views
        )

    def updated(self, before: _MentorPart, edited: dict[str, LoadedMentor]) -> _MentorPart:
        """`before` with the `edited` profiles (by slug) in place: what `all` would make, in
        passes over the edited mentors and the lists they are in, not over every mentor."""
        if not edited:
            return before
        published, mentors = dict(before.published), dict(before.mentors)
        faceted, values = dict(before.faceted), dict(before.values)
        for slug, loaded in edited.items():
            published[slug], mentors[slug] = loaded, loaded.mentor
            faceted[slug] = self.derived.get("facets", (loaded.mentor,), None, self.field_values, loaded.mentor)
            values[slug] = faceted[slug][0]
        moved = any(_place(mentors[slug]) != _place(before.mentors[slug]) for slug in edited)
        order = self.order(list(published.values()), mentors) if moved else before.order
        facets = before.facets
        if moved or any(faceted[slug][1] != before.faceted[slug][1] for slug in edited):
            base = FacetBase(before.mentors, list(before.order), before.values, before.facets)
            facets = update_facets(self.config, base, mentors, list(order), self.messages, values)
        refs = RefMaker(facets, self.config, self.messages)
        based, bases, keys = dict(before.based), dict(before.bases), dict(before.keys)
        for slug, loaded in edited.items():
            based[slug] = self.base_view(loaded, refs)
            bases[slug], keys[slug] = based[slug]
        choice = before.choice
        if any(keys[slug] != before.keys[slug] for slug in edited):
            choice = self.choose(bases, keys, facets, before.choice, set(edited))
        views = dict(before.views)
        shown = set()  # accepting mentors with a new finished view: the lists showing them change
        for slug in edited:
            if bases[slug].accepting:
                views[slug] = self.finished(bases[slug], [])
                if views[slug] is not before.views[slug]:
                    shown.add(slug)
        last = before.choice.chosen
        for slug, chosen in choice.chosen.items():
            if slug in edited or chosen != last.get(slug) or not shown.isdisjoint(chosen):
                views[slug] = self.finished(bases[slug], [views[s] for s in chosen])
        return _MentorPart(
            published, self.photos, mentors, order, faceted, values, facets, based, bases, keys, choice, views
        )

    def order(self, published: list[LoadedMentor], mentors: dict[str, Mentor]) -> tuple[str, ...]:
        """The directory order; the same while no mentor's name or availability changed (the
        sort collates every name)."""
        language = self.messages.language
        ordered_by = (language, tuple((m.slug, *_place(m.mentor)) for m in published))
        return self.derived.get("order", (), ordered_by, lambda: tuple(directory_order(mentors, language)))

    def field_values(self, mentor: Mentor) -> tuple[dict[str, list], bytes]:
        found = {f: facet_values(mentor, f) for f in self.fields}
        return found, _signature(found)

    def base_view(self, m: LoadedMentor, refs: RefMaker) -> tuple[MentorView, tuple]:
        """The view without similar mentors nor card, and what similar_mentors reads of it."""
        photo = self.photos[m.slug].view if m.slug in self.photos else None
        return self.derived.get("view", (m,), (photo, m.stale), self._make_view, m, photo, refs)

    def _make_view(self, m: LoadedMentor, photo: Photo | None, refs: RefMaker) -> tuple[MentorView, tuple]:
        view = mentor_view(
            m.slug, m.mentor, self.config, refs, photo, m.bio_html, m.expectations_html, m.stale, m.text_lang
        )
        return view, similar_key(view)

    def finished(self, base: MentorView, similar: list[MentorView]) -> MentorView:
        """The view with its similar mentors and its card: a new object, views once made are never edited."""
        return self.derived.get("card", (base, *similar), None, self._make_finished, base, similar)

    def _make_finished(self, base: MentorView, similar: list[MentorView]) -> MentorView:
        view = replace(base, similar=similar)
        if self.pending is not None:
            self.pending.append(view)
        else:
            view.card = self.card(view)
        return view

    def choose(
        self,
        bases: dict[str, MentorView],
        keys: dict[str, tuple],
        facets: list[FacetView],
        before: SimilarChoice | None = None,
        changed: set[str] | None = None,
    ) -> SimilarChoice:
        """Each not-accepting mentor's similar ones, updated from `before`, else from the last
        choice this process made."""
        tag_members = next((f.members for f in facets if f.field == "tags"), {})
        choice = choose_similar(bases, keys, tag_members, before or self.derived.base("similar"), changed)
        self.derived.keep_base("similar", choice)
        return choice


def _place(mentor: Mentor) -> tuple[bool, str]:
    """What a mentor's place in the directory order depends on (index.directory_order)."""
    return mentor.availability.accepting, mentor.name


def finish_cards(site: SiteContext, card: Callable[[MentorView], Markup]) -> None:
    """Render the cards site_context left for later (`cards_later`); no view is shown by a
    listing, search or match before."""
    for view in site.pending_cards:
        view.card = card(view)
    site.pending_cards.clear()


def _signature(values: dict[str, list]) -> bytes:
    """A mentor's facet values as a comparable signature: a digest of their repr (the tuple of
    reprs this was held 16 MB at 10,000 mentors, for comparisons only). A repr escapes what
    UTF-8 cannot encode."""
    return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=16).digest()


def similar_key(view: MentorView) -> tuple:
    """What similar_mentors reads of a mentor (the directory order follows from it too)."""
    return (view.slug, view.accepting, view.name, tuple(tag.key for tag in view.tags))
