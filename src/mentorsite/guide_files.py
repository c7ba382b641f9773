"""Files next to a guide (images, PDFs…) that its Markdown references, published beside its page.

A guide `content/guides/x.md` is published at `guides/x/`. `![diagram](diagram.png)` in it
is read from `content/guides/diagram.png` (where a repository browser looks for it too) and
published at `guides/x/diagram.png` (where the browser looks for it from the guide's page), so
relative URLs work unchanged in both. A page `content/about.md` (at `about/`) works the same way.

Only files a guide references are published: a draft, a notes file or a photo nobody links
stays private. A reference is a relative image source, or a relative link to a file, that is one
whose last segment has a suffix (`handout.pdf`), but not `.html`, `.htm` or `.md`, which link
pages; links ending in `/` are pages too. A reference to a missing file is an error at its
line and column; one leaving `content/` or passing through a symbolic link is refused.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .diagnostics import Diagnostic, Severity
from .markdown import Reference, references
from .textrules import symlink_on_path

#: Link suffixes that name pages, not files to publish.
PAGE_SUFFIXES = (".html", ".htm", ".md")
CONTENT = "content"


@dataclass(frozen=True)
class GuideFile:
    """A file published with a guide: `source` relative to the site, `output` to the output folder."""

    source: str
    output: str


def referenced_path(reference: Reference) -> str | None:
    """The file a reference names, relative to its Markdown file (decoded), or None when it
    names no local file: a web address, a site path (`/…`), an anchor, a page."""
    parts = urlsplit(reference.url)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or not path or path.startswith("/"):
        return None
    if not reference.image:
        name = path.rpartition("/")[2]
        if "." not in name.strip(".") or name.lower().endswith(PAGE_SUFFIXES):
            return None
    return path


def check_references(
    site_dir: Path, path: str, url: str, body: str, body_line: int
) -> tuple[list[GuideFile], list[Diagnostic]]:
    """The files the guide at `path` (relative to the site; published at `url`) references,
    and the problems with its references: missing or unsafe files (errors), images without
    alt text (warnings). Line numbers count from the file's first line (`body_line` is the body's)."""
    folder = posixpath.dirname(path)
    files: dict[str, GuideFile] = {}
    problems: list[Diagnostic] = []
    for reference in references(body):

        def problem(message: str, hint: str, severity: Severity = "error", ref: Reference = reference) -> None:
            problems.append(Diagnostic(path, body_line + ref.line - 1, ref.col, message, hint, severity))

        if reference.image and not reference.alt.strip():
            problem(
                f"image '{reference.url}' has no alt text",
                f"describe what it shows between the brackets: ![what it shows]({reference.url})",
                "warning",
            )
        target = referenced_path(reference)
        if target is None:
            continue
        source = posixpath.normpath(posixpath.join(folder, target))
        if not source.startswith(CONTENT + "/"):
            problem(
                f"'{target}' is outside the {CONTENT} folder, so it cannot be published",
                f"move the file into {CONTENT}/, next to the guide, and link it from there",
            )
            continue
        if any(part.startswith(".") for part in source.split("/")):
            problem(f"'{target}' is a hidden file, which is never published", "rename it without the leading '.'")
            continue
        link = symlink_on_path(site_dir, source.split("/"))
        if link:
            problem(
                f"'{target}' leads through a symbolic link ({link.relative_to(site_dir).as_posix()}), "
                "which is not followed",
                "commit the file itself",
            )
            continue
        if not (site_dir / source).is_file():
            problem(f"'{target}' does not exist (no file {source})", _missing_hint(site_dir, source))
            continue
        output = posixpath.normpath(posixpath.join(url, target))
        files.setdefault(output, GuideFile(source, output))
    return list(files.values()), problems


def _missing_hint(site_dir: Path, source: str) -> str:
    folder, _, name = source.rpartition("/")
    listing = site_dir / folder
    if listing.is_dir():
        # The web is case-sensitive even where the author's computer is not.
        same = sorted(p.name for p in listing.iterdir() if p.name.lower() == name.lower() and p.name != name)
        if same:
            return f"did you mean '{same[0]}'? names on the web are case-sensitive"
    return f"add the file at {source}, or correct the name"
