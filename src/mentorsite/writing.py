"""What the pipeline needs to know about writing systems beyond the Latin alphabet.

Which characters are written without spaces between words (Chinese, Japanese), whose
combining marks are letters in their own right (Indic and other Brahmic scripts), which use
the zero-width joiners in ordinary spelling (Arabic script, Indic), and the Arabic definite
article. One table each, as code-point ranges, so search.py can hand the same ranges to the
browser. Plain data and small pure functions; nothing of the pipeline below this.
"""

from __future__ import annotations

import re

Ranges = tuple[tuple[int, int], ...]

#: Han ideographs and their iteration marks.
HAN: Ranges = (
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3134F),  # extensions B-G
)
#: Hiragana and katakana (with the long-vowel mark ー).
KANA: Ranges = (
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF66, 0xFF9F),  # half-width katakana
)
#: Written without spaces between words (Chinese, Japanese): search indexes them by character
#: pairs; a bio counts them by SCALE_CJK. Hangul is left out: Korean puts spaces between words.
CJK: Ranges = HAN + KANA

#: Scripts whose vowel signs, viramas and the like are combining marks that change the word
#: ("कमल" lotus, "कोमल" soft, "कमाल" wonder): their marks are never stripped, unlike Latin
#: accents or Arabic and Hebrew vowel points, which most people leave out when typing.
#: Devanagari to Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer.
KEEP_MARKS: Ranges = ((0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF))

#: Arabic script (Arabic, Persian, Urdu, Kurdish...): letters join their neighbours.
ARABIC: Ranges = (
    (0x0600, 0x06FF),  # Arabic (with Persian and Urdu letters)
    (0x0750, 0x077F),  # Arabic supplement
    (0x08A0, 0x08FF),  # Arabic extended-A
    (0xFB50, 0xFDFF),  # Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)

#: Scripts whose ordinary spelling needs ZWNJ (Persian "می‌خواهم") or ZWJ (Indic half forms,
#: Sinhala conjuncts) inside a word: Arabic script and the Brahmic scripts above.
JOINING: Ranges = ARABIC + KEEP_MARKS

#: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER.
JOINERS = "\u200c\u200d"

#: The Arabic definite article, written joined to its word ("الحسن" = al-Hasan).
ARABIC_ARTICLE = "ال"
#: Shortest word that may carry the article: "ال" and at least two letters ("الف" is a word).
ARTICLE_MIN = 4

#: A bio's length counts a Chinese or Japanese character as this many characters: one such
#: character carries about as much as four Latin letters (English runs ~5.7 characters a word
#: with its space, Chinese ~1.5 characters an English word's worth).
SCALE_CJK = 4


def class_body(ranges: Ranges) -> str:
    """A regex character-class body matching the ranges."""
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


def in_ranges(char: str, ranges: Ranges) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in ranges)


_CJK = re.compile(f"[{class_body(CJK)}]")


def cjk_count(text: str) -> int:
    """How many characters of text are Chinese or Japanese (written without spaces)."""
    return len(_CJK.findall(text))


def prose_length(text: str) -> int:
    """Length of prose in Latin-character equivalents: a CJK character counts SCALE_CJK."""
    return len(text) + (SCALE_CJK - 1) * cjk_count(text)


def without_article(word: str) -> str:
    """The word without a leading Arabic definite article ("الحسن" -> "حسن"), else the word."""
    if len(word) >= ARTICLE_MIN and word.startswith(ARABIC_ARTICLE):
        return word[len(ARABIC_ARTICLE) :]
    return word
