"""The profile and guide schemas: one source of truth for validation, JSON Schema and docs.

Validation of facet values needs the site's vocabularies; they arrive through pydantic's
validation context (`{"vocabularies": {field: Vocabulary}}`) so the models stay plain data.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Annotated, Any, TypeAlias
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .diagnostics import did_you_mean
from .textrules import is_email, one_line_problem, prose_problem, slugify
from .vocabulary import COUNTRY_ALIASES, LANGUAGE_TAG, Vocabulary, builtin_values, countries, country_code

#: Fields that never leave the build: they are dropped before anything is rendered or indexed.
PRIVATE_FIELDS = frozenset({"email"})

_RETYPE = "retype the text; it was probably pasted with hidden formatting"


def _error(kind: str, message: str, hint: str = "") -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"hint": hint} if hint else None)


def _check_line(value: str, *, visible: bool) -> str:
    # Characters that break, reorder or hide text: harmless in prose, but in a name or a
    # one-line field they let a profile impersonate someone else ("Trojan Source" tricks).
    value = unicodedata.normalize("NFC", value).strip()
    problem = one_line_problem(value, visible=visible)
    if problem and problem.kind == "control":
        raise _error("control_character", "contains a line break or control character", "keep this field on one line")
    if problem and problem.kind == "bidi":
        raise _error("bidi_character", "contains invisible text-direction characters", _RETYPE)
    if problem:
        raise _error("invisible_character", "contains zero-width or invisible characters", _RETYPE)
    if not value:
        raise _error("empty", "must not be empty")
    return value


def _one_line(value: str) -> str:
    return _check_line(value, visible=False)


def _visible_line(value: str) -> str:
    return _check_line(value, visible=True)


def _text(value: str) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    problem = prose_problem(value)
    if problem and problem.kind == "control":
        raise _error("control_character", "contains control characters")
    if problem:
        raise _error("bidi_character", "contains text-direction override characters", _RETYPE)
    return value


Name = Annotated[str, AfterValidator(_visible_line), Field(min_length=1, max_length=100)]
#: One line of text: no line breaks, control or hidden characters.
Line = Annotated[str, AfterValidator(_one_line), Field(min_length=1, max_length=160)]
ShortLine = Annotated[str, AfterValidator(_one_line), Field(min_length=1, max_length=60)]
Markdown = Annotated[str, AfterValidator(_text), Field(min_length=1, max_length=10_000)]


def _file_path(value: str) -> str:
    if one_line_problem(value, visible=True):
        raise _error(
            "control_character",
            "contains a line break, control or invisible character",
            "write the path of the file on one line, e.g. photos/ana.jpg",
        )
    return value


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or one_line_problem(value) or " " in value:
        raise _error(
            "url",
            "must be a full web address starting with https:// or http://",
            "for example https://example.org/profile",
        )
    # Characters a URL may not hold literally (the HTML would be invalid): percent-encode them.
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", value)


_URL_UNSAFE = re.compile(r'["<>`{}|\\^]')


def _email(value: str) -> str:
    value = value.strip()
    if not is_email(value):
        raise _error("email", f"'{value}' is not a valid email address", "for example name@example.org")
    return value


def _https_url(value: str) -> str:
    value = _http_url(value)
    if not value.lower().startswith("https://"):
        # A plain-http scheduling page would carry a mentee's name and email in the clear.
        raise _error(
            "url",
            "must be a secure web address starting with https://",
            "scheduling services (Calendly, Cal.com, …) give https:// links; copy the link from the browser",
        )
    return value


HttpUrl = Annotated[str, Field(max_length=500), AfterValidator(_http_url)]
HttpsUrl = Annotated[str, Field(max_length=500), AfterValidator(_https_url)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


#: Well-known IANA zones, offered for a time zone written as an offset ("GMT+8").
ZONE_EXAMPLES = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Mexico_City",
    "America/Chicago",
    "America/Bogota",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Atlantic/Azores",
    "Europe/London",
    "Africa/Accra",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Africa/Lagos",
    "Europe/Athens",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Europe/Istanbul",
    "Africa/Nairobi",
    "Asia/Riyadh",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Kabul",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Perth",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Noumea",
    "Pacific/Auckland",
    "Pacific/Tongatapu",
]
_OFFSET = re.compile(r"^(?:GMT|UTC|UT)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def zones_at_offset(text: str) -> list[str] | None:
    """Well-known zones whose standard time is the offset written in `text` ("GMT+8",
    "UTC-05:00"), at most three; None when `text` is not an offset."""
    match = _OFFSET.match(text.strip())
    if not match:
        return None
    sign = -1 if match.group(1) in "-−" else 1
    minutes = sign * (int(match.group(2)) * 60 + int(match.group(3) or 0))
    found = []
    for name in ZONE_EXAMPLES:
        zone = zoneinfo.ZoneInfo(name)
        # Standard time: the smaller offset of January and July (summer time adds an hour).
        offsets = [datetime(2025, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 7)]
        if min(o for o in offsets if o is not None) == timedelta(minutes=minutes):
            found.append(name)
    return found[:3]


def _timezone(value: str) -> str:
    if value not in _timezones():
        zones = zones_at_offset(value)
        if zones:
            named = ", ".join(zones[:-1]) + (" or " if len(zones) > 1 else "") + zones[-1]
            hint = (
                f"write the IANA name of a place in that zone, e.g. {named}; unlike an offset, it follows summer time"
            )
        elif zones is not None:
            hint = "write the IANA name of a place in that zone, e.g. Europe/Lisbon; an offset alone is not a time zone"
        else:
            hint = did_you_mean(value, _timezones()) or "use an IANA name such as Europe/Lisbon or America/Bogota"
        raise _error("timezone", f"'{value}' is not a known time zone", hint)
    return value


def vocabulary_check(field: str, noun: str, fixed: Vocabulary | None = None) -> AfterValidator:
    """An item validator resolving a facet value (or alias) to its canonical key.

    The vocabulary is `fixed` (a site's own choice field), else the validation context's for
    `field`, else the field's built-in one; a field with none accepts any slug-like value.
    """

    def check(value: str, info: ValidationInfo) -> str:
        vocabularies = (info.context or {}).get("vocabularies", {})
        vocabulary: Vocabulary | None = fixed or vocabularies.get(field)
        if vocabulary is None:
            builtin = builtin_values(field)
            if builtin is None:  # no site vocabulary given: accept any slug-like value
                slug = slugify(value)
                if not slug:
                    raise _error("vocabulary", f"'{value}' is not a valid {noun}")
                return slug
            vocabulary = Vocabulary(builtin)
        key = vocabulary.resolve(value)
        if key is None:
            # "zh-CN", "pt_BR": a language with its region; the site lists languages only.
            base = re.split(r"[-_]", value.strip(), maxsplit=1)[0]
            base_key = vocabulary.resolve(base) if field == "languages" and base != value.strip() else None
            if base_key:
                raise _error(
                    "vocabulary",
                    f"'{value}' is not a known {noun}",
                    f"write '{base_key}' without the region; languages are two-letter ISO 639-1 codes",
                )
            hint = did_you_mean(value, vocabulary.suggestions())
            if not hint:
                sample = ", ".join(vocabulary.suggestions()[:8])
                more = ", …" if len(vocabulary.suggestions()) > 8 else ""
                hint = f"allowed: {sample}{more}"
            raise _error("vocabulary", f"'{value}' is not a known {noun}", hint)
        return key

    return AfterValidator(check)


def _country(value: str, info: ValidationInfo) -> str:
    code = value.strip().upper()
    if code not in countries():
        meant = country_code(value)
        if meant and " ".join(value.split()).upper() in COUNTRY_ALIASES:
            hint = f"write '{meant}': that is the ISO 3166 code for {countries()[meant]}"
        elif meant:
            hint = f"use the two-letter code '{meant}'"
        else:
            hint = "use a two-letter ISO 3166 code such as PT, NO or BR"
        raise _error("country", f"'{value}' is not an ISO 3166 country code", hint)
    return code


def _stringify_code(value: Any) -> Any:
    # `country: no` is text under our YAML reader, but a JSON or API caller may still send
    # False; say so clearly rather than "must be text".
    if isinstance(value, bool):
        raise _error("country", "a country code must be text", 'write the code in quotes, e.g. "NO"')
    return value


Tag = Annotated[str, Field(max_length=60), vocabulary_check("tags", "expertise tag")]
Industry = Annotated[str, Field(max_length=60), vocabulary_check("industry", "industry")]
Language = Annotated[str, Field(max_length=40), vocabulary_check("languages", "language code")]
MentoringFormat = Annotated[str, Field(max_length=40), vocabulary_check("formats", "mentoring format")]
MeetingMode = Annotated[str, Field(max_length=40), vocabulary_check("meeting_modes", "meeting mode")]
Cadence = Annotated[str, Field(max_length=40), vocabulary_check("cadence", "cadence")]
CountryCode = Annotated[str, BeforeValidator(_stringify_code), Field(max_length=60), AfterValidator(_country)]
TimeZone = Annotated[str, Field(max_length=60), AfterValidator(_timezone)]


def _unique(values: list[str]) -> list[str]:
    # "ml" and "AI" are both machine-learning: keep each canonical value once, in order,
    # so a mentor is never listed or counted twice on a facet page.
    return list(dict.fromkeys(values))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        # An optional field left blank (`role: ""`, or cleared in the web editor, which saves
        # "") means "not given", not "an empty role".
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (
                    isinstance(value, str)
                    and not value.strip()
                    and key in cls.model_fields
                    and not cls.model_fields[key].is_required()
                )
            }
        return data


class Location(Strict):
    """Where the mentor is based."""

    city: ShortLine | None = None
    """City or region."""
    country: CountryCode | None = None
    """ISO 3166-1 alpha-2 code, e.g. PT, NO, BR (written in any case)."""


class Availability(Strict):
    """Whether and when the mentor takes new mentees."""

    accepting: bool = True
    """Whether the mentor takes new mentees now."""
    capacity: int | None = Field(default=None, ge=0, le=50)
    """How many mentees they can take on at once."""
    available_from: date | None = None
    """First date they can start with a new mentee."""


class Link(Strict):
    """A public link shown on the profile."""

    label: ShortLine
    """Text of the link."""
    url: HttpUrl
    """Full https:// (or http://) address."""


def _translation_language(value: str, info: ValidationInfo) -> str:
    # The site's languages arrive in the validation context (load.profile_context); without
    # them (a profile checked on its own) any well-formed tag is accepted. The length is checked
    # here rather than with Field(max_length) on the key, whose JSON schema (propertyNames)
    # differs between pydantic versions.
    if len(value) > 35:
        raise _error("language", "a language tag has at most 35 characters", "write a code such as fr or pt-BR")
    if not LANGUAGE_TAG.match(value):
        raise _error("language", f"'{value}' is not a language tag", "write a code such as fr or pt-BR")
    languages: list[str] | None = (info.context or {}).get("languages")
    if languages is not None and value not in languages[1:]:
        if value in languages:
            raise _error(
                "language", f"the profile itself is in '{value}'", "translations are for the site's other languages"
            )
        others = ", ".join(languages[1:]) or "none: site.toml lists no other languages"
        raise _error("language", f"'{value}' is not one of the site's languages", f"translations may be in: {others}")
    return value


TranslationLanguage = Annotated[str, AfterValidator(_translation_language)]


class ProfileText(Strict):
    """A profile's free text in another of the site's languages; what it leaves out is shown in
    the profile's own language, marked with that language's `lang`."""

    headline: Line | None = None
    """The headline in this language."""
    role: Line | None = None
    """The job title in this language."""
    bio: Markdown | None = None
    """The bio in this language, in Markdown."""
    expectations: Annotated[str, AfterValidator(_text), Field(max_length=3000)] | None = None
    """What the mentor expects from a mentee, in this language."""
    help_with: list[Line] | None = Field(default=None, max_length=12)
    """"I can help with" topics in this language."""


#: The profile fields a translation may give (ProfileText); facet values are vocabulary keys, labelled from site.toml.
TRANSLATABLE = tuple(ProfileText.model_fields)


class Mentor(Strict):
    """One mentor's profile, from mentors/<slug>.yaml."""

    name: Name
    """Full name as it should be shown."""
    headline: Line
    """One line under the name: what they can help with."""
    bio: Markdown
    """About the mentor, in Markdown."""
    tags: Annotated[list[Tag], AfterValidator(_unique)] = Field(min_length=1, max_length=12)
    """Areas of expertise, from the site's vocabulary (at least one)."""
    photo: Annotated[str, Field(max_length=200), AfterValidator(_file_path)] | None = None
    """Image file next to the profile, e.g. photos/ana.jpg (JPEG, PNG or WebP)."""
    pronouns: Annotated[str, AfterValidator(_one_line), Field(max_length=30)] | None = None
    """Pronouns, e.g. she/her, they/them."""
    role: Line | None = None
    """Job title."""
    organisation: Line | None = None
    """Employer or organisation."""
    industry: Industry | None = None
    """Industry, from the site's vocabulary."""
    location: Location | None = None
    """City and country."""
    timezone: TimeZone | None = None
    """IANA time zone, e.g. Europe/Lisbon."""
    languages: Annotated[list[Language], AfterValidator(_unique)] = Field(default_factory=list, max_length=10)
    """ISO 639-1 codes of the languages they mentor in, e.g. [en, es]."""
    formats: Annotated[list[MentoringFormat], AfterValidator(_unique)] = Field(default_factory=list, max_length=5)
    """one-to-one, group, peer, co-mentoring, reverse."""
    meeting_modes: Annotated[list[MeetingMode], AfterValidator(_unique)] = Field(default_factory=list, max_length=4)
    """video, phone, in-person, email."""
    cadence: Cadence | None = None
    """weekly, bi-weekly or monthly."""
    availability: Availability = Availability()
    """Whether, how many and from when they take mentees."""
    cohort: int | None = Field(default=None, ge=1900, le=2100)
    """Graduation year or cohort."""
    help_with: list[Line] = Field(default_factory=list, max_length=12)
    """"I can help with" topics, one line each."""
    expectations: Annotated[str, AfterValidator(_text), Field(max_length=3000)] | None = None
    """What the mentor expects from a mentee, in Markdown."""
    links: list[Link] = Field(default_factory=list, max_length=8)
    """Public links (label and URL), e.g. a personal site."""
    booking_url: HttpsUrl | None = None
    """A scheduling page (https://, e.g. Calendly or Cal.com) shown as "Book a time" while the mentor is accepting."""
    email: Email | None = None
    """PRIVATE: where contact requests are delivered. Never published."""
    public_email: Email | None = None
    """A public address, only used when the site's contact mode is mailto."""
    featured: bool = False
    """Shown on the home page."""
    joined: date | None = None
    """When the mentor joined the directory (newest are shown on the home page)."""
    last_reviewed: date | None = None
    """When an editor last confirmed the profile is current."""
    active: bool = True
    """false pauses the mentor: kept in the repo, not published."""
    translations: dict[TranslationLanguage, ProfileText] = Field(default_factory=dict)
    """The free text (headline, role, bio, expectations, help_with) in the site's other languages, by language: `translations: {fr: {headline: …}}`."""

    # The values of the site's own fields ([[fields]] in site.toml), by key, set by `base_profile`.
    # Private to the model so no profile can write it as a key of its own.
    _custom: dict[str, CustomValue] = PrivateAttr(default_factory=dict)

    @property
    def custom(self) -> dict[str, CustomValue]:
        """The site's own fields this profile fills in, by key (a copy)."""
        return dict(self._custom)


#: A value of a site's own field: text, number, year, date, web address, choice or choices.
CustomValue: TypeAlias = str | int | float | date | list[str]


def base_profile(profile: Mentor) -> Mentor:
    """A profile validated by a site's model (Mentor plus its own fields) as a plain Mentor
    holding those fields in `custom`: every profile has the one class, which pickles and caches
    like any other whatever the site declares."""
    if type(profile) is Mentor:
        return profile
    values = profile.__dict__
    own = _own_fields(type(profile))
    plain = Mentor.model_construct(
        profile.model_fields_set.difference(own), **{k: v for k, v in values.items() if k not in own}
    )
    plain._custom = {key: values[key] for key in own if values[key] is not None and values[key] != []}
    return plain


@cache
def _own_fields(model: type[Mentor]) -> tuple[str, ...]:
    # Once per site model, not per profile: pydantic's model_fields is a property.
    return tuple(key for key in model.model_fields if key not in Mentor.model_fields)


def facet_values(mentor: Mentor | dict, field: str) -> list[Any]:
    """The values a mentor has for a facet field, as a list (empty when unset); the site's own
    fields are read from `custom`."""
    if isinstance(mentor, dict):
        value = mentor.get("location" if field == "country" else field)
    elif field == "country" or field in Mentor.model_fields:
        value = getattr(mentor, "location" if field == "country" else field)
    else:
        value = mentor._custom.get(field)
    if field == "country":
        country = (
            (value.get("country") if isinstance(value, dict) else getattr(value, "country", None)) if value else None
        )
        return [country.lower()] if country else []
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class Guide(Strict):
    """Front matter of a guide in content/guides/ or a page in content/."""

    title: Line
    """Title of the guide or page."""
    summary: Annotated[str, AfterValidator(_one_line), Field(max_length=300)] = ""
    """One or two sentences for cards and search results."""
    order: int = Field(default=100, ge=0, le=10_000)
    """Position in the guides index (lower first)."""
    updated: date | None = None
    tags: list[ShortLine] = Field(default_factory=list, max_length=12)
    draft: bool = False
    """Hidden from the build while true."""


def share_equal_parts(mentors: Iterable[Mentor]) -> None:
    """Let profiles share what they hold equal: the sets of fields each model was given, and
    equal locations and availabilities. Every part is frozen, so sharing changes no value;
    at 10,000 mentors the 30,000 sets alone were 22 MB a build held while it rendered."""
    sets: dict[frozenset[str], set[str]] = {}
    parts: dict[tuple, BaseModel] = {}

    def share_set(model: BaseModel) -> None:
        given = model.__pydantic_fields_set__
        object.__setattr__(model, "__pydantic_fields_set__", sets.setdefault(frozenset(given), given))

    no_custom: dict[str, Any] | None = None
    for mentor in mentors:
        share_set(mentor)
        if mentor.__pydantic_private__ == {"_custom": {}}:  # (no value of the site's own fields)
            no_custom = no_custom or mentor.__pydantic_private__
            object.__setattr__(mentor, "__pydantic_private__", no_custom)
        values = mentor.__dict__
        for name in ("location", "availability"):
            part = values[name]
            if part is None:
                continue
            share_set(part)
            key = (type(part), tuple(part.__dict__.items()), id(part.__pydantic_fields_set__))
            with contextlib.suppress(TypeError):  # (an unhashable value: kept as it is)
                values[name] = parts.setdefault(key, part)
