"""The `mentorsite` command: parse arguments, call the pipeline, print, exit.

Exit codes: 0 success, 1 the site has errors (or warnings under --strict), 2 usage errors.
No input produces a traceback: unexpected failures are reported as one line and exit 1.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .diagnostics import format_diagnostics


def _no_traceback(func):
    """Report an unexpected failure as one line; a traceback helps no editor."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # pragma: no cover - the safety net itself
            click.echo(f"mentorsite: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("please report this with the input that caused it", err=True)
            sys.exit(1)

    return wrapper


site_argument = click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mentorsite")
def cli() -> None:
    """Build a mentor directory and resource hub as a static website.

    A site is a folder with site.toml, mentors/*.yaml (one profile each), content/ (guides in
    Markdown) and optional templates/ overrides. Start one with `mentorsite init DIR`.
    """


def _print_report(report, fmt: str = "human") -> None:
    if report.diagnostics:
        text = format_diagnostics(report.diagnostics, fmt)
        click.echo(text, err=(fmt == "human"))


@cli.command()
@site_argument
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: output_dir from site.toml).")
@click.option("--base-url", help="Publish under this URL instead of site.toml's base_url (e.g. for a preview).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, not just their number.")
@_no_traceback
def build(site: Path, output: Path | None, base_url: str | None, strict: bool, verbose: bool) -> None:
    """Build the site into its output folder, atomically.

    If anything is wrong, nothing is written and the previous output stays as it was.
    Errors are always printed; warnings with --verbose (or see them with `mentorsite check`).
    """
    from .build import build_site

    report = build_site(site, output, base_url=base_url, strict=strict)
    shown = report.diagnostics if (verbose or strict) else report.errors
    if shown:
        click.echo(format_diagnostics(shown), err=True)
    if not report.written:
        blocking = len(report.errors) + (len(report.warnings) if strict else 0)
        click.echo(f"build failed: {blocking} problem(s); the previous output was left untouched", err=True)
        sys.exit(1)
    hint = "" if verbose or not report.warnings else "; see them with `mentorsite check`"
    click.echo(f"built {report.mentors} mentors: {report.pages} pages, {report.files} files "
               f"into {report.output} in {report.seconds:.2f} s ({len(report.warnings)} warnings{hint})")


@cli.command()
@site_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["human", "github", "json"]), default="human", show_default=True,
              help="human: path:line:col: message; github: Actions annotations; json: for tools.")
@_no_traceback
def check(site: Path, strict: bool, fmt: str) -> None:
    """Validate site.toml, every profile and every guide; report every problem at once."""
    from .build import check_site

    _, _, report = check_site(site)
    _print_report(report, fmt)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if fmt == "human":
        click.echo(f"checked {report.mentors} valid profiles: {len(report.errors)} errors, {len(report.warnings)} warnings",
                   err=failed)
    sys.exit(1 if failed else 0)


@cli.group()
def new() -> None:
    """Create new content from a template."""


@new.command("mentor")
@click.argument("name")
@site_argument
@_no_traceback
def new_mentor(name: str, site: Path) -> None:
    """Write mentors/<slug>.yaml for NAME: a valid, commented profile to fill in."""
    from .scaffold import mentor_profile, slugify

    slug = slugify(name)
    if not slug or not name.strip():
        raise click.BadParameter("the name needs at least one letter or digit", param_hint="NAME")
    if not (site / "site.toml").is_file():
        raise click.ClickException(f"{site} is not a mentorsite site (no site.toml)")
    target = site / "mentors" / f"{slug}.yaml"
    if target.exists():
        raise click.ClickException(f"{target} already exists")
    from .config import load_config
    from .diagnostics import InputError

    first_tag = "leadership"
    try:
        config = load_config(site)
        tags = next((f for f in config.facets if f.source_field == "tags"), None)
        if tags and tags.values:
            first_tag = next(iter(tags.values))
    except InputError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(mentor_profile(name.strip(), date.today(), first_tag), encoding="utf-8")
    click.echo(f"wrote {target}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_no_traceback
def init(directory: Path) -> None:
    """Create a new site in DIRECTORY with a starter config, profile and guide."""
    from .scaffold import init_site

    try:
        files = init_site(directory, date.today())
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {len(files)} files in {directory}; next: mentorsite build {directory}")


@cli.command()
@site_argument
@click.option("--port", default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@_no_traceback
def serve(site: Path, port: int, host: str) -> None:
    """Build the site, then serve it locally for preview (not for production)."""
    from .build import build_site
    from .serve import serve_directory

    base_url = f"http://{host}:{port}/"
    report = build_site(site, base_url=base_url)
    if report.errors:
        click.echo(format_diagnostics(report.errors), err=True)
    if not report.written:
        click.echo("build failed; nothing to serve", err=True)
        sys.exit(1)
    click.echo(f"built {report.pages} pages; serving {report.output} at {base_url} (Ctrl+C stops)")
    serve_directory(report.output, host, port)


def main() -> None:
    cli(prog_name="mentorsite")


if __name__ == "__main__":
    main()
