"""Problems found in a site's input, as values with positions.

Every stage reports what is wrong with the input as :class:`Diagnostic` values instead of
raising, so `mentorsite check` can show every problem in every file in one run. The CLI picks
the output format; nothing here prints.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from .textrules import source_line

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True, slots=True)
class Diagnostic:
    """One problem: where it is (1-based line and column; 0 when unknown) and what to do."""

    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    #: The text of the offending line, attached where the file was read (see `quote`); shown
    #: under the message. Not part of a diagnostic's identity, nor of its JSON record.
    source: str = field(default="", compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def human(self, *, excerpt: bool = False) -> str:
        """path:line:col: severity: message, then (with `excerpt`, as `check` prints it) the
        source line with a caret under the column, then the hint."""
        where = printable(self.path)
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        text = f"{where}: {self.severity}: {printable(self.message)}"
        if excerpt and self.line and self.source.strip():
            text += "\n" + _excerpt(self.line, self.col, self.source)
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def record(self) -> dict:
        """The fields of the JSON format."""
        found = asdict(self)
        del found["source"]
        return found

    def github(self) -> str:
        # Workflow commands end at a newline and treat % specially, so escape both.
        def esc(value: str) -> str:
            return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        def esc_prop(value: str) -> str:
            return esc(value).replace(":", "%3A").replace(",", "%2C")

        props = [f"file={esc_prop(printable(self.path))}"]
        if self.line:
            props += [f"line={self.line}", f"col={self.col or 1}"]
        body = printable(self.message + (f" (hint: {self.hint})" if self.hint else ""))
        return f"::{self.severity} {','.join(props)}::{esc(body)}"


#: Longest source excerpt shown, in characters; a longer line is cut around the column.
EXCERPT_WIDTH = 100


def _excerpt(line: int, col: int, source: str) -> str:
    """The source line under a gutter with its number, and a caret under the column:

    5 |   - leadrship
      |     ^
    """
    start = max(0, col - 1 - EXCERPT_WIDTH // 2) if len(source) > EXCERPT_WIDTH else 0
    shown = source[start : start + EXCERPT_WIDTH]
    lead = "…" if start else ""
    tail = "…" if start + EXCERPT_WIDTH < len(source) else ""
    gutter = f"{line:>4} | "
    text = f"{gutter}{lead}{printable(shown)}{tail}".rstrip()
    if col > 0:
        before = lead + printable(source[start : col - 1])
        text += "\n" + " " * 5 + "| " + " " * _width(before) + "^"
    return text


def _width(text: str) -> int:
    """Columns a terminal gives text: wide (East Asian) characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def quote(
    diagnostics: Iterable[Diagnostic], texts: Mapping[str, str], *, hide: Callable[[str], bool] | None = None
) -> list[Diagnostic]:
    """Diagnostics with the text of their line attached, from `texts` (file path -> file text).

    A line for which `hide` is true (it holds a private address) is never shown, even one
    attached earlier: logs of a public repository's checks are public.
    """
    found = []
    for d in diagnostics:
        source = d.source or (source_line(texts[d.path], d.line) if d.line and d.path in texts else "")
        if source and hide is not None and hide(source):
            source = ""
        found.append(replace(d, source=source) if source != d.source else d)
    return found


def printable(text: str) -> str:
    """Text safe for a terminal or CI log: control, invisible and text-direction characters
    (from a file name or a quoted value) are shown as escapes such as \\u202e, so they can
    neither reorder nor hide the rest of the line, nor start a new one."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text
    )


class MentorsiteError(Exception):
    """A problem a person can fix: the CLI prints its diagnostics (or else its message) and exits
    with `exit_code`, never with a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, diagnostics: Iterable[Diagnostic] = (), exit_code: int | None = None):
        super().__init__(message)
        self.diagnostics = list(diagnostics)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(MentorsiteError):
    """Raised by a loader when a file cannot be read at all; carries its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        diagnostics = list(diagnostics)
        super().__init__("\n".join(d.human() for d in diagnostics), diagnostics=diagnostics)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean …?' hint for a misspelt key or value, or '' when nothing is close."""
    choices = [c for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(str(word).lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(c for c in choices if c.lower() == close[0])
    return f"did you mean '{original}'?"


def counted(count: int, singular: str, plural: str = "") -> str:
    """'1 error', '2 errors', '0 warnings': a number with its noun in the right form."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


#: A warning repeated in this many files or more is shown once, as a summary, unless verbose.
SUMMARISE_FROM = 3
#: Files a summary names before "and N more".
SUMMARY_NAMES = 3


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "human", *, verbose: bool = True) -> str:
    """Render diagnostics as text in one of the formats `mentorsite check` offers.

    In the human format without `verbose`, a warning repeated word for word across many files
    ("no photo" once per mentor) is shown once, naming the first files; the machine formats
    always list every diagnostic.
    """
    diagnostics = sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.message))
    if fmt == "json":
        return json.dumps([d.record() for d in diagnostics], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(d.github() for d in diagnostics)
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    if not verbose:
        for d in diagnostics:
            if not d.is_error:
                groups.setdefault((d.message, d.hint), []).append(d)
    repeated = {key: found for key, found in groups.items() if len(found) >= SUMMARISE_FROM}
    single = [d for d in diagnostics if d.is_error or (d.message, d.hint) not in repeated]
    return "\n".join([d.human(excerpt=True) for d in single] + [_summary(found) for found in repeated.values()])


def _summary(found: list[Diagnostic]) -> str:
    """One warning repeated across files, as one entry:

    warning: no photo, in 12 files: mentors/a.yaml, mentors/b.yaml, mentors/c.yaml and 9 more
        hint: add 'photo: …' (run with --verbose to see each)
    """
    paths = list(dict.fromkeys(d.path for d in found))
    named = ", ".join(printable(p) for p in paths[:SUMMARY_NAMES])
    more = f" and {len(paths) - SUMMARY_NAMES} more" if len(paths) > SUMMARY_NAMES else ""
    first = found[0]
    text = f"warning: {printable(first.message)}, in {counted(len(paths), 'file')}: {named}{more}"
    hint = f"{first.hint} " if first.hint else ""
    return text + f"\n    hint: {printable(hint)}(--verbose shows each)"
