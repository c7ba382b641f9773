"""The static search index (mentorsite.search): exact contents for a tiny site, and privacy."""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import GOOD_PROFILE, SITE_TOML, TODAY, drop_lines, write_site
from markupsafe import Markup

from mentorsite import search
from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.context import site_context
from mentorsite.derived import DerivedCache
from mentorsite.load import load_site
from mentorsite.messages import messages_for
from mentorsite.search import CHUNK, FORMAT, normalise, shard_key, tokens
from mentorsite.writing import CJK, KEEP_MARKS

#: The valid profile without photo and capacity.
ADA = drop_lines(GOOD_PROFILE, "photo:", "  capacity:")


#: Three mentors: Ada accepting, José not accepting, Bo with the fewest fields.
MENTORS = f"""
-- mentors/ada.yaml --
{ADA}
-- mentors/jose.yaml --
name: José Núñez
headline: Quant turned machine-learning engineer
tags: [ml]
industry: finance
location:
  country: ES
timezone: Europe/Madrid
languages: [es]
formats: [group]
availability:
  accepting: false
last_reviewed: 2026-04-02
email: jose.private@example.org
bio: Fifteen years of models in banking; now I mostly help people move from research code to production systems.
-- mentors/bo.yaml --
name: Bo Chen
headline: Engineering manager for small teams
tags: [management]
availability:
  accepting: true
last_reviewed: 2026-03-03
bio: I help new managers find their feet, one conversation at a time, with plenty of practical exercises.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("search") / "site", MENTORS)
    report = build_site(site, today=date(2026, 6, 1))
    assert report.written, [d.human() for d in report.errors]
    out = site / "_site"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "search").rglob("*") if p.is_file()}
    manifest = json.loads(files["search/manifest.json"])

    def shard(prefix: str) -> dict:
        return json.loads(files[f"search/t/{manifest['shards'][prefix]}.json"])

    return {
        "files": files,
        "manifest": manifest,
        "shard": shard,
        "facets": json.loads(files["search/facets.json"]),
        "out": out,
    }


def test_normalise_folds_case_and_accents_the_way_people_type():
    assert normalise("José ÑÚÑEZ") == "jose nunez"
    assert tokens("José Łucja Søren ÆSIR Straße Yıldırım, C-3PO & a") == [
        "jose",
        "lucja",
        "soren",
        "aesir",
        "strasse",
        "yildirim",
        "3po",
    ]
    assert tokens("松田健二 (Kenji)") == ["松田", "田健", "健二", "二", "kenji"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # Arabic: article also stripped; alef with hamza or madda, alef wasla -> alef; alef
        # maqsura, Persian ya -> ya; Persian kaf -> kaf; ta marbuta -> ha; tatweel, vowel points gone.
        ("يوسف الحسن", ["يوسف", "الحسن", "حسن"]),
        ("أحمد إبراهيم آمنة ٱبن", ["احمد", "ابراهيم", "امنه", "ابن"]),
        ("مصطفى کریمی", ["مصطفي", "كريمي"]),
        ("مُحَمَّد عـــلي ٢٠٢٤ ۱۴۰۳", ["محمد", "علي", "2024", "1403"]),
        ("الف", ["الف"]),  # too short to carry the article
        ("می\u200cخواهم", ["ميخواهم"]),  # ZWNJ shapes the word, does not split it
        # Hebrew: vowel points gone, final letters plain.
        ("שָׁלוֹם דניאל", ["שלומ", "דניאל"]),
        # Chinese and Japanese: pairs and the last character; a lone one is a token.
        ("陈晓玲", ["陈晓", "晓玲", "玲"]),
        ("王 伟", ["王", "伟"]),
        ("山本さくら", ["山本", "本さ", "さく", "くら", "ら"]),
        ("Python编程", ["python", "编程", "程"]),
        # Indic: vowel signs and virama kept; nukta dropped; chandrabindu as anusvara.
        ("कमल कोमल कमाल", ["कमल", "कोमल", "कमाल"]),
        ("ज़रा हँसी", ["जरा", "हंसी"]),
        ("क्\u200dष", ["क्ष"]),
    ],
)
def test_tokens_of_every_script(text, expected):
    """Each script's words as people type them (issue 12); search.js reads the same rules from the manifest."""
    assert tokens(text) == expected


def test_cjk_tokens_shard_by_their_first_character():
    """A pair of ideographs would be a shard of its own under the two-character rule."""
    assert [shard_key(t) for t in ["松田", "二", "kenji", "कमल", "حسن"]] == ["松", "二", "ke", "कम", "حس"]


def test_manifest_lists_counts_vocabularies_and_shards(index):
    m = index["manifest"]
    assert set(m) == {
        "format",
        "v",
        "count",
        "accepting",
        "chunk",
        "prefix",
        "stop",
        "fold",
        "script",
        "facets",
        "zones",
        "zoneWidth",
        "shards",
    }
    assert (
        m["format"] == FORMAT == 3
        and m["count"] == 3
        and m["accepting"] == 2
        and m["chunk"] == CHUNK
        and m["prefix"] == 2
    )
    facets = {f["key"]: f for f in m["facets"]}
    assert list(facets) == ["tags", "industry", "countries", "languages", "formats"]
    assert facets["tags"]["values"] == [
        ["leadership", "Leadership", 2],
        ["machine-learning", "Machine learning", 1],
        ["writing", "Writing", 1],
    ]
    assert facets["tags"]["multi"] is True and facets["industry"]["multi"] is False
    assert facets["industry"]["values"] == [["finance", "Finance and banking", 1], ["technology", "Technology", 1]]
    assert facets["countries"]["values"] == [["pt", "Portugal", 1], ["es", "Spain", 1]]  # equal counts: by label
    assert m["zones"] == ["Europe/Lisbon", "Europe/Madrid"]
    assert m["fold"]["ł"] == "l" and "the" in m["stop"]
    assert m["script"] == {
        "keepMarks": [list(r) for r in KEEP_MARKS],
        "cjk": [list(r) for r in CJK],
        "article": "ال",
        "articleMin": 4,
    }
    assert all(len(prefix) == 2 for prefix in m["shards"])
    # Each shard is named for its prefix alone (UTF-8 in hex): a new prefix renames no other one.
    assert all(name == prefix.encode().hex() for prefix, name in m["shards"].items())
    assert m["shards"]["ad"] == "6164" and index["shard"]("ad")["ada"]


def test_facet_columns_hold_each_mentors_values_in_directory_order(index):
    # Directory order: accepting first, then by name: Ada (0), Bo (1), José (2).
    f = index["facets"]
    assert f["accepting"] == "110"
    assert f["columns"]["tags"] == "02,0,1"  # Ada: leadership+writing; Bo: leadership; José: ML
    assert f["columns"]["industry"] == "1~0"  # single-valued: one code each, ~ for none
    assert f["columns"]["countries"] == "0~1"
    assert f["columns"]["languages"] == "01,,2"  # values: en, pt, es (equal counts by label)
    assert f["tz"] == "0~1"


def test_postings_are_exact(index):
    shard = index["shard"]
    # weight digit + ordinal delta in base 26: name 9, tag 8, headline 5, place/org/language 4, bio 1.
    assert shard("ad")["ada"] == "9b"
    assert shard("jo")["jose"] == "9d"
    assert shard("nu")["nunez"] == "9d"
    assert shard("le")["leadership"] == "8b8b"  # Ada (tag, also in her bio) and Bo (alias "management")
    assert shard("ma")["management"] == "8b8b"  # the tag's alias; Ada's headline word is outweighed
    assert shard("ma")["machine"] == "8d"  # José: tag label, above his headline
    assert shard("sp")["spanish"] == "4d"  # language label
    assert shard("po")["portugal"] == "4b"
    assert shard("li")["lisbon"] == "4b"
    assert shard("ba")["banking"] == "4d"  # industry label "Finance and banking"
    assert shard("pr")["production"] == "1d"  # bio only
    assert shard("gr")["group"] == "2d"  # mentoring format label
    assert "the" not in shard("th") and "of" not in index["manifest"]["shards"]  # stop words are not indexed


def static_cards(page: str) -> list[str]:
    """The card markup of each list item of a built listing page, in order."""
    return re.findall(r"<li>(<article class=\"card\">.*?</article>)</li>", page, re.S)


def test_records_are_the_cards_the_static_directory_shows(index):
    """Each record is one named field, the card markup the build rendered for the static pages."""
    chunk = json.loads(index["files"]["search/r/0.json"])
    assert [set(record) for record in chunk] == [{"card"}] * 3
    cards = static_cards((index["out"] / "mentors" / "index.html").read_text(encoding="utf-8"))
    assert [record["card"] for record in chunk] == cards
    assert [re.search(r'<h3><a href="/mentors/(\w+)/">', card).group(1) for card in cards] == ["ada", "bo", "jose"]
    assert '<p class="badge closed">Not accepting</p>' in chunk[2]["card"]


CARD_OVERRIDE = """\
<article class="card">
<h3><a href="{{ url(mentor.url) }}">{{ mentor.name }}</a></h3>
{% if mentor.languages %}<p class="speaks">Speaks {{ mentor.languages|map(attribute="label")|join(" & ") }}</p>{% endif %}
</article>
"""


def test_a_sites_card_override_is_what_the_records_carry(tmp_path):
    """A site's templates/_card.html (new fields, new conditionals) reaches the search records,
    autoescaped like every page."""
    mentors = MENTORS.replace("name: Bo Chen", "name: Bo <b>Chen</b>")
    site = write_site(tmp_path / "site", mentors, files={"templates/_card.html": CARD_OVERRIDE})
    report = build_site(site, today=date(2026, 6, 1))
    assert report.written, [d.human() for d in report.errors]
    out = site / "_site"
    records = [r["card"] for r in json.loads((out / "search" / "r" / "0.json").read_text(encoding="utf-8"))]
    assert records == [
        '<article class="card">\n<h3><a href="/mentors/ada/">Ada Example</a></h3>\n'
        '<p class="speaks">Speaks English &amp; Portuguese</p></article>',
        '<article class="card">\n<h3><a href="/mentors/bo/">Bo &lt;b&gt;Chen&lt;/b&gt;</a></h3>\n</article>',
        '<article class="card">\n<h3><a href="/mentors/jose/">José Núñez</a></h3>\n'
        '<p class="speaks">Speaks Spanish</p></article>',
    ]
    assert static_cards((out / "mentors" / "index.html").read_text(encoding="utf-8")) == records


def test_no_private_field_reaches_any_index_file(index):
    for path, data in index["files"].items():
        text = data.decode("utf-8")
        for secret in (
            "ada.private@example.org",
            "jose.private@example.org",
            "private@",
            "@example.org",
            "2026-05-01",
            "2026-04-02",
            "last_reviewed",
        ):
            assert secret not in text, f"{secret} in {path}"


def test_index_is_split_so_a_search_fetches_a_small_part(index):
    files = index["files"]
    shard_files = [p for p in files if p.startswith("search/t/")]
    assert len(shard_files) == len(index["manifest"]["shards"]) > 10
    biggest = max(len(gzip.compress(files[p])) for p in shard_files)
    total = sum(len(gzip.compress(d)) for d in files.values())
    assert biggest < total / 10


def test_a_patched_text_index_gives_the_bytes_of_a_fresh_one():
    """serve keeps one TextIndex and patches it per edit: after every random change of some
    mentors' tokens (words added, dropped, reweighted; a shard emptied; a new one started) its
    shard files are exactly those of an index built afresh, and a change of the mentors or
    their order rebuilds it."""
    rng = random.Random(20261201)
    words = ["ab" + c for c in "cdefgh"] + ["xy" + c for c in "uvw"] + ["数据", "数学", "qq"]
    slugs = tuple(f"m{i}" for i in range(40))
    tokens = [{w: rng.randint(1, 9) for w in rng.sample(words, 3)} for _ in slugs]
    kept = search.TextIndex()
    kept.update(slugs, tokens)
    for _ in range(300):
        tokens = list(tokens)
        for i in rng.sample(range(len(slugs)), rng.randint(1, 4)):
            changed = dict(tokens[i])
            if changed and rng.random() < 0.4:
                del changed[rng.choice(sorted(changed))]
            if rng.random() < 0.6:
                changed[rng.choice(words)] = rng.randint(1, 9)
            tokens[i] = changed
        if rng.random() < 0.05:
            slugs = slugs[1:] + slugs[:1]  # another order: the ordinals all move
            tokens = tokens[1:] + tokens[:1]
        assert kept.update(slugs, tokens) == search.TextIndex().update(slugs, tokens)
    # "qq" only ever in one place at the end: its shard comes and goes with it.
    alone = [dict(t) for t in tokens]
    for t in alone:
        t.pop("qq", None)
    assert "qq" not in kept.update(slugs, alone)
    alone = [*alone[:5], {**alone[5], "qq": 3}, *alone[6:]]  # a new list, as every build hands in
    assert kept.update(slugs, alone)["qq"] == b'{"qq":"3g"}'  # weight 3, ordinal 5 (delta 6 from -1: "g")


SEARCH_EDITS = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.sampled_from(["headline", "timezone", "accepting", "copy", "swap", "drop"]),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=10,
)
ZONES = [None, "Europe/Lisbon", "Asia/Tokyo", "America/Lima"]


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=SEARCH_EDITS)
def test_search_files_updated_edit_by_edit_equal_files_made_again(tmp_path_factory, edits):
    """serve keeps what search_files made per mentor (TextIndex.views) and updates it where
    the views changed: after every edit (words, a time zone, availability, a view made again,
    two mentors swapped, one gone), every file of the index is byte for byte the one made
    from nothing."""
    files = {
        f"mentors/person-{i}.yaml": GOOD_PROFILE.replace("Ada Example", f"Person {i}")
        .replace("ada.private@", f"p{i}.private@")
        .replace("photo: photos/ada.jpg\n", "")
        for i in range(8)
    }
    toml = SITE_TOML.replace(
        "[[nav]]", '[contact]\nmode = "receiver"\nreceiver_url = "https://forms.example.org/"\n\n[[nav]]', 1
    )
    root = write_site(tmp_path_factory.mktemp("site"), files={"site.toml": toml, **files})
    config = load_config(root)
    mentors = load_site(root, config, today=TODAY).mentors
    site = site_context(config, mentors, [], {}, lambda v: Markup(v.slug), messages_for(config.language))
    views = [site.views[slug] for slug in site.order]
    derived, text = DerivedCache(), search.TextIndex()
    derived.begin(b"the same settings")
    search.search_files(config, views, site.facets, derived.get, text)
    for place, what, choice in edits:
        at = place % len(views)
        view = views[at]
        if what == "headline":
            views[at] = replace(view, headline=["data", "design", "law clinic", "数据"][choice])
        elif what == "timezone":
            views[at] = replace(view, timezone=ZONES[choice])
        elif what == "accepting":
            views[at] = replace(view, accepting=not view.accepting)
        elif what == "copy":
            views[at] = replace(view)
        elif what == "swap":
            other = choice % len(views)
            views[at], views[other] = views[other], views[at]
        elif len(views) > 1:
            del views[at]
        derived.begin(b"the same settings")
        updated = search.search_files(config, list(views), site.facets, derived.get, text)
        assert updated == search.search_files(config, list(views), site.facets)


def test_the_manifest_version_follows_every_file_of_the_index(tmp_path):
    """search.js fetches the files under the manifest's "v": it must change with any file's
    bytes (serve's rebuilds digest each file once per data object), and not otherwise."""
    root = write_site(tmp_path, files={"mentors/ada-example.yaml": ADA})
    config = load_config(root)
    site = site_context(
        config, load_site(root, config, today=TODAY).mentors, [], {}, lambda v: Markup(v.slug), messages_for("en")
    )
    views = [site.views[slug] for slug in site.order]
    derived, text = DerivedCache(), search.TextIndex()

    def version(views: list) -> str:
        derived.begin(b"the same settings")
        return json.loads(search.search_files(config, views, site.facets, derived.get, text)["search/manifest.json"])[
            "v"
        ]

    first = version(views)
    assert version([replace(views[0], headline="Design leader")]) != first  # a text shard changed
    assert version([replace(views[0], name="Ada Sample")]) != first  # a record changed
    assert version([replace(views[0])]) == first  # the same bytes, made again


def test_a_word_with_a_new_prefix_adds_its_shard_and_changes_no_other(tmp_path):
    """Shards are named for their prefix: a bio's new word whose first two letters no other
    token has adds one shard file; every other shard keeps its name and bytes (numbered in
    order, every shard after it was renamed, and written again by each rebuild)."""
    site = write_site(tmp_path / "site", MENTORS)
    out = tmp_path / "out"
    assert build_site(site, out, today=date(2026, 6, 1)).written

    def shards() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (out / "search" / "t").iterdir()}

    before = shards()
    assert "6161.json" not in before  # no token starts with "aa", which sorts before every other prefix
    profile = site / "mentors" / "bo.yaml"
    profile.write_text(profile.read_text().replace("bio: I help", "bio: Aaqvist. I help"))
    assert build_site(site, out, today=date(2026, 6, 1)).written
    after = shards()
    assert sorted(after.keys() - before.keys()) == ["6161.json"] and before.keys() <= after.keys()
    assert json.loads(after["6161.json"]) == {"aaqvist": "1c"}  # Bo: ordinal 2, in the bio (weight 1)
    assert [name for name in before if after[name] != before[name]] == []


def test_a_one_off_text_index_takes_tokens_one_by_one_and_keeps_none():
    """A one-off build's index (keep=False) reads the tokens as they come, gives the same shard
    files as a kept one, and holds neither the tokens nor the postings afterwards."""
    rng = random.Random(20261203)
    words = ["ab" + c for c in "cdefgh"] + ["数据", "qq"]
    slugs = tuple(f"m{i}" for i in range(30))
    tokens = [{w: rng.randint(1, 9) for w in rng.sample(words, 3)} for _ in slugs]
    taken = []

    def one_by_one():
        for found in tokens:
            taken.append(found)
            yield found

    one_off = search.TextIndex(keep=False)
    assert one_off.update(slugs, one_by_one()) == search.TextIndex().update(slugs, tokens)
    assert taken == tokens
    assert (one_off.tokens, one_off.postings, one_off.strings, one_off.shard_files) == ([], {}, {}, {})
