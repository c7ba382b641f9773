"""The contact request's fields: the one definition the form, the receiver and site.toml read.

The mentor page's form and the receiver's review page render their fields from it (through
``_contact_fields.html``); the receiver validates, stores and exports a request by it; and
``[contact] field_names`` accepts its names as keys. Pure data: it imports only the fixed
vocabularies and the slug length, so the build and the receiver can both import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .messages import N_
from .textrules import SLUG_MAX
from .vocabulary import CADENCES, FORMATS

#: The answer a person gives by leaving a choice alone.
NO_PREFERENCE = "no-preference"
FORMAT_CHOICES = {NO_PREFERENCE: N_("No preference"), **FORMATS}
CADENCE_CHOICES = {NO_PREFERENCE: N_("No preference"), **CADENCES}


@dataclass(frozen=True)
class RequestField:
    """One field of a contact request."""

    name: str
    """Our name: the form field's name (before ``field_names``), the request's attribute, the stored column."""
    label: str
    """The form's label (a message: the form shows its translation)."""
    kind: Literal["hidden", "line", "email", "text", "choice", "consent"]
    """hidden: set by the page; line, email: one line of text; text: several lines; choice: one of
    ``choices``; consent: a box to tick."""
    required: bool = False
    """The form cannot be sent without it."""
    max_length: int | None = None
    """Most characters allowed, line breaks counted once (as the browser's maxlength counts)."""
    about: str = ""
    """How the receiver's messages name the field: "Please enter %(label)s." (a message: they use its translation)."""
    help: str = ""
    """A hint printed under the field; ``%(mentor)s`` stands for the mentor's name."""
    rows: int = 0
    """Visible lines of a multi-line field."""
    autocomplete: str = ""
    """The browser's autofill token."""
    choices: Mapping[str, str] | None = None
    """Every value a choice field accepts, by label; the first is the default."""

    @property
    def one_line(self) -> bool:
        return self.kind in ("hidden", "line", "email")

    @property
    def column_type(self) -> Literal["TEXT", "INTEGER"]:
        """The SQL type of the stored column: a consent is stored as 0 or 1."""
        return "INTEGER" if self.kind == "consent" else "TEXT"


#: The fields of a request, in form order.
REQUEST_FIELDS: tuple[RequestField, ...] = (
    RequestField("mentor", N_("Mentor"), "hidden", required=True, max_length=SLUG_MAX),
    RequestField(
        "name", N_("Your name"), "line", required=True, max_length=100, about=N_("your name"), autocomplete="name"
    ),
    RequestField(
        "email",
        N_("Your email"),
        "email",
        required=True,
        max_length=254,
        about=N_("your email address"),
        autocomplete="email",
        help=N_("Shared only with %(mentor)s so they can reply to you."),
    ),
    RequestField(
        "hope_to_gain",
        N_("What you hope to gain"),
        "text",
        required=True,
        max_length=1000,
        about=N_("what you hope to gain"),
        rows=4,
        help=N_("One or two specific areas you would like help with."),
    ),
    RequestField(
        "goals",
        N_("Your goals"),
        "text",
        max_length=1000,
        about=N_("your goals"),
        rows=3,
        help=N_("Where you would like to be in a year or two."),
    ),
    RequestField("format", N_("Preferred format"), "choice", about=N_("a format"), choices=FORMAT_CHOICES),
    RequestField("cadence", N_("Preferred cadence"), "choice", about=N_("a cadence"), choices=CADENCE_CHOICES),
    RequestField(
        "message",
        N_("A short message"),
        "text",
        required=True,
        max_length=2000,
        about=N_("a short message"),
        rows=6,
        help=N_("Introduce yourself and suggest a first step, such as a 30-minute call."),
    ),
    RequestField("consent", N_("I agree that my details are shared with this mentor"), "consent", required=True),
)

#: Field names in form order.
FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in REQUEST_FIELDS)
#: Length limit of each text field, in characters.
LIMITS: dict[str, int] = {field.name: field.max_length for field in REQUEST_FIELDS if field.max_length}
