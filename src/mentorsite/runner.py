"""Write a build's outputs into staging: claim every path, then write files and render pages.

Pages render, and social cards are drawn, across worker processes (`parallel.run_ranges`); files whose bytes are known
are written in this one. Output that would publish a private address is not written but
recorded in `staging.leaked`. An incremental build passes the paths it keeps as they are:
those are claimed (two outputs with one path still collide) but not produced again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .outputs import Copy, Drawn, File, Output, Page
from .parallel import Started, run_ranges, start_ranges
from .render import Renderer, TemplateProblem
from .social_cards import draw
from .write import Staging


@dataclass
class EarlyPages:
    """Pages already rendering in workers while the build prepares the rest (start_pages)."""

    paths: frozenset[str]
    started: Started


def start_pages(pages: list[Page], renderer: Renderer, staging: Staging) -> EarlyPages | None:
    """Start rendering `pages` into staging in worker processes now, before the rest of the
    build's outputs exist (a cold build's mentor pages, while facets, search and keys are
    made); write_outputs then takes their results. None where the work would not be spread."""
    started = start_ranges(len(pages), _renderer_of(pages, renderer, staging))
    return EarlyPages(frozenset(p.path for p in pages), started) if started is not None else None


def write_outputs(
    outputs: list[Output],
    renderer: Renderer,
    staging: Staging,
    keep: Collection[str] = frozenset(),
    early: EarlyPages | None = None,
) -> list[Diagnostic]:
    """Write everything but the paths in `keep`; returns template problems (empty when all went well).

    Every path is claimed first, so two outputs with one path (OutputCollision) stop the
    build before any page is rendered (pages started `early` may be in staging already;
    staging is discarded). The `early` pages are not rendered again but waited for.
    """
    for output in outputs:
        staging.claim(output.path, output.origin)
    pages: list[Page | Drawn] = []
    for output in outputs:
        if output.path in keep or (early is not None and output.path in early.paths):
            continue
        if isinstance(output, (Page, Drawn)):
            pages.append(output)
        elif isinstance(output, File):
            if not staging.put(output.path, output.data):
                staging.leaked.append(output.path)
        elif isinstance(output, Copy):
            staging.put_copy(output.path, output.source)
    # The early workers end before the others start: never two sets of workers at once.
    problems = _merge(early.started.results(), staging) if early is not None else []
    return problems + [d for d in render_pages(pages, renderer, staging) if d not in problems]


Rendered = tuple[list[str], list[str], list[Diagnostic]]


def _renderer_of(
    pages: list[Page] | list[Page | Drawn], renderer: Renderer, staging: Staging
) -> Callable[[int, int], Rendered]:
    def work(start: int, stop: int) -> Rendered:
        written, leaked, problems = [], [], []
        for page in pages[start:stop]:
            try:
                text = renderer.page(page) if isinstance(page, Page) else draw(page.spec)
            except TemplateProblem as exc:
                problems.append(exc.diagnostic)
                break  # the same template would fail for every page of its kind
            if staging.put(page.path, text):
                written.append(page.path)
            else:
                leaked.append(page.path)
        return written, leaked, problems

    return work


def render_pages(pages: list[Page | Drawn], renderer: Renderer, staging: Staging) -> list[Diagnostic]:
    """Render and write claimed pages, and draw claimed images, across worker processes."""
    return _merge(run_ranges(len(pages), _renderer_of(pages, renderer, staging)), staging)


def _merge(results: list[Rendered], staging: Staging) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for written, leaked, found in results:
        staging.written.update(written)  # the workers' own staging objects are copies
        staging.leaked += leaked
        problems += [d for d in found if d not in problems]
    return problems
