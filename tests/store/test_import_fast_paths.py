"""The importer's fast paths give exactly what the general code they replace gives."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from typing import Any

import pytest

from cervix_watch.domain.enums import Route
from cervix_watch.store.bulkwrite import _audit_texts

_REFERENCE = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True).encode

TEXTS = [
    "",
    "a, b",
    'quo"te',
    "back\\slash",
    "tab\there",
    "new\nline",
    "\x01\x1f",
    "é 漢",
    "\u2028",
]


def _expected(values: dict[str, Any]) -> str:
    return _REFERENCE({k: v for k, v in values.items() if k != "patient_id"})


def _record(text: str, number: float | None) -> dict[str, Any]:
    return {
        "patient_id": 7,
        "date": date(2026, 10, 8),
        "route": Route.TV,
        "cl1_mm": number,
        "cl2_mm": 1e-7,
        "cl3_mm": None,
        "funneling": True,
        "sludge": number is None,
        "scan_id": 12,
        "operator": text,
        "notes": text * 3,
        "mixed": text if number is None else number,
        "shape": text if number is None else None,
        "voided_at": datetime(2026, 1, 2, 3, 4, 5),
        "big": 12345678901234567890,
        "odd": float("inf"),
        "early": date(999, 1, 2),
    }


@pytest.mark.parametrize("text", TEXTS)
def test_audit_json_matches_json_dumps(text: str) -> None:
    batch = [_record(text, 38.0), _record(text, None), _record("x, y", -0.5)]
    assert _audit_texts(batch) == [_expected(values) for values in batch]


def test_audit_json_odd_batches() -> None:
    assert _audit_texts([{"mrn": "A1"}]) == [_REFERENCE({"mrn": "A1"})]
    assert _audit_texts([{"patient_id": 1}]) == ["{}"]
    uneven = [{"a": 1, "b": "x"}, {"a": 2, "c": "y"}, {"a": 3}]
    assert _audit_texts(uneven) == [_expected(values) for values in uneven]


@pytest.mark.parametrize("fails", [False, True])
def test_the_collector_runs_again_after_a_bulk_block(fails: bool) -> None:
    """After `collector_paused` (even one that raised) the collector is on, nothing frozen."""
    import gc

    from cervix_watch.bulk import collector_paused

    frozen_before = gc.get_freeze_count()
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext(), collector_paused():
        assert not gc.isenabled()
        cycle: list[object] = []
        cycle.append(cycle)
        if fails:
            raise RuntimeError("a failed review")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before
