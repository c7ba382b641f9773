"""Turn pydantic validation errors into diagnostics people can act on.

Pydantic says *what* is wrong and *where in the data* (`loc`); the source reader says where
each piece of data sits in the file. This module joins the two and rewrites pydantic's
messages in editors' terms, with a hint where one helps.
"""

from __future__ import annotations

import calendar
import re
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .diagnostics import Diagnostic, did_you_mean

Locator = Callable[[tuple, bool], tuple[int, int]]
#: The language of the file a hint is written in: profiles are YAML, site.toml is TOML.
Syntax = Literal["yaml", "toml"]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _show(value: Any, limit: int = 60) -> str:
    """repr() of an offending value, cut short: a message must stay one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes reachable through Optional/list/dict/Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, dict):
        found = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model that owns the mapping at `loc` (for listing its allowed keys)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if field is None:
            # dict keys (e.g. a facet value's slug) sit between models
            continue
        models = _unwrap(field.annotation)
        current = models[0] if models else None
    return current


def field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def loc_name(loc: tuple) -> str:
    """'availability.capacity', 'tags item 2' (1-based, as editors count lines of a list)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f" item {part + 1}"
        else:
            text += ("." if text and not text.endswith(tuple("0123456789")) else (" " if text else "")) + str(part)
    return text or "file"


def home_of(owner: type[BaseModel], key: str) -> str | None:
    """The one field of `owner` holding a mapping (not a list) that has a field `key`:
    'location' for 'city' in a profile, 'contact' for 'mode' in site.toml; else None."""
    homes = []
    for name, info in owner.model_fields.items():
        if typing.get_origin(info.annotation) in (list, tuple, set, frozenset, dict):
            continue
        if any(key in field_names(model) for model in _unwrap(info.annotation)):
            homes.append(info.alias or name)
    return homes[0] if len(homes) == 1 else None


def _impossible_day(name: str, value: str) -> tuple[str, str] | None:
    """(message, hint) for a date written YYYY-MM-DD that no calendar has: 2026-02-30, 2026-13-01."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"'{name}': {value.strip()} has no month {month}", "dates are written year-month-day, e.g. 2026-03-31"
    days = calendar.monthrange(year, month)[1]
    if 1 <= day <= days:
        return None
    return (
        f"'{name}': {value.strip()} is not a real day: {calendar.month_name[month]} {year} has {days} days",
        f"for example {year}-{month:02d}-{days:02d}",
    )


def explain(error: ErrorDetails | dict[str, Any], root: type[BaseModel], syntax: Syntax = "yaml") -> tuple[str, str]:
    """(message, hint) for one pydantic error, in editors' terms; hints that show a line of
    the file are written in `syntax`."""
    kind = error["type"]
    loc = tuple(error["loc"])
    name = loc_name(loc)
    value = error.get("input")
    ctx = error.get("ctx") or {}
    toml = syntax == "toml"
    if kind == "extra_forbidden":
        owner = model_at(root, loc[:-1])
        key = loc[-1]
        home = home_of(owner, str(key)) if owner else None
        if home and toml:
            return (
                f"'{key}' belongs in the [{home}] table",
                f"move it below the [{home}] line (add that line if there is none)",
            )
        if home:
            return (
                f"'{key}' belongs under '{home}:'",
                f"indent it by 2 spaces under the '{home}:' line (add that line if there is none)",
            )
        hint = did_you_mean(str(key), field_names(owner)) if owner else ""
        if not hint and owner:
            hint = "allowed here: " + ", ".join(field_names(owner))
        return f"unknown field '{key}'", hint
    if kind == "missing":
        return f"missing required field '{loc[-1]}'", (
            f'add a line {loc[-1]} = "…"' if toml else f"add a line '{loc[-1]}: …'"
        )
    if kind == "model_type" or kind == "dict_type":
        return f"'{name}' must be a mapping of fields, not {_describe(value)}", ""
    if kind in ("string_type",):
        hint = "put the value in quotes" if isinstance(value, (int, float, bool)) else ""
        return f"'{name}' must be text, not {_describe(value)}", hint
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"'{name}' must be a whole number, not {_describe(value)} ({_show(value)})", ""
    if kind in ("float_type", "float_parsing"):
        return f"'{name}' must be a number, not {_describe(value)}", ""
    if kind == "finite_number":  # nan or inf, which TOML allows
        return f"'{name}' must be a finite number, not {_show(value)}", ""
    if kind in ("bool_type", "bool_parsing"):
        return f"'{name}' must be true or false, not {_show(value)}", ""
    if kind in ("list_type",):
        hint = ""
        if isinstance(value, str):
            hint = (
                f'write it as a list: {loc[-1]} = ["{value}"]' if toml else f"write it as a list: {loc[-1]}: [{value}]"
            )
        return f"'{name}' must be a list, not {_describe(value)}", hint
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        impossible = _impossible_day(name, value) if isinstance(value, str) else None
        if impossible:
            return impossible
        return f"'{name}' must be a date written YYYY-MM-DD, not {_show(value)}", "for example 2026-03-31"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = did_you_mean(str(value), [e.strip(" '") for e in str(expected).replace(" or ", ",").split(",")])
        return f"'{name}' must be one of {expected}; got {_show(value)}", hint
    if kind == "string_too_long":
        return (
            f"'{name}' is too long ({len(value) if isinstance(value, str) else '?'} characters; the limit is {ctx.get('max_length')})",
            "",
        )
    if kind == "string_too_short":
        return f"'{name}' must not be empty", ""
    if kind == "too_long" and isinstance(value, str):  # a length limit checked after other validators
        return f"'{name}' is too long ({len(value)} characters; the limit is {ctx.get('max_length')})", ""
    if kind == "too_short":
        return f"'{name}' needs at least {ctx.get('min_length')} item(s)", ""
    if kind == "too_long":
        return f"'{name}' has too many items (the limit is {ctx.get('max_length')})", ""
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = dict(ctx.items())
        return f"'{name}' is out of range: {error['msg'].lower()}", str(bound.get("hint", ""))
    if kind == "string_pattern_mismatch":
        return f"'{name}' has an invalid format ({_show(value)})", ""
    # Custom errors raised by our own validators carry the hint in their context.
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if not loc or loc[-1] == "[key]":  # a rule about the whole file, or a key: the message names it
        return message, str(ctx.get("hint", ""))
    return f"'{name}': {message}", str(ctx.get("hint", ""))


def diagnostics_from(
    exc: ValidationError, root: type[BaseModel], path: str, locate: Locator, syntax: Syntax = "yaml"
) -> list[Diagnostic]:
    """Diagnostics for every error in a ValidationError, positioned by `locate(loc, is_key)`."""
    found = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message, hint = explain(error, root, syntax)
        if error["type"] == "extra_forbidden":
            line, col = locate(loc, True)
        elif error["type"] == "missing":
            line, col = locate(loc[:-1], False)
        elif loc and loc[-1] == "[key]":  # a mapping's key (pydantic adds "[key]" after it)
            line, col = locate(loc[:-1], True)
        else:
            line, col = locate(loc, False)
        found.append(Diagnostic(path, line, col, message, hint))
    return found
