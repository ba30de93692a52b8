"""Record ids (`scan_id`, `treatment_id`, ...): one type for every edge that takes one.

The contract gives ids the range 1..2147483647 on both backends (PostgreSQL's INTEGER);
SQLite would store larger ones and PostgreSQL would fail on them, so an id outside the
range is bad input (exit 1) wherever it is typed or read from a file, before any query.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from cervix_watch.domain.errors import InputError, Problem

MAX_RECORD_ID = 2_147_483_647


def out_of_range(value: int) -> str | None:
    """The problem with an id, or None when it is one."""
    if 1 <= value <= MAX_RECORD_ID:
        return None
    shown = str(value) if len(str(value)) <= 24 else f"{str(value)[:20]}..."
    return f"{shown} is not a record id (ids are 1 to {MAX_RECORD_ID})"


def check_record_id(field: str, value: int) -> int:
    """`value` when it is a record id; else InputError naming the field (exit 1)."""
    problem = out_of_range(value)
    if problem is not None:
        raise InputError(Problem(field, problem))
    return value


def _in_range(value: int) -> int:
    problem = out_of_range(value)
    if problem is not None:
        raise ValueError(problem)
    return value


RecordId = Annotated[int, AfterValidator(_in_range)]
