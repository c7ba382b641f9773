"""One generator per kind of output, each reading the shared context and returning records.

A generator decides paths, templates and contexts; it renders and writes nothing (the
runner does), so each can be read, tested and later cached on its own.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from itertools import compress
from operator import attrgetter, methodcaller
from pathlib import Path
from typing import Any, NamedTuple

from . import cms, feeds, search
from .card_fonts import fallback_fonts, font_files
from .cldr import timezone_name
from .context import SiteContext
from .index import FacetHeading, FacetValueView, FacetView
from .messages import Messages, label_in_sentence, script_messages, script_messages_name
from .outputs import ALL_GUIDES, ALL_MENTORS, Copy, Drawn, File, Inputs, Output, Page
from .pagination import chunks, page_url, pagination
from .photos import PublishedPhoto, publish_photos
from .previews import (
    Crumb,
    Preview,
    ProfilePreview,
    SocialImage,
    absolute_url,
    guide_preview,
    site_preview,
)
from .render import asset_sources
from .replaced import replaced
from .social_cards import HEIGHT, WIDTH, CardSpec, shaping_available
from .stats import site_stats
from .views import GuideView, MentorView

#: How many featured and newest mentors the home page shows.
FEATURED = 6
NEWEST = 6

EVERYTHING = Inputs(all_mentors=True, all_guides=True)


def _page(
    site: SiteContext,
    path: str,
    title: str,
    description: str,
    *,
    updated: date | None = None,
    preview: Preview | ProfilePreview | None = None,
    crumbs: Sequence[Crumb] = (),
) -> dict[str, Any]:
    """The `page` every template gets: its URL path, title and description; when its content
    last changed (the sitemap's lastmod); its link preview (JSON-LD, Open Graph), by default
    the site's with the breadcrumb trail `crumbs`."""
    if preview is None:
        # The same preview object from build to build (serve): built and digested once.
        image = site_image(site)
        preview = site.derived.get(
            "site-preview",
            (),
            (path, title, image, tuple(crumbs)),
            lambda: site_preview(site.config, path, title, image, crumbs),
        )
    return {"path": path, "title": title, "description": description, "updated": updated, "preview": preview}


def _newest(days: Iterable[date | None]) -> date | None:
    return max((d for d in days if d), default=None)


def _tally(site: SiteContext, name: str, key: Callable[[MentorView], Hashable]) -> Counter:
    """How many views give each value of `key` (which reads the view alone): the last build's
    tally under `name`, updated at the views changed since (serve), or counted over them all."""
    last = site.derived.base(name)
    changed = site.changed_since(last[0]) if last is not None else None
    if last is None or changed is None:
        counts = Counter(map(key, site.views.values()))
    else:
        counts = last[1]
        if changed:
            counts, before = counts.copy(), last[0].views
            for slug in changed:
                if slug in before:
                    counts[key(before[slug])] -= 1
                if slug in site.views:
                    counts[key(site.views[slug])] += 1
            counts = +counts  # (no value with no view)
    site.derived.keep_base(name, (site.made_as, counts))
    return counts


_TIMEZONE = attrgetter("timezone")
_UPDATED = attrgetter("updated")
_PATH = attrgetter("path")


#: Where the social cards go: one per mentor, per guide, and one for every other page.
SITE_CARD = "social/site.png"


def mentor_card_path(slug: str) -> str:
    return f"social/mentors/{slug}.png"


def guide_card_path(slug: str) -> str:
    return f"social/guides/{slug}.png"


def _image(site: SiteContext, path: str, alt: str) -> SocialImage | None:
    if not site.config.previews.social_cards:
        return None
    return SocialImage(absolute_url(site.config, path), WIDTH, HEIGHT, alt)


def site_image(site: SiteContext) -> SocialImage | None:
    return _image(site, SITE_CARD, site.config.title)


def mentor_crumbs(site: SiteContext, mentor: MentorView) -> list[Crumb]:
    return [_mentors_crumb(site.messages.gettext("Mentors")), Crumb(mentor.name, mentor.url)]


@lru_cache(maxsize=64)
def _mentors_crumb(label: str) -> Crumb:
    # One object for every profile's trail (a build holds 10,000 of them while it renders).
    return Crumb(label, "mentors/")


def guide_crumbs(site: SiteContext, guide: GuideView) -> list[Crumb]:
    """A guide's trail; a content page shows none."""
    if guide.kind != "guide":
        return []
    return [Crumb(site.messages.gettext("Guides"), "guides/"), Crumb(guide.title, guide.url)]


def assets(site_dir: Path, messages: Messages) -> Iterator[File]:
    """The theme's assets, and the site's over them; their hashes version the URLs in pages.
    Last, the words of the browser scripts among them in the site's language."""
    scripts = []
    for name, source in asset_sources(site_dir).items():
        data = source.read_bytes()
        if name.endswith(".js"):
            scripts.append(data)
        yield File(f"assets/{name}", f"templates/assets/{name}", data)
    name = script_messages_name(messages.language)
    yield File(f"assets/{name}", "message catalogue", script_messages(messages, scripts))


def photos(site_dir: Path, published: dict[str, PublishedPhoto]) -> Iterator[Copy]:
    """Mentors' photos in their published sizes (resized once, then taken from the cache)."""
    for output, cached, origin in publish_photos(site_dir, published):
        yield Copy(output, origin, cached)


def _in_order(site: SiteContext) -> tuple[MentorView, ...]:
    return tuple(map(site.views.__getitem__, site.order))


class _HomeSummary(NamedTuple):
    newest: list[MentorView]
    updated: date | None
    accepting: int
    featured: list[MentorView]


def _home_summary(shown: tuple[MentorView, ...]) -> _HomeSummary:
    # The first few of sorted(…, reverse=True), without sorting every mentor.
    newest = heapq.nlargest(NEWEST, (v for v in shown if v.joined), key=lambda v: (v.joined, v.slug))
    return _HomeSummary(
        newest,
        _newest(v.updated for v in shown),
        sum(1 for v in shown if v.accepting),
        [v for v in shown if v.featured][:FEATURED],
    )


def _summary(site: SiteContext) -> _HomeSummary:
    """The home page's summary: the last build's while no view changed (serve, after an edit
    of a guide or a template), updated for the mentors whose views changed, or made again:
    four passes over every mentor spared."""
    last = site.derived.base("home")
    changed = site.changed_since(last[0]) if last is not None else None
    summary = None
    if last is not None and changed is not None and last[1] == site.order:
        summary = _updated_summary(last[2], [last[0].views[s] for s in changed], [site.views[s] for s in changed])
    if summary is None:
        summary = _home_summary(_in_order(site))
    site.derived.keep_base("home", (site.made_as, list(site.order), summary))
    return summary


def _updated_summary(last: _HomeSummary, before: list[MentorView], after: list[MentorView]) -> _HomeSummary | None:
    """`last` with the views `before` replaced by `after` (the same mentors, in the same
    places), or None when it must be made again: a mentor among the newest or the featured,
    or the one last updated, changed."""
    if not before:
        return last
    newest = {id(v) for v in last.newest}
    if any(id(v) in newest or v.featured for v in before) or any(v.featured for v in after):
        return None
    if last.updated is not None and any(v.updated == last.updated for v in before):
        return None
    return _HomeSummary(
        heapq.nlargest(NEWEST, [*last.newest, *(v for v in after if v.joined)], key=lambda v: (v.joined, v.slug)),
        _newest([last.updated, *(v.updated for v in after)]),
        last.accepting - sum(1 for v in before if v.accepting) + sum(1 for v in after if v.accepting),
        last.featured,
    )


def _newest_joined(site: SiteContext, count: int) -> list[MentorView]:
    """The `count` newest mentors by `joined` (then slug), newest first: the last build's
    updated for the mentors whose views changed while none of them was among these (serve),
    or found again over every mentor."""
    last = site.derived.base("newest joined")
    changed = site.changed_since(last[0]) if last is not None else None
    top = None
    if last is not None and changed is not None and last[1] == count and last[2] == site.order:
        shown = {id(v) for v in last[3]}
        if not any(id(last[0].views[s]) in shown for s in changed):
            after = (site.views[s] for s in changed)
            top = heapq.nlargest(count, [*last[3], *(v for v in after if v.joined)], key=_joined_key)
    if top is None:
        top = heapq.nlargest(count, (v for v in _in_order(site) if v.joined), key=_joined_key)
    site.derived.keep_base("newest joined", (site.made_as, count, list(site.order), top))
    return top


def _joined_key(view: MentorView) -> tuple:
    return view.joined, view.slug


def home(site: SiteContext) -> Iterator[Page]:
    order = site.order
    summary = _summary(site)
    updated = _newest([summary.updated, *(g.updated for g in site.guides)])
    yield Page(
        "index.html",
        "home page",
        "home.html",
        {
            "page": _page(site, "", site.config.title, site.config.description, updated=updated),
            "total": len(order),
            "accepting_count": summary.accepting,
            "featured": [v.card for v in summary.featured],
            "newest": [v.card for v in summary.newest],
            "guides": site.guides,
            "facets": site.facets,
        },
        EVERYTHING,
    )


def _listing(
    site: SiteContext,
    base: str,
    slugs: list[str],
    template: str,
    origin: str,
    title: str,
    description: str,
    crumbs: Sequence[Crumb] = (),
    *,
    last: Sequence[Page] = (),
    changed: frozenset[str] | None = None,
    **context: Any,
) -> Iterator[Page]:
    """A paginated listing of mentor cards at base, base/page/2/, …; each page's `updated` is
    the newest of the mentors it lists. `last`: the same listing's pages as the last build made
    them, from the same words and the same slugs in the same order; of these, the pages that
    list none of the slugs `changed` since are the ones this build makes."""
    pages = chunks(slugs, site.config.per_page)
    reuse = changed if len(last) == len(pages) else None
    for number, chunk in enumerate(pages, start=1):
        if reuse is not None and reuse.isdisjoint(chunk):
            # Kept whole, not asked of the derived cache, which may have dropped it meanwhile.
            yield last[number - 1]
            continue
        # The same page object while its cards, settings and context are (serve): its key is
        # then not computed again (buildcache digests a context once per object).
        views = tuple(map(site.views.__getitem__, chunk))
        yield site.derived.get(
            "listing",
            (*views, *context.values()),
            (base, number, len(pages), len(slugs), template, origin, title, description, tuple(crumbs), tuple(context)),
            _listing_page,
            site,
            base,
            chunk,
            number,
            len(pages),
            len(slugs),
            template,
            origin,
            title,
            description,
            crumbs,
            context,
        )


def _listing_page(
    site: SiteContext,
    base: str,
    chunk: list[str],
    number: int,
    total_pages: int,
    total: int,
    template: str,
    origin: str,
    title: str,
    description: str,
    crumbs: Sequence[Crumb],
    context: dict[str, Any],
) -> Page:
    path = page_url(base, number)
    shown = title
    if number > 1:
        shown = site.messages.gettext(
            "%(title)s (page %(number)s of %(total)s)", title=title, number=number, total=total_pages
        )
    return Page(
        f"{path}index.html",
        origin,
        template,
        {
            "page": _page(
                site,
                path,
                shown,
                description,
                updated=_newest(site.views[s].updated for s in chunk),
                crumbs=crumbs,
            ),
            "breadcrumbs": list(crumbs),
            "cards": [site.views[s].card for s in chunk],
            "pagination": pagination(base, number, total_pages),
            "total": total,
            **context,
        },
        ALL_MENTORS,
    )


def directory(site: SiteContext) -> Iterator[Page]:
    yield from _listing(
        site,
        "mentors/",
        site.order,
        "directory.html",
        "mentor directory",
        site.messages.gettext("Mentor directory"),
        site.messages.ngettext(
            "The %(count)s mentor of %(organisation)s.",
            "All %(count)s mentors of %(organisation)s.",
            len(site.order),
            organisation=site.config.organisation,
        ),
    )


#: The template of mentor pages.
MENTOR_TEMPLATE = "mentor.html"


def mentor_pages(site: SiteContext) -> list[Page]:
    """A page per published mentor, in directory order.

    The same page object while the view (with its similar mentors) and the settings are: an
    unchanged profile's page is neither made nor digested again in serve. Serve's rebuild
    takes the last build's pages and makes those of the changed views only (SiteContext.
    changed_since), instead of looking up 10,000 pages in the derived cache."""
    guide_url = site.guide_links.get("first_contact")
    last = site.derived.base("mentor pages")
    changed = site.changed_since(last[0]) if last is not None and last[1] == guide_url else None
    if last is None or changed is None:
        pages = [
            site.derived.get("mentor-page", (view,), guide_url, _mentor_page, site, view, guide_url)
            for view in map(site.views.__getitem__, site.order)
        ]
    elif last[2] == site.order:
        pages = last[3]
        if changed:
            pages = pages.copy()
            at = dict(zip(site.order, range(len(pages)), strict=True))
            for slug in changed & at.keys():
                pages[at[slug]] = _mentor_page(site, site.views[slug], guide_url)
    else:  # profiles added, removed or moved: each unchanged view's page is still its own
        made = dict(zip(last[2], last[3], strict=True))
        pages = [
            made[slug] if slug in made and slug not in changed else _mentor_page(site, site.views[slug], guide_url)
            for slug in site.order
        ]
    site.derived.keep_base("mentor pages", (site.made_as, guide_url, list(site.order), pages))
    return pages


def mentor_page(site: SiteContext, view: MentorView) -> Page:
    """The page of one mentor's view, as mentor_pages makes it (serve's first look)."""
    return _mentor_page(site, view, site.guide_links.get("first_contact"))


def _mentor_page(site: SiteContext, view: MentorView, guide_url: str | None) -> Page:
    crumbs = mentor_crumbs(site, view)
    image = _image(site, mentor_card_path(view.slug), view.name)
    return Page(
        f"{view.url}index.html",
        f"mentors/{view.slug}",
        MENTOR_TEMPLATE,
        {
            "page": _page(
                site,
                view.url,
                view.name,
                view.headline,
                updated=view.updated,
                preview=ProfilePreview(image, site.config, view, crumbs),
            ),
            "breadcrumbs": crumbs,
            "mentor": view,
            "guide_url": guide_url,
        },
        Inputs(mentors=frozenset({view.slug, *(other.slug for other in view.similar)})),
    )


def facet_pages(site: SiteContext) -> Iterator[Page]:
    """Per facet: an index of its values, and a listing per value."""
    mentors = Crumb(site.messages.gettext("Mentors"), "mentors/")
    # A value's listing pages as the last build of this process made them (serve), kept while
    # its value and heading are the same objects (its label, count and place), its members
    # the same slugs, and none of their views changed: the pages are then the same objects,
    # which the build cache keys without walking them. An edit walks only the listings it is in.
    last = site.derived.base("facet listings")
    changed = site.changed_since(last[0]) if last is not None else None
    kept: dict[tuple[str, str], tuple[FacetHeading, object, list[str], list[Page]]] = (
        last[1] if changed is not None else {}
    )
    made: dict[tuple[str, str], tuple[FacetHeading, object, list[str], list[Page]]] = {}
    updated = _newest(_tally(site, "updated days", _UPDATED))
    for facet in site.facets:
        crumbs = [mentors, Crumb(facet.label, facet.url)]
        heading = (facet.key, facet.label, facet.url, facet.field)
        # The same object while the facet's own words are: its listings' pages are kept (serve).
        shown = site.derived.get("facet heading", (), heading, FacetHeading, *heading)
        yield Page(
            f"{facet.url}index.html",
            f"facet '{facet.key}'",
            "facet_index.html",
            {
                "page": _page(
                    site,
                    facet.url,
                    facet.label,
                    site.messages.gettext(
                        "Mentors by %(facet)s.", facet=label_in_sentence(facet.label, site.messages.language)
                    ),
                    updated=updated,
                    crumbs=crumbs,
                ),
                "breadcrumbs": crumbs,
                "facet": facet,
                "facets": site.facets,
            },
            ALL_MENTORS,
        )
        for value in facet.values:
            members = facet.members[value.key]
            before = kept.get((facet.key, value.key))
            if (
                before is not None
                and before[0] is shown
                and before[1] is value
                and before[2] == members
                and changed is not None
                and changed.isdisjoint(members)
            ):
                made[facet.key, value.key] = before
                yield from before[3]
                continue
            # Same words and members, some of them changed: the pages that list none are kept.
            last_pages = (
                before[3] if before and before[0] is shown and before[1] is value and before[2] == members else ()
            )
            pages = list(_value_listing(site, facet, value, members, crumbs, shown, last_pages, changed))
            made[facet.key, value.key] = (shown, value, members, pages)
            yield from pages
    site.derived.keep_base("facet listings", (site.made_as, made))


def _value_listing(
    site: SiteContext,
    facet: FacetView,
    value: FacetValueView,
    members: list[str],
    crumbs: list[Crumb],
    shown: FacetHeading,
    last: Sequence[Page] = (),
    changed: frozenset[str] | None = None,
) -> Iterator[Page]:
    """The listing pages of one facet value (`last` and `changed`: _listing's)."""
    yield from _listing(
        site,
        value.url,
        members,
        "facet_value.html",
        f"facet '{facet.key}' value '{value.key}'",
        site.messages.gettext("%(facet)s: %(value)s", facet=facet.label, value=value.label),
        site.messages.ngettext(
            "%(count)s mentor: %(facet)s %(value)s.",
            "%(count)s mentors: %(facet)s %(value)s.",
            value.count,
            facet=label_in_sentence(facet.label, site.messages.language),
            value=value.label,
        ),
        [*crumbs, Crumb(value.label, value.url)],
        last=last,
        changed=changed,
        facet=shown,
        value=value,
    )


def guide_pages(site: SiteContext) -> Iterator[Page]:
    """The guides index, each guide and each content page (content/*.md)."""
    yield Page(
        "guides/index.html",
        "guides index",
        "guides.html",
        {
            "page": _page(
                site,
                "guides/",
                site.messages.gettext("Guides"),
                site.messages.gettext("Guides to finding and working with a mentor."),
                updated=_newest(g.updated for g in site.guides),
            ),
            "guides": site.guides,
        },
        ALL_GUIDES,
    )
    for guide in site.guides + site.pages:
        is_guide = guide.kind == "guide"
        crumbs = guide_crumbs(site, guide)
        image = _image(site, guide_card_path(guide.slug), guide.title) if is_guide else site_image(site)
        yield Page(
            f"{guide.url}index.html",
            f"content/{'guides/' if is_guide else ''}{guide.slug}.md",
            "guide.html" if is_guide else "page.html",
            {
                "page": _page(
                    site,
                    guide.url,
                    guide.title,
                    guide.summary,
                    updated=guide.updated,
                    preview=guide_preview(site.config, guide, image, crumbs),
                ),
                "breadcrumbs": crumbs,
                "guide": guide,
                "guides": site.guides,
            },
            Inputs(guides=frozenset({guide.slug}), all_guides=True),
        )


def guide_files(site_dir: Path, site: SiteContext) -> Iterator[Copy]:
    """The files next to guides and pages that they reference, beside each one's page (guide_files)."""
    users: dict[tuple[str, str], set[str]] = {}
    for guide in site.guides + site.pages:
        for file in guide.files:
            # Two guides reaching one file by `../` publish it once; two files wanting one
            # path collide when written, naming both.
            users.setdefault((file.output, file.source), set()).add(guide.slug)
    for (output, source), slugs in users.items():
        yield Copy(output, source, site_dir / source, Inputs(guides=frozenset(slugs)))


def match_page(site: SiteContext) -> Iterator[Page]:
    yield Page(
        "match/index.html",
        "match page",
        "match.html",
        {
            "page": _page(
                site,
                "match/",
                site.messages.gettext("Find my match"),
                site.messages.gettext("Get matched with a mentor who is taking mentees."),
            ),
            "facets": site.facets,
            # Time zones mentors are in, named as people of the site's language name them.
            "timezones": [
                {"key": zone, "label": timezone_name(zone, site.messages.language)}
                for zone in sorted(zone for zone in _tally(site, "time zones", _TIMEZONE) if zone)
            ],
        },
        ALL_MENTORS,
    )


def search_index(site: SiteContext) -> Iterator[File]:
    files = search.search_files(
        site.config,
        [site.views[s] for s in site.order],
        site.facets,
        site.derived.get,
        # The text index of the last build under the same settings (serve), patched per edit.
        site.derived.get("text-index", (), None, search.TextIndex, not site.derived.one_off),
    )
    for path, data in files.items():
        yield File(path, "search index", data, ALL_MENTORS)


def not_found(site: SiteContext) -> Iterator[Page]:
    yield Page(
        "404.html",
        "404 page",
        "404.html",
        {"page": _page(site, "404.html", site.messages.gettext("Page not found"), "")},
    )


def contact_thanks(site: SiteContext) -> Iterator[Page]:
    """Where a plain (no-JavaScript) form post lands after the receiver or Netlify stored it."""
    if site.config.contact.mode not in ("receiver", "netlify"):
        return
    thanks = site.config.contact.thanks_path
    yield Page(
        f"{thanks}index.html",
        "contact thank-you page",
        "contact_thanks.html",
        {
            "page": _page(
                site,
                thanks,
                site.messages.gettext("Request sent"),
                site.messages.gettext("Your contact request was received."),
            )
        },
    )


def crawler_files(site: SiteContext, outputs: list[Output], alternates: dict | None = None) -> Iterator[Page]:
    """sitemap.xml listing the pages among `outputs` (less noindex ones) with the date their
    content last changed (`lastmod`, W3C date format) and, on a multilingual site, each one's
    `alternates` in the other languages (by folder); and robots.txt."""
    roots = [site.config.language_root(language) for language in site.config.site_languages]
    unlisted = frozenset(root + site.config.contact.thanks_path for root in roots)
    # Only folder pages can be listed. Picked first (in C), so that an output the sitemap has
    # no use for coming or going (a search shard for a bio's new word) does not shift them all.
    pages = list(compress(outputs, map(methodcaller("endswith", "index.html"), map(_PATH, outputs))))
    # What each page gives the sitemap, from the last build's answer for the same output
    # objects at the same places (serve: most of them), and the very same sitemap page while
    # what it lists is the same, so its key is not made again from 15,000 entries.
    last = site.derived.base("sitemap")
    places = replaced(last[1], pages, len(pages)) if last is not None and last[0] == unlisted else None
    same = False  # every entry the last one: the same lastmod
    if last is not None and places is not None:
        entries = list(last[2])
        for i in places:
            entries[i] = _sitemap_entry(pages[i], unlisted)
        same = all(entries[i] == last[2][i] for i in places)
    else:
        entries = [_sitemap_entry(page, unlisted) for page in pages]
    lastmod = last[3] if last is not None and same else dict(filter(None, entries))
    # In order too: a site's sitemap.xml may walk `lastmod` itself.
    if last is not None and (same or list(last[3].items()) == list(lastmod.items())) and last[4] == alternates:
        sitemap = last[5]
    else:
        listed = sorted(lastmod)
        context: dict = {"paths": listed, "lastmod": lastmod}
        if alternates:
            context["alternates"] = {folder: alternates.get(folder, []) for folder in listed}
        sitemap = Page("sitemap.xml", "sitemap", "sitemap.xml", context, EVERYTHING)
    site.derived.keep_base("sitemap", (unlisted, pages, entries, lastmod, alternates, sitemap))
    yield sitemap
    yield Page("robots.txt", "robots.txt", "robots.txt", {})


def _sitemap_entry(output: Output, unlisted: frozenset[str]) -> tuple[str, str] | None:
    """(the folder, the date its content last changed or "") of a page the sitemap lists."""
    if not output.path.endswith("index.html"):
        return None
    folder = output.path.removesuffix("index.html")
    if folder in unlisted:
        return None
    updated = _updated(output)
    return folder, updated.isoformat() if updated else ""


def cms_files(site: SiteContext) -> Iterator[File]:
    """/admin/, the web editor, when site.toml enables it."""
    for path, text in cms.cms_files(site.config).items():
        yield File(path, "web editor ([cms] in site.toml)", text)


def _updated(output: Output) -> date | None:
    page = output.context.get("page") if isinstance(output, Page) else None
    return page.get("updated") if isinstance(page, dict) else None


def social_cards(site_dir: Path, site: SiteContext) -> Iterator[Drawn]:
    """A 1200×630 card per mentor and per guide, and the site's, for link previews ([previews])."""
    config = site.config
    if not config.previews.social_cards:
        return
    regular, bold = font_files(site_dir, config.previews.font)
    shaping = shaping_available()

    def spec(title: str, subtitle: str, initials: str = "", photo: PublishedPhoto | None = None) -> CardSpec:
        # Only the fonts this card needs, so another mentor's script does not redraw it.
        fallbacks = fallback_fonts((title, subtitle, initials, config.title), regular, bold).fonts
        return CardSpec(
            title,
            subtitle,
            config.title,
            config.brand_colour,
            initials,
            str(photo.source) if photo else None,
            photo.digest if photo else "",
            regular,
            bold,
            shaping,
            fallbacks,
        )

    yield Drawn(SITE_CARD, "social card of the site", spec(config.title, config.description))
    for slug in site.order:
        view = site.views[slug]
        card = spec(view.name, view.headline, view.initials, site.photos.get(slug))
        yield Drawn(mentor_card_path(slug), f"mentors/{slug} social card", card, Inputs(mentors=frozenset({slug})))
    for guide in site.guides:
        card = spec(guide.title, guide.summary)
        yield Drawn(
            guide_card_path(guide.slug),
            f"content/guides/{guide.slug}.md social card",
            card,
            Inputs(guides=frozenset({guide.slug})),
        )


def atom_feeds(site: SiteContext) -> Iterator[File]:
    """/feed.xml: newly joined mentors; /guides/feed.xml: guides by their `updated` date."""
    config, count = site.config, site.config.previews.feed_entries
    mentors = feeds.newest_mentors(_newest_joined(site, count), count)
    title = site.messages.gettext("New mentors")
    yield File(
        "feed.xml", "mentor feed", feeds.atom(config, "feed.xml", f"{title} · {config.title}", "", mentors), ALL_MENTORS
    )
    guides = feeds.latest_guides(site.guides, count)
    title = site.messages.gettext("Guides")
    yield File(
        "guides/feed.xml",
        "guide feed",
        feeds.atom(config, "guides/feed.xml", f"{title} · {config.title}", "guides/", guides),
        ALL_GUIDES,
    )


def accessibility_page(site: SiteContext) -> Iterator[Page]:
    """/accessibility/: what the site aims for, how it is tested, known limits, whom to tell.
    A site's own content/accessibility.md replaces it (the footer links to that page then)."""
    if any(page.slug == "accessibility" for page in site.pages):
        return
    statement = site.config.accessibility
    contact = statement.contact or site.config.programme_email or ""
    yield Page(
        "accessibility/index.html",
        "accessibility statement",
        "accessibility.html",
        {
            "page": _page(
                site,
                "accessibility/",
                site.messages.gettext("Accessibility statement"),
                site.messages.gettext("How accessible this site is, and how to report a problem."),
                updated=statement.reviewed,
            ),
            "contact": {"label": contact, "url": contact if contact.startswith("https://") else f"mailto:{contact}"}
            if contact
            else None,
            "known_limits": list(statement.known_limits),
            "reviewed": statement.reviewed,
        },
    )


def stats_page(site: SiteContext) -> Iterator[Page]:
    """/stats/, when site.toml's [stats] enables it: mentors by facet value, from profiles alone."""
    if not site.config.stats.enabled:
        return
    gettext = site.messages.gettext
    labels = {"tags": gettext("Expertise"), "languages": gettext("Languages"), "country": gettext("Countries")}
    yield Page(
        "stats/index.html",
        "statistics page ([stats] in site.toml)",
        "stats.html",
        {
            "page": _page(
                site,
                "stats/",
                gettext("Mentoring in numbers"),
                gettext(
                    "How many mentors %(organisation)s has, by expertise, language and more, and how many are accepting mentees.",
                    organisation=site.config.organisation,
                ),
            ),
            "stats": site_stats(site.views, site.order, site.facets, labels),
        },
        ALL_MENTORS,
    )
