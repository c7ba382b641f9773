"""Public views of a mentor: what the avatar shows when there is no photo."""

from __future__ import annotations

import pytest

from mentorsite.views import initials


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Ada Lovelace", "AL"),
        ("Tomás Ó Briain", "TB"),
        ("Renée Dubois-Tremblay", "RT"),
        ("ana", "A"),
        ("Kenji Matsuda (松田健二)", "KM"),  # the name in another script is no name part
        ("Layla Haddad (ليلى حداد)", "LH"),
        ("يوسف الحسن", "ي\u200cح"),  # the article's alef skipped; ZWNJ keeps the letters apart
        ("سارا رحیمی\u200cنژاد", "س\u200cر"),
        ("陈晓玲", "陈"),
        ("山本さくら", "山"),
        ("कोमल शर्मा", "कोश"),  # a letter keeps its vowel sign
        ("प्रिया", "प"),  # but not a virama (a half letter)
        ("(x)", "("),
    ],
)
def test_initials_understand_the_script(name, expected):
    """Two initials from the first and last name parts, script by script (issue 12)."""
    assert initials(name) == expected
