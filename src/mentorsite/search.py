"""Client-side search index: static files under search/ that the browser fetches piece by piece (layout and figures: docs/search.md)."""

from __future__ import annotations

import gc
import hashlib
import html
import json
import re
import unicodedata
from functools import lru_cache

from .config import SiteConfig
from .index import FacetView
from .views import MentorView

#: Bumped when the file layout changes; search.js refuses an index of another format.
FORMAT = 2
#: Mentors per display-record file.
CHUNK = 40
#: Length of the token prefix that picks a shard.
PREFIX = 2
#: Digits of base-62 value codes in facet columns.
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: Field weights, stored as the posting's weight digit (the best field a token occurs in).
WEIGHTS = {
    "name": 9,
    "tags": 8,  # expertise tag labels and their aliases
    "headline": 5,
    "details": 4,  # role, organisation, city, country, industry, languages, the site's own fields
    "topics": 3,  # "I can help with"
    "formats": 2,  # formats, meeting modes, cadence
    "bio": 1,
}

#: Words too common to index, except in names and expertise tags (the weights kept whole below).
#: The browser drops them from queries too, unless still being typed.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "our",
        "out",
        "over",
        "she",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)

_WHOLE_FIELD_WEIGHTS = frozenset({WEIGHTS["name"], WEIGHTS["tags"]})

# Letters that are not a base letter plus accents in Unicode, folded the way people type them.
# The manifest hands this table to search.js, so queries fold exactly as the index does.
_FOLD = {
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
_DIGITS = "0123456789"
_WORD = re.compile(r"[^\W_]{2,}")
_TAG = re.compile(r"<[^>]*>")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    """str.translate table: drop combining marks (Unicode category M), fold the letters above."""
    table: dict[int, str | None] = {cp: None for cp in range(0x300, 0x10000) if unicodedata.category(chr(cp))[0] == "M"}
    table.update({ord(k): v for k, v in _FOLD.items()})
    return table


def normalise(text: str) -> str:
    """Lower-case, accents stripped: the form both the index and search.js compare."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.lower()).translate(_fold_table())


def tokens(text: str) -> list[str]:
    """Words of text (letters and digits), normalised; one-character words are dropped."""
    return _WORD.findall(normalise(text))


@lru_cache(maxsize=4096)
def _label_tokens(text: str) -> tuple[str, ...]:
    """tokens() of the short texts many mentors share (labels, cities, aliases)."""
    return tuple(tokens(text))


def _plain(markup: str) -> str:
    """Text of rendered HTML (bios are stored as HTML in the views)."""
    return html.unescape(_TAG.sub(" ", markup))


def _b26(value: int) -> str:
    out = ""
    while True:
        out = chr(97 + value % 26) + out
        value //= 26
        if not value:
            return out


def _code(index: int, width: int) -> str:
    out = ""
    for _ in range(width):
        out = ALPHABET[index % 62] + out
        index //= 62
    return out


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _mentor_tokens(view: MentorView, aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Every indexed token of one mentor with the weight of the best field it occurs in.

    Fields are visited from the lightest to the heaviest, so a later (heavier) field simply
    overwrites a token's weight."""
    found: dict[str, int] = dict.fromkeys(tokens(_plain(view.bio_html)), WEIGHTS["bio"])
    update = found.update
    labels = _label_tokens
    refs = view.formats + view.meeting_modes + ([view.cadence] if view.cadence else [])
    update(dict.fromkeys([t for ref in refs for t in labels(ref.label)], WEIGHTS["formats"]))
    if view.help_with:
        update(dict.fromkeys(tokens(" ".join(view.help_with)), WEIGHTS["topics"]))
    # Places, organisation, role, industry, languages and the site's own fields (but their web
    # addresses and dates) share one weight.
    refs = view.languages + [ref for ref in (view.industry, view.country) if ref]
    refs += [ref for field in view.fields if field.type not in _UNINDEXED_TYPES for ref in field.values]
    texts = [t for text in (view.city, view.organisation) if text for t in labels(text)]
    update(
        dict.fromkeys(
            [t for ref in refs for t in labels(ref.label)] + texts + (tokens(view.role) if view.role else []),
            WEIGHTS["details"],
        )
    )
    update(dict.fromkeys(tokens(view.headline), WEIGHTS["headline"]))
    update(
        dict.fromkeys([t for ref in view.tags for t in labels(ref.label) + aliases.get(ref.key, ())], WEIGHTS["tags"])
    )
    update(dict.fromkeys(tokens(view.name), WEIGHTS["name"]))
    for word in STOP_WORDS.intersection(found):
        if found[word] not in _WHOLE_FIELD_WEIGHTS:
            del found[word]
    return found


#: Types of the site's own fields whose values are no words to search for.
_UNINDEXED_TYPES = frozenset({"url", "date"})


def _record(view: MentorView) -> dict[str, str]:
    """What search.js shows for a mentor: the card the build rendered from `_card.html`."""
    return {"card": str(view.card)}


def _column(per_mentor: list[list[int]], width: int, multi: bool) -> str:
    """Facet values of every mentor: fixed-width codes, mentors separated by ',' when multi.

    Single-valued facets use one code per mentor ('~' * width when the mentor has none)."""
    codes = [_code(i, width) for i in range(max((max(v) for v in per_mentor if v), default=0) + 1)]
    if multi:
        return ",".join(["".join([codes[i] for i in values]) for values in per_mentor])
    none = "~" * width
    return "".join([codes[values[0]] if values else none for values in per_mentor])


def search_files(config: SiteConfig, mentors: list[MentorView], facets: list[FacetView]) -> dict[str, bytes]:
    """Files of the search index, by output path. Built only from public views, in the given
    (directory) order, which the ordinals follow."""
    # Millions of small, long-lived objects: the cyclic collector would rescan them for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _search_files(config, mentors, facets)
    finally:
        if collecting:
            gc.enable()


def _search_files(config: SiteConfig, mentors: list[MentorView], facets: list[FacetView]) -> dict[str, bytes]:
    count = len(mentors)
    ordinal = {view.slug: i for i, view in enumerate(mentors)}
    aliases: dict[str, tuple[str, ...]] = {}
    for configured in config.facets:
        if configured.source_field == "tags":
            aliases = {
                key: tuple(t for alias in value.aliases for t in tokens(alias))
                for key, value in configured.labelled_values().items()
                if value.aliases
            }

    # Text: token -> packed (ordinal << 4 | weight), ordinals ascending (mentors go in order).
    postings: dict[str, list[int]] = {}
    for i, view in enumerate(mentors):
        packed = i << 4
        for token, weight in _mentor_tokens(view, aliases).items():
            entry = postings.get(token)
            if entry is None:
                postings[token] = [packed | weight]
            else:
                entry.append(packed | weight)
    # Posting strings: weight digit + ordinal delta in base 26 ("a".."z"), e.g. "9b1c" = ordinal 1
    # with weight 9, then ordinal 3 with weight 1.
    deltas = [_b26(d) for d in range(count + 1)]
    digits = _DIGITS
    shards: dict[str, dict[str, str]] = {}
    for token in sorted(postings):
        entries = postings[token]
        ords = [p >> 4 for p in entries]
        previous = [-1, *ords]
        shards.setdefault(token[:PREFIX], {})[token] = "".join(
            [digits[p & 15] + deltas[o - q] for p, o, q in zip(entries, ords, previous, strict=False)]
        )

    files: dict[str, bytes] = {}
    shard_map: dict[str, int] = {}
    for number, prefix in enumerate(sorted(shards)):
        shard_map[prefix] = number
        files[f"search/t/{number}.json"] = _dumps(shards[prefix])

    # Facets: vocabularies for the manifest, value columns for filtering.
    facet_meta, columns = [], {}
    for facet in facets:
        values = [v for v in facet.values if v.count]
        index = {v.key: n for n, v in enumerate(values)}
        width = 1 if len(values) <= 62 else 2
        per_mentor: list[list[int]] = [[] for _ in range(count)]
        for key, slugs in facet.members.items():
            if key in index:
                for slug in slugs:
                    if slug in ordinal:
                        per_mentor[ordinal[slug]].append(index[key])
        multi = facet.multi
        for v in per_mentor:
            v.sort()
        columns[facet.key] = _column(per_mentor, width, multi)
        facet_meta.append(
            {
                "key": facet.key,
                "label": facet.label,
                "field": facet.field,
                "multi": multi,
                "width": width,
                "values": [[v.key, v.label, v.count] for v in values],
            }
        )
    zones = sorted({v.timezone for v in mentors if v.timezone})
    zone_index = {z: n for n, z in enumerate(zones)}
    zone_width = 1 if len(zones) <= 62 else 2
    facet_file = {
        "columns": columns,
        "accepting": "".join("1" if v.accepting else "0" for v in mentors),
        "tz": _column([[zone_index[v.timezone]] if v.timezone else [] for v in mentors], zone_width, False),
    }
    files["search/facets.json"] = _dumps(facet_file)

    chunks = (count + CHUNK - 1) // CHUNK
    for number in range(chunks):
        files[f"search/r/{number}.json"] = _dumps([_record(v) for v in mentors[number * CHUNK : (number + 1) * CHUNK]])

    fingerprint = hashlib.sha256()
    for path in sorted(files):
        fingerprint.update(path.encode())
        fingerprint.update(files[path])
    manifest = {
        "format": FORMAT,
        "v": fingerprint.hexdigest()[:12],
        "count": count,
        "accepting": sum(1 for v in mentors if v.accepting),
        "chunk": CHUNK,
        "prefix": PREFIX,
        "stop": sorted(STOP_WORDS),
        "fold": _FOLD,
        "facets": facet_meta,
        "zones": zones,
        "zoneWidth": zone_width,
        "shards": shard_map,
    }
    files["search/manifest.json"] = _dumps(manifest)
    return files
