"""Pagination: items per page and the links between pages."""

from __future__ import annotations

from mentorsite.pagination import chunks, page_url, pagination


def test_chunks_split_items_and_an_empty_listing_has_one_page():
    """Items fill pages in order; the last page holds the rest; no items still make one empty page."""
    assert chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert chunks([1, 2], 2) == [[1, 2]]
    assert chunks([], 6) == [[]]


def test_page_urls_keep_the_first_page_at_the_base():
    assert [page_url("tags/writing/", n) for n in (1, 2, 10)] == [
        "tags/writing/",
        "tags/writing/page/2/",
        "tags/writing/page/10/",
    ]


def test_single_page_has_no_neighbours():
    assert pagination("mentors/", 1, 1) == {
        "current": 1,
        "total": 1,
        "prev_url": None,
        "next_url": None,
        "pages": [{"number": 1, "url": "mentors/"}],
    }


def test_pagination_shows_first_last_and_two_either_side():
    """Page 5 of 9 links pages 1, 3-7 and 9, and its previous and next pages."""
    links = pagination("mentors/", 5, 9)
    assert (links["prev_url"], links["next_url"]) == ("mentors/page/4/", "mentors/page/6/")
    assert [p["number"] for p in links["pages"]] == [1, 3, 4, 5, 6, 7, 9]
    assert links["pages"][0] == {"number": 1, "url": "mentors/"}
    assert [p["number"] for p in pagination("mentors/", 9, 9)["pages"]] == [1, 7, 8, 9]
    assert pagination("mentors/", 9, 9)["next_url"] is None
