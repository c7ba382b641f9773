"""Write a build's outputs into staging: claim every path, then write files and render pages.

Pages render, and social cards are drawn, across worker processes (`parallel.run_ranges`); files whose bytes are known
are written in this one. Output that would publish a private address is not written but
recorded in `staging.leaked`. An incremental build passes the paths it keeps as they are:
those are claimed (two outputs with one path still collide) but not produced again. A cold
build, whose keys only go into the manifest for the next build, has each page's key made where
the page is rendered (a `keyer`, buildcache.Keyer), spreading that work over the workers too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from itertools import compress
from operator import attrgetter, not_, or_

from .buildcache import Key, Keyer
from .diagnostics import Diagnostic
from .outputs import Copy, Drawn, File, Output, Page
from .parallel import Started, run_ranges, start_ranges
from .render import FacetSidebar, Renderer, TemplateProblem, sidebar_variant
from .sidebars import Placed, digest, in_place, locate, patched
from .social_cards import draw
from .write import Staging


@dataclass(frozen=True)
class SidebarWork:
    """What serve's builds do about the facet sidebar (sidebars.py): record where it lies in
    the pages of `templates` as they are rendered, and patch the pages in `patch` (where their
    file's sidebar lies) instead of rendering them."""

    templates: frozenset[str] = frozenset()
    patch: Mapping[str, Placed] = field(default_factory=dict)
    #: Pages whose sidebar, and all else, is as recorded: kept as they are, neither patched nor rendered.
    same: frozenset[str] = frozenset()


@dataclass
class EarlyPages:
    """Pages already rendering in workers while the build prepares the rest (start_pages)."""

    paths: frozenset[str]
    started: Started
    #: What the workers gave (collect): problems and keys.
    collected: tuple[list[Diagnostic], dict[str, Key | None]] | None = None

    def collect(self, staging: Staging) -> tuple[list[Diagnostic], dict[str, Key | None]]:
        """Wait for the workers; their problems and the keys they made (once, however often asked)."""
        if self.collected is None:
            keys: dict[str, Key | None] = {}
            self.collected = (_merge(self.started.results(), staging, keys), keys)
        return self.collected


_PATH = attrgetter("path")


def start_pages(
    pages: list[Page],
    renderer: Renderer,
    staging: Staging,
    keyer: Keyer | None = None,
    recorded: Mapping[str, Key | None] | None = None,
    sidebars: SidebarWork | None = None,
) -> EarlyPages | None:
    """Start rendering `pages` into staging in worker processes now, before the rest of the
    build's outputs exist (a cold build's mentor pages, while facets, search and keys are
    made); write_outputs then takes their results (and their keys, with a `keyer`). With the
    `recorded` keys of the last build, a page whose key is the recorded one is keyed, not
    rendered (write_outputs renders it if the plan does not keep it after all). None where
    the work would not be spread. `sidebars`: see SidebarWork."""
    started = start_ranges(len(pages), _renderer_of(pages, renderer, staging, keyer, recorded, sidebars))
    return EarlyPages(frozenset(p.path for p in pages), started) if started is not None else None


def splice_sidebars(
    work: SidebarWork | None, renderer: Renderer, staging: Staging, started: Collection[str] = frozenset()
) -> SidebarWork | None:
    """Serve's pages to patch whose new sidebar is as long as the old one: written over it in
    the served file when the build is applied (Staging.splice), neither read whole nor written
    again (sidebars.in_place). The work left (the other pages to patch) is write_outputs', as
    are the pages `started` early; those staging splices already are done."""
    sidebar = renderer.env.globals.get("sidebar")
    if work is None or not work.patch or not staging.flat or not isinstance(sidebar, FacetSidebar):
        return work
    left: dict[str, Placed] = {}
    # Each variant's UTF-8 and digest, once: thousands of pages share a few.
    variants: dict[tuple, tuple[bytes, bytes] | None] = {}
    for path, placed in work.patch.items():
        if path in staging.spliced:
            continue  # by the build's start, before its first pages went to the workers
        if placed.args not in variants:
            now = sidebar_variant(sidebar, placed.args)
            data = now.encode("utf-8") if now is not None else b""
            variants[placed.args] = (data, digest(data)) if data else None
        found = variants[placed.args]
        if (
            found is None
            or path in started
            or not in_place(staging.destination / path, placed, found[0], staging.private)
        ):
            left[path] = placed
        else:
            staging.splice(path, found[0], placed._replace(digest=found[1]))
    return replace(work, patch=left)


def write_outputs(
    outputs: list[Output],
    renderer: Renderer,
    staging: Staging,
    keep: Collection[str] = frozenset(),
    early: EarlyPages | None = None,
    keyer: Keyer | None = None,
    sidebars: SidebarWork | None = None,
    paths: list[str] | None = None,
) -> tuple[list[Diagnostic], dict[str, Key | None]]:
    """Write everything but the paths in `keep` (and those staging splices); returns template problems (empty when all
    went well) and, with a `keyer`, the key of every page rendered (the `early` ones too, if
    started with one).

    Every path is claimed first, so two outputs with one path (OutputCollision) stop the
    build before any page is rendered (pages started `early` may be in staging already;
    staging is discarded). The `early` pages are not rendered again but waited for. `paths`:
    the outputs' paths, in order, when the caller has them.
    """
    paths = list(map(_PATH, outputs)) if paths is None else paths  # (the outputs' paths, in order)
    staging.claim_all(outputs, paths)
    pages: list[Page | Drawn] = []
    started: list[Page] = []
    # Those the plan does not keep, nor staging splice (picked in C: serve's rebuild keeps
    # nearly all of its 15,000 outputs).
    written = map(not_, map(or_, map(keep.__contains__, paths), map(staging.spliced.__contains__, paths)))
    for output in compress(outputs, written):
        if early is not None and output.path in early.paths:
            started.append(output)  # type: ignore[arg-type]  # start_pages takes pages only
            continue
        if isinstance(output, (Page, Drawn)):
            pages.append(output)
        elif isinstance(output, File):
            if not staging.put(output.path, output.data):
                staging.leaked.append(output.path)
        elif isinstance(output, Copy):
            staging.put_copy(output.path, output.source)
    # The early workers end before the others start: never two sets of workers at once.
    keys: dict[str, Key | None] = {}
    problems: list[Diagnostic] = []
    if early is not None:
        problems, made = early.collect(staging)
        keys.update(made)
        # Pages a worker found unchanged (their key the recorded one) that the plan does not
        # keep after all (their file in the output changed or went missing): rendered here.
        done = staging.written.union(staging.leaked)
        pages += [p for p in started if p.path not in done]
    rendered = run_ranges(len(pages), _renderer_of(pages, renderer, staging, keyer, sidebars=sidebars))
    return problems + [d for d in _merge(rendered, staging, keys) if d not in problems], keys


#: What a range of pages gave: paths written, paths not written (a private address), problems,
#: keys, where the sidebar lies in the pages written, and which were patched (SidebarWork).
Rendered = tuple[list[str], list[str], list[Diagnostic], dict[str, Key | None], dict[str, Placed], list[str]]


def _renderer_of(
    pages: list[Page] | list[Page | Drawn],
    renderer: Renderer,
    staging: Staging,
    keyer: Keyer | None = None,
    recorded: Mapping[str, Key | None] | None = None,
    sidebars: SidebarWork | None = None,
) -> Callable[[int, int], Rendered]:
    patching = _SidebarPatching.of(renderer, staging, sidebars)

    def work(start: int, stop: int) -> Rendered:
        written, leaked, problems, keys, placed, patches = [], [], [], {}, {}, []
        for page in pages[start:stop]:
            if recorded is not None and keyer is not None and isinstance(page, Page):
                keys[page.path] = key = keyer(page)
                if key is not None and key == recorded.get(page.path):
                    continue  # as the last build made it: the plan keeps it
            text: str | bytes | None = None
            where: Placed | None = None
            found = patching.patch(page) if patching is not None and isinstance(page, Page) else None
            if found is not None:
                text, where = found
                patches.append(page.path)
            else:
                try:
                    if patching is not None and isinstance(page, Page):
                        text, where = patching.render(page)
                    else:
                        text = renderer.page(page) if isinstance(page, Page) else draw(page.spec)
                except TemplateProblem as exc:
                    problems.append(exc.diagnostic)
                    break  # the same template would fail for every page of its kind
            if staging.put(page.path, text):
                written.append(page.path)
                if where is not None:
                    placed[page.path] = where
            else:
                leaked.append(page.path)
            if keyer is not None and isinstance(page, Page) and page.path not in keys:
                keys[page.path] = keyer(page)
        return written, leaked, problems, keys, placed, patches

    return work


@dataclass
class _SidebarPatching:
    """A serve build's work on the facet sidebar (sidebars.py), page by page: patch a page's
    file where its sidebar lies, or render the page and record where its sidebar lies."""

    renderer: Renderer
    sidebar: FacetSidebar
    staging: Staging
    work: SidebarWork

    @classmethod
    def of(cls, renderer: Renderer, staging: Staging, work: SidebarWork | None) -> _SidebarPatching | None:
        """None when there is no sidebar work, or the templates' `sidebar` is not the theme's kind."""
        sidebar = renderer.env.globals.get("sidebar") if work is not None else None
        if work is None or not isinstance(sidebar, FacetSidebar):
            return None
        return cls(renderer, sidebar, staging, work)

    def patch(self, page: Page) -> tuple[str, Placed] | None:
        """The page's file with its sidebar as it is now, and where it lies; None: render it."""
        old = self.work.patch.get(page.path)
        if old is None:
            return None
        now = sidebar_variant(self.sidebar, old.args)
        return patched(self.staging.destination / page.path, old, now) if now is not None else None

    def render(self, page: Page) -> tuple[str | bytes, Placed | None]:
        """The page rendered, and where its sidebar lies when it shows exactly one and its
        template is one whose pages may be patched."""
        if page.template not in self.work.templates:
            return self.renderer.page(page), None
        calls = self.sidebar.calls = []
        try:
            text = self.renderer.page(page)
        finally:
            self.sidebar.calls = None
        if len(calls) != 1:
            return text, None
        data = text.encode("utf-8")
        return data, locate(data, calls[0], self.sidebar(*calls[0]))


def _merge(results: list[Rendered], staging: Staging, keys: dict[str, Key | None]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for written, leaked, found, made, placed, patches in results:
        staging.written.update(written)  # the workers' own staging objects are copies
        staging.placed.update(placed)
        staging.patched.update(patches)
        staging.leaked += leaked
        keys.update(made)
        problems += [d for d in found if d not in problems]
    return problems
