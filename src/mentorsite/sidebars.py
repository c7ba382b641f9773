"""Listing pages whose only change is the facet sidebar: patched in place, not rendered again.

Every directory and facet page shows the facet sidebar (`sidebar()`, `_facets.html`), with each
value's count, so an edit of one profile's tags, country or languages changes every listing
page: at 10,000 mentors, some 5,000 pages, which took serve over fifteen seconds to render
again. But on most of them the sidebar is all that changed. When a page is rendered, the
place of its sidebar in its bytes is recorded (`Splice`); when the next build finds its key
changed and its key but for the sidebar (buildcache.Digests.page_rests) unchanged, the new
sidebar replaces the old one in the file the last build wrote.

Only pages whose templates come from the theme are patched (buildcache.TemplateDeps.
splices_sidebar): they put `{{ sidebar(...) }}` in the page as it is, once, and derive nothing
else from it. A page calling it more than once, or whose sidebar is not found exactly once in
its text, is not recorded, and is rendered as before; so is a page whose file does not hold
the recorded sidebar any more. The result is byte for byte what rendering gives
(tests/test_sidebars.py, and the incremental-equals-cold property test with serve's builds).

A new sidebar as long as the old one (a count of 1,234 become 1,233) is written over it in the
served file itself, at the end of a build that succeeded (`in_place`, write.Staging.splice):
dropping a tag shown in every sidebar patched some 5,000 pages, and reading each whole,
writing it again and moving it into place took seconds of file system work, where writing
the sidebar's bytes takes a few milliseconds. The preview server reads pages under the lock
held while they change (write.IN_PLACE), so no page is served half patched.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .write import PrivateStrings

#: Bytes read on each side of a sidebar to be written in place: more than the longest address,
#: so one the new sidebar would complete with the text around it is found.
MARGIN = 320


class Placed(NamedTuple):
    """Where a page's one sidebar lies in its bytes, as rendered."""

    #: The arguments of its one `sidebar(...)` call (the active facet and value).
    args: tuple
    start: int
    end: int
    #: The digest of those bytes, and the page's size, to check that the file still holds them.
    digest: bytes
    size: int


class Splice(NamedTuple):
    """A page's sidebar as its last build placed it, with the page's key but for the sidebar."""

    rest: bytes
    placed: Placed


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def locate(page: bytes, args: tuple, sidebar: str) -> Placed | None:
    """Where `sidebar` (what the page's one sidebar call gave) lies in `page`; None unless it is
    there exactly once (and not empty)."""
    data = sidebar.encode("utf-8")
    start = page.find(data) if data else -1
    if start < 0 or page.find(data, start + 1) >= 0:
        return None
    return Placed(args, start, start + len(data), digest(data), len(page))


def patched(file: Path, placed: Placed, sidebar: str) -> tuple[str, Placed] | None:
    """The text of the page in `file` with its sidebar, where `placed` says, replaced by
    `sidebar`, and where that lies; None when the file does not hold what was placed."""
    try:
        old = file.read_bytes()
    except OSError:
        return None
    if len(old) != placed.size or digest(old[placed.start : placed.end]) != placed.digest:
        return None
    data = sidebar.encode("utf-8")
    if not data:
        return None
    page = old[: placed.start] + data + old[placed.end :]
    try:
        text = page.decode("utf-8")
    except UnicodeDecodeError:  # the offsets cut a character: not what was recorded
        return None
    return text, Placed(placed.args, placed.start, placed.start + len(data), digest(data), len(page))


def in_place(file: Path, placed: Placed, data: bytes, private: PrivateStrings) -> bool:
    """Whether the new sidebar (`data`, its UTF-8) can be written over the old one in `file`
    itself: as long as that, the file as recorded, and no private address in the sidebar or
    made with the bytes around it (the rest of the page was checked when it was written).
    False: patch the page whole (`patched`), which checks it all again."""
    if not data or len(data) != placed.end - placed.start:
        return False
    first = max(0, placed.start - MARGIN)
    try:
        handle = os.open(file, os.O_RDONLY)  # not open(): its buffered file costs more than the read
    except OSError:
        return False
    try:
        if os.fstat(handle).st_size != placed.size:
            return False
        window = os.pread(handle, placed.end + MARGIN - first, first)
    except OSError:
        return False
    finally:
        os.close(handle)
    start, end = placed.start - first, placed.end - first
    if digest(window[start:end]) != placed.digest:
        return False
    return not private.found_in(window[:start] + data + window[end:])
