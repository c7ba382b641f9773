"""A site's own profile fields: their declaration in site.toml (`[[fields]]`) and the profile
model they extend.

A site declares fields such as faculty or graduation year; profiles then write them as
top-level keys (`faculty: engineering`). `profile_model` adds them to `models.Mentor` as
ordinary pydantic fields, so one model still drives validation (with the same positioned
messages), the JSON Schema, the web editor and `new mentor`. After validation a profile is
turned back into a plain `Mentor` holding those values in `custom` (`models.base_profile`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from .models import Availability, HttpUrl, Line, Link, Location, Mentor, vocabulary_check
from .textrules import SLUG_RE
from .vocabulary import FACET_FIELDS, FacetValue, Labels, Vocabulary, label_forms

FieldType = Literal["text", "number", "year", "date", "url", "choice", "choices"]
#: Types whose values come from the field's `values` table.
CHOICE_TYPES = frozenset({"choice", "choices"})
#: Types a facet can read: a choice or choices field, or a year.
FACET_TYPES = frozenset({"choice", "choices", "year"})
#: Keys a site's field may not take: every key a profile already has, at any level, so a
#: field can never shadow (or be mistaken for) a built-in one.
RESERVED_KEYS = frozenset(
    {
        *Mentor.model_fields,
        *Location.model_fields,
        *Availability.model_fields,
        *Link.model_fields,
        *FACET_FIELDS,
        "custom",
    }
)
#: Years accepted when a year field sets no bounds.
YEAR_RANGE = (1900, 2100)
#: Most values a `choices` field may hold.
MAX_CHOICES = 20


def _label_only(value: object) -> object:
    # `arts = "Arts"` is shorthand for `arts = { label = "Arts" }`, as in [facets.values].
    return {"label": value} if isinstance(value, str) else value


class CustomField(BaseModel):
    """A profile field of the site's own (`[[fields]]`), written in profiles as `key: value`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    key: str = Field(min_length=1, max_length=40)
    """Name of the field in profiles (`faculty: engineering`): lower-case letters, digits and underscores."""
    label: str = Field(min_length=1, max_length=40)
    """Name shown on profile pages and in the editor ("Faculty"); `label = {en = "Faculty", fr = "Faculté"}` gives it per language."""
    labels: Labels = Field(default_factory=dict)
    """The label by language (written as a table in `label`)."""

    @model_validator(mode="before")
    @classmethod
    def _label_forms(cls, data: Any) -> Any:
        return label_forms(data)

    type: FieldType = "text"
    """text (one line), number, year, date (YYYY-MM-DD), url (a web address), choice (one of `values`) or choices (several of `values`)."""
    required: bool = False
    """Whether every profile must fill it in."""
    help: str = Field(default="", max_length=300)
    """Help for whoever fills in a profile: the editor's hint, the JSON Schema description, `new mentor`'s comment."""
    values: dict[str, Annotated[FacetValue, BeforeValidator(_label_only)]] = Field(default_factory=dict)
    """choice and choices: the allowed values (lower-case slugs) with their labels and aliases."""
    minimum: float | None = None
    """number and year: the smallest value allowed (years: 1900 unless set)."""
    maximum: float | None = None
    """number and year: the largest value allowed (years: 2100 unless set)."""

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            suggestion = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")
            hint = f' such as "{suggestion}"' if re.fullmatch(r"[a-z][a-z0-9_]*", suggestion) else ""
            raise ValueError(
                f"'{value}' is not a field key: use lower-case letters, digits and underscores, starting with a letter{hint}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CustomField:
        if self.key in RESERVED_KEYS:
            raise ValueError(f"'{self.key}' is a built-in profile field; give the site's field another key")
        if self.type in CHOICE_TYPES and not self.values:
            raise ValueError(f"a {self.type} field needs a [fields.values] table listing its allowed values")
        if self.type not in CHOICE_TYPES and self.values:
            raise ValueError(f"values apply to choice and choices fields, not to a {self.type} field")
        for value in self.values:
            if not SLUG_RE.match(value):
                raise ValueError(f"value '{value}' must be lower-case letters, digits and hyphens")
        if self.type not in ("number", "year") and (self.minimum is not None or self.maximum is not None):
            raise ValueError(f"minimum and maximum apply to number and year fields, not to a {self.type} field")
        if self.type == "year" and any(v is not None and v != int(v) for v in (self.minimum, self.maximum)):
            raise ValueError("a year field's minimum and maximum are whole years")
        low, high = self.bounds()
        if low is not None and high is not None and low > high:
            raise ValueError(f"minimum ({low:g}) is larger than maximum ({high:g})")
        return self

    def bounds(self) -> tuple[float | None, float | None]:
        """(minimum, maximum), with a year's defaults filled in."""
        if self.type == "year":
            return (
                self.minimum if self.minimum is not None else YEAR_RANGE[0],
                self.maximum if self.maximum is not None else YEAR_RANGE[1],
            )
        return self.minimum, self.maximum

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.values)

    def label_language(self, language: str, default: str) -> str | None:
        """The language the label of the tree of `language` is shown in, when it is not that one
        (untranslated: the default's, see SiteConfig.in_language); None when it is."""
        return None if language == default or language in self.labels else default


def _annotation(field: CustomField) -> Any:
    """The pydantic type of one field's value."""
    low, high = field.bounds()
    if field.type == "text":
        return Line
    if field.type == "number":
        # strict: `true` or "12" is not a number (YAML reads numbers as numbers).
        return Annotated[float, Field(strict=True, allow_inf_nan=False, ge=low, le=high)]
    if field.type == "year":
        return Annotated[int, Field(strict=True, ge=int(low or 0), le=int(high or 0))]
    if field.type == "date":
        return date
    if field.type == "url":
        return HttpUrl
    item = Annotated[
        str, Field(max_length=60), vocabulary_check(field.key, f"value for {field.label}", field.vocabulary())
    ]
    if field.type == "choice":
        return item
    return Annotated[list[item], AfterValidator(lambda values: list(dict.fromkeys(values)))]


def _definition(field: CustomField) -> tuple[Any, Any]:
    annotation = _annotation(field)
    title, description = field.label, field.help or None
    if field.type == "choices":
        if field.required:
            return annotation, Field(title=title, description=description, min_length=1, max_length=MAX_CHOICES)
        return annotation, Field(default_factory=list, title=title, description=description, max_length=MAX_CHOICES)
    if field.required:
        return annotation, Field(title=title, description=description)
    return annotation | None, Field(default=None, title=title, description=description)


def profile_model(fields: Sequence[CustomField]) -> type[Mentor]:
    """The profile model of a site: `Mentor`, plus its own fields after the built-in ones."""
    if not fields:
        return Mentor
    return _profile_model(json.dumps([f.model_dump(mode="json") for f in fields]))


@lru_cache(maxsize=16)
def _profile_model(declared: str) -> type[Mentor]:
    # Keyed by the declarations' JSON: the models hold dicts, so they cannot be hashed.
    fields = [CustomField.model_validate(item) for item in json.loads(declared)]
    definitions: dict[str, Any] = {field.key: _definition(field) for field in fields}
    # Named Mentor too: the editor's labels, the schema and messages speak of one model.
    return create_model("Mentor", __base__=Mentor, __module__=Mentor.__module__, **definitions)
