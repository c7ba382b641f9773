"""`mentorsite report`: read the request database and the site, write the figures in one format."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from ..config import load_config
from ..private_file import open_private
from ..receiver.settings import database_location
from ..receiver.store import Store
from .figures import Figures, compute
from .html import render_html
from .profiles import read_site
from .query import Period, read_tallies
from .tables import as_csv, as_json

_DAY = click.DateTime(formats=["%Y-%m-%d"])


def make_report(site: Path, database: str | None, period: Period, *, include_mentees: bool, today: date):
    """(figures, the site) for one period: the database's tallies against the site's profiles."""
    facts = read_site(site, today)
    location = database_location(database or load_config(site).contact.database, site)
    with Store(location, create=False) as store:
        tallies = read_tallies(store.db, period, include_mentees=include_mentees)
    return compute(tallies, period, facts.profiles, facts.facets), facts


def render(figures: Figures, fmt: str, facts, today: date) -> str:
    if fmt == "json":
        return as_json(figures)
    if fmt == "csv":
        return as_csv(figures)
    return render_html(
        figures, title=facts.config.title, language=facts.config.language, messages=facts.messages, generated=today
    )


@click.command("report")
@click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--since", type=_DAY, metavar="YYYY-MM-DD", help="Only requests received on or after this day.")
@click.option("--until", type=_DAY, metavar="YYYY-MM-DD", help="Only requests received on or before this day.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (readable by you only) instead of standard output.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "json", "csv"]), default="html", show_default=True, help="Format."
)
@click.option(
    "--database",
    help="Request database: an SQLite file or a postgresql://user@host/db URL (default: [contact] database in site.toml).",
)
@click.option(
    "--include-mentees",
    is_flag=True,
    help="List mentees by name and address (otherwise they are only counted); the report says so at the top.",
)
def report(
    site: Path,
    since: datetime | None,
    until: datetime | None,
    output: Path | None,
    fmt: str,
    database: str | None,
    include_mentees: bool,
) -> None:
    """Write the coordinator's report: is mentoring happening?

    Requests per week, acceptance rate, time to a first answer, open and expired requests,
    each mentor's load against capacity, demand against supply per facet value, mentors never
    contacted and stale profiles, from the receiver's database (only read) and SITE's profiles.
    The HTML is one self-contained file, safe to mail.
    """
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    today = date.today()
    period = Period(since.date() if since else None, until.date() if until else None)
    figures, facts = make_report(site, database, period, include_mentees=include_mentees, today=today)
    text = render(figures, fmt, facts, today)
    if output is None:
        click.echo(text, nl=False)
        return
    with open_private(output) as handle:
        handle.write(text)
    click.echo(f"wrote {output}: {figures.requests:,} requests", err=True)
