"""Locale data from CLDR (through Babel) in the site's language: names, dates, numbers, lists, order.

Language, country and time-zone names, long dates, numbers and "A, B and C" lists come from
Babel's CLDR tables, never from lists of our own. Babel has no collation, so names are ordered
by the Unicode Collation Algorithm (pyuca, pure Python, the DUCET table: accents and case
matter only to break ties, scripts in Unicode's order) with the site's own script first, as
CLDR's tailorings for Arabic, Greek, Russian… reorder theirs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, lru_cache

import pyuca
from babel import Locale
from babel.dates import format_date, get_timezone_location
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from .messages import locale_of

#: A bare "en" speaks international English (CLDR's en_001): "4 March 2025", "A, B and C".
_ENGLISH = "en_001"


@cache
def site_locale(language: str) -> Locale:
    """The CLDR locale of a site's language, or international English when CLDR has none."""
    locale = locale_of(language)
    if locale is None or (locale.language == "en" and not locale.territory):
        return Locale.parse(_ENGLISH)
    return locale


class Cldr:
    """Formatting in one language, as the templates' filters use it."""

    def __init__(self, language: str):
        self.language = language
        self.locale = site_locale(language)

    def format_date(self, value: date | None) -> str:
        """A day in the language's long form: "4 March 2025", "4 mars 2025", "4. März 2025"."""
        return format_date(value, "long", locale=self.locale) if value else ""

    def format_number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def format_percent(self, fraction: float) -> str:
        """A fraction as a percentage with at most one decimal: "62.5%", "62,5 %", "٪٦٢٫٥"."""
        return format_percent(fraction, "#,##0.#%", locale=self.locale)

    def format_list(self, items: Iterable[object], style: str = "standard") -> str:
        """ "English, French and Arabic" in the language's words and punctuation."""
        return format_list([str(item) for item in items], style=style, locale=self.locale)  # type: ignore[arg-type]


@cache
def language_names(language: str) -> dict[str, str]:
    """ISO 639 code -> the language's name in `language` ("fr" -> "French", "français", "الفرنسية")."""
    return dict(site_locale(language).languages)


@cache
def country_names(language: str) -> dict[str, str]:
    """ISO 3166 alpha-2 code -> the country's short name in `language`."""
    locale = site_locale(language)
    names = dict(locale.territories)
    # CLDR's short variants ("UK", "US", "Hong Kong") are the ones people read in lists.
    return {code: names.get(f"{code}-alt-short", name) for code, name in names.items() if len(code) == 2}


def timezone_name(zone: str, language: str) -> str:
    """A time zone as people name it in `language`: "France", "Brésil (São Paulo)" (CLDR's
    location name, without the "heure : …" / "… Time" its region format wraps it in)."""
    locale = site_locale(language)
    try:
        named = get_timezone_location(zone, locale=locale, return_city=False)
    except LookupError:
        return zone.replace("_", " ")
    before, _, after = locale.zone_formats["region"].partition("%s")
    return named.removeprefix(before).removesuffix(after)


@cache
def _collator() -> pyuca.Collator:
    """The DUCET table, read once (a tenth of a second) when a listing is first sorted."""
    return pyuca.Collator()


def _script(text: str) -> str:
    """The script of the first letter of `text`, by its Unicode name ("LATIN", "ARABIC", "CJK")."""
    for ch in text:
        if ch.isalpha():
            return unicodedata.name(ch, "").split(" ")[0]
    return ""


@cache
def native_script(language: str) -> str:
    """The script `language` is written in, from the first letter of its own name ("العربية")."""
    locale = site_locale(language)
    return _script(locale.get_display_name(locale) or "")


@cache
def collation_key(language: str) -> Callable[[str], tuple]:
    """Sort key of names in `language`: its own script first, then the Unicode Collation Algorithm.

    Keys are remembered: a preview sorts the same ten thousand names after every save."""
    collator, own = _collator(), native_script(language)

    @lru_cache(maxsize=1 << 17)
    def key(name: str) -> tuple:
        return (_script(name) != own, collator.sort_key(name), name)

    return key
