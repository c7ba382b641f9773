"""A first look at an edited profile: its page, rendered before the build that makes every page.

Serve's full rebuild of a big site takes a second or more (it re-checks every rule and makes
every listing), while an editor watches one page: the one of the profile they are saving.
As Hugo's fast render does for the pages open in a browser, that page is rendered first,
from the last good build's settings, templates and context, and shown at once; the full
build follows and replaces it (a second reload only when its page came out different).

A first look is for single-language sites and at most three saved profiles, each published
before and after, under the same file name and photo. An edit that moves nothing else (the
same facet values, name and availability: a bio, a headline) reuses the last build's context
as it is (a hundredth of a second at 10,000 mentors). One that moves more (a tag, the name,
the availability) makes the site's context again with the edited profiles in place, from
the views, facets and order the process already holds (derived.DerivedCache): the facets,
the counts of the sidebar and the suggested mentors are then the ones the full build shows.
It reads no file but the saved profiles, and changes nothing the build will read (what it
adds to the cache is what the build would derive). Anything else, or any problem at all,
waits for the full build, which reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, partial
from pathlib import Path

from ..build import Tree, content_globals
from ..context import SiteContext, is_published, published_mentors, similar_key, site_context
from ..generators import mentor_page
from ..load import MAX_GUIDE_BYTES, Loaded, LoadedMentor, profile_context, read_capped, read_profile
from ..models import facet_values
from ..views import MentorView, RefMaker, mentor_view
from ..write import PrivateStrings

#: More profiles saved at once than this (a checkout, a search-and-replace): no first look.
MOST_PROFILES = 3


@dataclass(frozen=True)
class LastBuild:
    """What the first look reads of the last good build: its one language tree and its profiles."""

    tree: Tree
    loaded: Loaded
    today: date
    #: The addresses its pages were checked against (Staging's).
    private: PrivateStrings

    @cached_property
    def profile_context(self) -> dict:
        return profile_context(self.tree.config)


def first_look(site_dir: Path, changed: set[str], last: LastBuild | None) -> dict[str, bytes]:
    """The pages of the edited profiles among `changed` (paths relative to the site), by
    output path, as the full build will make them; empty when any change is not a plain
    edit of a published profile, or anything about it is wrong (the full build reports it)."""
    if last is None or not changed or len(changed) > MOST_PROFILES or date.today() != last.today:
        return {}
    changed = {rel for rel in changed if not _save_leftover(site_dir, rel, last)}
    if not changed or not all(_is_profile(rel) for rel in changed):
        return {}  # settings, templates, guides or photos: the last context no longer holds
    site = last.tree.site
    edits: dict[str, LoadedMentor] = {}
    olds: dict[str, LoadedMentor] = {}
    for rel in sorted(changed):
        old = next((m for m in last.loaded.mentors if m.path == rel), None)
        new = _read(site_dir, rel, last)
        if old is None or new is None or old.slug not in site.views:
            return {}
        if new.slug != old.slug or new.mentor.photo != old.mentor.photo:
            return {}  # a photo is checked (and copied) by the build
        edits[rel], olds[rel] = new, old
    plain = [_plain_view(site.views[new.slug], olds[rel], new, last.tree) for rel, new in edits.items()]
    if all(view is not None for view in plain):
        pages = _render(last.tree, site, [view for view in plain if view is not None])
    elif last.tree.derived.settings is None:
        return {}  # nothing derived is kept (a card reads more than its view): as slow as the build
    else:
        site = _site_with(edits, last)
        pages = _render(last.tree, site, [site.views[new.slug] for new in edits.values()])
    # As Staging checks every page a build writes: a private address anywhere, no first look.
    edited = PrivateStrings(frozenset(new.mentor.email for new in edits.values() if new.mentor.email))
    leaked = any(last.private.found_in(text) or edited.found_in(text) for text in pages.values())
    return {} if leaked else pages


def _render(tree: Tree, site: SiteContext, views: list[MentorView]) -> dict[str, bytes]:
    """The pages of `views`, by output path, rendered with the template globals `site` gives
    (build.content_globals; the tree's own come back after)."""
    env = tree.renderer.env
    made = content_globals(tree.renderer, site) if site is not tree.site else {}
    own = {name: env.globals[name] for name in made}
    env.globals |= made
    try:
        return {page.path: tree.renderer.page(page).encode("utf-8") for page in map(partial(mentor_page, site), views)}
    finally:
        env.globals |= own


def _site_with(edits: dict[str, LoadedMentor], last: LastBuild) -> SiteContext:
    """The last build's context made again with the edited profiles (by path) in place, as the
    full build will make it: the process's derived cache holds every other mentor's view and
    card, so this costs a pass over the mentors, and whatever order, facets and suggestions
    the edit moves (which the build then finds made)."""
    tree = last.tree
    mentors = [edits.get(m.path, m) for m in last.loaded.mentors]
    return site_context(
        tree.config,
        published_mentors(tree.config, mentors),
        last.loaded.guides,
        last.loaded.photos,
        tree.renderer.card,
        tree.site.messages,
        tree.derived,
    )


def warm(last: LastBuild | None) -> None:
    """Load the templates a first look renders with in this process (a cold build renders its
    pages in worker processes): the first edit's look would take a third of a second more."""
    if last is not None and last.tree.site.views:
        last.tree.renderer.page(mentor_page(last.tree.site, next(iter(last.tree.site.views.values()))))


def _save_leftover(site_dir: Path, rel: str, last: LastBuild) -> bool:
    """Whether `rel` is what a save by rename leaves behind: a file that is gone, and neither a
    profile nor a photo the last build published (sed -i, for one, writes `mentors/sedXXXXXX`
    and renames it over the profile; the watcher reports both)."""
    if _is_profile(rel) or (site_dir / rel).exists():
        return False
    return not any(photo.source.as_posix().endswith("/" + rel) for photo in last.loaded.photos.values())


def _is_profile(rel: str) -> bool:
    folder, _, name = rel.partition("/")
    return folder == "mentors" and "/" not in name and name.endswith((".yaml", ".yml"))


def _read(site_dir: Path, rel: str, last: LastBuild) -> LoadedMentor | None:
    """The profile as the full build loads it, or None if it does not validate cleanly."""
    try:
        raw = read_capped(site_dir / rel)
    except OSError:
        return None  # deleted or replaced meanwhile: the full build sees what happened
    if len(raw) > MAX_GUIDE_BYTES:
        return None
    config = last.tree.config
    mentor, problems = read_profile(
        rel, raw, last.profile_context, today=last.today, review_after_months=config.review_after_months
    )
    # (is_published, not published_mentors: its last answer is for the build's whole list)
    if mentor is None or any(p.is_error for p in problems) or not is_published(config, mentor):
        return None
    return mentor


def _plain_view(shown: MentorView, old: LoadedMentor, new: LoadedMentor, tree: Tree) -> MentorView | None:
    """The edited mentor's finished view in the last build's context, or None when the edit
    moves more than its own page (its facet values, its place in the directory, suggestions)."""
    site, config = tree.site, tree.config
    if new.stale != old.stale:
        return None
    fields = {facet.source_field for facet in config.facets}
    if any(repr(facet_values(new.mentor, f)) != repr(facet_values(old.mentor, f)) for f in fields):
        return None  # listings, facet pages and counts change too
    photo = site.photos[new.slug].view if new.slug in site.photos else None
    refs = RefMaker(site.facets, config, site.messages)
    view = mentor_view(
        new.slug, new.mentor, config, refs, photo, new.bio_html, new.expectations_html, new.stale, new.text_lang
    )
    if similar_key(view) != similar_key(shown):
        return None  # the directory order and other mentors' suggestions change
    view = replace(view, similar=shown.similar)
    view.card = tree.renderer.card(view)
    return view
