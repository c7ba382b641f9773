"""What a page tells link previews and search engines: JSON-LD, Open Graph and Twitter card data.

Pure functions over views and settings. Each page's `Preview` goes into its context as
`page.preview`, where `_previews.html` (included in base.html's head) turns it into tags.
Only public view fields are read, so no email or private field can reach the JSON-LD.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urljoin

from markupsafe import Markup

from .config import SiteConfig
from .views import GuideView, MentorView

SCHEMA = "https://schema.org"
#: JSON text that would end or confuse a <script> element, and the line separators old
#: JavaScript parsers reject, as JSON \u escapes (which parse back to the same string).
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True, slots=True)
class Crumb:
    """One step of a page's breadcrumb trail, shown on the page and listed in its JSON-LD."""

    label: str
    #: Site-relative URL.
    url: str


@dataclass(frozen=True)
class SocialImage:
    """The image a link preview shows (og:image)."""

    #: Absolute URL.
    url: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True, slots=True)
class Preview:
    #: og:type: "website", "profile" or "article".
    og_type: str
    image: SocialImage | None
    #: The JSON-LD graph, escaped for a <script> element.
    json_ld: Markup


def absolute_url(config: SiteConfig, path: str) -> str:
    """A site-relative path as an absolute URL under base_url (an absolute URL stays as it is)."""
    if "//" in path or ":" in path.partition("/")[0]:
        return urljoin(config.base_url, path)
    # base_url always ends with "/" and is the site's root (config validates it): every page's
    # JSON-LD makes about a dozen of these, so no urljoin on the common path.
    return config.base_url + path.lstrip("/")


def script_json(data: object) -> Markup:
    """JSON for a <script type="application/ld+json">: nothing in it can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_ESCAPES))


def organisation(config: SiteConfig) -> dict[str, Any]:
    """The publisher: site.toml's organisation (no email: crawlers harvest addresses)."""
    node: dict[str, Any] = {
        "@type": "Organization",
        "@id": absolute_url(config, "#organization"),
        "name": config.organisation,
        "url": absolute_url(config, ""),
    }
    if config.logo:
        node["logo"] = absolute_url(config, config.logo)
    return node


def breadcrumb_list(config: SiteConfig, crumbs: Sequence[Crumb]) -> dict[str, Any]:
    """The visible breadcrumb trail as a schema.org BreadcrumbList."""
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": crumb.label, "item": absolute_url(config, crumb.url)}
            for number, crumb in enumerate(crumbs, start=1)
        ],
    }


def person(config: SiteConfig, mentor: MentorView) -> dict[str, Any]:
    """A mentor as a schema.org Person, from the public view only."""
    node: dict[str, Any] = {
        "@type": "Person",
        "name": mentor.name,
        "description": mentor.headline,
        "url": absolute_url(config, mentor.url),
    }
    if mentor.role:
        node["jobTitle"] = mentor.role
    if mentor.organisation:
        node["worksFor"] = {"@type": "Organization", "name": mentor.organisation}
    if mentor.photo:
        node["image"] = absolute_url(config, mentor.photo.url)
    if mentor.tags:
        node["knowsAbout"] = [tag.label for tag in mentor.tags]
    if mentor.languages:
        node["knowsLanguage"] = [language.key for language in mentor.languages]
    return node


def _graph(*nodes: dict[str, Any]) -> Markup:
    return script_json({"@context": SCHEMA, "@graph": list(nodes)})


def _page_node(kind: str, config: SiteConfig, path: str, title: str, **more: Any) -> dict[str, Any]:
    return {
        "@type": kind,
        "url": absolute_url(config, path),
        "name": title,
        "inLanguage": config.language,
        "publisher": {"@id": absolute_url(config, "#organization")},
        **more,
    }


def _crumbs(config: SiteConfig, crumbs: Sequence[Crumb]) -> list[dict[str, Any]]:
    return [breadcrumb_list(config, crumbs)] if crumbs else []


def site_preview(
    config: SiteConfig, path: str, title: str, image: SocialImage | None, crumbs: Sequence[Crumb] = ()
) -> Preview:
    """Any page that is not a profile or a guide; the home page also describes the WebSite."""
    nodes = [organisation(config)]
    if path == "":
        nodes.append(_page_node("WebSite", config, "", config.title, description=config.description))
    else:
        nodes.append(_page_node("WebPage", config, path, title))
    return Preview("website", image, _graph(*nodes, *_crumbs(config, crumbs)))


@dataclass(frozen=True, slots=True)
class ProfilePreview:
    """A profile page's Preview whose JSON-LD is written when the page renders, not held from
    when the page is made: a build holds every page until it ends, and at 10,000 mentors
    their JSON-LD was 12 MB, read once each. It is made from the view and the breadcrumb
    trail and the settings, which is what a page's key digests of it (key_parts; the settings
    are in every key). Its parts are private to templates (the sandbox refuses names with `_`)."""

    image: SocialImage | None
    _config: SiteConfig
    _mentor: MentorView
    _crumbs: Sequence[Crumb]
    og_type: ClassVar[str] = "profile"

    @property
    def json_ld(self) -> Markup:
        return mentor_preview(self._config, self._mentor, self.image, self._crumbs).json_ld

    def key_parts(self) -> tuple[object, ...]:
        """What its JSON-LD is made from besides the settings (buildcache digests the view card-blind: it shows no card)."""
        return self.og_type, self.image, self._mentor, list(self._crumbs)


def mentor_preview(
    config: SiteConfig, mentor: MentorView, image: SocialImage | None, crumbs: Sequence[Crumb]
) -> Preview:
    """A profile page: a ProfilePage whose main entity is the mentor."""
    dates = {}
    if mentor.joined:
        dates["dateCreated"] = mentor.joined.isoformat()
    if mentor.updated:
        dates["dateModified"] = mentor.updated.isoformat()
    page = _page_node("ProfilePage", config, mentor.url, mentor.name, mainEntity=person(config, mentor), **dates)
    return Preview("profile", image, _graph(organisation(config), page, *_crumbs(config, crumbs)))


def guide_preview(config: SiteConfig, guide: GuideView, image: SocialImage | None, crumbs: list[Crumb]) -> Preview:
    """A guide: an Article (a content page outside guides/ is a WebPage)."""
    if guide.kind != "guide":
        return site_preview(config, guide.url, guide.title, image, crumbs)
    article = _page_node("Article", config, guide.url, guide.title, headline=guide.title)
    if guide.summary:
        article["description"] = guide.summary
    if guide.updated:
        article["dateModified"] = guide.updated.isoformat()
    if image:
        article["image"] = image.url
    return Preview("article", image, _graph(organisation(config), article, *_crumbs(config, crumbs)))
