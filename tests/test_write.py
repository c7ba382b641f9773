"""write.Staging: build into a side folder, swap it in, never publish a private email."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mentorsite.outputs import File
from mentorsite.write import OutputCollision, PrivateStrings, Staging, unsafe_destination

EMAIL = "ada.private@example.org"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def wait_until_gone(parent: Path, prefix: str, timeout: float = 5.0) -> list[str]:
    """Names under parent starting with prefix once they are gone (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        left = sorted(p.name for p in parent.iterdir() if p.name.startswith(prefix))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


def test_staging_is_a_hidden_sibling(tmp_path):
    """The staging folder is a hidden sibling of the destination, so rename stays on one disk."""
    staging = Staging(tmp_path / "_site")
    assert staging.root.parent == tmp_path
    assert staging.root.name.startswith("._site.building-")
    assert not (tmp_path / "_site").exists()
    staging.discard()


def test_commit_replaces_old_output(tmp_path):
    """commit swaps the staged folder in whole: new files present, old files gone, no leftovers."""
    dest = tmp_path / "_site"
    (dest / "old").mkdir(parents=True)
    (dest / "index.html").write_text("old home")
    (dest / "old" / "page.html").write_text("old page")
    staging = Staging(dest)
    staging.write("index.html", "new home", "home")
    staging.write("mentors/ada/index.html", "<h1>Ada</h1>", "mentors/ada")
    staged_inode = staging.root.stat().st_ino
    staging.commit()
    assert tree(dest) == {"index.html": b"new home", "mentors/ada/index.html": b"<h1>Ada</h1>"}
    assert dest.stat().st_ino == staged_inode  # renamed into place, not copied file by file
    assert not staging.root.exists()
    assert wait_until_gone(tmp_path, "._site.") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_commit_without_previous_output(tmp_path):
    """The first commit creates the destination, including missing parent folders."""
    dest = tmp_path / "deep" / "out"
    staging = Staging(dest)
    staging.write("a/b/c.txt", b"bytes", "test")
    assert staging.count == 1
    staging.commit()
    assert tree(dest) == {"a/b/c.txt": b"bytes"}


def test_discard_leaves_destination_untouched(tmp_path):
    """discard removes the staging folder and leaves the previous output byte-for-byte."""
    dest = tmp_path / "_site"
    dest.mkdir()
    (dest / "index.html").write_text("old home")
    before = tree(dest)
    staging = Staging(dest)
    staging.write("index.html", "new home", "home")
    staging.discard()
    assert tree(dest) == before
    assert not staging.root.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_committed_output_has_normal_permissions(tmp_path):
    """The committed folder has the permissions a plain mkdir would give it (umask applied)."""
    umask = os.umask(0)
    os.umask(umask)
    staging = Staging(tmp_path / "_site")
    staging.write("index.html", "home", "home")
    staging.commit()
    assert (tmp_path / "_site").stat().st_mode & 0o777 == 0o777 & ~umask


def test_collision_raises_with_both_origins(tmp_path):
    """Writing one output path twice raises OutputCollision naming both sources; the first write stays."""
    staging = Staging(tmp_path / "_site")
    staging.write("guides/index.html", "the guides index", "guides index")
    with pytest.raises(OutputCollision) as caught:
        staging.write("guides/index.html", "a page", "content/guides.md")
    assert caught.value.diagnostic.human() == (
        "content/guides.md: error: 'guides/index.html' would be written twice: by guides index and by content/guides.md\n"
        "    hint: rename one of them; every page needs its own URL"
    )
    assert (staging.root / "guides" / "index.html").read_text() == "the guides index"
    with pytest.raises(OutputCollision):
        staging.copy("guides/index.html", staging.root / "guides" / "index.html", "a photo")
    staging.discard()


def test_private_email_is_caught_and_not_written(tmp_path):
    """A file containing a private email is recorded as leaked and never written; others are."""
    staging = Staging(tmp_path / "_site", {EMAIL})
    staging.write("mentors/ada/index.html", "<p>Write to Ada.Private@Example.org.</p>", "mentors/ada")
    staging.write("search/r/0.json", '{"e": "ada.private@example.org"}', "search")
    staging.write("index.html", "<p>Contact other@example.org</p>", "home")
    assert staging.leaked == ["mentors/ada/index.html", "search/r/0.json"]
    assert tree(staging.root) == {"index.html": b"<p>Contact other@example.org</p>"}
    staging.discard()


@pytest.mark.parametrize(
    "text, found",
    [
        ("ada.private@example.org", True),
        ("<a href='mailto:ada.private@example.org'>", True),
        ("?email=ada.private@example.org&x=1", True),
        ("end of sentence: ADA.PRIVATE@EXAMPLE.ORG.", True),
        ('"ada.private@example.org"', True),
        ("(ada.private@example.org)", True),
        ("xada.private@example.org", False),
        ("ada.private@example.org.uk", False),
        ("ada.private@example.organic", False),
        ("ada.private@example-org.net", False),
        ("ada.private at example.org", False),
        ("no email here", False),
    ],
)
def test_private_strings_matching(text, found):
    """An address counts wherever punctuation surrounds it, but not inside a longer address."""
    assert PrivateStrings({EMAIL}).found_in(text.encode()) is found


def test_no_private_strings_finds_nothing():
    """With no private addresses nothing is ever a leak."""
    private = PrivateStrings(set())
    assert not private
    assert private.found_in(EMAIL.encode()) is False


def test_unsafe_destinations(tmp_path):
    """The output may not replace the site, its parents, its inputs, a file or a foreign folder."""
    site = tmp_path / "site"
    (site / "mentors").mkdir(parents=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "oldsite").mkdir()
    (tmp_path / "oldsite" / "index.html").write_text("x")
    assert unsafe_destination(site, site) == "the output folder would replace the site itself (or a folder holding it)"
    assert (
        unsafe_destination(site, tmp_path) == "the output folder would replace the site itself (or a folder holding it)"
    )
    assert unsafe_destination(site, site / "mentors") == "the output folder would replace the site's own 'mentors'"
    assert unsafe_destination(site, tmp_path / "file.txt") == "the output path is a file, not a folder"
    assert unsafe_destination(site, tmp_path / "notes") == (
        "the output folder is not empty and does not look like a built site; it would be deleted"
    )
    assert unsafe_destination(site, site / "_site") is None
    assert unsafe_destination(site, tmp_path / "oldsite") is None


@pytest.mark.parametrize(
    ("claimed", "outputs", "expected"),
    [
        ([], ["a.html", "b.html", "c.html"], None),
        ([], ["a.html", "b.html", "a.html"], "'a.html' would be written twice: by output 0 and by output 2"),
        ([], ["a.html", "b.html", "b.html", "a.html"], "'b.html' would be written twice: by output 1 and by output 2"),
        (["b.html"], ["a.html", "b.html"], "'b.html' would be written twice: by claimed before and by output 1"),
    ],
)
def test_claim_all_claims_each_output_as_claim_does(tmp_path, claimed, outputs, expected):
    """The outputs' paths are claimed at once (in C) when none collides; otherwise the first
    collision is reported, as claiming one by one reports it, and the claims before it stand."""
    staging = Staging(tmp_path / "_site")
    for path in claimed:
        staging.claim(path, "claimed before")
    files = [File(path, f"output {i}", "") for i, path in enumerate(outputs)]
    if expected is None:
        staging.claim_all(files)
        assert staging.paths == {path: f"output {i}" for i, path in enumerate(outputs)}
    else:
        with pytest.raises(OutputCollision) as caught:
            staging.claim_all(files)
        assert caught.value.diagnostic.message == expected
        assert "a.html" in staging.paths
    staging.discard()
