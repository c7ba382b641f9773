"""What may go into a mail header: the one rule the form's validation and the mail builder share.

Mail programs (and Python's own ``email`` package, when it refolds a header) decode RFC 2047
encoded words, so text that looks like one can turn into anything after decoding: line breaks,
extra headers. No value with encoded-word syntax or with a control or line-separator character
goes into a header, whatever the interpreter's patch level.
"""

from __future__ import annotations

import re
import unicodedata

#: RFC 2047 encoded-word syntax, loosely: mail programs differ in what they decode, so any "=?"
#: followed later by "?=" counts, not only well-formed encoded words.
ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)
#: Control characters, and the line and paragraph separators some parsers split lines on.
_BREAKING = ("Cc", "Zl", "Zp")


def header_value_problem(value: str) -> str:
    """Why `value` may not go into a mail header ("contains …"), or ""."""
    if ENCODED_WORD.search(value):
        return "contains encoded-word syntax (=? … ?=)"
    if any(unicodedata.category(c) in _BREAKING for c in value):
        return "contains a control or line-break character"
    return ""
