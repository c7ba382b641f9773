"""Writing systems: the Arabic article and how long prose is, script by script."""

from __future__ import annotations

import pytest

from mentorsite.writing import cjk_count, prose_length, without_article


@pytest.mark.parametrize(
    "word, expected",
    [
        ("الحسن", "حسن"),
        ("الدين", "دين"),
        ("الف", "الف"),  # "ال" and one letter: too short to be the article
        ("ال", "ال"),
        ("حسن", "حسن"),
        ("alhassan", "alhassan"),
    ],
)
def test_without_article_drops_al_before_two_or_more_letters(word, expected):
    assert without_article(word) == expected


def test_prose_length_counts_chinese_and_japanese_characters_four_times():
    """Latin, Arabic and Devanagari count characters; Han and kana count 4; punctuation 1."""
    assert prose_length("Kenji Matsuda") == 13
    assert prose_length("कमल वर्मा") == 9
    assert (cjk_count("陈晓玲，さくら。"), prose_length("陈晓玲，さくら。")) == (6, 26)
