"""The report as one self-contained HTML file: inline CSS, charts as inline SVG, no URL at all.

The templates are the package's own (``report/templates``), trusted, autoescaped; every word
goes through the site's message catalogue and every number and date through ``cldr``, in the
site's language and writing direction. Each chart is bars with text labels, marked up as an
image with a title for screen readers, followed by a table with the same figures: the table is
the accessible alternative, and what a reader copies from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from ..cldr import Cldr
from ..messages import Messages, jinja_gettext
from ..textdirection import text_direction
from .figures import Figures

TEMPLATES = Path(__file__).parent / "templates"
#: Bars shown in a chart; its table lists every row.
CHART_ROWS = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: The value as shown next to the bar.
    text: str


def _environment(messages: Messages) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    gettext, ngettext, attr_gettext = jinja_gettext(messages)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["attr_gettext"] = attr_gettext
    return env


def render_html(figures: Figures, *, title: str, language: str, messages: Messages, generated: date) -> str:
    """The whole report page."""
    cldr = Cldr(language)

    def number(value: float | None, digits: int = 1) -> str:
        return "–" if value is None else cldr.format_number(round(value, digits))

    def percent(value: float | None) -> str:
        return "–" if value is None else cldr.format_percent(value)

    none = messages.gettext("no accepting mentor")
    chart = {
        "weeks": [Bar(w.label, w.requests, number(w.requests)) for w in figures.per_week],
        "load": [
            Bar(x.name, x.ongoing, f"{number(x.ongoing)} / {'–' if x.capacity is None else number(x.capacity)}")
            for x in figures.load
        ],
        "gaps": [
            Bar(f"{g.value_label} ({g.facet_label})", g.ratio or 0, none if g.ratio is None else number(g.ratio))
            for g in figures.gaps
        ],
    }
    env = _environment(messages)
    env.filters.update(number=number, percent=percent, day=cldr.format_date)
    return env.get_template("report.html").render(
        f=figures,
        title=title,
        lang=language,
        dir=text_direction(language),
        generated=generated,
        chart={name: rows[:CHART_ROWS] for name, rows in chart.items()},
    )
