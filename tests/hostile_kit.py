"""Helpers for the hostile-input tests: small sites, both commands, and the output's fingerprint.

Every hostile test follows one pattern (see `assert_refused`): a site whose previous output
exists, then `mentorsite check` and `mentorsite build` on bad input must both name the
problem (file, line and message), exit 1, print no traceback, finish in time and leave the
previous output byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner
from conftest import BIO, SITE_TOML

#: Seconds any one command may take before the test calls it a hang.
TIMEOUT = 60

#: A valid profile without a photo (so it needs no image file) and with a private email.
PROFILE = f"""\
name: Ada Example
headline: Data leader happy to help with a first management role
tags: [leadership, writing]
industry: technology
location:
  city: Lisbon
  country: PT
languages: [en, pt]
formats: [one-to-one]
availability:
  accepting: true
  capacity: 2
email: ada.private@example.org
bio: |
  {BIO}
"""

GUIDE = """\
---
title: Finding a mentor
summary: Where to look and how to ask.
---
## Where to look

Start with people you already know.
"""


def profile(name: str = "Ada Example", email: str | None = None, **replace: str) -> str:
    """PROFILE for another person (a unique name and private email), with text replaced."""
    first = name.split()[0].lower()
    text = PROFILE.replace("Ada Example", name).replace(
        "ada.private@example.org", email or f"{first}.private@example.org"
    )
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def make_site(
    root: Path, files: dict[str, str | bytes] | None = None, *, toml: str = SITE_TOML, base: bool = True
) -> Path:
    """A site in root: site.toml, (with base) one good profile and one guide, then `files`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(toml, encoding="utf-8")
    (root / "mentors").mkdir(exist_ok=True)
    if base:
        write_files(root, {"mentors/ada.yaml": PROFILE, "content/guides/finding-a-mentor.md": GUIDE})
    write_files(root, files or {})
    return root


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file, folder and link under folder, with a hash of each file's bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int = TIMEOUT):
    """Fail (instead of hanging the suite) if the block runs longer than `seconds`."""

    def expire(signum, frame):
        raise Timeout(f"took longer than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Run:
    code: int
    output: str  # stdout and stderr together

    def assert_clean(self) -> None:
        assert "Traceback" not in self.output, self.output
        assert "internal error" not in self.output, self.output


def cli(*args: str, timeout: int = TIMEOUT) -> Run:
    """`mentorsite ARGS` in-process through click's test runner."""
    from mentorsite.cli import cli as command

    with time_limit(timeout):
        result = CliRunner().invoke(command, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"mentorsite {' '.join(map(str, args))} raised {result.exception!r}\n{result.output}")
    run = Run(result.exit_code, result.output)
    run.assert_clean()
    return run


def subprocess_cli(*args: str, timeout: int = TIMEOUT, env: dict | None = None) -> Run:
    """`python -m mentorsite ARGS` in a real process: catches crashes the runner cannot see."""
    result = subprocess.run(
        [sys.executable, "-m", "mentorsite", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    run = Run(result.returncode, result.stdout + result.stderr)
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {run.output}"
    run.assert_clean()
    return run


@dataclass
class Outcome:
    check: Run
    build: Run


def assert_refused(
    site: Path,
    expected: list[str],
    *,
    out: Path | None = None,
    previous: Path | None = None,
    check_fails: bool = True,
    runner=cli,
) -> Outcome:
    """check and build must both report every `expected` line, exit 1 and leave the output alone.

    The previous output is a real earlier build (copied from `previous`) or, without one, a
    stand-in folder: either way its fingerprint must not change.
    """
    out = out or site.parent / f"{site.name}-out"
    if previous is not None:
        shutil.copytree(previous, out, symlinks=True)
    else:
        write_files(out, {"index.html": "<!doctype html><title>old</title>", "404.html": "old", "sitemap.xml": "old"})
    before = fingerprint(out)
    check = runner("check", site)
    build = runner("build", site, "-o", out)
    for line in expected:
        if check_fails:
            assert line in check.output, f"check did not report {line!r}:\n{check.output}"
        assert line in build.output, f"build did not report {line!r}:\n{build.output}"
    if check_fails:
        assert check.code == 1, check.output
    assert build.code == 1, build.output
    assert "the previous output was left untouched" in build.output
    assert fingerprint(out) == before, "the previous output changed"
    return Outcome(check, build)


def assert_builds(site: Path, out: Path | None = None) -> tuple[Run, Path]:
    out = out or site.parent / f"{site.name}-out"
    run = cli("build", site, "-o", out)
    assert run.code == 0, run.output
    return run, out


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser
