"""Which way a language is written: `ltr` or `rtl`, from CLDR's locale data (through Babel).

The site's `<html dir>` comes from here, so `language = "ar"` lays every page out right to left
without a setting of its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from babel import Locale, UnknownLocaleError

Direction = Literal["ltr", "rtl"]


@lru_cache(maxsize=64)
def text_direction(language: str) -> Direction:
    """The direction of a BCP 47 tag (`ar`, `fa-IR`, `az-Arab`); `ltr` for one CLDR does not know.

    Subtags are dropped from the end until CLDR knows the tag, so a region or variant it lacks
    (`ar-XY`) still finds its language, while a script (`az-Arab` against `az`) is kept when known.
    """
    subtags = language.replace("_", "-").split("-")
    while subtags:
        try:
            locale = Locale.parse("-".join(subtags), sep="-")
        except (UnknownLocaleError, ValueError):
            subtags.pop()
            continue
        return "rtl" if locale.text_direction == "rtl" else "ltr"
    return "ltr"
