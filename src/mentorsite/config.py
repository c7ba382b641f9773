"""site.toml: the site's settings, validated with positions and did-you-mean hints."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .diagnostics import Diagnostic, InputError
from .validation import diagnostics_from
from .vocabulary import FACET_FIELDS, builtin_values

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
Slug = Annotated[str, Field(pattern=SLUG_RE.pattern, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class NavLink(Strict):
    """One entry of the main navigation."""

    label: str = Field(min_length=1, max_length=40)
    """Text of the link."""
    url: str = Field(min_length=1, max_length=300)
    """A path inside the site ("mentors/") or an absolute http(s) URL."""

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in ("http", "https", "mailto"):
            raise ValueError(f"links must be http(s) or a path inside the site, not '{scheme}:'")
        return value


class FacetValue(Strict):
    """An allowed value of a facet: its display label and the spellings that mean it."""

    label: str = Field(min_length=1, max_length=60)
    """Display label, e.g. "Machine learning"."""
    aliases: list[str] = Field(default_factory=list, max_length=20)
    """Other spellings profiles may use, e.g. ["ML", "AI"]."""


class Facet(Strict):
    """A dimension mentees filter by, with its vocabulary."""

    key: Slug
    """Identifier, also the URL segment of its pages: /tags/leadership/."""
    label: str = Field(min_length=1, max_length=40)
    """Heading shown to mentees ("Expertise")."""
    field: str | None = None
    """The profile field it reads; defaults to `key`."""
    multi: bool | None = None
    """Whether a mentor may have several values; must match the field."""
    values: dict[str, FacetValue | str] = Field(default_factory=dict)
    """Allowed values. Empty for `country`, `languages` and the fixed lists, which have built-in vocabularies (ISO codes; formats; meeting modes; cadences)."""

    @model_validator(mode="after")
    def _check_field(self) -> "Facet":
        field = self.field or self.key
        if field not in FACET_FIELDS:
            raise ValueError(
                f"facet '{self.key}' reads unknown profile field '{field}'; choose one of "
                + ", ".join(sorted(FACET_FIELDS))
            )
        multi = FACET_FIELDS[field]
        if self.multi is not None and self.multi != multi:
            raise ValueError(f"'{field}' is {'a list' if multi else 'a single value'}; set multi = {str(multi).lower()}")
        for value in self.values:
            if not SLUG_RE.match(value) and field not in ("country", "languages"):
                raise ValueError(f"facet value '{value}' must be lower-case letters, digits and hyphens")
        if not self.values and builtin_values(field) is None:
            raise ValueError(f"facet '{self.key}' needs a [facets.values] table listing its allowed values")
        return self

    @property
    def source_field(self) -> str:
        return self.field or self.key

    def labelled_values(self) -> dict[str, FacetValue]:
        """Every allowed value with its label: site.toml's entries over the built-in ones."""
        merged = dict(builtin_values(self.source_field) or {})
        for key, value in self.values.items():
            merged[key] = value if isinstance(value, FacetValue) else FacetValue(label=value)
        return merged


class ContactConfig(Strict):
    """Where the contact-request form on each mentor page sends its data."""

    mode: Literal["receiver", "endpoint", "netlify", "mailto", "none"] = "receiver"
    """receiver: the bundled `mentorsite receive` app; endpoint: any form service; netlify: Netlify Forms; mailto: only mentors with a public_email; none: no form."""
    action: str = "http://127.0.0.1:8787/requests"
    """URL the form posts to (receiver and endpoint modes)."""
    field_names: dict[
        Literal["mentor", "name", "email", "hope_to_gain", "goals", "format", "cadence", "message", "consent"], str
    ] = Field(default_factory=dict)
    """Field names the endpoint expects, by our field name (endpoint mode)."""
    guide: str = "first-contact-message"
    """Guide linked beside the form."""

    @field_validator("action")
    @classmethod
    def _http_action(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("the form action must be an http(s) URL")
        return value


class SiteConfig(Strict):
    """Everything in site.toml. Unknown keys are errors."""

    title: str = Field(min_length=1, max_length=80)
    """Name of the site, shown in the header and page titles."""
    description: str = Field(default="", max_length=300)
    """One or two sentences for the home page and search engines."""
    organisation: str = Field(min_length=1, max_length=120)
    """The organisation publishing the directory."""
    logo: str = ""
    """Path of the logo among the theme assets (templates/assets/…); empty for none."""
    brand_colour: str = Field(default="#1f5f8b", pattern=r"^#[0-9a-fA-F]{6}$")
    """Accent colour as #rrggbb."""
    base_url: str = "http://localhost:8000/"
    """Where the site is published; a sub-path such as https://org.github.io/mentors/ works."""
    language: str = Field(default="en", pattern=r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    """Language of the site, as a BCP 47 tag."""
    output_dir: str = "_site"
    """Output directory, relative to the site."""
    per_page: int = Field(default=24, ge=6, le=200)
    """Mentor cards per directory and facet page."""
    review_after_months: int = Field(default=12, ge=1, le=120)
    """Profiles not reviewed for this many months are flagged."""
    nav: list[NavLink] = Field(default_factory=list, max_length=12)
    """Main navigation links, in order."""
    facets: list[Facet] = Field(default_factory=list, max_length=20)
    """Dimensions mentees filter by (expertise, language, …), each with its vocabulary."""
    contact: ContactConfig = ContactConfig()
    """Where contact requests go."""

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL such as https://example.org/mentors/")
        return value if value.endswith("/") else value + "/"

    @field_validator("output_dir")
    @classmethod
    def _relative_output(cls, value: str) -> str:
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or not value.strip() or value.strip() in (".", "./"):
            raise ValueError("output_dir must be a folder inside the site, such as _site")
        return value

    @model_validator(mode="after")
    def _unique_facets(self) -> "SiteConfig":
        keys = [f.key for f in self.facets]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"facet key '{duplicates[0]}' is used twice")
        return self

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always starting and ending with '/'."""
        return urlsplit(self.base_url).path or "/"

    def facet(self, key: str) -> Facet:
        return next(f for f in self.facets if f.key == key)


def load_config(site_dir: Path) -> SiteConfig:
    """Read and validate site_dir/site.toml; raise InputError with every problem found."""
    path = site_dir / "site.toml"
    name = "site.toml"
    if not path.is_file():
        raise InputError([Diagnostic(name, 0, 0, f"no site.toml in {site_dir}",
                                     "run `mentorsite init DIR` to start a new site")])
    from .yamlsource import decode_source

    text = decode_source(path.read_bytes(), name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_error_position(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InputError([Diagnostic(name, line, col, f"invalid TOML: {message}",
                                     "text values need quotes: title = \"My site\"")]) from None
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        locator = TomlLocator(text)
        raise InputError(diagnostics_from(exc, SiteConfig, name, locator)) from None


def _toml_error_position(message: str) -> tuple[int, int]:
    match = re.search(r"at line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


class TomlLocator:
    """Finds the line of a key path in TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str):
        self.lines = text.split("\n")

    def __call__(self, loc: tuple, is_key: bool) -> tuple[int, int]:
        cursor = 0
        found = (1, 1)
        table: list[str] = []
        for part in loc:
            if isinstance(part, int):
                header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join(table)) + r"\s*\]\]")
                hits = [i for i, line in enumerate(self.lines) if header.match(line)]
                if part < len(hits):
                    cursor = hits[part]
                    found = (cursor + 1, 1)
                continue
            table.append(str(part))
            key = re.compile(r"^\s*(?:\[+[^\]]*\b" + re.escape(str(part)) + r"\s*\]+|\"?" + re.escape(str(part)) + r"\"?\s*=)|[{,]\s*\"?" + re.escape(str(part)) + r"\"?\s*=")
            for index in range(cursor, len(self.lines)):
                match = key.search(self.lines[index])
                if match:
                    cursor = index
                    stripped = len(self.lines[index]) - len(self.lines[index].lstrip())
                    col = match.start() + 1 if match.start() > 0 else stripped + 1
                    found = (index + 1, col)
                    break
        return found
