"""The message catalogue: every shipped language has every string the theme uses, translations keep
their placeholders, the example site builds in French and Arabic, a site overrides strings.

The theme's strings are found the way scripts/extract-messages.sh finds them (Babel's extractors
over babel.cfg), never from a hand list.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from kit import GOOD_PROFILE, SITE_TOML, TODAY, tiny_jpeg

from mentorsite.build import build_site, check_site
from mentorsite.messages import (
    KEYWORDS,
    LOCALES,
    load_messages,
    msgid_of,
    placeholder_problems,
    script_messages_name,
    shipped_languages,
    theme_template,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["ar", "de", "en", "es", "fr", "pt"]


def extracted_msgids() -> set[str | tuple[str, str]]:
    """Every msgid the theme uses, as Babel extracts it with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        # parse_mapping_cfg since Babel 2.15; parse_mapping before (deprecated since).
        parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
        method_map, options_map = parse(fh)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.fixture(scope="module")
def theme_msgids() -> set[str | tuple[str, str]]:
    return extracted_msgids()


def catalogue(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "mentorsite.po").open("rb") as fh:
        return read_po(fh, locale=language)


def test_the_shipped_languages_are_the_six_promised():
    assert shipped_languages() == SHIPPED


def test_the_template_lists_exactly_what_the_theme_uses(theme_msgids):
    """mentorsite.pot is up to date: run scripts/extract-messages.sh after changing a string."""
    in_pot = {m.id if isinstance(m.id, str) else tuple(m.id) for m in theme_template() if m.id}
    assert theme_msgids, "Babel found no strings: babel.cfg lost its mappings"
    assert sorted(map(str, theme_msgids - in_pot)) == [], "strings missing from mentorsite.pot"
    assert sorted(map(str, in_pot - theme_msgids)) == [], "strings in mentorsite.pot that nothing uses"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_language_translates_every_string_the_theme_uses(language, theme_msgids):
    po = catalogue(language)
    translated = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if all(strings):
            translated[message.id if isinstance(message.id, str) else tuple(message.id)] = strings
    missing = sorted(map(str, theme_msgids - translated.keys()))
    assert missing == [], f"{language} lacks translations"
    plural_forms = {len(s) for key, s in translated.items() if isinstance(key, tuple)}
    assert plural_forms == {po.num_plurals}


def test_arabic_has_six_plural_forms_each_spelled_out():
    po = catalogue("ar")
    assert po.num_plurals == 6
    mentors = po[("%(count)s mentor", "%(count)s mentors")]
    assert list(mentors.string) == [
        "%(count)s مرشد",
        "مرشد واحد",
        "مرشدان",
        "%(count)s مرشدين",
        "%(count)s مرشدًا",
        "%(count)s مرشد",
    ]


@pytest.mark.parametrize("language", SHIPPED)
def test_every_translation_keeps_the_placeholders_of_its_msgid(language):
    problems = {msgid_of(message): placeholder_problems(message) for message in catalogue(language) if message.id}
    assert {msgid: found for msgid, found in problems.items() if found} == {}


def test_placeholder_check_catches_a_renamed_and_a_dropped_placeholder():
    """The check itself can fail: a typo'd name and a dropped one are both reported."""
    from babel.messages.catalog import Message

    assert placeholder_problems(Message("About %(name)s", "À propos de %(nom)s")) == [(["nom"], ["name"])]
    assert placeholder_problems(Message(("%(count)s mentor", "%(count)s mentors"), ("un mentor", "des mentors"))) == [
        ([], ["count"])
    ]
    # A plural form may spell the number out, as long as another form carries it.
    assert placeholder_problems(Message(("%(count)s mentor", "%(count)s mentors"), ("un mentor", "%(count)s"))) == []


# --------------------------------------------------------------------------- the example site in fr and ar


def example_in(tmp_path_factory, language: str) -> Path:
    site = tmp_path_factory.mktemp(f"example-{language}") / "site"
    site.mkdir()
    toml = (ROOT / "site.toml").read_text(encoding="utf-8")
    assert 'language = "en"' in toml
    (site / "site.toml").write_text(toml.replace('language = "en"', f'language = "{language}"'), encoding="utf-8")
    shutil.copytree(ROOT / "mentors", site / "mentors")
    shutil.copytree(ROOT / "content", site / "content")
    report = build_site(site, site / "_site", base_url="https://example.org/", today=date(2026, 11, 23))
    assert report.written and not report.errors, [d.human() for d in report.errors]
    return site / "_site"


@pytest.fixture(scope="module")
def french(tmp_path_factory) -> Path:
    return example_in(tmp_path_factory, "fr")


@pytest.fixture(scope="module")
def arabic(tmp_path_factory) -> Path:
    return example_in(tmp_path_factory, "ar")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def script_strings(out: Path, language: str) -> dict:
    data = text(out / "assets" / script_messages_name(language))
    head = re.match(r"window\.mentorsiteMessages = (\{.*?\});\n", data)
    assert head, "the scripts' messages file starts with its table"
    return json.loads(head.group(1))


def test_french_home_directory_and_mentor_page(french):
    home = text(french / "index.html")
    assert '<html lang="fr" dir="ltr">' in home
    assert '<a class="skip-link" href="#main">Aller au contenu principal</a>' in home
    assert '<label for="q">Rechercher un mentor</label>' in home
    assert '<h2 id="featured-title">Mentors à la une</h2>' in home
    assert re.search(r"<li><strong>\d+</strong> mentors</li>", home)
    # No string fell back to English: nothing carries its own lang.
    assert 'lang="en"' not in home

    directory = text(french / "mentors" / "index.html")
    assert "<h1>Annuaire des mentors</h1>" in directory
    assert "<title>Annuaire des mentors · Northbridge Alumni Mentors</title>" in directory
    assert '<nav class="pagination" aria-label="Pagination">' in directory
    assert '‹ Précédente<span class="visually-hidden"> page</span>' in directory
    assert re.search(r'role="status">52 mentors<span class="result-page"> · page 1 sur 3</span>', directory)
    assert "<title>Annuaire des mentors (page 2 sur 3) · Northbridge Alumni Mentors</title>" in text(
        french / "mentors" / "page" / "2" / "index.html"
    )

    mentor = text(french / "mentors" / "aino-virtanen" / "index.html")
    assert '<h2 id="contact-title">Demander un échange</h2>' in mentor
    assert "<dt>Disponibilité</dt><dd>Accepte des mentorés</dd>" in mentor
    assert "<dt>Places</dt><dd>Jusqu’à 3 mentorés à la fois</dd>" in mentor
    # Language names from CLDR in French; the facet's own label from site.toml.
    assert re.search(r'<dt>Language</dt><dd><a href="/languages/fi/">finnois</a>', mentor)
    # The contact form's cadence list and labels.
    assert '<option value="no-preference" selected>Sans préférence</option>' in mentor
    assert '<option value="bi-weekly">Toutes les deux semaines</option>' in mentor
    assert '<label for="c-name">Votre nom</label>' in mentor
    assert "500 caractères" not in mentor and "1 000 caractères au maximum." in mentor.replace("\u202f", " ")


def test_french_scripts_take_their_words_from_the_build(french):
    table = script_strings(french, "fr")
    assert table["lang"] == "fr"
    messages = table["messages"]
    assert messages["Filters"] == "Filtres"
    assert messages["Why this match: "] == "Pourquoi ce mentor : "
    assert messages["%(count)s mentor"] == {
        "one": "%(count)s mentor",
        "many": "%(count)s mentors",
        "other": "%(count)s mentors",
    }
    directory = text(french / "mentors" / "index.html")
    assert f"assets/{script_messages_name('fr')}?v=" in directory
    # The scripts hold no English of their own: every string goes through gettext.
    search = text(french / "assets" / "search.js")
    assert '"Filters"' not in search.replace('_("Filters")', "")


def test_arabic_site_speaks_arabic_with_six_plural_forms(arabic):
    home = text(arabic / "index.html")
    assert '<html lang="ar" dir="rtl">' in home
    assert '<h2 id="featured-title">مرشدون مميّزون</h2>' in home
    directory = text(arabic / "mentors" / "index.html")
    assert "<h1>دليل المرشدين</h1>" in directory
    assert 'role="status">52 مرشدًا' in directory  # 52: the "many" form
    mentor = text(arabic / "mentors" / "aino-virtanen" / "index.html")
    assert '<h2 id="contact-title">اطلب محادثة</h2>' in mentor
    assert "<dt>الأماكن المتاحة</dt><dd>حتى 3 مسترشدين في الوقت نفسه</dd>" in mentor
    forms = script_strings(arabic, "ar")["messages"]["%(count)s mentor"]
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert forms["two"] == "مرشدان"


# --------------------------------------------------------------------------- a site's own catalogue


SITE_FR = SITE_TOML.replace('language = "en"', 'language = "fr"')
SITE_SW = SITE_TOML.replace('language = "en"', 'language = "sw"')


def fr_site(make_site, po: str) -> Path:
    return make_site(
        f"-- site.toml --\n{SITE_FR}\n-- mentors/ada.yaml --\n{GOOD_PROFILE}\n-- locales/fr.po --\n{po}",
        files={"mentors/photos/ada.jpg": tiny_jpeg()},
    )


def test_a_site_overrides_a_string_in_its_own_catalogue(make_site):
    site = fr_site(
        make_site,
        'msgid "Request a conversation"\nmsgstr "Écrire à ce mentor"\n\n'
        'msgid "%(count)s mentor"\nmsgid_plural "%(count)s mentors"\n'
        'msgstr[0] "%(count)s parrain"\nmsgstr[1] "%(count)s parrains"\nmsgstr[2] "%(count)s parrains"\n',
    )
    report = build_site(site, today=TODAY)
    assert report.written and [d.human() for d in report.errors] == []
    page = text(site / "_site" / "mentors" / "ada" / "index.html")
    assert '<a class="button" href="#contact">Écrire à ce mentor</a>' in page
    assert '<h2 id="contact-title">Écrire à ce mentor</h2>' in page
    directory = text(site / "_site" / "mentors" / "index.html")
    assert 'role="status">1 parrain</p>' in directory
    assert "<h1>Annuaire des mentors</h1>" in directory  # the rest stays shipped French


def test_a_site_catalogue_with_an_unknown_msgid_or_a_bad_placeholder_is_refused_at_its_line(make_site):
    site = fr_site(
        make_site,
        'msgid "Request a conversaton"\nmsgstr "Écrire"\n\nmsgid "About %(name)s"\nmsgstr "À propos de %(nom)s"\n',
    )
    _config, _loaded, report = check_site(site, today=TODAY)
    assert [(d.path, d.line, d.message) for d in report.errors] == [
        ("locales/fr.po", 1, "unknown msgid 'Request a conversaton': no template or script uses it"),
        (
            "locales/fr.po",
            4,
            "translation of 'About %(name)s' has other placeholders than its msgid: "
            "unknown placeholder %(nom)s; missing placeholder %(name)s",
        ),
    ]


def test_strings_a_language_lacks_fall_back_to_english_marked_with_their_own_lang(make_site):
    """Swahili has no shipped catalogue: interface strings are English, each in lang="en"."""
    site = make_site(
        f"-- site.toml --\n{SITE_SW}\n-- mentors/ada.yaml --\n{GOOD_PROFILE}",
        files={"mentors/photos/ada.jpg": tiny_jpeg()},
    )
    report = build_site(site, today=TODAY)
    assert report.written and not report.errors
    page = text(site / "_site" / "mentors" / "ada" / "index.html")
    assert '<html lang="sw" dir="ltr">' in page
    assert '<h2 id="contact-title"><span lang="en">Request a conversation</span></h2>' in page
    # Attribute values cannot hold a span: they stay plain.
    assert '<nav class="breadcrumb" aria-label="Breadcrumb">' in page
    messages, problems = load_messages(site, "sw")
    assert problems == [] and "Request a conversation" in messages.fallback


def test_an_english_site_marks_nothing():
    messages, _ = load_messages(ROOT, "en")
    assert messages.fallback == frozenset()
    assert messages.ngettext("%(count)s mentor", "%(count)s mentors", 1) == "1 mentor"


def test_editing_the_sites_catalogue_rebuilds_what_it_changed(make_site):
    """The up-to-date check covers locales/: an edited override is not mistaken for "nothing changed"."""
    site = fr_site(make_site, 'msgid "Request a conversation"\nmsgstr "Écrire à ce mentor"\n')
    assert build_site(site, today=TODAY).written
    (site / "locales" / "fr.po").write_text('msgid "Request a conversation"\nmsgstr "Contacter ce mentor"\n')
    report = build_site(site, today=TODAY)
    assert report.written and [d.human() for d in report.errors] == []
    page = text(site / "_site" / "mentors" / "ada" / "index.html")
    assert '<a class="button" href="#contact">Contacter ce mentor</a>' in page
