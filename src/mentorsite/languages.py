"""A multilingual site's trees: what each language's tree is built from, and how its pages link.

The build runs the pipeline once per language of `languages` (build.language_outputs). Each
tree gets the profiles and guides in its language: translated text where a profile or guide
gives it, else the profile's or guide's own text, marked with the language it is in. Pure
functions over loaded data; nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urljoin

from .config import SiteConfig
from .load import LoadedGuide, LoadedMentor
from .markdown import render_profile
from .models import TRANSLATABLE, Mentor


@dataclass(frozen=True)
class Alternate:
    """The same page in one of the site's languages (or that language's home, when it lacks it)."""

    language: str
    #: The language's name in that language ("Français"), from CLDR.
    name: str
    #: The page's path from the site's root ("fr/mentors/ana/").
    path: str
    #: Its URL path ("/fr/mentors/ana/", under the site's base path) and absolute URL.
    link: str
    href: str
    #: Whether this is the language of the page it is listed on.
    current: bool
    #: Whether the language's tree has the page (else `path` is its home): only those are hreflang alternates.
    exists: bool


def mentors_in(mentors: list[LoadedMentor], language: str, default: str) -> list[LoadedMentor]:
    """Profiles as the tree of `language` shows them: their translation's text over their own,
    and the fields left in the profile's own language (`default`) noted in `text_lang`."""
    if language == default:
        return mentors
    return [_mentor_in(m, language, default) for m in mentors]


def _mentor_in(loaded: LoadedMentor, language: str, default: str) -> LoadedMentor:
    mentor = loaded.mentor
    text = mentor.translations.get(language)
    given = text.model_dump(exclude_none=True) if text else {}
    untranslated = {name: default for name in TRANSLATABLE if name not in given and _has(mentor, name)}
    if not given:
        return replace(loaded, text_lang=untranslated)
    translated: Mentor = mentor.model_copy(update=given)
    return replace(
        loaded,
        mentor=translated,
        bio_html=render_profile(translated.bio) if "bio" in given else loaded.bio_html,
        expectations_html=(
            render_profile(translated.expectations, "expectations")
            if "expectations" in given and translated.expectations
            else loaded.expectations_html
        ),
        text_lang=untranslated,
    )


def _has(mentor: Mentor, name: str) -> bool:
    value = getattr(mentor, name)
    return bool(value)


def guides_in(
    guides: list[LoadedGuide], translations: list[LoadedGuide], language: str, default: str
) -> list[LoadedGuide]:
    """Guides and pages as the tree of `language` shows them: each one's translation when it has
    one, else its own text with `text_lang` set to the language it is written in."""
    if language == default:
        return guides
    found: dict[tuple[str, str], LoadedGuide | None] = {
        (t.kind, t.slug): t for t in translations if t.language == language
    }
    own = [found.pop((g.kind, g.slug), None) or replace(g, text_lang=default) for g in guides]
    return own + [t for t in found.values() if t]  # a guide written only in this language is only in its tree


def page_alternates(
    config: SiteConfig, pages: dict[str, set[str]], path: str, current: str, names: dict[str, str]
) -> list[Alternate]:
    """The language switcher of the page at `path` (an output path inside the tree of `current`):
    for each language of the site, the same page where its tree has it, else that tree's home.

    `pages` holds each language's output paths (relative to its tree); `names` each language's
    own name.
    """
    found = []
    for language in config.site_languages:
        where = config.language_root(language) + (folder_of(path) if path in pages[language] else "")
        found.append(
            Alternate(
                language,
                names[language],
                where,
                config.base_path + where,
                urljoin(config.base_url, where),
                language == current,
                path in pages[language],
            )
        )
    return found


def folder_of(path: str) -> str:
    """The URL path of an output path: "mentors/ana/index.html" is "mentors/ana/"."""
    return path.removesuffix("index.html")
