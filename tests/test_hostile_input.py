"""Issue 6: no input can crash, hang or corrupt a build.

Each case writes a small site with one kind of bad input next to a valid profile and guide,
then runs `mentorsite check` and `mentorsite build` (see hostile_kit.assert_refused): both must
name the file, line and problem, exit 1, print no traceback, finish within the time limit
and leave the previous output byte for byte as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_kit import (
    BASE_SITE,
    GUIDE,
    PROFILE,
    assert_builds,
    assert_refused,
    cli,
    profile,
    subprocess_cli,
    time_limit,
)
from kit import SITE_TOML, write_site

PROFILE_LINES = PROFILE.count("\n")


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """A real earlier build of a valid site: what a failed build must leave alone."""
    root = tmp_path_factory.mktemp("previous")
    site = write_site(root / "site", BASE_SITE)
    run, out = assert_builds(site, root / "out")
    assert "built 1 mentor:" in run.output
    return out


def refused(tmp_path, previous, files, expected, *, toml=SITE_TOML, **kwargs):
    site = write_site(tmp_path / "site", BASE_SITE, files={"site.toml": toml, **files})
    return assert_refused(site, expected, previous=previous, **kwargs)


# --- malformed files, wrong document shapes --------------------------------------------------

CASES = {
    "malformed YAML": (
        {"mentors/bad.yaml": "name: [unclosed\nheadline: x\n"},
        ["mentors/bad.yaml:2:9: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"],
    ),
    "empty file": ({"mentors/empty.yaml": ""}, ["mentors/empty.yaml:1:1: error: file is empty"]),
    "only whitespace and comments": (
        {"mentors/blank.yaml": "\n   \n# nothing here\n"},
        ["mentors/blank.yaml:1:1: error: file is empty"],
    ),
    "a list, not a mapping": (
        {"mentors/list.yaml": "- name: Ada\n- headline: x\n"},
        ["mentors/list.yaml:1:1: error: a profile must be a mapping of fields, but this file holds a list"],
    ),
    "a scalar, not a mapping": (
        {"mentors/scalar.yaml": "just some text\n"},
        ["mentors/scalar.yaml:1:1: error: a profile must be a mapping of fields, but this file holds a single value"],
    ),
    "several documents": (
        {"mentors/two.yaml": profile("Bo Two") + "---\nname: Someone Else\n"},
        [f"mentors/two.yaml:{PROFILE_LINES + 1}:1: error: file holds more than one YAML document"],
    ),
    "duplicate keys": (
        {"mentors/dup.yaml": profile("Bo Two") + "name: Bo Again\n"},
        [f"mentors/dup.yaml:{PROFILE_LINES + 1}:1: error: duplicate key 'name'", "hint: 'name' is first set on line 1"],
    ),
    "duplicate nested keys": (
        {"mentors/dup.yaml": profile("Bo Two", **{"  capacity: 2\n": "  capacity: 2\n  capacity: 3\n"})},
        ["mentors/dup.yaml:13:3: error: duplicate key 'capacity'"],
    ),
    "guide without front matter": (
        {"content/guides/plain.md": "# Just text\n"},
        ["content/guides/plain.md:1:1: error: missing front matter"],
    ),
    "guide front matter never closed": (
        {"content/guides/open.md": "---\ntitle: Open\n\nbody\n"},
        ["content/guides/open.md:1:1: error: front matter is opened with '---' but never closed"],
    ),
    "guide front matter empty": (
        {"content/guides/empty.md": "---\n---\nbody\n"},
        ["content/guides/empty.md:2:1: error: front matter is empty"],
    ),
    "guide front matter is a list": (
        {"content/guides/list.md": "---\n- title\n---\nbody\n"},
        ["content/guides/list.md:2:1: error: front matter must be a mapping of fields such as 'title: …'"],
    ),
    "guide front matter malformed": (
        {"content/guides/bad.md": "---\ntitle: ok\nsummary: [x\n---\nbody\n"},
        ["content/guides/bad.md:4:1: error: invalid YAML: did not find expected ',' or ']'"],
    ),
    "guide front matter with unknown and bad fields": (
        {"content/guides/g.md": "---\ntitle: ok\nauthor: me\norder: 99999999\nupdated: 2026-02-31\n---\nbody\n"},
        [
            "content/guides/g.md:3:1: error: unknown field 'author'",
            "content/guides/g.md:4:8: error: 'order' is out of range: input should be less than or equal to 10000",
            "content/guides/g.md:5:10: error: 'updated': 2026-02-31 is not a real day: February 2026 has 28 days",
        ],
    ),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_malformed_input_is_refused_with_its_position(tmp_path, previous, files, expected):
    refused(tmp_path, previous, files, expected)


TOML_CASES = {
    "malformed TOML": ('title = "unclosed\n', ["site.toml:1:18: error: invalid TOML: Illegal character '\\n'"]),
    "empty site.toml": (
        "",
        [
            "site.toml:1:1: error: missing required field 'organisation'",
            "site.toml:1:1: error: missing required field 'title'",
        ],
    ),
    "duplicate TOML key": (
        SITE_TOML.replace('language = "en"', 'language = "en"\nlanguage = "pt"'),
        [
            "site.toml:6:16: error: invalid TOML: Cannot overwrite a value",
            "hint: this key or table is already set above; keep one of them",
        ],
    ),
    "TOML nested too deeply": (
        'title = "x"\norganisation = "y"\nz = ' + "[" * 50_000 + "]" * 50_000 + "\n",
        ["site.toml: error: invalid TOML: nested too deeply"],
    ),
    "TOML wrong types": (
        'title = 5\norganisation = ["x"]\nper_page = "ten"\n',
        [
            "site.toml:1:1: error: 'title' must be text, not a number",
            "site.toml:2:1: error: 'organisation' must be text, not a list",
            "site.toml:3:1: error: 'per_page' must be a whole number, not text ('ten')",
        ],
    ),
    "TOML infinite number": (
        'title = "x"\norganisation = "y"\nper_page = inf\n',
        ["site.toml:3:1: error: 'per_page' must be a finite number, not inf"],
    ),
    "TOML misspelt key": (
        SITE_TOML.replace('language = "en"', 'langauge = "en"'),
        ["site.toml:5:1: error: unknown field 'langauge'", "hint: did you mean 'language'?"],
    ),
    "TOML not UTF-8": ('title = "Caf\xe9"\n', ["site.toml:1:13: error: file is not valid UTF-8 (byte 0xe9)"]),
    "output_dir is the mentors folder": (
        SITE_TOML.replace('language = "en"', 'language = "en"\noutput_dir = "./mentors"'),
        ["site.toml:6:1: error: 'output_dir': output_dir must not be the site's own 'mentors'"],
    ),
}


@pytest.mark.parametrize("toml, expected", TOML_CASES.values(), ids=TOML_CASES.keys())
def test_bad_site_toml_is_refused_with_its_position(tmp_path, previous, toml, expected):
    site = write_site(tmp_path / "site", BASE_SITE)
    if "\xe9" in toml:
        (site / "site.toml").write_bytes(toml.encode("latin-1"))
    else:
        (site / "site.toml").write_text(toml, encoding="utf-8")
    assert_refused(site, expected, previous=previous)


# --- dangerous or enormous YAML --------------------------------------------------------------


def test_billion_laughs_is_refused_once_per_anchor_and_fast(tmp_path, previous):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in "bcdefghi":
        previous_level = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ",".join([f"*{previous_level}"] * 9) + "]\n"
    outcome = refused(
        tmp_path,
        previous,
        {"mentors/bomb.yaml": bomb},
        ["mentors/bomb.yaml:1:4: error: anchors and aliases (& and *) are not allowed"],
    )
    # One report per anchor, not one per alias (there are 72 aliases).
    assert outcome.check.output.count("anchors and aliases") == 8


@pytest.mark.parametrize(
    "value, tag",
    [
        ("!!python/object/apply:os.system ['touch PWNED']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!timestamp 2026-01-01", "!!timestamp"),
        ("!custom value", "!custom"),
    ],
)
def test_python_and_unknown_tags_are_refused_and_never_run(tmp_path, previous, value, tag, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(
        tmp_path,
        previous,
        {"mentors/tag.yaml": profile("Bo Two", **{"capacity: 2": f"capacity: {value}"})},
        [f"mentors/tag.yaml:12:13: error: unsupported YAML tag '{tag}'"],
    )
    assert not (tmp_path / "PWNED").exists()


def test_oversized_profile_is_refused_with_its_real_size(tmp_path, previous):
    big = PROFILE + "# " + "x" * 2_000_000 + "\n"
    size = len(big.encode())
    refused(
        tmp_path,
        previous,
        {"mentors/big.yaml": big},
        [f"mentors/big.yaml: error: file is {size:,} bytes; the limit is 262,144"],
    )


def test_oversized_guide_is_refused(tmp_path, previous):
    big = GUIDE + "word " * 220_000
    refused(
        tmp_path,
        previous,
        {"content/guides/big.md": big},
        [f"content/guides/big.md: error: file is {len(big):,} bytes; the limit is 1,048,576"],
    )


@pytest.mark.parametrize(
    "yaml_text, position",
    [
        ("tags: " + "[" * 40 + "]" * 40 + "\n", "1:23"),
        ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 30)), "17:33"),
        ("tags:\n  " + "- " * 50_000 + "x\n", "2:33"),
        ("? " * 30_000 + "x\n", "1:33"),
        ("- ? " * 20_000 + "x\n", "1:33"),
    ],
)
def test_deep_nesting_is_refused_at_its_position(tmp_path, previous, yaml_text, position):
    refused(
        tmp_path,
        previous,
        {"mentors/deep.yaml": yaml_text},
        [f"mentors/deep.yaml:{position}: error: YAML is nested too deeply (the limit is 16 levels)"],
    )


def test_deep_block_nesting_does_not_crash_the_process(tmp_path):
    # libyaml's composer recursed once per level: 50,000 levels of "- " overflowed the C stack
    # and killed the process with SIGSEGV (and hung the build's worker pool). Pinned in a
    # real process, where a crash shows as a signal rather than taking pytest down with it.
    site = write_site(tmp_path / "site", BASE_SITE, files={"mentors/deep.yaml": "- " * 50_000 + "x\n"})
    run = subprocess_cli("check", site)
    assert run.code == 1
    assert "mentors/deep.yaml:1:33: error: YAML is nested too deeply (the limit is 16 levels)" in run.output


def test_deep_nesting_in_parallel_loading_does_not_hang(tmp_path, monkeypatch):
    from mentorsite import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setenv("MENTORSITE_JOBS", "2")
    files = {f"mentors/m{i}.yaml": profile(f"Person {i}", email=f"p{i}@example.org") for i in range(6)}
    site = write_site(tmp_path / "site", BASE_SITE, files={**files, "mentors/deep.yaml": "? " * 40_000 + "x\n"})
    with time_limit(60):
        run = cli("check", site)
    assert "mentors/deep.yaml:1:33: error: YAML is nested too deeply" in run.output
    assert "checked 7 valid profiles: 1 error," in run.output


def test_too_many_values_is_refused(tmp_path, previous):
    refused(
        tmp_path,
        previous,
        {"mentors/many.yaml": profile("Bo Two") + "help_with:\n" + "  - x\n" * 12_000},
        ["mentors/many.yaml:", "error: too many values in one file (the limit is 10,000)"],
    )


# --- encodings and invisible characters ------------------------------------------------------

ENCODING_CASES = {
    "Latin-1 bytes": (
        {"mentors/latin.yaml": "name: Jos\xe9\n".encode("latin-1")},
        ["mentors/latin.yaml:1:10: error: file is not valid UTF-8 (byte 0xe9)"],
    ),
    "UTF-16": (
        {"mentors/utf16.yaml": PROFILE.encode("utf-16")},
        ["mentors/utf16.yaml:1:1: error: file is UTF-16 text, not UTF-8"],
    ),
    "NUL byte": (
        {"mentors/nul.yaml": b"name: Ada\nheadline: a\x00b\n"},
        ["mentors/nul.yaml:2:12: error: file contains a NUL byte"],
    ),
    "bell in YAML": (
        {"mentors/bell.yaml": "name: Ada\x07Example\n"},
        ["mentors/bell.yaml:1:10: error: file contains the control character U+0007"],
    ),
    "terminal escape in YAML after non-ASCII": (
        {"mentors/esc.yaml": "name: Zoë\nheadline: \x1b[31mred\n"},
        ["mentors/esc.yaml:2:11: error: file contains the control character U+001B"],
    ),
    "C1 control in YAML": (
        {"mentors/c1.yaml": "name: Ada\x9bExample\n"},
        ["mentors/c1.yaml:1:10: error: file contains the control character U+009B"],
    ),
    "escaped control character in a name": (
        {"mentors/esc.yaml": profile("Bo Two").replace("name: Bo Two", 'name: "Bo\\aTwo"')},
        ["mentors/esc.yaml:1:7: error: 'name': contains a line break or control character"],
    ),
    "line break in a headline": (
        {
            "mentors/nl.yaml": profile("Bo Two", **{"headline: Data leader": 'headline: "Data\\nleader'}).replace(
                "first management role\n", 'first management role"\n'
            )
        },
        ["mentors/nl.yaml:2:11: error: 'headline': contains a line break or control character"],
    ),
    "bidi override in a name": (
        {"mentors/bidi.yaml": profile("Bo \u202eowT")},
        ["mentors/bidi.yaml:1:7: error: 'name': contains invisible text-direction characters"],
    ),
    "bidi isolate in a headline": (
        {"mentors/iso.yaml": profile("Bo Two", **{"Data leader": "Data \u2067leader"})},
        ["mentors/iso.yaml:2:11: error: 'headline': contains invisible text-direction characters"],
    ),
    "bidi override in a bio": (
        {"mentors/bio.yaml": profile("Bo Two", **{"Ada has spent": "Ada \u202ehas spent"})},
        ["mentors/bio.yaml:14:6: error: 'bio': contains text-direction override characters"],
    ),
    "zero-width space in a name": (
        {"mentors/zw.yaml": profile("Bo\u200bTwo")},
        ["mentors/zw.yaml:1:7: error: 'name': contains zero-width or invisible characters"],
    ),
    "control character in a guide body": (
        {"content/guides/bell.md": "---\ntitle: Bell\n---\nok\nding \x07 dong\n"},
        ["content/guides/bell.md:5:6: error: contains the control character U+0007"],
    ),
    "bidi override in a guide body": (
        {"content/guides/rtl.md": "---\ntitle: RTL\n---\n\nabc \u202edef\n"},
        ["content/guides/rtl.md:5:5: error: contains the text-direction override character U+202E"],
    ),
    "NUL in a guide": (
        {"content/guides/nul.md": b"---\ntitle: x\n---\nbody\x00\n"},
        ["content/guides/nul.md:4:5: error: file contains a NUL byte"],
    ),
    "bidi override in guide front matter": (
        {"content/guides/fm.md": '---\ntitle: "A \u202eB"\n---\nbody\n'},
        ["content/guides/fm.md:2:8: error: 'title': contains invisible text-direction characters"],
    ),
    "control character in a photo path": (
        {"mentors/ph.yaml": profile("Bo Two") + 'photo: "photos/a\\nb.jpg"\n'},
        [
            f"mentors/ph.yaml:{PROFILE_LINES + 1}:8: error: 'photo': contains a line break, control or invisible character"
        ],
    ),
}


@pytest.mark.parametrize("files, expected", ENCODING_CASES.values(), ids=ENCODING_CASES.keys())
def test_bad_encodings_and_invisible_characters_are_refused(tmp_path, previous, files, expected):
    refused(tmp_path, previous, files, expected)


def test_byte_order_mark_is_harmless(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "mentors/bom.yaml": b"\xef\xbb\xbf" + profile("Bo Two").encode(),
            "content/guides/bom.md": b"\xef\xbb\xbf" + GUIDE.replace("Finding", "Keeping").encode(),
            "site.toml": b"\xef\xbb\xbf" + SITE_TOML.encode(),
        },
    )
    assert cli("check", site).code == 0
    _, out = assert_builds(site)
    page = (out / "mentors/bom/index.html").read_text(encoding="utf-8")
    assert "<h1>Bo Two</h1>" in page
    assert "\ufeff" not in page
    assert (out / "guides/bom/index.html").is_file()


@pytest.mark.parametrize(
    "name, shown",
    [
        ("an\u202ea.yaml", "an\\u202ea"),  # right-to-left override
        ("ana\u200b.yaml", "ana\\u200b"),  # zero-width space
        ("ana\u00ad.yaml", "ana\\xad"),  # soft hyphen
        ("ana\x1b[2J.yaml", "ana\\x1b[2J"),  # a terminal escape sequence
        ("ana\nx.yaml:1:1: error: forged.yaml", "ana\\nx.yaml:1:1: error: forged"),  # a line break forging a diagnostic
    ],
)
def test_invisible_characters_in_file_names_are_refused_and_shown_escaped(tmp_path, previous, name, shown):
    outcome = refused(
        tmp_path,
        previous,
        {f"mentors/{name}": profile("Bo Two")},
        [f"mentors/{shown}.yaml: error: file name '{shown}' is not a valid slug"],
    )
    raw = name.removesuffix(".yaml")
    assert raw not in outcome.check.output and raw not in outcome.build.output
    github = cli("check", "--format", "github", tmp_path / "site").output
    assert raw not in github and len([line for line in github.splitlines() if line.startswith("::")]) == 2


def test_undecodable_file_name_is_refused(tmp_path, previous):
    site = write_site(tmp_path / "site", BASE_SITE)
    with open(os.path.join(os.fsencode(site / "mentors"), b"\xff\xfe.yaml"), "w") as handle:
        handle.write(profile("Bo Two"))
    assert_refused(
        site, ["mentors/\\udcff\\udcfe.yaml: error: file name '\\udcff\\udcfe' is not a valid slug"], previous=previous
    )


# --- types and values ------------------------------------------------------------------------

WRONG_TYPES = """\
name: 5
headline: [a, list]
bio: {a: mapping}
tags: leadership
location: PT
availability: yes
cohort: 1e3
featured: maybe
joined: 2026-13-45
languages: no
links: [5]
email: true
"""


def test_wrong_types_everywhere_are_each_reported_at_their_line(tmp_path, previous):
    refused(
        tmp_path,
        previous,
        {"mentors/types.yaml": WRONG_TYPES},
        [
            "mentors/types.yaml:1:7: error: 'name' must be text, not a number",
            "hint: put the value in quotes",
            "mentors/types.yaml:2:11: error: 'headline' must be text, not a list",
            "mentors/types.yaml:3:6: error: 'bio' must be text, not a mapping",
            "mentors/types.yaml:4:7: error: 'tags' must be a list, not text",
            "hint: write it as a list: tags: [leadership]",
            "mentors/types.yaml:5:11: error: 'location' must be a mapping of fields, not text",
            "mentors/types.yaml:6:15: error: 'availability' must be a mapping of fields, not text",
            "mentors/types.yaml:7:9: error: 'cohort' is out of range: input should be greater than or equal to 1900",
            "mentors/types.yaml:8:11: error: 'featured' must be true or false, not 'maybe'",
            "mentors/types.yaml:9:9: error: 'joined': 2026-13-45 has no month 13",
            "mentors/types.yaml:10:12: error: 'languages' must be a list, not text",
            "mentors/types.yaml:11:9: error: 'links item 1' must be a mapping of fields, not a number",
            "mentors/types.yaml:12:8: error: 'email' must be text, not true/false",
        ],
    )


def test_yaml_1_1_surprises_stay_text(tmp_path):
    # `no` is Norway, not False; `on` is a key, not True; dates are validated, not converted.
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"mentors/nora.yaml": profile("Nora Nilsen", **{"country: PT": "country: no"})},
    )
    _, out = assert_builds(site)
    assert (out / "countries/no/index.html").is_file()
    assert "Norway" in (out / "mentors/nora/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "replace, expected",
    [
        (
            {"tags: [leadership, writing]": "tags: [on, off]"},
            ["mentors/bo.yaml:3:8: error: 'tags item 1': 'on' is not a known expertise tag"],
        ),
        ({"  capacity: 2\n": "  capacity: 2\non: true\n"}, ["mentors/bo.yaml:13:1: error: unknown field 'on'"]),
        (
            {"  capacity: 2\n": "  capacity: 2\n  available_from: 2026-02-30\n"},
            [
                "mentors/bo.yaml:13:19: error: 'availability.available_from': 2026-02-30 is not a real day: "
                "February 2026 has 28 days"
            ],
        ),
        (
            {"  capacity: 2\n": "  capacity: 2\n  available_from: 12/03/2026\n"},
            [
                "mentors/bo.yaml:13:19: error: 'availability.available_from' must be a date written YYYY-MM-DD, not '12/03/2026'"
            ],
        ),
        (
            {"  capacity: 2\n": "  capacity: 2\ncohort: 1e3\n"},
            ["mentors/bo.yaml:13:9: error: 'cohort' is out of range: input should be greater than or equal to 1900"],
        ),
        (
            {"capacity: 2": "capacity: 0x10"},
            ["mentors/bo.yaml:12:13: error: 'availability.capacity' must be a whole number, not text ('0x10')"],
        ),
        (
            {"capacity: 2": "capacity: .nan"},
            ["mentors/bo.yaml:12:13: error: 'availability.capacity' must be a whole number, not text ('.nan')"],
        ),
    ],
)
def test_yaml_1_1_surprises_are_reported(tmp_path, previous, replace, expected):
    refused(tmp_path, previous, {"mentors/bo.yaml": profile("Bo Two", **replace)}, expected)


@pytest.mark.parametrize(
    "capacity, message",
    [
        ("99999999999999999999", "number has more than 18 digits"),
        ("-1", "'availability.capacity' is out of range: input should be greater than or equal to 0"),
        ("51", "'availability.capacity' is out of range: input should be less than or equal to 50"),
        ("1e400", "'1e400' is not a finite number"),
        ("-1e400", "'-1e400' is not a finite number"),
        ("2.5", "'availability.capacity' must be a whole number, not a number (2.5)"),
    ],
)
def test_out_of_range_numbers_are_reported(tmp_path, previous, capacity, message):
    refused(
        tmp_path,
        previous,
        {"mentors/bo.yaml": profile("Bo Two", **{"capacity: 2": f"capacity: {capacity}"})},
        [f"mentors/bo.yaml:12:13: error: {message}"],
    )


def test_over_long_fields_are_reported_with_their_length(tmp_path, previous):
    long = profile("B" * 101, **{"Data leader": "D" * 200, "  city: Lisbon": "  city: " + "L" * 61})
    long = long.replace("languages: [en, pt]", "languages: [en, pt]\nhelp_with: [" + "h" * 161 + "]")
    refused(
        tmp_path,
        previous,
        {"mentors/long.yaml": long},
        [
            "mentors/long.yaml:1:7: error: 'name' is too long (101 characters; the limit is 100)",
            "mentors/long.yaml:2:11: error: 'headline' is too long (243 characters; the limit is 160)",
            "mentors/long.yaml:6:9: error: 'location.city' is too long (61 characters; the limit is 60)",
            "mentors/long.yaml:9:13: error: 'help_with item 1' is too long (161 characters; the limit is 160)",
        ],
    )


def test_long_values_are_cut_short_in_messages(tmp_path, previous):
    outcome = refused(
        tmp_path,
        previous,
        {"mentors/bo.yaml": profile("Bo Two", **{"capacity: 2": "capacity: " + "x" * 5000})},
        ["mentors/bo.yaml:12:13: error: 'availability.capacity' must be a whole number, not text ('xxxx"],
    )
    assert "x" * 100 not in outcome.check.output


def test_enormous_single_words_build_and_wrap(tmp_path):
    word = "Pneumonoultramicroscopic" * 300  # 7,200 characters, no space
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "mentors/bo.yaml": profile("Bo Two", **{"Ada has spent": word + " Ada has spent"}).replace(
                "Data leader happy to help with a first management role", "W" * 160
            )
        },
    )
    _, out = assert_builds(site)
    assert word in (out / "mentors/bo/index.html").read_text(encoding="utf-8")
    # User text must wrap anywhere rather than overflow the layout.
    css = (out / "assets/style.css").read_text(encoding="utf-8")
    rules = {
        selector.strip(): body for selector, body in (part.split("{", 1) for part in css.split("}") if "{" in part)
    }
    for selector in ("main", ".card"):
        assert "overflow-wrap: anywhere" in rules[selector], selector


# --- identity: slugs and URLs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ana.yaml",
        "ana lima.yaml",
        "-ana.yaml",
        "ana_lima.yaml",
        "ana--lima.yaml",
        "ana.lima.yaml",
        "ána.yaml",
        "a" * 65 + ".yaml",
        "ANA.YML",
        "Bo.Yaml",
    ],
)
def test_file_names_that_are_not_slugs_are_refused(tmp_path, previous, name):
    stem = name.rsplit(".", 1)[0]
    refused(
        tmp_path,
        previous,
        {f"mentors/{name}": profile("Bo Two")},
        [
            f"mentors/{name}: error: file name '{stem}' is not a valid slug (lower-case a-z, 0-9 and hyphens, at most 64)"
        ],
    )


def test_slug_collision_between_yaml_and_yml(tmp_path, previous):
    refused(
        tmp_path,
        previous,
        {"mentors/bo.yaml": profile("Bo Two"), "mentors/bo.yml": profile("Bo Three")},
        ["mentors/bo.yml: error: slug 'bo' is already used by mentors/bo.yaml"],
    )


def test_file_extension_in_capitals_is_refused_not_skipped(tmp_path, previous):
    refused(
        tmp_path,
        previous,
        {"mentors/bo.YAML": profile("Bo Two")},
        ["mentors/bo.YAML: error: file extension '.YAML' must be lower-case", "hint: rename it to bo.yaml"],
    )


def test_slug_collision_by_case(tmp_path, previous):
    # Case-insensitive file systems would merge these; only the lower-case one is a slug.
    refused(
        tmp_path,
        previous,
        {"mentors/bo.yaml": profile("Bo Two"), "mentors/Bo.yaml": profile("Bo Three")},
        ["mentors/Bo.yaml: error: file name 'Bo' is not a valid slug", "hint: rename it to bo.yaml"],
    )


@pytest.mark.parametrize("page", ["mentors", "guides", "assets", "404", "tags", "languages"])
def test_content_page_competing_with_a_built_in_url(tmp_path, previous, page):
    refused(
        tmp_path,
        previous,
        {f"content/{page}.md": "---\ntitle: Mine\n---\nbody\n"},
        [f"content/{page}.md: error: page '{page}' would replace the site's /{page}/ pages"],
    )


def test_guides_and_mentors_with_the_same_slug_get_their_own_urls(tmp_path):
    site = write_site(tmp_path / "site", BASE_SITE, files={"content/guides/ada.md": GUIDE, "content/ada.md": GUIDE})
    _, out = assert_builds(site)
    assert "Ada Example" in (out / "mentors/ada/index.html").read_text(encoding="utf-8")
    assert "Finding a mentor" in (out / "guides/ada/index.html").read_text(encoding="utf-8")
    assert "Finding a mentor" in (out / "ada/index.html").read_text(encoding="utf-8")


def test_same_person_twice_is_reported(tmp_path, previous):
    refused(
        tmp_path,
        previous,
        {"mentors/ada-2.yaml": PROFILE},
        [
            "mentors/ada.yaml:1:7: error: 'Ada Example' already has a profile in mentors/ada-2.yaml",
            "mentors/ada.yaml:13:8: error: this email is already used by mentors/ada-2.yaml",
        ],
    )


# --- paths outside the site ------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path) -> Path:
    """A real image and a secret outside the site, for links to point at."""
    from PIL import Image

    folder = tmp_path / "outside"
    folder.mkdir()
    Image.new("RGB", (8, 8), "red").save(folder / "face.png")
    (folder / "secret.md").write_text("---\ntitle: Secret\n---\nSECRET-TEXT\n", encoding="utf-8")
    (folder / "secret.yaml").write_text(profile("Sec Ret"), encoding="utf-8")
    return folder


def with_photo(path: str) -> str:
    return profile("Bo Two") + f"photo: {path}\n"


PHOTO_LINE = f"mentors/bo.yaml:{PROFILE_LINES + 1}:8: error: "


@pytest.mark.parametrize(
    "photo, message",
    [
        ("../site.toml", "photo '../site.toml' points outside the mentors folder"),
        ("photos/../../site.toml", "photo 'photos/../../site.toml' points outside the mentors folder"),
        ("/etc/passwd", "photo '/etc/passwd' must be a path next to the profile, not an absolute path or URL"),
        (
            "'C:\\Users\\x.png'",
            "photo 'C:\\Users\\x.png' must be a path next to the profile, not an absolute path or URL",
        ),
        ("'..\\..\\site.toml'", "photo '..\\..\\site.toml' points outside the mentors folder"),
        ("~/face.png", "photo '~/face.png' must be a path next to the profile, not an absolute path or URL"),
        ("https://evil.example/face.png", "photo 'https://evil.example/face.png' must be a path next to the profile"),
        ("photos/missing.png", "photo 'photos/missing.png' does not exist"),
        ("photos/fake.png", "photo 'photos/fake.png' is not a readable image"),
    ],
)
def test_photos_pointing_outside_or_nowhere_are_refused(tmp_path, previous, photo, message):
    refused(
        tmp_path,
        previous,
        {"mentors/bo.yaml": with_photo(photo), "mentors/photos/fake.png": b"not an image"},
        [PHOTO_LINE + message],
    )


def test_photo_that_is_a_symlink_to_a_file_is_refused(tmp_path, previous, outside):
    site = write_site(tmp_path / "site", BASE_SITE, files={"mentors/bo.yaml": with_photo("photos/face.png")})
    (site / "mentors/photos").mkdir()
    (site / "mentors/photos/face.png").symlink_to(outside / "face.png")
    assert_refused(site, [PHOTO_LINE + "photo 'photos/face.png' is a symbolic link"], previous=previous)


def test_photo_inside_a_symlinked_folder_is_refused(tmp_path, previous, outside):
    site = write_site(tmp_path / "site", BASE_SITE, files={"mentors/bo.yaml": with_photo("photos/face.png")})
    (site / "mentors/photos").symlink_to(outside, target_is_directory=True)
    assert_refused(site, [PHOTO_LINE + "photo 'photos/face.png' is a symbolic link"], previous=previous)


def test_symlinked_profile_is_refused(tmp_path, previous, outside):
    site = write_site(tmp_path / "site", BASE_SITE)
    (site / "mentors/sec.yaml").symlink_to(outside / "secret.yaml")
    assert_refused(site, ["mentors/sec.yaml: error: symbolic links are not followed"], previous=previous)


@pytest.mark.parametrize("folder", ["content", "content/guides", "mentors"])
def test_symlinked_content_folder_is_refused(tmp_path, previous, outside, folder):
    site = write_site(tmp_path / "site")
    target = tmp_path / "elsewhere"
    target.mkdir()
    if folder == "mentors":
        (site / "mentors").rmdir()
        (target / "ada.yaml").write_text(PROFILE, encoding="utf-8")
    else:
        if folder == "content/guides":
            (site / "content").mkdir()
        (target / "secret.md").write_text("---\ntitle: Secret\n---\nSECRET-TEXT\n", encoding="utf-8")
    (site / folder).symlink_to(target, target_is_directory=True)
    outcome = assert_refused(site, [f"{folder}: error: symbolic links are not followed"], previous=previous)
    assert outcome.check.output.count("symbolic links are not followed") == 1


def test_symlinked_template_and_assets_are_refused(tmp_path, previous, outside):
    site = write_site(tmp_path / "site", BASE_SITE)
    (site / "templates").mkdir()
    (outside / "404.html").write_text("{% extends '!theme/404.html' %}", encoding="utf-8")
    (site / "templates/404.html").symlink_to(outside / "404.html")
    (site / "templates/assets").symlink_to(outside, target_is_directory=True)
    outcome = assert_refused(site, ["templates/assets: error: symbolic links are not followed"], previous=previous)
    assert (
        "templates/404.html: error: template error: templates/404.html is (or is inside) a symbolic link"
        in outcome.check.output
    )


@pytest.mark.parametrize("include", ["../site.toml", "/etc/hostname", "../../outside/secret.md"])
def test_template_includes_outside_the_site_are_refused(tmp_path, previous, include):
    site = write_site(tmp_path / "site", BASE_SITE, files={"templates/home.html": f'{{% include "{include}" %}}\n'})
    assert_refused(
        site, [f"templates/home.html: error: template '{include}' not found"], previous=previous, check_fails=False
    )


# --- template overrides ----------------------------------------------------------------------


def test_template_syntax_error_is_positioned_in_check_and_build(tmp_path, previous):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/mentor.html": '{% extends "!theme/mentor.html" %}\n{% block content %}\n<p>{{ mentor.name </p>\n{% endblock %}\n'
        },
    )
    assert_refused(site, ["templates/mentor.html:3:1: error: template error: unexpected '/'"], previous=previous)


def test_template_undefined_variable_is_positioned(tmp_path, previous):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/home.html": '{% extends "!theme/home.html" %}\n{% block content %}\n\n<p>{{ nope.x }}</p>\n{% endblock %}\n'
        },
    )
    outcome = assert_refused(
        site,
        ["templates/home.html:4:1: error: template error: 'nope' is undefined"],
        previous=previous,
        check_fails=False,
    )
    assert outcome.check.code == 0  # check compiles templates; only rendering finds undefined names


def test_template_that_is_not_utf8_is_refused(tmp_path, previous):
    site = write_site(tmp_path / "site", BASE_SITE, files={"templates/home.html": b"\xff\xfe<p>hi</p>\n"})
    assert_refused(site, ["templates/home.html: error: template is not valid UTF-8 text"], previous=previous)


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__[1].__subclasses__()",
        "cycler.__init__.__globals__.os.popen('touch PWNED').read()",
        "mentor.__dict__",
        "url.__globals__",
    ],
)
def test_template_overrides_cannot_reach_python_internals(tmp_path, previous, expression, monkeypatch):
    monkeypatch.chdir(tmp_path)
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/mentor.html": '{% extends "!theme/mentor.html" %}\n{% block content %}\n'
            f"{{{{ {expression} }}}}\n{{% endblock %}}\n"
        },
    )
    outcome = assert_refused(
        site, ["templates/mentor.html:3:1: error: template error: "], previous=previous, check_fails=False
    )
    # Refused as unsafe, or as not there at all (a mentor view has slots: no __dict__).
    assert any(said in outcome.build.output for said in ("unsafe", "undefined", "has no attribute '__dict__'"))
    assert not (tmp_path / "PWNED").exists()


def test_runaway_template_recursion_is_reported(tmp_path, previous):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"templates/home.html": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}\n"},
    )
    assert_refused(
        site,
        ["templates/home.html:1:1: error: template error: maximum recursion depth exceeded"],
        previous=previous,
        check_fails=False,
    )


# --- where the output goes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, message",
    [
        (".", "the output folder would replace the site itself (or a folder holding it)"),
        ("..", "the output folder would replace the site itself (or a folder holding it)"),
        ("mentors", "the output folder would replace the site's own 'mentors'"),
        ("content", "the output folder would replace the site's own 'content'"),
        ("templates", "the output folder would replace the site's own 'templates'"),
        ("../notes", "the output folder is not empty and does not look like a built site; it would be deleted"),
    ],
)
def test_output_never_replaces_the_site_or_unrelated_folders(tmp_path, target, message):
    site = write_site(tmp_path / "site", BASE_SITE, files={"templates/assets/extra.css": "p{}"})
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/todo.txt").write_text("keep me", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    run = cli("build", site, "-o", site / target)
    assert run.code == 1
    assert f"error: {message}" in run.output
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_output_that_is_a_file_is_refused(tmp_path):
    site = write_site(tmp_path / "site", BASE_SITE)
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    from mentorsite.build import build_site

    report = build_site(site, tmp_path / "out")
    assert [d.message for d in report.errors] == ["the output path is a file, not a folder"]
    assert (tmp_path / "out").read_text() == "a file"


def test_rebuilding_over_a_previous_build_still_works(tmp_path):
    site = write_site(tmp_path / "site", BASE_SITE)
    assert_builds(site, tmp_path / "out")
    (tmp_path / "out/stale.html").write_text("old", encoding="utf-8")
    assert_builds(site, tmp_path / "out")
    assert not (tmp_path / "out/stale.html").exists()


# --- the same in a real process --------------------------------------------------------------


def test_real_process_reports_many_problems_at_once_without_traceback(tmp_path, previous):
    files = {
        "mentors/bad.yaml": "name: [unclosed\n",
        "mentors/tag.yaml": "name: !!python/object/apply:os.system ['true']\n",
        "mentors/nul.yaml": b"name: a\x00\n",
        "mentors/latin.yaml": "name: Jos\xe9\n".encode("latin-1"),
        "mentors/Bad Name.yaml": PROFILE,
        "mentors/deep.yaml": "- " * 30_000 + "x\n",
        "content/guides/bell.md": "---\ntitle: x\n---\n\x07\n",
    }
    site = write_site(tmp_path / "site", BASE_SITE, files=files)
    outcome = assert_refused(
        site,
        [
            "mentors/bad.yaml:2:1: error: invalid YAML",
            "mentors/tag.yaml:1:7: error: unsupported YAML tag '!!python/object/apply:os.system'",
            "mentors/nul.yaml:1:8: error: file contains a NUL byte",
            "mentors/latin.yaml:1:10: error: file is not valid UTF-8 (byte 0xe9)",
            "mentors/Bad Name.yaml: error: file name 'Bad Name' is not a valid slug",
            "mentors/deep.yaml:1:33: error: YAML is nested too deeply",
            "content/guides/bell.md:4:1: error: contains the control character U+0007",
        ],
        previous=previous,
        runner=subprocess_cli,
    )
    assert "checked 1 valid profile: 7 errors" in outcome.check.output
