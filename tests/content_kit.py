"""A small site using every Markdown feature of issue 12 item 7: a bio and an expectations
text with `##`/`####` headings, footnotes and task lists; a guide opening with its own title,
with an image and a PDF next to it, footnotes and a task list. Built by test_guide_files.py,
checked by the HTML checker (test_html_valid.py) and by axe (tests/browser/test_content_a11y.py).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from kit import BIO, GOOD_PROFILE, PHOTO_PATH, tiny_jpeg, write_site
from PIL import Image

MENTOR = GOOD_PROFILE.replace(
    f"bio: |\n  {BIO}\n",
    f"""bio: |
  ## Background

  {BIO}[^1]

  #### Teams I built

  Three analytics teams, each from scratch.

  ## Now

  - [x] Open to mentees
  - [ ] Writing a book

  [^1]: Mostly in Lisbon and London.
expectations: |
  ## Before we meet

  - [ ] Two goals, written down[^1]

  [^1]: One sentence each is enough.
""",
)

GUIDE = """\
---
title: Planning your sessions
summary: A plan, a diagram and a handout.
---
# Planning your sessions

Start with the plan below.[^plan]

![The three phases of a mentoring relationship](diagram.png)

## Before the first meeting

- [ ] Read the [handout](handouts/first-meeting.pdf)
- [x] Write two goals

#### Keep it short

One page is enough.

[^plan]: Adapted from the programme's own notes.
"""


@functools.cache
def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (31, 95, 139)).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n% a handout\n%%EOF\n"

FILES: dict[str, str | bytes] = {
    "mentors/ada.yaml": MENTOR,
    PHOTO_PATH: tiny_jpeg(),
    "content/guides/planning.md": GUIDE,
    "content/guides/diagram.png": tiny_png(),
    "content/guides/handouts/first-meeting.pdf": PDF,
    "content/guides/notes.txt": "Not referenced: never published.\n",
}


def write_content_site(root: Path) -> Path:
    return write_site(root, files=FILES)
