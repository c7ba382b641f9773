"""Client-side search index: static files under search/ that the browser fetches piece by piece (layout and figures: docs/search.md)."""

from __future__ import annotations

import gc
import hashlib
import html
import json
import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache, partial
from typing import Any, NamedTuple

from .config import SiteConfig
from .index import FacetView
from .live_availability import availability_url
from .replaced import replaced
from .views import MentorView
from .writing import ARABIC_ARTICLE, ARTICLE_MIN, CJK, KEEP_MARKS, class_body, in_ranges, without_article

#: Bumped when the file layout changes; search.js refuses an index of another format.
FORMAT = 3
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
# The manifest hands this table to search.js, so queries fold exactly as the index does
# ("" deletes the character).
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
    # Arabic script: keyboards and habits differ on these letters; hamza and madda on alef
    # already go with the combining marks (NFKD splits them off).
    "ٱ": "ا",  # alef wasla
    "ى": "ي",  # alef maqsura, often typed as ya
    "ی": "ي",  # Persian keyboards' ya (U+06CC)
    "ک": "ك",  # Persian keyboards' kaf (U+06A9)
    "ة": "ه",  # ta marbuta, often typed as ha
    "ـ": "",  # tatweel: stretches a word, is no letter
    # Arabic-Indic and Persian digits.
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
    # Hebrew final forms: a word being typed ends in the plain form.
    "ך": "כ",
    "ם": "מ",
    "ן": "נ",
    "ף": "פ",
    "ץ": "צ",
    # Indic: the nukta is often left out ("ज़" typed "ज"), chandrabindu typed as anusvara.
    **dict.fromkeys(["\u093c", "\u09bc", "\u0a3c", "\u0abc", "\u0b3c", "\u0cbc"], ""),
    "\u0901": "\u0902",
    # The joiners shape letters (Persian, Indic) but are no part of the word to match.
    "\u200c": "",
    "\u200d": "",
}
_DIGITS = "0123456789"
_ASCII_WORD = re.compile(r"[^\W_]{2,}")
#: Marks the fold keeps (Indic vowel signs and viramas) are part of a word.
_KEPT_MARKS = "".join(
    chr(cp)
    for lo, hi in KEEP_MARKS
    for cp in range(lo, hi + 1)
    if unicodedata.category(chr(cp))[0] == "M" and chr(cp) not in _FOLD
)
_WORD = re.compile(f"(?:[^\\W_]|[{_KEPT_MARKS}])+")
_CJK_RUNS = re.compile(f"([{class_body(CJK)}]+)")
_TAG = re.compile(r"<[^>]*>")
#: Planes that hold combining marks (the rest are ideographs or unassigned).
_MARK_PLANES = (range(0x300, 0x20000), range(0xE0000, 0xE1000))


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    """str.translate table: drop combining marks (Unicode category M) outside the scripts whose
    marks are letters (writing.KEEP_MARKS), fold the letters above."""
    table: dict[int, str | None] = {
        cp: None
        for plane in _MARK_PLANES
        for cp in plane
        if unicodedata.category(chr(cp))[0] == "M" and not in_ranges(chr(cp), KEEP_MARKS)
    }
    table.update({ord(k): v for k, v in _FOLD.items()})
    return table


def normalise(text: str) -> str:
    """Lower-case, accents stripped: the form both the index and search.js compare."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.lower()).translate(_fold_table())


def tokens(text: str) -> list[str]:
    """Index tokens of text, normalised: its words of two characters or more, Chinese and
    Japanese runs as overlapping character pairs plus their last character (so a query of any
    one character, or of a given name inside a full name, finds them by prefix), and Arabic
    words with the article also without it ("الحسن" -> "الحسن", "حسن")."""
    text = normalise(text)
    if text.isascii():
        return _ASCII_WORD.findall(text)
    found: list[str] = []
    for word in _WORD.findall(text):
        for n, piece in enumerate(_CJK_RUNS.split(word)):
            if n % 2:  # a CJK run
                found.extend([piece[i : i + 2] for i in range(len(piece) - 1)])
                found.append(piece[-1])
            elif len(piece) >= 2:
                found.append(piece)
                bare = without_article(piece)
                if bare is not piece:
                    found.append(bare)
    return found


def shard_key(token: str) -> str:
    """The shard a token lives in: its first PREFIX characters, or its first one for a CJK token
    (a pair of ideographs would otherwise make a shard of its own)."""
    if in_ranges(token[0], CJK):
        return token[0]
    return token[:PREFIX]


def shard_name(prefix: str) -> str:
    """The file name of a prefix's shard: its UTF-8 bytes in hex ("ad" -> "6164"), a name no
    other shard changes. (Numbering them in order renamed every later shard, and so made serve
    write a hundred files again, when an edit brought a word with a prefix new to the site.)"""
    return prefix.encode("utf-8").hex()


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


def _facets_file(columns: dict[str, object], accepting: str, tz: object, slugs: tuple[str, ...] | None) -> bytes:
    facet_file: dict[str, object] = {"columns": columns, "accepting": accepting, "tz": tz}
    if slugs is not None:
        facet_file["slugs"] = list(slugs)
    return _dumps(facet_file)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


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


def _records(mentors: tuple[MentorView, ...]) -> bytes:
    return _dumps([_record(v) for v in mentors])


def _facet_column(facet: FacetView, values: list, ordinal: dict[str, int]) -> str:
    """One facet's column of value codes, in ordinal order (see _column)."""
    index = {v.key: n for n, v in enumerate(values)}
    width = 1 if len(values) <= 62 else 2
    per_mentor: list[list[int]] = [[] for _ in range(len(ordinal))]
    for key, slugs in facet.members.items():
        if key in index:
            for slug in slugs:
                if slug in ordinal:
                    per_mentor[ordinal[slug]].append(index[key])
    for v in per_mentor:
        v.sort()
    return _column(per_mentor, width, facet.multi)


def _column(per_mentor: list[list[int]], width: int, multi: bool) -> str:
    """Facet values of every mentor: fixed-width codes, mentors separated by ',' when multi.

    Single-valued facets use one code per mentor ('~' * width when the mentor has none)."""
    codes = [_code(i, width) for i in range(max((max(v) for v in per_mentor if v), default=0) + 1)]
    if multi:
        return ",".join(["".join([codes[i] for i in values]) for values in per_mentor])
    none = "~" * width
    return "".join([codes[values[0]] if values else none for values in per_mentor])


#: How a caller remembers what it derived: (kind, source objects, plain values, how to make it)
#: -> the value made from the same sources (by identity) and values (derived.DerivedCache.get).
Memo = Callable[..., Any]  # derived.DerivedCache.get: (kind, sources, values, make, *args)


def _no_memo(_kind: str, _sources: tuple, _values: Hashable, make: Callable[..., Any], *args: Any) -> Any:
    return make(*args)


class TextIndex:
    """The text part of the index (postings, their strings and the shard files), kept between
    the builds of one process (serve). When the mentors are the same ones in the same order,
    only the tokens of those whose tokens changed are taken out and put back, and only the
    shards those tokens live in are encoded again; otherwise everything is built anew. The
    result is the same bytes either way (tests/test_incremental.py, tests/test_serve.py).
    An index that no later build patches (`keep=False`: a one-off build's) takes the tokens
    one mentor at a time and keeps none of them, nor its postings, once the shards are made:
    at 10,000 mentors all the tokens at once were some 25 MB more at the build's peak."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.slugs: tuple[str, ...] | None = None
        #: Per ordinal: the mentor's tokens with their weights (the very dicts handed in).
        self.tokens: list[dict[str, int]] = []
        #: token -> packed (ordinal << 4 | weight), ordinals ascending.
        self.postings: dict[str, list[int]] = {}
        #: token -> its posting string; shard prefix -> its tokens; shard prefix -> its file.
        self.strings: dict[str, str] = {}
        self.shard_tokens: dict[str, set[str]] = {}
        self.shard_files: dict[str, bytes] = {}
        self._deltas: list[str] = []
        #: What the last search_files made the rest of the index from (see _Views).
        self.views: _Views | None = None

    def update(
        self, slugs: tuple[str, ...], tokens: Iterable[dict[str, int]], places: Iterable[int] | None = None
    ) -> dict[str, bytes]:
        """The shard files by prefix for mentors `slugs` with `tokens` (in the same order).
        `places`, when known: the only ordinals whose tokens may be other dicts than last time."""
        self._deltas += [_b26(d) for d in range(len(self._deltas), len(slugs) + 1)]
        if not self.keep:
            self._rebuild(tokens)
            files, self.postings, self.strings, self.shard_tokens, self.shard_files = self.shard_files, {}, {}, {}, {}
            return files
        tokens = list(tokens)
        try:
            if slugs != self.slugs:
                self._rebuild(tokens)
            else:
                self._patch(tokens, range(len(tokens)) if places is None else places)
        except BaseException:
            self.slugs = None  # half patched: the next build starts afresh
            raise
        self.slugs, self.tokens = slugs, tokens
        return self.shard_files

    def _rebuild(self, tokens: Iterable[dict[str, int]]) -> None:
        postings: dict[str, list[int]] = {}
        for i, found in enumerate(tokens):
            packed = i << 4
            for token, weight in found.items():
                entry = postings.get(token)
                if entry is None:
                    postings[token] = [packed | weight]
                else:
                    entry.append(packed | weight)
        self.postings = postings
        self.strings = {token: self._encoded(entries) for token, entries in postings.items()}
        self.shard_tokens = {}
        for token in postings:
            self.shard_tokens.setdefault(shard_key(token), set()).add(token)
        self.shard_files = {prefix: self._shard(prefix) for prefix in self.shard_tokens}

    def _patch(self, tokens: list[dict[str, int]], places: Iterable[int]) -> None:
        dirty: set[str] = set()
        for i in places:
            old, new = self.tokens[i], tokens[i]
            if old is new:
                continue
            for token, weight in old.items():
                if new.get(token) != weight:
                    entries = self.postings[token]
                    del entries[bisect_left(entries, i << 4)]
                    dirty.add(token)
            for token, weight in new.items():
                if old.get(token) != weight:
                    entries = self.postings.setdefault(token, [])
                    insort(entries, i << 4 | weight)
                    dirty.add(token)
        shards: set[str] = set()
        for token in dirty:
            prefix = shard_key(token)
            shards.add(prefix)
            if self.postings[token]:
                self.strings[token] = self._encoded(self.postings[token])
                self.shard_tokens.setdefault(prefix, set()).add(token)
            else:
                del self.postings[token], self.strings[token]
                self.shard_tokens[prefix].discard(token)
        for prefix in shards:
            if self.shard_tokens[prefix]:
                self.shard_files[prefix] = self._shard(prefix)
            else:
                del self.shard_tokens[prefix], self.shard_files[prefix]

    def _encoded(self, entries: list[int]) -> str:
        """Posting string: weight digit + ordinal delta in base 26 ("a".."z"), e.g. "9b1c" =
        ordinal 1 with weight 9, then ordinal 3 with weight 1."""
        deltas, digits = self._deltas, _DIGITS
        ords = [p >> 4 for p in entries]
        return "".join([digits[p & 15] + deltas[o - q] for p, o, q in zip(entries, ords, [-1, *ords], strict=False)])

    def _shard(self, prefix: str) -> bytes:
        return _dumps({token: self.strings[token] for token in sorted(self.shard_tokens[prefix])})


class _Views(NamedTuple):
    """What search_files made the rest of the index from, for the next build of the process
    (serve): the views (kept alive, so none's identity is taken), their ordinals, the time
    zones, the availability column and the time zone column. (Their slugs and tokens are the
    TextIndex's own.)"""

    views: list[MentorView]
    ordinal: dict[str, int]
    zones: list[str]
    accepting: str
    tz: str


def _width(zones: list[str]) -> int:
    return 1 if len(zones) <= 62 else 2


def search_files(
    config: SiteConfig,
    mentors: list[MentorView],
    facets: list[FacetView],
    memo: Memo | None = None,
    text: TextIndex | None = None,
) -> dict[str, bytes]:
    """Files of the search index, by output path. Built only from public views, in the given
    (directory) order, which the ordinals follow. `memo` may hand back what was derived from
    the same views in an earlier build, and `text` is the text index of that build (the
    settings they depend on being the same)."""
    # Millions of small, long-lived objects: the cyclic collector would rescan them for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _search_files(config, mentors, facets, memo or _no_memo, text or TextIndex())
    finally:
        if collecting:
            gc.enable()


def _search_files(
    config: SiteConfig, mentors: list[MentorView], facets: list[FacetView], memo: Memo, text: TextIndex
) -> dict[str, bytes]:
    count = len(mentors)
    aliases: dict[str, tuple[str, ...]] = {}
    for configured in config.facets:
        if configured.source_field == "tags":
            aliases = {
                key: tuple(t for alias in value.aliases for t in tokens(alias))
                for key, value in configured.labelled_values().items()
                if value.aliases
            }

    # Serve's rebuilds: the same views in the same order but at a few places (replaced), each
    # with the slug it replaces. What is made per mentor is then updated there, not made again
    # over every mentor (10,000 of them took 60 ms of each rebuild).
    last, text.views = text.views, None  # until this index is made (a failure starts afresh)
    places = replaced(last.views, mentors) if last is not None else None
    if (
        last is not None
        and places is not None
        and text.slugs is not None
        and all(mentors[i].slug == last.views[i].slug for i in places)
    ):
        ordinal, slugs, patched = last.ordinal, text.slugs, text.tokens.copy()
        for i in places:
            patched[i] = memo("tokens", (mentors[i],), None, _mentor_tokens, mentors[i], aliases)
        per_mentor: Iterable[dict[str, int]] = patched
        kept = all(
            (mentors[i].timezone, mentors[i].accepting) == (last.views[i].timezone, last.views[i].accepting)
            for i in places
        )
    else:
        ordinal = {view.slug: i for i, view in enumerate(mentors)}
        slugs, places, kept = tuple(ordinal), None, False
        per_mentor = (memo("tokens", (view,), None, _mentor_tokens, view, aliases) for view in mentors)

    # Text: the shards of token -> posting string (TextIndex).
    shards = text.update(slugs, per_mentor, places)

    files: dict[str, bytes] = {}
    shard_map: dict[str, str] = {}
    for prefix in sorted(shards):
        shard_map[prefix] = name = shard_name(prefix)
        files[f"search/t/{name}.json"] = shards[prefix]

    # Facets: vocabularies for the manifest, value columns for filtering.
    facet_meta, columns = [], {}
    for facet in facets:
        values = [v for v in facet.values if v.count]
        width = 1 if len(values) <= 62 else 2
        multi = facet.multi
        columns[facet.key] = memo("facet-column", (facet,), slugs, partial(_facet_column, facet, values, ordinal))
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
    if kept and last is not None:  # no time zone nor availability changed
        zones, accepting, tz = last.zones, last.accepting, last.tz
    else:
        zones = sorted({v.timezone for v in mentors if v.timezone})
        zone_index = {z: n for n, z in enumerate(zones)}
        accepting = "".join("1" if v.accepting else "0" for v in mentors)
        tz = _column([[zone_index[v.timezone]] if v.timezone else [] for v in mentors], _width(zones), False)
    text.views = _Views(list(mentors), ordinal, zones, accepting, tz)
    zone_width = _width(zones)
    # Slugs in ordinal order, so the "accepting" filter can follow the receiver's live state
    # (search.js applyLive); a site without a receiver has no live state to follow.
    live = slugs if availability_url(config.contact) else None
    # The same bytes while its parts are the same objects (serve: most edits change none).
    files["search/facets.json"] = memo(
        "facets file",
        (*columns.values(), accepting, tz, live),
        tuple(columns),
        _facets_file,
        columns,
        accepting,
        tz,
        live,
    )

    chunks = (count + CHUNK - 1) // CHUNK
    for number in range(chunks):
        shown = tuple(mentors[number * CHUNK : (number + 1) * CHUNK])
        files[f"search/r/{number}.json"] = memo("records", shown, None, partial(_records, shown))

    fingerprint = hashlib.sha256()
    for path in sorted(files):
        # Each file by its digest, made once per data object: serve's unchanged shards are the
        # very bytes of the last build, and hashing all of them again took 6 ms of a rebuild.
        fingerprint.update(
            path.encode() + b"\0" + memo("search file digest", (files[path],), None, _digest, files[path])
        )
    manifest = {
        "format": FORMAT,
        "v": fingerprint.hexdigest()[:12],
        "count": count,
        "accepting": accepting.count("1"),
        "chunk": CHUNK,
        "prefix": PREFIX,
        "stop": sorted(STOP_WORDS),
        "fold": _FOLD,
        "script": {
            "keepMarks": KEEP_MARKS,
            "cjk": CJK,
            "article": ARABIC_ARTICLE,
            "articleMin": ARTICLE_MIN,
        },
        "facets": facet_meta,
        "zones": zones,
        "zoneWidth": zone_width,
        "shards": shard_map,
    }
    files["search/manifest.json"] = _dumps(manifest)
    return files
