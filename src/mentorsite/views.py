"""Public views of mentors and guides: exactly what templates may see.

A view is built field by field from the validated model, so private fields (the contact
email) never reach a template, an index or a JSON file, whatever a site's templates do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from markupsafe import Markup

from .config import SiteConfig
from .custom_fields import CustomField
from .guide_files import GuideFile
from .index import FacetView
from .labels import field_labels
from .load import LoadedGuide
from .markdown import Filled, Heading, render_guide, render_profile
from .messages import Messages
from .models import Mentor, facet_values
from .vocabulary import year_key
from .writing import ARABIC, in_ranges, without_article


@dataclass(frozen=True, slots=True)  # about 70,000 at 10,000 mentors
class FacetRef:
    key: str
    label: str
    #: Site-relative URL of the value's page, or None when the site has no facet for it.
    url: str | None


@dataclass(frozen=True)
class FieldView:
    """One of the site's own fields ([[fields]] in site.toml) as a profile fills it in."""

    key: str
    label: str
    #: text, number, year, date, url, choice or choices.
    type: str
    #: The value(s) as shown, each linking to its facet page when a facet reads the field.
    values: list[FacetRef]
    #: The value itself: templates format dates (`|date`) and link web addresses from it.
    value: object
    #: The label's language when it is not the page's (untranslated in this tree), else None.
    label_lang: str | None = None


@dataclass(frozen=True)
class Photo:
    """A published photo: a fallback JPEG plus square WebP and JPEG variants for srcset.

    Paths are site-relative like every URL in a view; templates pass their `url` function to
    the srcset methods: `srcset="{{ mentor.photo.webp_srcset(url) }}"`.
    """

    #: The fallback image (the smallest JPEG variant).
    url: str
    #: Intrinsic size of the fallback image, for the width and height attributes.
    width: int
    height: int
    #: (site-relative path, width in pixels) of each WebP variant, smallest first.
    webp: tuple[tuple[str, int], ...] = ()
    #: (site-relative path, width in pixels) of each JPEG variant, smallest first.
    jpeg: tuple[tuple[str, int], ...] = ()

    def webp_srcset(self, url: Callable[[str], str] = str) -> str:
        """'<url> 160w, <url> 320w' for a <source type="image/webp">."""
        return ", ".join(f"{url(path)} {width}w" for path, width in self.webp)

    def jpeg_srcset(self, url: Callable[[str], str] = str) -> str:
        """'<url> 160w, <url> 320w' for the <img> fallback."""
        return ", ".join(f"{url(path)} {width}w" for path, width in self.jpeg or ((self.url, self.width),))


# Slots: 20,000 views at 10,000 mentors (each with its similar mentors, and without) held
# 32 MB of attribute arrays without them.
@dataclass(slots=True)
class MentorView:
    slug: str
    url: str
    name: str
    initials: str
    headline: str
    pronouns: str | None
    role: str | None
    organisation: str | None
    industry: FacetRef | None
    city: str | None
    country: FacetRef | None
    timezone: str | None
    languages: list[FacetRef]
    formats: list[FacetRef]
    meeting_modes: list[FacetRef]
    cadence: FacetRef | None
    tags: list[FacetRef]
    accepting: bool
    capacity: int | None
    available_from: date | None
    cohort: int | None
    help_with: list[str]
    expectations_html: Markup | None
    bio_html: Markup
    links: list[dict]
    #: The mentor's scheduling page, only while they are accepting mentees.
    booking_url: str | None
    #: The site's own fields this mentor fills in, in site.toml's order.
    fields: list[FieldView]
    photo: Photo | None
    featured: bool
    joined: date | None
    public_email: str | None
    similar: list[MentorView] = field(default_factory=list)
    #: Out of the repr: a template printing a view whole cannot show its card (buildcache
    #: digests pages that read no card without one).
    card: Markup = field(default=Markup(""), repr=False)
    #: Shown with a "may be out of date" note (stale profile on a site with stale_profiles = "flag").
    stale: bool = False
    #: When the profile last changed, as far as its data says (last_reviewed, else joined).
    updated: date | None = None
    #: On a page of another language, the free-text fields shown untranslated, with the language they are in.
    text_lang: dict[str, str] = field(default_factory=dict)

    def lang(self, field_name: str) -> Markup:
        """` lang="en"` for an element showing a field in another language than its page's, else nothing."""
        language = self.text_lang.get(field_name)
        return Markup(' lang="{}"').format(language) if language else Markup("")


#: A trailing "(...)": the name in another script ("Kenji Matsuda (松田健二)"), not a name part.
_OTHER_SPELLING = re.compile(r"\s*\([^()]*\)\s*$")
_VIRAMA = 9  # canonical combining class of the Indic viramas


def _initial(part: str) -> str:
    """First letter of a name part, with the vowel signs written on it ("को" of "कोमल"), but not
    a virama (which would show a half letter)."""
    end = 1
    while end < len(part) and unicodedata.category(part[end])[0] == "M" and unicodedata.combining(part[end]) != _VIRAMA:
        end += 1
    return part[:end]


def initials(name: str) -> str:
    """Up to two initials for the avatar: first and last name parts, the Arabic article skipped
    ("يوسف الحسن" -> "ي‌ح", kept apart by a ZWNJ so they do not join into a word)."""
    shown = _OTHER_SPELLING.sub("", name) or name
    parts = [without_article(p) for p in shown.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return name[:1].upper() or "?"
    picked = [parts[0], parts[-1]] if len(parts) > 1 else parts[:1]
    letters = [_initial(p).upper() for p in picked]
    return ("\u200c" if all(in_ranges(p[0], ARABIC) for p in letters) else "").join(letters)


class RefMaker:
    """Labels and URLs for a mentor's facet values, from the site's facets (and, for fields no
    facet reads, from the site's own fields and the built-in vocabularies)."""

    def __init__(self, facets: list[FacetView], config: SiteConfig, messages: Messages):
        self.by_field = {f.field: f for f in facets}
        self.config = config
        self.messages = messages
        self._labels: dict[str, dict[str, str]] = {}
        #: Each value's ref, made once and shared by every view showing it (refs are frozen):
        #: at 10,000 mentors, 100,000 refs and their URLs were 12 MB held through the build.
        self._made: dict[tuple[str, type, object], FacetRef] = {}

    def refs(self, mentor: Mentor, field_name: str) -> list[FacetRef]:
        made = self._made
        refs = []
        for value in facet_values(mentor, field_name):
            key = (field_name, type(value), value)  # (the type too: 1 == 1.0 == True)
            ref = made.get(key)
            if ref is None:
                ref = made[key] = self._ref(field_name, value)
            refs.append(ref)
        return refs

    def _ref(self, field_name: str, value: Any) -> FacetRef:
        facet = self.by_field.get(field_name)
        if facet and facet.group is not None:  # a year: shown as it is, linked to its year or decade
            return FacetRef(str(value), str(value), facet.value_url(year_key(value, facet.group)))
        if facet:
            return FacetRef(value, facet.labels.get(value, value), facet.value_url(value))
        if field_name not in self._labels:
            self._labels[field_name] = field_labels(self.config, field_name, self.messages)
        return FacetRef(str(value), self._labels[field_name].get(value, _shown(value)), None)

    def ref(self, mentor: Mentor, field_name: str) -> FacetRef | None:
        refs = self.refs(mentor, field_name)
        return refs[0] if refs else None


def _markup(html: str) -> Markup:
    # The loaded profile's own Markup (load.read_profile), not a copy of it: Markup(markup) is
    # a new string, and a build holds every bio until it ends.
    return html if type(html) is Markup else Markup(html)


def _shown(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_views(
    fields: list[CustomField], mentor: Mentor, refs: RefMaker, language: str = "", default: str = ""
) -> list[FieldView]:
    """The site's own fields a mentor fills in, labelled in the tree's `language` (the site's
    `default` language's label, so marked, where it has none), and linked where a facet reads them."""
    values = mentor.custom
    return [
        FieldView(
            field.key,
            field.label,
            field.type,
            refs.refs(mentor, field.key),
            values[field.key],
            field.label_language(language, default),
        )
        for field in fields
        if field.key in values
    ]


def mentor_view(
    slug: str,
    mentor: Mentor,
    config: SiteConfig,
    refs: RefMaker,
    photo: Photo | None,
    bio_html: str = "",
    expectations_html: str = "",
    stale: bool = False,
    text_lang: dict[str, str] | None = None,
) -> MentorView:
    """The public face of one mentor. Deliberately lists fields one by one (no model_dump)."""
    availability = mentor.availability
    if not bio_html:
        bio_html = render_profile(mentor.bio)
    if mentor.expectations and not expectations_html:
        expectations_html = render_profile(mentor.expectations, "expectations")
    return MentorView(
        slug=slug,
        url=f"mentors/{slug}/",
        name=mentor.name,
        initials=initials(mentor.name),
        headline=mentor.headline,
        pronouns=mentor.pronouns,
        role=mentor.role,
        organisation=mentor.organisation,
        industry=refs.ref(mentor, "industry"),
        city=mentor.location.city if mentor.location else None,
        country=refs.ref(mentor, "country"),
        timezone=mentor.timezone,
        languages=refs.refs(mentor, "languages"),
        formats=refs.refs(mentor, "formats"),
        meeting_modes=refs.refs(mentor, "meeting_modes"),
        cadence=refs.ref(mentor, "cadence"),
        tags=refs.refs(mentor, "tags"),
        accepting=availability.accepting,
        capacity=availability.capacity,
        available_from=availability.available_from,
        cohort=mentor.cohort,
        help_with=list(mentor.help_with),
        expectations_html=_markup(expectations_html) if mentor.expectations else None,
        bio_html=_markup(bio_html),
        links=[{"label": link.label, "url": link.url} for link in mentor.links],
        booking_url=mentor.booking_url if availability.accepting else None,
        fields=field_views(config.fields, mentor, refs, config.language, config.site_languages[0]),
        photo=photo,
        featured=mentor.featured,
        joined=mentor.joined,
        public_email=mentor.public_email if config.contact.mode == "mailto" else None,
        stale=stale and config.stale_profiles == "flag",
        updated=max((d for d in (mentor.last_reviewed, mentor.joined) if d), default=None),
        text_lang=dict(text_lang or {}),
    )


#: Candidates taken from each shared tag when looking for similar mentors.
SIMILAR_PER_TAG = 50


def similar_mentors(
    view: MentorView, views: dict[str, MentorView], tag_members: dict[str, list[str]], limit: int = 3
) -> list[MentorView]:
    """Accepting mentors sharing the most expertise tags with this one (for full mentors)."""
    scores: dict[str, int] = {}
    for tag in view.tags:
        taken = 0
        for slug in tag_members.get(tag.key, ()):
            # Scan a bounded number of candidates per tag so a 50k directory stays linear.
            if slug == view.slug or not views[slug].accepting:
                continue
            scores[slug] = scores.get(slug, 0) + 1
            taken += 1
            if taken >= SIMILAR_PER_TAG:
                break
    ranked = sorted(scores, key=lambda s: (-scores[s], views[s].name))
    return [views[s] for s in ranked[:limit]]


@dataclass(frozen=True)
class SimilarChoice:
    """The similar mentors of every mentor not accepting (slugs by slug), with what the choice
    read: each mentor's `context.similar_key` and each tag's first accepting members. It is the
    base the next choice updates (choose_similar)."""

    keys: dict[str, tuple]
    heads: dict[str, list[str]]
    chosen: dict[str, list[str]]


def choose_similar(
    views: dict[str, MentorView],
    keys: dict[str, tuple],
    tag_members: dict[str, list[str]],
    before: SimilarChoice | None = None,
    changed: set[str] | None = None,
) -> SimilarChoice:
    """similar_mentors for every mentor of `views` not accepting; `keys` holds each one's
    similar_key, `tag_members` each tag's mentors in directory order.

    Only accepting mentors can be similar ones, and no more than the first SIMILAR_PER_TAG + 1
    of a tag count: each tag's candidates once, not per mentor. Given the choice `before` (made
    for other views of the same site), a mentor's list is chosen again only when the mentor
    changed, or one of its tags' candidates did: a tag edited on one profile re-chooses a few
    lists, not all of them (at 10,000 mentors, half a second). A caller who knows which
    mentors' keys may differ from `before`'s passes them as `changed`: the others are not
    compared."""
    heads = {
        tag: list(islice((s for s in members if views[s].accepting), SIMILAR_PER_TAG + 1))
        for tag, members in tag_members.items()
    }
    moved: set[str] = set()
    if before is not None:
        if changed is None:
            changed = {slug for slug in keys.keys() | before.keys.keys() if keys.get(slug) != before.keys.get(slug)}
        # A tag whose candidates changed, or one of whose candidates changed name or tags.
        moved = {
            tag
            for tag in heads.keys() | before.heads.keys()
            if heads.get(tag) != before.heads.get(tag) or not changed.isdisjoint(heads.get(tag, ()))
        }
    chosen: dict[str, list[str]] = {}
    for slug, view in views.items():
        if view.accepting:
            continue
        if before is None or changed is None or slug in changed or any(tag.key in moved for tag in view.tags):
            chosen[slug] = [s.slug for s in similar_mentors(view, views, heads)]
        else:
            chosen[slug] = before.chosen[slug]
    return SimilarChoice(keys, heads, chosen)


@dataclass
class GuideView:
    slug: str
    kind: str
    url: str
    title: str
    summary: str
    order: int
    updated: date | None
    html: Markup
    toc: list[Heading]
    #: Files next to it that it references, published beside it (guide_files.GuideFile).
    files: list[GuideFile] = field(default_factory=list)
    #: On a page of another language, the language its text is in (it has no translation there).
    text_lang: str | None = None


def guide_placeholders(config: SiteConfig) -> dict[str, Filled]:
    """The values of the guides' `{{< name >}}` placeholders, from site.toml."""
    organisation = Filled(config.organisation)
    email = config.programme_email
    return {
        "organisation": organisation,
        "contact": Filled(email, f"mailto:{email}") if email else organisation,
    }


def guide_links(guides: list[GuideView], config: SiteConfig) -> dict[str, str]:
    """URL of each guide that templates link by role ("first_contact", "mentee", "formats", "meetings").

    Roles whose guide the site lacks (or whose slug is empty) are left out, so a template
    tests `guide_links.get(role)` and links nothing rather than a missing page.
    """
    slugs = {
        "first_contact": config.contact.guide,
        "mentee": config.guides.mentee,
        "formats": config.guides.formats,
        "meetings": config.guides.meetings,
    }
    urls = {g.slug: g.url for g in guides if g.kind == "guide"}
    return {role: urls[slug] for role, slug in slugs.items() if slug in urls}


def guide_view(guide: LoadedGuide, placeholders: dict[str, Filled] | None = None) -> GuideView:
    rendered = render_guide(guide.body, placeholders, guide.meta.title)
    return GuideView(
        guide.slug,
        guide.kind,
        guide.url,
        guide.meta.title,
        guide.meta.summary,
        guide.meta.order,
        guide.meta.updated,
        Markup(rendered.html),
        rendered.toc,
        guide.files,
        guide.text_lang,
    )
