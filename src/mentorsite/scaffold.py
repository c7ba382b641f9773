"""Starting points: a new profile (`mentorsite new mentor`) and a new site (`mentorsite init`)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .config import SiteConfig, load_config
from .custom_fields import CustomField
from .schema import MODELINE, write_schema
from .site_repository import HOSTS, repository_files, unexpected_entries, write_repository_files


def _yaml_string(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar: line breaks and control characters become
    # escapes, so the value can never end the line and start another field.
    return json.dumps(text, ensure_ascii=False)


def _own_field_lines(field: CustomField, today: date) -> str:
    """A site's own field in a new profile: its help as a comment, then the field itself,
    commented out unless it is required (then with a valid value to replace)."""
    low, high = field.bounds()
    first = next(iter(field.values), "")
    example = {
        "text": _yaml_string(f"Your {field.label.lower()}"),
        "number": f"{low if low is not None else 0:g}",
        "year": str(min(max(today.year, int(low or today.year)), int(high or today.year))),
        "date": today.isoformat(),
        "url": '"https://example.org"',
        "choice": first,
        "choices": f"[{first}]",
    }[field.type]
    if field.type == "year":
        note = f"a year, {low:g}-{high:g}"
    else:
        note = {
            "choice": "one of " + ", ".join(field.values),
            "choices": "any of " + ", ".join(field.values),
            "date": "YYYY-MM-DD",
            "url": "https://…",
        }.get(field.type, field.type)
    about = " ".join(f"{field.label}{' (required)' if field.required else ''}: {field.help}".split()).rstrip(": ")
    comment = "" if field.required else "# "
    return f"# {about}\n{comment}{field.key}: {example}  # {note}\n"


#: Example text `new mentor` writes for the editor to replace, by field; `check` warns about
#: a profile that still holds it (`guardrails.placeholder_problems`).
PLACEHOLDERS = {
    "headline": "Mentor happy to help with career questions",
    "bio": "Write two or three short paragraphs about your experience",
}


def mentor_profile(
    name: str,
    today: date,
    first_tag: str = "leadership",
    *,
    schema: bool = True,
    fields: Sequence[CustomField] = (),
) -> str:
    """A valid, commented profile for `name`, ready for an editor to fill in; `fields` are the
    site's own ([[fields]] in site.toml), required ones filled with a value to replace.

    With `schema`, the first line points editors with YAML schema support (VS Code's YAML
    extension and others built on yaml-language-server) at the site's JSON Schema, so they
    autocomplete fields and tags and underline mistakes as you type.
    """
    modeline = MODELINE + "\n" if schema else ""
    own_fields = "".join(_own_field_lines(field, today) for field in fields)
    comment_name = " ".join(name.split())  # a line break in the name must not end the comment
    return (
        modeline
        + f"""# Profile of {comment_name}. Every field is described in README.md ("Profile fields").
# Lines starting with # are comments; fill in what applies and delete the rest.

name: {_yaml_string(name)}
# One line: what you can help with.
headline: "{PLACEHOLDERS["headline"]}"
# pronouns: she/her
# role: "Head of Research"
# organisation: "Example Organisation"
# industry: technology          # one of the industries in site.toml
# location:
#   city: Lisbon
#   country: PT                 # two-letter ISO 3166 code
# timezone: Europe/Lisbon       # IANA time zone
# languages: [en]               # ISO 639-1 codes
# formats: [one-to-one]         # one-to-one, group, peer, co-mentoring, reverse
# meeting_modes: [video]        # video, phone, in-person, email
# cadence: monthly              # weekly, bi-weekly, monthly
tags: [{first_tag}]              # expertise, from the tags listed in site.toml
availability:
  accepting: true
  capacity: 2
  # available_from: {today.isoformat()}
# cohort: 2010                  # graduation year
# help_with:
#   - "Preparing for a first leadership role"
# expectations: "Come to each meeting with one question you want to work on."
# links:
#   - label: "Personal site"
#     url: "https://example.org"
# booking_url: "https://cal.example.org/you"  # a scheduling page (https), shown as "Book a time"
{own_fields}# Private: where contact requests are delivered. Never published.
# email: "name@example.org"
joined: {today.isoformat()}
last_reviewed: {today.isoformat()}
bio: |
  {PLACEHOLDERS["bio"]}, what you enjoy helping
  with, and how you like to work with a mentee. Mentees choose a mentor mostly by this
  text, so be concrete: the roles you have held, the questions people bring you, and
  what a good first conversation with you looks like. Markdown is allowed: **bold**,
  lists and links.
"""
    )


STARTER_TOML = """# site.toml: settings of your mentor directory. See the mentorsite README for every key.
title = "{title}"
description = "Find a mentor in our community and send a first message."
organisation = "{title}"
# A public address for questions about the programme, shown in the guides ({{{{< contact >}}}});
# without it they name the organisation. Never the coordinator's private address.
# programme_email = "mentoring@example.org"
# Where the site will be published, e.g. "https://your-org.github.io/mentors/". `mentorsite build`
# warns while it still points at this computer; a deploy can also pass the address with --base-url.
base_url = "http://localhost:8000/"
language = "en"

[[nav]]
label = "Mentors"
url = "mentors/"

[[nav]]
label = "Guides"
url = "guides/"

{contact}
[[facets]]
key = "tags"
label = "Expertise"
[facets.values]
leadership = {{ label = "Leadership", aliases = ["management"] }}
career-change = {{ label = "Career change" }}
software-engineering = {{ label = "Software engineering", aliases = ["software"] }}

[[facets]]
key = "languages"
label = "Language"

[[facets]]
key = "formats"
label = "Mentoring format"

[[facets]]
key = "meeting"
label = "Meeting mode"
field = "meeting_modes"

[[facets]]
key = "cadence"
label = "Cadence"
"""


def starter_guides_dir() -> Path:
    """The guides `init` starts a site with: the example site's content/guides/, the one copy.

    An installed mentorsite carries them as mentorsite/starter/guides (see pyproject.toml);
    a checkout reads the repository's own content/guides/.
    """
    packaged = Path(__file__).parent / "starter" / "guides"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "content" / "guides"
    if checkout.is_dir():
        return checkout
    raise RuntimeError("the starter guides are missing from this installation; reinstall mentorsite")


def starter_guides() -> dict[str, str]:
    """Each starter guide's text by its path under content/guides/ (translations, <slug>.<language>.md, included).

    Guides name the organisation and the programme's contact with `{{< organisation >}}` and
    `{{< contact >}}`, filled from site.toml at every build, so they stay true when it changes.
    """
    root = starter_guides_dir()
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.md"))
        if path.is_file() and not path.is_symlink()
    }


#: How mentees reach a mentor on a new site, by host: never a form that cannot work once published.
STARTER_CONTACT = {
    "mailto": """# How mentees reach a mentor. "mailto" publishes no form: a mentor with a public_email in their
# profile gets a link to it, the others a note to contact the programme's coordinators. For a
# form, run the bundled receiver (mode = "receiver" with action = its https address) or use a
# form service (mode = "endpoint"); see the README, "Contact requests".
[contact]
mode = "mailto"
# The guide linked beside it ("How to write a first message"); `check` warns if it goes missing.
guide = "first-contact-message"
""",
    "netlify": """# How mentees reach a mentor: a form on each mentor's page, received by Netlify Forms (Netlify's
# dashboard → Forms; add a notification to get each request by email). See the README,
# "Contact requests", for the other modes.
[contact]
mode = "netlify"
# The guide linked beside it ("How to write a first message"); `check` warns if it goes missing.
guide = "first-contact-message"
""",
}


def init_site(target: Path, today: date, host: str = "github") -> list[Path]:
    """Create a new, buildable site repository in `target`, publishing with `host`.

    `target` may hold what a forge puts in a new repository (.git, README, a licence,
    .gitignore) and nothing else; no file is ever overwritten (see site_repository).
    """
    unexpected = unexpected_entries(target)
    if unexpected:
        raise FileExistsError(
            f"{target} already holds {', '.join(unexpected)}; init needs a new folder, or one with only "
            "version control files (.git, .gitignore), a README and a licence"
        )
    if host not in HOSTS:
        raise ValueError(f"unknown host '{host}'; choose one of {', '.join(HOSTS)}")
    title = target.resolve().name.replace("-", " ").replace("_", " ").title() or "Mentors"
    contact = STARTER_CONTACT["netlify" if host == "netlify" else "mailto"]
    starter_toml = STARTER_TOML.format(title=title.replace('"', ""), contact=contact)
    # Rendered before anything is written, so a failure leaves the folder as it was.
    repository = repository_files(SiteConfig.model_validate(tomllib.loads(starter_toml)), host)
    files = {
        target / "site.toml": starter_toml,
        target / "mentors" / "ada-example.yaml": mentor_profile("Ada Example", today),
        **{target / "content" / "guides" / rel: text for rel, text in starter_guides().items()},
        target
        / "templates"
        / "README.md": "Put a template here with the same name as a theme template to override it.\n",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # The JSON Schema the profiles' first line points at, from the site.toml just written.
    schema_path, _ = write_schema(target, load_config(target))
    written = write_repository_files(target, repository)
    return [*files, schema_path, *written.created, *written.extended]
