"""Locale data from CLDR: names, dates, numbers and lists in the site's language, and name order."""

from __future__ import annotations

from datetime import date

from mentorsite.cldr import Cldr, collation_key, country_names, language_names, timezone_name
from mentorsite.index import directory_order


def test_dates_numbers_and_lists_follow_the_language():
    day = date(2025, 3, 4)
    assert [Cldr(lang).format_date(day) for lang in ("en", "fr", "de", "es", "pt")] == [
        "4 March 2025",
        "4 mars 2025",
        "4. März 2025",
        "4 de marzo de 2025",
        "4 de março de 2025",
    ]
    assert Cldr("ar").format_date(day) == "4 مارس 2025"
    assert Cldr("en").format_number(12345) == "12,345"
    assert Cldr("de").format_number(12345) == "12.345"
    assert Cldr("en").format_list(["English", "French", "Arabic"]) == "English, French and Arabic"
    assert Cldr("fr").format_list(["anglais", "français", "arabe"]) == "anglais, français et arabe"
    assert Cldr("en").format_list(["A", "B", "C"], style="or") == "A, B or C"


def test_language_country_and_time_zone_names_come_from_cldr():
    assert (language_names("fr")["ar"], language_names("ar")["fr"], language_names("en")["el"]) == (
        "arabe",
        "الفرنسية",
        "Greek",
    )
    assert (country_names("de")["FR"], country_names("es")["DE"], country_names("en")["KR"]) == (
        "Frankreich",
        "Alemania",
        "South Korea",
    )
    assert timezone_name("America/Sao_Paulo", "fr") == "Brésil (São Paulo)"
    assert timezone_name("Europe/Paris", "en") == "France"
    assert timezone_name("Not/A_Zone", "en") == "Not/A Zone"


NAMES = [
    "Zoë Adams",
    "يوسف الحسن",
    "Émile Zola",
    "ölaf berg",
    "أحمد علي",
    "Eva Ruiz",
    "Élodie Petit",
    "بشير نور",
    "Oscar Lind",
]


def test_a_latin_site_sorts_accents_with_their_letter_and_latin_names_first():
    """Accents and case only break ties (Élodie, Émile, Eva: by their letters, as a dictionary
    does); Arabic names come after the Latin ones, in Arabic alphabetical order."""
    assert sorted(NAMES, key=collation_key("en")) == [
        "Élodie Petit",
        "Émile Zola",
        "Eva Ruiz",
        "ölaf berg",
        "Oscar Lind",
        "Zoë Adams",
        "أحمد علي",
        "بشير نور",
        "يوسف الحسن",
    ]


def test_an_arabic_site_lists_arabic_names_first_then_latin_ones():
    assert sorted(NAMES, key=collation_key("ar")) == [
        "أحمد علي",
        "بشير نور",
        "يوسف الحسن",
        "Élodie Petit",
        "Émile Zola",
        "Eva Ruiz",
        "ölaf berg",
        "Oscar Lind",
        "Zoë Adams",
    ]


def test_directory_order_uses_the_sites_collation():
    from types import SimpleNamespace

    mentors = {
        slug: SimpleNamespace(name=name, availability=SimpleNamespace(accepting=True))
        for slug, name in [("z", "Zoë"), ("y", "يوسف"), ("e", "Émile"), ("a", "أحمد")]
    }
    assert directory_order(mentors, "en") == ["e", "z", "a", "y"]  # type: ignore[arg-type]
    assert directory_order(mentors, "ar") == ["a", "y", "e", "z"]  # type: ignore[arg-type]
