"""Cache files (mentorsite.cachefile): only what this machine wrote is ever unpickled, so a
cache file committed in a pull request cannot run code on the machine that builds it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from kit import GOOD_PROFILE, TODAY, drop_lines, write_site

from mentorsite import cachefile, uptodate
from mentorsite.build import build_site
from mentorsite.buildcache import manifest_path


class Payload:
    """What an attacker commits: unpickling it creates `marker` (any code could run instead)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def key_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "machine-key"
    monkeypatch.setenv(cachefile.KEY_DIR_VARIABLE, str(folder))
    return folder


def test_a_signed_file_reads_back_and_any_change_is_refused(tmp_path, key_dir):
    path = tmp_path / "cache" / "value.pickle"
    cachefile.write_signed(path, {"format": 1, "entries": {"a.html": (b"k", 3, 4)}})
    assert cachefile.read_signed(path) == {"format": 1, "entries": {"a.html": (b"k", 3, 4)}}
    assert (key_dir / "cache-key").stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    for at in (0, len(cachefile.MAGIC) + 3, len(raw) - 1):  # the magic, the tag, the pickle
        altered = bytearray(raw)
        altered[at] ^= 1
        path.write_bytes(bytes(altered))
        assert cachefile.read_signed(path) is None, at
    path.write_bytes(pickle.dumps({"format": 1}))  # a plain pickle, as the build wrote before
    assert cachefile.read_signed(path) is None


def test_a_file_signed_on_another_machine_is_refused(tmp_path, monkeypatch, key_dir):
    path = tmp_path / "value.pickle"
    monkeypatch.setenv(cachefile.KEY_DIR_VARIABLE, str(tmp_path / "other-machine"))
    cachefile.write_signed(path, [1, 2, 3])
    assert cachefile.read_signed(path) == [1, 2, 3]
    monkeypatch.setenv(cachefile.KEY_DIR_VARIABLE, str(key_dir))
    assert cachefile.read_signed(path) is None


def test_cache_files_committed_to_a_site_are_never_unpickled(tmp_path, key_dir):
    """The output manifest and the up-to-date record, forged where the next build looks for
    them: the build runs cold and nothing in them runs."""
    site = write_site(tmp_path / "site", files={"mentors/ana-silva.yaml": drop_lines(GOOD_PROFILE, "photo")})
    output = tmp_path / "out"
    assert build_site(site, output, today=TODAY).written
    marker = tmp_path / "code-ran"
    record = uptodate.record_path(site, output, None, False)
    forged = pickle.dumps({"format": 1, "record": Payload(marker), "entries": Payload(marker)})
    for path in (record, manifest_path(site, output)):
        assert path.is_file()  # where the build keeps them: the forgeries replace real files
        path.write_bytes(forged)
    report = build_site(site, output, today=TODAY)
    assert report.written and not marker.exists()
    assert report.unchanged == 0  # nothing was trusted: every output was rendered again
    # Signed with the attacker's own key (the tag is checked against this machine's): refused too.
    other = tmp_path / "attacker-key"
    other.mkdir()
    (other / "cache-key").write_bytes(b"k" * cachefile.KEY_BYTES)
    data = pickle.dumps(Payload(marker))
    signed = cachefile.MAGIC + cachefile._tag(b"k" * cachefile.KEY_BYTES, data) + data
    record.write_bytes(signed)
    manifest_path(site, output).write_bytes(signed)
    assert build_site(site, output, today=TODAY).written and not marker.exists()


def test_without_a_key_nothing_is_cached_and_builds_still_work(tmp_path, monkeypatch):
    """A key folder that cannot be made (here: a file is in the way): every build is cold."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(cachefile.KEY_DIR_VARIABLE, str(blocker / "mentorsite"))
    site = write_site(tmp_path / "site", files={"mentors/ana-silva.yaml": drop_lines(GOOD_PROFILE, "photo")})
    output = tmp_path / "out"
    assert build_site(site, output, today=TODAY).written
    assert not manifest_path(site, output).exists()
    again = build_site(site, output, today=TODAY)
    assert again.written and again.unchanged == 0
