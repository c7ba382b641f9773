"""Parsing and validating a posted contact form: types, lengths, email syntax, the mentor.

Error messages speak to the person who filled the form; they are shown next to the field
(JSON for fetch, the review page otherwise).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

from ..contact_fields import FIELD_NAMES, REQUEST_FIELDS, RequestField
from ..textrules import is_email, is_slug, one_line_problem, prose_problem
from .directory import Directory, Entry
from .headers import ENCODED_WORD

#: Fixed names outside the mappable set.
HONEYPOT = "website"
TOKEN = "ts"
CONSENT_VALUES = frozenset({"yes", "on", "true", "1"})


class FormError(Exception):
    """The body is not a form we can read at all (400)."""


class Submission:
    """A request that passed validation: a value for each field of the definition, by name
    (``submission.email``), in its order; a consent is a bool, every other value text.

    Built from ``REQUEST_FIELDS``, so a field added there is carried, fingerprinted and stored
    with no change here."""

    __slots__ = ("values",)

    def __init__(self, *args: str | bool, **kwargs: str | bool) -> None:
        given = dict(zip(FIELD_NAMES, args, strict=False)) | kwargs
        if len(args) > len(FIELD_NAMES) or given.keys() != set(FIELD_NAMES):
            raise TypeError(f"a submission has exactly the fields {', '.join(FIELD_NAMES)}")
        self.values: dict[str, str | bool] = {name: given[name] for name in FIELD_NAMES}

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "values")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Submission) and self.values == other.values

    __hash__ = None  # type: ignore[assignment]  # mutable values: equal, not hashable

    def __repr__(self) -> str:
        return f"Submission({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"

    def content_hash(self) -> str:
        """A fingerprint of the content, to recognise the same submission sent twice."""
        return hashlib.sha256(json.dumps(self.values, sort_keys=True).encode()).hexdigest()


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
    values: dict[str, str | bool] = {}
    entry = None
    for field in REQUEST_FIELDS:
        if field.name == "mentor":
            values["mentor"] = slug = form.get("mentor", "").strip()
            entry = directory.get(slug) if is_slug(slug) else None
            problem = _mentor_problem(entry)
        elif field.kind == "choice":
            choices = field.choices or {}
            values[field.name] = choice = form.get(field.name, "").strip() or next(iter(choices), "")
            problem = "" if choice in choices else f"Please choose {field.about} from the list."
        elif field.kind == "consent":
            values[field.name] = consent = form.get(field.name, "").strip().lower() in CONSENT_VALUES
            problem = "" if consent else _NO_CONSENT
        else:
            values[field.name] = text = clean_text(form.get(field.name, ""))
            problem = _text_problem(field, text)
        if problem:
            errors[field.name] = problem
    if errors:
        return None, errors, entry
    return Submission(**values), {}, entry


_NO_CONSENT = "Please agree that your details are shared with the mentor; we cannot send the request otherwise."


def _mentor_problem(entry: Entry | None) -> str:
    if entry is None:
        return "This mentor is not in the directory any more. Please choose another mentor."
    if not entry.accepting:
        return f"{entry.name} is not taking new mentees right now. Please choose another mentor."
    if not entry.recipient:
        return f"{entry.name} cannot be contacted through this form yet. Please choose another mentor."
    return ""


def _text_problem(field: RequestField, value: str) -> str:
    """What is wrong with a text field's (cleaned) value, or ""."""
    label = field.about
    if not value:
        return f"Please enter {label}." if field.required else ""
    if field.max_length and len(value) > field.max_length:
        return f"Please keep {label} to {field.max_length:,} characters or fewer (it has {len(value):,})."
    # The rules of a profile's name and bio (textrules): a one-line field is one visible line.
    problem = one_line_problem(value, visible=True) if field.one_line else prose_problem(value)
    if problem and problem.kind == "control":
        return (
            f"Please write {label} on one line."
            if field.one_line
            else f"Please remove the control characters from {label}."
        )
    if problem:
        return f"Please retype {label}: it contains hidden formatting characters."
    # One-line fields go into mail headers (the name, the address): see headers.py.
    if field.one_line and ENCODED_WORD.search(value):
        return f"Please remove “=?” and “?=” from {label}: email programs read them as encoded text."
    if field.kind == "email" and not is_email(value):
        return "Please enter a valid email address, such as name@example.org."
    return ""
