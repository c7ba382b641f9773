"""Helpers shared by the browser tests' conftest and test modules (plain module, importable
by name from tests/browser)."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kit import free_port  # noqa: F401 - also for the tests that import it from here

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MENTORSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The fixed "today" of every browser-test build.
TODAY = date(2026, 11, 23)
INSTALL_HINT = (
    "run `bash scripts/setup.sh --test` (installs Debian's chromium, Playwright for Python from the "
    "`test` extra and axe-core with npm); do not run `playwright install`"
)


def missing(what: str) -> None:
    """Fail under CI, skip elsewhere, saying how to install what is missing."""
    message = f"{what} is not available: {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files, no request log on stderr, no caching surprises between tests."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class StaticServer:
    """A threaded HTTP server on 127.0.0.1 serving `folder`'s parent so folder is at /sub/."""

    def __init__(self, folder: Path, port: int = 0):
        self.folder = folder
        handler = functools.partial(QuietHandler, directory=str(folder.parent))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/{folder.name}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class ServedSite:
    url: str
    root: Path


def example_site_in(language: str, parent: Path) -> Path:
    """A copy of the repository's example site (profiles, guides, site.toml) in another language."""
    site = parent / f"example-{language}"
    for folder in ("mentors", "content"):
        shutil.copytree(ROOT / folder, site / folder)
    settings = (ROOT / "site.toml").read_text(encoding="utf-8")
    assert settings.count('\nlanguage = "en"\n') == 1
    (site / "site.toml").write_text(settings.replace('\nlanguage = "en"\n', f'\nlanguage = "{language}"\n'), "utf-8")
    return site


def build_into(site: Path, out_parent: Path, port: int) -> Path:
    """Build site into out_parent/sub with base URL http://127.0.0.1:port/sub/; returns out."""
    from mentorsite.build import build_site

    out = out_parent / "sub"
    if out.exists():
        shutil.rmtree(out)
    report = build_site(site, out, base_url=f"http://127.0.0.1:{port}/sub/", today=TODAY)
    assert report.written and not report.errors, [d.human() for d in report.errors]
    return out
