"""Write a build's outputs into staging: claim every path, then write files and render pages.

Pages render, and social cards are drawn, across worker processes (`parallel.run_ranges`); files whose bytes are known
are written in this one. Output that would publish a private address is not written but
recorded in `staging.leaked`. An incremental build passes the paths it keeps as they are:
those are claimed (two outputs with one path still collide) but not produced again.
"""

from __future__ import annotations

from collections.abc import Collection

from .diagnostics import Diagnostic
from .outputs import Copy, Drawn, File, Output, Page
from .parallel import run_ranges
from .render import Renderer, TemplateProblem
from .social_cards import draw
from .write import Staging


def write_outputs(
    outputs: list[Output], renderer: Renderer, staging: Staging, keep: Collection[str] = frozenset()
) -> list[Diagnostic]:
    """Write everything but the paths in `keep`; returns template problems (empty when all went well).

    Every path is claimed first, so two outputs with one path (OutputCollision) stop the
    build before any page is rendered.
    """
    for output in outputs:
        staging.claim(output.path, output.origin)
    pages: list[Page | Drawn] = []
    for output in outputs:
        if output.path in keep:
            continue
        if isinstance(output, (Page, Drawn)):
            pages.append(output)
        elif isinstance(output, File):
            if not staging.put(output.path, output.data):
                staging.leaked.append(output.path)
        elif isinstance(output, Copy):
            staging.put_copy(output.path, output.source)
    return render_pages(pages, renderer, staging)


def render_pages(pages: list[Page | Drawn], renderer: Renderer, staging: Staging) -> list[Diagnostic]:
    """Render and write claimed pages, and draw claimed images, across worker processes."""

    def work(start: int, stop: int) -> tuple[list[str], list[str], list[Diagnostic]]:
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

    problems: list[Diagnostic] = []
    for written, leaked, found in run_ranges(len(pages), work):
        staging.written.update(written)  # the workers' own staging objects are copies
        staging.leaked += leaked
        problems += [d for d in found if d not in problems]
    return problems
