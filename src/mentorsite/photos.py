"""Mentor photos: check the file is a real image inside the site, then publish small copies.

Pillow is the image library: it recognises the real format from the bytes (not the file
name), and resizes each photo to small square variants (WebP plus a JPEG fallback) so a
directory page does not download full-size portraits. The variants carry no EXIF metadata
(no camera GPS position reaches the site).

Resizing is cached under `<site>/.mentorsite-cache/photos/`, keyed by a hash of the source
bytes and the recipe, so an unchanged photo is never processed twice.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from PIL import Image, ImageOps, features

from . import uptodate
from .diagnostics import Diagnostic
from .parallel import default_jobs
from .textrules import symlink_on_path
from .views import Photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: Largest image accepted, in pixels (a 50-megapixel camera photo); guards memory while decoding.
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
#: Widths (and heights: variants are square) of the published variants, in pixels.
SIZES = (160, 320)
#: Where resized variants are kept between builds, relative to the site.
CACHE_DIR = ".mentorsite-cache/photos"
#: Part of every cache key: change it when the processing below changes.
RECIPE = "square-v1 webp80 jpeg82"
WEBP_QUALITY = 80
JPEG_QUALITY = 82


@dataclass(frozen=True)
class PublishedPhoto:
    view: Photo
    source: Path
    #: The fallback JPEG's path inside the output directory.
    output: str
    #: Cache key: hash of the source bytes and the recipe.
    digest: str
    #: Square sizes to publish (SIZES, never larger than the source).
    sizes: tuple[int, ...]

    def files(self) -> dict[str, str]:
        """Output path -> cache file name (inside the photo's cache folder) of every variant."""
        folder = PurePosixPath(self.output).parent
        found = {}
        for size in self.sizes:
            for ext in _extensions():
                found[f"{folder}/photo-{self.digest[:12]}-{size}.{ext}"] = f"{size}.{ext}"
        return found


def _extensions() -> tuple[str, ...]:
    return ("webp", "jpg") if _webp_supported() else ("jpg",)


@lru_cache(maxsize=1)
def _webp_supported() -> bool:
    return bool(features.check("webp"))


def check_photo(
    site_dir: Path, profile_path: str, slug: str, photo: str, line: int, col: int
) -> tuple[PublishedPhoto | None, Diagnostic | None]:
    """Resolve a profile's `photo:` value; a diagnostic when it is unsafe or not an image."""

    def problem(message: str, hint: str = "") -> tuple[None, Diagnostic]:
        return None, Diagnostic(profile_path, line, col, message, hint)

    relative = PurePosixPath(photo.replace("\\", "/"))
    if relative.is_absolute() or photo.startswith(("/", "~")) or ":" in photo:
        return problem(
            f"photo '{photo}' must be a path next to the profile, not an absolute path or URL",
            "put the image in mentors/photos/ and write photo: photos/<file>.jpg",
        )
    if ".." in relative.parts:
        return problem(f"photo '{photo}' points outside the mentors folder", "remove the '..'")
    mentors_dir = (site_dir / "mentors").resolve()
    source = site_dir / "mentors" / relative
    # Check every component: a symlinked folder could lead outside the site just as well.
    if symlink_on_path(site_dir / "mentors", relative.parts):
        return problem(f"photo '{photo}' is a symbolic link", "commit the image file itself")
    if not source.is_file():
        return problem(f"photo '{photo}' does not exist", f"expected a file at mentors/{relative}")
    if mentors_dir not in source.resolve().parents:
        return problem(f"photo '{photo}' points outside the mentors folder")
    size = source.stat().st_size
    if size > MAX_PHOTO_BYTES:
        return problem(
            f"photo '{photo}' is {size / 1048576:.1f} MB; the limit is 5 MB",
            "export a smaller image (800 px wide is plenty)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # MAX_PIXELS says it better
            with Image.open(source) as image:
                kind = image.format
                width, height = image.size
                if kind in FORMATS and width * height <= MAX_PIXELS:
                    image.verify()
    except Exception:  # Pillow raises many types for broken files; all mean "not an image".
        return problem(f"photo '{photo}' is not a readable image", "export it again as JPEG, PNG or WebP")
    if kind not in FORMATS:
        return problem(f"photo '{photo}' is a {kind} image; use JPEG, PNG or WebP")
    if width * height > MAX_PIXELS:
        return problem(
            f"photo '{photo}' is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels",
            "export a smaller image (800 px wide is plenty)",
        )
    side = min(width, height)
    sizes = tuple(sorted({min(s, side) for s in SIZES}))
    digest = hashlib.sha256(RECIPE.encode() + repr(sizes).encode() + b"\0" + source.read_bytes()).hexdigest()
    if not (site_dir / CACHE_DIR / digest).is_dir():
        # verify() reads the structure only; a truncated upload shows when the pixels are decoded.
        # Resized copies in the cache prove an earlier decode, so this runs once per photo.
        try:
            with Image.open(source) as image:
                if kind == "JPEG":
                    image.draft("RGB", (max(sizes), max(sizes)))
                image.load()
        except Exception as exc:
            return problem(f"photo '{photo}' is damaged or incomplete ({exc})", "export it again as JPEG, PNG or WebP")
    folder = f"mentors/{slug}"
    webp = tuple((f"{folder}/photo-{digest[:12]}-{s}.webp", s) for s in sizes) if _webp_supported() else ()
    jpeg = tuple((f"{folder}/photo-{digest[:12]}-{s}.jpg", s) for s in sizes)
    view = Photo(url=jpeg[0][0], width=sizes[0], height=sizes[0], webp=webp, jpeg=jpeg)
    return PublishedPhoto(view, source, jpeg[0][0], digest, sizes), None


def check_photos(
    site_dir: Path,
    mentors: list,
    memo: dict | None = None,
    changed: set[str] | None = None,
    reported: Callable[[str], bool] | None = None,
) -> tuple[dict[str, PublishedPhoto], list[Diagnostic]]:
    """check_photo for every LoadedMentor with a photo: (photos by slug, problems).

    A process that checks the same site again and again (serve) passes a `memo` (load.
    LoadCache.photos): each answer is kept, and given again for the same LoadedMentor (one per
    unchanged profile) while its photo's file and every folder on the way to it are as they
    were. That is known from their lstat, or without looking when `changed` gives the paths a
    file watcher reported since the last build (relative to the site; load.LoadCache.trusted),
    none of them is among those, and `reported` says the watcher reports changes of each of
    them (it ignores some names: hidden files, editors' backups). A check reads and digests the
    whole image: 10,000 photos took seconds of every rebuild. A file stamped too recently for
    its stat to tell (uptodate.is_racy) is checked again until it is not.
    """
    photos, problems = {}, []
    kept: dict[int, tuple] = {}
    for item in mentors:
        if not item.mentor.photo:
            continue
        last = memo.get(id(item)) if memo is not None else None
        if last is not None and last[0] is item and _unchanged(site_dir, last[1], last[2], last[3], last[4], changed):
            photo, problem = last[5]
            kept[id(item)] = last
        else:
            steps = _steps(item.mentor.photo)
            taken = time.time_ns()
            before = _stamps(site_dir, steps)
            line, col = item.document.position(("photo",))
            photo, problem = check_photo(site_dir, item.path, item.slug, item.mentor.photo, line, col)
            if memo is not None and before is not None and _stamps(site_dir, steps) == before:
                racy = any(uptodate.is_racy((0, 0, mtime, ctime, False), taken) for *_, mtime, ctime in before)
                watched = reported is not None and all(map(reported, steps))
                kept[id(item)] = (item, steps, before, racy, watched, (photo, problem))
        if problem:
            problems.append(problem)
        elif photo:
            photos[item.slug] = photo
    if memo is not None:
        memo.clear()  # only the answers for these profiles: the others' objects may go
        memo.update(kept)
    return photos, problems


def _steps(photo: str) -> tuple[str, ...]:
    """The paths from the site, mentors/ first, that lead to a profile's photo; none for a
    value check_photo refuses without looking at the disk."""
    relative = PurePosixPath(photo.replace("\\", "/"))
    if relative.is_absolute() or photo.startswith(("/", "~")) or ":" in photo or ".." in relative.parts:
        return ()
    parts = ("mentors", *relative.parts)
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))


def _stamps(site_dir: Path, steps: tuple[str, ...]) -> tuple | None:
    """The lstat of each step (kind, device, inode, size and times); None if one is missing."""
    found = []
    for step in steps:
        try:
            stat = os.lstat(site_dir / step)
        except OSError:
            return None
        found.append((stat.st_mode, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(found)


def _unchanged(
    site_dir: Path, steps: tuple[str, ...], stamps: tuple, racy: bool, watched: bool, changed: set[str] | None
) -> bool:
    if racy:
        return False
    if changed is not None and watched:
        return changed.isdisjoint(steps)
    return _stamps(site_dir, steps) == stamps


def cache_root(site_dir: Path) -> Path:
    """The photo cache folder, created on first use; a temporary one if the site is read-only."""
    root = site_dir / CACHE_DIR
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="mentorsite-photos-"))


def publish_photos(site_dir: Path, photos: dict[str, PublishedPhoto]) -> list[tuple[str, Path, str]]:
    """Resize every photo that is not cached yet; (output path, cached file, origin) to copy."""
    root = cache_root(site_dir)
    copies = []
    todo: dict[str, tuple[Path, Path, tuple[int, ...]]] = {}
    for slug, photo in sorted(photos.items()):
        folder = root / photo.digest
        files = photo.files()
        if photo.digest not in todo and not all((folder / name).is_file() for name in files.values()):
            todo[photo.digest] = (photo.source, folder, photo.sizes)
        copies += [(output, folder / name, f"mentors/{slug} photo") for output, name in files.items()]
    jobs = list(todo.values())
    if len(jobs) == 1:
        resize(*jobs[0])
    elif jobs:
        # Pillow releases the GIL while decoding, resizing and encoding: threads use every core.
        with ThreadPoolExecutor(max_workers=min(len(jobs), default_jobs())) as pool:
            list(pool.map(lambda job: resize(*job), jobs))
    return copies


def resize(source: Path, folder: Path, sizes: tuple[int, ...]) -> None:
    """Write <size>.webp and <size>.jpg for each size into folder: centred square crops."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as original:
        if original.format == "JPEG":
            original.draft("RGB", (max(sizes), max(sizes)))  # decode at reduced scale: much faster
        image = ImageOps.exif_transpose(original)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if has_alpha else "RGB")
        for size in sizes:
            # Slightly above the centre: portraits put faces in the upper half.
            square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.4))
            if "webp" in _extensions():
                _save(square, folder / f"{size}.webp", "WEBP", quality=WEBP_QUALITY, method=6)
            if has_alpha:
                flat = Image.new("RGB", square.size, (255, 255, 255))
                flat.paste(square, mask=square.getchannel("A"))
                square = flat
            _save(square, folder / f"{size}.jpg", "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)


def _save(image, target: Path, kind: str, **options) -> None:
    # Write then rename, so a build that is interrupted never leaves half a file in the cache.
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            image.save(stream, kind, **options)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
