"""The GitHub Actions workflows pass actionlint and do what CONTRIBUTING.md promises editors."""

from __future__ import annotations

import pytest
from workflow_kit import ROOT, WORKFLOWS, actionlint_findings, load


@pytest.mark.external
def test_workflows_pass_actionlint():
    assert actionlint_findings() == []


def test_pull_request_workflow_checks_builds_tests_and_summarises():
    workflow = load(WORKFLOWS / "pr.yml")
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["uses"].startswith("actions/setup-python@") and steps[1]["with"]["python-version"] == "3.11"
    runs = [step.get("run", "") for step in steps]
    assert runs[2:] == [
        'python -m pip install -e ".[test,lint]"',
        'mentorsite check --changed "origin/$BASE_REF" --format github',
        'mentorsite build -o "$RUNNER_TEMP/site"',
        "npm ci --no-audit --no-fund",
        "python -m pytest -q",
        'mentorsite changes "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"',
    ]
    # The target branch reaches the shell through the environment, never pasted into a script.
    assert steps[3]["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert steps[-1]["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert steps[-1]["if"] == "${{ !cancelled() }}"


def test_pages_workflow_builds_and_deploys_with_the_official_actions():
    workflow = load(WORKFLOWS / "pages.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = [step.get("uses", "").split("@")[0] for step in build["steps"]]
    assert "actions/configure-pages" in uses and uses[-1] == "actions/upload-pages-artifact"
    assert build["steps"][-1]["with"] == {"path": "_site"}
    assert 'mentorsite build --base-url "${BASE_URL%/}/" -o _site' in [step.get("run") for step in build["steps"]]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_contributing_guide_and_pull_request_template_exist():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for heading in (
        "Add a mentor",
        "Update a mentor",
        "Pause a mentor",
        "Remove a mentor",
        "Reading the error messages",
        "The web editor",
    ):
        assert f"## {heading}" in contributing, heading
    template = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert "mentorsite check" in template and "CONTRIBUTING.md" in template
