"""Multilingual sites (issue 12 item 4): `languages = ["en", "fr"]` builds one tree per language,
with a switcher, hreflang alternates, one sitemap, translated guides and profile translations."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from kit import BIO, GOOD_PROFILE, PHOTO_PATH, SITE_TOML, TODAY, tiny_jpeg, write_site

from mentorsite.build import build_site, check_site

BILINGUAL_TOML = SITE_TOML.replace('language = "en"\n', 'languages = ["en", "fr"]\n').replace(
    'label = "Industry"', 'label = {en = "Industry", fr = "Secteur"}'
)
FRENCH_BIO = (
    "Ada dirige des équipes de données depuis quinze ans dans la santé publique et la finance. "
    "Elle aime aider les gens à passer de l'analyse au management, un problème concret à chaque rencontre."
)
TRANSLATED = (
    GOOD_PROFILE
    + f"""translations:
  fr:
    headline: Responsable des données pour la santé publique
    bio: |
      {FRENCH_BIO}
"""
)
UNTRANSLATED = GOOD_PROFILE.replace("name: Ada Example", "name: Bo Example").replace("ada.private@", "bo.private@")
GUIDE = "---\ntitle: Planning a first meeting\n---\n\nBring one question.\n"
GUIDE_FR = "---\ntitle: Préparer une première rencontre\n---\n\nApportez une question.\n"
FRENCH_ONLY = "---\ntitle: Bienvenue\n---\n\nUn guide écrit en français seulement.\n"
REPO = Path(__file__).resolve().parents[1]


def bilingual_site(root: Path, **files: str | bytes) -> Path:
    return write_site(
        root,
        files={
            "site.toml": BILINGUAL_TOML,
            "mentors/ada.yaml": TRANSLATED,
            "mentors/bo.yaml": UNTRANSLATED,
            "content/guides/planning.md": GUIDE,
            "content/guides/planning.fr.md": GUIDE_FR,
            "content/guides/agreement.md": GUIDE.replace("Planning a first meeting", "Agreements"),
            "content/guides/bienvenue.fr.md": FRENCH_ONLY,
            **files,
        }
        | {PHOTO_PATH: tiny_jpeg()},
    )


def bilingual_example(root: Path) -> Path:
    """A copy of the example site built in English and French."""
    for name in ("mentors", "content", "schema"):
        shutil.copytree(REPO / name, root / name)
    toml = (REPO / "site.toml").read_text(encoding="utf-8")
    (root / "site.toml").write_text(toml.replace('language = "en"\n', 'languages = ["en", "fr"]\n'), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bilingual")
    report = build_site(bilingual_site(root / "site"), root / "out", today=TODAY)
    assert report.written, [d.human() for d in report.errors]
    return root / "out"


def read(out: Path, path: str) -> str:
    return (out / path).read_text(encoding="utf-8")


def hreflangs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def switcher(html: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="language-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no language switcher"
    return [
        (href, lang, bool(current))
        for href, lang, current in re.findall(
            r'<a href="([^"]+)" lang="([^"]+)" hreflang="\2"( aria-current="page")?>', nav.group(1)
        )
    ]


def test_each_language_is_a_complete_tree_with_the_default_at_the_root(built):
    """The default language keeps the single-language URLs; French has its own pages, search and scripts."""
    for path in ("index.html", "mentors/ada/index.html", "guides/planning/index.html", "search/manifest.json"):
        assert (built / path).is_file(), path
        assert (built / "fr" / path).is_file(), "fr/" + path
    assert '<html lang="fr" dir="ltr">' in read(built, "fr/mentors/ada/index.html")
    assert '<html lang="en" dir="ltr">' in read(built, "mentors/ada/index.html")
    assert not (built / "fr" / "sitemap.xml").exists() and not (built / "fr" / "robots.txt").exists()
    assert (built / "guides/bienvenue/index.html").exists() is False
    assert (built / "fr/guides/bienvenue/index.html").is_file()


def test_every_page_lists_its_languages_and_x_default(built):
    base = "http://localhost:8000/"
    assert hreflangs(read(built, "fr/mentors/ada/index.html")) == {
        "en": base + "mentors/ada/",
        "fr": base + "fr/mentors/ada/",
        "x-default": base + "mentors/ada/",
    }
    # A guide only French has: its one language, and x-default at the default's home.
    assert hreflangs(read(built, "fr/guides/bienvenue/index.html")) == {
        "fr": base + "fr/guides/bienvenue/",
        "x-default": base,
    }


def test_the_switcher_leads_to_the_same_page_or_that_languages_home(built):
    assert switcher(read(built, "mentors/ada/index.html")) == [
        ("/mentors/ada/", "en", True),
        ("/fr/mentors/ada/", "fr", False),
    ]
    assert switcher(read(built, "fr/guides/bienvenue/index.html")) == [
        ("/", "en", False),
        ("/fr/guides/bienvenue/", "fr", True),
    ]
    html = read(built, "fr/index.html")
    assert '<a href="/" lang="en" hreflang="en">English</a>' in html
    assert '<a href="/fr/" lang="fr" hreflang="fr" aria-current="page">Français</a>' in html


def test_untranslated_text_falls_back_marked_with_its_language(built):
    """Ada's headline and bio are French; Bo's stay English, marked lang="en" on their elements."""
    ada, bo = read(built, "fr/mentors/ada/index.html"), read(built, "fr/mentors/bo/index.html")
    assert '<p class="profile-headline">Responsable des données pour la santé publique</p>' in ada
    assert '<div class="prose">\n<p>Ada dirige des équipes' in ada
    assert re.search(r'<p class="profile-headline" lang="en">[^<]+</p>', bo)
    assert '<div class="prose" lang="en">' in bo
    assert ' lang="en"' not in read(built, "mentors/bo/index.html").split("<main", 1)[1].split("language-nav")[0]


def test_an_untranslated_guide_is_shown_in_its_language_with_a_note(built):
    agreement, planning = read(built, "fr/guides/agreement/index.html"), read(built, "fr/guides/planning/index.html")
    assert '<p class="notice" role="note">Ce guide n’est pas encore disponible en français.</p>' in agreement
    assert (
        '<header class="doc-header" lang="en">' in agreement and '<div class="doc-body prose" lang="en">' in agreement
    )
    assert "<h1>Préparer une première rencontre</h1>" in planning and "notice" not in planning


def test_facet_labels_take_the_language_of_the_tree(built):
    assert "Secteur" in read(built, "fr/industry/index.html")
    assert "Secteur" not in read(built, "industry/index.html")


def test_one_search_index_per_language(built):
    """The French index finds the French headline; the English one does not."""

    def index_text(folder: Path) -> str:
        return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())

    french, english = index_text(built / "fr" / "search"), index_text(built / "search")
    assert "Responsable des données" in french
    assert "Responsable des données" not in english
    assert "Data lead" not in french or "Data lead" in english


def test_the_sitemap_lists_every_language_with_alternates(built):
    """One sitemap at the root, valid XML in the sitemaps.org namespace, with xhtml:link alternates."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(read(built, "sitemap.xml"))
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    base = "http://localhost:8000/"
    assert {base + "mentors/ada/", base + "fr/mentors/ada/", base + "fr/guides/bienvenue/"} <= set(urls)
    links = {(link.get("hreflang"), link.get("href")) for link in urls[base + "fr/mentors/ada/"].findall("x:link", ns)}
    assert links == {("en", base + "mentors/ada/"), ("fr", base + "fr/mentors/ada/")}


def test_a_translation_is_html_escaped(tmp_path):
    hostile = TRANSLATED.replace(
        "headline: Responsable des données pour la santé publique", 'headline: "<script>alert(1)</script>"'
    )
    out = tmp_path / "out"
    report = build_site(bilingual_site(tmp_path / "site", **{"mentors/ada.yaml": hostile}), out, today=TODAY)
    assert report.written, [d.human() for d in report.errors]
    html = read(out, "fr/mentors/ada/index.html")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def errors_of(site: Path) -> list[str]:
    return [d.human() for d in check_site(site, today=TODAY)[2].errors]


@pytest.mark.parametrize("tag", ["../x", 'en"><script>'])
def test_a_hostile_language_code_is_refused_at_its_line(tmp_path, tag):
    toml = BILINGUAL_TOML.replace('languages = ["en", "fr"]', f"languages = ['en', '{tag}']")
    line = toml.splitlines().index(f"languages = ['en', '{tag}']") + 1
    found = errors_of(write_site(tmp_path, files={"site.toml": toml}))
    assert len(found) == 1 and found[0].startswith(
        f"site.toml:{line}:1: error: 'languages item 2' has an invalid format"
    )


def test_language_and_languages_together_are_refused(tmp_path):
    toml = BILINGUAL_TOML.replace('languages = ["en", "fr"]\n', 'languages = ["en", "fr"]\nlanguage = "en"\n')
    assert errors_of(write_site(tmp_path, files={"site.toml": toml}))[0].startswith(
        "site.toml:5:1: error: both language and languages are set\n"
        "    hint: keep languages (its first, en, is the default) and delete language"
    )


def test_a_translation_into_another_language_is_refused_at_its_key(tmp_path):
    profile = TRANSLATED.replace("translations:\n  fr:", "translations:\n  de:")
    line = profile.splitlines().index("  de:") + 1
    site = bilingual_site(tmp_path, **{"mentors/ada.yaml": profile})
    assert errors_of(site) == [
        f"mentors/ada.yaml:{line}:3: error: 'de' is not one of the site's languages\n"
        "    hint: translations may be in: fr"
    ]


def test_a_guide_in_a_language_the_site_does_not_build_is_skipped_with_one_warning(tmp_path):
    site = bilingual_site(tmp_path, **{"content/guides/planning.de.md": GUIDE})
    config, loaded, report = check_site(site, today=TODAY)
    assert [d.human() for d in report.warnings if d.path.startswith("content/")] == [
        "content/guides/planning.de.md: warning: not read: a translation into 'de', which is not one of the "
        "site's other languages\n    hint: the site is built in en, fr; add 'de' to `languages` to build it"
    ]
    assert not report.errors
    assert BIO  # the profiles are the kit's warning-free ones


def test_a_label_in_a_language_the_site_does_not_build_is_refused(tmp_path):
    toml = BILINGUAL_TOML.replace(
        'label = {en = "Industry", fr = "Secteur"}', 'label = {en = "Industry", de = "Branche"}'
    )
    line = toml.splitlines().index('label = {en = "Industry", de = "Branche"}') + 1
    assert errors_of(write_site(tmp_path, files={"site.toml": toml})) == [
        f"site.toml:{line}:1: error: facet 'industry' has a label in 'de', which is not one of the site's languages\n"
        "    hint: languages are en, fr; add 'de' to them or remove the label"
    ]


#: The site's own fields, labelled per language: a choice whose label and one value are
#: translated, and a text field whose label is not.
OWN_FIELDS = """
[[fields]]
key = "faculty"
label = {en = "Faculty", fr = "Faculté"}
type = "choice"
[fields.values]
engineering = { label = { en = "Engineering", fr = "Ingénierie" } }
humanities = "Arts and Humanities"

[[fields]]
key = "motto"
label = "Motto"

[[facets]]
key = "faculty"
label = {en = "Faculty", fr = "Faculté"}
"""


@pytest.fixture(scope="module")
def own_fields(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("own-fields")
    profile = TRANSLATED.replace("name: Ada Example\n", "name: Ada Example\nfaculty: engineering\nmotto: Ask early\n")
    other = UNTRANSLATED.replace("name: Bo Example\n", "name: Bo Example\nfaculty: humanities\n")
    site = bilingual_site(
        root / "site",
        **{"site.toml": BILINGUAL_TOML + OWN_FIELDS, "mentors/ada.yaml": profile, "mentors/bo.yaml": other},
    )
    report = build_site(site, root / "out", today=TODAY)
    assert report.written, [d.human() for d in report.errors]
    return root / "out"


def own_field_terms(html: str) -> list[str]:
    """The <dt> and <dd> of the site's own fields on a mentor page, as written."""
    return re.findall(r"<dt(?: lang=\"\w+\")?>(?:Faculty|Faculté|Motto)</dt><dd>.*?</dd>", html)


def test_own_field_labels_take_the_language_of_the_tree(own_fields):
    """The French tree shows a field's French label and its value's; an untranslated label is the
    default language's, marked with its lang; the English tree is unchanged and unmarked."""
    french = read(own_fields, "fr/mentors/ada/index.html")
    english = read(own_fields, "mentors/ada/index.html")
    assert own_field_terms(french) == [
        '<dt>Faculté</dt><dd><a href="/fr/faculty/engineering/">Ingénierie</a></dd>',
        '<dt lang="en">Motto</dt><dd>Ask early</dd>',
    ]
    assert own_field_terms(english) == [
        '<dt>Faculty</dt><dd><a href="/faculty/engineering/">Engineering</a></dd>',
        "<dt>Motto</dt><dd>Ask early</dd>",
    ]


def test_a_facet_over_an_own_field_takes_its_values_labels_in_the_tree(own_fields):
    """The facet's pages list the field's values with the tree's labels (the default's where untranslated)."""
    french = read(own_fields, "fr/faculty/index.html")
    assert "Ingénierie" in french and "Arts and Humanities" in french and "Engineering" not in french
    assert "Engineering" in read(own_fields, "faculty/index.html")


@pytest.mark.parametrize(
    ("given", "what"),
    [
        ('label = {en = "Faculty", fr = "Faculté"}', "field 'faculty'"),
        ('engineering = { label = { en = "Engineering", fr = "Ingénierie" } }', "field 'faculty' value 'engineering'"),
    ],
)
def test_an_own_field_label_in_a_language_the_site_does_not_build_is_refused(tmp_path, given, what):
    """A label of the site's own field (or of one of its values) in another language than the
    site's is an error at its line, naming the site's languages."""
    wrong = given.replace("fr = ", "de = ")
    toml = BILINGUAL_TOML + OWN_FIELDS.replace(given, wrong, 1)
    line = toml.splitlines().index(wrong) + 1
    assert errors_of(write_site(tmp_path, files={"site.toml": toml})) == [
        f"site.toml:{line}:1: error: {what} has a label in 'de', which is not one of the site's languages\n"
        "    hint: languages are en, fr; add 'de' to them or remove the label"
    ]


def test_a_page_cannot_take_a_languages_folder(tmp_path):
    site = bilingual_site(tmp_path, **{"content/fr.md": "---\ntitle: Français\n---\n\nBonjour.\n"})
    assert errors_of(site) == [
        "content/fr.md: error: page 'fr' would replace the site's /fr/ pages\n    hint: rename the file"
    ]


def test_an_overlong_translation_key_is_refused_without_echoing_it(tmp_path):
    """A key of 36+ characters is no language tag: refused at its line, and not repeated back."""
    key = "fr-" + "x" * 60
    profile = TRANSLATED.replace("translations:\n  fr:", f"translations:\n  {key}:")
    line = profile.splitlines().index(f"  {key}:") + 1
    site = bilingual_site(tmp_path, **{"mentors/ada.yaml": profile})
    assert errors_of(site) == [
        f"mentors/ada.yaml:{line}:3: error: a language tag has at most 35 characters\n"
        "    hint: write a code such as fr or pt-BR"
    ]
