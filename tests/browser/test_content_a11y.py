"""axe over Markdown's own structures (issue 12 item 7): a mentor page whose bio has `##`/`####`
headings, footnotes and a task list, and a guide with an image, footnotes and a task list."""

from __future__ import annotations

import pytest
from browser_support import build_into, free_port
from content_kit import write_content_site
from test_accessibility import violations


@pytest.fixture(scope="module")
def content_url(tmp_path_factory, serve_directory) -> str:
    root = tmp_path_factory.mktemp("content-a11y")
    port = free_port()
    return serve_directory(build_into(write_content_site(root / "site"), root / "out", port), port)


@pytest.mark.parametrize("path", ["mentors/ada/", "guides/planning/"])
def test_markdown_structures_have_no_axe_violations(page, content_url, axe, path):
    """heading-order included: no skipped level under the page's own headings."""
    page.goto(content_url + path)
    assert page.locator("input.task-list-item-checkbox").count() >= 1
    assert violations(page, axe) == []
