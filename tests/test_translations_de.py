"""German as a professional body ships it: the visitor is addressed as "Sie" throughout, nouns keep
their capital inside sentences, quotation marks are „German“, and lists read "A, B und C" — the
example site built in German (and in French, for the lists every language now shares).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kit import SITE_TOML, TODAY, write_site
from test_messages import catalogue, example_in, script_strings, text

from mentorsite.config import load_config
from mentorsite.messages import label_in_sentence, messages_for, nouns_capitalised
from mentorsite.render import make_environment

#: The informal address, as whole words in any case: "du", "Dein", "deine", "dich", "dir"…
INFORMAL = re.compile(r"\b(du|dein|deine|deiner|deinen|deinem|deines|dich|dir)\b", re.IGNORECASE)


def informal_msgstrs(language: str) -> dict[str, list[str]]:
    """Every msgid whose translation (any plural form) says "du" or one of its forms, with the words."""
    found = {}
    for message in catalogue(language):
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        words = [m.group(0) for form in forms for m in INFORMAL.finditer(form)]
        if words:
            found[message.id if isinstance(message.id, str) else message.id[0]] = words
    return found


def test_german_addresses_the_visitor_as_sie_in_every_string():
    assert informal_msgstrs("de") == {}


def test_the_informal_check_finds_du_in_any_case_but_not_inside_other_words():
    """The check itself can fail: it catches each form of "du" as a word, and not "Durchsuchen" or "Direktor"."""
    assert [m.group(0) for m in INFORMAL.finditer("Prüfe deine Anfrage, Du kannst dir Zeit lassen.")] == [
        "deine",
        "Du",
        "dir",
    ]
    assert INFORMAL.findall("Durchsuchen Sie das Verzeichnis, Direktorin, Dirigent, Produkt") == []


def test_german_key_strings():
    """The few strings a visitor meets first, exactly: the form's button, the search box, the empty result."""
    de = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalogue("de") if m.id}
    assert de["Send request"] == "Anfrage senden"
    assert de["Request a conversation"] == "Gespräch anfragen"
    assert de["Name or expertise"] == "Name oder Fachgebiet"
    assert de["Search mentors"] == "Mentorinnen und Mentoren suchen"
    assert de["No mentors match all of these choices. Remove a filter or try other words."] == (
        "Zu dieser Auswahl passt keine Mentorin und kein Mentor. "
        "Entfernen Sie einen Filter oder versuchen Sie es mit anderen Wörtern."
    )
    assert de["Please enter a valid email address, such as name@example.org."] == (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.org."
    )
    assert de["Your name"] == "Ihr Name"
    assert de["your name"] == "das Feld „Ihr Name“"


def test_only_languages_that_capitalise_nouns_keep_a_labels_capital_inside_a_sentence():
    assert label_in_sentence("Branche", "de") == "Branche"
    assert label_in_sentence("Branche", "de-AT") == "Branche"
    assert label_in_sentence("Industry", "en") == "industry"
    assert label_in_sentence("Secteur", "fr") == "secteur"
    assert [nouns_capitalised(lang) for lang in ("de", "de-CH", "lb", "en", "fr", "ar", "xx")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


# --------------------------------------------------------------------------- the example site in de and fr


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> Path:
    return example_in(tmp_path_factory, "de")


@pytest.fixture(scope="module")
def french(tmp_path_factory) -> Path:
    return example_in(tmp_path_factory, "fr")


def test_german_pages_show_the_key_strings(german):
    home = text(german / "index.html")
    assert '<input type="search" id="q" name="q" placeholder="Name oder Fachgebiet"' in home
    assert '<label for="q">Mentorinnen und Mentoren suchen</label>' in home
    mentor = text(german / "mentors" / "aino-virtanen" / "index.html")
    assert '<button type="submit" class="button button-lg">Anfrage senden</button>' in mentor
    assert '<label for="c-name">Ihr Name</label>' in mentor
    table = script_strings(german, "de")
    assert table["messages"]["No mentors match all of these choices. Remove a filter or try other words."] == (
        "Zu dieser Auswahl passt keine Mentorin und kein Mentor. "
        "Entfernen Sie einen Filter oder versuchen Sie es mit anderen Wörtern."
    )
    # The matcher's languages in German alphabetical order, not by code point.
    match = text(german / "match" / "index.html")
    assert '<option value="da">Dänisch</option>\n<option value="de">Deutsch</option>' in match
    # The matcher's reasons keep a format's capital ("bietet Gruppenmentoring an") in German only.
    assert table["nounsCapitalised"] is True
    assert script_strings(german, "de")["messages"]["offers %(format)s"] == "bietet %(format)s an"


def test_german_home_page_joins_and_quotes_in_german(german):
    """The other facets as "A, B und C" (CLDR's pattern, no comma before "und"), nouns capitalised,
    the search examples in „German“ quotation marks."""
    home = text(german / "index.html")
    assert (
        '<p class="browse-other">Oder stöbern Sie nach <a href="/industry/">Industry</a>, '
        '<a href="/countries/">Country</a>, <a href="/languages/">Language</a>, '
        '<a href="/formats/">Mentoring format</a>, <a href="/meeting/">Meeting mode</a>, '
        '<a href="/cadence/">Cadence</a>, <a href="/faculty/">Faculty</a> und '
        '<a href="/graduated/">Graduation decade</a>.</p>'
    ) in home
    assert '<h2 id="browse-title">Nach Expertise stöbern</h2>' in home
    assert '<p id="q-help" class="help">Zum Beispiel „Leadership“, „Englisch“ oder „Sustainability“.</p>' in home
    facet = text(german / "industry" / "index.html")
    assert '<meta name="description" content="Mentorinnen und Mentoren nach Industry.">' in facet


def test_french_home_page_joins_and_quotes_in_french(french):
    home = text(french / "index.html")
    assert (
        '<p class="browse-other">Ou parcourir par <a href="/industry/">industry</a>, '
        '<a href="/countries/">country</a>, <a href="/languages/">language</a>, '
        '<a href="/formats/">mentoring format</a>, <a href="/meeting/">meeting mode</a>, '
        '<a href="/cadence/">cadence</a>, <a href="/faculty/">faculty</a> et '
        '<a href="/graduated/">graduation decade</a>.</p>'
    ) in home
    assert '<h2 id="browse-title">Parcourir par expertise</h2>' in home
    assert (
        '<p id="q-help" class="help">Par exemple «\u00a0Leadership\u00a0», «\u00a0anglais\u00a0» ou «\u00a0Sustainability\u00a0».</p>'
        in home
    )
    assert script_strings(french, "fr")["nounsCapitalised"] is False


def test_mentor_page_lists_its_values_in_the_pages_language(german, french):
    """A profile's languages as one list in the page's language, links kept: "A, B und C", "A, B et C"."""
    assert (
        '<dt>Language</dt><dd><a href="/languages/fi/">Finnisch</a>, <a href="/languages/sv/">Schwedisch</a> und '
        '<a href="/languages/en/">Englisch</a></dd>'
    ) in text(german / "mentors" / "aino-virtanen" / "index.html")
    assert (
        '<dt>Language</dt><dd><a href="/languages/fi/">finnois</a>, <a href="/languages/sv/">suédois</a> et '
        '<a href="/languages/en/">anglais</a></dd>'
    ) in text(french / "mentors" / "aino-virtanen" / "index.html")


def test_join_list_keeps_markup_and_escapes_text(tmp_path):
    """The list filter over HTML: a link stays a link, text is escaped, the glue is the language's."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML})
    env = make_environment(site, load_config(site), {}, TODAY, messages=messages_for("de"))
    template = env.from_string(
        '{% set link %}<a href="/x/">X</a>{% endset %}{{ [link, "R&D", "<b>"]|join_list }} · '
        '{{ ["R&D", "Design"]|map("quoted")|join_list(style="or") }} · {{ "Branche"|in_sentence }}'
    )
    assert template.render() == '<a href="/x/">X</a>, R&amp;D und &lt;b&gt; · „R&amp;D“ oder „Design“ · Branche'
