"""Templates: the theme, site overrides by name, and the functions templates can call.

The site's own `templates/X.html` wins over the theme's `X.html`; `{% extends "!theme/X.html" %}`
reaches the theme's copy, so an override can replace one block instead of the whole file.
Content is never compiled as a template: Markdown and profile text arrive as values, so
`{{ … }}` in a bio is printed, not evaluated.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jinja2
import jinja2.bccache
import jinja2.nodes
import jinja2.sandbox
from markupsafe import Markup, escape

from . import cldr
from .config import SiteConfig
from .contact_fields import REQUEST_FIELDS
from .contact_form import FORM_FIELDS_GLOBAL, request_form_fields
from .diagnostics import Diagnostic
from .index import FacetView
from .live_availability import availability_url
from .messages import Messages, jinja_gettext, label_in_sentence, messages_for
from .messages import script_messages_name as messages_name
from .outputs import Page
from .textdirection import text_direction
from .textrules import symlink_on_path
from .views import MentorView


@lru_cache(maxsize=1)
def theme_dir() -> Path:
    """The default theme: packaged as mentorsite/theme, or the repo's templates/ in a checkout."""
    packaged = Path(__file__).parent / "theme"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise RuntimeError("the mentorsite theme is missing from this installation; reinstall mentorsite")


def asset_sources(site_dir: Path) -> dict[str, Path]:
    """Every asset by its name under assets/: the theme's, then the site's over them."""
    found: dict[str, Path] = {}
    for root in (theme_dir() / "assets", site_dir / "templates" / "assets"):
        link = symlink_on_path(site_dir, ("templates", "assets")) if root != theme_dir() / "assets" else None
        if link:
            # A symlinked folder would publish whatever it points at (rglob skips nested ones).
            raise TemplateProblem(
                Diagnostic(
                    link.relative_to(site_dir).as_posix(),
                    0,
                    0,
                    "symbolic links are not followed",
                    "commit the folder itself",
                )
            )
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                    found[path.relative_to(root).as_posix()] = path
    return found


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """A site's own templates: files inside its templates/ folder, never through a symbolic link.

    A file with the very bytes of the theme's template of the same name is not an override:
    it is left to the theme's loader, so it runs as the theme does (unsandboxed, sidebar
    patches in serve). A site made from a copy of the theme (this repository's own example
    site, with mentorsite installed from it) would otherwise sandbox every page.
    """

    def __init__(self, folder: Path, theme: Path | None = None):
        super().__init__(str(folder))
        self.folder = folder
        self.theme = theme

    def get_source(self, environment: jinja2.Environment, template: str):
        if symlink_on_path(self.folder.parent, [self.folder.name, *jinja2.loaders.split_template_path(template)]):
            raise jinja2.TemplateError(
                f"templates/{template} is (or is inside) a symbolic link, which is not followed; commit the file itself"
            )
        found = super().get_source(environment, template)
        if self.theme is not None and _same_bytes(Path(found[1]), self.theme, template):
            raise jinja2.TemplateNotFound(template)
        return found


def _same_bytes(site_file: Path, theme: Path, name: str) -> bool:
    """Whether the theme has a template `name` whose bytes are `site_file`'s."""
    theme_file = theme.joinpath(*jinja2.loaders.split_template_path(name))
    try:
        return theme_file.stat().st_size == site_file.stat().st_size and (
            theme_file.read_bytes() == site_file.read_bytes()
        )
    except OSError:
        return False


class _SameLoader(jinja2.BaseLoader):
    """Whatever loader the trusted environment has, even one set after the sandbox was made."""

    def __init__(self, trusted: jinja2.Environment):
        self.trusted = trusted

    def get_source(self, environment: jinja2.Environment, template: str):
        assert self.trusted.loader is not None
        return self.trusted.loader.get_source(environment, template)


class MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept for the process, by name and source (Jinja checks the source's
    checksum): serve makes a new environment per build, and compiling the theme again each
    time is a tenth of a one-profile rebuild. One per environment class: the sandbox compiles
    its own code. Only make_environment's options are ever used, so they need no key."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_THEME_BYTECODE = MemoryBytecode()
_SANDBOX_BYTECODE = MemoryBytecode()
#: ThemeEnvironment._parents' answers by template source, and how many it keeps at most.
_PARENTS: dict[str, tuple[str | None, ...] | None] = {}
_PARENTS_KEPT = 512


class ThemeEnvironment(jinja2.Environment):
    """Runs the theme's templates unsandboxed and hands what a site's templates/ supplies to `sandbox`.

    Compiled template code calls the `getattr` and `call` of the environment that compiled it,
    and resolves `{% include %}`, `{% import %}` and `{% extends %}` through it; so a template
    loaded from the site's folder is compiled (and cached) by the sandbox, and so is all it
    reaches. A theme template that extends a site template also goes to the sandbox: a parent
    runs in its child's context, whose environment filters such as `map(attribute=…)` use.
    Including or importing an override is safe from trusted code: the override gets a context
    of its own environment.
    """

    def __init__(self, site_templates: Path | None, **options: Any):
        super().__init__(**options, bytecode_cache=_THEME_BYTECODE)
        self.site_templates = site_templates
        self.sandbox: jinja2.sandbox.SandboxedEnvironment | None = None
        #: Template name -> whether it must render sandboxed.
        self._sandboxed: dict[str, bool] = {}
        if site_templates is not None:
            self.sandbox = jinja2.sandbox.SandboxedEnvironment(
                **{**options, "loader": _SameLoader(self), "bytecode_cache": _SANDBOX_BYTECODE}
            )
            # One set of globals, filters and tests for both; Jinja's range refuses huge ranges
            # in the sandbox, and the theme never needs one either.
            self.globals["range"] = jinja2.sandbox.safe_range
            self.sandbox.globals = self.globals
            self.sandbox.filters = self.filters
            self.sandbox.tests = self.tests

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals: the environment's own dict, where Jinja would chain a new map
        in front of it. Jinja copies a template's globals at every render, include and import
        (`dict(globals, **vars)`, `set(globals)`, a set difference), which over a ChainMap
        runs in Python: 50 µs for the request form's `{% import %}` alone, a thirtieth of a
        mentor page. Nothing here gives a template globals of its own; were any given, they
        are chained in front as Jinja does."""
        return self.globals if not d else super().make_globals(d)

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:
        if self.sandbox is not None and self.needs_sandbox(name):
            return self.sandbox._load_template(name, globals)
        return super()._load_template(name, globals)

    def needs_sandbox(self, name: str) -> bool:
        """Whether `name` comes from the site's templates/, or is a theme template extending one."""
        if name not in self._sandboxed:
            self._sandboxed[name] = True  # until shown otherwise (also ends an extends cycle)
            self._sandboxed[name] = self._from_site(name)
        return self._sandboxed[name]

    def _from_site(self, name: str) -> bool:
        assert self.loader is not None and self.site_templates is not None
        try:
            source, filename, _ = self.loader.get_source(self, name)
        except jinja2.TemplateNotFound:
            return False  # loading it reports that
        except Exception:
            return True  # a symbolic link, undecodable text…: the sandbox reports it as it loads
        if filename and Path(filename).is_relative_to(self.site_templates):
            return True
        parents = self._parents(source, name, filename)
        if parents is None:
            return False  # loading it reports the syntax error
        return any(parent is None or self.needs_sandbox(parent) for parent in parents)

    def _parents(self, source: str, name: str, filename: str | None) -> tuple[str | None, ...] | None:
        """The templates `source` extends (None: a name computed as it renders); None if it
        does not parse. Kept by source for the process: serve makes an environment per
        build, and parsing the theme's templates again was a tenth of a one-profile rebuild
        (the environments of one process share their options, so the source is the key)."""
        if source in _PARENTS:
            return _PARENTS[source]
        try:
            tree = self.parse(source, name, filename)
        except jinja2.TemplateSyntaxError:
            found = None
        else:
            found = tuple(
                e.template.value if isinstance(e.template, jinja2.nodes.Const) else None
                for e in tree.find_all(jinja2.nodes.Extends)
            )
        if len(_PARENTS) >= _PARENTS_KEPT:
            _PARENTS.clear()  # an edit loop that has seen hundreds of versions of its templates
        _PARENTS[source] = found
        return found


def memoised_gettext(func: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style `gettext` (what `_()` and `{% trans %}` call) with each message
    translated, marked up and, without variables, formatted once per environment: one
    environment serves one language, and a page calls it dozens of times (a tenth of the
    theme's render time went to translating the same strings again). Same results as
    jinja2.ext's own, which the i18n tests compare byte for byte."""
    plain: dict[str, str] = {}
    escaped: dict[str, Markup] = {}
    done: dict[tuple[bool, str], str] = {}

    @jinja2.pass_context
    def gettext(__context: jinja2.runtime.Context, __string: str, **variables: Any) -> str:
        autoescape = __context.eval_ctx.autoescape
        if not variables:
            found = done.get((autoescape, __string))
            if found is not None:
                return found
        if autoescape:
            rv: str = escaped.get(__string) or escaped.setdefault(__string, Markup(func(__string)))
        else:
            rv = plain.get(__string) or plain.setdefault(__string, func(__string))
        # Always a format string, as in Jinja: "100%%" shows "100%" with or without variables.
        result = rv % variables
        if not variables:
            done[(autoescape, __string)] = result
        return result

    return gettext


def make_environment(
    site_dir: Path,
    config: SiteConfig,
    asset_versions: dict[str, str],
    today: date,
    messages: Messages | None = None,
) -> ThemeEnvironment:
    """The Jinja environment of a build, with the site's overrides first, speaking `messages`
    (the site's language's, by default).

    A site's own templates run in Jinja's sandbox: an override arrives by pull request like a
    profile, and must not reach Python internals (files, the environment, private fields)
    through `__class__` and friends. The theme's templates are trusted and run unsandboxed,
    which is faster (see ThemeEnvironment).
    """
    theme = jinja2.FileSystemLoader(str(theme_dir()))
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"!theme": theme}, delimiter="/")]
    site_templates = site_dir / "templates"
    overrides = (
        site_templates.is_dir() or site_templates.is_symlink()
    ) and site_templates.resolve() != theme_dir().resolve()
    if overrides:
        loaders.append(SiteTemplateLoader(site_templates, theme_dir()))
    loaders.append(theme)
    env = ThemeEnvironment(
        site_templates if overrides else None,
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    messages = messages or messages_for(config.language)
    gettext, ngettext, attr_gettext = jinja_gettext(messages)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    fast = memoised_gettext(gettext)
    env.globals.update(gettext=fast, _=fast)
    if env.sandbox is not None:
        env.sandbox.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.sandbox.globals.update(gettext=fast, _=fast)
    locale = cldr.Cldr(messages.language)
    base = config.base_path

    def url(path: str = "") -> str:
        path = str(path)
        if path.startswith(("http://", "https://", "mailto:")):
            return path
        return base + path.lstrip("/")

    def asset(path: str) -> str:
        version = asset_versions.get(path)
        return url(f"assets/{path}") + (f"?v={version}" if version else "")

    def abs_url(path: str = "") -> str:
        return absolute_url(config.base_url, url(path))

    def sitemap_urls(paths: Iterable[str], lastmod: Mapping[str, str], alternates: Mapping | None = None) -> Markup:
        return Markup(sitemap_elements(config.base_url, url, paths, lastmod, alternates))

    def contact_field(name: str) -> str:
        return config.contact.field_names.get(name, name)

    facet_labels = {facet.source_field: facet.label for facet in config.facets}

    def facet_label(field: str, default: str) -> str:
        """The label site.toml gives the facet over a profile field (mentor pages' headings), else `default`."""
        return facet_labels.get(field, default)

    env.globals.update(
        site=config,
        # `ltr` or `rtl`: base.html's `<html dir>`, from the site's language.
        text_direction=text_direction(config.language),
        url=url,
        asset=asset,
        abs_url=abs_url,
        sitemap_urls=sitemap_urls,
        contact_field=contact_field,
        request_fields=REQUEST_FIELDS,
        build_year=today.year,
        # Guide URLs by role (views.guide_links); the build fills it once the guides are loaded.
        guide_links={},
        # What the search box suggests (index.search_examples); the build fills it from the facets.
        search_examples=[],
        # The site's facets with their values and counts (the build fills it): for the listings'
        # overrides. A global, not in each listing's context, so that a listing page depends on
        # the facets only if its templates read them (the theme's read the sidebar alone).
        facets=[],
        attr_gettext=attr_gettext,
        facet_label=facet_label,
        # The receiver's availability.json, which site.js reads from <body> (None: no receiver).
        availability_url=availability_url(config.contact),
        # A language's name in the site's language ("fr" -> "français"), from CLDR.
        language_name=lambda code: cldr.language_names(messages.language).get(code, code),
        # The scripts' words in this language (messages.script_messages), loaded before them.
        script_messages=messages_name(messages.language),
    )
    # The request form's fields on a mentor page, drawn once per set of formats (contact_form).
    env.globals[FORM_FIELDS_GLOBAL] = request_form_fields(env)
    env.filters["date"] = locale.format_date
    env.filters["number"] = locale.format_number
    env.filters["percent"] = locale.format_percent
    env.filters["join_list"] = lambda items, style="standard": _join_list(locale, items, style)
    # Quotation marks are the language's own: “Design”, « Design », „Design“ (CLDR's are not in Babel).
    env.filters["quoted"] = lambda text: messages.gettext("“%(text)s”", text=text)
    env.filters["in_sentence"] = lambda label: label_in_sentence(label, messages.language)
    collate = cldr.collation_key(messages.language)
    # In the language's alphabetical order ("Dänisch" before "Deutsch"), not by code point.
    env.filters["collate"] = lambda items, attribute="label": sorted(
        items, key=lambda i: collate(getattr(i, attribute))
    )
    return env


def _join_list(locale: cldr.Cldr, items: Iterable[object], style: str) -> Markup:
    """CLDR's "A, B and C" over HTML: an item marked safe (a link) stays markup, text is escaped.
    The pattern's own words and commas hold no markup."""
    return Markup(locale.format_list([escape(item) for item in items], style=style))


def version_of(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:10]


class TemplateProblem(Exception):
    """A template (usually a site override) could not be loaded or rendered."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.human())


def template_diagnostic(exc: Exception, name: str, site_dir: Path) -> Diagnostic:
    """Position a Jinja error in the template file that caused it, for people, not tracebacks."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        filename = exc.filename or name
        with contextlib.suppress(ValueError):
            filename = Path(filename).resolve().relative_to(site_dir.resolve()).as_posix()
        return Diagnostic(filename, exc.lineno or 0, 1, f"template error: {exc.message}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return Diagnostic(
            f"templates/{name}",
            0,
            0,
            f"template '{exc.name}' not found",
            'a site template can extend "!theme/<name>" to reach the theme\'s copy',
        )
    if isinstance(exc, UnicodeDecodeError):
        return Diagnostic(
            f"templates/{name}",
            0,
            0,
            "template is not valid UTF-8 text (it, or a template it uses)",
            "save the file with UTF-8 encoding",
        )
    # Runtime errors: find the innermost template frame in the traceback for a line number.
    line, filename = 0, f"templates/{name}"
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".html", ".xml", ".txt")):
            line = tb.tb_lineno
            filename = code.co_filename
        tb = tb.tb_next
    with contextlib.suppress(ValueError):
        filename = Path(filename).resolve().relative_to(site_dir.resolve()).as_posix()
    return Diagnostic(filename, line, 1 if line else 0, f"template error: {exc}")


def check_templates(site_dir: Path, config: SiteConfig, today: date) -> list[Diagnostic]:
    """Compile every template the site overrides, so `check` reports what `build` would.

    Syntax errors, undecodable files and symbolic links show up here; errors that only
    happen while rendering (an undefined variable) still wait for the build.
    """
    folder = site_dir / "templates"
    if not folder.is_dir() or folder.resolve() == theme_dir().resolve():
        return []
    env = make_environment(site_dir, config, {}, today)
    problems = []
    try:
        asset_sources(site_dir)
    except TemplateProblem as exc:
        problems.append(exc.diagnostic)
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if (
            path.suffix not in (".html", ".xml", ".txt")
            or name.startswith("assets/")
            or not (path.is_file() or path.is_symlink())
        ):
            continue
        try:
            env.get_template(name)
        except Exception as exc:  # as in Renderer.template
            problems.append(template_diagnostic(exc, name, site_dir))
    return problems


class Renderer:
    """Renders named templates, turning any template failure into a positioned problem."""

    def __init__(self, env: jinja2.Environment, site_dir: Path):
        self.env = env
        self.site_dir = site_dir
        self._templates: dict[str, jinja2.Template] = {}

    def template(self, name: str) -> jinja2.Template:
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except Exception as exc:  # syntax errors, but also undecodable or unreadable files
                raise TemplateProblem(template_diagnostic(exc, name, self.site_dir)) from None
        return self._templates[name]

    def render(self, name: str, **context: Any) -> str:
        template = self.template(name)
        try:
            return template.render(**context)
        except Exception as exc:  # a site override may fail in any way; report, never crash
            raise TemplateProblem(template_diagnostic(exc, name, self.site_dir)) from None

    def page(self, page: Page) -> str:
        """The text of a page record."""
        return self.render(page.template, **page.context)

    def card(self, mentor: MentorView) -> Markup:
        """A mentor's card from `_card.html`, as listings, search and match show it."""
        return Markup(self.render("_card.html", mentor=mentor))


#: A path urljoin would only put after the base URL's origin: segments of printable ASCII other
#: than "/", none empty or starting with ".", and no query, fragment or parameters.
_PLAIN_PATH = re.compile(r"(?:/[!$%&'()*+,\-0-:=@A-Z\[\]^_`a-z{|}~\\][!$%&'()*+,\-.0-:=@A-Z\[\]^_`a-z{|}~\\]*)*/?")


def absolute_url(base_url: str, path: str) -> str:
    """urljoin(base_url, path): the same string, found without parsing for a plain path from
    the site's root (the templates' `abs_url`; the sitemap asks it of 15,000 pages, and
    urljoin took a third of the sitemap's rendering)."""
    if _PLAIN_PATH.fullmatch(path) and path:
        origin = _origin(base_url)
        if origin is not None:
            return origin + path
    return urljoin(base_url, path)


def sitemap_elements(
    base_url: str,
    url: Callable[[str], str],
    paths: Iterable[str],
    lastmod: Mapping[str, str],
    alternates: Mapping | None,
) -> str:
    """The theme's sitemap.xml's `<url>` elements for `paths` (folders), as its loop over them
    wrote them: the templates' `sitemap_urls`. One call, where the loop took a third of a
    second of every rebuild after a tag edit at 10,000 mentors (the listings' dates move)."""
    paths = list(paths)
    if not alternates:
        # Every address and date escaped in one call, not two per page (85 ms of 15,700 pages
        # went mostly to escape's Markup objects); unless one holds the separator.
        locs = str(escape("\n".join([absolute_url(base_url, url(path)) for path in paths]))).split("\n")
        dates = [lastmod.get(path) or "" for path in paths]
        stamps = str(escape("\n".join(dates))).split("\n")
        if len(locs) == len(paths) == len(stamps):
            return "".join(
                [
                    f"  <url><loc>{loc}</loc><lastmod>{stamp}</lastmod></url>\n"
                    if stamp
                    else f"  <url><loc>{loc}</loc></url>\n"
                    for loc, stamp in zip(locs, stamps, strict=True)
                ]
            )
    lines: list[str] = []
    for path in paths:
        loc = escape(absolute_url(base_url, url(path)))
        date = lastmod.get(path)
        stamp = f"<lastmod>{escape(date)}</lastmod>" if date else ""
        others = alternates.get(path) if alternates is not None else None
        if not others:
            lines.append(f"  <url><loc>{loc}</loc>{stamp}</url>\n")
            continue
        lines.append(f"  <url><loc>{loc}</loc>{stamp}")
        for other in others:
            href = escape(absolute_url(base_url, url(other.path)))
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{escape(other.language)}" href="{href}"/>\n')
        lines.append("  </url>\n")
    return "".join(lines)


@lru_cache(maxsize=8)
def _origin(base_url: str) -> str | None:
    """ "scheme://host[:port]" of a base URL with both; None: let urljoin decide."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or base_url != base_url.strip():
        return None
    return f"{parts.scheme}://{parts.netloc}"


#: How many values of each facet the theme's `_facets.html` lists (`values[:8]`; the rest are
#: behind its "All N" link): FacetSidebar.shown, and tests/test_render.py holds them together.
SHOWN_VALUES = 8


class FacetSidebar:
    """The templates' `sidebar(active_key, active_value)`: the facet sidebar from `_facets.html`.

    It is the same on every page of a listing, so each variant is rendered once. `facets` is
    what it shows (the build cache digests it for the pages that call it).
    """

    def __init__(self, renderer: Renderer, facets: list[FacetView]):
        self.renderer = renderer
        self.facets = facets
        self._rendered: dict[tuple[str | None, str | None], Markup] = {}
        #: While a page is rendered whose sidebar is recorded for patching it (sidebars.py),
        #: the arguments of each call; None the rest of the time (nothing is kept).
        self.calls: list[tuple[str | None, str | None]] | None = None

    def shown(self) -> tuple:
        """Everything the theme's `_facets.html` reads of the facets: each facet's key, label and
        URL, how many of its values have mentors, and the first SHOWN_VALUES of those (key,
        label, URL, count). The build cache keys the theme's sidebar by this (buildcache.
        Keyer.global_digest): an edit that moves none of it, such as a count further down a
        facet or the order of its members, leaves every listing's sidebar as it was."""
        found = []
        for facet in self.facets:
            values = [v for v in facet.values if v.count]
            top = tuple((v.key, v.label, v.url, v.count) for v in values[:SHOWN_VALUES])
            found.append((facet.key, facet.label, facet.url, len(values), top))
        return tuple(found)

    def __call__(self, active_key: str | None = None, active_value: str | None = None) -> Markup:
        if self.calls is not None:
            self.calls.append((active_key, active_value))
        if (active_key, active_value) not in self._rendered:
            macro = self.renderer.template("_facets.html").module.facet_sidebar  # type: ignore[attr-defined]
            self._rendered[active_key, active_value] = Markup(macro(self.facets, active_key, active_value))
        return self._rendered[active_key, active_value]


def sidebar_variant(sidebar: FacetSidebar, args: tuple) -> str | None:
    """What `sidebar(*args)` gives, or None when it fails (a site's `_facets.html`): the page is
    then rendered, and the render reports the problem where it is."""
    try:
        return str(sidebar(*args))
    except Exception:
        return None


def facet_sidebar(renderer: Renderer, facets: list[FacetView]) -> FacetSidebar:
    """The templates' `sidebar()` over the site's facets."""
    return FacetSidebar(renderer, facets)
