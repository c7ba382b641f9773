"""What a branch changed, from git: the files to check and the mentors to list in a summary.

`mentorsite check --changed [BASE]` reports problems only in the files a branch changed since
it left BASE (their merge base), while still loading every profile so that site-wide rules
(the same person twice) compare against the whole directory. `mentorsite changes [BASE]`
lists the mentors a branch adds, changes, pauses and removes, for a pull request's summary.

The comparison is between the merge base and the working tree, plus untracked files that
git does not ignore, so it answers "what would this branch change" both in CI (a clean
checkout of the pull request) and on an editor's machine (uncommitted edits included).
Only `git` is needed; everything runs in the site folder, which may be a subfolder of the
repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

import click

from .build import check_site
from .diagnostics import Diagnostic, InputError, counted, format_diagnostics
from .load import MENTOR_SUFFIXES
from .privacy import quote_public_sources
from .rules import site_rules
from .yamlsource import decode_source, parse_yaml

Status = Literal["added", "modified", "removed", "renamed"]
ChangeKind = Literal["added", "changed", "renamed", "removed"]
#: Mentor profiles live directly in mentors/ (photos and the like sit in subfolders).
MENTORS_DIR = "mentors/"


class GitError(Exception):
    """git is missing, this is not a repository, or the base cannot be compared with."""


@dataclass(frozen=True)
class Change:
    """One changed file, with paths relative to the site folder (forward slashes)."""

    status: Status
    path: str
    #: The previous path of a renamed file.
    old_path: str | None = None


@dataclass
class ChangeSet:
    base: str
    merge_base: str
    #: The site folder's path inside the repository ('' or ending in '/'), for git show.
    prefix: str
    changes: list[Change] = field(default_factory=list)

    @property
    def present(self) -> set[str]:
        """Paths changed and still there: what to check."""
        return {c.path for c in self.changes if c.status != "removed"}

    @property
    def removed(self) -> list[str]:
        """Paths that are gone (renamed files' old paths included)."""
        return sorted(
            {c.path for c in self.changes if c.status == "removed"}
            | {c.old_path for c in self.changes if c.status == "renamed" and c.old_path}
        )


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed; --changed and `mentorsite changes` need it") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than two minutes") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout.decode("utf-8", "surrogateescape")


def _has_commit(cwd: Path, revision: str) -> bool:
    try:
        _git(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
        return True
    except GitError:
        return False


def default_base(cwd: Path) -> str:
    """origin/main when the repository has it, else main."""
    for candidate in ("origin/main", "main"):
        if _has_commit(cwd, candidate):
            return candidate
    raise GitError("found neither origin/main nor main to compare with; name the base, e.g. --changed origin/master")


def changed_since(site_dir: Path, base: str | None = None) -> ChangeSet:
    """Every file under site_dir that differs between merge-base(BASE, HEAD) and the working tree."""
    if not site_dir.is_dir():
        raise GitError(f"{site_dir} is not a folder")
    try:
        inside = _git(site_dir, "rev-parse", "--is-inside-work-tree").strip()
    except GitError:
        inside = ""
    if inside != "true":
        raise GitError(f"{site_dir} is not inside a git working tree")
    base = base or default_base(site_dir)
    if base.startswith("-"):
        raise GitError(f"'{base}' is not a branch or commit")
    if not _has_commit(site_dir, base):
        raise GitError(
            f"unknown branch or commit '{base}'; fetch it first (git fetch origin), "
            "and in GitHub Actions check out with fetch-depth: 0"
        )
    try:
        merge_base = _git(site_dir, "merge-base", "--end-of-options", base, "HEAD").strip()
    except GitError:
        raise GitError(
            f"'{base}' and HEAD share no history; in a shallow clone fetch more (actions/checkout with fetch-depth: 0)"
        ) from None
    prefix = _git(site_dir, "rev-parse", "--show-prefix").strip()
    output = _git(
        site_dir,
        "-c",
        "core.quotepath=false",
        "diff",
        "--name-status",
        "-z",
        "--find-renames",
        "--relative",
        merge_base,
        "--",
    )
    changes = _parse_name_status(output)
    seen = {c.path for c in changes}
    untracked = _git(site_dir, "ls-files", "--others", "--exclude-standard", "-z")
    changes += [Change("added", path) for path in untracked.split("\0") if path and path not in seen]
    return ChangeSet(base, merge_base, prefix, sorted(changes, key=lambda c: (c.path, c.status)))


def _parse_name_status(output: str) -> list[Change]:
    tokens = output.split("\0")
    changes: list[Change] = []
    index = 0
    while index < len(tokens) and tokens[index]:
        code = tokens[index]
        kind = code[0]
        if kind in "RC":
            old, new = tokens[index + 1], tokens[index + 2]
            index += 3
            changes.append(Change("renamed", new, old) if kind == "R" else Change("added", new))
            continue
        path = tokens[index + 1]
        index += 2
        status: Status = {"A": "added", "D": "removed"}.get(kind, "modified")  # type: ignore[assignment]
        changes.append(Change(status, path))
    return changes


def is_profile(path: str) -> bool:
    """A mentor profile: a YAML file directly in mentors/."""
    return path.startswith(MENTORS_DIR) and "/" not in path[len(MENTORS_DIR) :] and path.endswith(MENTOR_SUFFIXES)


# -- check --changed ---------------------------------------------------------------------------


@dataclass
class ScopedCheck:
    diagnostics: list[Diagnostic]
    #: Changed files whose problems are reported.
    checked: list[str]
    #: Files the branch removed: listed, not errors.
    removed: list[str]
    #: True when site.toml changed, which can affect every profile: everything was checked.
    everything: bool
    mentors: int = 0


def scoped_check(site_dir: Path, changes: ChangeSet, *, today: date) -> ScopedCheck:
    """Check the whole site as `mentorsite check` does, then keep the problems of changed files.

    Site-wide rules see every profile. They report a duplicate on the later of two files, so
    they run again with the changed profiles last: a duplicate between a changed and an
    unchanged profile is reported on the changed one. A changed photo brings the profiles
    that use it into scope; a changed site.toml brings everything.
    """
    present = changes.present
    everything = "site.toml" in present
    config, loaded, report = check_site(site_dir, today=today)
    if config is None:
        return ScopedCheck(report.diagnostics, sorted(present), changes.removed, everything)
    as_checked = site_rules(config, loaded).diagnostics
    changed_last = sorted(loaded.mentors, key=lambda m: m.path in present)  # stable
    rules = quote_public_sources(site_rules(config, replace(loaded, mentors=changed_last)).diagnostics, loaded, config)
    photo_users = {
        m.path for m in loaded.mentors if m.mentor.photo and MENTORS_DIR + m.mentor.photo.replace("\\", "/") in present
    }
    in_scope = present | photo_users | {"site.toml"}
    found = [d for d in report.diagnostics if d not in as_checked] + rules
    found = [d for d in found if everything or d.path in in_scope]
    checked = sorted(
        p
        for p in present | photo_users
        if is_profile(p) or p.startswith("content/") and p.endswith(".md") or p == "site.toml"
    )
    return ScopedCheck(found, checked, changes.removed, everything, len(loaded.mentors))


def repo_paths(diagnostics: list[Diagnostic], prefix: str) -> list[Diagnostic]:
    """Diagnostics with paths relative to the repository root (GitHub annotations need that)."""
    return [replace(d, path=prefix + d.path) if prefix else d for d in diagnostics]


def run_changed_check(site_dir: Path, base: str | None, *, strict: bool, fmt: str, today: date) -> int:
    """`mentorsite check --changed`: print the report in fmt; return the exit status."""
    try:
        changes = changed_since(site_dir, base)
    except GitError as exc:
        click.echo(f"mentorsite: {exc}", err=True)
        return 2
    result = scoped_check(site_dir, changes, today=today)
    errors = [d for d in result.diagnostics if d.is_error]
    warnings = [d for d in result.diagnostics if not d.is_error]
    failed = bool(errors) or (strict and bool(warnings))
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "base": changes.base,
                    "merge_base": changes.merge_base,
                    "everything": result.everything,
                    "checked": result.checked,
                    "removed": result.removed,
                    "diagnostics": json.loads(format_diagnostics(result.diagnostics, "json")),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 1 if failed else 0
    if fmt == "github":
        # Annotations name files from the repository root, wherever the site sits in it.
        diagnostics = repo_paths(result.diagnostics, changes.prefix)
        if diagnostics:
            click.echo(format_diagnostics(diagnostics, "github"))
        for path in result.removed:
            click.echo(f"::notice title=Removed::{changes.prefix}{path} was removed (not an error)")
    elif result.diagnostics:
        click.echo(format_diagnostics(result.diagnostics, "human"), err=True)
    if fmt == "human":
        for path in result.removed:
            click.echo(f"removed: {path}", err=True)
    scope = (
        "site.toml changed, so every file was checked"
        if result.everything
        else f"checked {counted(len(result.checked), 'changed file')}"
    )
    click.echo(
        f"{scope} against {changes.base} (merge base {changes.merge_base[:10]}); "
        f"{len(result.removed)} removed: {counted(len(errors), 'error')}, {counted(len(warnings), 'warning')}",
        err=True,
    )
    return 1 if failed else 0


# -- mentorsite changes ------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorChange:
    change: ChangeKind
    slug: str
    path: str
    name: str
    old_path: str | None = None
    #: "paused", "resumed", "has errors", or "".
    note: str = ""


def mentor_changes(site_dir: Path, changes: ChangeSet) -> list[MentorChange]:
    """The mentors a branch adds, changes, renames and removes, named from their profiles."""
    found: list[MentorChange] = []
    for change in changes.changes:
        old = change.old_path if change.status == "renamed" else change.path
        if not (is_profile(change.path) or (old and is_profile(old))):
            continue
        slug = Path(change.path).stem
        if change.status == "removed":
            before = _profile_at(site_dir, changes, change.path)
            found.append(MentorChange("removed", slug, change.path, _name(before, slug)))
            continue
        now = _profile_on_disk(site_dir / change.path)
        before = _profile_at(site_dir, changes, old) if change.status != "added" and old else None
        note = ""
        if now is None:
            note = "has errors"
        elif before is not None and before.get("active", True) is not False and now.get("active", True) is False:
            note = "paused"
        elif before is not None and before.get("active", True) is False and now.get("active", True) is not False:
            note = "resumed"
        elif change.status == "added" and now.get("active", True) is False:
            note = "paused"
        kinds: dict[str, ChangeKind] = {"added": "added", "modified": "changed", "renamed": "renamed"}
        kind = kinds[change.status]
        found.append(
            MentorChange(
                kind,
                slug,
                change.path,
                _name(now or before, slug),
                change.old_path if change.status == "renamed" else None,
                note,
            )
        )
    order = {"added": 0, "changed": 1, "renamed": 2, "removed": 3}
    return sorted(found, key=lambda m: (order[m.change], m.path))


def _name(data: dict | None, slug: str) -> str:
    name = data.get("name") if data else None
    return name.strip() if isinstance(name, str) and name.strip() else slug


def _profile_on_disk(path: Path) -> dict | None:
    try:
        return _parse(path.read_bytes(), path.name)
    except OSError:
        return None


def _profile_at(site_dir: Path, changes: ChangeSet, path: str) -> dict | None:
    try:
        raw = subprocess.run(
            ["git", "show", f"{changes.merge_base}:{changes.prefix}{path}"],
            cwd=site_dir,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _parse(raw.stdout, path) if raw.returncode == 0 else None


def _parse(raw: bytes, path: str) -> dict | None:
    try:
        data = parse_yaml(decode_source(raw, path), path).data
    except InputError:
        return None
    return data if isinstance(data, dict) else None


HEADINGS = {"added": "Added", "changed": "Changed", "renamed": "Renamed", "removed": "Removed"}


def format_changes(items: list[MentorChange], fmt: str, base: str = "") -> str:
    """text (one line each), markdown (a pull request's job summary) or json."""
    if fmt == "json":
        return json.dumps([asdict(item) for item in items], indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return _markdown(items, base)
    lines = []
    for item in items:
        where = f"{item.old_path} -> {item.path}" if item.old_path else item.path
        note = f" ({item.note})" if item.note else ""
        lines.append(f"{item.change:<8} {where}  {item.name}{note}")
    return "\n".join(lines) if lines else "no mentor profiles changed"


def _markdown(items: list[MentorChange], base: str) -> str:
    against = f" (compared with `{_md_code(base)}`)" if base else ""
    lines = [f"### Mentor profiles{against}", ""]
    if not items:
        lines.append("No mentor profiles were added, changed or removed.")
        return "\n".join(lines) + "\n"
    counts = ", ".join(
        f"{sum(1 for i in items if i.change == kind)} {kind}"
        for kind in HEADINGS
        if any(i.change == kind for i in items)
    )
    lines += [counts, ""]
    for kind, heading in HEADINGS.items():
        group = [i for i in items if i.change == kind]
        if not group:
            continue
        lines.append(f"**{heading} ({len(group)})**")
        lines.append("")
        for item in group:
            where = (
                f"`{_md_code(item.old_path)}` → `{_md_code(item.path)}`"
                if item.old_path
                else f"`{_md_code(item.path)}`"
            )
            note = f" — {item.note}" if item.note else ""
            lines.append(f"- {_md_text(item.name)} ({where}){note}")
        lines.append("")
    return "\n".join(lines)


def _md_text(text: str) -> str:
    """Profile text as literal Markdown: no markup, links or HTML from a name."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|~" else c for c in escaped)


def _md_code(text: str) -> str:
    return text.replace("`", "'")
