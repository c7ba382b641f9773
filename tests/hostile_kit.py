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
from kit import GOOD_PROFILE, drop_lines

#: Seconds any one command may take before the test calls it a hang.
TIMEOUT = 60

#: The valid profile without photo (so it needs no image file), time zone and review date (so
#: no date-based warning ever depends on the calendar); it keeps its private email.
PROFILE = drop_lines(GOOD_PROFILE, "photo:", "timezone:", "last_reviewed:")

GUIDE = """\
---
title: Finding a mentor
summary: Where to look and how to ask.
---
## Where to look

Start with people you already know.
"""

#: The valid site each hostile case starts from (with kit's SITE_TOML): one profile, one guide.
#: A case adds or replaces files: `write_site(root, BASE_SITE, files={...})`.
BASE_SITE = f"""\
-- mentors/ada.yaml --
{PROFILE}
-- content/guides/finding-a-mentor.md --
{GUIDE}"""


def profile(name: str = "Ada Example", email: str | None = None, **replace: str) -> str:
    """PROFILE for another person (a unique name and private email), with text replaced."""
    first = name.split()[0].lower()
    text = PROFILE.replace("Ada Example", name).replace(
        "ada.private@example.org", email or f"{first}.private@example.org"
    )
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


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
        out.mkdir(parents=True)
        for name, text in {
            "index.html": "<!doctype html><title>old</title>",
            "404.html": "old",
            "sitemap.xml": "old",
        }.items():
            (out / name).write_text(text, encoding="utf-8")
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
    """Every start tag of a page with its attributes, its text, and each <script> with the text inside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append((dict(attrs), ""))
            self._in_script = True

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_script:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser
