"""Problems found in a site's input, as values with positions.

Every stage reports what is wrong with the input as :class:`Diagnostic` values instead of
raising, so `mentorsite check` can show every problem in every file in one run. The CLI picks
the output format; nothing here prints.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: where it is (1-based line and column; 0 when unknown) and what to do."""

    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def human(self) -> str:
        where = printable(self.path)
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        text = f"{where}: {self.severity}: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

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


def printable(text: str) -> str:
    """Text safe for a terminal or CI log: control, invisible and text-direction characters
    (from a file name or a quoted value) are shown as escapes such as \\u202e, so they can
    neither reorder nor hide the rest of the line, nor start a new one."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text
    )


class InputError(Exception):
    """Raised by a loader when a file cannot be read at all; carries its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.human() for d in self.diagnostics))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean …?' hint for a misspelt key or value, or '' when nothing is close."""
    choices = [c for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(str(word).lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(c for c in choices if c.lower() == close[0])
    return f"did you mean '{original}'?"


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "human") -> str:
    """Render diagnostics as text in one of the formats `mentorsite check` offers."""
    diagnostics = sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.message))
    if fmt == "json":
        return json.dumps([asdict(d) for d in diagnostics], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(d.github() for d in diagnostics)
    return "\n".join(d.human() for d in diagnostics)
