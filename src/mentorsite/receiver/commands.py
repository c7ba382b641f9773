"""Command-line commands of the receiver: `mentorsite receive` and `mentorsite requests …`.

Registered in ``mentorsite.cli``, whose command group reports problems (MentorsiteError,
e.g. a SettingsError) as one line.

Output leaves at three edges, each with its own escaping: the terminal (``_terminal``: control
characters shown as escapes; in ``show`` a multi-line value is an indented block, so its lines
cannot pass for other fields), CSV (``spreadsheet.safe_cell``: formula triggers neutralised after any
separator, every cell quoted), and the export file (created 0600 before its first byte).
Delivery errors are shown with addresses redacted (``delivery.redact_addresses``; rows stored
by older versions may still quote the recipient).
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click

from ..config import load_config
from ..private_file import open_private as _private_file
from ..spreadsheet import safe_cell as _cell
from .database_url import shown
from .delivery import redact_addresses
from .directory import load_directory
from .erasure import forget, person_data
from .server import serve
from .settings import database_location, resolve
from .store import COLUMNS, STATES, Store, utcnow

site_argument = click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
database_option = click.option(
    "--database",
    help="Request database: an SQLite file or a postgresql://user@host/db URL (default: [contact] database in site.toml).",
)


def _settings(site: Path, **overrides):
    return resolve(site, load_config(site), **overrides)


def _store(site: Path, database: str | None, *, create: bool = False) -> Store:
    return Store(database_location(database or load_config(site).contact.database, site), create=create)


@click.command()
@site_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port (default: the port of [contact] action, else 8787; 0 picks a free one).",
)
@database_option
@click.option(
    "--contacts",
    "contacts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Private addresses file (slug -> email, .toml or .csv), outside the published tree.",
)
@click.option("--smtp-host", help="SMTP server (default: [contact] smtp_host).")
@click.option("--smtp-port", type=click.IntRange(1, 65535), help="SMTP port (default: [contact] smtp_port).")
@click.option("--smtp-security", type=click.Choice(["starttls", "ssl", "none"]), help="SMTP transport security.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="Another origin allowed to post (e.g. http://127.0.0.1:8000 for a preview); repeatable.",
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option(
    "--trusted-proxy",
    help="IP address of the reverse proxy whose X-Forwarded-For gives the client address; without it, "
    "requests forwarded by a local or private address are refused (503).",
)
@click.option("--check", "check_only", is_flag=True, help="Check the settings and the mentors' addresses, then exit.")
def receive(
    site: Path,
    host: str,
    port: int | None,
    database: str | None,
    contacts_file: Path | None,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str | None,
    origins: tuple[str, ...],
    threads: int,
    trusted_proxy: str | None,
    check_only: bool,
) -> None:
    """Receive contact requests for SITE: store them, then deliver them by SMTP.

    The site's form posts here ([contact] mode = "receiver"; action = this server's URL).
    Each request is stored in the database (SQLite, or PostgreSQL shared by several receivers) before the sender gets an answer, then mailed to the
    mentor's private address (or the coordinator) with retries until the SMTP server takes it.
    SMTP credentials come from the environment ($MENTORSITE_SMTP_USERNAME and
    $MENTORSITE_SMTP_PASSWORD unless site.toml names other variables).
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    settings = _settings(
        site,
        database=database,
        contacts_file=contacts_file,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        origins=origins,
    )
    if settings.config.contact.mode != "receiver":
        click.echo(
            f'note: site.toml has [contact] mode = "{settings.config.contact.mode}"; the built pages do not '
            "post to this receiver",
            err=True,
        )
    if check_only:
        directory = load_directory(settings)
        for warning in directory.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(
            f"{len(directory.entries)} mentors, {directory.reachable} reachable; database {shown(settings.database)}; "
            f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}, "
            f"{'login as ' + settings.smtp_username if settings.smtp_username else 'no login'}); "
            f"origins {', '.join(sorted(settings.origins))}"
        )
        return
    if port is None:
        port = urlsplit(settings.config.contact.action).port or 8787
    serve(
        settings, host=host, port=port, threads=threads, trusted_proxy=trusted_proxy, echo=lambda text: click.echo(text)
    )


@click.group("requests")
def requests_group() -> None:
    """Follow up contact requests and honour data-retention rules.

    Reads the receiver's database (site.toml's [contact] database, or --database); safe to run
    while the receiver is running.
    """


def _since(days: float | None) -> datetime | None:
    return datetime.now(UTC) - timedelta(days=days) if days is not None else None


@requests_group.command("list")
@site_argument
@database_option
@click.option(
    "--status", type=click.Choice(["queued", "sending", "sent", "failed"]), help="Only requests in this state."
)
@click.option("--state", type=click.Choice(STATES), help="Only requests at this step of their lifecycle.")
@click.option("--mentor", help="Only requests to this mentor (slug).")
@click.option("--days", type=click.FloatRange(min=0), help="Only requests from the last DAYS days.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=0), help="At most this many (0: all).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, every field.")
def list_requests(
    site: Path,
    database: str | None,
    status: str | None,
    state: str | None,
    mentor: str | None,
    days: float | None,
    limit: int,
    as_json: bool,
) -> None:
    """List requests, newest first, with their lifecycle state and delivery status."""
    with _store(site, database) as store:
        rows = store.rows(status=status, state=state, mentor=mentor, since=_since(days), limit=limit or None)
        counts = store.counts()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row.as_dict(), ensure_ascii=False))
        return
    click.echo("  ".join(f"{n} {s}" for s, n in counts.items()))
    if not rows:
        click.echo("no requests match")
        return
    click.echo(
        f"{'REFERENCE':<13}  {'RECEIVED (UTC)':<16}  {'STATE':<9}  {'STATUS':<7}  {'TRIES':>5}  {'MENTOR':<24}  FROM"
    )
    for row in rows:
        status_text = row.status + ("*" if row.interrupted else "")
        state_text = row.state + ("/closed" if row.closed_at else "")
        click.echo(
            f"{row.reference:<13}  {row.created_at[:16].replace('T', ' '):<16}  {state_text:<9}  {status_text:<7}  "
            f"{row.attempts:>5}  {row.request.mentor:<24.24}  "
            + _terminal(f"{row.request.name} <{row.request.email}>", one_line=True)
        )
        if row.status in ("failed", "queued") and row.last_error:
            click.echo(f"{'':<15}last error: {_terminal(redact_addresses(row.last_error), one_line=True)}")
    if any(r.interrupted for r in rows):
        click.echo("* was being sent when the receiver stopped, and was sent again after the restart")


@requests_group.command("show")
@click.argument("reference")
@site_argument
@database_option
def show_request(reference: str, site: Path, database: str | None) -> None:
    """Show one request in full."""
    with _store(site, database) as store:
        row = store.get(reference)
    if row is None:
        raise click.ClickException(f"no request {reference}")
    values = row.as_dict()
    if values["last_error"]:
        values["last_error"] = redact_addresses(values["last_error"])
    for key, value in values.items():
        click.echo(_field_lines(key, value))


def _terminal(text: str, *, one_line: bool = False) -> str:
    """Text safe to print: control and invisible format characters (ANSI escapes, bidi
    overrides, CR) as visible escapes; with `one_line`, line breaks too."""

    def escape(char: str) -> str:
        if char == "\n" and not one_line:
            return char
        if char == "\t":
            return "\\t" if one_line else char
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
        return char

    return "".join(map(escape, text))


def _field_lines(key: str, value) -> str:
    """`key: value`; a multi-line value as an indented block under `key: |`, so no line of
    it starts at the margin where only field names do."""
    text = _terminal("" if value is None else str(value))
    if "\n" not in text:
        return f"{key}: {text}"
    return f"{key}: |\n" + "\n".join(f"  {line}" for line in text.split("\n"))


@requests_group.command("export")
@site_argument
@database_option
@click.option(
    "--csv", "as_csv", is_flag=True, default=True, help="CSV with a header row (the default and only format)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--status", type=click.Choice(["queued", "sending", "sent", "failed"]), help="Only requests in this state."
)
@click.option("--state", type=click.Choice(STATES), help="Only requests at this step of their lifecycle.")
@click.option("--days", type=click.FloatRange(min=0), help="Only requests from the last DAYS days.")
@click.option(
    "--person",
    metavar="EMAIL",
    help="Instead: everything held about this address, as JSON (a person's right of access).",
)
def export_requests(
    site: Path,
    database: str | None,
    as_csv: bool,
    output: Path | None,
    status: str | None,
    state: str | None,
    days: float | None,
    person: str | None,
) -> None:
    """Export requests (oldest first) as CSV, e.g. for follow-up in a spreadsheet; or, with
    --person, a JSON copy of everything held about one address (requests sent and received,
    their states, timestamps and lifecycle mails)."""
    if person is not None:
        _export_person(site, database, person, output)
        return
    with _store(site, database) as store:
        rows = store.rows(status=status, state=state, since=_since(days), newest_first=False)
    handle = _private_file(output) if output else None
    try:
        # Every cell quoted: a spreadsheet splitting on ";" or tabs still keeps each one whole.
        writer = csv.writer(handle or sys.stdout, lineterminator="\r\n" if handle else "\n", quoting=csv.QUOTE_ALL)
        writer.writerow(COLUMNS)
        for row in rows:
            values = row.as_dict()
            if values["last_error"]:
                values["last_error"] = redact_addresses(values["last_error"])
            writer.writerow([_cell(v) for v in values.values()])
    finally:
        if handle:
            handle.close()
    if output:
        click.echo(f"exported {len(rows)} requests to {output}", err=True)


def _export_person(site: Path, database: str | None, person: str, output: Path | None) -> None:
    if "@" not in person:
        raise click.BadParameter(f"{person!r} is not an address", param_hint="--person")
    with _store(site, database) as store:
        data = person_data(store, person)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with _private_file(output) as handle:
        handle.write(text)
    click.echo(
        f"exported {len(data['requests_sent'])} request(s) sent and {len(data['requests_received'])} received "
        f"by this address to {output}",
        err=True,
    )


@requests_group.command("forget")
@click.argument("email")
@site_argument
@database_option
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
def forget_person(email: str, site: Path, database: str | None, dry_run: bool) -> None:
    """Erase everything held about EMAIL (a person's right to erasure).

    Requests EMAIL sent are deleted with their mails; in requests EMAIL received (as a mentor
    or coordinator) the address and name are replaced by "(erased)" and mails still queued to
    it are not sent. The local part must match exactly, the domain in any case. Deleted data
    is overwritten in the database's files. Running it again erases nothing more.
    """
    if "@" not in email:
        raise click.BadParameter(f"{email!r} is not an address", param_hint="EMAIL")
    with _store(site, database) as store:
        erased = forget(store, email, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{verb}: {erased.requests} request(s) sent with {erased.mails} mail(s); "
        f"address removed from {erased.received} request(s) received; {erased.errors} error text(s) redacted"
    )


@requests_group.command("purge")
@site_argument
@database_option
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.FloatRange(min=0),
    metavar="DAYS",
    help="Delete requests received more than DAYS days ago.",
)
@click.option("--include-undelivered", is_flag=True, help="Also delete requests that were never delivered.")
@click.option(
    "--include-ongoing", is_flag=True, help="Also delete accepted mentorships not yet closed (frees their places)."
)
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge_requests(
    site: Path, database: str | None, days: float, include_undelivered: bool, include_ongoing: bool, dry_run: bool
) -> None:
    """Delete old requests for data retention, with their lifecycle mails: by default those
    delivered or failed, except accepted mentorships not yet closed (`requests close` ends one).

    Deleted data is overwritten in the file (SQLite secure_delete) and the write-ahead log is
    truncated. Run it from cron, e.g. daily: mentorsite requests purge --older-than 180 SITE
    """
    with _store(site, database) as store:
        count = store.purge(
            days, include_undelivered=include_undelivered, include_ongoing=include_ongoing, dry_run=dry_run
        )
    click.echo(f"{'would delete' if dry_run else 'deleted'} {count} request(s) received more than {days:g} days ago")


@requests_group.command("retry")
@click.argument("reference")
@site_argument
@database_option
def retry_request(reference: str, site: Path, database: str | None) -> None:
    """Queue a failed request again (after fixing what made the SMTP server refuse it)."""
    with _store(site, database) as store:
        retried = store.retry(reference)
    if not retried:
        raise click.ClickException(f"{reference}: no failed request with this reference")
    click.echo(f"{reference}: queued again; a running receiver sends it within a few seconds")


@requests_group.command("close")
@click.argument("reference")
@site_argument
@database_option
def close_request(reference: str, site: Path, database: str | None) -> None:
    """Record that the mentorship of an accepted request ended, freeing the mentor's place."""
    with _store(site, database) as store:
        outcome = store.close_mentorship(reference, utcnow())
    reference = reference.strip().upper()
    if outcome.state is None:
        raise click.ClickException(f"no request {reference}")
    if outcome.state != "accepted":
        raise click.ClickException(f"{reference} is {outcome.state}, not accepted: there is no mentorship to close")
    if not outcome.done:
        raise click.ClickException(f"{reference}: the mentorship was already closed at {outcome.at}")
    click.echo(f"{reference}: mentorship closed; {outcome.mentor} has one more free place")


@requests_group.command("withdraw")
@click.argument("reference")
@site_argument
@database_option
def withdraw_request(reference: str, site: Path, database: str | None) -> None:
    """Record that the mentee withdrew a request not yet answered; its answer links then say so."""
    with _store(site, database) as store:
        outcome = store.withdraw(reference, utcnow())
    reference = reference.strip().upper()
    if outcome.state is None:
        raise click.ClickException(f"no request {reference}")
    if not outcome.done:
        raise click.ClickException(
            f"{reference} is {outcome.state} already: only an unanswered request can be withdrawn"
        )
    click.echo(f"{reference}: withdrawn; the mentor's links now say so")


@requests_group.command("pause")
@click.argument("slug")
@site_argument
@database_option
def pause_mentor(slug: str, site: Path, database: str | None) -> None:
    """Show a mentor as paused: the receiver refuses new requests to them (as their "I'm full" link does)."""
    with _store(site, database) as store:
        changed = store.pause(slug, utcnow())
    click.echo(f"{slug}: {'paused' if changed else 'was already paused'}; availability.json shows it within seconds")


@requests_group.command("resume")
@click.argument("slug")
@site_argument
@database_option
def resume_mentor(slug: str, site: Path, database: str | None) -> None:
    """Take a paused mentor off pause, so the receiver takes requests to them again."""
    with _store(site, database) as store:
        changed = store.resume(slug)
    if not changed:
        raise click.ClickException(f"{slug} is not paused")
    click.echo(f"{slug}: resumed; availability.json shows it within seconds")
