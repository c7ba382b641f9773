"""site.toml: the site's settings, validated with positions and did-you-mean hints."""

from __future__ import annotations

import itertools
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .contact_fields import FIELD_NAMES
from .custom_fields import CHOICE_TYPES, FACET_TYPES, CustomField
from .diagnostics import Diagnostic, InputError, quote
from .textrules import SLUG_MAX, SLUG_RE, is_email
from .validation import diagnostics_from, explain
from .vocabulary import (
    FACET_FIELDS,
    LANGUAGE_TAG,
    YEAR_FIELDS,
    FacetValue,
    Labels,
    builtin_values,
    label_forms,
    pick_label,
)
from .yamlsource import MAX_YAML_BYTES, decode_source

#: A site's own files and folders: never an output folder, which the build replaces wholesale.
SITE_INPUTS = frozenset({"mentors", "content", "templates", "site.toml", ".git"})
Slug = Annotated[str, Field(pattern=SLUG_RE.pattern, max_length=SLUG_MAX)]
if TYPE_CHECKING:
    RequestFieldName = str
else:
    # Built from the request's definition, so site.toml accepts exactly its field names (with
    # pydantic's did-you-mean); a type checker cannot read a Literal built at run time.
    RequestFieldName = Literal[FIELD_NAMES]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


#: The basic colour names of CSS (and grey, orange), for the hint when brand_colour names one.
COLOUR_NAMES = {
    "black": "#000000",
    "silver": "#c0c0c0",
    "gray": "#808080",
    "grey": "#808080",
    "white": "#ffffff",
    "maroon": "#800000",
    "red": "#ff0000",
    "purple": "#800080",
    "fuchsia": "#ff00ff",
    "green": "#008000",
    "lime": "#00ff00",
    "olive": "#808000",
    "yellow": "#ffff00",
    "navy": "#000080",
    "blue": "#0000ff",
    "teal": "#008080",
    "aqua": "#00ffff",
    "orange": "#ffa500",
}
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class NavLink(Strict):
    """One entry of the main navigation."""

    label: str = Field(min_length=1, max_length=40)
    """Text of the link; `label = {en = "Mentors", fr = "Mentors"}` gives it per language."""
    labels: Labels = Field(default_factory=dict)
    """The label by language (written as a table in `label`)."""

    @model_validator(mode="before")
    @classmethod
    def _label_forms(cls, data: Any) -> Any:
        return label_forms(data)

    url: str = Field(min_length=1, max_length=300)
    """A path inside the site ("mentors/") or an absolute http(s) URL."""

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in ("http", "https", "mailto"):
            raise ValueError(f"links must be http(s) or a path inside the site, not '{scheme}:'")
        return value


def _label_only(value: object) -> object:
    # `leadership = "Leadership"` is shorthand for `leadership = { label = "Leadership" }`.
    return {"label": value} if isinstance(value, str) else value


class Facet(Strict):
    """A dimension mentees filter by, with its vocabulary."""

    key: Slug
    """Identifier, also the URL segment of its pages: /tags/leadership/."""
    label: str = Field(min_length=1, max_length=40)
    """Heading shown to mentees ("Expertise"); `label = {en = "Industry", fr = "Secteur"}` gives it per language."""
    labels: Labels = Field(default_factory=dict)
    """The label by language (written as a table in `label`)."""
    field: str | None = None
    """The profile field it reads: a built-in one, or a choice, choices or year field of the site's own ([[fields]]); defaults to `key`."""
    multi: bool | None = None
    """Whether a mentor may have several values; must match the field."""
    values: dict[str, Annotated[FacetValue, BeforeValidator(_label_only)]] = Field(default_factory=dict)
    """Allowed values. Empty for `country`, `languages` and the fixed lists, which have built-in vocabularies (ISO codes; formats; meeting modes; cadences), for years, and for the site's own fields, whose values are listed with the field."""
    group: Literal["year", "decade"] | None = None
    """Facets over a year (cohort, or a year field of the site's own): one value per year, or per decade (1990s, 2000s, …)."""

    @model_validator(mode="after")
    def _check_field(self, info: ValidationInfo) -> Facet:
        # The site's own fields arrive in the validation context (parse_config). Without them
        # (None: they have errors of their own; absent: validated without parse_config) a facet
        # reading one cannot be judged here; SiteConfig judges it once it knows its fields.
        declared: list[CustomField] | None = (info.context or {}).get("fields")
        if declared is None and self.source_field not in FACET_FIELDS:
            return self
        problem = facet_problem(self, declared or [])
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="before")
    @classmethod
    def _label_forms(cls, data: Any) -> Any:
        return label_forms(data)

    @property
    def source_field(self) -> str:
        return self.field or self.key

    def labelled_values(self) -> dict[str, FacetValue]:
        """Every allowed value of a facet over a built-in field with its label: site.toml's entries
        over the built-in ones (a facet over the site's own field: `SiteConfig.facet_vocabulary`)."""
        merged = dict(builtin_values(self.source_field) or {})
        for key, value in self.values.items():
            merged[key] = value
        return merged


def facet_problem(facet: Facet, declared: list[CustomField]) -> str | None:
    """What is wrong with a facet given the site's own fields, or None."""
    field = facet.source_field
    own = next((f for f in declared if f.key == field), None)
    if field in FACET_FIELDS:
        multi, year = FACET_FIELDS[field], field in YEAR_FIELDS
    elif own is not None:
        if own.type not in FACET_TYPES:
            return f"facet '{facet.key}' reads '{field}', a {own.type} field; a facet reads a choice, choices or year field"
        if facet.values:
            return (
                f"facet '{facet.key}' lists values, but '{field}' is one of the site's own fields; "
                "list its values in its [[fields]] table"
            )
        multi, year = own.type == "choices", own.type == "year"
    else:
        readable = {*FACET_FIELDS, *(f.key for f in declared if f.type in FACET_TYPES)}
        return f"facet '{facet.key}' reads unknown profile field '{field}'; choose one of " + ", ".join(
            sorted(readable)
        )
    if facet.multi is not None and facet.multi != multi:
        return f"'{field}' is {'a list' if multi else 'a single value'}; set multi = {str(multi).lower()}"
    if facet.group is not None and not year:
        return f"group applies to facets over a year, not to '{field}'"
    if year and facet.values:
        return f"facet '{facet.key}' lists values, but its values are the years profiles give"
    for value in facet.values:
        if not SLUG_RE.match(value) and field not in ("country", "languages"):
            return f"facet value '{value}' must be lower-case letters, digits and hyphens"
    if field in FACET_FIELDS and not year and not facet.values and builtin_values(field) is None:
        return f"facet '{facet.key}' needs a [facets.values] table listing its allowed values"
    return None


class ContactConfig(Strict):
    """Where the contact-request form on each mentor page sends its data."""

    mode: Literal["receiver", "endpoint", "netlify", "mailto", "none"] = "receiver"
    """receiver: the bundled `mentorsite receive` app; endpoint: any form service; netlify: Netlify Forms; mailto: only mentors with a public_email; none: no form."""
    action: str = "http://127.0.0.1:8787/requests"
    """URL the form posts to (receiver and endpoint modes)."""
    field_names: dict[RequestFieldName, str] = Field(default_factory=dict)
    """Field names the endpoint expects, by our field name (endpoint mode)."""
    guide: str = "first-contact-message"
    """Guide linked beside the form."""

    # The bundled receiver (`mentorsite receive`); ignored in the other modes.
    delivery: Literal["mentor", "coordinator"] = "mentor"
    """Receiver: who gets each request by email: the mentor's private address, or the programme coordinator."""
    coordinator_email: str | None = Field(default=None, max_length=254)
    """Receiver: the coordinator's address; required for delivery = "coordinator", else used for mentors with no private address."""
    from_email: str | None = Field(default=None, max_length=254)
    """Receiver: the From address of delivered requests (mentees are in Reply-To); defaults to coordinator_email, else no-reply@<base_url host>."""
    database: str = "~/.local/share/mentorsite/requests.sqlite3"
    """Receiver: SQLite file holding requests and the outbox (keep it outside the site's repository and output), or a postgresql://user@host/db URL that several receivers share."""
    contacts_file: str = ""
    """Receiver: optional TOML (slug = "address") or CSV (slug,email) file of private addresses kept outside the published tree; overrides profiles' email."""
    smtp_host: str = "localhost"
    """Receiver: SMTP server that delivers requests."""
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    """Receiver: SMTP port; defaults to 587 for starttls, 465 for ssl, 25 for none."""
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    """Receiver: starttls (upgrade a plain connection), ssl (TLS from the start) or none (only for a relay on this machine)."""
    smtp_username_env: str = Field(default="MENTORSITE_SMTP_USERNAME", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Receiver: environment variable holding the SMTP user name (no login when unset)."""
    smtp_password_env: str = Field(default="MENTORSITE_SMTP_PASSWORD", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Receiver: environment variable holding the SMTP password."""
    secret_env: str = Field(default="MENTORSITE_RECEIVER_SECRET", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Receiver: environment variable with the key that signs form timestamps; when unset, a random key is kept in the database."""
    rate_limit: int = Field(default=10, ge=0, le=100_000)
    """Receiver: form posts allowed per client (an IPv4 address, an IPv6 /64) per rate_window_seconds (0 turns the limit off)."""
    rate_window_seconds: int = Field(default=600, ge=1, le=86_400)
    """Receiver: length of the rate-limit window."""
    mentor_daily_limit: int = Field(default=20, ge=0, le=100_000)
    """Receiver: requests stored for one mentor per 24 hours; more are refused (429) until the oldest is a day old, so nobody can flood a mentor's inbox (0 turns the cap off)."""
    min_fill_seconds: float = Field(default=3.0, ge=0, le=600)
    """Receiver: a form sent sooner than this after its signed timestamp was issued is treated as a bot."""
    max_body_bytes: int = Field(default=65_536, ge=4_096, le=1_048_576)
    """Receiver: larger request bodies are refused with 413."""
    retry_base_seconds: float = Field(default=30.0, gt=0, le=3_600)
    """Receiver: first delay before retrying a failed delivery; it doubles on each failure."""
    retry_max_seconds: float = Field(default=3_600.0, gt=0, le=86_400)
    """Receiver: longest delay between delivery retries."""
    send_lease_seconds: float = Field(default=300.0, ge=2, le=86_400)
    """Receiver: how long a request being sent stays claimed by its receiver; one whose receiver stopped mid-send is sent again after this (SMTP waits are capped at a quarter of it)."""
    answer_link_days: int = Field(default=14, ge=1, le=365)
    """Receiver: how long the Accept / Decline / Pause links in a mentor's mail work, counted from when the request was received."""
    receiver_url: str = ""
    """Receiver: its public address (scheme://host[:port][/prefix]) for answer links and availability.json; defaults to the origin of action."""
    allowed_origins: list[str] = Field(default_factory=list, max_length=10)
    """Receiver: extra origins (scheme://host[:port]) allowed to post, besides base_url's, e.g. a preview."""
    thanks_path: str = "contact/thanks/"
    """Receiver: page of the site (relative to base_url) a plain form post is redirected to."""
    remind_after_days: float = Field(default=7, ge=0, le=365)
    """Receiver: days after a request arrived, still unanswered, when its mentor gets one reminder with the answer links again (0: no reminder)."""
    coordinator_after_days: float = Field(default=14, ge=0, le=365)
    """Receiver: days after a request arrived, still unanswered, when coordinator_email is told (0, or no coordinator_email: never); not before remind_after_days."""
    expire_after_days: float = Field(default=21, ge=0, le=365)
    """Receiver: days after which an unanswered request expires and the mentee is offered similar mentors (0: never); after the reminder and the coordinator's notice."""

    @field_validator("action")
    @classmethod
    def _http_action(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("the form action must be an http(s) URL")
        return value

    @field_validator("coordinator_email", "from_email")
    @classmethod
    def _email_address(cls, value: str | None) -> str | None:
        if value is not None and not is_email(value):
            raise ValueError(f"'{value}' is not a valid email address")
        return value.strip() if value is not None else None

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
                raise ValueError(f"'{origin}' is not an origin; write scheme://host[:port], e.g. https://example.org")
        return [o.rstrip("/") for o in value]

    @field_validator("receiver_url")
    @classmethod
    def _receiver_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment):
            raise ValueError(f"'{value}' is not an http(s) URL such as https://receiver.example.org")
        return value.rstrip("/")

    @property
    def public_receiver_url(self) -> str:
        """The receiver's public address without a trailing slash: receiver_url, else action's origin."""
        if self.receiver_url:
            return self.receiver_url
        parts = urlsplit(self.action)
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("thanks_path")
    @classmethod
    def _site_path(cls, value: str) -> str:
        if urlsplit(value).scheme or urlsplit(value).netloc or ".." in value.split("/"):
            raise ValueError("thanks_path must be a path inside the site, such as contact/thanks/")
        return value.lstrip("/")

    @model_validator(mode="after")
    def _coordinator(self) -> ContactConfig:
        if self.delivery == "coordinator" and not self.coordinator_email:
            raise ValueError('delivery = "coordinator" needs coordinator_email')
        return self

    @model_validator(mode="after")
    def _lifecycle_order(self) -> ContactConfig:
        # Each step only makes sense before the next: a reminder after expiry would ask the
        # mentor to answer a request that can no longer be answered.
        steps = [
            (name, days)
            for name, days in (
                ("remind_after_days", self.remind_after_days),
                ("coordinator_after_days", self.coordinator_after_days),
                ("expire_after_days", self.expire_after_days),
            )
            if days
        ]
        for (earlier, first), (later, then) in itertools.pairwise(steps):
            too_soon = then <= first if later == "expire_after_days" else then < first
            if too_soon:
                relation = "after" if later == "expire_after_days" else "no sooner than"
                raise ValueError(f"{later} ({then:g}) must come {relation} {earlier} ({first:g})")
        return self


class GuideLinks(Strict):
    """Guides linked where mentees decide, by slug in content/guides/; a guide the site lacks is simply not linked.

    The guide beside the contact form is `[contact] guide`.
    """

    mentee: str = Field(default="being-a-good-mentee", max_length=64)
    """Linked from a mentor's "What I expect from a mentee" section."""
    formats: str = Field(default="forms-of-mentoring", max_length=64)
    """Linked beside a mentor's mentoring formats."""
    meetings: str = Field(default="running-mentoring-meetings", max_length=64)
    """Linked from the page shown after a contact request is sent."""

    @field_validator("mentee", "formats", "meetings")
    @classmethod
    def _slug_or_empty(cls, value: str) -> str:
        if value and not SLUG_RE.match(value):
            raise ValueError(f"'{value}' is not a guide slug (the file name without .md); leave it empty for no link")
        return value


class CmsConfig(Strict):
    """The web editor at /admin/ (Decap CMS): a form in the browser whose edits become pull requests."""

    enabled: bool = False
    """Write the web editor to /admin/ (one-time setup: README.md, "Web editor")."""
    backend: Literal["github", "git-gateway"] = "github"
    """github: editors log in with GitHub; git-gateway: Netlify Identity accounts, for sites hosted on Netlify."""
    repo: str = Field(default="", max_length=140)
    """The repository as owner/name (github backend), e.g. "northbridge/mentors"."""
    branch: str = Field(default="main", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._/-]+$")
    """Branch the pull requests target."""
    auth_url: str = ""
    """github backend: the OAuth service that logs editors in, when it is not Netlify's (Decap's backend base_url)."""
    open_authoring: bool = True
    """github backend: editors without write access propose changes from their own fork."""
    local_backend: bool = False
    """Let the editor use a local checkout through `npx decap-server` when opened on localhost."""

    @field_validator("repo")
    @classmethod
    def _owner_name(cls, value: str) -> str:
        if value and not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", value):
            raise ValueError(f"repo must be written owner/name, not '{value}'")
        return value

    @field_validator("auth_url")
    @classmethod
    def _http_auth(cls, value: str) -> str:
        if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
            raise ValueError("auth_url must be an absolute http(s) URL such as https://auth.example.org")
        return value

    @model_validator(mode="after")
    def _repo_for_github(self) -> CmsConfig:
        if self.enabled and self.backend == "github" and not self.repo:
            raise ValueError('the github backend needs repo = "owner/name"')
        return self


class PreviewsConfig(Strict):
    """Link previews: the social-card image drawn per mentor and per guide, and the Atom feeds."""

    social_cards: bool = True
    """Draw a 1200×630 PNG card per mentor and per guide (/social/…) for link previews; false leaves them out (og:image then shows the logo, if any)."""
    font: str = Field(default="", max_length=200)
    """A TrueType/OpenType font for the cards, relative to the site; empty: DejaVu Sans (Debian's fonts-dejavu-core), else Pillow's built-in Latin font. Letters it lacks are drawn with a system font that has them (fontconfig), else left off with a warning."""
    feed_entries: int = Field(default=20, ge=1, le=500)
    """Entries in the Atom feeds of newly joined mentors (/feed.xml) and of guides (/guides/feed.xml)."""


class AccessibilityConfig(Strict):
    """The accessibility statement at /accessibility/; by default it names programme_email (else the organisation) as the contact."""

    contact: str = Field(default="", max_length=300)
    """Where people report an accessibility problem: an email address or an https:// page; empty for programme_email."""
    known_limits: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(default_factory=list, max_length=12)
    """The site's own known limits, one sentence each, listed after the theme's."""
    reviewed: date | None = None
    """When the statement was last reviewed (shown on the page)."""

    @field_validator("contact")
    @classmethod
    def _address_or_page(cls, value: str) -> str:
        if value and "@" not in value and not value.startswith("https://"):
            raise ValueError("contact must be an email address or an https:// page")
        return value


class StatsConfig(Strict):
    """The public statistics page at /stats/: mentors by facet value and the share accepting, from profiles alone."""

    enabled: bool = False
    """Publish /stats/ and link it from the footer."""


class SiteConfig(Strict):
    """Everything in site.toml. Unknown keys are errors."""

    title: str = Field(min_length=1, max_length=80)
    """Name of the site, shown in the header and page titles."""
    description: str = Field(default="", max_length=300)
    """One or two sentences for the home page and search engines."""
    organisation: str = Field(min_length=1, max_length=120)
    """The organisation publishing the directory."""
    programme_email: str | None = Field(default=None, max_length=254)
    """Public address where people reach the programme's organisers; guides show it where they write {{< contact >}} (else the organisation's name). Never the private coordinator_email."""
    logo: str = ""
    """Path of the logo among the theme assets (templates/assets/…); empty for none."""
    brand_colour: str = Field(default="#1f5f8b", pattern=r"^#[0-9a-fA-F]{6}$")
    """Accent colour as #rrggbb."""
    base_url: str = "http://localhost:8000/"
    """Where the site is published; a sub-path such as https://org.github.io/mentors/ works."""
    language: str = Field(default="en", pattern=r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    """Language of the site, as a BCP 47 tag: it picks the interface's message catalogue (en, fr, es, de, pt and ar ship; see "Languages"), and CLDR's names, dates, numbers, lists and name order."""
    languages: list[Annotated[str, Field(pattern=LANGUAGE_TAG.pattern)]] = Field(default_factory=list, max_length=12)
    """Languages of a multilingual site, the default first: it is built at the root, each other one under /<lang>/ with its own interface, search and feeds; set this or `language`, not both."""
    output_dir: str = "_site"
    """Output directory, relative to the site."""
    per_page: int = Field(default=24, ge=6, le=200)
    """Mentor cards per directory and facet page."""
    review_after_months: int = Field(default=12, ge=1, le=120)
    """Profiles not reviewed for this many months are flagged."""
    stale_profiles: Literal["flag", "hide", "show"] = "flag"
    """Profiles not reviewed for review_after_months: flag publishes them with a "may be out of date" note, hide leaves them out of the site, show publishes them as usual."""
    nav: list[NavLink] = Field(default_factory=list, max_length=12)
    """Main navigation links, in order."""
    fields: list[CustomField] = Field(default_factory=list, max_length=30)
    """Profile fields of the site's own (faculty, graduation year, …), written in profiles like the built-in ones."""
    facets: list[Facet] = Field(default_factory=list, max_length=20)
    """Dimensions mentees filter by (expertise, language, …), each with its vocabulary."""
    contact: ContactConfig = ContactConfig()
    """Where contact requests go."""
    guides: GuideLinks = GuideLinks()
    """Guides linked from mentor pages and the request-sent page."""
    cms: CmsConfig = CmsConfig()
    """The web editor at /admin/ (Decap CMS)."""
    previews: PreviewsConfig = PreviewsConfig()
    """Link previews: social-card images and Atom feeds."""
    accessibility: AccessibilityConfig = AccessibilityConfig()
    """The accessibility statement page."""
    stats: StatsConfig = StatsConfig()
    """The public statistics page (/stats/), off by default."""

    @model_validator(mode="before")
    @classmethod
    def _default_language(cls, data: Any) -> Any:
        # `languages = ["en", "fr"]` makes its first the site's `language` (the root's).
        if isinstance(data, dict) and "language" not in data and isinstance(data.get("languages"), list):
            first = next(iter(data["languages"]), None)
            if isinstance(first, str):
                return {**data, "language": first}
        return data

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: list[str]) -> list[str]:
        for index, tag in enumerate(value):
            if tag.lower() in (t.lower() for t in value[:index]):
                raise ValueError(f"'{tag}' is listed twice; list each language once")
        return value

    @field_validator("brand_colour", mode="before")
    @classmethod
    def _hex_colour(cls, value: object) -> object:
        if not isinstance(value, str) or _HEX_COLOUR.match(value):
            return value
        text = value.strip()
        if text.lower() in COLOUR_NAMES:
            hint = f'{text.lower()} is {COLOUR_NAMES[text.lower()]}: brand_colour = "{COLOUR_NAMES[text.lower()]}"'
        elif re.fullmatch(r"#?[0-9a-fA-F]{3}", text):
            full = "#" + "".join(c * 2 for c in text.lstrip("#"))
            hint = f'write all six digits: brand_colour = "{full.lower()}"'
        elif re.fullmatch(r"[0-9a-fA-F]{6}", text):
            hint = f'start it with #: brand_colour = "#{text}"'
        else:
            hint = (
                'write # and six hexadecimal digits, e.g. brand_colour = "#1f5f8b"; any colour picker shows this code'
            )
        raise PydanticCustomError("colour", "'{value}' is not a colour written #rrggbb", {"value": value, "hint": hint})

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL such as https://example.org/mentors/")
        return value if value.endswith("/") else value + "/"

    @field_validator("programme_email")
    @classmethod
    def _public_email(cls, value: str | None) -> str | None:
        return ContactConfig._email_address(value)

    @field_validator("contact")
    @classmethod
    def _programme_email_is_public(cls, value: ContactConfig, info: ValidationInfo) -> ContactConfig:
        programme, coordinator = info.data.get("programme_email"), value.coordinator_email
        if programme and coordinator and programme.lower() == coordinator.lower():
            # The build refuses to publish the coordinator's address; say so where it is written.
            raise ValueError(
                "coordinator_email is the programme_email too, but programme_email is published in the guides "
                "and coordinator_email stays private; give programme_email a public address such as a shared mailbox"
            )
        return value

    @field_validator("output_dir")
    @classmethod
    def _relative_output(cls, value: str) -> str:
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or not value.strip() or value.strip() in (".", "./"):
            raise ValueError("output_dir must be a folder inside the site, such as _site")
        if len(path.parts) == 1 and path.parts[0].casefold() in SITE_INPUTS:
            # The build replaces the output folder wholesale: this would delete the site's own files.
            raise ValueError(f"output_dir must not be the site's own '{path.parts[0]}'; use a folder such as _site")
        return value

    @model_validator(mode="after")
    def _facets_read_own_fields(self, info: ValidationInfo) -> SiteConfig:
        # Validated without parse_config, the facets could not see the site's own fields; judge
        # them now (without their line: parse_config, the path site.toml takes, gives that).
        if "fields" not in (info.context or {}):
            for index, facet in enumerate(self.facets):
                problem = facet_problem(facet, self.fields)
                if problem:
                    raise ValueError(f"facets item {index + 1}: {problem}")
        return self

    def label_tables(self) -> list[tuple[tuple, str, dict[str, str]]]:
        """Every label given per language: (where in site.toml, what it labels, the labels)."""
        found: list[tuple[tuple, str, dict[str, str]]] = [
            (("nav", i, "label"), f"nav item {i + 1}", item.labels) for i, item in enumerate(self.nav)
        ]
        for i, own in enumerate(self.fields):
            found.append((("fields", i, "label"), f"field '{own.key}'", own.labels))
            found += [
                (("fields", i, "values", k), f"field '{own.key}' value '{k}'", v.labels) for k, v in own.values.items()
            ]
        for i, facet in enumerate(self.facets):
            found.append((("facets", i, "label"), f"facet '{facet.key}'", facet.labels))
            found += [
                (("facets", i, "values", k), f"facet '{facet.key}' value '{k}'", v.labels)
                for k, v in facet.values.items()
            ]
        return [(loc, what, labels) for loc, what, labels in found if labels]

    @property
    def site_languages(self) -> list[str]:
        """Every language the site is built in, the default (the root's) first."""
        return list(self.languages) or [self.language]

    def language_root(self, language: str) -> str:
        """Where a language's tree sits, relative to the site's root: "" for the default, else "fr/"."""
        return "" if language == self.site_languages[0] else f"{language}/"

    def in_language(self, language: str) -> SiteConfig:
        """The settings one language's tree is built with: its `language`, its labels (nav,
        facets, the site's own fields and their values; untranslated, the default language's),
        and a base_url at its root (so every URL its pages make stays inside its tree)."""
        default = self.site_languages[0]

        def label(item: Any) -> Any:
            return item.model_copy(update={"label": pick_label(item.label, item.labels, language, default)})

        def with_values(item: Any) -> Any:
            return label(item).model_copy(update={"values": {k: label(v) for k, v in item.values.items()}})

        return self.model_copy(
            update={
                "language": language,
                "base_url": self.base_url + self.language_root(language),
                "nav": [label(item) for item in self.nav],
                "facets": [with_values(f) for f in self.facets],
                "fields": [with_values(f) for f in self.fields],
            }
        )

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always starting and ending with '/'."""
        return urlsplit(self.base_url).path or "/"

    def facet(self, key: str) -> Facet:
        return next(f for f in self.facets if f.key == key)

    def custom_field(self, key: str) -> CustomField | None:
        """The site's own field with this key, if it declares one."""
        return next((f for f in self.fields if f.key == key), None)

    def facet_vocabulary(self, facet: Facet) -> dict[str, FacetValue]:
        """A facet's allowed values with their labels (empty for years, labelled by the year)."""
        own = self.custom_field(facet.source_field)
        return dict(own.values) if own is not None else facet.labelled_values()

    def field_vocabulary(self, field: str) -> dict[str, FacetValue] | None:
        """The allowed values of a choice field, built-in or the site's own; None for an open
        field the site lists no values for (any slug) and for fields that are not choices."""
        own = self.custom_field(field)
        if own is not None:
            return dict(own.values) if own.type in CHOICE_TYPES else None
        if field in YEAR_FIELDS:
            return None
        facet = next((f for f in self.facets if f.source_field == field), None)
        return facet.labelled_values() if facet else builtin_values(field)

    def facet_group(self, facet: Facet) -> str | None:
        """How a facet over a year turns years into values ("year" or "decade"); None for the others."""
        own = self.custom_field(facet.source_field)
        is_year = own.type == "year" if own is not None else facet.source_field in YEAR_FIELDS
        return (facet.group or "year") if is_year else None

    def facet_multi(self, facet: Facet) -> bool:
        """Whether a mentor may have several values of the facet."""
        own = self.custom_field(facet.source_field)
        return own.type == "choices" if own is not None else FACET_FIELDS.get(facet.source_field, True)


_DECLARED_FIELDS: TypeAdapter[list[CustomField]] = TypeAdapter(list[CustomField])


def parse_config(data: dict[str, Any]) -> SiteConfig:
    """SiteConfig from site.toml's data (ValidationError when invalid); facets are checked
    against the site's own fields, which must therefore be known first."""
    try:
        declared: list[CustomField] | None = _DECLARED_FIELDS.validate_python(
            data.get("fields", []) if isinstance(data, dict) else []
        )
    except ValidationError:
        declared = None  # reported, with positions, by the validation below
    return SiteConfig.model_validate(data, context={"fields": declared})


def load_config(site_dir: Path) -> SiteConfig:
    """Read and validate site_dir/site.toml; raise InputError with every problem found."""
    path = site_dir / "site.toml"
    name = "site.toml"
    if not path.is_file():
        raise InputError(
            [Diagnostic(name, 0, 0, f"no site.toml in {site_dir}", "run `mentorsite init DIR` to start a new site")]
        )
    with path.open("rb") as handle:  # never more than the limit into memory
        raw = handle.read(MAX_YAML_BYTES + 1)
    text = decode_source(raw, name, size=path.stat().st_size)
    try:
        return _validated(text, name)
    except InputError as exc:
        raise InputError(quote(exc.diagnostics, {name: text})) from None


def _validated(text: str, name: str) -> SiteConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_error_position(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        hint = ""
        if "invalid value" in message.lower():
            hint = 'text values need quotes: title = "My site"'
        elif "overwrite" in message or "twice" in message:
            hint = "this key or table is already set above; keep one of them"
        raise InputError([Diagnostic(name, line, col, f"invalid TOML: {message}", hint)]) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise InputError([Diagnostic(name, 0, 0, "invalid TOML: nested too deeply")]) from None
    try:
        config = parse_config(data)
    except ValidationError as exc:
        raise InputError(diagnostics_from(exc, SiteConfig, name, TomlLocator(text), "toml")) from None
    if "language" in data and "languages" in data:
        line, col = TomlLocator(text)(("languages",), True)
        raise InputError(
            [
                Diagnostic(
                    name,
                    line,
                    col,
                    "both language and languages are set",
                    f"keep languages (its first, {config.site_languages[0]}, is the default) and delete language",
                )
            ]
        )
    problems = []
    for loc, what, labels in config.label_tables():
        unknown = [tag for tag in labels if tag not in config.site_languages]
        if unknown:
            line, col = TomlLocator(text)(loc, True)
            problems.append(
                Diagnostic(
                    name,
                    line,
                    col,
                    f"{what} has a label in '{unknown[0]}', which is not one of the site's languages",
                    f"languages are {', '.join(config.site_languages)}; add '{unknown[0]}' to them or remove the label",
                )
            )
    for table, noun, keys in (
        ("fields", "field", [field.key for field in config.fields]),
        ("facets", "facet", [facet.key for facet in config.facets]),
    ):
        for index, key in enumerate(keys):
            if key in keys[:index]:
                line, col = TomlLocator(text)((table, index, "key"), True)
                problems.append(
                    Diagnostic(
                        name,
                        line,
                        col,
                        f"{noun} key '{key}' is used twice",
                        f"each [[{table}]] table needs a key of its own",
                    )
                )
    if problems:
        raise InputError(problems)
    return config


def with_base_url(config: SiteConfig, base_url: str) -> SiteConfig:
    """The config published under another base URL (`--base-url`); InputError if it is not one."""
    try:
        return parse_config({**config.model_dump(), "base_url": base_url})
    except ValidationError as exc:
        # The option has no file position, and the message needs no field name: it names the option.
        explained = (explain({**error, "loc": ()}, SiteConfig, "toml") for error in exc.errors(include_url=False))
        raise InputError(
            Diagnostic("--base-url", 0, 0, f"invalid base URL '{base_url}': {message}", hint)
            for message, hint in explained
        ) from None


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
            key = re.compile(
                r"^\s*(?:\[+[^\]]*\b"
                + re.escape(str(part))
                + r"\s*\]+|\"?"
                + re.escape(str(part))
                + r"\"?\s*=)|[{,]\s*\"?"
                + re.escape(str(part))
                + r"\"?\s*="
            )
            for index in range(cursor, len(self.lines)):
                match = key.search(self.lines[index])
                if match:
                    cursor = index
                    stripped = len(self.lines[index]) - len(self.lines[index].lstrip())
                    col = match.start() + 1 if match.start() > 0 else stripped + 1
                    found = (index + 1, col)
                    break
        return found
