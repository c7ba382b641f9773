"""Pagination of listings: which items go on which page, and the links between pages.

A listing at `base` (e.g. "mentors/") has its first page there and the others at
`base/page/2/`, `base/page/3/`, …
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

#: Page numbers shown either side of the current one (the first and last always are).
WINDOW = 2


def chunks(items: list[T], per_page: int) -> list[list[T]]:
    """Items split into pages; an empty listing still has one (empty) page."""
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]


def page_url(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page/{number}/"


def pagination(base: str, number: int, total: int) -> dict[str, Any]:
    """What `_pagination.html` needs for page `number` of `total`."""
    return {
        "current": number,
        "total": total,
        "prev_url": page_url(base, number - 1) if number > 1 else None,
        "next_url": page_url(base, number + 1) if number < total else None,
        # The window's numbers only: a directory of ten thousand mentors has hundreds of pages.
        "pages": [
            {"number": n, "url": page_url(base, n)}
            for n in sorted({1, total, *range(max(1, number - WINDOW), min(total, number + WINDOW) + 1)})
        ],
    }
