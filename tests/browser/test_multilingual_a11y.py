"""axe on the example site built in English and French (issue 12 item 4): pages of both trees,
with the language switcher in the header, in the light and the dark colour scheme."""

from __future__ import annotations

import pytest
from browser_support import build_into, free_port
from test_accessibility import violations
from test_multilingual import bilingual_example


@pytest.fixture(scope="module")
def bilingual_url(tmp_path_factory, serve_directory) -> str:
    root = tmp_path_factory.mktemp("bilingual-a11y")
    port = free_port()
    return serve_directory(build_into(bilingual_example(root / "site"), root / "out", port), port)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path", ["", "fr/", "fr/mentors/", "fr/guides/code-of-conduct/", "fr/guides/finding-a-mentor/"]
)
def test_both_trees_have_no_axe_violations(page, bilingual_url, axe, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(bilingual_url + path)
    assert page.locator("nav.language-nav a[aria-current='page']").count() == 1
    assert violations(page, axe) == []
