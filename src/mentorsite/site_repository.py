"""The files that make a new site a repository that checks and publishes itself (`mentorsite init`).

Continuous integration for the host the site publishes with (GitHub Pages by default, GitLab
Pages or Netlify), the one requirement spec every workflow installs mentorsite from, a
contributor guide and a pull-request template written from the site's own fields and
vocabularies, `.gitignore`, and editor settings that attach the JSON Schema to every profile.

The texts are Jinja templates in `site_repository_templates/` (shipped in the wheel). They use
`[[ ]]` and `[% %]` instead of Jinja's braces because workflows are full of GitHub's own
`${{ }}` expressions, which must reach the file untouched.

`repository_files` is pure (config in, texts out); `write_repository_files` is the edge that
writes them and never overwrites a file that is already there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from . import __version__
from .config import SiteConfig
from .custom_fields import profile_model
from .models import Availability, Location
from .photos import CACHE_DIR, FORMATS, MAX_PHOTO_BYTES
from .schema import MODELINE, SCHEMA_PATH

TEMPLATES = Path(__file__).parent / "site_repository_templates"

#: The action majors every workflow uses, the site's and this repository's own (a test compares).
ACTIONS = {
    "checkout": "actions/checkout@v7",
    "setup_python": "actions/setup-python@v7",
    "cache": "actions/cache@v6",
    "configure_pages": "actions/configure-pages@v6",
    "upload_pages_artifact": "actions/upload-pages-artifact@v5",
    "deploy_pages": "actions/deploy-pages@v5",
    "upload_artifact": "actions/upload-artifact@v7",
    "download_artifact": "actions/download-artifact@v8",
}
#: The Python the workflows run mentorsite with.
PYTHON_VERSION = "3.13"
#: The one place a site names the mentorsite it is built with; every workflow installs from it.
REQUIREMENTS = "requirements.txt"

#: Where the site is published; each host gets its own CI files (target path -> template).
HOST_FILES: dict[str, dict[str, str]] = {
    "github": {
        ".github/workflows/check.yml": "github/workflows/check.yml",
        ".github/workflows/pages.yml": "github/workflows/pages.yml",
        ".github/pull_request_template.md": "pull_request_template.md",
    },
    "netlify": {
        ".github/workflows/check.yml": "github/workflows/check.yml",
        ".github/workflows/rebuild.yml": "github/workflows/rebuild.yml",
        ".github/pull_request_template.md": "pull_request_template.md",
        "netlify.toml": "netlify.toml",
    },
    "gitlab": {
        ".gitlab-ci.yml": "gitlab-ci.yml",
        ".gitlab/merge_request_templates/Default.md": "pull_request_template.md",
    },
}
HOSTS = tuple(HOST_FILES)
COMMON_FILES = {
    REQUIREMENTS: "requirements.txt",
    ".gitignore": "gitignore",
    ".vscode/settings.json": "vscode/settings.json",
    ".vscode/extensions.json": "vscode/extensions.json",
    "CONTRIBUTING.md": "CONTRIBUTING.md",
}
#: What the forge calls things, for the contributor guide and the template.
FORGES = {
    "github": {"name": "GitHub", "request": "pull request", "changes_tab": "Files changed"},
    "netlify": {"name": "GitHub", "request": "pull request", "changes_tab": "Files changed"},
    "gitlab": {"name": "GitLab", "request": "merge request", "changes_tab": "Changes"},
}
#: The profile fields whose values come from a vocabulary, and what one value is called.
VOCABULARY_FIELDS = {
    "tags": "expertise tag",
    "industry": "industry",
    "formats": "mentoring format",
    "meeting_modes": "meeting mode",
    "cadence": "cadence",
}

#: What may already be in a folder `init` fills: version control, a README, a licence.
_VCS_NAMES = frozenset({".git", ".gitignore", ".gitattributes", ".hg", ".hgignore", ".svn"})
_DOC_PREFIXES = ("readme", "license", "licence", "copying")


def may_precede_init(name: str) -> bool:
    """Whether a file or folder of this name may be in the folder before `init` (what a forge creates)."""
    return name in _VCS_NAMES or name.lower().startswith(_DOC_PREFIXES)


def unexpected_entries(target: Path) -> list[str]:
    """The entries of `target` that `init` does not expect, sorted; none when it does not exist."""
    if not target.is_dir():
        return []
    return sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir() if not may_precede_init(p.name))


def requirement_line(version: str = __version__) -> str:
    """The requirement that pins mentorsite to the version that wrote the site."""
    return f"mentorsite=={version}"


def source_url() -> str:
    """mentorsite's repository, from the installed package's metadata (pyproject.toml's [project.urls])."""
    try:
        urls = metadata("mentorsite").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("source", "repository"):
            return url.strip()
    return "https://github.com/OWNER/mentorsite"


def _field_rows(config: SiteConfig) -> list[dict[str, Any]]:
    """Every profile field with whether it is required, its meaning and, where fixed, its allowed values."""
    rows = []
    nested: dict[str, type[BaseModel]] = {"location": Location, "availability": Availability}
    for name, field in profile_model(config.fields).model_fields.items():  # the site's own fields last
        key = field.alias or name
        model = nested.get(key)
        subfields = model.model_fields.items() if model else [(None, field)]
        for sub, info in subfields:
            rows.append(
                {
                    "name": f"{key}.{sub}" if sub else key,
                    "required": field.is_required() and (sub is None or info.is_required()),
                    "meaning": (info.description or info.title or "").replace("|", "/"),
                    "values": vocabulary_values(config, key) if sub is None else None,
                }
            )
    return rows


def vocabulary_values(config: SiteConfig, field: str) -> list[tuple[str, str]] | None:
    """(key, label) of each value a field allows on this site, or None for open fields."""
    if field not in VOCABULARY_FIELDS and config.custom_field(field) is None:
        return None
    values = config.field_vocabulary(field)
    return [(key, value.label) for key, value in values.items()] if values else None


def repository_context(config: SiteConfig, host: str, version: str = __version__) -> dict[str, Any]:
    """Everything the templates read: plain data from the site's config and the tool."""
    vocabularies = {
        field: {"noun": noun, "values": values}
        for field, noun in VOCABULARY_FIELDS.items()
        if (values := vocabulary_values(config, field))
    }
    tags = [key for key, _ in vocabularies.get("tags", {}).get("values", [])] or ["leadership"]
    return {
        "site": {"title": config.title, "organisation": config.organisation},
        "host": host,
        "forge": FORGES[host],
        "version": version,
        "requirement": requirement_line(version),
        "requirements_file": REQUIREMENTS,
        "source_url": source_url(),
        "actions": ACTIONS,
        "python_version": PYTHON_VERSION,
        "output_dir": config.output_dir,
        "photo_cache": CACHE_DIR.split("/")[0],
        "schema_path": SCHEMA_PATH,
        "modeline": MODELINE,
        "fields": _field_rows(config),
        "required_fields": [name for name, f in profile_model(config.fields).model_fields.items() if f.is_required()],
        "vocabularies": vocabularies,
        "example_tags": tags[:2],
        # The error-message example in CONTRIBUTING misspells the site's own first tag.
        "misspelled_tag": tags[0][:4] + tags[0][5:] if len(tags[0]) > 5 else tags[0] + "x",
        "industry": next(iter(vocabularies.get("industry", {}).get("values", [])), None),
        "photo_formats": ", ".join("WebP" if kind == "WEBP" else kind for kind in FORMATS),
        "photo_megabytes": MAX_PHOTO_BYTES // (1024 * 1024),
        "review_after_months": config.review_after_months,
        "stale_profiles": config.stale_profiles,
        "cms_enabled": config.cms.enabled,
        "contact_mode": config.contact.mode,
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # YAML, TOML, Markdown and JSON: values go through the filters below
    )


def repository_files(config: SiteConfig, host: str = "github", version: str = __version__) -> dict[str, str]:
    """Each repository file's text by its path in the site, for publishing with `host`."""
    if host not in HOST_FILES:
        raise ValueError(f"unknown host '{host}'; choose one of {', '.join(HOSTS)}")
    env = _environment()
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    context = repository_context(config, host, version)
    return {
        target: env.get_template(template).render(context)
        for target, template in {**COMMON_FILES, **HOST_FILES[host]}.items()
    }


@dataclass
class Written:
    """What `write_repository_files` did: files created, files extended, files left as they were."""

    created: list[Path]
    extended: list[Path]
    kept: list[Path]


def write_repository_files(target: Path, files: dict[str, str]) -> Written:
    """Write each file that does not exist yet; never overwrite one.

    An existing `.gitignore` (a forge writes one when it creates the repository) is kept and
    gets the lines it lacks appended, so the build output and the photo cache are never
    committed. Any other existing file is kept as it is and reported.
    """
    done = Written([], [], [])
    for relative, text in files.items():
        path = target / relative
        if path.name == ".gitignore" and path.is_file():
            current = path.read_text(encoding="utf-8")
            have = {line.strip() for line in current.splitlines()}
            missing = [line for line in text.splitlines() if line.strip() and line.strip() not in have]
            if [line for line in missing if not line.startswith("#")]:
                separator = "" if current.endswith("\n") or not current else "\n"
                path.write_text(current + separator + "\n" + "\n".join(missing) + "\n", encoding="utf-8")
                done.extended.append(path)
            else:
                done.kept.append(path)
            continue
        if path.exists() or path.is_symlink():
            done.kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        done.created.append(path)
    return done
