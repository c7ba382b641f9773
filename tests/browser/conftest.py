"""Browser tests: the example site built under a sub-path, served on 127.0.0.1, driven by
Playwright in the system Chromium (Debian's `chromium`; Playwright's own browser download is
never used).

Fixtures for every browser test file:

- ``served_site`` (session): the repository's example site built with base URL
  ``http://127.0.0.1:PORT/sub/`` and served at ``/sub/`` by a threaded static server;
  ``.url`` is that base URL, ``.root`` the built output folder.
- ``site_url`` (session): ``served_site.url``.
- ``arabic_site`` (session): the same example site with ``language = "ar"`` (right to left),
  built and served the same way.
- ``serve_directory`` (session): factory ``serve_directory(folder) -> base URL`` serving
  another folder (its files appear under ``/sub/``); ``free_port()`` gives the port first when
  a build needs its base URL before serving.
- ``browser`` (per module), ``context`` and ``page`` (per test; ``page.errors`` lists uncaught
  JavaScript errors), ``axe`` (path of axe-core's axe.min.js, from ``npm install``).
- ``oracle`` (session): expected search, filter and match answers for the example site,
  computed in Python from the profiles (search_oracle.py).

Without Chromium, Playwright or axe-core the tests are skipped with the install command, except
under CI (the ``CI`` environment variable), where they fail: CI never skips them silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    TODAY,
    ServedSite,
    StaticServer,
    build_into,
    example_site_in,
    free_port,
    missing,
)


@pytest.fixture(scope="session")
def serve_directory():
    servers: list[StaticServer] = []

    def serve(folder: Path, port: int = 0) -> str:
        server = StaticServer(folder, port)
        servers.append(server)
        return server.url

    yield serve
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def served_site(tmp_path_factory, serve_directory) -> ServedSite:
    port = free_port()
    out = build_into(ROOT, tmp_path_factory.mktemp("browser-site"), port)
    return ServedSite(serve_directory(out, port), out)


@pytest.fixture(scope="session")
def site_url(served_site) -> str:
    return served_site.url


@pytest.fixture(scope="session")
def arabic_site(tmp_path_factory, serve_directory) -> ServedSite:
    port = free_port()
    parent = tmp_path_factory.mktemp("browser-site-ar")
    out = build_into(example_site_in("ar", parent), parent, port)
    return ServedSite(serve_directory(out, port), out)


# Playwright's sync API allows one driver per thread at a time, and a test module may run its own
# (test_contact_browser.py does): the driver and browser therefore live per module, not per session.
@pytest.fixture(scope="module")
def playwright_driver():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium ({CHROMIUM})")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Lisbon")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page


@pytest.fixture(scope="session")
def oracle():
    """Expected search, filter and match answers for the example site (search_oracle.py)."""
    from search_oracle import Oracle

    return Oracle(ROOT, TODAY)


@pytest.fixture(scope="session")
def axe() -> Path:
    if not AXE.is_file():
        missing("axe-core (node_modules/axe-core; `npm install --no-audit --no-fund` at the repo root)")
    return AXE
