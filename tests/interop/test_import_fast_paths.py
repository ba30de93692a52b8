"""The importer's fast paths give exactly what the general code they replace gives."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from cervix_watch.domain.enums import Route
from cervix_watch.store.importer import _audit_changes

_REFERENCE = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True).encode

TEXTS = [
    "",
    "plain",
    'quo"te',
    "back\\slash",
    "tab\there",
    "new\nline",
    "\x01\x1f",
    "é ü 漢",
    "\u2028",
]


@pytest.mark.parametrize("text", TEXTS)
def test_audit_json_matches_json_dumps(text: str) -> None:
    values: dict[str, Any] = {
        "patient_id": 7,
        "date": date(2026, 10, 8),
        "route": Route.TV,
        "cl1_mm": 38.0,
        "cl2_mm": 1e-7,
        "cl3_mm": None,
        "funneling": True,
        "sludge": False,
        "scan_id": 12,
        "operator": text,
        "notes": text * 3,
        "voided_at": datetime(2026, 1, 2, 3, 4, 5),
        "big": 12345678901234567890.5,
        "odd": float("inf"),
        "zero": date(999, 1, 2),
    }
    expected = _REFERENCE({k: v for k, v in values.items() if k != "patient_id"})
    assert _audit_changes(values) == expected
    assert _audit_changes({**values, "notes": None}) == _REFERENCE(
        {k: v for k, v in {**values, "notes": None}.items() if k != "patient_id"}
    )


def test_audit_json_single_and_no_field() -> None:
    assert _audit_changes({"mrn": "A1"}) == _REFERENCE({"mrn": "A1"})
    assert _audit_changes({"patient_id": 1}) == "{}" == _REFERENCE({})
