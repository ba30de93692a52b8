"""Pydantic validation errors in words a user reads: one Problem per bad field.

`build` is how the CLI and the store turn raw values into a domain record:
pydantic's error list (types such as `greater_than`, `enum`, `missing`) becomes
`Problem(field, message)` values, which the CLI prints as the contract's one-line
messages. `problems_from` is the same translation for the CSV layer, which
collects the problems of a row instead of raising.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.models import Record

_BOUND_WORDS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
}


def _message(item: Any) -> str:
    kind, ctx, given = item["type"], item.get("ctx", {}), item.get("input")
    if kind in _BOUND_WORDS:
        return f"{given!r} " + _BOUND_WORDS[kind].format(**ctx)
    if kind == "enum":
        return f"{given!r} is not one of {ctx['expected']}"
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return f"{given!r} is not a date (use YYYY-MM-DD)"
    if kind == "string_pattern_mismatch":
        return "contains control characters"
    if kind in {"int_parsing", "int_from_float"}:
        return f"{given!r} is not a whole number"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in {"string_too_short", "too_short"} and ctx.get("min_length") == 1:
        return "is required"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} values; at most {ctx.get('max_length')} allowed"
    message = str(item["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def problems_from(error: ValidationError) -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per field, in words a user reads."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"] if not isinstance(part, int)]
        field = loc[0] if loc else ""
        message = _message(item)
        # model-level validators name their field as "field: message"
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        field = field or "record"
        # a tuple whose only item failed also reports "too short": say it once
        if item["type"] == "too_short" and any(p.field == field for p in problems):
            continue
        problems.append(Problem(field, message))
    return problems


M = TypeVar("M", bound=Record)


def build(model: type[M], data: dict[str, Any]) -> M:
    """Validate `data` into `model`, raising InputError with one Problem per bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(problems_from(error)) from None


__all__ = ["build", "problems_from"]
