"""Write the built site atomically: into a fresh folder, then swap it into place.

A build that fails at any point before the swap leaves the previous output exactly as it
was; readers of the output folder see either the old site or the new one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .diagnostics import Diagnostic

_EMAIL_LIKE = re.compile(rb"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class Staging:
    """A temporary output folder next to the destination (same file system, so rename works)."""

    def __init__(self, destination: Path):
        self.destination = destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{destination.name}.building-", dir=destination.parent))
        self.paths: dict[str, str] = {}  # output path -> what produced it
        self.count = 0

    def _target(self, path: str, origin: str) -> Path:
        if path in self.paths:
            raise OutputCollision(path, self.paths[path], origin)
        self.paths[path] = origin
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        self.count += 1
        return target

    def write(self, path: str, content: str | bytes, origin: str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self._target(path, origin).write_bytes(data)

    def copy(self, path: str, source: Path, origin: str) -> None:
        shutil.copyfile(source, self._target(path, origin))

    def leaks(self, private: set[str]) -> list[str]:
        """Output files containing any of the private strings (emails), as relative paths."""
        if not private:
            return []
        wanted = {p.lower().encode() for p in private}
        found = []
        for file in sorted(self.root.rglob("*")):
            if file.is_file() and file.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp", ".gif"):
                data = file.read_bytes()
                if b"@" in data and any(m.group(0).lower() in wanted for m in _EMAIL_LIKE.finditer(data)):
                    found.append(file.relative_to(self.root).as_posix())
        return found

    def commit(self) -> None:
        """Swap the staged folder into place."""
        old = None
        if self.destination.exists() or self.destination.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.old-", dir=self.destination.parent))
            os.rename(self.destination, old / "site")
        os.rename(self.root, self.destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class OutputCollision(Exception):
    """Two sources want the same output file (e.g. a page and the directory)."""

    def __init__(self, path: str, first: str, second: str):
        self.diagnostic = Diagnostic(second, 0, 0, f"'{path}' would be written twice: by {first} and by {second}",
                                     "rename one of them; every page needs its own URL")
        super().__init__(self.diagnostic.human())
