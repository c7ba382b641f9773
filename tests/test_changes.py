"""`check --changed` and `mentorsite changes`, against real temporary git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from kit import GOOD_PROFILE, PHOTO_PATH, TODAY, tiny_jpeg, write_site

from mentorsite.changes import (
    Change,
    GitError,
    MentorChange,
    changed_since,
    default_base,
    format_changes,
    mentor_changes,
    scoped_check,
)
from mentorsite.cli import cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert result.returncode == 0, result.stderr
    return result.stdout


def profile(name: str, email: str, *, active: bool = True, tag: str = "leadership") -> str:
    """A valid profile (no warnings whatever the date: no last_reviewed) for another person."""
    text = GOOD_PROFILE.replace("name: Ada Example", f"name: {name}").replace("ada.private@example.org", email)
    text = text.replace("tags: [leadership, writing]", f"tags: [{tag}]").replace("last_reviewed: 2026-05-01\n", "")
    return text + ("" if active else "active: false\n")


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository whose main branch holds a valid site with three mentors; HEAD on branch 'edit'."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    write_site(
        root,
        f"""
-- mentors/ana-lima.yaml --
{profile("Ana Lima", "ana@example.org")}
-- mentors/bo-chen.yaml --
{profile("Bo Chen", "bo@example.org")}
-- mentors/zoe-west.yaml --
{profile("Zoe West", "zoe@example.org")}
-- .gitignore --
/_site/
.mentorsite-cache/
""",
        files={PHOTO_PATH: tiny_jpeg()},
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "site")
    git(root, "checkout", "-q", "-b", "edit")
    return root


def commit(repo: Path, message: str = "edit") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_changed_since_lists_added_modified_removed_renamed_and_untracked(repo):
    """Committed and uncommitted edits count; ignored files and main's own later commits do not."""
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org", tag="writing"))
    (repo / "mentors" / "zoe-west.yaml").unlink()
    git(repo, "mv", "mentors/ana-lima.yaml", "mentors/ana-lima-souza.yaml")
    commit(repo)
    git(repo, "checkout", "-q", "main")
    (repo / "content").mkdir()
    (repo / "content" / "later.md").write_text("---\ntitle: Later\n---\nOn main after the branch point.\n")
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "edit")
    (repo / "mentors" / "new-person.yaml").write_text(profile("New Person", "new@example.org"))  # untracked
    (repo / "_site").mkdir()
    (repo / "_site" / "index.html").write_text("ignored output")

    changes = changed_since(repo, "main")
    assert changes.base == "main"
    assert changes.merge_base == git(repo, "merge-base", "main", "edit").strip()
    assert changes.prefix == ""
    assert changes.changes == [
        Change("renamed", "mentors/ana-lima-souza.yaml", "mentors/ana-lima.yaml"),
        Change("modified", "mentors/bo-chen.yaml"),
        Change("added", "mentors/new-person.yaml"),
        Change("removed", "mentors/zoe-west.yaml"),
    ]
    assert changes.present == {"mentors/ana-lima-souza.yaml", "mentors/bo-chen.yaml", "mentors/new-person.yaml"}
    assert changes.removed == ["mentors/ana-lima.yaml", "mentors/zoe-west.yaml"]


def test_default_base_prefers_origin_main_then_main(repo):
    assert default_base(repo) == "main"
    git(repo, "update-ref", "refs/remotes/origin/main", git(repo, "rev-parse", "main").strip())
    assert default_base(repo) == "origin/main"
    assert changed_since(repo).base == "origin/main"


def test_no_main_and_unknown_base_are_clear_errors(repo, tmp_path):
    git(repo, "branch", "-q", "-m", "main", "trunk")
    with pytest.raises(GitError, match="found neither origin/main nor main"):
        changed_since(repo)
    with pytest.raises(GitError, match="unknown branch or commit 'origin/nope'; fetch it first"):
        changed_since(repo, "origin/nope")
    with pytest.raises(GitError, match="is not a branch or commit"):
        changed_since(repo, "--output=/tmp/x")
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    with pytest.raises(GitError, match="is not inside a git working tree"):
        changed_since(outside, "main")


def test_site_in_a_subfolder_gets_site_relative_paths_and_a_prefix(tmp_path, monkeypatch):
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    write_site(
        root / "directory",
        f"-- mentors/ana-lima.yaml --\n{profile('Ana Lima', 'ana@example.org')}",
        files={PHOTO_PATH: tiny_jpeg()},
    )
    (root / "README.md").write_text("outside the site\n")
    git(root, "init", "-q", "-b", "main")
    commit(root, "site")
    (root / "README.md").write_text("changed, but outside the site\n")
    (root / "directory" / "mentors" / "bo-chen.yaml").write_text(
        profile("Bo Chen", "bo@example.org") + "headlin: typo\n"
    )
    changes = changed_since(root / "directory", "main")
    assert changes.prefix == "directory/"
    assert changes.changes == [Change("added", "mentors/bo-chen.yaml")]
    result = CliRunner().invoke(cli, ["check", str(root / "directory"), "--changed", "main", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=directory/mentors/bo-chen.yaml,line=18,col=1::unknown field 'headlin' "
        "(hint: did you mean 'headline'?)\n"
    )


def test_scoped_check_reports_only_changed_files(repo):
    """An unchanged broken profile is not this branch's problem; a changed one is."""
    (repo / "mentors" / "zoe-west.yaml").write_text(profile("Zoe West", "zoe@example.org", tag="leadrship"))
    commit(repo, "broken on the branch point")
    git(repo, "branch", "-q", "-f", "main", "HEAD")
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org", tag="writting"))
    result = scoped_check(repo, changed_since(repo, "main"), today=TODAY)
    assert [d.human() for d in result.diagnostics] == [
        "mentors/bo-chen.yaml:4:8: error: 'tags item 1': 'writting' is not a known expertise tag\n"
        "    hint: did you mean 'writing'?",
    ]
    assert result.checked == ["mentors/bo-chen.yaml"]
    assert result.removed == []
    assert result.everything is False


def test_duplicate_of_an_unchanged_profile_is_reported_on_the_changed_file(repo):
    """aaa.yaml sorts first, but it is the new file, so the duplicate error lands there."""
    (repo / "mentors" / "aaa.yaml").write_text(profile("Zoe West", "someone@example.org"))
    (repo / "mentors" / "abe.yaml").write_text(profile("Abe Stone", "ZOE@example.org"))
    result = scoped_check(repo, changed_since(repo, "main"), today=TODAY)
    assert [d.human() for d in result.diagnostics] == [
        "mentors/aaa.yaml:1:7: error: 'Zoe West' already has a profile in mentors/zoe-west.yaml\n"
        "    hint: update that file instead, or remove one of the two",
        "mentors/abe.yaml:15:8: error: this email is already used by mentors/zoe-west.yaml\n"
        "    hint: the same person should have one profile",
    ]


def test_removed_profiles_are_listed_not_errors(repo):
    (repo / "mentors" / "zoe-west.yaml").unlink()
    result = scoped_check(repo, changed_since(repo, "main"), today=TODAY)
    assert result.diagnostics == []
    assert result.checked == []
    assert result.removed == ["mentors/zoe-west.yaml"]
    cli_result = CliRunner().invoke(cli, ["check", str(repo), "--changed", "main", "--format", "github"])
    assert cli_result.exit_code == 0
    assert cli_result.stdout == "::notice title=Removed::mentors/zoe-west.yaml was removed (not an error)\n"


def test_a_changed_site_toml_checks_everything(repo):
    """Changing the vocabulary can break any profile, so every file is in scope."""
    toml = (repo / "site.toml").read_text()
    (repo / "site.toml").write_text(
        toml.replace('leadership = { label = "Leadership", aliases = ["management"] }\n', "")
    )
    result = scoped_check(repo, changed_since(repo, "main"), today=TODAY)
    assert result.everything is True
    assert sorted({d.path for d in result.diagnostics}) == [
        "mentors/ana-lima.yaml",
        "mentors/bo-chen.yaml",
        "mentors/zoe-west.yaml",
    ]


def test_a_changed_photo_brings_its_profile_into_scope(repo):
    (repo / "mentors" / "photos" / "ada.jpg").write_bytes(b"not an image at all")
    result = scoped_check(repo, changed_since(repo, "main"), today=TODAY)
    assert sorted(d.human() for d in result.diagnostics) == [
        f"mentors/{slug}.yaml:3:8: error: photo 'photos/ada.jpg' is not a readable image\n"
        "    hint: export it again as JPEG, PNG or WebP"
        for slug in ("ana-lima", "bo-chen", "zoe-west")
    ]
    assert result.checked == ["mentors/ana-lima.yaml", "mentors/bo-chen.yaml", "mentors/zoe-west.yaml"]


def test_check_changed_cli_formats(repo):
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org", tag="writting"))
    (repo / "mentors" / "zoe-west.yaml").unlink()
    runner = CliRunner()
    github = runner.invoke(cli, ["check", str(repo), "--changed", "main", "--format", "github"])
    assert github.exit_code == 1
    assert github.stdout == (
        "::error file=mentors/bo-chen.yaml,line=4,col=8::'tags item 1': 'writting' is not a known expertise tag "
        "(hint: did you mean 'writing'?)\n"
        "::notice title=Removed::mentors/zoe-west.yaml was removed (not an error)\n"
    )
    merge_base = git(repo, "merge-base", "main", "HEAD").strip()
    assert github.stderr == (
        f"checked 1 changed file against main (merge base {merge_base[:10]}); 1 removed: 1 error, 0 warnings\n"
    )
    human = runner.invoke(cli, ["check", str(repo), "--changed", "main"])
    assert human.exit_code == 1
    assert human.stdout == ""
    assert human.stderr.splitlines() == [
        "mentors/bo-chen.yaml:4:8: error: 'tags item 1': 'writting' is not a known expertise tag",
        "   4 | tags: [writting]",
        "     |        ^",
        "    hint: did you mean 'writing'?",
        "removed: mentors/zoe-west.yaml",
        f"checked 1 changed file against main (merge base {merge_base[:10]}); 1 removed: 1 error, 0 warnings",
    ]
    data = json.loads(runner.invoke(cli, ["check", str(repo), "--changed", "main", "--format", "json"]).stdout)
    assert data == {
        "base": "main",
        "merge_base": merge_base,
        "everything": False,
        "checked": ["mentors/bo-chen.yaml"],
        "removed": ["mentors/zoe-west.yaml"],
        "diagnostics": [
            {
                "path": "mentors/bo-chen.yaml",
                "line": 4,
                "col": 8,
                "message": "'tags item 1': 'writting' is not a known expertise tag",
                "hint": "did you mean 'writing'?",
                "severity": "error",
            }
        ],
    }


def test_check_changed_without_a_value_uses_the_default_base(repo):
    """`--changed` alone (even before another option) means origin/main, else main."""
    result = CliRunner().invoke(cli, ["check", str(repo), "--changed", "--format", "github"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "against main (merge base" in result.stderr


def test_check_changed_outside_git_exits_2_with_a_message(tmp_path):
    site = write_site(
        tmp_path / "site",
        f"-- mentors/ana-lima.yaml --\n{profile('Ana Lima', 'ana@example.org')}",
        files={PHOTO_PATH: tiny_jpeg()},
    )
    result = CliRunner().invoke(cli, ["check", str(site), "--changed", "main"])
    assert result.exit_code == 2
    assert result.stderr == f"mentorsite: {site} is not inside a git working tree\n"


def test_mentor_changes_names_notes_and_formats(repo):
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org", active=False))
    (repo / "mentors" / "zoe-west.yaml").unlink()
    git(repo, "mv", "mentors/ana-lima.yaml", "mentors/ana-lima-souza.yaml")
    (repo / "mentors" / "ana-lima-souza.yaml").write_text(profile("Ana Lima Souza", "ana@example.org"))
    (repo / "mentors" / "new-person.yaml").write_text(profile("Nú <b>Person</b> *", "new@example.org"))
    (repo / "mentors" / "broken.yaml").write_text("name: [unclosed\n")
    (repo / "content").mkdir()
    (repo / "content" / "about.md").write_text("---\ntitle: About\n---\nNot a mentor.\n")
    changes = changed_since(repo, "main")
    items = mentor_changes(repo, changes)
    assert items == [
        MentorChange("added", "broken", "mentors/broken.yaml", "broken", None, "has errors"),
        MentorChange("added", "new-person", "mentors/new-person.yaml", "Nú <b>Person</b> *"),
        MentorChange("changed", "bo-chen", "mentors/bo-chen.yaml", "Bo Chen", None, "paused"),
        MentorChange(
            "renamed", "ana-lima-souza", "mentors/ana-lima-souza.yaml", "Ana Lima Souza", "mentors/ana-lima.yaml"
        ),
        MentorChange("removed", "zoe-west", "mentors/zoe-west.yaml", "Zoe West"),
    ]
    assert format_changes(items, "markdown", "origin/main") == (
        "### Mentor profiles (compared with `origin/main`)\n"
        "\n"
        "2 added, 1 changed, 1 renamed, 1 removed\n"
        "\n"
        "**Added (2)**\n"
        "\n"
        "- broken (`mentors/broken.yaml`) — has errors\n"
        "- Nú &lt;b&gt;Person&lt;/b&gt; \\* (`mentors/new-person.yaml`)\n"
        "\n"
        "**Changed (1)**\n"
        "\n"
        "- Bo Chen (`mentors/bo-chen.yaml`) — paused\n"
        "\n"
        "**Renamed (1)**\n"
        "\n"
        "- Ana Lima Souza (`mentors/ana-lima.yaml` → `mentors/ana-lima-souza.yaml`)\n"
        "\n"
        "**Removed (1)**\n"
        "\n"
        "- Zoe West (`mentors/zoe-west.yaml`)\n"
    )
    assert format_changes(items, "text") == (
        "added    mentors/broken.yaml  broken (has errors)\n"
        "added    mentors/new-person.yaml  Nú <b>Person</b> *\n"
        "changed  mentors/bo-chen.yaml  Bo Chen (paused)\n"
        "renamed  mentors/ana-lima.yaml -> mentors/ana-lima-souza.yaml  Ana Lima Souza\n"
        "removed  mentors/zoe-west.yaml  Zoe West"
    )


def test_resumed_mentor_and_the_changes_command(repo):
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org", active=False))
    commit(repo, "pause Bo")
    git(repo, "branch", "-q", "-f", "main", "HEAD")
    (repo / "mentors" / "bo-chen.yaml").write_text(profile("Bo Chen", "bo@example.org"))
    runner = CliRunner()
    result = runner.invoke(cli, ["changes", "main", str(repo), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "change": "changed",
            "slug": "bo-chen",
            "path": "mentors/bo-chen.yaml",
            "name": "Bo Chen",
            "old_path": None,
            "note": "resumed",
        }
    ]
    git(repo, "checkout", "-q", "--", ".")
    empty = runner.invoke(cli, ["changes", "main", str(repo), "--format", "markdown"])
    assert empty.stdout == (
        "### Mentor profiles (compared with `main`)\n\nNo mentor profiles were added, changed or removed.\n\n"
    )
    missing = runner.invoke(cli, ["changes", "origin/gone", str(repo)])
    assert missing.exit_code == 1
    assert "unknown branch or commit 'origin/gone'" in missing.stderr
