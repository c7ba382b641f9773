"""One generator per kind of output, each reading the shared context and returning records.

A generator decides paths, templates and contexts; it renders and writes nothing (the
runner does), so each can be read, tested and later cached on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import cms, search
from .cldr import timezone_name
from .context import SiteContext
from .messages import Messages, script_messages, script_messages_name
from .outputs import ALL_GUIDES, ALL_MENTORS, Copy, File, Inputs, Page
from .pagination import chunks, page_url, pagination
from .photos import PublishedPhoto, publish_photos
from .render import asset_sources

#: How many featured and newest mentors the home page shows.
FEATURED = 6
NEWEST = 6

EVERYTHING = Inputs(all_mentors=True, all_guides=True)


def _page(path: str, title: str, description: str) -> dict[str, str]:
    """The `page` every template gets: its URL path, title and description."""
    return {"path": path, "title": title, "description": description}


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


def home(site: SiteContext) -> Iterator[Page]:
    views, order = site.views, site.order
    newest = sorted((s for s in order if views[s].joined), key=lambda s: (views[s].joined, s), reverse=True)
    yield Page(
        "index.html",
        "home page",
        "home.html",
        {
            "page": _page("", site.config.title, site.config.description),
            "total": len(order),
            "accepting_count": sum(1 for s in order if views[s].accepting),
            "featured": [views[s].card for s in order if views[s].featured][:FEATURED],
            "newest": [views[s].card for s in newest[:NEWEST]],
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
    **context: Any,
) -> Iterator[Page]:
    """A paginated listing of mentor cards at base, base/page/2/, …"""
    pages = chunks(slugs, site.config.per_page)
    for number, chunk in enumerate(pages, start=1):
        path = page_url(base, number)
        shown = title
        if number > 1:
            shown = site.messages.gettext(
                "%(title)s (page %(number)s of %(total)s)", title=title, number=number, total=len(pages)
            )
        yield Page(
            f"{path}index.html",
            origin,
            template,
            {
                "page": _page(path, shown, description),
                "cards": [site.views[s].card for s in chunk],
                "pagination": pagination(base, number, len(pages)),
                "total": len(slugs),
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
        facets=site.facets,
    )


def mentor_pages(site: SiteContext) -> Iterator[Page]:
    for slug in site.order:
        view = site.views[slug]
        yield Page(
            f"{view.url}index.html",
            f"mentors/{slug}",
            "mentor.html",
            {
                "page": _page(view.url, view.name, view.headline),
                "mentor": view,
                "guide_url": site.guide_links.get("first_contact"),
            },
            Inputs(mentors=frozenset({slug, *(other.slug for other in view.similar)})),
        )


def facet_pages(site: SiteContext) -> Iterator[Page]:
    """Per facet: an index of its values, and a listing per value."""
    for facet in site.facets:
        yield Page(
            f"{facet.url}index.html",
            f"facet '{facet.key}'",
            "facet_index.html",
            {
                "page": _page(
                    facet.url, facet.label, site.messages.gettext("Mentors by %(facet)s.", facet=facet.label.lower())
                ),
                "facet": facet,
                "facets": site.facets,
            },
            ALL_MENTORS,
        )
        for value in facet.values:
            yield from _listing(
                site,
                value.url,
                facet.members[value.key],
                "facet_value.html",
                f"facet '{facet.key}' value '{value.key}'",
                site.messages.gettext("%(facet)s: %(value)s", facet=facet.label, value=value.label),
                site.messages.ngettext(
                    "%(count)s mentor: %(facet)s %(value)s.",
                    "%(count)s mentors: %(facet)s %(value)s.",
                    value.count,
                    facet=facet.label.lower(),
                    value=value.label,
                ),
                facet=facet,
                value=value,
                facets=site.facets,
            )


def guide_pages(site: SiteContext) -> Iterator[Page]:
    """The guides index, each guide and each content page (content/*.md)."""
    yield Page(
        "guides/index.html",
        "guides index",
        "guides.html",
        {
            "page": _page(
                "guides/",
                site.messages.gettext("Guides"),
                site.messages.gettext("Guides to finding and working with a mentor."),
            ),
            "guides": site.guides,
        },
        ALL_GUIDES,
    )
    for guide in site.guides + site.pages:
        is_guide = guide.kind == "guide"
        yield Page(
            f"{guide.url}index.html",
            f"content/{'guides/' if is_guide else ''}{guide.slug}.md",
            "guide.html" if is_guide else "page.html",
            {"page": _page(guide.url, guide.title, guide.summary), "guide": guide, "guides": site.guides},
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
                "match/",
                site.messages.gettext("Find my match"),
                site.messages.gettext("Get matched with a mentor who is taking mentees."),
            ),
            "facets": site.facets,
            # Time zones mentors are in, named as people of the site's language name them.
            "timezones": [
                {"key": zone, "label": timezone_name(zone, site.messages.language)}
                for zone in sorted({v.timezone for v in site.views.values() if v.timezone})
            ],
        },
        ALL_MENTORS,
    )


def search_index(site: SiteContext) -> Iterator[File]:
    files = search.search_files(
        site.config,
        [site.views[s] for s in site.order],
        site.facets,
        lambda view, make: site.derived.get("tokens", (view,), None, make),
    )
    for path, data in files.items():
        yield File(path, "search index", data, ALL_MENTORS)


def not_found(site: SiteContext) -> Iterator[Page]:
    yield Page(
        "404.html", "404 page", "404.html", {"page": _page("404.html", site.messages.gettext("Page not found"), "")}
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
                thanks,
                site.messages.gettext("Request sent"),
                site.messages.gettext("Your contact request was received."),
            )
        },
    )


def crawler_files(site: SiteContext, paths: list[str], alternates: dict | None = None) -> Iterator[Page]:
    """sitemap.xml listing the pages among `paths` (less noindex ones) with, on a multilingual
    site, each one's `alternates` in the other languages (by folder), and robots.txt."""
    roots = [site.config.language_root(language) for language in site.config.site_languages]
    unlisted = {root + site.config.contact.thanks_path for root in roots}
    listed = sorted(
        folder
        for path in paths
        if path.endswith("index.html") and (folder := path.removesuffix("index.html")) not in unlisted
    )
    context: dict = {"paths": listed}
    if alternates:
        context["alternates"] = {folder: alternates.get(folder, []) for folder in listed}
    yield Page("sitemap.xml", "sitemap", "sitemap.xml", context, EVERYTHING)
    yield Page("robots.txt", "robots.txt", "robots.txt", {})


def cms_files(site: SiteContext) -> Iterator[File]:
    """/admin/, the web editor, when site.toml enables it."""
    for path, text in cms.cms_files(site.config).items():
        yield File(path, "web editor ([cms] in site.toml)", text)
