"""Photos: validated (real image, format, size, inside the site), resized to WebP + JPEG, cached."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from kit import GOOD_PROFILE, PHOTO_PATH, TODAY, write_site
from PIL import Image

from mentorsite import photos, uptodate
from mentorsite.build import build_site
from mentorsite.config import load_config
from mentorsite.load import load_site
from mentorsite.photos import CACHE_DIR, check_photo, check_photos, publish_photos
from mentorsite.serve.watch import InputWatcher
from mentorsite.views import Photo


def image_bytes(size=(600, 400), kind="JPEG", mode="RGB", colour=(200, 40, 40), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind, **save)
    return buffer.getvalue()


def check(site: Path, photo: str):
    return check_photo(site, "mentors/ada.yaml", "ada", photo, 3, 8)


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    (root / "mentors" / "photos").mkdir(parents=True)
    (root / "mentors" / "photos" / "ada.jpg").write_bytes(image_bytes())
    return root


def message(site: Path, photo: str) -> str:
    published, problem = check(site, photo)
    assert published is None and problem is not None
    return problem.human()


def test_a_real_photo_is_accepted_with_square_variants(site):
    published, problem = check(site, "photos/ada.jpg")
    assert problem is None
    digest = published.digest[:12]
    assert published.sizes == (160, 320)
    assert published.view == Photo(
        url=f"mentors/ada/photo-{digest}-160.jpg",
        width=160,
        height=160,
        webp=((f"mentors/ada/photo-{digest}-160.webp", 160), (f"mentors/ada/photo-{digest}-320.webp", 320)),
        jpeg=((f"mentors/ada/photo-{digest}-160.jpg", 160), (f"mentors/ada/photo-{digest}-320.jpg", 320)),
    )
    assert published.view.webp_srcset(lambda p: "/base/" + p) == (
        f"/base/mentors/ada/photo-{digest}-160.webp 160w, /base/mentors/ada/photo-{digest}-320.webp 320w"
    )
    assert published.view.jpeg_srcset() == (
        f"mentors/ada/photo-{digest}-160.jpg 160w, mentors/ada/photo-{digest}-320.jpg 320w"
    )


def test_not_an_image(site):
    (site / "mentors" / "photos" / "fake.jpg").write_text("this is text, not a JPEG")
    assert message(site, "photos/fake.jpg") == (
        "mentors/ada.yaml:3:8: error: photo 'photos/fake.jpg' is not a readable image\n"
        "    hint: export it again as JPEG, PNG or WebP"
    )


def test_a_corrupted_png_fails_verification(site):
    data = bytearray(image_bytes(kind="PNG"))
    data[60:80] = b"\x00" * 20  # inside the image data: the checksum no longer matches
    (site / "mentors" / "photos" / "broken.png").write_bytes(bytes(data))
    assert "is not a readable image" in message(site, "photos/broken.png")


def test_a_truncated_jpeg_is_caught_before_the_build_resizes_it(site):
    """verify() accepts a cut-off upload; decoding the pixels does not."""
    noise = Image.effect_noise((600, 400), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG")
    data = buffer.getvalue()
    (site / "mentors" / "photos" / "cut.jpg").write_bytes(data[: len(data) // 2])
    assert message(site, "photos/cut.jpg").startswith(
        "mentors/ada.yaml:3:8: error: photo 'photos/cut.jpg' is damaged or incomplete (image file is truncated"
    )


def test_format_must_be_jpeg_png_or_webp(site):
    (site / "mentors" / "photos" / "anim.gif").write_bytes(image_bytes(kind="GIF", mode="P", colour=1))
    assert (
        message(site, "photos/anim.gif")
        == "mentors/ada.yaml:3:8: error: photo 'photos/anim.gif' is a GIF image; use JPEG, PNG or WebP"
    )
    # The format comes from the bytes, not the name: a PNG called .jpg is fine.
    (site / "mentors" / "photos" / "named-wrong.jpg").write_bytes(image_bytes(kind="PNG"))
    assert check(site, "photos/named-wrong.jpg")[1] is None


def test_at_most_5_mb(site):
    with (site / "mentors" / "photos" / "huge.jpg").open("wb") as handle:
        handle.truncate(5 * 1024 * 1024 + 1)
    assert message(site, "photos/huge.jpg") == (
        "mentors/ada.yaml:3:8: error: photo 'photos/huge.jpg' is 5.0 MB; the limit is 5 MB\n"
        "    hint: export a smaller image (800 px wide is plenty)"
    )
    with (site / "mentors" / "photos" / "limit.jpg").open("wb") as handle:
        handle.write(image_bytes())
        handle.truncate(5 * 1024 * 1024)  # exactly 5 MB: padding after the JPEG's end marker
    assert check(site, "photos/limit.jpg")[1] is None


def test_too_many_pixels(site):
    (site / "mentors" / "photos" / "wide.png").write_bytes(
        image_bytes(size=(10_000, 5_001), kind="PNG", mode="1", colour=1)
    )
    assert message(site, "photos/wide.png") == (
        "mentors/ada.yaml:3:8: error: photo 'photos/wide.png' is 10000×5001 pixels; the limit is 50 megapixels\n"
        "    hint: export a smaller image (800 px wide is plenty)"
    )


@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        ("/etc/passwd", "photo '/etc/passwd' must be a path next to the profile, not an absolute path or URL"),
        ("~/ada.jpg", "photo '~/ada.jpg' must be a path next to the profile, not an absolute path or URL"),
        (
            "https://example.org/ada.jpg",
            "photo 'https://example.org/ada.jpg' must be a path next to the profile, not an absolute path or URL",
        ),
        (
            "C:\\photos\\ada.jpg",
            "photo 'C:\\photos\\ada.jpg' must be a path next to the profile, not an absolute path or URL",
        ),
        ("../site.toml", "photo '../site.toml' points outside the mentors folder"),
        ("photos/../../site.toml", "photo 'photos/../../site.toml' points outside the mentors folder"),
        ("photos\\..\\..\\site.toml", "photo 'photos\\..\\..\\site.toml' points outside the mentors folder"),
        ("photos/nobody.jpg", "photo 'photos/nobody.jpg' does not exist"),
    ],
)
def test_photo_must_be_a_file_inside_the_mentors_folder(site, photo, expected):
    assert message(site, photo).split("\n")[0] == f"mentors/ada.yaml:3:8: error: {expected}"


def test_symbolic_links_are_refused(site, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(image_bytes())
    (site / "mentors" / "photos" / "link.jpg").symlink_to(outside)
    assert (
        message(site, "photos/link.jpg").split("\n")[0]
        == "mentors/ada.yaml:3:8: error: photo 'photos/link.jpg' is a symbolic link"
    )
    (site / "mentors" / "linked-folder").symlink_to(tmp_path)
    assert message(site, "linked-folder/outside.jpg").split("\n")[0] == (
        "mentors/ada.yaml:3:8: error: photo 'linked-folder/outside.jpg' is a symbolic link"
    )
    # Even a link that stays inside the site is refused: commit the file itself.
    (site / "mentors" / "photos" / "same.jpg").symlink_to(site / "mentors" / "photos" / "ada.jpg")
    assert "is a symbolic link" in message(site, "photos/same.jpg")


def test_variants_are_square_webp_and_jpeg_without_metadata(site):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Camera maker"
    halves = Image.new("RGB", (600, 400), (220, 0, 0))
    halves.paste((0, 0, 220), (300, 0, 600, 400))  # left red, right blue; shown rotated: red on top
    buffer = io.BytesIO()
    halves.save(buffer, "JPEG", exif=exif.tobytes())
    (site / "mentors" / "photos" / "rotated.jpg").write_bytes(buffer.getvalue())
    published, _ = check(site, "photos/rotated.jpg")
    copies = publish_photos(site, {"ada": published})
    assert [(output, cached.name) for output, cached, _ in copies] == [
        (f"mentors/ada/photo-{published.digest[:12]}-{size}.{ext}", f"{size}.{ext}")
        for size in (160, 320)
        for ext in ("webp", "jpg")
    ]
    for _output, cached, origin in copies:
        assert origin == "mentors/ada photo"
        assert cached.parent == site / CACHE_DIR / published.digest
        with Image.open(cached) as image:
            size = int(cached.stem)
            assert image.size == (size, size)
            assert image.format == ("WEBP" if cached.suffix == ".webp" else "JPEG")
            assert dict(image.getexif()) == {}
            top, bottom = (
                image.convert("RGB").getpixel((size // 2, 4)),
                image.convert("RGB").getpixel((size // 2, size - 5)),
            )
            assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], (cached.name, top, bottom)


def test_small_photos_are_not_enlarged_and_transparency_becomes_white_in_jpeg(site):
    (site / "mentors" / "photos" / "small.png").write_bytes(
        image_bytes(size=(120, 100), kind="PNG", mode="RGBA", colour=(0, 0, 0, 0))
    )
    published, _ = check(site, "photos/small.png")
    assert published.sizes == (100,)
    assert (published.view.width, published.view.height) == (100, 100)
    copies = {cached.name: cached for _, cached, _ in publish_photos(site, {"ada": published})}
    assert sorted(copies) == ["100.jpg", "100.webp"]
    with Image.open(copies["100.jpg"]) as jpeg:
        assert jpeg.mode == "RGB" and jpeg.getpixel((50, 50)) == (255, 255, 255)
    with Image.open(copies["100.webp"]) as webp:
        assert webp.mode == "RGBA" and webp.getpixel((50, 50))[3] == 0


def test_second_build_reuses_the_cache(make_site, monkeypatch):
    site = make_site(f"-- mentors/ada-example.yaml --\n{GOOD_PROFILE}")
    (site / "mentors" / "photos" / "ada.jpg").write_bytes(image_bytes(size=(900, 700)))
    calls = []
    real_resize = photos.resize
    monkeypatch.setattr(photos, "resize", lambda *args: (calls.append(args), real_resize(*args)))
    assert build_site(site, today=TODAY).written
    assert len(calls) == 1
    cached = sorted((site / CACHE_DIR).rglob("*.*"))
    assert [p.name for p in cached] == ["160.jpg", "160.webp", "320.jpg", "320.webp"]
    mtimes = [p.stat().st_mtime_ns for p in cached]
    assert build_site(site, today=TODAY).written
    assert len(calls) == 1, "an unchanged photo was processed again"
    assert [p.stat().st_mtime_ns for p in cached] == mtimes
    # A new photo is a new cache entry: processed once more.
    (site / "mentors" / "photos" / "ada.jpg").write_bytes(image_bytes(size=(900, 700), colour=(10, 200, 10)))
    assert build_site(site, today=TODAY).written
    assert len(calls) == 2


def test_pages_use_picture_with_webp_and_a_jpeg_fallback(make_site):
    second = (
        GOOD_PROFILE.replace("name: Ada Example", "name: Bo Chen")
        .replace("photo: photos/ada.jpg\n", "")
        .replace("ada.private@example.org", "bo.private@example.org")
    )
    site = make_site(f"""
-- mentors/ada-example.yaml --
{GOOD_PROFILE}
-- mentors/bo-chen.yaml --
{second}
""")
    (site / "mentors" / "photos" / "ada.jpg").write_bytes(image_bytes(size=(900, 700)))
    assert build_site(site, today=TODAY).written
    out = site / "_site"
    page = (out / "mentors" / "ada-example" / "index.html").read_text(encoding="utf-8")
    digest = re.search(r"photo-([0-9a-f]{12})-160\.webp", page).group(1)
    base = "/mentors/ada-example/photo-" + digest
    assert (
        f'<source type="image/webp" srcset="{base}-160.webp 160w, {base}-320.webp 320w" sizes="7rem">'
        f'<img class="avatar avatar-lg" src="{base}-160.jpg" srcset="{base}-160.jpg 160w, {base}-320.jpg 320w" '
        'sizes="7rem" width="160" height="160" alt="">'
    ) in page
    card = (out / "mentors" / "index.html").read_text(encoding="utf-8")
    assert (
        f'<img class="avatar" src="{base}-160.jpg" srcset="{base}-160.jpg 160w, {base}-320.jpg 320w" '
        'sizes="3.5rem" width="160" height="160" alt="" loading="lazy" decoding="async">'
    ) in card
    published = sorted(p.name for p in (out / "mentors" / "ada-example").iterdir())
    assert published == ["index.html", *sorted(f"photo-{digest}-{s}.{e}" for s in (160, 320) for e in ("jpg", "webp"))]
    # No photo: the initials avatar.
    assert '<span class="avatar avatar-lg" aria-hidden="true">BC</span>' in (
        out / "mentors" / "bo-chen" / "index.html"
    ).read_text(encoding="utf-8")


def test_a_bad_photo_stops_the_build_and_check_reports_it(make_site):
    from click.testing import CliRunner

    from mentorsite.cli import cli

    site = make_site(f"-- mentors/ada-example.yaml --\n{GOOD_PROFILE}")
    (site / "mentors" / "photos" / "ada.jpg").write_text("not an image")
    report = build_site(site, today=TODAY)
    assert not report.written
    assert [d.human().split("\n")[0] for d in report.errors] == [
        "mentors/ada-example.yaml:3:8: error: photo 'photos/ada.jpg' is not a readable image"
    ]
    result = CliRunner().invoke(cli, ["check", str(site)])
    assert result.exit_code == 1
    assert "mentors/ada-example.yaml:3:8: error: photo 'photos/ada.jpg' is not a readable image" in result.stderr


def test_cache_folder_is_ignored_by_git():
    root = Path(__file__).resolve().parents[1]
    assert ".mentorsite-cache/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def photo_site(tmp_path) -> tuple[Path, list]:
    """A site whose one profile has a photo, and its loaded profiles (the same objects on
    every call, as serve's load cache hands them back)."""
    site = write_site(tmp_path / "site", files={PHOTO_PATH: image_bytes(), "mentors/ada.yaml": GOOD_PROFILE})
    loaded = load_site(site, load_config(site), today=TODAY)
    return site, [m for m in loaded.mentors if m.mentor.photo]


def counting_checks(monkeypatch) -> list[str]:
    done: list[str] = []
    real = photos.check_photo

    def counting(site_dir, profile_path, slug, photo, line, col):
        done.append(slug)
        return real(site_dir, profile_path, slug, photo, line, col)

    monkeypatch.setattr(photos, "check_photo", counting)
    return done


def test_a_kept_answer_stands_while_the_photos_path_is_as_it_was(photo_site, monkeypatch):
    """serve keeps each photo's answer (LoadCache.photos): given again while the lstat of the
    file and of every folder on its way is the same; a new file is checked again."""
    monkeypatch.setattr(uptodate, "RACY_NS", 0)  # the file was written just now
    site, mentors = photo_site
    checks, memo = counting_checks(monkeypatch), {}
    first = check_photos(site, mentors, memo)
    assert checks == ["ada"] and first[1] == [] and set(first[0]) == {"ada"}
    assert check_photos(site, mentors, memo) == first and checks == ["ada"]
    (site / PHOTO_PATH).write_bytes(b"not an image any more")
    found, problems = check_photos(site, mentors, memo)
    assert checks == ["ada", "ada"] and found == {}
    assert [p.message for p in problems] == ["photo 'photos/ada.jpg' is not a readable image"]
    # Its folder become a link to where the same file now lies: checked again (and refused).
    (site / PHOTO_PATH).write_bytes(image_bytes())
    assert check_photos(site, mentors, memo)[1] == [] and len(checks) == 3
    (site / "mentors" / "photos").rename(site / "mentors" / "real")
    (site / "mentors" / "photos").symlink_to("real")
    found, problems = check_photos(site, mentors, memo)
    assert [p.message for p in problems] == ["photo 'photos/ada.jpg' is a symbolic link"] and len(checks) == 4
    # Without a memo (a one-off build), every photo is checked.
    check_photos(site, mentors)
    check_photos(site, mentors)
    assert len(checks) == 6


def test_with_a_watcher_a_kept_answer_stands_until_its_path_is_reported(photo_site, monkeypatch):
    monkeypatch.setattr(uptodate, "RACY_NS", 0)
    site, mentors = photo_site
    checks, memo, watcher = counting_checks(monkeypatch), {}, InputWatcher(site)
    check_photos(site, mentors, memo, None, watcher.reports)
    (site / PHOTO_PATH).write_bytes(b"broken")
    # Not reported (yet): not even looked at.
    assert check_photos(site, mentors, memo, {"mentors/ada.yaml", "content/about.md"})[1] == []
    assert checks == ["ada"]
    for reported in ({"mentors/photos/ada.jpg"}, {"mentors/photos"}, {"mentors"}):
        found, problems = check_photos(site, mentors, memo, reported, watcher.reports)
        assert [p.message for p in problems] == ["photo 'photos/ada.jpg' is not a readable image"]
    assert checks == ["ada"] * 4


def test_a_photo_the_watcher_ignores_is_looked_at_whatever_it_reported(tmp_path, monkeypatch):
    """The watcher ignores hidden files and editors' backups: a photo named so is stat'ed."""
    monkeypatch.setattr(uptodate, "RACY_NS", 0)
    site = write_site(
        tmp_path / "site",
        files={
            "mentors/photos/.ada.jpg": image_bytes(),
            "mentors/ada.yaml": GOOD_PROFILE.replace("ada.jpg", ".ada.jpg"),
        },
    )
    mentors = [m for m in load_site(site, load_config(site), today=TODAY).mentors if m.mentor.photo]
    checks, memo, watcher = counting_checks(monkeypatch), {}, InputWatcher(site)
    assert not watcher.reports("mentors/photos/.ada.jpg") and watcher.reports("mentors/photos/ada.jpg")
    assert check_photos(site, mentors, memo, set(), watcher.reports)[1] == []
    assert check_photos(site, mentors, memo, set(), watcher.reports)[1] == [] and checks == ["ada"]
    (site / "mentors/photos/.ada.jpg").write_bytes(b"broken")
    found, problems = check_photos(site, mentors, memo, set(), watcher.reports)
    assert [p.message for p in problems] == ["photo 'photos/.ada.jpg' is not a readable image"]


def test_a_photo_stamped_just_now_is_checked_until_its_stamp_can_be_trusted(photo_site, monkeypatch):
    """A file changed within a clock tick of its check could keep its stat: until its stamp is
    RACY_NS old, every build checks it again, whatever the watcher said."""
    site, mentors = photo_site
    checks, memo = counting_checks(monkeypatch), {}
    check_photos(site, mentors, memo, set())
    check_photos(site, mentors, memo, set())
    assert checks == ["ada", "ada"]
    monkeypatch.setattr(uptodate, "RACY_NS", 0)
    check_photos(site, mentors, memo, set())
    check_photos(site, mentors, memo, set())
    assert checks == ["ada"] * 3
