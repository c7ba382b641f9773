"""Controlled vocabularies: which profile fields are facets and which values each allows.

Fixed vocabularies (formats, meeting modes, cadence, ISO countries and languages) are built in;
open ones (expertise tags, industries) come from site.toml, with aliases ("ML" ->
"machine-learning") resolved here so a profile can use any listed spelling.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Annotated, Any

import pycountry
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .messages import N_

#: Profile fields a facet can read, and whether each holds several values.
FACET_FIELDS: dict[str, bool] = {
    "tags": True,
    "industry": False,
    "country": False,
    "languages": True,
    "formats": True,
    "meeting_modes": True,
    "cadence": False,
    "cohort": False,
}
#: Built-in facet fields holding a year: their facets list years, or decades with `group = "decade"`.
YEAR_FIELDS = frozenset({"cohort"})

# English labels, translated where shown (labels.builtin_labels).
FORMATS = {
    "one-to-one": N_("One-to-one"),
    "group": N_("Group"),
    "peer": N_("Peer"),
    "co-mentoring": N_("Co-mentoring"),
    "reverse": N_("Reverse mentoring"),
}
MEETING_MODES = {"video": N_("Video call"), "phone": N_("Phone"), "in-person": N_("In person"), "email": N_("Email")}
CADENCES = {"weekly": N_("Weekly"), "bi-weekly": N_("Every two weeks"), "monthly": N_("Monthly")}


#: A BCP 47 language tag as site.toml and profiles write it (en, pt-BR): nothing else can reach a URL or an attribute.
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: A label by language tag, as `label = {en = "Industry", fr = "Secteur"}` gives it.
Labels = dict[Annotated[str, Field(pattern=LANGUAGE_TAG.pattern)], Annotated[str, Field(min_length=1, max_length=60)]]


def label_forms(data: Any) -> Any:
    """`label = {en = "…", fr = "…"}` as `labels` (by language) and `label` (the first, for code
    that reads one): SiteConfig.in_language picks the label of the language being built."""
    if isinstance(data, dict) and isinstance(data.get("label"), dict) and "labels" not in data:
        forms = data["label"]
        first = next((v for v in forms.values() if isinstance(v, str)), "")
        return {**data, "label": first, "labels": forms}
    return data


def pick_label(label: str, labels: dict[str, str], language: str, default: str) -> str:
    """The label in `language`, else in the site's default language, else the one given."""
    return labels.get(language) or labels.get(default) or label


class FacetValue(BaseModel):
    """An allowed value of a facet: its display label and the spellings that mean it."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    label: str = Field(min_length=1, max_length=60)
    """Display label, e.g. "Machine learning"; `label = {en = "…", fr = "…"}` gives it per language."""
    labels: Labels = Field(default_factory=dict)
    """The label by language (written as a table in `label`)."""

    @model_validator(mode="before")
    @classmethod
    def _label_forms(cls, data: Any) -> Any:
        return label_forms(data)

    aliases: list[str] = Field(default_factory=list, max_length=20)
    """Other spellings profiles may use, e.g. ["ML", "AI"]."""


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


#: Codes people write that ISO 3166 spells otherwise, and parts of a country with no code of their own.
COUNTRY_ALIASES = {
    "UK": "GB",
    "EL": "GR",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "GREAT BRITAIN": "GB",
}


def country_code(text: str) -> str | None:
    """The ISO 3166 two-letter code someone meant by `text` (a name, an alpha-3 code, 'UK'), or None."""
    folded = " ".join(text.split()).upper()
    if folded in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[folded]
    by_name = {name.casefold(): code for code, name in countries().items()}
    if folded.casefold() in by_name:
        return by_name[folded.casefold()]
    try:
        return pycountry.countries.lookup(folded).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=1)
def languages() -> dict[str, str]:
    """ISO 639-1 code -> English name."""
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


@cache
def builtin_values(field: str) -> dict[str, FacetValue] | None:
    """Built-in vocabulary of a facet field, or None when site.toml must list the values."""
    table = {
        "formats": FORMATS,
        "meeting_modes": MEETING_MODES,
        "cadence": CADENCES,
        "country": {code.lower(): name for code, name in countries().items()},
        "languages": languages(),
    }.get(field)
    if table is None:
        return None
    return {key: FacetValue(label=label) for key, label in table.items()}


class Vocabulary:
    """Resolves spellings of a facet's values to canonical keys."""

    def __init__(self, values: dict[str, FacetValue]):
        self.labels = {key: value.label for key, value in values.items()}
        self._lookup: dict[str, str] = {}
        for key, value in values.items():
            for spelling in [key, value.label, *value.aliases]:
                self._lookup.setdefault(_fold(spelling), key)

    def resolve(self, spelling: str) -> str | None:
        return self._lookup.get(_fold(spelling))

    def suggestions(self) -> list[str]:
        return list(self.labels)


def year_key(year: int, group: str | None) -> str:
    """The facet value a year falls under: "2011", or "2010s" when grouped by decade."""
    return f"{year // 10 * 10}s" if group == "decade" else str(year)


def _fold(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").casefold().split())
