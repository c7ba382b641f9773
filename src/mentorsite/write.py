"""Write the built site atomically: into a fresh folder, then swap it into place.

A build that fails at any point before the swap leaves the previous output exactly as it
was; readers of the output folder see either the old site or the new one. An incremental
build stages only the files that changed and, once all of them are ready, moves each into
the output (`Staging.apply`): every file is replaced whole, and a failed build still
changes nothing. Serve's builds alone also change some pages in place at that point: a facet
sidebar as long as the old one is written over it (`Staging.splice`, sidebars.in_place).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic

if TYPE_CHECKING:
    from .outputs import Output
    from .sidebars import Placed

_PATH, _ORIGIN = attrgetter("path"), attrgetter("origin")

#: Held while a page of serve's folder is changed in place (Staging.apply writes a spliced
#: sidebar); the preview server reads pages under it, so none is sent half changed.
IN_PLACE = threading.Lock()

_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
#: Bytes that continue the local part of an address to the left ("x.ada@" is not "ada@").
_LOCAL_CONTINUES = _ALNUM | frozenset(b"._%+-")


@lru_cache(maxsize=8)
def private_strings(emails: frozenset[str]) -> PrivateStrings:
    """The matcher of these addresses, made once: a build asks for the same set several times,
    and serve at every rebuild."""
    return PrivateStrings(emails)


class PrivateStrings:
    """Finds private email addresses in bytes, whatever punctuation surrounds them.

    Matching is by the address itself, case-insensitively, not by first cutting out
    "email-like" words: those swallow neighbouring characters that may legally sit in an
    address ("ada@x.org." at the end of a sentence, "?email=ada@x.org" in a link, quotes) and
    then miss. An address counts when it is not part of a longer one.
    """

    def __init__(self, emails: set[str] | frozenset[str] = frozenset()):
        self.by_domain: dict[bytes, set[bytes]] = {}
        for email in emails:
            local, at, domain = email.strip().lower().encode("utf-8").rpartition(b"@")
            if at and local and domain:
                self.by_domain.setdefault(domain, set()).add(local)
        self._longest = max(map(len, self.by_domain), default=0)

    def __bool__(self) -> bool:
        return bool(self.by_domain)

    def found_in(self, data: bytes) -> bool:
        if not self.by_domain or b"@" not in data:
            return False
        lower = data.lower()
        at = lower.find(b"@")
        while at >= 0:
            tail = lower[at + 1 : at + 3 + self._longest]
            for end in range(1, min(len(tail), self._longest) + 1):
                locals_ = self.by_domain.get(tail[:end])
                if not locals_ or not self._domain_ends(tail, end):
                    continue
                head = lower[max(0, at - 64) : at]
                for local in locals_:
                    before = len(head) - len(local) - 1
                    if head.endswith(local) and (before < 0 or head[before] not in _LOCAL_CONTINUES):
                        return True
            at = lower.find(b"@", at + 1)
        return False

    @staticmethod
    def _domain_ends(tail: bytes, end: int) -> bool:
        # "ada@x.org" ends at a space, a quote, a full stop that ends a sentence…, but not
        # inside "ada@x.organic" or "ada@x.org.uk".
        if end >= len(tail):
            return True
        following = tail[end]
        if following in _ALNUM or following == ord("-"):
            return False
        return not (following == ord(".") and end + 1 < len(tail) and tail[end + 1] in _ALNUM)


class Staging:
    """A temporary output folder next to the destination (same file system, so rename works)."""

    def __init__(self, destination: Path, private: set[str] | frozenset[str] = frozenset()):
        self.destination = destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{destination.name}.building-", dir=destination.parent))
        # mkdtemp makes the folder private (0700); the published site must be readable by a
        # web server running as another user, as a plain mkdir would make it.
        umask = os.umask(0)
        os.umask(umask)
        self.root.chmod(0o777 & ~umask)
        self.paths: dict[str, str] = {}  # output path -> what produced it
        #: Addresses that must never be published (mentors' private emails).
        self.private = private_strings(frozenset(private))
        #: Output files that contained a private string; a build with any must not commit.
        self.leaked: list[str] = []
        #: Paths written into the staging folder (all claimed paths but those an incremental build keeps).
        self.written: set[str] = set()
        #: Where the facet sidebar lies in the pages written that record it (runner.SidebarWork).
        self.placed: dict[str, Placed] = {}
        #: Pages whose facet sidebar was patched, not rendered (a private address found: not written).
        self.patched: set[str] = set()
        #: Pages whose new sidebar is written over the old one in the destination's file (splice):
        #: path -> (offset, bytes).
        self.spliced: dict[str, tuple[int, bytes]] = {}
        #: Files are staged side by side, not in the output's folders, when the build moves them
        #: into the existing output one by one (apply): serve's builds. Making and removing a
        #: staging folder per page was a third of the file system's work after a tag edit.
        self.flat = False
        self._dirs: set[str] = set()

    @property
    def count(self) -> int:
        return len(self.paths)

    def claim_all(self, outputs: Sequence[Output], paths: Sequence[str] | None = None) -> None:
        """Claim the path of each output (with its origin), as claim does one by one. `paths`:
        the outputs' paths, in order, when the caller has them."""
        claims = dict(zip(map(_PATH, outputs) if paths is None else paths, map(_ORIGIN, outputs), strict=True))
        if len(claims) == len(outputs) and self.paths.keys().isdisjoint(claims):
            self.paths.update(claims)  # in C: no collision
            return
        for output in outputs:
            self.claim(output.path, output.origin)  # the first collision, as claim reports it

    def claim(self, path: str, origin: str) -> None:
        """Reserve an output path, or raise OutputCollision if something else has it."""
        if path in self.paths:
            raise OutputCollision(path, self.paths[path], origin)
        self.paths[path] = origin

    def put(self, path: str, content: str | bytes) -> bool:
        """Write a claimed path; False (and nothing written) if it holds private data."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        if self.private.found_in(data):
            return False
        with open(self._staged(path), "wb") as file:
            file.write(data)
        self.written.add(path)
        return True

    def splice(self, path: str, data: bytes, where: Placed) -> None:
        """Write `data` over the destination file's bytes at `where` when the build is applied
        (the same length: the rest of the file stays). Only for a flat staging folder (serve's),
        whose destination nothing else writes; sidebars.in_place has checked the file and the
        bytes for private addresses."""
        assert self.flat, "only files of serve's own folder are changed in place"
        assert len(data) == where.end - where.start
        self.spliced[path] = (where.start, data)
        self.placed[path] = where
        self.patched.add(path)

    def _staged(self, path: str) -> str:
        """Where `path` is staged (its folders made)."""
        if self.flat:
            return os.path.join(self.root, hashlib.blake2b(path.encode(), digest_size=16).hexdigest())
        parent = path.rpartition("/")[0]
        if parent not in self._dirs:
            (self.root / parent).mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return os.path.join(self.root, path)

    def write(self, path: str, content: str | bytes, origin: str) -> None:
        self.claim(path, origin)
        if not self.put(path, content):
            self.leaked.append(path)

    def copy(self, path: str, source: Path, origin: str) -> None:
        self.claim(path, origin)
        self.put_copy(path, source)

    def put_copy(self, path: str, source: Path) -> None:
        """Copy a file to a claimed path as it is (a resized photo: an image, not text to search for addresses)."""
        shutil.copyfile(source, self._staged(path))
        self.written.add(path)

    def leaks_in(self, paths: list[str], private: PrivateStrings) -> list[str]:
        """Those of `paths`, files already in the destination, that hold one of `private`."""
        if not private:
            return []
        return [path for path in paths if private.found_in((self.destination / path).read_bytes())]

    def commit(self) -> None:
        """Swap the staged folder into place."""
        assert not self.flat, "a flat staging folder is applied, not swapped"
        old = None
        if self.destination.exists() or self.destination.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.old-", dir=self.destination.parent))
            os.rename(self.destination, old / "site")
        os.rename(self.root, self.destination)
        if old is not None:
            _remove_later(old)

    def commit_keeping(self, kept: Iterable[str]) -> None:
        """Swap the staged folder into place (commit) after linking the destination's `kept`
        files into it, as they are (same inode, size and times). For an incremental build that
        wrote most files again: linking the few kept ones is cheaper than moving thousands of new
        ones one by one, and the whole output changes at once, as after a cold build. Files
        and folders no output claims are left behind with the old folder."""
        made: set[Path] = set()
        for path in kept:
            target = self.root / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(self.destination / path, target, follow_symlinks=False)
            except OSError:  # a file system without hard links: a copy, times included
                shutil.copy2(self.destination / path, target, follow_symlinks=False)
        self.commit()

    def apply(self, stale: Iterable[str], stale_folders: Iterable[str] = ()) -> None:
        """Move the staged files into the existing destination, one atomic rename each, after
        deleting the files and folders (deepest first) that no output claims any more."""
        # Stale ones first: a new file may take the place of a folder that held only stale ones.
        for path in stale:
            with contextlib.suppress(FileNotFoundError):
                (self.destination / path).unlink()
        for folder in stale_folders:
            shutil.rmtree(self.destination / folder, ignore_errors=True)
        destination = str(self.destination)
        for path in self.written:
            target = os.path.join(destination, path)
            try:
                os.replace(self._staged(path), target)
            except FileNotFoundError:  # the first file of its folder (a new profile's page)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(self._staged(path), target)
        for path, (start, data) in self.spliced.items():
            _write_in_place(os.path.join(destination, path), start, data)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _write_in_place(target: str, start: int, data: bytes) -> None:
    """Write `data` at `start` in `target`, under IN_PLACE. A file that cannot be written whole
    is removed: the manifest then has no entry for it, and the next build renders it."""
    with IN_PLACE:
        try:
            handle = os.open(target, os.O_WRONLY)
            try:
                done = os.pwrite(handle, data, start)
            finally:
                os.close(handle)
        except OSError:
            done = -1
        if done != len(data):
            with contextlib.suppress(OSError):
                os.unlink(target)


def unsafe_destination(site_dir: Path, destination: Path) -> str | None:
    """Why the build must not swap `destination` for the new site (it replaces the folder
    wholesale, deleting what was there), or None when it may."""
    site = site_dir.resolve()
    # The last component stays unresolved: a symbolic link there is replaced, not followed.
    target = (
        destination.parent.resolve() / destination.name
        if destination.name not in ("", ".", "..")
        else destination.resolve()
    )
    if target == site or target in site.parents:
        return "the output folder would replace the site itself (or a folder holding it)"
    from .config import SITE_INPUTS  # here: the up-to-date check reads cache files without the config's models

    if target.parent == site and target.name.casefold() in SITE_INPUTS:
        return f"the output folder would replace the site's own '{target.name}'"
    if target.is_symlink() or not target.exists():
        return None
    if not target.is_dir():
        return "the output path is a file, not a folder"
    if any(target.iterdir()) and not any(
        (target / name).is_file() for name in ("index.html", "404.html", "sitemap.xml")
    ):
        return "the output folder is not empty and does not look like a built site; it would be deleted"
    return None


def replace_file(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all (a reader sees the old one or the new one); on a
    read-only site, nothing is kept."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


class OutputCollision(Exception):
    """Two sources want the same output file (e.g. a page and the directory)."""

    def __init__(self, path: str, first: str, second: str):
        self.diagnostic = Diagnostic(
            second,
            0,
            0,
            f"'{path}' would be written twice: by {first} and by {second}",
            "rename one of them; every page needs its own URL",
        )
        super().__init__(self.diagnostic.human())


def _remove_later(folder: Path) -> None:
    """Delete the replaced output without making the build wait for it.

    Deleting tens of thousands of files takes seconds; the new site is already in place, so
    a detached `rm` finishes the job. Without one (Windows), delete in-process.
    """
    rm = shutil.which("rm")
    if rm and os.name == "posix":
        subprocess.Popen(
            [rm, "-rf", "--", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    else:  # pragma: no cover
        shutil.rmtree(folder, ignore_errors=True)
