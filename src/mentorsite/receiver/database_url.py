"""The ``database`` setting: an SQLite file's path or a PostgreSQL URL, and how to show it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def is_database_url(database: str | Path) -> bool:
    """Whether `database` names a PostgreSQL server rather than an SQLite file."""
    return isinstance(database, str) and database.startswith(("postgresql://", "postgres://"))


def shown(database: str | Path) -> str:
    """`database` as printed and logged: a URL without its password."""
    if not is_database_url(database):
        return str(database)
    parts = urlsplit(str(database))
    if parts.password is None:
        return str(database)
    user, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))
