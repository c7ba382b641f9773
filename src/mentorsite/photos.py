"""Mentor photos: check the file is a real image inside the site, then publish it.

Pillow is the image library: it recognises the real format from the bytes (not the file
name) and gives the dimensions the templates put on <img> to avoid layout shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .diagnostics import Diagnostic
from .views import Photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class PublishedPhoto:
    view: Photo
    source: Path
    output: str  # path inside the output directory


def check_photo(site_dir: Path, profile_path: str, slug: str, photo: str, line: int, col: int) -> tuple[PublishedPhoto | None, Diagnostic | None]:
    """Resolve a profile's `photo:` value; a diagnostic when it is unsafe or not an image."""

    def problem(message: str, hint: str = "") -> tuple[None, Diagnostic]:
        return None, Diagnostic(profile_path, line, col, message, hint)

    relative = PurePosixPath(photo.replace("\\", "/"))
    if relative.is_absolute() or photo.startswith(("/", "~")) or ":" in photo:
        return problem(f"photo '{photo}' must be a path next to the profile, not an absolute path or URL",
                       "put the image in mentors/photos/ and write photo: photos/<file>.jpg")
    if ".." in relative.parts:
        return problem(f"photo '{photo}' points outside the mentors folder", "remove the '..'")
    mentors_dir = (site_dir / "mentors").resolve()
    source = site_dir / "mentors" / relative
    # Check every component: a symlinked folder could lead outside the site just as well.
    probe = site_dir / "mentors"
    for part in relative.parts:
        probe = probe / part
        if probe.is_symlink():
            return problem(f"photo '{photo}' is a symbolic link", "commit the image file itself")
    if not source.is_file():
        return problem(f"photo '{photo}' does not exist", f"expected a file at mentors/{relative}")
    if mentors_dir not in source.resolve().parents:
        return problem(f"photo '{photo}' points outside the mentors folder")
    size = source.stat().st_size
    if size > MAX_PHOTO_BYTES:
        return problem(f"photo '{photo}' is {size / 1048576:.1f} MB; the limit is 5 MB", "export a smaller image (800 px wide is plenty)")
    try:
        from PIL import Image

        with Image.open(source) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except Exception:  # Pillow raises many types for broken files; all mean "not an image".
        return problem(f"photo '{photo}' is not a readable image", "export it again as JPEG, PNG or WebP")
    if kind not in FORMATS:
        return problem(f"photo '{photo}' is a {kind} image; use JPEG, PNG or WebP")
    output = f"mentors/{slug}/photo.{FORMATS[kind]}"
    return PublishedPhoto(Photo(output, width, height), source, output), None
