"""The `mentorsite` command: exit codes, output formats, scaffolding and atomic builds."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from kit import BIO, GOOD_PROFILE, PRIVATE_EMAIL, SITE_TOML, drop_lines, write_site

import mentorsite
from mentorsite.cli import cli
from mentorsite.scaffold import starter_guides

TODAY = date.today().isoformat()


def fresh(profile: str) -> str:
    """The profile reviewed today, so calendar time never adds a 'stale' warning."""
    assert "last_reviewed: 2026-05-01" in profile
    return profile.replace("last_reviewed: 2026-05-01", f"last_reviewed: {TODAY}")


def person(name: str, slug: str) -> str:
    """A valid profile for another person (own name and private email)."""
    return (
        fresh(GOOD_PROFILE)
        .replace("name: Ada Example", f"name: {name}")
        .replace(PRIVATE_EMAIL, f"{slug}.private@example.org")
    )


def run(*args: str) -> Result:
    """Invoke the CLI in-process; no run may end in an uncaught exception or a traceback."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    return result


def digest(folder: Path) -> str:
    """One hash over every file path and every byte under folder."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def skip_if_theme_incomplete(result: Result) -> None:
    """The default theme is written concurrently; only a missing theme template may skip."""
    if result.exit_code != 0 and "template '" in result.stderr and "' not found" in result.stderr:
        pytest.skip(f"theme template missing: {result.stderr.strip()}")


# --- version -----------------------------------------------------------------------------


def test_version_in_a_real_process():
    """`python -m mentorsite --version` prints the package version and exits 0."""
    done = subprocess.run([sys.executable, "-m", "mentorsite", "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"mentorsite, version {mentorsite.__version__}\n", "")


# --- check -------------------------------------------------------------------------------


def test_check_reports_every_error_in_every_file(make_site):
    """`check` exits 1 and lists every error of every file, sorted, each with its source line, then a summary."""
    ada = fresh(GOOD_PROFILE).replace("headline:", "headlin:").replace("country: PT", "country: Portugal")
    bea = person("Bea Example", "bea").replace("timezone: Europe/Lisbon", "timezone: Europe/Lisbn")
    site = make_site(f"""
-- mentors/ada-example.yaml --
{ada}
-- mentors/bea-example.yaml --
{bea}
-- mentors/cy-example.yaml --
- not a mapping
""")
    result = run("check", site)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "mentors/ada-example.yaml:1:1: error: missing required field 'headline'\n"
        "   1 | name: Ada Example\n"
        "     | ^\n"
        "    hint: add a line 'headline: …'\n"
        "mentors/ada-example.yaml:2:1: error: unknown field 'headlin'\n"
        "   2 | headlin: Data leader happy to help with a first management role\n"
        "     | ^\n"
        "    hint: did you mean 'headline'?\n"
        "mentors/ada-example.yaml:8:12: error: 'location.country': 'Portugal' is not an ISO 3166 country code\n"
        "   8 |   country: Portugal\n"
        "     |            ^\n"
        "    hint: use the two-letter code 'PT'\n"
        "mentors/bea-example.yaml:9:11: error: 'timezone': 'Europe/Lisbn' is not a known time zone\n"
        "   9 | timezone: Europe/Lisbn\n"
        "     |           ^\n"
        "    hint: did you mean 'Europe/Lisbon'?\n"
        "mentors/cy-example.yaml:1:1: error: a profile must be a mapping of fields, but this file holds a list\n"
        "   1 | - not a mapping\n"
        "     | ^\n"
        "    hint: each line should look like 'name: Ada Example'\n"
        "checked 0 valid profiles: 5 errors, 0 warnings\n"
    )


def test_check_clean_site(make_site):
    """A site with no problems: exit 0, summary on stdout, nothing on stderr."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{fresh(GOOD_PROFILE)}")
    result = run("check", site)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "checked 1 valid profile: 0 errors, 0 warnings\n",
        "",
    )


def test_check_warnings_only_passes_unless_strict(make_site):
    """Warnings alone exit 0; with --strict the same site exits 1."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{drop_lines(fresh(GOOD_PROFILE), 'photo:')}")
    warning = (
        "mentors/ada-example.yaml:1:7: warning: no photo\n"
        "   1 | name: Ada Example\n"
        "     |       ^\n"
        "    hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile\n"
    )
    result = run("check", site)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "checked 1 valid profile: 0 errors, 1 warning\n",
        warning,
    )
    result = run("check", "--strict", site)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        warning + "checked 1 valid profile: 0 errors, 1 warning\n",
    )


def test_check_format_github(make_site):
    """--format github prints one workflow command per problem, with file, line and col."""
    ada = fresh(GOOD_PROFILE).replace("tags: [leadership, writing]", "tags: [leadrship]")
    bea = drop_lines(person("Bea Example", "bea"), "photo:")
    site = make_site(f"""
-- mentors/ada-example.yaml --
{ada}
-- mentors/bea-example.yaml --
{bea}
""")
    result = run("check", "--format", "github", site)
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=mentors/ada-example.yaml,line=4,col=8::'tags item 1': 'leadrship' is not a known expertise tag"
        " (hint: did you mean 'leadership'?)\n"
        "::warning file=mentors/bea-example.yaml,line=1,col=7::no photo"
        " (hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile)\n"
    )


def test_check_format_json(make_site):
    """--format json prints a parseable list of diagnostics and nothing else."""
    ada = fresh(GOOD_PROFILE).replace("capacity: 2", "capacity: 99")
    site = make_site(f"-- mentors/ada-example.yaml --\n{ada}")
    result = run("check", "--format", "json", site)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "path": "mentors/ada-example.yaml",
            "line": 14,
            "col": 13,
            "message": "'availability.capacity' is out of range: input should be less than or equal to 50",
            "hint": "",
            "severity": "error",
        }
    ]


def test_check_bad_site_toml(make_site):
    """A broken site.toml is reported (with position) and check exits 1."""
    site = make_site("""
-- site.toml --
title = "x"
organisation = "y"
titel = "z"
""")
    result = run("check", site)
    assert result.exit_code == 1
    assert result.stderr == (
        "site.toml:3:1: error: unknown field 'titel'\n"
        '   3 | titel = "z"\n'
        "     | ^\n"
        "    hint: did you mean 'title'?\n"
        "checked 0 valid profiles: 1 error, 0 warnings\n"
    )


def test_check_hostile_files_never_crash(make_site):
    """Binary, bomb, deep, huge, mis-encoded, tagged, symlinked and mis-named files are all just errors."""
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=False)
    )
    site = make_site(
        f"""
-- mentors/ada-example.yaml --
{fresh(GOOD_PROFILE)}
-- mentors/bomb.yaml --
{bomb}
-- mentors/Bad Name.yaml --
x: 1
-- mentors/tagged.yaml --
name: !!python/object/apply:os.system ['echo pwned']
""",
        files={
            "mentors/deep.yaml": "- " * 50_000 + "x\n",
            "mentors/binary.yaml": bytes(range(256)),
            "mentors/huge.yaml": b"a: " + b"x" * 300_000,
            "mentors/latin.yaml": b"name: Jos\xe9\n",
            "content/guides/g.md": "no front matter\n",
        },
    )
    (site / "mentors" / "dir.yaml").mkdir()
    os.symlink(site / "site.toml", site / "mentors" / "link.yaml")
    result = run("check", site)
    assert result.exit_code == 1
    firsts = [line.split(": error: ")[0] for line in result.stderr.splitlines() if ": error: " in line]
    assert firsts == [
        "content/guides/g.md:1:1",
        "mentors/Bad Name.yaml",
        "mentors/binary.yaml:1:1",
        *[f"mentors/bomb.yaml:{n}:4" for n in range(1, 9)],
        "mentors/deep.yaml:1:33",
        "mentors/huge.yaml",
        "mentors/latin.yaml:1:10",
        "mentors/link.yaml",
        "mentors/tagged.yaml:1:7",
    ]
    assert result.stderr.endswith("checked 1 valid profile: 16 errors, 0 warnings\n")


# --- new mentor ----------------------------------------------------------------------------


def test_new_mentor_profile_passes_check(make_site):
    """`new mentor "José Ñúñez"` writes mentors/jose-nunez.yaml that check accepts with zero errors,
    warning that its example headline and bio are still to be replaced."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{fresh(GOOD_PROFILE)}")
    result = run("new", "mentor", "José Ñúñez", site)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"wrote {site / 'mentors' / 'jose-nunez.yaml'}"
    text = (site / "mentors" / "jose-nunez.yaml").read_text(encoding="utf-8")
    assert 'name: "José Ñúñez"\n' in text
    assert "tags: [leadership]" in text
    check = run("check", site)
    assert check.exit_code == 0
    assert check.stdout == "checked 2 valid profiles: 0 errors, 3 warnings\n"
    assert check.stderr == (
        "mentors/jose-nunez.yaml:5:7: warning: no photo\n"
        '   5 | name: "José Ñúñez"\n'
        "     |       ^\n"
        "    hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile\n"
        "mentors/jose-nunez.yaml:7:11: warning: 'headline' still holds the example text from `mentorsite new mentor`\n"
        '   7 | headline: "Mentor happy to help with career questions"\n'
        "     |           ^\n"
        "    hint: write one line, in the mentor's words, on what they can help with\n"
        "mentors/jose-nunez.yaml:37:6: warning: 'bio' still holds the example text from `mentorsite new mentor`\n"
        "  37 | bio: |\n"
        "     |      ^\n"
        "    hint: replace it with two or three paragraphs about the mentor; mentees choose by this text\n"
    )


def test_new_mentor_refuses_to_overwrite(make_site):
    """A second `new mentor` for the same name fails with exit 1 and keeps the file."""
    site = make_site()
    assert run("new", "mentor", "José Ñúñez", site).exit_code == 0
    target = site / "mentors" / "jose-nunez.yaml"
    before = target.read_bytes()
    result = run("new", "mentor", "Jose Nunez", site)
    assert (result.exit_code, result.stderr) == (1, f"Error: {target} already exists\n")
    assert target.read_bytes() == before


def test_new_mentor_name_without_letters(make_site):
    """A name with no letter or digit is a usage error (exit 2) and writes nothing."""
    site = make_site()
    result = run("new", "mentor", "!!!", site)
    assert result.exit_code == 2
    assert "Invalid value for NAME: the name needs at least one letter or digit" in result.stderr
    assert list((site / "mentors").glob("*.yaml")) == []


@pytest.mark.parametrize(
    "name, file",
    [
        ("陈晓玲", "chen-xiao-ling.yaml"),
        ("कमल वर्मा", "kml-vrma.yaml"),
        ("נועה בן דוד", "nv-h-vn-dvd.yaml"),
    ],
)
def test_new_mentor_transliterates_a_name_in_any_script(make_site, name, file):
    """A name with no Latin letter gets a slug by transliteration, and the profile keeps the name."""
    site = make_site()
    result = run("new", "mentor", name, site)
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, f"wrote {site / 'mentors' / file}")
    assert f'name: "{name}"\n' in (site / "mentors" / file).read_text(encoding="utf-8")


def test_new_mentor_takes_the_slug_given(make_site):
    """--slug names the file; the profile it writes passes check."""
    site = make_site()
    result = run("new", "mentor", "يوسف الحسن", "--slug", "yusuf-al-hassan", site)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"wrote {site / 'mentors' / 'yusuf-al-hassan.yaml'}"
    assert 'name: "يوسف الحسن"\n' in (site / "mentors" / "yusuf-al-hassan.yaml").read_text(encoding="utf-8")
    assert run("check", site).exit_code == 0


def test_new_mentor_refuses_a_slug_that_is_not_one(make_site):
    """A --slug that is not a slug is a usage error (exit 2) naming a valid one; nothing is written."""
    site = make_site()
    result = run("new", "mentor", "Ada", "--slug", "Ada Lovelace", site)
    assert result.exit_code == 2
    assert (
        "Invalid value for --slug: 'Ada Lovelace' is not a slug (lower-case a-z, 0-9 and single hyphens, "
        "at most 64); try 'ada-lovelace'" in " ".join(result.stderr.split())
    )
    assert list((site / "mentors").glob("*.yaml")) == []


def test_new_mentor_outside_a_site(tmp_path):
    """`new mentor` in a folder without site.toml fails with exit 1."""
    result = run("new", "mentor", "Ada", tmp_path)
    assert (result.exit_code, result.stderr) == (1, f"Error: {tmp_path} is not a mentorsite site (no site.toml)\n")


# --- init and build ----------------------------------------------------------------------------


def test_init_then_build(tmp_path):
    """`init DIR` creates a site that `build DIR` turns into a website."""
    site = tmp_path / "new-site"
    result = run("init", site)
    created = [p for p in site.rglob("*") if p.is_file()]
    # The full starter guide set (tests/test_guides.py pins it), not a single welcome page.
    guides = {f"content/guides/{rel}" for rel in starter_guides()}
    assert {"site.toml", "mentors/ada-example.yaml", "content/guides/first-contact-message.md"} | guides <= {
        p.relative_to(site).as_posix() for p in created
    }
    assert (result.exit_code, result.stdout) == (
        0,
        f"created {len(created)} files in {site}; next: mentorsite build {site}\n"
        "to publish: push to GitHub, then Settings → Pages → Source: GitHub Actions (see CONTRIBUTING.md)\n",
    )
    assert run("check", site).exit_code == 0
    result = run("build", site)
    skip_if_theme_incomplete(result)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("built 1 mentor: ")
    assert f" into {site / '_site'} in " in result.stdout
    for page in (
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "mentors/index.html",
        "mentors/ada-example/index.html",
        "guides/first-contact-message/index.html",
        "tags/leadership/index.html",
    ):
        assert (site / "_site" / page).is_file(), page


def test_init_refuses_non_empty_folder(tmp_path):
    """`init` into a folder holding more than a new repository's files fails with exit 1, names them, touches nothing."""
    (tmp_path / "keep.txt").write_text("mine")
    (tmp_path / "notes").mkdir()
    (tmp_path / "README.md").write_text("# Ours")
    result = run("init", tmp_path)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {tmp_path} already holds keep.txt, notes/; init needs a new folder, or one with only "
        "version control files (.git, .gitignore), a README and a licence\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "keep.txt", "notes"]


def test_built_pages_show_bio_markup_inertly(make_site):
    """Template syntax and <script> in a bio reach the page as literal, escaped text; no email leaks."""
    profile = fresh(GOOD_PROFILE).replace(BIO, BIO + " {{ 7*7 }} {% raw %} <script>alert(1)</script>")
    site = make_site(f"-- mentors/ada-example.yaml --\n{profile}")
    result = run("build", site)
    skip_if_theme_incomplete(result)
    assert result.exit_code == 0, result.stderr
    page = (site / "_site" / "mentors" / "ada-example" / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }} {% raw %} &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    for path in (site / "_site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".txt", ".js"):
            assert PRIVATE_EMAIL not in path.read_text(encoding="utf-8").lower(), path


#: What `build` says about the kit's site.toml (base_url on localhost) when no --base-url is given.
LOCALHOST_WARNING = (
    "site.toml:4:1: warning: base_url is http://localhost:8000/, this computer: the published sitemap and links "
    "to share would point there\n"
    '   4 | base_url = "http://localhost:8000/"\n'
    "     | ^\n"
    '    hint: set base_url to the address the site will have, e.g. "https://your-org.github.io/mentors/", or build '
    "with --base-url (`mentorsite serve` is for previews)\n"
)

BREAKERS = {
    # an input error: found before anything is rendered
    "profile error": (
        "mentors/ada-example.yaml",
        lambda text: text.replace("country: PT", "country: Portugal"),
        "mentors/ada-example.yaml:8:12: error: 'location.country': 'Portugal' is not an ISO 3166 "
        "country code\n   8 |   country: Portugal\n     |            ^\n    hint: use the two-letter code 'PT'\n"
        + LOCALHOST_WARNING,
    ),
    # a template error: found half-way through rendering, after files were staged
    "template error": (
        "templates/mentor.html",
        lambda text: "{{ mentor.no_such_field.oops }}\n",
        LOCALHOST_WARNING + "templates/mentor.html:1:1: error: template error: "
        "'mentorsite.views.MentorView object' has no attribute 'no_such_field'\n",
    ),
}


@pytest.mark.parametrize("breaker", list(BREAKERS))
def test_failed_build_keeps_previous_output(make_site, breaker):
    """A failing build exits 1, says why, and leaves the previous output byte-for-byte identical."""
    site = make_site(f"""
-- mentors/ada-example.yaml --
{fresh(GOOD_PROFILE)}
-- mentors/bea-example.yaml --
{person("Bea Example", "bea")}
-- templates/README.md --
overrides
""")
    first = run("build", site)
    skip_if_theme_incomplete(first)
    assert first.exit_code == 0, first.stderr
    output = site / "_site"
    before, listing = digest(output), sorted(p.name for p in site.iterdir())
    assert (output / "mentors" / "ada-example" / "index.html").is_file()

    relative, change, message = BREAKERS[breaker]
    target = site / relative
    target.write_text(change(target.read_text(encoding="utf-8") if target.exists() else ""), encoding="utf-8")
    result = run("build", site)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message + "build failed: 1 problem; the previous output was left untouched\n"
    assert digest(output) == before
    assert sorted(p.name for p in site.iterdir()) == listing  # no staging folder left behind


def test_build_strict_fails_on_warnings(make_site):
    """build --strict refuses a site with warnings (a base_url on localhost is one), prints them and writes nothing."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{drop_lines(fresh(GOOD_PROFILE), 'photo:')}")
    result = run("build", "--strict", site)
    assert result.exit_code == 1
    assert result.stderr == (
        "mentors/ada-example.yaml:1:7: warning: no photo\n"
        "   1 | name: Ada Example\n"
        "     |       ^\n"
        "    hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile\n"
        + LOCALHOST_WARNING
        + "build failed: 2 problems; the previous output was left untouched\n"
    )
    assert not (site / "_site").exists()


NO_PHOTO = "".join(line for line in GOOD_PROFILE.splitlines(keepends=True) if not line.startswith("photo:"))


def modules_after_build(args: list[str], shown: str) -> subprocess.CompletedProcess:
    """Run `mentorsite build ARGS` in a fresh interpreter (cli(), not main(), so the process
    lives on), then print `shown`, an expression over sys.modules."""
    script = (
        "import sys\n"
        "from mentorsite.cli import cli\n"
        f"try: cli(['build', *{args!r}], prog_name='mentorsite')\n"
        "except SystemExit as exit: assert exit.code == 0, exit.code\n"
        f"print({shown})\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_a_build_loads_neither_the_receiver_nor_the_report(tmp_path):
    """Their commands load when run (or listed), so a build does not pay to import them."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML, "mentors/ada.yaml": NO_PHOTO})
    run = modules_after_build(
        [str(site)], "sorted({m.split('.')[1] for m in sys.modules if m.startswith('mentorsite.')})"
    )
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout.strip().splitlines()[-1].replace("'", '"'))
    assert "build" in loaded
    assert [m for m in ("receiver", "report", "serve") if m in loaded] == []
    listed = subprocess.run(
        [sys.executable, "-m", "mentorsite", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    assert [c for c in ("receive", "report", "requests", "serve") if f"\n  {c} " not in listed] == []


def test_the_command_ends_after_the_build_with_its_output_printed(tmp_path):
    """`mentorsite build` ends its process itself once the site is written (cli._end_process):
    the summary line and the warnings still arrive, in full, and the exit status is 0."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML, "mentors/ada.yaml": NO_PHOTO})
    run = subprocess.run(
        [sys.executable, "-m", "mentorsite", "build", str(site), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0
    assert run.stdout.startswith("built 1 mentor: ") and run.stdout.endswith(")\n"), run.stdout
    assert "warning:" in run.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_a_build_with_nothing_changed_answers_before_loading_the_pipeline(tmp_path):
    """The up-to-date check runs before the build pipeline (Jinja, the models) is imported."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML, "mentors/ada.yaml": NO_PHOTO})
    args = [str(site), "-o", str(tmp_path / "out")]
    shown = "sorted(m for m in ('mentorsite.build', 'mentorsite.render', 'jinja2', 'pydantic') if m in sys.modules)"
    runs = [modules_after_build(args, shown) for _ in "ab"]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    first, again = (r.stdout.splitlines() for r in runs)
    assert first[-1] == "['jinja2', 'mentorsite.build', 'mentorsite.render', 'pydantic']"
    assert again[-1] == "[]"
    assert again[0].startswith("built 1 mentor: 0 pages rendered, ") and first[0].startswith("built 1 mentor: ")
