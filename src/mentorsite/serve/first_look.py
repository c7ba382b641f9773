"""A first look at an edited profile: its page, rendered before the build that makes every page.

Serve's full rebuild of a big site takes a second or more (it re-checks every rule and makes
every listing), while an editor watches one page: the one of the profile they are saving.
As Hugo's fast render does for the pages open in a browser, that page is rendered first,
from the last good build's settings, templates and context, and shown at once; the full
build follows and replaces it (a second reload only when its page came out different).

Only the plain case gets a first look: single-language sites, profiles that were published
and still are, and edits that move nothing else (the same facet values, name, availability
and photo). Anything else, or any problem at all, waits for the full build, which reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path

from ..build import Tree
from ..context import published_mentors, similar_key
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
    if not all(_is_profile(rel) for rel in changed):
        return {}  # settings, templates, guides or photos: the last context no longer holds
    site = last.tree.site
    pages: dict[str, bytes] = {}
    added: set[str] = set()
    for rel in sorted(changed):
        old = next((m for m in last.loaded.mentors if m.path == rel), None)
        new = _read(site_dir, rel, last)
        if old is None or new is None or old.slug not in site.views:
            return {}
        view = _view(site.views[old.slug], old, new, last.tree)
        if view is None:
            return {}
        added |= {new.mentor.email} if new.mentor.email else set()
        page = mentor_page(site, view)
        pages[page.path] = last.tree.renderer.page(page).encode("utf-8")
    # As Staging checks every page a build writes: a private address anywhere, no first look.
    edited = PrivateStrings(frozenset(added))
    leaked = any(last.private.found_in(text) or edited.found_in(text) for text in pages.values())
    return {} if leaked else pages


def warm(last: LastBuild | None) -> None:
    """Load the templates a first look renders with in this process (a cold build renders its
    pages in worker processes): the first edit's look would take a third of a second more."""
    if last is not None and last.tree.site.views:
        last.tree.renderer.page(mentor_page(last.tree.site, next(iter(last.tree.site.views.values()))))


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
    if mentor is None or any(p.is_error for p in problems) or not published_mentors(config, [mentor]):
        return None
    return mentor


def _view(shown: MentorView, old: LoadedMentor, new: LoadedMentor, tree: Tree) -> MentorView | None:
    """The edited mentor's finished view, or None when the edit moves more than its own page."""
    site, config = tree.site, tree.config
    if new.slug != old.slug or new.mentor.photo != old.mentor.photo or new.stale != old.stale:
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
