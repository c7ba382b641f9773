"""Templates: the theme, site overrides by name, and the functions templates can call.

The site's own `templates/X.html` wins over the theme's `X.html`; `{% extends "!theme/X.html" %}`
reaches the theme's copy, so an override can replace one block instead of the whole file.
Content is never compiled as a template: Markdown and profile text arrive as values, so
`{{ … }}` in a bio is printed, not evaluated.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from .config import SiteConfig
from .contact_fields import REQUEST_FIELDS
from .diagnostics import Diagnostic
from .index import FacetView
from .outputs import Page
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


def _format_date(value: date | None, fmt: str = "%-d %B %Y") -> str:
    return value.strftime(fmt) if value else ""


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """A site's own templates: files inside its templates/ folder, never through a symbolic link."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str):
        if symlink_on_path(self.folder.parent, [self.folder.name, *jinja2.loaders.split_template_path(template)]):
            raise jinja2.TemplateError(
                f"templates/{template} is (or is inside) a symbolic link, which is not followed; commit the file itself"
            )
        return super().get_source(environment, template)


def make_environment(
    site_dir: Path, config: SiteConfig, asset_versions: dict[str, str], today: date
) -> jinja2.Environment:
    """The one Jinja environment of a build, with the site's overrides first.

    A site with its own templates gets Jinja's sandbox: an override arrives by pull request
    like a profile, and must not reach Python internals (files, the environment, private
    fields) through `__class__` and friends. The theme alone runs unsandboxed, which is faster.
    """
    theme = jinja2.FileSystemLoader(str(theme_dir()))
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"!theme": theme}, delimiter="/")]
    site_templates = site_dir / "templates"
    overrides = (
        site_templates.is_dir() or site_templates.is_symlink()
    ) and site_templates.resolve() != theme_dir().resolve()
    if overrides:
        loaders.append(SiteTemplateLoader(site_templates))
    loaders.append(theme)
    environment = jinja2.sandbox.SandboxedEnvironment if overrides else jinja2.Environment
    env = environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
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
        return urljoin(config.base_url, url(path))

    def contact_field(name: str) -> str:
        return config.contact.field_names.get(name, name)

    env.globals.update(
        site=config,
        url=url,
        asset=asset,
        abs_url=abs_url,
        contact_field=contact_field,
        request_fields=REQUEST_FIELDS,
        build_year=today.year,
        # Guide URLs by role (views.guide_links); the build fills it once the guides are loaded.
        guide_links={},
    )
    env.filters["date"] = _format_date
    return env


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


class FacetSidebar:
    """The templates' `sidebar(active_key, active_value)`: the facet sidebar from `_facets.html`.

    It is the same on every page of a listing, so each variant is rendered once. `facets` is
    what it shows (the build cache digests it for the pages that call it).
    """

    def __init__(self, renderer: Renderer, facets: list[FacetView]):
        self.renderer = renderer
        self.facets = facets
        self._rendered: dict[tuple[str | None, str | None], Markup] = {}

    def __call__(self, active_key: str | None = None, active_value: str | None = None) -> Markup:
        if (active_key, active_value) not in self._rendered:
            macro = self.renderer.template("_facets.html").module.facet_sidebar  # type: ignore[attr-defined]
            self._rendered[active_key, active_value] = Markup(macro(self.facets, active_key, active_value))
        return self._rendered[active_key, active_value]


def facet_sidebar(renderer: Renderer, facets: list[FacetView]) -> FacetSidebar:
    """The templates' `sidebar()` over the site's facets."""
    return FacetSidebar(renderer, facets)
