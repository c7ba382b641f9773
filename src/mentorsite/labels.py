"""Display labels of facet values in the site's language.

A value's label is site.toml's when the site gives one; otherwise the built-in vocabularies
speak the site's language: country and language names from CLDR (cldr.py), formats, meeting
modes and cadences from the message catalogue. Validation still resolves what profiles write
against the English vocabularies (vocabulary.py); only what is shown changes.
"""

from __future__ import annotations

from . import cldr
from .config import Facet, SiteConfig
from .messages import Messages
from .vocabulary import builtin_values


def builtin_labels(field: str, messages: Messages) -> dict[str, str] | None:
    """Labels of a built-in vocabulary in `messages`' language; None for a field without one."""
    values = builtin_values(field)
    if values is None:
        return None
    if field == "country":
        names = cldr.country_names(messages.language)
        return {key: names.get(key.upper(), value.label) for key, value in values.items()}
    if field == "languages":
        names = cldr.language_names(messages.language)
        return {key: names.get(key, value.label) for key, value in values.items()}
    return {key: messages.gettext(value.label) for key, value in values.items()}


def facet_labels(config: SiteConfig, facet: Facet, messages: Messages) -> dict[str, str]:
    """Every allowed value of a facet with its label: site.toml's over the built-in ones."""
    own = config.custom_field(facet.source_field)
    if own is not None:
        return {key: value.label for key, value in own.values.items()}
    labels = builtin_labels(facet.source_field, messages) or {}
    labels.update((key, value.label) for key, value in facet.values.items())
    return labels


def field_labels(config: SiteConfig, field: str, messages: Messages) -> dict[str, str]:
    """Labels of the values of a field no facet reads: the site's own field's, else the built-in ones."""
    own = config.custom_field(field)
    if own is not None:
        return {key: value.label for key, value in own.values.items()}
    return builtin_labels(field, messages) or {}
