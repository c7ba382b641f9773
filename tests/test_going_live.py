"""From `python -m build` to a published site: the release packages, and the workflows `init` writes, run here.

GitHub cannot be reached from the test machine, so the workflows are run the way the runner
would run them: every `run:` step of a job, in order, with `bash -eo pipefail`, the env the
workflow sets and the variables GitHub provides that the steps read. `uses:` steps are the
runner's (check-out, Python, cache, artifact upload) and are replaced by what they leave
behind: the site folder is the checkout, a fresh virtual environment is the Python.

Two substitutions, both deliberate:
- `${{ … }}` expressions get the values GitHub would give (EXPRESSIONS below): the base URL
  comes as `actions/configure-pages` reports it, for a project site (no trailing slash) and for
  a custom domain (with one). An expression not in the table fails the test.
- requirements.txt names the wheel built from this checkout instead of the release on the
  package index (`mentorsite @ file://…`), and pip runs with PIP_NO_INDEX and PIP_NO_DEPS: the
  dependencies come from the test environment (linked into the fresh one), nothing is downloaded.

These tests need `build`, `twine` and `hatchling` (the `dev` extra), hence the `external` marker.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from workflow_kit import ROOT, load

from mentorsite import __version__
from mentorsite.scaffold import init_site, mentor_profile

pytestmark = pytest.mark.external

TODAY = date(2026, 11, 23)
WHEEL = f"mentorsite-{__version__}-py3-none-any.whl"
SDIST = f"mentorsite-{__version__}.tar.gz"


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout on PYTHONPATH, so the installed wheel is what runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and wheel of this checkout, built as the release workflow builds them."""
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: hatchling from the test environment, instead of downloading it.
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], ROOT, clean_env())
    return out


def fresh_venv(path: Path) -> dict[str, str]:
    """A new virtual environment without mentorsite; its environment variables for subprocesses.

    The test environment's packages (mentorsite's dependencies and pip) are linked in through a
    .pth file; mentorsite's own installation there is left out.
    """
    run([sys.executable, "-m", "venv", "--without-pip", str(path)], path.parent)
    shared = Path(sysconfig.get_paths()["purelib"])
    deps = path / "shared-deps"
    deps.mkdir()
    for entry in shared.iterdir():
        if not re.match(r"(?i)(_*editable_*.*mentorsite|mentorsite)|.*\.pth$", entry.name):
            (deps / entry.name).symlink_to(entry)
    purelib = run(
        [str(path / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], path
    ).stdout.strip()
    Path(purelib, "shared-deps.pth").write_text(f"{deps}\n")
    return clean_env(
        PATH=f"{path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        VIRTUAL_ENV=str(path),
        PIP_NO_INDEX="1",
        PIP_NO_DEPS="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )


def test_sdist_and_wheel_are_release_ready(dist, tmp_path):
    """Exactly one sdist and one wheel; twine check is clean; the wheel carries the theme, init's templates, the licence."""
    assert sorted(p.name for p in dist.iterdir()) == sorted([SDIST, WHEEL])
    result = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())], tmp_path)
    assert result.stdout.count("PASSED") == 2, result.stdout
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(f"mentorsite-{__version__}.dist-info/METADATA").decode()
    theme = {n.removeprefix("mentorsite/theme/") for n in names if n.startswith("mentorsite/theme/")}
    repo_theme = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert theme == repo_theme
    templates = ROOT / "src" / "mentorsite" / "site_repository_templates"
    assert {f"mentorsite/site_repository_templates/{p.relative_to(templates).as_posix()}" for p in templates.rglob("*")
            if p.is_file()} <= names  # fmt: skip
    assert f"mentorsite-{__version__}.dist-info/licenses/LICENSE" in names
    assert "License-Expression: MIT" in meta
    assert "Classifier: Programming Language :: Python :: 3.11" in meta
    assert re.search(r"^Project-URL: Source, https://\S+$", meta, re.M)
    assert "Requires-Python: >=3.11" in meta
    with tarfile.open(dist / SDIST) as sdist:
        members = {m.name.removeprefix(f"mentorsite-{__version__}/") for m in sdist.getmembers()}
    assert {"CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml", "templates/base.html"} <= members


def test_wheel_installs_in_a_fresh_environment_and_builds_a_new_site(dist, tmp_path):
    """Far from this checkout, the installed wheel runs `init` and builds the site with its own theme."""
    env = fresh_venv(tmp_path / "venv")
    run(["python", "-m", "pip", "install", str(dist / WHEEL)], tmp_path, env)
    where = run(["python", "-c", "import mentorsite; print(mentorsite.__file__)"], tmp_path, env).stdout
    assert where.startswith(str(tmp_path / "venv")), where
    assert run(["mentorsite", "--version"], tmp_path, env).stdout == f"mentorsite, version {__version__}\n"
    run(["mentorsite", "init", "our-mentors"], tmp_path, env)
    built = run(["mentorsite", "build", "our-mentors"], tmp_path, env)
    assert built.stdout.startswith("built 1 mentor: ")
    assert (tmp_path / "our-mentors" / "_site" / "mentors" / "ada-example" / "index.html").is_file()
    assert (tmp_path / "our-mentors" / "_site" / "assets").is_dir()


# What GitHub would give each expression the generated workflows use in a `run:` step's env.
def expressions(base_url: str) -> dict[str, str]:
    return {
        "steps.pages.outputs.base_url": base_url,
        "github.base_ref": "main",
        "!cancelled()": "true",
    }


def run_job(workflow: Path, job: str, site: Path, env: dict[str, str], values: dict[str, str]) -> list[str]:
    """Run every `run:` step of a job in order, as the runner would; return the names of the steps run."""

    def fill(text: str) -> str:
        def value(match: re.Match) -> str:
            if match[1] not in values:
                pytest.fail(f"{workflow.name}: no test value for the expression ${{{{ {match[1]} }}}}")
            return values[match[1]]

        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, text)

    data = load(workflow)
    runner_temp = site.parent / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    provided = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(site),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "step-summary.md"),
    }
    ran = []
    for step in data["jobs"][job]["steps"]:
        if "run" not in step or fill(str(step.get("if", "true"))) != "true":
            continue
        step_env = {
            **env,
            **provided,
            **{k: fill(str(v)) for scope in (data, data["jobs"][job], step) for k, v in scope.get("env", {}).items()},
        }
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", fill(step["run"])],
            cwd=site,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"step '{step['name']}' failed:\n{result.stdout}\n{result.stderr}"
        ran.append(step["name"])
    return ran


def git(site: Path, *args: str) -> str:
    env = clean_env(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="T")
    return run(["git", *args], site, {**env, "GIT_COMMITTER_EMAIL": "t@example.org"}).stdout


@pytest.mark.parametrize(
    "base_url, published",
    [
        ("https://example.github.io/our-mentors", "https://example.github.io/our-mentors/"),  # a project site
        ("https://mentors.example.org/", "https://mentors.example.org/"),  # a custom domain
    ],
)
def test_the_site_init_writes_goes_live_through_its_own_workflows(dist, tmp_path, base_url, published):
    """A pull request adding a mentor passes the check workflow with a job summary; merged, the Pages
    workflow publishes the site for the address Pages reports, with no localhost URL anywhere."""
    env = fresh_venv(tmp_path / "venv")
    site = tmp_path / "our-mentors"
    init_site(site, TODAY, "github")
    (site / "requirements.txt").write_text(f"mentorsite @ {(dist / WHEEL).as_uri()}\n")  # see the module docstring
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "Start the site")
    git(site, "update-ref", "refs/remotes/origin/main", "HEAD")  # as the checkout of a pull request has it

    git(site, "switch", "-q", "-c", "add-bo-chen")
    (site / "mentors" / "bo-chen.yaml").write_text(mentor_profile("Bo Chen", TODAY), encoding="utf-8")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "Add Bo Chen")
    workflows = site / ".github" / "workflows"
    ran = run_job(workflows / "check.yml", "check", site, env, expressions(base_url))
    assert ran == [
        "Install mentorsite (the version requirements.txt names)",
        "Check the profiles this pull request changes",
        "Check that the editor schema matches site.toml",
        "Build the whole site",
        "List the mentors this pull request adds, changes and removes",
    ]
    summary = (tmp_path / "runner-temp" / "step-summary.md").read_text(encoding="utf-8")
    assert summary.startswith("### Mentor profiles (compared with `origin/main`)\n\n1 added\n")
    assert "- Bo Chen (`mentors/bo-chen.yaml`)" in summary

    git(site, "switch", "-q", "main")
    git(site, "merge", "-q", "--ff-only", "add-bo-chen")
    ran = run_job(workflows / "pages.yml", "build", site, env, expressions(base_url))
    assert ran == ["Install mentorsite (the version requirements.txt names)", "Build the site for that address"]
    output = site / "_site"
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{published}mentors/bo-chen/</loc>" in sitemap
    leaks = [
        f"{path.relative_to(output)}: {hit}"
        for path in output.rglob("*")
        if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".json", ".js", ".css", ".webmanifest")
        for hit in re.findall(r"\S*(?:localhost|127\.0\.0\.1|\[::1\])\S*", path.read_text(encoding="utf-8"))
    ]
    assert leaks == []
