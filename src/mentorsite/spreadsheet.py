"""Text that is safe in a spreadsheet cell: CSV leaves the program at this edge.

A cell a spreadsheet reads as a formula runs when the file is opened, so every CSV mentorsite
writes (``requests export``, ``mentorsite report --format csv``) passes its cells through
``safe_cell``.
"""

from __future__ import annotations

import re

#: A formula trigger at the start of a cell, or after any character a spreadsheet may split
#: cells or rows on: comma, semicolon, pipe and any white space (LibreOffice offers Space as a
#: separator). A program that splits "Bob;=1+1" on ";" reads "=1+1" as a cell of its own.
_FORMULA = re.compile(r"(^|[\s,;|])(?=[=+\-@])")


def safe_cell(value: object) -> str:
    """Spreadsheet-safe text: an apostrophe before every formula trigger (= + - @) that could
    start a cell, whatever separator the spreadsheet uses, and before a leading tab or CR,
    because the text would otherwise run as a formula when the CSV is opened.
    ("Mon - Fri" becomes "Mon '- Fri".)"""
    text = "" if value is None else str(value)
    text = _FORMULA.sub(r"\1'", text)
    return "'" + text if text.startswith(("\t", "\r")) else text
