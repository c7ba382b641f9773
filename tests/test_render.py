"""The theme renders unsandboxed; whatever a site's templates/ supplies renders in the sandbox."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import pytest
from hostile_kit import BASE_SITE, assert_builds, assert_refused
from hypothesis import given, settings
from hypothesis import strategies as st
from kit import SITE_TOML, TODAY, write_site

from mentorsite.buildcache import TemplateDeps
from mentorsite.config import load_config
from mentorsite.index import FacetValueView, FacetView
from mentorsite.languages import Alternate
from mentorsite.render import SHOWN_VALUES, FacetSidebar, Renderer, absolute_url, make_environment, theme_dir


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A real earlier build of a valid site: what a refused build must leave alone."""
    root = tmp_path_factory.mktemp("previous")
    return assert_builds(write_site(root / "site", BASE_SITE), root / "out")[1]


#: How a site override is reached from the theme: (file, its text around EXPR, line of EXPR).
REACHED = {
    # the theme's mentor.html includes _contact.html
    "include": ("templates/_contact.html", "{{ EXPR }}\n", 1),
    # every theme page extends base.html, and so runs this block of the site's copy in its own context
    "extends": (
        "templates/base.html",
        '{% extends "!theme/base.html" %}\n{% block head %}\n{{ EXPR }}\n{% endblock %}\n',
        3,
    ),
    # the theme's _contact.html imports the form's macros
    "import": (
        "templates/_contact_fields.html",
        "{% macro hidden(values) %}\n{{ EXPR }}\n{% endmacro %}\n{% macro visible(mentor_name, options={}) %}{% endmacro %}\n",
        2,
    ),
    # cards are rendered on their own for listings, search and match
    "card": ("templates/_card.html", "{{ EXPR }}\n", 1),
    # the theme's _contact.html draws the visible fields through request_form_fields (contact_form)
    "form fields": (
        "templates/_contact_fields.html",
        "{% macro hidden(values) %}{% endmacro %}\n{% macro visible(mentor_name, options={}) %}\n{{ EXPR }}\n{% endmacro %}\n",
        3,
    ),
}

#: Ways out of a template, and the sandbox's answer.
ESCAPES = {
    "''.__class__.__mro__": "access to attribute '__class__' of 'str' object is unsafe.",
    "cycler.__init__.__globals__": "access to attribute '__init__' of 'type' object is unsafe.",
    "url.__globals__": "access to attribute '__globals__' of 'function' object is unsafe.",
    "site.__class__": "access to attribute '__class__' of 'SiteConfig' object is unsafe.",
    # map() looks attributes up through its context's environment, not the template's
    "[site]|map(attribute='__class__')|join": "access to attribute '__class__' of 'SiteConfig' object is unsafe.",
    "range(10**9)|length": "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
}


@pytest.mark.parametrize("expression", ESCAPES)
@pytest.mark.parametrize("reached", REACHED)
def test_an_override_reached_from_the_theme_cannot_escape(tmp_path, previous, reached, expression):
    """Through include, extends, import or a card, an override's escape is a positioned error and nothing is published."""
    path, text, line = REACHED[reached]
    site = write_site(tmp_path / "site", BASE_SITE, files={path: text.replace("EXPR", expression)})
    assert_refused(
        site, [f"{path}:{line}:1: error: template error: {ESCAPES[expression]}"], previous=previous, check_fails=False
    )


def test_a_mentor_page_includes_the_sites_contact_partial(tmp_path):
    """An override included by a trusted page is rendered (sandboxed) into it, reading its context."""
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"templates/_contact.html": "<p id=custom>Write to {{ mentor.name }} via the office.</p>\n"},
    )
    _, out = assert_builds(site)
    assert "<p id=custom>Write to Ada Example via the office.</p>" in (out / "mentors/ada/index.html").read_text()


def test_only_what_the_site_supplies_or_extends_renders_sandboxed(tmp_path):
    """Overrides and theme pages extending an override are sandboxed; every other theme template is not."""
    site = write_site(
        tmp_path / "site",
        files={
            "site.toml": SITE_TOML,
            "templates/_card.html": "<article>{{ mentor.name }}</article>\n",
            "templates/base.html": '{% extends "!theme/base.html" %}\n',
        },
    )
    env = make_environment(site, load_config(site), {}, TODAY)
    theme = sorted(p.name for p in theme_dir().iterdir() if p.suffix in (".html", ".xml", ".txt"))
    sandboxed = {name for name in theme if env.get_template(name).environment.sandboxed}
    assert sandboxed == {
        "_card.html",
        "base.html",
        *(name for name in theme if '{% extends "base.html" %}' in (theme_dir() / name).read_text()),
        "page.html",  # extends guide.html, which extends base.html
    }
    assert {"mentor.html", "404.html", "home.html", "guide.html"} <= sandboxed
    assert not env.get_template("!theme/base.html").environment.sandboxed
    assert not env.get_template("_contact.html").environment.sandboxed


def test_a_site_without_overrides_has_no_sandbox(tmp_path):
    """The theme alone is trusted: no template of it renders sandboxed."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML})
    env = make_environment(site, load_config(site), {}, TODAY)
    assert env.sandbox is None
    assert not any(
        env.get_template(p.name).environment.sandboxed
        for p in theme_dir().iterdir()
        if p.suffix in (".html", ".xml", ".txt")
    )


def test_a_verbatim_copy_of_the_theme_is_no_override(tmp_path):
    """A site's templates/ holding the theme's own files, byte for byte (this repository's
    example site with mentorsite installed from it), renders like the theme alone: nothing
    sandboxed, the theme's files loaded, and the facet sidebar may be patched in serve."""
    theme = sorted(p.name for p in theme_dir().iterdir() if p.suffix in (".html", ".xml", ".txt"))
    copies = {f"templates/{name}": (theme_dir() / name).read_text() for name in theme}
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML, **copies})
    env = make_environment(site, load_config(site), {}, TODAY)
    loaded = {name: env.get_template(name) for name in theme}
    assert not [name for name, template in loaded.items() if template.environment.sandboxed]
    assert {Path(t.filename).parent for t in loaded.values()} == {theme_dir()}
    assert TemplateDeps(env).splices_sidebar("facet_value.html")


def test_one_byte_off_the_theme_is_an_override(tmp_path):
    """A copy that differs in one byte is the site's own: sandboxed and loaded from the
    site's file; an exact copy beside it still is the theme's."""
    base = (theme_dir() / "base.html").read_text()
    site = write_site(
        tmp_path / "site",
        files={
            "site.toml": SITE_TOML,
            "templates/_card.html": (theme_dir() / "_card.html").read_text() + " ",
            "templates/base.html": base,
        },
    )
    env = make_environment(site, load_config(site), {}, TODAY)
    assert env.get_template("_card.html").environment.sandboxed
    assert env.get_template("_card.html").filename == str(site / "templates/_card.html")
    assert not env.get_template("base.html").environment.sandboxed
    assert not env.get_template("mentor.html").environment.sandboxed


def test_templates_share_the_environments_globals_and_keep_their_own(tmp_path):
    """A template's globals are the environment's dict (render.ThemeEnvironment.make_globals):
    a global set after the template loaded is seen; globals given to one template stay its own."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML})
    env = make_environment(site, load_config(site), {}, TODAY)
    template = env.from_string("{{ late }}-{{ own|default('none') }}")
    env.globals["late"] = "seen"
    assert template.render() == "seen-none"
    assert env.from_string("{{ late }}-{{ own }}", globals={"own": "mine"}).render() == "seen-mine"
    assert "own" not in env.globals and template.render() == "seen-none"


def test_memoised_gettext_renders_as_jinjas_own():
    """The theme's fast `_()` gives the bytes Jinja's i18n extension gives, called again and again."""
    import jinja2

    from mentorsite.render import memoised_gettext

    translations = {"Hello": "Bonjour <b>%(name)s</b>", "Full": "100%% complet", "Plain": "Simple"}

    def make(fast: bool, autoescape: bool) -> jinja2.Environment:
        env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
        gettext = translations.get
        env.install_gettext_callables(gettext, lambda s, p, n: s if n == 1 else p, newstyle=True)  # type: ignore[attr-defined]
        if fast:
            env.globals.update(gettext=memoised_gettext(gettext), _=memoised_gettext(gettext))
        return env

    source = (
        "{{ _('Hello', name=who) }}|{{ _('Full') }}|{{ _('Plain') }}|{% trans %}Plain{% endtrans %}|"
        "{% trans name=who %}Hello{% endtrans %}"
    )
    for autoescape in (True, False):
        for who in ("Ada", "<script>x</script>", "Grace & co"):
            expected = make(False, autoescape).from_string(source).render(who=who)
            fast = make(True, autoescape).from_string(source)
            assert fast.render(who=who) == expected
            assert fast.render(who=who) == expected  # from the memo this time
    escaped = make(True, True).from_string(source).render(who="<i>")
    assert escaped.startswith("Bonjour <b>&lt;i&gt;</b>|100% complet|Simple|Simple|")


def test_what_a_template_extends_is_parsed_once_and_decided_per_site(tmp_path, monkeypatch):
    """Serve makes an environment per build: each template's source is parsed once for the
    process, and whether it renders sandboxed is still decided by each site's overrides."""
    from mentorsite import render

    monkeypatch.setattr(render, "_PARENTS", {})
    parsed: list[str] = []
    parse = render.ThemeEnvironment.parse

    def counted(self, source, name=None, filename=None):
        parsed.append(name)
        return parse(self, source, name, filename)

    monkeypatch.setattr(render.ThemeEnvironment, "parse", counted)
    envs = {}
    for name, template in (("base", "base.html"), ("guide", "guide.html"), ("guide-again", "guide.html")):
        site = write_site(
            tmp_path / name,
            files={"site.toml": SITE_TOML, f"templates/{template}": f'{{% extends "!theme/{template}" %}}\n'},
        )
        envs[name] = make_environment(site, load_config(site), {}, TODAY)
    assert envs["base"].get_template("mentor.html").environment.sandboxed  # extends the override
    assert not envs["guide"].get_template("mentor.html").environment.sandboxed
    assert envs["guide"].get_template("page.html").environment.sandboxed  # extends guide.html
    assert envs["base"].get_template("page.html").environment.sandboxed  # extends guide.html, which extends base.html
    assert not envs["base"].get_template("_contact.html").environment.sandboxed
    assert envs["guide-again"].get_template("page.html").environment.sandboxed
    assert not envs["guide-again"].get_template("mentor.html").environment.sandboxed
    # Each theme template once, though three environments asked (base.html by the two sites that do not override it).
    assert sorted(parsed) == ["_contact.html", "base.html", "guide.html", "mentor.html", "page.html"]
    assert render._PARENTS[(theme_dir() / "mentor.html").read_text()] == ("base.html",)
    env = envs["base"]
    assert env._parents("{% extends parent %}", "computed.html", None) == (None,)  # named as it renders
    assert env._parents("{% if %}", "broken.html", None) is None


BASE_URLS = st.sampled_from(
    [
        "https://example.org/",
        "https://example.org/alumni/mentors/",
        "http://127.0.0.1:8000/",
        "https://user:pw@example.org:8443/a/b",
        "https://example.org",
        "example.org/x/",
        " https://example.org/",
    ]
)
#: Paths as templates pass them, and what urljoin treats specially: dot segments, empty
#: segments, queries, fragments, parameters, schemes, white space and controls.
PATH_PARTS = st.sampled_from(
    [
        "/",
        "a",
        "b.html",
        ".",
        "..",
        "./",
        "//",
        "?q=1",
        "#top",
        ";p",
        "é",
        " ",
        "\t",
        "\n",
        ":",
        "http:",
        "~",
        "%2e",
        "\\",
    ]
)


@settings(max_examples=400, deadline=None)
@given(BASE_URLS, st.lists(PATH_PARTS, max_size=8).map("".join))
def test_abs_url_gives_what_urljoin_gives(base_url, path):
    """The templates' abs_url skips parsing for plain paths: the same string as urljoin always."""
    assert absolute_url(base_url, path) == urljoin(base_url, path)
    assert absolute_url(base_url, "/" + path) == urljoin(base_url, "/" + path)


#: The theme's sitemap.xml before sitemap_urls wrote its elements: a loop over the paths.
SITEMAP_LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{% if alternates is defined %} xmlns:xhtml="http://www.w3.org/1999/xhtml"{% endif %}>
{% for path in paths %}
{% if alternates is defined and alternates.get(path) %}
  <url><loc>{{ abs_url(path) }}</loc>{% if lastmod.get(path) %}<lastmod>{{ lastmod.get(path) }}</lastmod>{% endif %}
{% for other in alternates.get(path) %}
    <xhtml:link rel="alternate" hreflang="{{ other.language }}" href="{{ abs_url(other.path) }}"/>
{% endfor %}
  </url>
{% else %}
  <url><loc>{{ abs_url(path) }}</loc>{% if lastmod.get(path) %}<lastmod>{{ lastmod.get(path) }}</lastmod>{% endif %}</url>
{% endif %}
{% endfor %}
</urlset>
{# Jinja drops a template's last newline; this comment keeps the one above. #}"""
FOLDERS = st.lists(
    st.sampled_from(["", "mentors/", "a&b/", "x/../", "é/", "<p>/", "tags/q%20r/", "a\nb/"]), unique=True
)


@settings(max_examples=200, deadline=None)
@given(
    FOLDERS,
    st.dictionaries(
        st.sampled_from(["", "mentors/", "a&b/", "é/"]), st.sampled_from(["", "2026-01-02", "<&>", "1\n2"])
    ),
    st.none()
    | st.dictionaries(
        st.sampled_from(["", "mentors/", "é/"]), st.lists(st.sampled_from(["fr", "ar", 'x"y']), max_size=2)
    ),
)
def test_the_sitemaps_elements_are_what_its_loop_wrote(tmp_path_factory, paths, lastmod, languages):
    """sitemap_urls writes the very bytes the theme's loop over every page wrote."""
    site = tmp_path_factory.mktemp("site")
    (site / "site.toml").write_text(
        SITE_TOML.replace('base_url = "http://localhost:8000/"', 'base_url = "https://example.org/sub/"')
    )
    env = make_environment(site, load_config(site), {}, TODAY)
    context: dict = {"paths": paths, "lastmod": lastmod}
    if languages is not None:
        context["alternates"] = {
            folder: [Alternate(language, language, f"{language}/{folder}", "", "", False, True) for language in found]
            for folder, found in languages.items()
        }
    assert env.get_template("sitemap.xml").render(**context) == env.from_string(SITEMAP_LOOP).render(**context)


@st.composite
def facets_pairs(draw):
    """Two facet lists the theme's sidebar should not tell apart: the same first values, the
    same number of values with mentors, but other counts further down (still at least one),
    other members, and values without mentors anywhere."""
    one, two = [], []
    for f in range(draw(st.integers(1, 3))):
        counts = sorted(draw(st.lists(st.integers(1, 30), max_size=12)), reverse=True)
        values = [FacetValueView(f"v{i}", f"Value & {i}", c, f"f{f}/v{i}/") for i, c in enumerate(counts)]
        others = [v if i < SHOWN_VALUES else replace(v, count=draw(st.integers(1, 30))) for i, v in enumerate(values)]
        empty = FacetValueView("none", "Nobody", 0, f"f{f}/none/")
        others.insert(draw(st.integers(0, len(others))), empty)
        one.append(FacetView(f"f{f}", f"Facet {f}", f"f{f}/", "tags", values, {"v0": ["a", "b"]}))
        two.append(FacetView(f"f{f}", f"Facet {f}", f"f{f}/", "tags", others, {"v0": ["b"]}))
    return one, two


@settings(max_examples=60, deadline=None)
@given(facets_pairs())
def test_the_theme_sidebar_shows_nothing_of_the_facets_but_what_shown_gives(tmp_path_factory, pair):
    """The build cache keys the theme's sidebar by FacetSidebar.shown: facets that give the
    same `shown` must draw the same sidebar, whichever value is current."""
    site = tmp_path_factory.mktemp("site")
    (site / "site.toml").write_text(SITE_TOML)
    renderer = Renderer(make_environment(site, load_config(site), {}, TODAY), site)
    one, two = (FacetSidebar(renderer, facets) for facets in pair)
    assert one.shown() == two.shown()
    for args in [(None, None), *((f.key, v.key) for f in pair[0] for v in f.values)]:
        assert one(*args) == two(*args)
