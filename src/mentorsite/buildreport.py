"""What a build reports: its diagnostics and counts, and the report of a build that found
nothing changed (uptodate), which the command prints without loading the build pipeline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, eq, not_
from pathlib import Path

from . import uptodate
from .diagnostics import Diagnostic
from .replaced import filtered


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    mentors: int = 0
    seconds: float = 0.0
    written: bool = False
    output: Path | None = None
    #: Pages rendered by this build, and outputs an incremental build kept as they were.
    rendered: int = 0
    #: Of the pages rendered, those whose facet sidebar was patched in (serve: sidebars.py).
    patched: int = 0
    unchanged: int = 0
    #: What the build made (models, views, pages), when asked to hold it: a process that
    #: exits right after the build need not spend a second taking it apart (see cli.build).
    held: object = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Diagnostic]:
        # Diagnostics are frozen, and serve's rebuilds report the same objects again but for
        # the edited files': through `filtered`, a rebuild compares places, not 10,000 severities.
        return filtered(_ERRORS, self.diagnostics, _IS_ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        return list(compress(self.diagnostics, map(not_, _are_errors(self.diagnostics))))


def unchanged_report(record: uptodate.Record, started: float) -> Report:
    """The report of a build that found every input and output as the recorded build left them."""
    return Report(
        diagnostics=list(record.diagnostics),
        pages=record.pages,
        files=record.files,
        mentors=record.mentors,
        written=True,
        output=record.output,
        unchanged=record.files,
        seconds=time.perf_counter() - started,
    )


def _are_errors(diagnostics: list[Diagnostic]) -> Iterator[bool]:
    """Whether each is an error (Diagnostic.is_error), in C: a synthetic site of 10,000
    profiles has a warning per profile, and a Python loop over them cost serve's rebuild ms."""
    return map(eq, map(_SEVERITY, diagnostics), repeat("error"))


_SEVERITY = attrgetter("severity")
#: filtered's name for the errors among a report's diagnostics, and its test.
_ERRORS = "report errors"
_IS_ERROR = attrgetter("is_error")
