"""Guardrails against publishing a site that does not work, and the summaries around them.

Each guardrail is a warning with exact text (an error under --strict): a form posting to the
visitor's own computer or over plain http from an https site, a base_url on localhost in a
build meant for publishing, example text left from `new mentor`, a missing contact guide, a
stale JSON Schema, a profile saved as name.yaml.txt.
"""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner, Result
from kit import GOOD_PROFILE, SITE_TOML, TODAY, drop_lines

from mentorsite.build import build_site, check_site
from mentorsite.cli import cli
from mentorsite.diagnostics import Diagnostic, counted, format_diagnostics
from mentorsite.guardrails import is_loopback
from mentorsite.index import FacetValueView, FacetView, search_examples
from mentorsite.load import LoadCache
from mentorsite.scaffold import PLACEHOLDERS
from mentorsite.schema import MODELINE

HTTPS_SITE = SITE_TOML.replace('base_url = "http://localhost:8000/"', 'base_url = "https://mentors.example.org/"')
#: GOOD_PROFILE reviewed on the test's real "today", so no stale-profile warning joins in.
PROFILE = GOOD_PROFILE.replace("last_reviewed: 2026-05-01", f"last_reviewed: {date.today().isoformat()}")


def run(*args: object) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def with_contact(toml: str, contact: str) -> str:
    return toml + "\n[contact]\n" + contact


# --- the contact form ------------------------------------------------------------------------


def test_loopback_contact_action_on_a_published_site(make_site):
    """A form posting to 127.0.0.1 on an https site is a warning at the action's line; --strict fails."""
    toml = with_contact(HTTPS_SITE, 'mode = "receiver"\naction = "http://127.0.0.1:8787/requests"\n')
    site = make_site(f"-- site.toml --\n{toml}\n-- mentors/ada-example.yaml --\n{PROFILE}")
    warning = (
        "site.toml:41:1: warning: the contact form posts to http://127.0.0.1:8787/requests, the visitor's own "
        "computer: no request would arrive\n"
        '  41 | action = "http://127.0.0.1:8787/requests"\n'
        "     | ^\n"
        '    hint: set [contact] action to the https address of your receiver, or mode = "mailto" to publish no form\n'
    )
    result = run("check", site)
    assert (result.exit_code, result.stderr, result.stdout) == (
        0,
        warning,
        "checked 1 valid profile: 0 errors, 1 warning\n",
    )
    assert run("check", "--strict", site).exit_code == 1


def test_plain_http_contact_action_on_an_https_site(make_site):
    """A form posting over plain http from an https site is a warning (browsers warn or block it)."""
    toml = with_contact(HTTPS_SITE, 'mode = "endpoint"\naction = "http://forms.example.org/f/1"\n')
    site = make_site(f"-- site.toml --\n{toml}\n-- mentors/ada-example.yaml --\n{PROFILE}")
    assert run("check", site).stderr == (
        "site.toml:41:1: warning: the contact form posts over plain http (http://forms.example.org/f/1) from an "
        "https site: browsers warn visitors or block the request\n"
        '  41 | action = "http://forms.example.org/f/1"\n'
        "     | ^\n"
        "    hint: use the https:// address of the same receiver or service\n"
    )


@pytest.mark.parametrize(
    ("base_url", "contact"),
    [
        ("http://localhost:8000/", 'mode = "receiver"\naction = "http://127.0.0.1:8787/requests"\n'),
        ("https://mentors.example.org/", 'mode = "receiver"\naction = "https://requests.example.org/requests"\n'),
        ("https://mentors.example.org/", 'mode = "mailto"\n'),
        ("https://mentors.example.org/", 'mode = "none"\naction = "http://127.0.0.1:8787/requests"\n'),
        ("http://mentors.example.org/", 'mode = "endpoint"\naction = "http://forms.example.org/f/1"\n'),
    ],
    ids=["local-preview", "https-receiver", "mailto", "no-form", "all-plain-http"],
)
def test_workable_contact_settings_draw_no_warning(make_site, base_url, contact):
    """A local site posting locally, an https action, no form at all, plain http throughout: no warning."""
    toml = with_contact(SITE_TOML.replace("http://localhost:8000/", base_url), contact)
    site = make_site(f"-- site.toml --\n{toml}\n-- mentors/ada-example.yaml --\n{PROFILE}")
    result = run("check", site)
    assert (result.exit_code, result.stderr) == (0, "")


def test_build_judges_the_contact_form_by_the_base_url_it_publishes_under(make_site, tmp_path):
    """site.toml is local (check is quiet), but `build --base-url https://…` would publish the loopback form."""
    toml = with_contact(SITE_TOML, 'mode = "receiver"\naction = "http://127.0.0.1:8787/requests"\n')
    site = make_site(f"-- site.toml --\n{toml}\n-- mentors/ada-example.yaml --\n{PROFILE}")
    assert run("check", site).stderr == ""
    result = run("build", site, "-o", tmp_path / "out", "--base-url", "https://org.github.io/mentors/")
    assert result.exit_code == 0
    assert result.stderr == (
        "site.toml:41:1: warning: the contact form posts to http://127.0.0.1:8787/requests, the visitor's own "
        "computer: no request would arrive\n"
        '  41 | action = "http://127.0.0.1:8787/requests"\n'
        "     | ^\n"
        '    hint: set [contact] action to the https address of your receiver, or mode = "mailto" to publish no form\n'
    )
    assert result.stdout.endswith("; 1 warning)\n")


# --- base_url on localhost ---------------------------------------------------------------------


def test_build_warns_about_a_localhost_base_url_unless_one_is_given(make_site, tmp_path):
    """`build` with site.toml's localhost base_url warns (and fails under --strict); with --base-url it does not."""
    toml = with_contact(SITE_TOML, 'mode = "mailto"\n')
    site = make_site(f"-- site.toml --\n{toml}\n-- mentors/ada-example.yaml --\n{PROFILE}")
    result = run("build", site, "-o", tmp_path / "out")
    assert (result.exit_code, result.stderr) == (
        0,
        "site.toml:4:1: warning: base_url is http://localhost:8000/, this computer: the published sitemap and links "
        "to share would point there\n"
        '   4 | base_url = "http://localhost:8000/"\n'
        "     | ^\n"
        '    hint: set base_url to the address the site will have, e.g. "https://your-org.github.io/mentors/", or '
        "build with --base-url (`mentorsite serve` is for previews)\n",
    )
    assert run("build", "--strict", site, "-o", tmp_path / "strict").exit_code == 1
    assert not (tmp_path / "strict").exists()
    given = run("build", "--strict", site, "-o", tmp_path / "given", "--base-url", "https://org.github.io/m/")
    assert (given.exit_code, given.stderr) == (0, "")
    assert run("check", site).stderr == ""  # check does not know the address a deploy will give


def test_serve_style_builds_never_warn_about_localhost(make_site, tmp_path):
    """A preview (what `serve` runs: build_site with its own localhost base URL) has no warnings at all."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{PROFILE}")
    report = build_site(site, tmp_path / "preview", base_url="http://127.0.0.1:8000/", today=TODAY)
    assert (report.written, report.diagnostics) == (True, [])


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:8000/", True),
        ("http://LOCALHOST./", True),
        ("http://app.localhost/", True),
        ("http://127.0.0.1:8787/requests", True),
        ("http://127.1.2.3/", True),
        ("http://[::1]:8000/", True),
        ("http://0.0.0.0/", True),
        ("https://mentors.example.org/", False),
        ("https://localhost.example.org/", False),
        ("http://10.0.0.5/", False),
    ],
)
def test_is_loopback(url, loopback):
    """Loopback means the computer that opens the URL: names, IPv4 127/8, ::1 and the unspecified address."""
    assert is_loopback(url) is loopback


# --- leftovers -----------------------------------------------------------------------------------


def test_contact_guide_named_but_missing(make_site):
    """`[contact] guide` naming a guide the site lacks is a warning; guide = "" or the unwritten default is not."""
    profile = f"-- mentors/ada-example.yaml --\n{PROFILE}"
    toml = with_contact(SITE_TOML, 'guide = "first-message"\n')
    site = make_site(f"-- site.toml --\n{toml}\n{profile}")
    assert run("check", site).stderr == (
        "site.toml:40:1: warning: the contact guide 'first-message' is not in content/guides/, so mentor pages show no \"How "
        'to write a first message" box\n'
        '  40 | guide = "first-message"\n'
        "     | ^\n"
        '    hint: add content/guides/first-message.md, or set guide = "" under [contact] to go without\n'
    )
    (site / "content" / "guides").mkdir(parents=True)
    (site / "content" / "guides" / "first-message.md").write_text("---\ntitle: First message\n---\nHello.\n")
    assert run("check", site).stderr == ""
    for contact in ('guide = ""\n', 'mode = "mailto"\n'):
        site = make_site(f"-- site.toml --\n{with_contact(SITE_TOML, contact)}\n{profile}")
        assert run("check", site).stderr == "", contact


def test_init_site_warns_when_its_contact_guide_is_deleted(tmp_path):
    """`init` names the contact guide in site.toml, so deleting the guide is reported, not silent."""
    site = tmp_path / "alumni"
    assert run("init", site).exit_code == 0
    assert "site.toml" not in run("check", site).stderr
    (site / "content" / "guides" / "first-contact-message.md").unlink()
    toml = (site / "site.toml").read_text(encoding="utf-8").split("\n")
    line = toml.index('guide = "first-contact-message"') + 1
    assert run("check", site).stderr.endswith(  # after the profile's warnings: sorted by path
        f"site.toml:{line}:1: warning: the contact guide 'first-contact-message' is not in content/guides/, so "
        'mentor pages show no "How to write a first message" box\n'
        f'{line:>4} | guide = "first-contact-message"\n'
        "     | ^\n"
        '    hint: add content/guides/first-contact-message.md, or set guide = "" under [contact] to go without\n'
    )


def test_stale_or_missing_schema(make_site):
    """A schema out of step with site.toml, or missing while a profile points at it, is a warning."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{MODELINE}\n{PROFILE}")
    assert run("check", site).stderr == (
        "schema/mentor.schema.json: warning: profiles point editors at this JSON Schema, but it is missing\n"
        "    hint: run `mentorsite schema` in the site's folder to write it\n"
    )
    assert run("schema", site).exit_code == 0
    assert run("check", site).stderr == ""
    toml = site / "site.toml"
    toml.write_text(
        toml.read_text().replace('writing = { label = "Writing" }', 'writing = { label = "Writing" }\nx = "X"')
    )
    assert run("check", site).stderr == (
        "schema/mentor.schema.json: warning: the JSON Schema is out of date with site.toml: editors suggest and "
        "check old values\n"
        "    hint: run `mentorsite schema` in the site's folder to write it again, and commit it\n"
    )


def test_profile_saved_with_an_extra_suffix(make_site):
    """mentors/ana.yaml.txt and content/guides/g.md.txt are named, not silently skipped; other files are ignored."""
    site = make_site(
        f"-- mentors/ada-example.yaml --\n{PROFILE}\n-- mentors/bea.yaml.txt --\nname: Bea\n"
        "-- mentors/notes.txt --\nnot a profile\n-- content/guides/g.md.txt --\ntext\n"
    )
    assert run("check", site).stderr == (
        "content/guides/g.md.txt: warning: not read: the name ends in '.txt', so this is not a guide\n"
        "    hint: rename it to g.md (some editors add '.txt' when saving)\n"
        "mentors/bea.yaml.txt: warning: not read: the name ends in '.txt', so this is not a profile\n"
        "    hint: rename it to bea.yaml (some editors add '.txt' when saving)\n"
    )


# --- init's contact default ---------------------------------------------------------------------------


def test_init_site_publishes_no_form_that_cannot_work(tmp_path):
    """`init` picks mode = "mailto": built for its real address, the site has no form and no localhost URL."""
    site = tmp_path / "alumni"
    assert run("init", site).exit_code == 0
    toml = (site / "site.toml").read_text(encoding="utf-8")
    assert '\n[contact]\nmode = "mailto"\n' in toml
    result = run("build", site, "--base-url", "https://alumni.example.org/mentors/")
    assert result.exit_code == 0, result.output
    assert "site.toml" not in result.stderr  # no guardrail about the settings init wrote
    for path in (site / "_site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".json", ".js"):
            text = path.read_text(encoding="utf-8")
            assert "localhost" not in text and "127.0.0.1" not in text, path
    assert '<form method="post"' not in (site / "_site" / "mentors" / "ada-example" / "index.html").read_text()


# --- summaries ------------------------------------------------------------------------------------


def test_counted():
    assert [counted(0, "error"), counted(1, "error"), counted(2, "error"), counted(1, "entry", "entries")] == [
        "0 errors",
        "1 error",
        "2 errors",
        "1 entry",
    ]


def test_a_warning_repeated_in_many_files_is_summarised_unless_verbose(make_site):
    """Four profiles without a photo: one summary naming three files; --verbose prints each; JSON keeps all."""
    bare = drop_lines(PROFILE, "photo:")
    people = {
        name: bare.replace("Ada Example", f"{name} Example").replace("ada.private", f"{name}.private")
        for name in ("Ada", "Bea", "Cy", "Di")
    }
    site = make_site("".join(f"-- mentors/{n.lower()}-example.yaml --\n{text}" for n, text in people.items()))
    result = run("check", site)
    assert (result.exit_code, result.stderr, result.stdout) == (
        0,
        "warning: no photo, in 4 files: mentors/ada-example.yaml, mentors/bea-example.yaml, "
        "mentors/cy-example.yaml and 1 more\n"
        "    hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile (--verbose shows each)\n",
        "checked 4 valid profiles: 0 errors, 4 warnings\n",
    )
    verbose = run("check", "--verbose", site)
    assert verbose.stderr.count(": warning: no photo\n") == 4
    assert "--verbose shows each" not in verbose.stderr
    assert run("check", "--format", "json", site).stdout.count('"message": "no photo"') == 4


def test_summary_keeps_errors_and_rare_warnings_whole():
    """Errors are never summarised, nor a warning seen in fewer than three files."""
    found = [
        Diagnostic("a.yaml", 1, 1, "bad", severity="error"),
        Diagnostic("b.yaml", 1, 1, "bad", severity="error"),
        Diagnostic("c.yaml", 1, 1, "bad", severity="error"),
        Diagnostic("a.yaml", 2, 1, "meh", severity="warning"),
        Diagnostic("b.yaml", 2, 1, "meh", severity="warning"),
    ]
    assert format_diagnostics(found, verbose=False) == format_diagnostics(found)


# --- the search box's examples ------------------------------------------------------------------------


def facet(key: str, field: str, *labels: str) -> FacetView:
    view = FacetView(key, key.title(), f"{key}/", field)
    view.values = [FacetValueView(label.lower(), label, 10 - i, "") for i, label in enumerate(labels)]
    return view


def test_search_examples_come_from_the_sites_most_used_values():
    """Most-used tag, most-used language, second tag; other facets only when a site has neither."""
    facets = [
        facet("industry", "industry", "Technology"),
        facet("tags", "tags", "Nursing", "Midwifery", "Public health"),
        facet("languages", "languages", "Welsh", "English"),
    ]
    assert search_examples(facets) == ["Nursing", "Welsh", "Midwifery"]
    assert search_examples([facet("industry", "industry", "Technology", "Energy")]) == ["Technology", "Energy"]
    assert search_examples([facet("tags", "tags")]) == []


def test_search_hint_on_the_page_uses_the_sites_values(make_site, tmp_path):
    """The built page's hint names the site's own values, and a site with no mentors shows none."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{PROFILE}")
    assert run("build", site, "-o", tmp_path / "out", "--base-url", "https://m.example.org/").exit_code == 0
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<p id="q-help" class="help">For example “Leadership”, “English” or “Writing”.</p>' in page
    (site / "mentors" / "ada-example.yaml").unlink()
    assert run("build", site, "-o", tmp_path / "empty", "--base-url", "https://m.example.org/").exit_code == 0
    empty = (tmp_path / "empty" / "index.html").read_text(encoding="utf-8")
    assert 'id="q-help"' not in empty and "aria-describedby" not in empty


def test_serve_rebuilds_find_placeholders_and_a_modeline_a_profile_gains_and_loses(make_site):
    """serve's rebuilds look again only at the profiles that changed (replaced.filtered): a
    profile gaining the example text, or the schema's modeline with no schema written, is
    warned about at the next rebuild, and the warning goes with the text."""
    site = make_site(f"-- mentors/ada-example.yaml --\n{PROFILE}")
    cache = LoadCache()
    ada = site / "mentors" / "ada-example.yaml"

    def warnings() -> list[str]:
        return [d.human() for d in check_site(site, today=TODAY, cache=cache)[2].warnings]

    assert warnings() == []
    ada.write_text(PROFILE.replace("Data leader happy to help", PLACEHOLDERS["headline"] + ", and"))
    assert warnings() == [
        "mentors/ada-example.yaml:2:11: warning: 'headline' still holds the example text from `mentorsite new mentor`\n"
        "    hint: write one line, in the mentor's words, on what they can help with"
    ]
    ada.write_text(f"{MODELINE}\n{PROFILE}")
    assert warnings() == [
        "schema/mentor.schema.json: warning: profiles point editors at this JSON Schema, but it is missing\n"
        "    hint: run `mentorsite schema` in the site's folder to write it"
    ]
    ada.write_text(PROFILE)
    assert warnings() == []
