"""Cache files the build trusts only if this machine wrote them.

The build keeps pickles under the site's `.mentorsite-cache/` (the output manifest, the
up-to-date record). Unpickling runs code named in the file, and the site folder is what a
pull request changes: a cache file committed by a contributor (`git add -f`) would run on
the machine that builds the pull request, past the sandbox the site's own templates get.
So every cache file carries a keyed BLAKE2b tag, keyed by a secret that lives outside any
site (the user's cache folder, readable by the user alone), and a file whose tag does not
match is never unpickled: the build is then simply cold.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from .write import replace_file

#: What every signed cache file starts with, then the tag, then the pickle.
MAGIC = b"mentorsite-cache-1\n"
TAG_BYTES = 32
KEY_BYTES = 32
#: The environment variable that names the key's folder (tests; machines without a home).
KEY_DIR_VARIABLE = "MENTORSITE_KEY_DIR"


def key_dir() -> Path:
    """Where the machine's cache key lives: $MENTORSITE_KEY_DIR, else the user's cache folder."""
    named = os.environ.get(KEY_DIR_VARIABLE)
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mentorsite"


@lru_cache(maxsize=4)
def _key(folder: Path) -> bytes | None:
    """This machine's key, made on first use (None when it can be neither read nor made:
    nothing is cached then)."""
    path = folder / "cache-key"
    with contextlib.suppress(FileExistsError, OSError):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: of two first builds at once, one makes the key and the other reads it.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
    try:
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


def _tag(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=TAG_BYTES).digest()


def write_signed(path: Path, value: Any) -> None:
    """Pickle `value` to `path` with this machine's tag (nothing is written without a key)."""
    key = _key(key_dir())
    if key is None:
        return
    data = pickle.dumps(value, protocol=5)
    replace_file(path, MAGIC + _tag(key, data) + data)


def read_signed(path: Path) -> Any | None:
    """The value this machine wrote to `path`, or None: missing, unreadable, unsigned, signed
    by another key, or altered. Only a file with a valid tag is unpickled."""
    key = _key(key_dir())
    if key is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, tag, data = raw[: len(MAGIC)], raw[len(MAGIC) : len(MAGIC) + TAG_BYTES], raw[len(MAGIC) + TAG_BYTES :]
    if head != MAGIC or not hmac.compare_digest(tag, _tag(key, data)):
        return None
    try:
        return pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return None  # written by another version of the tool
