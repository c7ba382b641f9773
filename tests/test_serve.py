"""`mentorsite serve`: builds outside output_dir, rebuilds on saves, reports broken edits, and
adds its live-reload script only to what it serves. Real serve processes on 127.0.0.1 (see
serve_kit.py); the browser side is in tests/browser/test_serve_browser.py."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from serve_kit import PROFILE, PUBLIC_URL, TIMEOUT, ServeProcess, preview_site, save_by_rename, wait_until
from test_incremental import (  # the incremental build's own site and edits
    add_profile,
    change_card_template,
    change_settings,
    change_template,
    delete_profile,
    edit_profile,
    relabel_tag,
    rename_profile,
    start_site,
    tree,
)

from mentorsite.build import build_site
from mentorsite.serve import server
from mentorsite.serve.server import inject, live_snippet
from mentorsite.serve.watch import InputFilter, InputWatcher

SCRIPT_TRACES = ("__mentorsite", "live.js")


@pytest.fixture
def site(tmp_path) -> Path:
    return preview_site(tmp_path / "site")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(site: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mentorsite", "build", str(site)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr


def edit_headline(site: Path, headline: str) -> str:
    """The profile with a new headline, saved by rename; returns the new text."""
    path = site / PROFILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [at] = [i for i, line in enumerate(lines) if line.startswith("headline:")]
    lines[at] = f'headline: "{headline}"\n'
    save_by_rename(path, "".join(lines))
    return "".join(lines)


def break_profile(site: Path) -> int:
    """Add an unknown field under the headline; returns its line number."""
    path = site / PROFILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [at] = [i for i, line in enumerate(lines) if line.startswith("headline:")]
    lines.insert(at + 1, "favourite_colour: teal\n")
    save_by_rename(path, "".join(lines))
    return at + 2


def fix_profile(site: Path, headline: str = "Mentor happy to help") -> None:
    """Remove the unknown field again (and set the headline's start), saved by rename."""
    text = (site / PROFILE).read_text(encoding="utf-8").replace("favourite_colour: teal\n", "")
    save_by_rename(site / PROFILE, text.replace("Mentor happy to help", headline))


def first_state(serve: ServeProcess) -> dict:
    """The first build state the events stream sends (the current one)."""
    with urllib.request.urlopen(serve.url + "__mentorsite/events", timeout=TIMEOUT) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                return json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended without a state")


def test_serve_leaves_output_dir_alone_and_a_build_after_it_publishes_no_local_url(site):
    """Previews are built in the serve folder with the local URL; output_dir is neither created
    nor changed by serve, and the next `mentorsite build` publishes only the public URL, with no
    trace of the live-reload script (the serve folder's files have none either)."""
    build(site)
    published = files_of(site / "_site")
    with ServeProcess(site) as serve:
        serve.wait_for_line("built ")
        status, page = serve.get("mentors/ada-example/")
        assert status == 200
        assert f'<link rel="canonical" href="{serve.url}mentors/ada-example/">' in page
        assert '<script src="/__mentorsite/live.js"></script></body>' in page
        status, missing = serve.get("no-such-page/")
        assert status == 404 and '<script src="/__mentorsite/live.js"></script>' in missing
        edit_headline(site, "Edited while serving")
        serve.wait_for_line("rebuilt after mentors/ada-example.yaml:")
        [run] = (site / ".mentorsite-cache" / "serve").iterdir()
        previews = files_of(run)
        sitemaps = [data for path, data in previews.items() if path.endswith("/sitemap.xml")]
        assert sitemaps and all(f"<loc>{serve.url}mentors/ada-example/</loc>".encode() in data for data in sitemaps)
        assert [path for path, data in previews.items() if PUBLIC_URL.encode() in data] == []
        assert [path for path, data in previews.items() if any(t.encode() in data for t in SCRIPT_TRACES)] == []
    assert serve.process.returncode == 0 and serve.lines[-1] == "stopped"
    assert list((site / ".mentorsite-cache" / "serve").iterdir()) == []
    assert files_of(site / "_site") == published
    build(site)
    output = files_of(site / "_site")
    assert b"Edited while serving" in output["mentors/ada-example/index.html"]
    local = ("127.0.0.1", "localhost", *SCRIPT_TRACES)
    assert [path for path, data in output.items() if any(t.encode() in data for t in local)] == []


def test_save_by_rename_rebuilds_and_the_page_shows_the_edit(site):
    """An editor's save by rename (temporary file, then os.replace) triggers a rebuild; the
    temporary file is not reported as a change."""
    with ServeProcess(site) as serve:
        after = serve.wait_for_line("built ")
        edit_headline(site, "Saved by rename")
        serve.wait_for_line("rebuilt after mentors/ada-example.yaml: ", after)
        assert "Saved by rename" in serve.get("mentors/ada-example/")[1]


def test_a_burst_of_saves_is_built_once_or_twice_and_ends_with_the_last(site):
    """Twenty saves in a row do not queue twenty builds; the last save is what is served."""
    with ServeProcess(site) as serve:
        after = serve.wait_for_line("built ")
        for number in range(20):
            edit_headline(site, f"Save number {number}")
        wait_until(lambda: "Save number 19" in serve.get("mentors/ada-example/")[1], "the last save to be served")
        # Previews build in place: the page can be served a moment before its build's line is printed.
        serve.wait_for_line("rebuilt after", after)
        rebuilds = [line for line in serve.lines[after:] if line.startswith("rebuilt after")]
        assert 1 <= len(rebuilds) <= 3, rebuilds


def test_a_broken_edit_keeps_the_last_good_pages_and_reports_where(site):
    """A profile with an unknown field: the terminal and the browser's state both give
    path:line:col; the last good page is still served; the fix clears the problems."""
    with ServeProcess(site) as serve:
        after = serve.wait_for_line("built ")
        good = serve.get("mentors/ada-example/")[1]
        line = break_profile(site)
        serve.wait_for_line("build failed: 1 problem; still serving the last good pages", after)
        where = f"mentors/ada-example.yaml:{line}:1"
        assert f"{where}: error: unknown field 'favourite_colour'" in serve.output
        assert serve.get("mentors/ada-example/") == (200, good)
        state = first_state(serve)
        assert [(p["where"], p["message"], p["source"]) for p in state["problems"]] == [
            (where, "unknown field 'favourite_colour'", "favourite_colour: teal")
        ]
        fix_profile(site, "Fixed: mentor happy to help")
        wait_until(
            lambda: first_state(serve)["problems"] == [] and "Fixed: mentor" in serve.get("mentors/ada-example/")[1],
            "the fixed profile to be served",
        )


def test_until_a_first_good_build_every_url_shows_the_problems(site):
    """Started on a broken site, serve still answers (503 with the live script, so the overlay
    shows) and serves the site as soon as it builds."""
    line = break_profile(site)
    with ServeProcess(site) as serve:
        serve.wait_for_line("build failed: 1 problem; nothing to serve until it builds")
        status, page = serve.get("mentors/ada-example/")
        assert status == 503 and '<script src="/__mentorsite/live.js"></script>' in page
        state = first_state(serve)
        assert state["build"] == 0
        assert [(p["where"], p["message"]) for p in state["problems"]] == [
            (f"mentors/ada-example.yaml:{line}:1", "unknown field 'favourite_colour'")
        ]
        assert state["problems"][0]["hint"].startswith("allowed here: name, headline, ")
        fix_profile(site)
        wait_until(lambda: serve.get("mentors/ada-example/")[0] == 200, "the site to be served")
        assert first_state(serve) == {"build": 1, "problems": [], "pages": None}


def test_a_taken_port_is_a_clear_error(site):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mentorsite", "serve", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: cannot serve at 127.0.0.1:{port}: ")
    assert not (site / ".mentorsite-cache" / "serve").exists()


def test_the_watcher_sees_inputs_only(tmp_path):
    """Only what a build reads counts: not the output, the cache, .git, or editors' files."""
    inputs = {
        "site.toml",
        "mentors/ada.yaml",
        "mentors/photos/ada.jpg",
        "content/guides/welcome.md",
        "templates/mentor.html",
        "templates",
    }
    ignored = {
        "_site/index.html",
        ".mentorsite-cache/serve/run-1/1/index.html",
        ".git/index",
        "README.md",
        "mentors/.ada.yaml.swp",
        "mentors/ada.yaml~",
        "mentors/.ada.yaml.tmp",
        "mentors/4913",
        "content/#welcome.md#",
        "content/.#welcome.md",
        "templates/node_modules/x.js",
    }
    accept = InputFilter(tmp_path)
    assert {path for path in inputs | ignored if accept(None, str(tmp_path / path))} == inputs


def test_the_watcher_follows_a_deleted_and_recreated_folder(site):
    """A watched folder removed and made again is still watched: its new files are changes."""
    watcher = InputWatcher(site)
    watcher.start()
    try:
        shutil.rmtree(site / "templates")
        wait_until(lambda: "templates" in watcher.next_batch(1.0), "the deletion")
        (site / "templates").mkdir()
        wait_until(lambda: "templates" in watcher.next_batch(1.0), "the new folder")
        (site / "templates" / "mentor.html").write_text("x", encoding="utf-8")
        wait_until(lambda: "templates/mentor.html" in watcher.next_batch(1.0), "a file in the new folder")
    finally:
        watcher.close()


def test_the_script_is_added_before_the_end_of_the_body():
    snippet = b"<script>S</script>"
    assert (
        inject(b"<html><body><p>x</p></BODY></html>", snippet)
        == b"<html><body><p>x</p><script>S</script></BODY></html>"
    )
    assert inject(b"<p>no body</p>", snippet) == b"<p>no body</p><script>S</script>"


def test_the_scripts_data_cannot_end_its_element(monkeypatch):
    """The interface text travels inside <script type="application/json">: no string in it can
    close that element or start markup."""
    hostile = "</script><script>alert(1)</script><!-- & >"
    monkeypatch.setattr(server, "UI_TEXT", {**server.UI_TEXT, "title": hostile})
    snippet = live_snippet(7).decode()
    assert snippet.count("</script>") == 2 and "<!--" not in snippet and "<script>alert" not in snippet
    data = snippet.removeprefix(f'<script type="application/json" id="{server.DATA_ID}">').split("</script>")[0]
    assert json.loads(data) == {"build": 7, "events": "/__mentorsite/events", "text": {**server.UI_TEXT}}


def test_edits_through_a_running_serve_give_the_tree_of_a_cold_build(tmp_path):
    """serve rebuilds from what it keeps in memory (profiles as loaded, views, cards, facet
    values, search tokens, digests): after each edit of a sequence — a bio, a rename of the
    person and of their tags (facet membership moves), a mentor no longer accepting, a profile
    added, a file renamed, one deleted, a tag relabelled and site.toml changed (every card),
    a template changed, the card template overridden and changed — its preview is byte for
    byte a cold build of the site at its address."""
    site = start_site(tmp_path / "site")
    steps = [
        (edit_profile, 0),
        (edit_profile, 1),
        (edit_profile, 2),
        (add_profile, 3),
        (rename_profile, 1),
        (delete_profile, 2),
        (relabel_tag, 7),
        (change_settings, 8),
        (change_template, 9),
        (change_card_template, 10),
        (change_card_template, 11),
        (edit_profile, 12),
    ]
    with ServeProcess(site) as serve:
        after = serve.wait_for_line("built ")
        [preview] = (site / ".mentorsite-cache" / "serve").glob("run-*/site")
        for number, (edit, draw) in enumerate(steps):
            edit(site, draw)
            after = serve.wait_for_line("rebuilt after", after)
            cold = tmp_path / f"cold-{number}"
            report = build_site(site, cold, base_url=serve.url, clean=True)
            assert report.written, [d.human() for d in report.errors]
            # A rename may arrive as two batches, so two builds: wait for the last.
            try:
                wait_until(lambda cold=cold: tree(preview) == tree(cold), "the preview to equal a cold build", 20)
            except TimeoutError:
                (files, folders), (expected, expected_folders) = tree(preview), tree(cold)
                assert (edit.__name__, sorted(files)) == (edit.__name__, sorted(expected))
                assert (edit.__name__, [p for p in expected if files[p] != expected[p]]) == (edit.__name__, [])
                assert folders == expected_folders
            shutil.rmtree(cold)


def test_a_rebuild_runs_no_cyclic_collection_until_its_pages_are_served(tmp_path):
    """The editor waits for a rebuild, not for the collector: from the second build on, it is
    held while the build runs and the server switches to the new pages, and until serve's
    loop releases it (quiet for a moment). The first (cold) build runs with it, so its cyclic
    garbage cannot pile up."""
    import gc

    from mentorsite.parallel import CollectionHold
    from mentorsite.serve.server import LiveState
    from mentorsite.serve.session import PreviewBuilds, _rebuild

    site = start_site(tmp_path / "site")
    builds, live, seen = PreviewBuilds(site, "http://127.0.0.1:9/"), LiveState(), []
    build, succeeded = builds.build, live.succeeded
    collector = CollectionHold()

    def watched_build(changed):
        seen.append(("build", gc.isenabled()))
        return build(changed)

    def watched_succeeded(root):
        seen.append(("served", gc.isenabled()))
        return succeeded(root)

    builds.build, live.succeeded = watched_build, watched_succeeded
    try:
        _rebuild(builds, live, lambda *a, **k: None, set(), True, collector)
        assert gc.isenabled()
        edit_profile(site, 0)
        _rebuild(builds, live, lambda *a, **k: None, {"mentors/ana-example.yaml"}, False, collector)
        assert not gc.isenabled()  # held: tabs reload and fetch their pages before it runs
        collector.release()
        assert gc.isenabled()
    finally:
        collector.release()
        gc.enable()
        live.close()
        builds.close()
    assert seen == [("build", True), ("served", True), ("build", False), ("served", False)]
