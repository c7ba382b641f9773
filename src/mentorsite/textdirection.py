"""Which way a language is written: `ltr` or `rtl`, from CLDR's locale data (through Babel).

The site's `<html dir>` comes from here, so `language = "ar"` lays every page out right to left
without a setting of its own.
"""

from __future__ import annotations

from typing import Literal

from .messages import locale_of

Direction = Literal["ltr", "rtl"]


def text_direction(language: str) -> Direction:
    """The direction of a BCP 47 tag (`ar`, `fa-IR`, `az-Arab`); `ltr` for one CLDR does not know
    (the tag is read as `messages.locale_of` reads it)."""
    locale = locale_of(language)
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"
