"""Invalid sites: each folder of tests/sites/invalid/ is a small broken site plus expected.txt,
the exact output of `mentorsite check --format human` on it (which must exit 1).

Add a case by adding a folder; `UPDATE_GOLDEN=1 pytest tests/test_invalid_sites.py` writes its
expected.txt (read it before committing: it is what a publisher would see).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorsite.cli import cli

INVALID = Path(__file__).parent / "sites" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
EXPECTED = "expected.txt"


def test_there_are_cases():
    """The folder is found and holds the cases (a typo in its path must not pass vacuously)."""
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_invalid_site_gives_exactly_its_expected_diagnostics(case, tmp_path):
    """`check` exits 1 and prints exactly the case's expected.txt (diagnostics, hints and summary)."""
    site = tmp_path / case
    shutil.copytree(INVALID / case, site, ignore=shutil.ignore_patterns(EXPECTED))
    result = CliRunner().invoke(cli, ["check", "--format", "human", str(site)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    expected = INVALID / case / EXPECTED
    if os.environ.get("UPDATE_GOLDEN", "") not in ("", "0"):
        expected.write_text(result.output, encoding="utf-8")
    assert result.output == expected.read_text(encoding="utf-8")
