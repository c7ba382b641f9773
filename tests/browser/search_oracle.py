"""Expected search, filter and match results, computed in Python from the profiles.

An independent statement of the rules search.js implements (see src/mentorsite/search.py):
the browser's answers must equal these, mentor for mentor and in order.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mentorsite.build import check_site
from mentorsite.index import directory_order, facet_keys
from mentorsite.labels import builtin_labels, facet_labels
from mentorsite.messages import messages_for
from mentorsite.models import facet_values
from mentorsite.search import STOP_WORDS

SPECIAL = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
}
EXACT, PREFIX, TYPO = 1.0, 0.8, 0.5
#: Weight of each profile field, stated here per field (search.py groups the equal ones).
WEIGHTS = {
    "name": 9,
    "tags": 8,
    "headline": 5,
    "role": 4,
    "organisation": 4,
    "location": 4,
    "industry": 4,
    "languages": 4,
    "own fields": 4,  # the site's own ([[fields]]): text, numbers, years and choice labels
    "topics": 3,
    "formats": 2,
    "bio": 1,
}


#: Letters people type one for another, outside Latin (stated here by what they are).
TYPED_ALIKE = {
    "\N{ARABIC LETTER ALEF WASLA}": "\N{ARABIC LETTER ALEF}",
    "\N{ARABIC LETTER ALEF MAKSURA}": "\N{ARABIC LETTER YEH}",
    "\N{ARABIC LETTER FARSI YEH}": "\N{ARABIC LETTER YEH}",
    "\N{ARABIC LETTER KEHEH}": "\N{ARABIC LETTER KAF}",
    "\N{ARABIC LETTER TEH MARBUTA}": "\N{ARABIC LETTER HEH}",
    "\N{ARABIC TATWEEL}": "",
    "\N{HEBREW LETTER FINAL KAF}": "\N{HEBREW LETTER KAF}",
    "\N{HEBREW LETTER FINAL MEM}": "\N{HEBREW LETTER MEM}",
    "\N{HEBREW LETTER FINAL NUN}": "\N{HEBREW LETTER NUN}",
    "\N{HEBREW LETTER FINAL PE}": "\N{HEBREW LETTER PE}",
    "\N{HEBREW LETTER FINAL TSADI}": "\N{HEBREW LETTER TSADI}",
    "\N{DEVANAGARI SIGN CANDRABINDU}": "\N{DEVANAGARI SIGN ANUSVARA}",
    "\N{ZERO WIDTH NON-JOINER}": "",
    "\N{ZERO WIDTH JOINER}": "",
}
#: Scripts whose combining marks are part of the letter (vowel signs, viramas): kept.
MARK_SCRIPTS = (
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
    "SINHALA",
    "THAI",
    "LAO",
    "TIBETAN",
    "MYANMAR",
    "KHMER",
)
ARTICLE = "\N{ARABIC LETTER ALEF}\N{ARABIC LETTER LAM}"


def is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


def kept_mark(c: str) -> bool:
    """A vowel sign or the like of an Indic (or South-East Asian) script; the nukta is not one."""
    name = unicodedata.name(c, "")
    return is_mark(c) and name.startswith(MARK_SCRIPTS) and not name.endswith("SIGN NUKTA")


def is_cjk(c: str) -> bool:
    """Written without spaces between words: Han ideographs, hiragana, katakana."""
    name = unicodedata.name(c, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA")) or (
        c in "々〆〇ー"
    )


def fold(text: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", text.lower()):
        if is_mark(c) and not kept_mark(c):
            continue
        if "\N{ARABIC-INDIC DIGIT ZERO}" <= c <= "\N{ARABIC-INDIC DIGIT NINE}" or (
            "\N{EXTENDED ARABIC-INDIC DIGIT ZERO}" <= c <= "\N{EXTENDED ARABIC-INDIC DIGIT NINE}"
        ):
            c = str(unicodedata.digit(c))
        out.append(SPECIAL.get(c, TYPED_ALIKE.get(c, c)))
    return "".join(out)


def split_words(text: str) -> list[str]:
    """Runs of letters, digits and kept marks of folded text, CJK and other letters apart."""
    runs: list[str] = []
    kind = None
    for c in text:
        now = None if not (c.isalnum() or is_mark(c)) else ("cjk" if is_cjk(c) else "word")
        if now and now == kind:
            runs[-1] += c
        elif now:
            runs.append(c)
        kind = now
    return runs


def words(text: str | None, query: bool = False) -> list[str]:
    """Tokens of a text: words of two letters or more; Chinese and Japanese as character pairs
    and the last character; an Arabic word with the article also without it (a query: only
    without it)."""
    out = []
    for run in split_words(fold(text or "")):
        if is_cjk(run[0]):
            out += [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]
        elif len(run) >= 2:
            bare = run[2:] if run.startswith(ARTICLE) and len(run) > 3 else None
            out += [bare] if query and bare else [run, bare] if bare else [run]
    return out


def one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance (adjacent swaps) at most 1."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        )
    return a[i + 1 :] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1 :]


def near(word: str, token: str) -> bool:
    return one_edit(word, token) or any(
        3 <= n < len(token) and one_edit(word, token[:n]) for n in (len(word) - 1, len(word), len(word) + 1)
    )


@dataclass
class Person:
    slug: str
    name: str
    accepting: bool
    values: dict[str, list[str]]  # facet key -> value keys
    timezone: str | None
    tokens: dict[str, int]  # token -> weight of the best field


class Oracle:
    def __init__(self, site: Path, today):
        config, loaded, report = check_site(site, today=today)
        assert config is not None and not report.errors
        self.config = config
        mentors = {m.slug: m.mentor for m in loaded.mentors if m.mentor.active}
        self.order = directory_order(mentors)
        self.facets = config.facets
        # Labels as the site's language shows them (CLDR names, the catalogue's words, site.toml's own).
        messages = messages_for(config.language)
        self.labels = {f.key: facet_labels(config, f, messages) for f in config.facets}
        self.years = {f.key for f in config.facets if config.facet_group(f)}
        field_labels = {f.source_field: self.labels[f.key] for f in config.facets}
        own_labels = {f.key: {k: v.label for k, v in f.values.items()} for f in config.fields}
        tag_facet = next((f for f in config.facets if f.source_field == "tags"), None)
        aliases = {k: v.aliases for k, v in tag_facet.labelled_values().items()} if tag_facet else {}

        def label(field: str, key: str) -> str:
            if field in field_labels:
                return field_labels[field].get(key, key)
            return (builtin_labels(field, messages) or {}).get(key, key)

        self.people: list[Person] = []
        for slug in self.order:
            m = mentors[slug]
            found: dict[str, int] = {}

            def add(text, weight, found=found):
                for w in words(text):
                    found[w] = max(found.get(w, 0), weight)

            add(m.name, WEIGHTS["name"])
            for tag in m.tags:
                add(label("tags", tag), WEIGHTS["tags"])
                for alias in aliases.get(tag, []):
                    add(alias, WEIGHTS["tags"])
            add(m.headline, WEIGHTS["headline"])
            add(m.role, WEIGHTS["role"])
            add(m.organisation, WEIGHTS["organisation"])
            if m.location:
                add(m.location.city, WEIGHTS["location"])
                if m.location.country:
                    add(label("country", m.location.country.lower()), WEIGHTS["location"])
            if m.industry:
                add(label("industry", m.industry), WEIGHTS["industry"])
            for lang in m.languages:
                add(label("languages", lang), WEIGHTS["languages"])
            for topic in m.help_with:
                add(topic, WEIGHTS["topics"])
            for field in ("formats", "meeting_modes", "cadence"):
                for key in facet_values(m, field):
                    add(label(field, key), WEIGHTS["formats"])
            for own in config.fields:
                if own.type not in ("url", "date"):
                    for value in facet_values(m, own.key):
                        shown = f"{value:g}" if isinstance(value, float) else str(value)
                        add(own_labels[own.key].get(value, shown), WEIGHTS["own fields"])
            add(m.bio, WEIGHTS["bio"])
            found = {t: w for t, w in found.items() if t not in STOP_WORDS or w >= WEIGHTS["tags"]}
            values = {f.key: facet_keys(facet_values(m, f.source_field), config.facet_group(f)) for f in config.facets}
            self.people.append(Person(slug, m.name, m.availability.accepting, values, m.timezone, found))
        self.vocabulary = sorted({t for p in self.people for t in p.tokens})

    # ------------------------------------------------------------------ search
    def query_words(self, q: str) -> list[str]:
        found = words(q, query=True)
        typed = fold(q)
        open_ = bool(found) and (typed[-1:].isalnum() or kept_mark(typed[-1:] or " "))
        kept = []
        for i, w in enumerate(found):
            if (w not in STOP_WORDS or (open_ and i == len(found) - 1)) and w not in kept:
                kept.append(w)
        return kept

    def matches(self, word: str) -> dict[str, float]:
        """Index tokens a query word matches, with their factor."""
        out = {t: (EXACT if t == word else PREFIX) for t in self.vocabulary if t.startswith(word)}
        if out or len(word) < 4:
            return out
        prefixes = {word[:2], (word[1] + word[0] + word[2:])[:2], word[1:3], (word[0] + word[2:])[:2]}
        return {t: TYPO for t in self.vocabulary if t[:2] in prefixes and len(t) >= 3 and near(word, t)}

    def search(self, q: str, filters: dict[str, list[str]] | None = None, accepting: bool = False) -> list[str]:
        """Slugs in result order."""
        qwords = self.query_words(q)
        per_word = [self.matches(w) for w in qwords]
        scored = []
        for ordinal, p in enumerate(self.people):
            if not self.passes(p, filters or {}, accepting):
                continue
            total = 0.0
            for m in per_word:
                best = max((p.tokens[t] * f for t, f in m.items() if t in p.tokens), default=0)
                if not best:
                    break
                total += best
            else:
                scored.append((-total, ordinal, p.slug))
        return [slug for _, _, slug in sorted(scored)]

    @staticmethod
    def passes(p: Person, filters: dict[str, list[str]], accepting: bool, skip: str | None = None) -> bool:
        if accepting and skip != "accepting" and not p.accepting:
            return False
        return all(not chosen or key == skip or set(chosen) & set(p.values[key]) for key, chosen in filters.items())

    def counts(self, q: str, filters: dict[str, list[str]], accepting: bool) -> dict[str, dict[str, int]]:
        """Live counts: for every facet value, the results under the other active filters."""
        text = set(self.search(q))
        out: dict[str, dict[str, int]] = {}
        for facet in self.facets:
            counts: dict[str, int] = {}
            for p in self.people:
                if p.slug in text and self.passes(p, filters, accepting, skip=facet.key):
                    for v in p.values[facet.key]:
                        counts[v] = counts.get(v, 0) + 1
            out[facet.key] = counts
        out["accepting"] = {
            "1": sum(1 for p in self.people if p.slug in text and p.accepting and self.passes(p, filters, False))
        }
        return out

    def used_values(self, key: str) -> list[str]:
        """Values of a facet with at least one mentor, in the order of the filter panel."""
        counts: dict[str, int] = {}
        for p in self.people:
            for v in p.values[key]:
                counts[v] = counts.get(v, 0) + 1
        if key in self.years:  # years and decades in order
            return sorted(counts, key=lambda v: int(v.rstrip("s")))
        return sorted(counts, key=lambda v: (-counts[v], fold(self.labels[key].get(v, v))))

    # ------------------------------------------------------------------ match
    def match(
        self,
        topics: list[str],
        language: str = "",
        format: str = "",
        tz: str = "",
        cadence: str = "",
        now: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """(slug, explanation) of every matching accepting mentor, best first."""
        now = now or datetime.now(ZoneInfo("UTC"))

        def offset(zone: str) -> int:
            return int(now.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)

        key = {f.source_field: f.key for f in reversed(self.facets)}
        out = []
        for ordinal, p in enumerate(self.people):
            if not p.accepting:
                continue
            score, why = 0, []
            if language:
                if language not in p.values[key["languages"]]:
                    continue
                score += 3
                why.append("speaks " + self.labels[key["languages"]][language])
            if topics:
                k = len(set(topics) & set(p.values[key["tags"]]))
                if k:
                    score += 3 * k
                    why.insert(0, "covers your topic" if len(topics) == 1 else f"{k} of your topics")
            if format and format in p.values[key["formats"]]:
                score += 2
                label = self.labels[key["formats"]][format].lower()
                why.append("offers " + label + ("" if "mentoring" in label else " mentoring"))
            if tz and p.timezone:
                mine, theirs = offset(tz), offset(p.timezone)
                if mine == theirs:
                    score += 3
                    why.append("same time zone")
                elif abs(mine - theirs) <= 120:
                    score += 2
                    why.append("time zone within 2 hours")
                elif tz.split("/")[0] == p.timezone.split("/")[0]:
                    score += 1
                    why.append("same region")
            if cadence and cadence in p.values[key["cadence"]]:
                score += 1
                why.append("meets " + self.labels[key["cadence"]][cadence].lower())
            if score:
                text = ", ".join(why)
                out.append((-score, ordinal, p.slug, text[:1].upper() + text[1:]))
        return [(slug, why) for _, _, slug, why in sorted(out)]
