"""Issue 6: a private email never reaches any output file, whatever the templates or content do.

Three layers, each tested: templates only ever see a public view of a mentor (no `email` to
print); `mentorsite check` reports a private address written into public text at its line;
and the build refuses to publish any file that contains one (write.Staging), however it got
there, leaving the previous output as it was.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hostile_kit import BASE_SITE, GUIDE, PROFILE, assert_builds, assert_refused, cli, profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import GOOD_PROFILE, SITE_TOML, TODAY, write_site

from mentorsite import privacy
from mentorsite.config import load_config
from mentorsite.diagnostics import Diagnostic
from mentorsite.load import Loaded, load_site

MAILTO_TOML = SITE_TOML.replace(
    'language = "en"', 'language = "en"\n\n[contact]\nmode = "mailto"\n\n[cms]\nenabled = false'
)
PRIVATE = ["ada.private@example.org", "bo.private@example.org", "cy.private@example.org"]


def assert_no_private_email(out, emails=PRIVATE) -> int:
    """No output file of any kind (HTML, JSON, XML, JS, CSS, text, images) holds an address."""
    files = [f for f in out.rglob("*") if f.is_file()]
    assert files
    for file in files:
        data = file.read_bytes().lower()
        for email in emails:
            assert email.lower().encode() not in data, (file, email)
            local, domain = email.split("@")
            assert f"{local}%40{domain}".encode() not in data, (file, email)
            assert f"{local}&#64;{domain}".encode() not in data, (file, email)
    return len(files)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    site = write_site(
        root / "site",
        BASE_SITE,
        files={
            "site.toml": MAILTO_TOML,
            "mentors/bo.yaml": profile("Bo Other") + "public_email: bo.public@example.org\n",
            "mentors/cy.yaml": profile("Cy Paused") + "active: false\n",
        },
    )
    _, out = assert_builds(site, root / "out")
    return out


def test_no_private_email_in_any_output_file(built):
    kinds = {f.suffix for f in built.rglob("*") if f.is_file()}
    assert {".html", ".xml", ".css", ".js"} <= kinds
    assert assert_no_private_email(built) > 10


def test_public_email_is_published_in_mailto_mode(built):
    page = (built / "mentors/bo/index.html").read_text(encoding="utf-8")
    assert "bo.public@example.org" in page


def test_paused_mentor_is_not_published(built):
    assert not (built / "mentors/cy").exists()
    assert "Cy Paused" not in "".join(f.read_text(encoding="utf-8") for f in built.rglob("*.html"))


def test_template_override_printing_mentor_email_fails_cleanly(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/mentor.html": '{% extends "!theme/mentor.html" %}\n{% block content %}\n<p>{{ mentor.email }}</p>\n{% endblock %}\n'
        },
    )
    outcome = assert_refused(
        site,
        [
            "templates/mentor.html:3:1: error: template error: "
            "'mentorsite.views.MentorView object' has no attribute 'email'"
        ],
        check_fails=False,
    )
    assert "ada.private" not in outcome.build.output


@pytest.mark.parametrize(
    "expression",
    [
        "mentor.email|default('')",
        "mentor['email']|default('')",
        "(mentor|attr('email'))|default('')",
        "mentor.public_email or ''",  # not the private one, and None outside mailto mode
    ],
)
def test_template_override_probing_for_email_prints_nothing_private(tmp_path, expression):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/mentor.html": '{% extends "!theme/mentor.html" %}\n{% block content %}\n'
            f'<p id="probe">[{{{{ {expression} }}}}]</p>\n{{% endblock %}}\n'
        },
    )
    _, out = assert_builds(site)
    assert '<p id="probe">[]</p>' in (out / "mentors/ada/index.html").read_text(encoding="utf-8")
    assert_no_private_email(out)


@pytest.mark.parametrize(
    "leak",
    [
        "ada.private@example.org",
        "ADA.Private@Example.ORG",
        "write to ada.private@example.org.",  # a full stop after the address
        '<a href="https://cal.example/?email=ada.private@example.org">book</a>',  # a query string
        "'ada.private@example.org'",  # quotes
        "mailto:ada.private@example.org?subject=hi",
        "(ada.private@example.org)",
    ],
)
def test_hard_coded_private_email_in_an_override_blocks_the_build(tmp_path, leak):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/404.html": '{% extends "!theme/404.html" %}\n{% block content %}<p>'
            + leak
            + "</p>{% endblock %}\n"
        },
    )
    outcome = assert_refused(
        site,
        ["404.html: error: a private email address reached this output file; nothing was published"],
        check_fails=False,
    )
    assert outcome.check.code == 0


def test_email_like_text_that_is_not_the_private_address_is_published(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "templates/404.html": '{% extends "!theme/404.html" %}\n{% block content %}'
            "<p>xada.private@example.org ada.private@example.org.uk ada.private@example.organic</p>"
            "{% endblock %}\n"
        },
    )
    assert_builds(site)


def test_private_email_in_own_bio_is_reported_where_written(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"mentors/ada.yaml": PROFILE.replace("Ada has spent", "Mail ada.private@example.org. Ada has spent")},
    )
    assert_refused(
        site,
        [
            "mentors/ada.yaml:14:6: error: 'bio' contains this profile's private email, which is never published",
            "hint: use public_email for an address that may be shown",
        ],
    )


def test_private_email_as_public_email_is_reported(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"site.toml": MAILTO_TOML, "mentors/ada.yaml": PROFILE + "public_email: Ada.Private@example.org\n"},
    )
    assert_refused(
        site,
        [
            "mentors/ada.yaml:16:15: error: 'public_email' contains this profile's private email, which is never published"
        ],
    )


def test_someone_elses_private_email_in_a_profile_is_reported(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "mentors/bo.yaml": profile("Bo Other")
            + 'links:\n  - label: Ada\n    url: "https://x.example/?to=ada.private@example.org"\n'
        },
    )
    assert_refused(
        site,
        [
            "mentors/bo.yaml:18:10: error: 'links item 1 url' contains mentors/ada.yaml's private email, which is never published"
        ],
    )


def test_private_email_in_a_guide_is_reported(tmp_path):
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={
            "content/guides/contact.md": GUIDE + "\nWrite to **ada.private@example.org** today.\n",
            "content/about.md": "---\ntitle: About\nsummary: Ask ada.private@example.org\n---\nbody\n",
        },
    )
    assert_refused(
        site,
        [
            "content/guides/contact.md:9:1: error: contains mentors/ada.yaml's private email, which is never published",
            "content/about.md: error: 'summary' contains mentors/ada.yaml's private email, which is never published",
        ],
    )


def test_template_cannot_read_profiles_from_disk(tmp_path):
    # The sandbox closes the usual ways out of a template (globals, subclasses, imports).
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"templates/404.html": "{{ url.__globals__['__builtins__']['open']('mentors/ada.yaml').read() }}\n"},
    )
    outcome = assert_refused(site, ["templates/404.html:1:1: error: template error: "], check_fails=False)
    assert "unsafe" in outcome.build.output
    assert "ada.private" not in outcome.build.output


def test_diagnostics_never_print_the_private_email_of_a_valid_profile(tmp_path):
    # The duplicate-email rule says which file, not which address.
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"mentors/ada-2.yaml": profile("Ada Second", email="ada.private@example.org")},
    )
    run = cli("check", site)
    assert "this email is already used by mentors/ada" in run.output
    assert "ada.private@example.org" not in run.output


def test_staging_matches_addresses_exactly():
    from mentorsite.write import PrivateStrings

    private = PrivateStrings({"Ada.Private@example.org", "bo@x.io"})
    found = [
        b"ada.private@example.org",
        b"ADA.PRIVATE@EXAMPLE.ORG",
        b"end ada.private@example.org.",
        b"?e=ada.private@example.org&x=1",
        b"'bo@x.io'",
        b"<b>bo@x.io</b>",
        b"a/bo@x.io",
        b"mailto:bo@x.io?subject=x",
        b"bo@x.io\n",
        b'"bo@x.io"',
    ]
    not_found = [
        b"xada.private@example.org",
        b"ada.private@example.organic",
        b"ada.private@example.org.uk",
        b"x.ada.private@example.org",
        b"jbo@x.io",
        b"bo@x.io-x",
        b"ada.private@example.or",
        b"@@@",
        b"",
    ]
    assert all(private.found_in(data) for data in found)
    assert not any(private.found_in(data) for data in not_found)
    assert not PrivateStrings().found_in(b"a@b.c")


def test_private_addresses_follow_every_new_profile_object_and_the_coordinator():
    """Remembered for the same profile objects in the same order (serve's rebuilds): an edited
    profile (a new object), one more or less, or another coordinator is read again."""
    from types import SimpleNamespace

    from mentorsite.privacy import private_addresses

    def profile(email):
        return SimpleNamespace(mentor=SimpleNamespace(email=email))

    def config(coordinator=None):
        return SimpleNamespace(contact=SimpleNamespace(coordinator_email=coordinator))

    a, b, c = profile("a@example.org"), profile("b@example.org"), profile(None)
    mentors = [a, b, c]
    assert private_addresses(config(), mentors) == {"a@example.org", "b@example.org"}
    assert private_addresses(config(), list(mentors)) == {"a@example.org", "b@example.org"}
    edited = profile("b.new@example.org")
    assert private_addresses(config(), [a, edited, c]) == {"a@example.org", "b.new@example.org"}
    assert private_addresses(config(), [a, edited, c, profile("d@example.org")]) == {
        "a@example.org",
        "b.new@example.org",
        "d@example.org",
    }
    assert private_addresses(config(), [a]) == {"a@example.org"}
    assert private_addresses(config("co@example.org"), [a]) == {"a@example.org", "co@example.org"}
    assert private_addresses(config(), [a]) == {"a@example.org"}
    assert private_addresses(config(), []) == frozenset()


VARIANTS = [
    lambda i: GOOD_PROFILE.replace("ada.private@", f"p{i}.private@"),  # its own address
    lambda i: GOOD_PROFILE.replace("ada.private@", "shared.private@"),  # one address, two profiles
    lambda i: GOOD_PROFILE.replace("ada.private@", f"p{i}.private@").replace(  # another's, in public text
        "headline: Data leader", f"headline: Write to p{(i + 1) % 4}.private@example.org, data leader"
    ),
    lambda i: GOOD_PROFILE.replace("ada.private@", f"p{i}.private@").replace("email:", "public_email:"),  # none
]
PRIVACY_EDITS = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["variant", "copy", "drop", "warning"]), st.integers(0, 3)),
    min_size=1,
    max_size=10,
)


def forget_last_answers() -> tuple:
    kept = (dict(privacy._last_addresses), privacy._last_owners[0], list(privacy._last_quoted))
    privacy._last_addresses.clear()
    privacy._last_owners[0] = ([], {}, b"", False)
    privacy._last_quoted.clear()
    return kept


@settings(
    max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=PRIVACY_EDITS)
def test_private_addresses_updated_edit_by_edit_equal_those_made_again(tmp_path_factory, edits):
    """Serve's rebuilds pass the last profiles but for the edited ones, and the privacy checks
    update their last answers there (privacy._last_*). After each edit (a profile's address
    changed, shared with another, written into another's public text, or gone; a profile read
    again or dropped; a diagnostic added), the private addresses, the private-email problems
    and the quoted diagnostics are the ones made from nothing."""
    root = tmp_path_factory.mktemp("variants")
    pool = []
    for v, variant in enumerate(VARIANTS):
        site = write_site(root / f"v{v}", files={f"mentors/p{i}.yaml": variant(i) for i in range(4)})
        pool.append(load_site(site, load_config(site), today=TODAY).mentors)
    assert [len(mentors) for mentors in pool] == [4, 4, 4, 4]
    assert [len(privacy.private_email_problems(Loaded(mentors=mentors))) for mentors in pool] == [0, 0, 4, 0]
    config = load_config(root / "v0")
    mentors = list(pool[0])
    extra: list[Diagnostic] = []
    forget_last_answers()
    for place, what, choice in edits:
        at = place % len(mentors)
        if what == "variant":
            mentors[at] = next(m for m in pool[choice] if m.path == mentors[at].path)
        elif what == "copy":
            mentors[at] = replace(mentors[at])
        elif what == "drop" and len(mentors) > 1:
            del mentors[at]
        else:
            warning = Diagnostic(mentors[at].path, 2, 1, "a warning on the headline", "", "warning")
            # Quoted from the file, or come with its line (hidden while p<choice>'s address is private).
            extra.append(
                replace(warning, source=f"headline: mail p{choice}.private@example.org") if choice % 2 else warning
            )
        loaded = Loaded(mentors=list(mentors))
        diagnostics = [*extra, *privacy.private_email_problems(loaded)]
        updated = (
            privacy.private_addresses(config, mentors),
            diagnostics,
            privacy.quote_public_sources(diagnostics, loaded, config),
        )
        kept = forget_last_answers()
        fresh_problems = [*extra, *privacy.private_email_problems(loaded)]
        fresh = (
            privacy.private_addresses(config, mentors),
            fresh_problems,
            privacy.quote_public_sources(fresh_problems, loaded, config),
        )
        privacy._last_addresses.update(kept[0])
        privacy._last_owners[0] = kept[1]
        privacy._last_quoted[:] = kept[2]
        assert updated == fresh
        assert [d.source for d in updated[2]] == [d.source for d in fresh[2]]  # (not compared by ==)
