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

    def __init__(self, destination: Path, private: set[str] | frozenset[str] = frozenset()):
        self.destination = destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{destination.name}.building-", dir=destination.parent))
        self.paths: dict[str, str] = {}  # output path -> what produced it
        #: Strings that must never be published (mentors' private emails), lower-cased.
        self.private = {p.lower().encode() for p in private}
        #: Output files that contained a private string; a build with any must not commit.
        self.leaked: list[str] = []
        self._dirs: set[str] = set()

    @property
    def count(self) -> int:
        return len(self.paths)

    def claim(self, path: str, origin: str) -> None:
        """Reserve an output path, or raise OutputCollision if something else has it."""
        if path in self.paths:
            raise OutputCollision(path, self.paths[path], origin)
        self.paths[path] = origin

    def put(self, path: str, content: str | bytes) -> bool:
        """Write a claimed path; False (and nothing written) if it holds private data."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        if self.private and b"@" in data and any(m.group(0).lower() in self.private for m in _EMAIL_LIKE.finditer(data)):
            return False
        parent = path.rpartition("/")[0]
        if parent not in self._dirs:
            (self.root / parent).mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        (self.root / path).write_bytes(data)
        return True

    def write(self, path: str, content: str | bytes, origin: str) -> None:
        self.claim(path, origin)
        if not self.put(path, content):
            self.leaked.append(path)

    def copy(self, path: str, source: Path, origin: str) -> None:
        self.claim(path, origin)
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def commit(self) -> None:
        """Swap the staged folder into place."""
        old = None
        if self.destination.exists() or self.destination.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.old-", dir=self.destination.parent))
            os.rename(self.destination, old / "site")
        os.rename(self.root, self.destination)
        if old is not None:
            _remove_later(old)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class OutputCollision(Exception):
    """Two sources want the same output file (e.g. a page and the directory)."""

    def __init__(self, path: str, first: str, second: str):
        self.diagnostic = Diagnostic(second, 0, 0, f"'{path}' would be written twice: by {first} and by {second}",
                                     "rename one of them; every page needs its own URL")
        super().__init__(self.diagnostic.human())


def _remove_later(folder: Path) -> None:
    """Delete the replaced output without making the build wait for it.

    Deleting tens of thousands of files takes seconds; the new site is already in place, so
    a detached `rm` finishes the job. Without one (Windows), delete in-process.
    """
    rm = shutil.which("rm")
    if rm and os.name == "posix":
        import subprocess

        subprocess.Popen([rm, "-rf", "--", str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    else:  # pragma: no cover
        shutil.rmtree(folder, ignore_errors=True)
