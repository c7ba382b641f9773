"""Parsing and validating a posted contact form: types, lengths, email syntax, the mentor.

Error messages speak to the person who filled the form, in the site's language (the
``Messages`` passed in; English when none is): they are shown next to the field (JSON for
fetch, the review page otherwise). A field is named by its ``about`` phrase ("your name"),
translated like the form's labels.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

from ..cldr import Cldr
from ..contact_fields import FIELD_NAMES, REQUEST_FIELDS, RequestField
from ..messages import N_, Messages, source_messages
from ..textrules import is_email, is_slug, one_line_problem, prose_problem
from .directory import Directory, Entry
from .headers import ENCODED_WORD

#: Fixed names outside the mappable set.
HONEYPOT = "website"
TOKEN = "ts"
#: The language of the page the form was sent from (one of the site's languages).
LANGUAGE = "lang"
CONSENT_VALUES = frozenset({"yes", "on", "true", "1"})


class FormError(Exception):
    """The body is not a form we can read at all (400). The reason is a message (`msgid` with
    its `variables`), so the receiver can say it in the site's language; ``str()`` is English."""

    def __init__(self, msgid: str, **variables: str):
        super().__init__(msgid % variables if variables else msgid)
        self.msgid = msgid
        self.variables = variables


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
        raise FormError(N_("the form data is not valid UTF-8 URL-encoded text")) from None
    ours = {theirs: our for our, theirs in (field_names or {}).items()}
    form: dict[str, str] = {}
    for key, value in pairs:
        key = ours.get(key, key)
        if key in form:
            raise FormError(N_("the field “%(field)s” was sent more than once"), field=key)
        form[key] = value
    return form


def form_language(form: dict[str, str], languages: list[str]) -> str:
    """The language a form says it was sent in, when it is one of the site's `languages`
    (default first); anything else, or nothing, is the default. Only a configured tag is ever
    returned, so what a client sends here is never echoed."""
    sent = form.get(LANGUAGE, "")
    return sent if sent in languages else languages[0]


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def validate(
    form: dict[str, str], directory: Directory, messages: Messages | None = None
) -> tuple[Submission | None, dict[str, str], Entry | None]:
    """Check every field; return the submission (or None), errors by field (in the language of
    `messages`, English without), and the mentor."""
    messages = messages or source_messages()
    _ = messages.gettext
    errors: dict[str, str] = {}
    values: dict[str, str | bool] = {}
    entry = None
    for field in REQUEST_FIELDS:
        if field.name == "mentor":
            values["mentor"] = slug = form.get("mentor", "").strip()
            entry = directory.get(slug) if is_slug(slug) else None
            problem = _mentor_problem(entry, messages)
        elif field.kind == "choice":
            choices = field.choices or {}
            values[field.name] = choice = form.get(field.name, "").strip() or next(iter(choices), "")
            problem = "" if choice in choices else _("Please choose %(label)s from the list.", label=_(field.about))
        elif field.kind == "consent":
            values[field.name] = consent = form.get(field.name, "").strip().lower() in CONSENT_VALUES
            problem = "" if consent else _(_NO_CONSENT)
        else:
            values[field.name] = text = clean_text(form.get(field.name, ""))
            problem = _text_problem(field, text, messages)
        if problem:
            errors[field.name] = problem
    if errors:
        return None, errors, entry
    return Submission(**values), {}, entry


_NO_CONSENT = N_("Please agree that your details are shared with the mentor; we cannot send the request otherwise.")


def _mentor_problem(entry: Entry | None, messages: Messages) -> str:
    _ = messages.gettext
    if entry is None:
        return _("This mentor is not in the directory any more. Please choose another mentor.")
    if not entry.accepting:
        return _("%(name)s is not taking new mentees right now. Please choose another mentor.", name=entry.name)
    if not entry.recipient:
        return _("%(name)s cannot be contacted through this form yet. Please choose another mentor.", name=entry.name)
    return ""


def _text_problem(field: RequestField, value: str, messages: Messages) -> str:
    """What is wrong with a text field's (cleaned) value, or ""."""
    _ = messages.gettext
    label = _(field.about or field.name)
    if not value:
        return _("Please enter %(label)s.", label=label) if field.required else ""
    if field.max_length and len(value) > field.max_length:
        number = Cldr(messages.language).format_number
        return messages.ngettext(
            "Please keep %(label)s to %(count)s character or fewer (it has %(length)s).",
            "Please keep %(label)s to %(count)s characters or fewer (it has %(length)s).",
            field.max_length,
            label=label,
            count=number(field.max_length),
            length=number(len(value)),
        )
    # The rules of a profile's name and bio (textrules): a one-line field is one visible line.
    problem = one_line_problem(value, visible=True) if field.one_line else prose_problem(value)
    if problem and problem.kind == "control":
        return (
            _("Please write %(label)s on one line.", label=label)
            if field.one_line
            else _("Please remove the control characters from %(label)s.", label=label)
        )
    if problem:
        return _("Please retype %(label)s: it contains hidden formatting characters.", label=label)
    # One-line fields go into mail headers (the name, the address): see headers.py.
    if field.one_line and ENCODED_WORD.search(value):
        return _("Please remove “=?” and “?=” from %(label)s: email programs read them as encoded text.", label=label)
    if field.kind == "email" and not is_email(value):
        return _("Please enter a valid email address, such as name@example.org.")
    return ""
