"""Is the last build still up to date? Stat every input, and skip the build when nothing moved.

A build records, once its output is in place, a snapshot of everything it read (site.toml,
the schema file, mentors/, content/, templates/, the theme and the tool's own code), the stat
of every output file and folder, and what it reported. The next build with the same request
(site, output, --base-url, --strict, date) takes a snapshot first; when it equals the
recorded one and the output is as it was left, the recorded report is the answer: O(files)
stat calls and no parsing, validating or rendering.

Stat is trusted only where it cannot lie. A snapshot holds (inode, size, mtime, ctime) per
file: an edit that keeps the mtime (`touch -r`, `cp -p`) still moves the ctime, which nothing
but the kernel sets, and a file replaced by one of the same size gets another inode. A file
changed within the timestamp granularity of the snapshot could keep all four, so, as git
does with "racily clean" entries, files stamped shortly before the snapshot are also
digested, and compared by content next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from . import __version__
from .cachefile import read_signed, write_signed
from .diagnostics import Diagnostic

#: Where records are kept, relative to the site (next to the build manifests).
RECORDS_DIR = ".mentorsite-cache/build/requests"
#: Change when the record's layout changes.
RECORD_FORMAT = 1
#: Files stamped this close to a snapshot are digested too: coarse filesystem clocks (a kernel
#: tick; two seconds on FAT) could let a later edit keep every stat field.
RACY_NS = 2_000_000_000
#: Site files and folders a build reads (folders recursively).
BUILD_INPUTS = ("site.toml", "schema", "mentors", "content", "templates", "locales")
#: Packages whose code shapes the output: an upgrade rewrites their files, and so their stats.
DEPENDENCIES = (
    "jinja2",
    "markupsafe",
    "markdown_it",
    "mdit_py_plugins",
    "pydantic",
    "pydantic_core",
    "yaml",
    "PIL",
    "babel",
    "pyuca",
)

#: (inode, size, mtime_ns, ctime_ns, is a symbolic link)
Stat = tuple[int, int, int, int, bool]


@dataclass(frozen=True)
class Snapshot:
    """The stat of every input file by path, and the content digests of the racy ones."""

    stats: dict[str, Stat]
    digests: dict[str, bytes] = field(default_factory=dict)
    #: The tool's version and Python's.
    tool: str = ""


@dataclass(frozen=True)
class Record:
    """What one successful build read, wrote and reported."""

    inputs: Snapshot
    today: date
    output: Path
    #: Relative path ("" for the output folder) -> stat, of every output file and folder.
    written: dict[str, Stat]
    diagnostics: list[Diagnostic]
    mentors: int
    pages: int
    files: int


def stamp(path: str) -> Stat | None:
    """The stat of a file or folder (a symbolic link's own), or None when it is missing."""
    try:
        result = os.lstat(path)
    except OSError:
        return None
    return (
        result.st_ino,
        result.st_size,
        result.st_mtime_ns,
        result.st_ctime_ns,
        (result.st_mode & 0o170000) == 0o120000,
    )


def _walk(top: str, prefix: str, stats: dict[str, Stat]) -> None:
    """Stat every file under `top` (not following symbolic links) into `stats` as prefix + relative path."""
    try:
        entries = list(os.scandir(top))
    except (NotADirectoryError, FileNotFoundError):
        return
    for entry in entries:
        name = prefix + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, name + "/", stats)
                continue
            result = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        stats[name] = (result.st_ino, result.st_size, result.st_mtime_ns, result.st_ctime_ns, entry.is_symlink())


@lru_cache(maxsize=1)
def tool_files() -> dict[str, str]:
    """Code and theme outside the site that shape its output: label -> folder or file."""
    found = {"!tool": str(Path(__file__).parent)}
    theme = Path(__file__).resolve().parents[2] / "templates"  # a checkout's theme (render.theme_dir)
    found["!checkout-theme"] = str(theme)
    for name in DEPENDENCIES:
        with contextlib.suppress(ImportError, ValueError):
            spec = find_spec(name)  # finds, does not import
            if spec is not None and spec.origin:
                found[f"!{name}"] = spec.origin
    return found


def take_snapshot(site_dir: Path) -> Snapshot:
    """Stat every input of a build; digest those stamped within RACY_NS of now."""
    started = time.time_ns()
    stats: dict[str, Stat] = {}
    for name in BUILD_INPUTS:
        _add(str(site_dir / name), name, stats)
    for label, place in tool_files().items():
        _add(place, label, stats)
    digests = {
        path: digest
        for path, stat in stats.items()
        if is_racy(stat, started) and (digest := _content_digest(site_dir, path)) is not None
    }
    return Snapshot(stats, digests, f"{__version__}\0{sys.version}")


def is_racy(stat: Stat, taken_ns: int) -> bool:
    """Whether a file stamped `stat` at `taken_ns` (time.time_ns()) could change and keep its stat."""
    return max(stat[2], stat[3]) >= taken_ns - RACY_NS


def _add(place: str, label: str, stats: dict[str, Stat]) -> None:
    found = stamp(place)
    if found is None:
        return
    if os.path.isdir(place) and not found[4]:
        _walk(place, label + "/", stats)
    else:
        stats[label] = found


def _content_digest(site_dir: Path, path: str) -> bytes | None:
    if path.startswith("!"):
        label, _, rest = path.partition("/")
        place = tool_files().get(label)
        if place is None:
            return None
        full = os.path.join(place, rest) if rest else place
    else:
        full = str(site_dir / path)
    try:
        if os.path.islink(full):
            return hashlib.blake2b(os.readlink(full).encode(), digest_size=16).digest()
        with open(full, "rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).digest()
    except OSError:
        return b"unreadable"


def same_inputs(site_dir: Path, recorded: Snapshot, now: Snapshot) -> bool:
    """Whether the inputs are as recorded: equal stats, and equal content where stats could lie."""
    if recorded.tool != now.tool or recorded.stats != now.stats:
        return False
    for path, digest in recorded.digests.items():
        current = now.digests.get(path) or _content_digest(site_dir, path)
        if current != digest:
            return False
    return True


def record_path(site_dir: Path, output: Path | None, base_url: str | None, strict: bool) -> Path:
    """Where the record of one request is kept: one per output (as given), base URL and strictness."""
    request = repr((str(site_dir.resolve()), str(output.resolve()) if output else None, base_url, strict))
    return site_dir / RECORDS_DIR / f"{hashlib.blake2b(request.encode(), digest_size=8).hexdigest()}.pickle"


def output_stamps(output: Path, paths: Iterable[str]) -> dict[str, Stat] | None:
    """The stat of every output file and of every folder holding one ("mentors/ana/", "/" for
    `output`): a file added by hand changes its folder's. None when a file is missing."""
    stats: dict[str, Stat] = {}
    folders = {""}
    top = str(output)
    for path in paths:
        found = stamp(os.path.join(top, path))
        if found is None:
            return None
        stats[path] = found
        folder = path.rpartition("/")[0]
        while folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    for folder in folders:
        found = stamp(os.path.join(top, folder) if folder else top)
        if found is None:
            return None
        stats[folder + "/"] = found
    return stats


def current_record(site_dir: Path, path: Path, inputs: Snapshot, today: date) -> Record | None:
    """The recorded build, if its inputs and date are the ones now and its output is as it left it."""
    stored = read_signed(path)
    if not isinstance(stored, dict) or stored.get("format") != RECORD_FORMAT:
        return None
    record = stored["record"]
    if not isinstance(record, Record) or record.today != today or not same_inputs(site_dir, record.inputs, inputs):
        return None
    files = [name for name in record.written if not name.endswith("/")]
    return record if output_stamps(record.output, files) == record.written else None


def save_record(path: Path, record: Record) -> None:
    """Keep the record (after the output and its manifest are in place); a read-only site keeps none."""
    write_signed(path, {"format": RECORD_FORMAT, "record": record})
