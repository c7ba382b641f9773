"""The `mentorsite` command: parse arguments, call the pipeline, print, exit.

Exit codes: 0 success, 1 the site has errors (or warnings under --strict), 2 usage errors.
No input produces a traceback: problems are MentorsiteError (with their exit code); anything
else is an internal error, reported as one line and exit 1 (its traceback with --debug).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
from datetime import date
from pathlib import Path

import click

from . import __version__
from .diagnostics import InputError, MentorsiteError, counted, format_diagnostics, printable
from .textrules import SLUG_MAX, is_slug, slugify

#: Commands whose modules load only when they run (or `--help` lists them): a build never
#: needs the receiver's server and store or the report's tables, a tenth of a second to import.
LAZY_COMMANDS = {
    # The bundled contact-request receiver (issue 4).
    "receive": "mentorsite.receiver.commands:receive",
    "requests": "mentorsite.receiver.commands:requests_group",
    # The coordinator's report (issue 13).
    "report": "mentorsite.report.command:report",
}


class Commands(click.Group):
    """The command group: a MentorsiteError becomes its message (or diagnostics) and exit code;
    any other exception, an internal error, one line, or its traceback with --debug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, name = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command) and command.name == cmd_name
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except MentorsiteError as exc:
            click.echo(format_diagnostics(exc.diagnostics) if exc.diagnostics else f"mentorsite: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if ctx.params.get("debug"):
                click.echo(traceback.format_exc().rstrip(), err=True)
            click.echo(f"mentorsite: internal error: {type(exc).__name__}: {printable(str(exc))}", err=True)
            if not ctx.params.get("debug"):
                click.echo(
                    "run again with --debug (or MENTORSITE_DEBUG=1) for the traceback, and please report it",
                    err=True,
                )
            sys.exit(1)


VERBOSE_HELP = "Print a warning repeated in many files for each file, instead of once as a summary."
site_argument = click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mentorsite")
@click.option(
    "--debug",
    is_flag=True,
    envvar="MENTORSITE_DEBUG",
    help="Show the traceback of an internal error (also: MENTORSITE_DEBUG=1).",
)
def cli(debug: bool) -> None:
    """Build a mentor directory and resource hub as a static website.

    A site is a folder with site.toml, mentors/*.yaml (one profile each), content/ (guides in
    Markdown) and optional templates/ overrides. Start one with `mentorsite init DIR`.
    """


def _print_report(report, fmt: str = "human", *, verbose: bool = True) -> None:
    if report.diagnostics:
        text = format_diagnostics(report.diagnostics, fmt, verbose=verbose)
        click.echo(text, err=(fmt == "human"))


# The summary lines of `check` and `build`, in one place.
def checked_line(mentors: int, errors: int, warnings: int) -> str:
    return f"checked {counted(mentors, 'valid profile')}: {counted(errors, 'error')}, {counted(warnings, 'warning')}"


def built_line(report) -> str:
    """`built 10,000 mentors: 3 pages rendered, 13,398 unchanged into _site in 0.21 s (…)`."""

    def n(count: int, noun: str) -> str:
        return f"{count:,} {noun if count == 1 else noun + 's'}"

    return (
        f"built {n(report.mentors, 'mentor')}: {n(report.rendered, 'page')} rendered, {report.unchanged:,} unchanged "
        f"into {report.output} in {report.seconds:.2f} s ({n(report.pages, 'page')}, {n(report.files, 'file')}; "
        f"{counted(len(report.warnings), 'warning')})"
    )


def build_failed_line(problems: int) -> str:
    return f"build failed: {counted(problems, 'problem')}; the previous output was left untouched"


@cli.command()
@site_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: output_dir from site.toml).",
)
@click.option("--base-url", help="Publish under this URL instead of site.toml's base_url (e.g. for a preview).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-v", "--verbose", is_flag=True, help=VERBOSE_HELP)
@click.option(
    "--clean", is_flag=True, help="Render every page again instead of reusing the last build's unchanged ones."
)
def build(site: Path, output: Path | None, base_url: str | None, strict: bool, verbose: bool, clean: bool) -> None:
    """Build the site into its output folder.

    Pages whose inputs did not change since the last build are kept as they are (the cache
    is in .mentorsite-cache/build/); --clean builds everything afresh. If anything is wrong,
    nothing is written and the previous output stays as it was. Errors and warnings are
    printed; a warning repeated in many files is printed once, as a summary, unless
    --verbose. A base_url on localhost draws a warning (it is not a publishable site) unless
    --base-url is given; `serve` previews never warn about it.
    """
    import time

    from . import uptodate
    from .buildreport import unchanged_report

    started = time.perf_counter()
    # Nothing changed since the last build of this request? Then its report is the answer,
    # found before the pipeline (Jinja, pydantic models, the theme) is even imported.
    inputs = uptodate.take_snapshot(site)
    record = None
    if not clean:
        request = uptodate.record_path(site, output, base_url, strict)
        record = uptodate.current_record(site, request, inputs, date.today())
    if record is not None:
        report = unchanged_report(record, started)
    else:
        from .build import build_site

        report = build_site(
            site, output, base_url=base_url, strict=strict, clean=clean, hold=_ENDS_PROCESS, inputs=inputs
        )
    if report.diagnostics:
        click.echo(format_diagnostics(report.diagnostics, verbose=verbose), err=True)
    if not report.written:
        blocking = len(report.errors) + (len(report.warnings) if strict else 0)
        click.echo(build_failed_line(blocking), err=True)
        sys.exit(1)
    click.echo(built_line(report))
    _end_process(report)


@cli.command()
@site_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("-v", "--verbose", is_flag=True, help=VERBOSE_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "github", "json"]),
    default="human",
    show_default=True,
    help="human: path:line:col: message; github: Actions annotations; json: for tools.",
)
@click.option(
    "--changed",
    metavar="[BASE]",
    is_flag=False,
    flag_value="",
    default=None,
    help="Only report problems in files changed since the merge base with BASE (default: origin/main, "
    "else main); site-wide rules such as duplicates still compare every profile.",
)
def check(site: Path, strict: bool, verbose: bool, fmt: str, changed: str | None) -> None:
    """Validate site.toml, every profile and every guide; report every problem at once."""
    from .build import check_site
    from .changes import run_changed_check

    if changed is not None:
        sys.exit(run_changed_check(site, changed or None, strict=strict, fmt=fmt, today=date.today()))
    config, loaded, report = check_site(site)  # photos included, as the build checks them
    _print_report(report, fmt, verbose=verbose)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if fmt == "human":
        click.echo(checked_line(report.mentors, len(report.errors), len(report.warnings)), err=failed)
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("base", required=False)
@site_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="markdown: for a pull request's job summary.",
)
def changes(base: str | None, site: Path, fmt: str) -> None:
    """List the mentors added, changed, renamed and removed since the merge base with BASE.

    BASE defaults to origin/main if it exists, else main. Uncommitted edits count.
    """
    from .changes import GitError, changed_since, format_changes, mentor_changes

    try:
        changeset = changed_since(site, base)
    except GitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_changes(mentor_changes(site, changeset), fmt, changeset.base))


@cli.command()
@site_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write here instead (- for standard output); default: schema/mentor.schema.json in the site.",
)
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if the site's schema file is stale.")
def schema(site: Path, output: str | None, check_only: bool) -> None:
    """Write the JSON Schema of a mentor profile, with the site's vocabularies.

    Editors with YAML schema support autocomplete and check profiles as you type; profiles
    from `mentorsite new mentor` point at the schema on their first line.
    """
    from .config import load_config
    from .schema import schema_file, schema_text, write_schema

    config = load_config(site)
    if check_only:
        target = Path(output) if output and output != "-" else schema_file(site)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != schema_text(config):
            click.echo(
                f"{target} is {'missing' if current is None else 'stale'}; run: mentorsite schema {site}", err=True
            )
            sys.exit(1)
        click.echo(f"{target} is current")
        return
    if output == "-":
        click.echo(schema_text(config), nl=False)
        return
    target, changed = write_schema(site, config, Path(output) if output else None)
    click.echo(f"{'wrote' if changed else 'unchanged:'} {target}")


@cli.command()
@site_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def tags(site: Path, fmt: str) -> None:
    """Show how many mentors use each facet value (paused ones marked) and values nobody uses."""
    from .build import check_site
    from .usage import facet_usage, format_usage

    config, loaded, report = check_site(site)
    if config is None:
        _print_report(report)
        sys.exit(1)
    invalid = len({d.path for d in report.errors if d.path.startswith("mentors/")})
    click.echo(format_usage(facet_usage(config, loaded), fmt, invalid=invalid))


@cli.group()
def new() -> None:
    """Create new content from a template."""


@new.command("mentor")
@click.argument("name")
@click.option(
    "--slug",
    help="The profile's file name and URL segment (lower-case a-z, 0-9, hyphens); by default transliterated from NAME.",
)
@site_argument
def new_mentor(name: str, slug: str | None, site: Path) -> None:
    """Write mentors/<slug>.yaml for NAME: a valid, commented profile to fill in."""
    from .config import load_config
    from .scaffold import mentor_profile
    from .schema import schema_file, write_schema

    if not any(c.isalnum() for c in name):
        raise click.BadParameter("the name needs at least one letter or digit", param_hint="NAME")
    if slug is not None and not is_slug(slug):
        suggestion = slugify(slug)
        raise click.BadParameter(
            f"'{slug}' is not a slug (lower-case a-z, 0-9 and single hyphens, at most {SLUG_MAX})"
            + (f"; try '{suggestion}'" if suggestion else ""),
            param_hint="--slug",
        )
    slug = slug or slugify(name)
    if not slug:
        raise click.BadParameter("nothing in the name can make a slug; give one with --slug", param_hint="NAME")
    if not (site / "site.toml").is_file():
        raise click.ClickException(f"{site} is not a mentorsite site (no site.toml)")
    target = site / "mentors" / f"{slug}.yaml"
    if target.exists():
        raise click.ClickException(f"{target} already exists")
    first_tag, config = "leadership", None
    try:
        config = load_config(site)
        tags = next((f for f in config.facets if f.source_field == "tags"), None)
        if tags and tags.values:
            first_tag = next(iter(tags.values))
    except InputError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    own_fields = config.fields if config is not None else []
    target.write_text(mentor_profile(name.strip(), date.today(), first_tag, fields=own_fields), encoding="utf-8")
    click.echo(f"wrote {target}")
    if config is not None and not schema_file(site).is_file():  # the profile's first line points at it
        click.echo(f"wrote {write_schema(site, config)[0]}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--host",
    type=click.Choice(["github", "gitlab", "netlify"]),
    default="github",
    show_default=True,
    help="Where the site is published: the continuous-integration files init writes for it.",
)
def init(directory: Path, host: str) -> None:
    """Create a new site repository in DIRECTORY: starter config, profile and guide, workflows
    that check pull requests and publish the site, a contributor guide and editor settings.

    DIRECTORY may be a freshly cloned, empty repository (with only .git, a README, a licence
    or .gitignore); init never overwrites a file.
    """
    from .scaffold import init_site

    try:
        files = init_site(directory, date.today(), host)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {len(files)} files in {directory}; next: mentorsite build {directory}")
    click.echo(PUBLISH_STEPS[host])


#: What `init` tells a new publisher to do once, on the host, for the site to go live.
PUBLISH_STEPS = {
    "github": "to publish: push to GitHub, then Settings → Pages → Source: GitHub Actions (see CONTRIBUTING.md)",
    "gitlab": "to publish: push to GitLab; every push to the default branch publishes with GitLab Pages",
    "netlify": "to publish: push to GitHub, then import the repository in Netlify (netlify.toml has the settings)",
}


@cli.command()
@site_argument
@click.option("--port", default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(site: Path, port: int, host: str) -> None:
    """Preview the site locally; every save rebuilds it and reloads open tabs (not for production).

    Previews are built under .mentorsite-cache/serve/ with a localhost base URL; output_dir is
    never touched. A broken edit shows its problems here and over the page, which keeps showing
    the last good build until the edit is fixed.
    """
    if not (site / "site.toml").is_file():
        raise click.ClickException(f"{site} is not a mentorsite site (no site.toml)")
    # `kill` stops the preview as Ctrl+C does: cleanly, removing its folder.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    from .serve.session import ServeError, serve_site  # the watcher and HTTP server: only here

    try:
        serve_site(site, host, port, click.echo)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("stopped")


#: True when this module runs as the `mentorsite` command (main), not inside another program
#: (a test's CliRunner): only then may a finished build end the process itself.
_ENDS_PROCESS = False


def _end_process(*kept: object) -> None:
    """End the `mentorsite` process now that everything is written and printed, without taking
    apart what a build made: freeing the objects of 10,000 mentors one by one, then the
    interpreter's own teardown, took 1.6 s after the work was done. `kept` stays referenced
    until then. Does nothing inside another program."""
    if not _ENDS_PROCESS:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    global _ENDS_PROCESS
    _ENDS_PROCESS = True
    cli(prog_name="mentorsite")


if __name__ == "__main__":
    main()
