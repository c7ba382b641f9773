"""Files that hold personal data (request exports, reports naming mentees, a person's copy):
readable by their owner only from before the first byte is written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO


def open_private(path: Path) -> TextIO:
    """`path` opened for writing text, mode 0600 from the start (an existing file is narrowed
    before it is truncated)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        return os.fdopen(fd, "w", newline="", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
