"""The build, top to bottom: config → load → site rules → views → render → write.

`check_site` stops after the rules; `build_site` goes on to write the output atomically.
Both return a report with every diagnostic instead of raising on bad input.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from markupsafe import Markup

from .cms import cms_files
from .config import SiteConfig, load_config, with_base_url
from .diagnostics import Diagnostic, InputError
from .index import build_facets, directory_order, sort_key
from .load import Loaded, LoadedMentor, load_site
from .parallel import run_ranges
from .photos import PublishedPhoto, check_photos, publish_photos
from .privacy import private_email_problems, quote_public_sources
from .render import Renderer, TemplateProblem, asset_sources, check_templates, make_environment, version_of
from .search import search_files
from .views import MentorView, RefMaker, guide_links, guide_placeholders, guide_view, mentor_view, similar_mentors
from .write import OutputCollision, Staging, unsafe_destination

#: URL segments the build itself uses; facets and pages may not take them.
RESERVED = frozenset(
    {"assets", "mentors", "guides", "search", "match", "admin", "contact", "404", "sitemap.xml", "robots.txt"}
)

#: How many newest mentors the home page shows.
NEWEST = 6


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    mentors: int = 0
    seconds: float = 0.0
    written: bool = False
    output: Path | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def site_rules(config: SiteConfig, loaded: Loaded) -> list[Diagnostic]:
    """Rules across files: one URL per slug, one profile per person, no reserved names."""
    found: list[Diagnostic] = []
    first_slug: dict[str, str] = {}
    # One person, one profile: the same name (accents and case aside) or private email twice.
    same_person = (
        (
            "name",
            lambda m: sort_key(m.name),
            lambda m, other: f"'{m.name}' already has a profile in {other.path}",
            "update that file instead, or remove one of the two",
        ),
        (
            "email",
            lambda m: m.email.lower() if m.email else None,
            lambda m, other: f"this email is already used by {other.path}",
            "the same person should have one profile",
        ),
    )
    first_seen: dict[tuple[str, str], LoadedMentor] = {}
    kept: list[LoadedMentor] = []
    for item in loaded.mentors:
        if item.slug in first_slug:
            found.append(
                Diagnostic(
                    item.path,
                    0,
                    0,
                    f"slug '{item.slug}' is already used by {first_slug[item.slug]}",
                    "each mentor needs a file name of their own",
                )
            )
            continue
        first_slug[item.slug] = item.path
        for field_name, key_of, message, hint in same_person:
            key = key_of(item.mentor)
            if key is None:
                continue
            other = first_seen.setdefault((field_name, key), item)
            if other is not item:
                found.append(
                    Diagnostic(item.path, *item.document.position((field_name,)), message(item.mentor, other), hint)
                )
        kept.append(item)
    loaded.mentors = kept
    for facet in config.facets:
        if facet.key in RESERVED:
            found.append(
                Diagnostic(
                    "site.toml",
                    0,
                    0,
                    f"facet key '{facet.key}' is reserved for the site's own pages",
                    "choose another key, e.g. '" + facet.key + "-facet'",
                )
            )
    for guide in loaded.guides:
        if guide.kind == "page" and (guide.slug in RESERVED or guide.slug in {f.key for f in config.facets}):
            found.append(
                Diagnostic(
                    guide.path,
                    0,
                    0,
                    f"page '{guide.slug}' would replace the site's /{guide.slug}/ pages",
                    "rename the file",
                )
            )
    return found


def check_site(site_dir: Path, *, today: date | None = None) -> tuple[SiteConfig | None, Loaded, Report]:
    """Validate everything; no output is written."""
    started = time.perf_counter()
    report = Report()
    today = today or date.today()
    try:
        config = load_config(site_dir)
    except InputError as exc:
        report.diagnostics = exc.diagnostics
        return None, Loaded(), report
    loaded = load_site(site_dir, config, today=today)
    report.diagnostics = loaded.diagnostics + site_rules(config, loaded)
    # Photos, private emails in public text and template overrides: what `build` would refuse.
    loaded.photos, problems = check_photos(site_dir, [m for m in loaded.mentors if m.mentor.active])
    report.diagnostics += problems + private_email_problems(loaded) + check_templates(site_dir, config, today)
    report.diagnostics = quote_public_sources(report.diagnostics, loaded, config)
    report.mentors = len(loaded.mentors)
    report.seconds = time.perf_counter() - started
    return config, loaded, report


def build_site(
    site_dir: Path,
    output: Path | None = None,
    *,
    base_url: str | None = None,
    strict: bool = False,
    today: date | None = None,
) -> Report:
    """Check, then render and write the whole site; the old output stays if anything fails."""
    started = time.perf_counter()
    today = today or date.today()
    config, loaded, report = check_site(site_dir, today=today)
    if config is not None and base_url:
        try:
            config = with_base_url(config, base_url)
        except InputError as exc:
            report.diagnostics += exc.diagnostics
    if config is None or report.errors or (strict and report.warnings):
        report.seconds = time.perf_counter() - started
        return report
    output = output or (site_dir / config.output_dir)
    report.output = output
    unsafe = unsafe_destination(site_dir, output)
    if unsafe:
        report.diagnostics.append(
            Diagnostic(str(output), 0, 0, unsafe, "choose another output folder (-o or output_dir)")
        )
        report.seconds = time.perf_counter() - started
        return report
    # Mentors' private addresses and the receiver's coordinator address must never be published.
    private = {m.mentor.email for m in loaded.mentors if m.mentor.email}
    if config.contact.coordinator_email:
        private.add(config.contact.coordinator_email)
    staging = Staging(output, private)
    try:
        published = [m for m in loaded.mentors if m.mentor.active and not (m.stale and config.stale_profiles == "hide")]
        photos = {m.slug: loaded.photos[m.slug] for m in published if m.slug in loaded.photos}  # checked by check_site
        problems = _render(site_dir, config, published, loaded, photos, staging, today)
        report.diagnostics += problems
        if staging.leaked:
            report.diagnostics += [
                Diagnostic(
                    path,
                    0,
                    0,
                    "a private email address reached this output file; nothing was published",
                    "check the site's template overrides for private fields",
                )
                for path in sorted(staging.leaked)
            ]
        if problems or staging.leaked:
            return report
        staging.commit()
        report.written = True
        report.files = staging.count
        report.pages = sum(1 for p in staging.paths if p.endswith(".html"))
        report.mentors = len(published)
    except (TemplateProblem, OutputCollision) as exc:
        report.diagnostics.append(exc.diagnostic)
    finally:
        if not report.written:
            staging.discard()
        report.seconds = time.perf_counter() - started
    return report


def _pages(items: list, per_page: int) -> list[list]:
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]


def _pagination(base: str, number: int, total: int) -> dict:
    def page_url(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    return {
        "current": number,
        "total": total,
        "prev_url": page_url(number - 1) if number > 1 else None,
        "next_url": page_url(number + 1) if number < total else None,
        "pages": [
            {"number": n, "url": page_url(n)} for n in range(1, total + 1) if n in (1, total) or abs(n - number) <= 2
        ],
    }


PageJob = tuple[str, Callable[[], str]]


def _listing(
    render: Callable[..., str],
    base: str,
    slugs: list[str],
    views: dict[str, MentorView],
    per_page: int,
    page_title: str,
    description: str,
    **context,
) -> list[PageJob]:
    """Jobs for a paginated listing of mentor cards at base, base/page/2/, …"""
    chunks = _pages(slugs, per_page)
    jobs = []
    for number, chunk in enumerate(chunks, start=1):
        path = base if number == 1 else f"{base}page/{number}/"
        title = page_title if number == 1 else f"{page_title} (page {number} of {len(chunks)})"

        def job(path=path, title=title, chunk=chunk, number=number) -> str:
            return render(
                page={"path": path, "title": title, "description": description},
                cards=[views[s].card for s in chunk],
                pagination=_pagination(base, number, len(chunks)),
                total=len(slugs),
                **context,
            )

        jobs.append((path + "index.html", job))
    return jobs


def _run_jobs(jobs: list[tuple[str, str, Callable[[], str]]], staging: Staging) -> list[Diagnostic]:
    """Render and write pages across worker processes; every path was claimed beforehand."""

    def work(start: int, stop: int) -> tuple[list[str], list[Diagnostic]]:
        leaked, problems = [], []
        for path, _origin, job in jobs[start:stop]:
            try:
                html = job()
            except TemplateProblem as exc:
                problems.append(exc.diagnostic)
                break  # the same template would fail for every page of its kind
            if not staging.put(path, html):
                leaked.append(path)
        return leaked, problems

    problems: list[Diagnostic] = []
    for leaked, found in run_ranges(len(jobs), work):
        staging.leaked += leaked
        problems += [d for d in found if d not in problems]
    return problems


def _render(
    site_dir: Path,
    config: SiteConfig,
    published: list[LoadedMentor],
    loaded: Loaded,
    photos: dict[str, PublishedPhoto],
    staging: Staging,
    today: date,
) -> list[Diagnostic]:
    """Render every page into staging; returns template problems (empty when all went well)."""
    # Assets first: their content hashes version the URLs in every page.
    versions = {}
    for name, source in asset_sources(site_dir).items():
        data = source.read_bytes()
        versions[name] = version_of(data)
        staging.write(f"assets/{name}", data, f"templates/assets/{name}")
    renderer = Renderer(make_environment(site_dir, config, versions, today), site_dir)
    render = renderer.render

    mentors = {m.slug: m.mentor for m in published}
    order = directory_order(mentors)
    facets = build_facets(config, mentors, order)
    refs = RefMaker(facets)
    views = {
        m.slug: mentor_view(
            m.slug,
            m.mentor,
            config,
            refs,
            photos[m.slug].view if m.slug in photos else None,
            m.bio_html,
            m.expectations_html,
            m.stale,
        )
        for m in published
    }
    tag_members = next((f.members for f in facets if f.field == "tags"), {})
    for view in views.values():
        if not view.accepting:
            view.similar = similar_mentors(view, views, tag_members)
    # The facet sidebar is the same on every page of a listing: render it once per active value.
    sidebar_macro = None
    sidebars: dict[tuple, Markup] = {}

    def sidebar(active_key: str | None = None, active_value: str | None = None) -> Markup:
        nonlocal sidebar_macro
        if (active_key, active_value) not in sidebars:
            if sidebar_macro is None:
                sidebar_macro = renderer.template("_facets.html").module.facet_sidebar
            sidebars[active_key, active_value] = Markup(sidebar_macro(facets, active_key, active_value))
        return sidebars[active_key, active_value]

    renderer.env.globals["sidebar"] = sidebar
    card = renderer.template("_card.html")
    for view in views.values():
        view.card = Markup(card.render(mentor=view))
    for output, cached, origin in publish_photos(site_dir, photos):  # resized once, then cached
        staging.copy(output, cached, origin)

    placeholders = guide_placeholders(config)
    guides = sorted(
        (guide_view(g, placeholders) for g in loaded.guides if g.kind == "guide"), key=lambda g: (g.order, g.title)
    )
    pages = [guide_view(g, placeholders) for g in loaded.guides if g.kind == "page"]
    links = guide_links(guides, config)
    renderer.env.globals["guide_links"] = links  # mentor pages and the request-sent page link guides by role
    guide_url = links.get("first_contact")

    # Small, one-off pages render here; the thousands of mentor and listing pages become jobs.
    featured = [views[s].card for s in order if views[s].featured][:6]
    newest = sorted((s for s in order if mentors[s].joined), key=lambda s: (mentors[s].joined, s), reverse=True)[
        :NEWEST
    ]
    staging.write(
        "index.html",
        render(
            "home.html",
            page={"path": "", "title": config.title, "description": config.description},
            total=len(order),
            accepting_count=sum(1 for s in order if views[s].accepting),
            featured=featured,
            newest=[views[s].card for s in newest],
            guides=guides,
            facets=facets,
        ),
        "home page",
    )
    jobs: list[tuple[str, str, Callable[[], str]]] = []
    directory = renderer.renderer_for("directory.html")
    jobs += [
        (path, "mentor directory", job)
        for path, job in _listing(
            directory,
            "mentors/",
            order,
            views,
            config.per_page,
            "Mentor directory",
            f"All {len(order)} mentors of {config.organisation}.",
            facets=facets,
        )
    ]
    mentor_page = renderer.renderer_for("mentor.html")
    for slug in order:
        view = views[slug]
        jobs.append(
            (
                f"{view.url}index.html",
                f"mentors/{slug}",
                lambda view=view: mentor_page(
                    page={"path": view.url, "title": view.name, "description": view.headline},
                    mentor=view,
                    guide_url=guide_url,
                ),
            )
        )
    facet_index = renderer.renderer_for("facet_index.html")
    facet_value = renderer.renderer_for("facet_value.html")
    for facet in facets:
        staging.write(
            f"{facet.url}index.html",
            facet_index(
                page={"path": facet.url, "title": facet.label, "description": f"Mentors by {facet.label.lower()}."},
                facet=facet,
                facets=facets,
            ),
            f"facet '{facet.key}'",
        )
        for value in facet.values:
            origin = f"facet '{facet.key}' value '{value.key}'"
            jobs += [
                (path, origin, job)
                for path, job in _listing(
                    facet_value,
                    value.url,
                    facet.members[value.key],
                    views,
                    config.per_page,
                    f"{facet.label}: {value.label}",
                    f"{value.count} mentors: {facet.label.lower()} {value.label}.",
                    facet=facet,
                    value=value,
                    facets=facets,
                )
            ]
    staging.write(
        "guides/index.html",
        render(
            "guides.html",
            page={"path": "guides/", "title": "Guides", "description": "Guides to finding and working with a mentor."},
            guides=guides,
        ),
        "guides index",
    )
    for guide in guides + pages:
        template = "guide.html" if guide.kind == "guide" else "page.html"
        staging.write(
            f"{guide.url}index.html",
            render(
                template,
                page={"path": guide.url, "title": guide.title, "description": guide.summary},
                guide=guide,
                guides=guides,
            ),
            f"content/{'guides/' if guide.kind == 'guide' else ''}{guide.slug}.md",
        )
    staging.write(
        "match/index.html",
        render(
            "match.html",
            page={
                "path": "match/",
                "title": "Find my match",
                "description": "Get matched with a mentor who is taking mentees.",
            },
            facets=facets,
            timezones=sorted({v.timezone for v in views.values() if v.timezone}),
        ),
        "match page",
    )
    for path, data in search_files(config, [views[s] for s in order], facets).items():
        staging.write(path, data, "search index")
    staging.write(
        "404.html",
        render("404.html", page={"path": "404.html", "title": "Page not found", "description": ""}),
        "404 page",
    )
    if config.contact.mode in ("receiver", "netlify"):
        # Where a plain (no-JavaScript) form post lands after the receiver or Netlify stored it.
        thanks = config.contact.thanks_path
        staging.write(
            f"{thanks}index.html",
            render(
                "contact_thanks.html",
                page={"path": thanks, "title": "Request sent", "description": "Your contact request was received."},
            ),
            "contact thank-you page",
        )
    for path, origin, _job in jobs:
        staging.claim(path, origin)
    problems = _run_jobs(jobs, staging)
    # Crawlers
    unlisted = {config.contact.thanks_path}  # noindex pages stay out of the sitemap
    pages_for_sitemap = [
        p[: -len("index.html")]
        for p in staging.paths
        if p.endswith("index.html") and p[: -len("index.html")] not in unlisted
    ]
    staging.write("sitemap.xml", sitemap(config, sorted(pages_for_sitemap)), "sitemap")
    staging.write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n", "robots.txt")
    # The web editor (when site.toml enables it) comes after the sitemap, which it stays out of.
    for path, text in cms_files(config).items():
        staging.write(path, text, "web editor ([cms] in site.toml)")
    return problems


def sitemap(config: SiteConfig, paths: list[str]) -> str:
    """sitemap.xml listing every page by absolute URL."""
    rows = "".join(f"  <url><loc>{xml_escape(config.base_url + p)}</loc></url>\n" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "</urlset>\n"
    )
