"""`mentorsite init` writes a site repository: which files, for which host, from what, and never over a file."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from fnmatch import fnmatch
from pathlib import Path

import pytest
from click.testing import CliRunner
from workflow_kit import WORKFLOWS, actionlint_findings, load

from mentorsite import __version__
from mentorsite.cli import cli
from mentorsite.config import SiteConfig
from mentorsite.scaffold import init_site, starter_guides
from mentorsite.site_repository import ACTIONS, repository_files, write_repository_files
from mentorsite.yamlsource import parse_yaml

TODAY = date(2026, 11, 23)
STARTER = {f"content/guides/{rel}" for rel in starter_guides()} | {
    "site.toml",
    "mentors/ada-example.yaml",
    "templates/README.md",
    "schema/mentor.schema.json",
    "requirements.txt",
    ".gitignore",
    ".vscode/settings.json",
    ".vscode/extensions.json",
    "CONTRIBUTING.md",
}
HOST_FILES = {
    "github": {".github/workflows/check.yml", ".github/workflows/pages.yml", ".github/pull_request_template.md"},
    "netlify": {
        ".github/workflows/check.yml",
        ".github/workflows/rebuild.yml",
        ".github/pull_request_template.md",
        "netlify.toml",
    },
    "gitlab": {".gitlab-ci.yml", ".gitlab/merge_request_templates/Default.md"},
}


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and ".git/" not in p.as_posix()}


@pytest.mark.parametrize("host", sorted(HOST_FILES))
def test_init_writes_the_repository_for_each_host(tmp_path, host):
    """Each host gets exactly its CI files besides the common ones, and the site checks clean."""
    site = tmp_path / "our-mentors"
    written = init_site(site, TODAY, host)
    assert files_in(site) == STARTER | HOST_FILES[host]
    assert {p.relative_to(site).as_posix() for p in written} == STARTER | HOST_FILES[host]
    assert CliRunner().invoke(cli, ["check", str(site)]).exit_code == 0
    mode = tomllib.loads((site / "site.toml").read_text(encoding="utf-8"))["contact"]["mode"]
    assert mode == ("netlify" if host == "netlify" else "mailto")  # never a form posting to this machine


def test_init_in_a_freshly_cloned_repository_keeps_what_is_there(tmp_path):
    """.git, README, licence are left alone; an existing .gitignore keeps its lines and gains the missing ones."""
    site = tmp_path / "our-mentors"
    (site / ".git").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (site / "README.md").write_text("# Our mentors\n")
    (site / "LICENSE").write_text("CC-BY-4.0\n")
    (site / ".gitignore").write_text("__pycache__/\n*.pyc")
    result = CliRunner().invoke(cli, ["init", str(site)])
    assert result.exit_code == 0, result.output
    assert (site / "README.md").read_text() == "# Our mentors\n"
    assert (site / "LICENSE").read_text() == "CC-BY-4.0\n"
    assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (site / ".gitignore").read_text() == (
        "__pycache__/\n*.pyc\n\n"
        "# Written by mentorsite: the built site and resized photos are made again by every build.\n"
        "/_site/\n/.mentorsite-cache/\n/.venv/\n"
    )
    assert files_in(site) == STARTER | HOST_FILES["github"] | {"README.md", "LICENSE"}


def test_writing_repository_files_never_overwrites(tmp_path):
    """An existing file is kept byte for byte and reported; a .gitignore already complete is left unchanged."""
    files = {"CONTRIBUTING.md": "new\n", "requirements.txt": "mentorsite==1\n", ".gitignore": "/_site/\n"}
    (tmp_path / "CONTRIBUTING.md").write_text("ours\n")
    (tmp_path / ".gitignore").write_text("/_site/\n")
    done = write_repository_files(tmp_path, files)
    assert (done.created, done.extended, done.kept) == (
        [tmp_path / "requirements.txt"],
        [],
        [tmp_path / "CONTRIBUTING.md", tmp_path / ".gitignore"],
    )
    assert (tmp_path / "CONTRIBUTING.md").read_text() == "ours\n"
    assert (tmp_path / ".gitignore").read_text() == "/_site/\n"


def test_init_with_an_unknown_host_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "site"), "--host", "pages"])
    assert result.exit_code == 2
    assert "'pages' is not one of 'github', 'gitlab', 'netlify'" in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.external
def test_generated_workflows_pass_actionlint(tmp_path):
    """Every GitHub workflow `init` can write (Pages and Netlify hosts) has no actionlint or shellcheck finding."""
    paths = []
    for host in ("github", "netlify"):
        init_site(tmp_path / host, TODAY, host)
        paths += sorted((tmp_path / host / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in paths] == ["check.yml", "pages.yml", "check.yml", "rebuild.yml"]
    assert actionlint_findings(paths) == []


def test_workflows_install_mentorsite_from_the_one_requirement_spec(tmp_path):
    """requirements.txt pins the version that wrote it; every install step reads it, none names mentorsite itself."""
    init_site(tmp_path / "gh", TODAY, "github")
    init_site(tmp_path / "nf", TODAY, "netlify")
    init_site(tmp_path / "gl", TODAY, "gitlab")
    lines = (tmp_path / "gh" / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == [f"mentorsite=={__version__}"]
    assert "#   mentorsite @ git+" in (tmp_path / "gh" / "requirements.txt").read_text()
    installs = []
    for workflow in ("gh/.github/workflows/check.yml", "gh/.github/workflows/pages.yml"):
        for job in load(tmp_path / workflow)["jobs"].values():
            installs += [s["run"] for s in job["steps"] if "pip install" in s.get("run", "")]
    gitlab = parse_yaml((tmp_path / "gl" / ".gitlab-ci.yml").read_text(), ".gitlab-ci.yml").data
    installs += gitlab["default"]["before_script"]
    netlify = tomllib.loads((tmp_path / "nf" / "netlify.toml").read_text())
    installs += [netlify["build"]["command"], netlify["context"]["deploy-preview"]["command"]]
    assert len(installs) == 5
    assert all("python -m pip install -r requirements.txt" in command for command in installs)


def test_pages_workflow_publishes_weekly_and_for_the_pages_address(tmp_path):
    init_site(tmp_path / "site", TODAY, "github")
    workflow = load(tmp_path / "site" / ".github" / "workflows" / "pages.yml")
    assert workflow["on"] == {
        "push": {"branches": ["main"]},
        "schedule": [{"cron": "17 5 * * 1"}],
        "workflow_dispatch": None,
    }
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build = workflow["jobs"]["build"]["steps"]
    configure = next(s for s in build if s.get("uses", "").startswith("actions/configure-pages@"))
    step = next(s for s in build if "mentorsite build" in s.get("run", ""))
    assert configure["id"] == "pages"
    assert step["env"] == {"BASE_URL": "${{ steps.pages.outputs.base_url }}"}
    assert step["run"] == 'mentorsite build --base-url "${BASE_URL%/}/" -o _site'
    assert [s["with"] for s in build if s.get("uses", "").startswith("actions/cache@")] == [
        {"path": ".mentorsite-cache", "key": "photos-${{ hashFiles('mentors/photos/**') }}", "restore-keys": "photos-"}
    ]


def test_check_workflow_annotates_and_summarises(tmp_path):
    init_site(tmp_path / "site", TODAY, "github")
    workflow = load(tmp_path / "site" / ".github" / "workflows" / "check.yml")
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["concurrency"]["cancel-in-progress"] is True
    runs = [s["run"] for s in workflow["jobs"]["check"]["steps"] if "run" in s]
    assert runs == [
        "python -m pip install -r requirements.txt",
        'mentorsite check --changed "origin/$BASE_REF" --format github',
        "mentorsite schema --check",
        'mentorsite build -o "$RUNNER_TEMP/site"',
        'mentorsite changes "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"',
    ]


def test_action_majors_are_the_same_in_the_site_and_the_tool_workflows(tmp_path):
    """One table (ACTIONS) names each action's major; this repository's own workflows use the same ones."""
    init_site(tmp_path / "gh", TODAY, "github")
    used = set()
    for path in [*WORKFLOWS.glob("*.yml"), *(tmp_path / "gh" / ".github" / "workflows").glob("*.yml")]:
        used |= set(re.findall(r"uses: (actions/[\w-]+@v\d+)", path.read_text(encoding="utf-8")))
    assert used <= set(ACTIONS.values()), used - set(ACTIONS.values())


def test_editor_settings_attach_the_schema_to_every_profile(tmp_path):
    site = tmp_path / "site"
    init_site(site, TODAY, "github")
    settings = json.loads((site / ".vscode" / "settings.json").read_text())
    [(schema, patterns)] = settings["yaml.schemas"].items()
    assert (site / schema).resolve() == (site / "schema" / "mentor.schema.json").resolve()
    (site / "mentors" / "old-profile.yaml").write_text("name: Old\n")  # written before init's modeline existed
    for profile in (site / "mentors").glob("*.yaml"):
        assert any(fnmatch(profile.relative_to(site).as_posix(), p) for p in patterns), profile
    assert json.loads((site / ".vscode" / "extensions.json").read_text()) == {"recommendations": ["redhat.vscode-yaml"]}


def test_contributing_and_template_list_the_sites_own_vocabularies():
    """Written from site.toml: an alumni site's own tags and industries, not the example's."""
    config = SiteConfig.model_validate(
        {
            "title": "Alumni Mentors",
            "organisation": "Alumni Association",
            "review_after_months": 18,
            "facets": [
                {"key": "tags", "label": "Expertise", "values": {"fundraising": "Fundraising", "law": "Law"}},
                {"key": "industry", "label": "Industry", "values": {"public-sector": "Public sector"}},
            ],
        }
    )
    files = repository_files(config, "github")
    template = files[".github/pull_request_template.md"]
    assert "- [ ] Expertise tags are from the site's list: `fundraising`, `law`.\n" in template
    assert "- [ ] The industry is one of: `public-sector`.\n" in template
    assert "- [ ] Every profile has `name`, `headline`, `bio` and `tags`.\n" in template
    guide = files["CONTRIBUTING.md"]
    assert guide.startswith("# Contributing to Alumni Mentors: adding and updating mentors\n")
    assert "| `fundraising` | Fundraising |\n| `law` | Law |\n" in guide
    assert "| `public-sector` | Public sector |\n" in guide
    assert 'tags: ["fundraising", "law"]\nindustry: public-sector\n' in guide
    assert "more than 18 months old" in guide
    assert "leadership" not in guide + template
    gitlab = repository_files(config, "gitlab")[".gitlab/merge_request_templates/Default.md"]
    assert "## What this merge request does" in gitlab and "pull request" not in gitlab
