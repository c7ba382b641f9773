"""The build, top to bottom: config → load → site rules → shared context → pages → write.

`check_site` stops after the rules; `build_site` goes on to write the output atomically.
Both return a report with every diagnostic instead of raising on bad input. The stages and
page generators are described in docs/architecture.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain, compress, repeat
from operator import and_, attrgetter, is_, methodcaller, ne, not_, or_
from pathlib import Path
from typing import Any

from . import buildcache, cldr, generators, languages, uptodate
from .buildreport import Report, unchanged_report
from .config import SiteConfig, load_config, with_base_url
from .context import SiteContext, finish_cards, published_mentors, site_context
from .derived import DerivedCache
from .diagnostics import Diagnostic, InputError
from .guardrails import site_problems
from .index import search_examples
from .load import LoadCache, Loaded, LoadedMentor, load_site
from .messages import load_messages, site_catalogue_path, site_template_msgids
from .models import Mentor, share_equal_parts
from .outputs import Copy, File, Output, Page
from .parallel import fewer_collections
from .photos import check_photos
from .privacy import private_addresses, private_email_problems, quote_public_sources
from .render import (
    FacetSidebar,
    Renderer,
    TemplateProblem,
    check_templates,
    facet_sidebar,
    make_environment,
    sidebar_variant,
    version_of,
)
from .replaced import filtered
from .rules import site_rules
from .runner import EarlyPages, SidebarWork, splice_sidebars, start_pages, write_outputs
from .sidebars import Placed, Splice
from .sidebars import digest as sidebar_digest
from .social_cards import card_problems, card_texts
from .write import OutputCollision, PrivateStrings, Staging, unsafe_destination
from .yamlsource import Document

#: An incremental build that writes at least this many files for each file it keeps goes into
#: place as one new folder holding links to the kept files (Staging.commit_keeping), as a cold
#: build does; otherwise file by file (Staging.apply). After a card template edit at 10,000
#: mentors, moving 15,236 files one by one took 2.7 s.
SWAP_RATIO = 1.0


@fewer_collections()
def check_site(
    site_dir: Path,
    *,
    today: date | None = None,
    base_url: str | None = None,
    publishing: bool = False,
    cache: LoadCache | None = None,
) -> tuple[SiteConfig | None, Loaded, Report]:
    """Validate everything; no output is written. The `Loaded` returned holds the mentors the
    site rules kept and the checked photos of active mentors.

    `base_url` (the build's --base-url) replaces site.toml's in the config returned and in the
    guardrails; `publishing` adds the guardrail against a base_url on localhost. A `cache`
    (load.LoadCache) spares reading the files it saw unchanged.
    """
    started = time.perf_counter()
    report = Report()
    today = today or date.today()
    try:
        config = load_config(site_dir)
    except InputError as exc:
        report.diagnostics = exc.diagnostics
        return None, Loaded(), report
    if base_url:
        try:
            config = with_base_url(config, base_url)
        except InputError as exc:
            report.diagnostics += exc.diagnostics
    loaded = load_site(site_dir, config, today=today, cache=cache)
    kept, problems = site_rules(config, loaded)
    report.diagnostics += loaded.diagnostics + problems
    # Photos, private emails in public text and template overrides: what `build` would refuse.
    photos, problems = check_photos(
        site_dir,
        filtered("active, photo", kept, lambda m: m.mentor.active and m.mentor.photo),
        cache.photos if cache is not None else None,
        cache.trusted if cache is not None else None,
        cache.reported if cache is not None else None,
    )
    loaded = replace(loaded, mentors=kept, photos=photos)
    report.diagnostics += problems + private_email_problems(loaded) + check_templates(site_dir, config, today)
    report.diagnostics += site_problems(site_dir, config, loaded, publishing=publishing)
    if config.previews.social_cards:
        report.diagnostics += card_problems(site_dir, config.previews.font, card_texts(config, loaded))
    msgids = site_template_msgids(site_dir)
    for language in config.site_languages:
        report.diagnostics += load_messages(site_dir, language, msgids)[1]
    report.diagnostics = quote_public_sources(report.diagnostics, loaded, config)
    report.mentors = len(loaded.mentors)
    report.seconds = time.perf_counter() - started
    return config, loaded, report


@fewer_collections()
def build_site(
    site_dir: Path,
    output: Path | None = None,
    *,
    base_url: str | None = None,
    strict: bool = False,
    today: date | None = None,
    clean: bool = False,
    cache: LoadCache | None = None,
    derived: DerivedCache | None = None,
    preview: bool = False,
    hold: bool = False,
    inputs: uptodate.Snapshot | None = None,
) -> Report:
    """Check, then render and write the site; the old output stays if anything fails.

    Outputs whose inputs did not change since the last build into `output` are kept as they
    are (see buildcache); when no input changed at all, the last build's report is the answer
    (see uptodate). `clean` renders and writes everything into a fresh folder. A process that
    builds again and again (serve) passes the same `cache` and `derived` to each build. A
    `preview` build (serve's) watches its inputs and owns its output folder: it takes no
    up-to-date snapshot of every input and output (it would never ask), and trusts the last
    manifest for what its folder holds (buildcache.plan). With `hold`, the report keeps what
    the build made alive (Report.held), for a caller that ends its process next. `inputs` is
    the snapshot of the inputs a caller took just before, having found no up-to-date record
    for it (cli.build looks before it loads the pipeline).
    """
    started = time.perf_counter()
    today = today or date.today()
    request = uptodate.record_path(site_dir, output, base_url, strict)
    # Before anything is read: an edit during the build shows next time.
    looked = inputs is not None  # by the caller, who found no up-to-date record
    if inputs is None and not preview:
        inputs = uptodate.take_snapshot(site_dir)
    if inputs and not clean and not looked and (record := uptodate.current_record(site_dir, request, inputs, today)):
        return unchanged_report(record, started)
    # Without --base-url, site.toml's base_url is the published address: warn if it is localhost.
    config, loaded, report = check_site(site_dir, today=today, base_url=base_url, publishing=not base_url, cache=cache)
    if config is None or report.errors or (strict and report.warnings):
        report.seconds = time.perf_counter() - started
        return report
    report.output = output = output or (site_dir / config.output_dir)
    unsafe = unsafe_destination(site_dir, output)
    if unsafe:
        report.diagnostics.append(
            Diagnostic(str(output), 0, 0, unsafe, "choose another output folder (-o or output_dir)")
        )
        report.seconds = time.perf_counter() - started
        return report
    own_derived = derived is None  # nothing else sees what this build derives
    one_off = own_derived and cache is None and not preview  # nor what it loads
    if one_off:
        _forget_checked_texts(loaded)
    private = private_addresses(config, loaded.mentors)
    staging = Staging(output, private)
    early: list[EarlyPages] = []  # pages rendering in workers while the rest is made (start)
    digests: list[buildcache.Digests] = []  # the early keys' digests, which the others reuse
    keyers: list[buildcache.Keyer] = []  # a cold build's: its early pages' keys are made in the workers
    early_keys: dict[str, buildcache.Key | None] = {}  # another build's: made before they start
    try:
        published = published_mentors(config, loaded.mentors)
        derived = derived or DerivedCache(one_off=True)
        if clean:
            previous = None
        elif preview and derived.manifest is not None:
            previous = derived.manifest
        else:
            previous = buildcache.load_manifest(site_dir, output)
        if not preview:
            derived.manifest = None  # (a preview's stays until its output is touched)
        # Serve's builds over a last one move each file into place (Staging.apply), never swap.
        staging.flat = preview and previous is not None
        # Kept files were checked against the addresses of the last build; these are new.
        added = _added_addresses(previous, private) if previous is not None else PrivateStrings()
        # A cold build keeps nothing: its keys only go into the manifest, and are made where
        # each page is rendered, in the workers (runner.write_outputs). Serve's are made here:
        # its next build reuses their digests.
        cold = previous is None and not preview
        # A one-off build over a last build's output (`build` again) keeps no digests either:
        # its early pages are keyed in the workers too, which render only those whose key is
        # not the recorded one (most of a one-profile rebuild's time was keying 10,000 pages here).
        spread = previous is not None and not preview and own_derived

        def start(renderer: Renderer, settings: bytes, first: list[Output]) -> None:
            if one_off:
                _forget_models(published)
            pages = [o for o in first if isinstance(o, Page)]
            if spread and previous is not None:
                keyer = buildcache.Keyer(renderer, settings)
                recorded = {p.path: _recorded_key(previous, p.path) for p in pages}
                found = start_pages(pages, renderer, staging, keyer, recorded)
                if found is not None:
                    early.append(found)
                    return
            if previous is not None:
                # Only pages whose key is not the recorded one: the plan can keep none of them.
                digests.append(buildcache.Digests(previous=derived.digests))
                keys = buildcache.output_keys(pages, renderer, settings, digests[0])
                early_keys.update(keys)
                paths, recorded = list(map(_PATH, pages)), previous.recorded_keys()
                now = list(map(keys.__getitem__, paths))
                pages = list(
                    compress(pages, map(or_, map(is_, now, repeat(None)), map(ne, now, map(recorded.get, paths))))
                )
            elif cold:
                keyers.append(buildcache.Keyer(renderer, settings))
            sidebars = None
            if preview:
                sidebars = _sidebar_work(renderer, list(pages), previous, digests[0].page_rests if digests else {})
                pages = [p for p in pages if p.path not in sidebars.same]  # the plan keeps them
                if previous is not None and not added:
                    # As the other pages below: a new sidebar as long as the old one is written
                    # over it in the served file, not patched into a whole new copy by the
                    # workers (a tag edit's 417 directory pages: 25 MB of files written again).
                    sidebars = splice_sidebars(sidebars, renderer, staging)
                    pages = [p for p in pages if p.path not in staging.spliced]
            found = start_pages(pages, renderer, staging, keyers[0] if keyers else None, sidebars=sidebars)
            early.extend([found] if found else [])

        # The mentor pages start rendering on the other cores while this one makes facets,
        # search and keys: all of them in a cold build, those whose inputs changed in another.
        # (With more than one language, pages get their alternates after every tree is made.)
        single = len(config.site_languages) == 1
        trees = language_trees(
            site_dir,
            config,
            published,
            loaded,
            today,
            derived,
            start if single else None,
            cards_later=(cold or spread) and own_derived,
        )
        outputs = list(chain.from_iterable(tree.outputs for tree in trees))
        # Each tree's output paths, made once: the passes below pick outputs by path.
        tree_paths = [list(map(_PATH, tree.outputs)) for tree in trees]
        if spread and early:
            early_keys.update(early[0].collect(staging)[1])  # made in the workers; the plan needs them
        keys: dict[str, buildcache.Key | None] = {}
        tree_keyers: list[buildcache.Keyer | None] = []
        for i, tree in enumerate(trees):
            if cold:
                keyer = keyers[0] if keyers and i == 0 else buildcache.Keyer(tree.renderer, tree.settings)
                keys |= {o.path: keyer(o) for o in tree.outputs if not isinstance(o, Page)}  # pages: as rendered
                tree_keyers.append(keyer)
                tree.derived.digests = keyer.digests
                continue
            tree_digests = digests[0] if digests and i == 0 else buildcache.Digests(previous=tree.derived.digests)
            # The early pages have their keys (start): the same page objects, the same keys.
            known = early_keys if i == 0 else {}
            # (In C: Python loops over 15,000 outputs cost serve's one-profile rebuild 10 ms.)
            paths = tree_paths[i]
            rest = list(compress(tree.outputs, map(not_, map(known.__contains__, paths))))
            made = buildcache.output_keys(rest, tree.renderer, tree.settings, tree_digests)
            keys |= dict(zip(paths, map((known | made).__getitem__, paths), strict=True))
            tree.derived.digests = tree_digests
            tree_keyers.append(None)
        plan = buildcache.plan(output, keys, previous, trusted=preview) if previous else buildcache.Plan({})
        rests = {path: rest for tree in trees for path, rest in tree.derived.digests.page_rests.items()}
        works = [
            _sidebar_work(t.renderer, t.outputs, previous, rests, plan.keep, paths) if preview else None
            for t, paths in zip(trees, tree_paths, strict=True)
        ]
        if previous is not None:
            # A page whose sidebar is the same, all else of it too, is as the last build wrote it.
            for path in (path for work in works if work is not None for path in work.same):
                if path in previous.entries and path not in plan.keep:
                    plan.keep[path] = (keys[path], *previous.entries[path][1:])
        digested = buildcache.address_digests(private)[1]
        if previous is not None:
            if added:  # check the kept files for them
                kept = [o.path for o in outputs if o.path in plan.keep and not isinstance(o, Copy)]
                staging.leaked += staging.leaks_in(kept, added)
            elif preview:
                # The rest of a page whose sidebar is written in place was checked against these
                # very addresses when it was written. (Pages started early are the workers'.)
                works = [
                    splice_sidebars(work, tree.renderer, staging, early[0].paths if early and i == 0 else frozenset())
                    for i, (work, tree) in enumerate(zip(works, trees, strict=True))
                ]
        problems = []
        for i, tree in enumerate(trees):
            found, page_keys = write_outputs(
                tree.outputs,
                tree.renderer,
                staging,
                plan.keep,
                early[0] if early and i == 0 else None,
                tree_keyers[i],
                works[i],
                tree_paths[i],
            )
            problems += found
            keys |= page_keys
        if cold:
            keys = {o.path: keys.get(o.path) for o in outputs}  # in the outputs' order, as made on one core
        problems += _leaks(staging)
        report.diagnostics += problems
        if not problems:
            if previous is None:
                staging.commit()
            else:
                # No manifest while files move: a build after a failure here renders everything.
                derived.manifest = None
                buildcache.forget_manifest(site_dir, output)
                if not preview and not output.is_symlink() and len(staging.written) >= SWAP_RATIO * len(plan.keep):
                    staging.commit_keeping(plan.keep)  # serve's server keeps its folder: not there
                else:
                    staging.apply(plan.stale, plan.stale_folders)
            manifest = buildcache.new_manifest(output, keys, plan.keep, digested)
            if preview:
                # Kept in memory only: serve's folder is its own, and goes when serve ends
                # (pickling 15,000 entries took 20 ms of each rebuild at 10,000 mentors).
                manifest.sidebars = _placed_sidebars(previous, plan.keep, staging, rests)
                derived.manifest = manifest
            else:
                buildcache.save_manifest(site_dir, output, manifest)
            report.written = True
            report.files = staging.count
            report.pages = sum(map(methodcaller("endswith", ".html"), staging.paths))
            made_again = compress(outputs, map(not_, map(plan.keep.__contains__, chain.from_iterable(tree_paths))))
            report.rendered = sum(1 for o in made_again if isinstance(o, Page))
            report.patched = len(staging.patched)
            report.unchanged = len(plan.keep)
            report.mentors = len(published)
            if hold:
                report.held = (loaded, derived, trees, outputs, keys, plan, manifest, staging)
            written = uptodate.output_stamps(output, keys) if inputs else None
            if inputs and written is not None:
                uptodate.save_record(request, _record(report, inputs, today, output, written))
    except (TemplateProblem, OutputCollision) as exc:
        report.diagnostics.append(exc.diagnostic)
    finally:
        for pages in early:
            pages.started.stop()  # done already, or no longer wanted (the build failed)
        if not report.written:
            staging.discard()
        report.seconds = time.perf_counter() - started
    return report


@dataclass
class Tree:
    """One language's part of the site: its settings, its renderer and its outputs (paths from the site's root)."""

    config: SiteConfig
    renderer: Renderer
    site: SiteContext
    outputs: list[Output]
    #: The digest of the settings its outputs depend on, and what it derived per mentor.
    settings: bytes
    derived: DerivedCache


def language_trees(
    site_dir: Path,
    config: SiteConfig,
    published: list[LoadedMentor],
    loaded: Loaded,
    today: date,
    derived: DerivedCache,
    start: Callable[[Renderer, bytes, list[Output]], None] | None = None,
    *,
    cards_later: bool = False,
) -> list[Tree]:
    """The site's outputs, one tree per language: the default at the root, each other one
    under /<language>/, all built by `site_outputs` from that language's settings, profiles
    and guides; each page gets its language switcher (`alternates`) when there are several,
    and the root gets the one sitemap, robots.txt and the web editor. `start` and
    `cards_later` are site_outputs'."""
    default = config.site_languages[0]
    trees: list[Tree] = []
    for language in config.site_languages:
        settings = config.in_language(language)
        in_language = replace(
            loaded,
            guides=languages.guides_in(loaded.guides, loaded.translations, language, default),
            translations=[],
        )
        # The default language keeps the process's derived data (serve); the others' views are new each build.
        kept = derived if language == default else DerivedCache(one_off=True)
        renderer, site, outputs, digest = site_outputs(
            site_dir,
            settings,
            languages.mentors_in(published, language, default),
            in_language,
            today,
            kept,
            start,
            cards_later=cards_later,
        )
        trees.append(Tree(settings, renderer, site, outputs, digest, kept))
    alternates: dict[str, list[languages.Alternate]] = {}
    if len(trees) > 1:
        pages = {t.config.language: {o.path for o in t.outputs if _is_html_page(o)} for t in trees}
        names = {language: _own_name(language) for language in pages}
        for tree in trees:
            tree.outputs = [
                _with_alternates(o, languages.page_alternates(config, pages, o.path, tree.config.language, names))
                if _is_html_page(o)
                else o
                for o in tree.outputs
            ]
            root = config.language_root(tree.config.language)
            alternates |= {
                root + languages.folder_of(o.path): [a for a in o.context["alternates"] if a.exists]
                for o in tree.outputs
                if isinstance(o, Page) and "alternates" in o.context
            }
    for tree in trees:
        root = config.language_root(tree.config.language)
        if root:  # the default language's tree is the site's root: its outputs stay the same objects
            tree.outputs = [replace(o, path=root + o.path) for o in tree.outputs]
    every = [o for tree in trees for o in tree.outputs]
    trees[0].outputs += generators.crawler_files(trees[0].site, every, alternates)
    trees[0].outputs += generators.cms_files(trees[0].site)  # after the sitemap, which the editor stays out of
    return trees


def _own_name(language: str) -> str:
    """A language's name in itself, as a switcher shows it ("Français", "العربية")."""
    name = cldr.language_names(language).get(language) or cldr.language_names(language.split("-")[0]).get(
        language.split("-")[0], language
    )
    return name[:1].upper() + name[1:]


def _is_html_page(output: Output) -> bool:
    return isinstance(output, Page) and output.path.endswith(".html")


def _with_alternates(page: Output, alternates: list[languages.Alternate]) -> Output:
    assert isinstance(page, Page)
    return replace(page, context={**page.context, "alternates": alternates})


def site_outputs(
    site_dir: Path,
    config: SiteConfig,
    published: list[LoadedMentor],
    loaded: Loaded,
    today: date,
    derived: DerivedCache | None = None,
    start: Callable[[Renderer, bytes, list[Output]], None] | None = None,
    *,
    cards_later: bool = False,
) -> tuple[Renderer, SiteContext, list[Output], bytes]:
    """Every page and file of one language's tree (paths inside the tree; no sitemap), stage by
    stage, with the renderer for its pages, the context they were made from and the digest of
    the settings every output depends on (buildcache.settings_key). `derived` keeps what the
    build derives per mentor for the next build of the same process. `start` is handed the
    renderer, the settings digest and the first outputs (home, directory and mentor pages) as
    soon as they exist. With `cards_later` (a cold build's own `derived`), when the mentor
    pages' templates read no card, `start` gets the mentor pages alone, before any card is
    rendered: the cards then render beside them (about 1.6 s at 10,000 mentors)."""
    messages, _problems = load_messages(
        site_dir, config.language, site_template_msgids(site_dir)
    )  # check_site reported its problems
    assets = list(generators.assets(site_dir, messages))  # first: their hashes version the URLs in pages
    catalogue = site_catalogue_path(site_dir, config.language)
    settings = buildcache.settings_key(config, assets, catalogue.read_bytes() if catalogue.is_file() else b"")
    renderer = Renderer(make_environment(site_dir, config, _asset_versions(assets), today, messages), site_dir)
    derived = derived or DerivedCache()
    derived.begin(buildcache.card_settings(renderer, settings, today.isoformat()))
    cards_later = cards_later and start is not None and _show_no_card(renderer, generators.MENTOR_TEMPLATE)
    site = site_context(
        config, published, loaded.guides, loaded.photos, renderer.card, messages, derived, cards_later=cards_later
    )
    renderer.env.globals |= content_globals(renderer, site)
    mentor_pages: list[Output] = list(generators.mentor_pages(site))
    if start is not None and cards_later:
        start(renderer, settings, mentor_pages)  # (forked workers see the views as they are now)
        finish_cards(site, renderer.card)
    outputs: list[Output] = [
        *assets,
        *generators.photos(site_dir, site.photos),
        *generators.home(site),
        *generators.directory(site),
        *mentor_pages,
    ]
    if start is not None and not cards_later:
        start(renderer, settings, outputs)
    outputs += [
        *generators.facet_pages(site),
        *generators.guide_pages(site),
        *generators.guide_files(site_dir, site),
        *generators.match_page(site),
        *generators.search_index(site),
        *generators.not_found(site),
        *generators.contact_thanks(site),
        *generators.accessibility_page(site),
        *generators.atom_feeds(site),
        *generators.social_cards(site_dir, site),
        *generators.stats_page(site),
    ]
    return renderer, site, outputs, settings


def content_globals(renderer: Renderer, site: SiteContext) -> dict[str, Any]:
    """The template globals made from the content: the facet sidebar and the facets, the guide
    links by role (mentor pages, the request-sent page) and the search box's examples."""
    return {
        "sidebar": facet_sidebar(renderer, site.facets),
        "facets": site.facets,
        "guide_links": site.guide_links,
        "search_examples": search_examples(site.facets),
    }


def _show_no_card(renderer: Renderer, template: str) -> bool:
    """Whether pages of `template` surely never read a mentor view's card (buildcache.TemplateUse)."""
    use = buildcache.TemplateDeps(renderer.env).use(template)
    return use is not None and not use.reads_cards


def _sidebar_work(
    renderer: Renderer,
    outputs: list[Output],
    previous: buildcache.Manifest | None,
    rests: dict[str, buildcache.Key],
    keep: Mapping[str, object] = {},  # noqa: B006 - read only
    paths: list[str] | None = None,
) -> SidebarWork:
    """Serve's pages whose only change can be the facet sidebar (sidebars.py): those whose key
    but for the sidebar is the one their recorded sidebar was placed under. Those whose
    sidebar is not the recorded one are patched; the others are the same (the plan `keep`s
    none of these). And the page templates whose pages record where their sidebar lies."""
    deps = buildcache.TemplateDeps(renderer.env)
    names = set(map(_TEMPLATE, compress(outputs, map(is_, map(type, outputs), repeat(Page)))))
    templates = frozenset(name for name in names if deps.splices_sidebar(name))
    sidebar = renderer.env.globals.get("sidebar")
    if previous is None or not previous.sidebars or not isinstance(sidebar, FacetSidebar):
        return SidebarWork(templates)
    patch: dict[str, Placed] = {}
    same: set[str] = set()
    now: dict[tuple, bytes | None] = {}  # the digest of each variant of the sidebar, as it is now
    # Only the outputs with a recorded sidebar that the plan does not keep (picked in C: most
    # of serve's 15,000 are neither, and a loop over them took 5 ms of a rebuild).
    paths = list(map(_PATH, outputs)) if paths is None else paths
    recorded = map(previous.sidebars.__contains__, paths)
    for output in compress(outputs, map(and_, recorded, map(not_, map(keep.__contains__, paths)))):
        splice = previous.sidebars[output.path]
        if not isinstance(output, Page) or output.template not in templates:
            continue
        if rests.get(output.path) != splice.rest:
            continue
        args = splice.placed.args
        if args not in now:
            variant = sidebar_variant(sidebar, args)
            now[args] = sidebar_digest(variant.encode("utf-8")) if variant is not None else None
        if now[args] is None:
            continue  # the sidebar fails: rendering the page reports it
        if now[args] == splice.placed.digest:
            same.add(output.path)
        else:
            patch[output.path] = splice.placed
    return SidebarWork(templates, patch, frozenset(same))


def _added_addresses(previous: buildcache.Manifest, private: frozenset[str]) -> PrivateStrings:
    """The private addresses of this build that the last one (`previous`) did not have."""
    addresses, digested = buildcache.address_digests(private)
    return PrivateStrings({addresses[digest] for digest in digested - previous.private})


def _placed_sidebars(
    previous: buildcache.Manifest | None, kept: Mapping[str, object], staging: Staging, rests: dict[str, buildcache.Key]
) -> dict[str, Splice]:
    """Where the sidebar lies in serve's output now: as recorded in the kept pages, as placed in
    the written ones."""
    placed = {path: splice for path, splice in previous.sidebars.items() if path in kept} if previous else {}
    placed |= {path: Splice(rests[path], where) for path, where in staging.placed.items() if path in rests}
    return placed


_PATH = attrgetter("path")
_TEMPLATE = attrgetter("template")


def _recorded_key(previous: buildcache.Manifest, path: str) -> buildcache.Key | None:
    entry = previous.entries.get(path)
    return entry[0] if entry else None


def _record(
    report: Report, inputs: uptodate.Snapshot, today: date, output: Path, written: dict[str, uptodate.Stat]
) -> uptodate.Record:
    return uptodate.Record(
        inputs, today, output, written, list(report.diagnostics), report.mentors, report.pages, report.files
    )


def _asset_versions(assets: list[File]) -> dict[str, str]:
    """Content hashes by asset name, which `asset()` in templates appends to URLs."""
    return {a.path.removeprefix("assets/"): version_of(a.data) for a in assets}


def _forget_checked_texts(loaded: Loaded) -> None:
    """Let go of what only the checks read of each profile (its YAML positions, its text and
    its public texts joined): about 60 MB at 10,000 mentors that a one-off build would hold
    while it renders. Only for profiles no other build sees (no LoadCache). Their equal parts
    are shared too (models.share_equal_parts)."""
    share_equal_parts(m.mentor for m in loaded.mentors)
    for mentor in loaded.mentors:
        mentor.document = _CHECKED
        mentor.source = ""
        mentor.public_text = None


def _forget_models(published: list[LoadedMentor]) -> None:
    """Let go of the published profiles' models once the views exist (the first pages are
    about to render): at 10,000 mentors about 20 MB that a one-off build held while every
    page rendered, though pages read the views alone. A model read later fails loudly (it
    has no field that has no default). Only in one tree (start): another language's tree
    reads the models. Only for profiles no other build sees."""
    for item in published:
        item.mentor = _RENDERED


#: The model of a profile whose views exist (_forget_models).
_RENDERED = Mentor.model_construct()

#: The document of a profile whose checks are done (_forget_checked_texts).
_CHECKED = Document(None)


def _leaks(staging: Staging) -> list[Diagnostic]:
    return [
        Diagnostic(
            path,
            0,
            0,
            "a private email address reached this output file; nothing was published",
            "check the site's template overrides for private fields",
        )
        for path in sorted(staging.leaked)
    ]
