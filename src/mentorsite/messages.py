"""The interface's words in the site's language: gettext catalogues read with Babel.

The theme's strings (templates, browser scripts, titles built in Python) are extracted with
Babel into ``locales/mentorsite.pot``; each shipped language has its catalogue in
``locales/<lang>/LC_MESSAGES/mentorsite.po``, read at build time (no compiled ``.mo`` in the
repository). A site may override any string for its language in ``locales/<lang>.po``; those
entries are checked (a msgid no template uses, placeholders that differ from the msgid's) and
reported at their line.

Everything here is per language: ``load_messages(site_dir, "fr")`` gives one `Messages`, so a
build in several languages renders the same templates once per `Messages`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, PoFileParser, read_po
from babel.support import Translations

from .diagnostics import Diagnostic

#: The gettext domain of the theme's catalogues.
DOMAIN = "mentorsite"
#: Shipped catalogues: <lang>/LC_MESSAGES/mentorsite.po, and the template mentorsite.pot.
LOCALES = Path(__file__).parent / "locales"
#: The language msgids are written in.
SOURCE_LANGUAGE = "en"
#: Python-format placeholders ("%(count)s"); the only kind the theme's strings use.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
#: The messages the browser scripts read, loaded before them (see script_messages).
SCRIPT_HELPER = Path(__file__).with_name("messages.js")


@cache
def locale_of(language: str) -> Locale | None:
    """The CLDR locale of a site's language tag ("pt-BR" -> pt_BR), or None when CLDR has none.

    Subtags are dropped from the end until CLDR knows the tag, so a region or variant it lacks
    (`ar-XY`) still finds its language, while a script (`az-Arab` against `az`) is kept when known.
    """
    subtags = language.replace("_", "-").split("-")
    while subtags:
        try:
            return Locale.parse("-".join(subtags), sep="-")
        except (UnknownLocaleError, ValueError):
            subtags.pop()
    return None


#: Languages that write every noun with a capital letter, which CLDR does not record: a facet's
#: label keeps its capital inside a sentence there ("Nach Branche stöbern"), where English
#: lower-cases it ("Browse by industry").
NOUNS_CAPITALISED = frozenset({"de", "lb"})


def nouns_capitalised(language: str) -> bool:
    locale = locale_of(language)
    return locale is not None and locale.language in NOUNS_CAPITALISED


def label_in_sentence(label: str, language: str) -> str:
    """A label ("Industry", "Branche") as it reads inside a sentence: "industry", but "Branche"."""
    return label if nouns_capitalised(language) else label.lower()


def shipped_languages() -> list[str]:
    """Languages with a catalogue in the package, e.g. ["ar", "de", "en", …]."""
    return sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def shipped_catalogue_path(language: str) -> Path | None:
    """The package's catalogue for `language`, its region dropped when only the language has one."""
    for candidate in (language.replace("-", "_"), language.split("-")[0].lower()):
        path = LOCALES / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return path
    return None


@cache
def theme_template() -> Catalog:
    """Every string the theme uses (mentorsite.pot, extracted by scripts/extract-messages.sh)."""
    with (LOCALES / f"{DOMAIN}.pot").open("rb") as fh:
        return read_po(fh)


@cache
def _shipped(language: str) -> Catalog | None:
    path = shipped_catalogue_path(language)
    if path is None:
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parent.parent.name)


def msgid_of(message: Message) -> str:
    """The key a message is looked up by: its msgid, or the singular of a plural one."""
    return message.id if isinstance(message.id, str) else message.id[0]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings) and not message.fuzzy


@dataclass(frozen=True)
class Messages:
    """The theme's words in one language: gettext with plural forms, and which fall back to English."""

    language: str
    translations: Translations
    #: Msgids shown in English on a page in another language (no translation shipped or given).
    fallback: frozenset[str] = field(default_factory=frozenset)

    def gettext(self, msgid: str, **variables: object) -> str:
        text = self.translations.gettext(msgid)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"count": n, **variables}

    def marked(self, msgid: str, text: str) -> str:
        """`text` (the translation of `msgid`, as markup) in a span with lang="en" when it is the
        English fallback, so a screen reader does not read it with the page's voice."""
        if msgid in self.fallback:
            return f'<span lang="{SOURCE_LANGUAGE}">{text}</span>'
        return text

    def plural_forms(self, singular: str, plural: str) -> dict[str, str]:
        """A plural message by CLDR plural category ("one", "few", …), as Intl.PluralRules names them."""
        locale = locale_of(self.language) or Locale.parse(SOURCE_LANGUAGE)
        return {
            category: self.translations.ngettext(singular, plural, n) for category, n in _plural_samples(str(locale))
        }


@lru_cache(maxsize=64)
def _plural_samples(locale: str) -> tuple[tuple[str, int], ...]:
    """Each CLDR plural category of `locale` with the first number in it (of 0–999 and a
    million), in that order: the same for every message, and a thousand rule evaluations per
    message at every build of serve otherwise."""
    rules = Locale.parse(locale)
    found: dict[str, int] = {}
    for n in (*range(0, 1000), 1_000_000):
        found.setdefault(rules.plural_form(n), n)
    return tuple(found.items())


def merged_catalogue(language: str, site_catalogue: Catalog | None = None) -> Catalog:
    """The shipped catalogue of `language` (empty for one not shipped) with the site's entries over it."""
    merged = Catalog(locale=str(locale_of(language) or SOURCE_LANGUAGE), domain=DOMAIN)
    shipped = _shipped(language)
    if shipped is not None:
        # The shipped catalogue's Plural-Forms header decides which form is which, whatever
        # the installed Babel's own plural tables say.
        merged.mime_headers = shipped.mime_headers
    chosen: dict[str, Message] = {}  # by msgid: Catalog.add would keep the first translation
    for source in (shipped, site_catalogue):
        for message in source or ():
            if message.id and _translated(message):
                chosen[msgid_of(message)] = message
    for message in chosen.values():
        merged.add(message.id, message.string, flags=message.flags)
    return merged


def messages_for(language: str, site_catalogue: Catalog | None = None) -> Messages:
    """The `Messages` of one language: shipped strings, the site's over them, English for the rest."""
    if site_catalogue is None:
        return _shipped_messages(language)
    return _made_messages(language, site_catalogue)


@lru_cache(maxsize=16)
def _shipped_messages(language: str) -> Messages:
    """A language's shipped words alone, made once per process (serve asks at every rebuild;
    a Messages is never changed once made)."""
    return _made_messages(language, None)


def _made_messages(language: str, site_catalogue: Catalog | None) -> Messages:
    catalogue = merged_catalogue(language, site_catalogue)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    translations = Translations(buffer, domain=DOMAIN)
    if language.split("-")[0].lower() == SOURCE_LANGUAGE:
        fallback: frozenset[str] = frozenset()
    else:
        fallback = frozenset(msgid_of(m) for m in theme_template() if m.id and msgid_of(m) not in catalogue)
    return Messages(language, translations, fallback)


@cache
def source_messages() -> Messages:
    """The msgids themselves (English): what a caller that passes no `Messages` speaks."""
    return messages_for(SOURCE_LANGUAGE)


# --------------------------------------------------------------------------- a site's own catalogue


def site_catalogue_path(site_dir: Path, language: str) -> Path:
    """Where a site overrides the theme's strings for `language`: locales/<language>.po."""
    return site_dir / "locales" / f"{language}.po"


def site_catalogue(site_dir: Path, language: str, known: Iterable[str]) -> tuple[Catalog | None, list[Diagnostic]]:
    """The site's own catalogue for `language`, with a positioned problem for each entry that
    cannot be used (its entries with problems are left out). `known` are the msgids in use."""
    path = site_catalogue_path(site_dir, language)
    if not path.is_file():
        return None, []
    where = path.relative_to(site_dir).as_posix()
    try:
        catalogue = Catalog(locale=str(locale_of(language) or SOURCE_LANGUAGE), domain=DOMAIN)
        shipped = _shipped(language)
        if shipped is not None:
            # An overlay of the shipped catalogue: its plural forms, unless the file says otherwise.
            catalogue.mime_headers = shipped.mime_headers
        with path.open("rb") as fh:
            PoFileParser(catalogue, abort_invalid=True).parse(fh)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        return None, [Diagnostic(where, line, 1 if line else 0, f"cannot read this catalogue: {exc}")]
    known = set(known)
    problems: list[Diagnostic] = []
    for message in list(catalogue):
        if not message.id:
            continue
        line = message.lineno or 0
        msgid = msgid_of(message)
        if msgid not in known:
            problems.append(
                Diagnostic(
                    where,
                    line,
                    1,
                    f"unknown msgid {msgid!r}: no template or script uses it",
                    "copy the msgid exactly from mentorsite's locales/mentorsite.pot or from your own templates",
                )
            )
            catalogue.delete(message.id)
            continue
        for extra, lacking in placeholder_problems(message)[:1]:
            detail = "; ".join(
                part
                for part in (
                    f"unknown placeholder {', '.join(f'%({p})s' for p in extra)}" if extra else "",
                    f"missing placeholder {', '.join(f'%({p})s' for p in lacking)}" if lacking else "",
                )
                if part
            )
            problems.append(
                Diagnostic(
                    where,
                    line,
                    1,
                    f"translation of {msgid!r} has other placeholders than its msgid: {detail}",
                    "keep every %(name)s of the msgid, spelled the same",
                )
            )
            catalogue.delete(message.id)
    return catalogue, problems


def placeholder_problems(message: Message) -> list[tuple[list[str], list[str]]]:
    """How the translations of `message` misuse the msgid's placeholders: (unknown, missing) each.

    A plain message keeps exactly the msgid's placeholders. A plural one may leave the number
    out of a form that spells it (Arabic "مرشدان", two mentors), but each placeholder must
    appear in some form, and none may appear that the msgid lacks.
    """
    ids: tuple[str, ...] = tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)
    wanted = set().union(*(placeholders(s) for s in ids))
    raw = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    strings = [s for s in raw if s]
    found: list[tuple[list[str], list[str]]] = []
    used: set[str] = set()
    for text in strings:
        have = placeholders(text)
        used |= have
        lacking = [] if isinstance(message.id, tuple) else sorted(wanted - have)
        if have - wanted or lacking:
            found.append((sorted(have - wanted), lacking))
    if isinstance(message.id, tuple) and strings and wanted - used:
        found.append(([], sorted(wanted - used)))
    return found


def load_messages(site_dir: Path, language: str, extra_msgids: Iterable[str] = ()) -> tuple[Messages, list[Diagnostic]]:
    """The `Messages` of a site in `language`, and the problems of its own catalogue.

    `extra_msgids` are strings the site's own templates use besides the theme's.
    """
    known = {msgid_of(m) for m in theme_template() if m.id} | set(extra_msgids)
    catalogue, problems = site_catalogue(site_dir, language, known)
    return messages_for(language, catalogue), problems


# --------------------------------------------------------------------------- extraction


#: What Babel extracts: its default keywords, and the templates' attr_gettext (text for an attribute).
KEYWORDS = {**DEFAULT_KEYWORDS, "attr_gettext": None}


@lru_cache(maxsize=256)
def extract_strings(method: str, data: bytes) -> tuple[str | tuple[str, str], ...]:
    """The msgids in a template ("jinja2") or script ("javascript") source; plural ones as pairs.
    Remembered by source: serve asks for the same scripts and templates at every rebuild."""
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "false"} if method == "jinja2" else {}
    found: list[str | tuple[str, str]] = []
    for _line, message, _comments, _context in extract(method, io.BytesIO(data), KEYWORDS, options=options):
        if isinstance(message, tuple):
            found.append((message[0], message[1]))
        else:
            found.append(message)
    return tuple(found)


def script_messages(messages: Messages, scripts: Iterable[bytes]) -> bytes:
    """The file the browser scripts take their words from: the translation of every msgid the
    scripts use (plural ones by CLDR plural category), then the helper that reads them."""
    table: dict[str, str | dict[str, str]] = {}
    for source in scripts:
        for message in extract_strings("javascript", source):
            if isinstance(message, tuple):
                table[message[0]] = messages.plural_forms(*message)
            else:
                table[message] = messages.gettext(message)
    data = {
        "lang": messages.language,
        "messages": dict(sorted(table.items())),
        "nounsCapitalised": nouns_capitalised(messages.language),
    }
    head = "window.mentorsiteMessages = " + json.dumps(data, ensure_ascii=False, sort_keys=True) + ";\n"
    return head.encode("utf-8") + SCRIPT_HELPER.read_bytes()


def script_messages_name(language: str) -> str:
    """The asset name of the scripts' messages in `language`."""
    return f"messages.{language}.js"


def jinja_gettext(messages: Messages):
    """gettext and ngettext for Jinja's i18n extension (new style): English fallbacks marked."""

    def gettext(msgid: str) -> str:
        return messages.marked(msgid, messages.translations.gettext(msgid))

    def ngettext(singular: str, plural: str, n: int) -> str:
        return messages.marked(singular, messages.translations.ngettext(singular, plural, n))

    def attr_gettext(msgid: str, **variables: object) -> str:
        """For attribute values, where no span may go: plain text, which autoescape escapes."""
        return messages.gettext(msgid, **variables)

    return gettext, ngettext, attr_gettext


def N_(text: str) -> str:
    """Marks `text` as a message (Babel extracts it) where it is defined; it is translated where shown."""
    return text


def site_template_msgids(site_dir: Path) -> set[str]:
    """The msgids a site's own templates (templates/*.html …) use, which its catalogue may translate."""
    folder = site_dir / "templates"
    found: set[str] = set()
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".html", ".xml", ".txt") and path.is_file() and not path.is_symlink():
            try:
                messages = extract_strings("jinja2", path.read_bytes())
            except Exception:  # a broken template: check_templates reports it
                continue
            found.update(m if isinstance(m, str) else m[0] for m in messages)
    return found
