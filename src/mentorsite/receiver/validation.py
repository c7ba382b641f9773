"""Parsing and validating a posted contact form: types, lengths, email syntax, the mentor.

Error messages speak to the person who filled the form; they are shown next to the field
(JSON for fetch, the review page otherwise).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl

from ..textrules import is_email, is_slug, one_line_problem, prose_problem
from ..vocabulary import CADENCES, FORMATS
from .directory import Directory, Entry

#: Our field names, in form order.
FIELDS = ("mentor", "name", "email", "hope_to_gain", "goals", "format", "cadence", "message", "consent")
#: Fixed names outside the mappable set.
HONEYPOT = "website"
TOKEN = "ts"
#: Maximum length of each text field, in characters (line breaks count as one).
LIMITS = {"mentor": 64, "name": 100, "email": 254, "hope_to_gain": 1000, "goals": 1000, "message": 2000}
NO_PREFERENCE = "no-preference"
FORMAT_CHOICES = {NO_PREFERENCE: "No preference", **FORMATS}
CADENCE_CHOICES = {NO_PREFERENCE: "No preference", **CADENCES}
CONSENT_VALUES = frozenset({"yes", "on", "true", "1"})


class FormError(Exception):
    """The body is not a form we can read at all (400)."""


@dataclass(frozen=True)
class Submission:
    mentor: str
    name: str
    email: str
    hope_to_gain: str
    goals: str
    format: str
    cadence: str
    message: str
    consent: bool

    def content_hash(self) -> str:
        """A fingerprint of the content, to recognise the same submission sent twice."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def parse_form(body: bytes, field_names: dict[str, str] | None = None) -> dict[str, str]:
    """application/x-www-form-urlencoded -> {our name: value}; a repeated field is an error."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise FormError("the form data is not valid UTF-8 URL-encoded text") from None
    ours = {theirs: our for our, theirs in (field_names or {}).items()}
    form: dict[str, str] = {}
    for key, value in pairs:
        key = ours.get(key, key)
        if key in form:
            raise FormError(f"the field '{key}' was sent more than once")
        form[key] = value
    return form


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def validate(form: dict[str, str], directory: Directory) -> tuple[Submission | None, dict[str, str], Entry | None]:
    """Check every field; return the submission (or None), errors by field, and the mentor."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}

    def text(name: str, label: str, *, required: bool, one_line: bool = False) -> None:
        value = clean_text(form.get(name, ""))
        values[name] = value
        limit = LIMITS[name]
        if not value:
            if required:
                errors[name] = f"Please enter {label}."
            return
        # The rules of a profile's name and bio (textrules): a name is one visible line.
        problem = one_line_problem(value, visible=True) if one_line else prose_problem(value)
        if len(value) > limit:
            errors[name] = f"Please keep {label} to {limit:,} characters or fewer (it has {len(value):,})."
        elif problem and problem.kind == "control":
            errors[name] = (
                f"Please write {label} on one line."
                if one_line
                else (f"Please remove the control characters from {label}.")
            )
        elif problem:
            errors[name] = f"Please retype {label}: it contains hidden formatting characters."

    slug = form.get("mentor", "").strip()
    entry = directory.get(slug) if is_slug(slug) else None
    if entry is None:
        errors["mentor"] = "This mentor is not in the directory any more. Please choose another mentor."
    elif not entry.accepting:
        errors["mentor"] = f"{entry.name} is not taking new mentees right now. Please choose another mentor."
    elif not entry.recipient:
        errors["mentor"] = f"{entry.name} cannot be contacted through this form yet. Please choose another mentor."
    text("name", "your name", required=True, one_line=True)
    text("email", "your email address", required=True, one_line=True)
    if "email" not in errors and values["email"] and not is_email(values["email"]):
        errors["email"] = "Please enter a valid email address, such as name@example.org."
    text("hope_to_gain", "what you hope to gain", required=True)
    text("goals", "your goals", required=False)
    text("message", "a short message", required=True)
    fmt = form.get("format", "").strip() or NO_PREFERENCE
    if fmt not in FORMAT_CHOICES:
        errors["format"] = "Please choose a format from the list."
    cadence = form.get("cadence", "").strip() or NO_PREFERENCE
    if cadence not in CADENCE_CHOICES:
        errors["cadence"] = "Please choose a cadence from the list."
    consent = form.get("consent", "").strip().lower() in CONSENT_VALUES
    if not consent:
        errors["consent"] = (
            "Please agree that your details are shared with the mentor; we cannot send the request otherwise."
        )
    if errors:
        return None, errors, entry
    return (
        Submission(
            slug,
            values["name"],
            values["email"],
            values["hope_to_gain"],
            values["goals"],
            fmt,
            cadence,
            values["message"],
            consent,
        ),
        {},
        entry,
    )
