"""The audit trail's one encoder (`store.auditjson`) gives, for every kind of record, what
the domain model gives in JSON: its fast path from table values against `model_dump`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.models import Record
from cervix_watch.domain.problems import build
from cervix_watch.store import auditjson
from cervix_watch.store.bulkwrite import STORED_KINDS

SCAN = {"mrn": "P1", "date": "2026-11-02", "route": "tv", "operator": "A. Sono"}
# Every kind, with each value the table spells differently from the model: one, two and
# three measurements, several symptoms, funnel shape, a cerclage kind, an end, a dating.
RECORDS: list[tuple[RecordKind, dict[str, Any]]] = [
    (RecordKind.SCANS, {**SCAN, "cl_mm": [24.0]}),
    (RecordKind.SCANS, {**SCAN, "cl_mm": [24.0, 25.5], "symptoms": ["fever", "fluid"]}),
    (
        RecordKind.SCANS,
        {
            **SCAN,
            "route": "ta",
            "cl_mm": [31.0, 30.5, 29.9],
            "funneling": True,
            "funnel_length_mm": 8.5,
            "funnel_width_mm": 6.0,
            "funnel_shape": "V",
            "sludge": True,
            "source": "dicom-sr:1.2.3",
            "notes": 'é 漢; "quoted"',
        },
    ),
    (RecordKind.EXAMS, {"mrn": "P1", "date": "2026-11-04"}),
    (
        RecordKind.EXAMS,
        {
            "mrn": "P1",
            "date": "2026-11-04",
            "dilation_cm": 1.5,
            "membranes_visible": True,
            "bleeding": True,
            "symptoms": ["contractions", "bleeding"],
            "notes": "x",
        },
    ),
    (RecordKind.TREATMENTS, {"mrn": "P1", "type": "progesterone", "start": "2026-11-03"}),
    (
        RecordKind.TREATMENTS,
        {
            "mrn": "P1",
            "type": "cerclage",
            "kind": "history",
            "start": "2026-10-01",
            "end": "2026-11-20",
        },
    ),
    (
        RecordKind.DISCUSSIONS,
        {"mrn": "P1", "action": "short-cervix-noted", "date": "2026-11-02", "outcome": "accepted"},
    ),
    (RecordKind.PATIENTS, {"mrn": "P1", "edd": "2027-03-14"}),
    (
        RecordKind.PATIENTS,
        {
            "mrn": "P2",
            "name": "Ann",
            "lmp": "2026-06-07",
            "dating": "lmp",
            "prior_sptb_weeks": 200,
            "prior_sptb_count": 2,
            "prior_cerclage": "history",
            "smoker": True,
        },
    ),
]


def _plain(kind: RecordKind, record: Record, record_id: int) -> dict[str, Any]:
    """The plain path: the record as pydantic dumps it to JSON, with the id it was given."""
    dumped = record.model_dump(mode="json")
    if kind in auditjson.ID_NAMES:
        dumped[auditjson.ID_NAMES[kind]] = record_id
    return dumped


@pytest.mark.parametrize(("kind", "data"), RECORDS)
def test_record_changes_are_the_records_json(kind: RecordKind, data: dict[str, Any]) -> None:
    """From the table values (an event's with its patient_id), the audit form is the
    record's own JSON form, and stays so through the stored text (same keys and types)."""
    record = build(kind.model, data)
    values = {**STORED_KINDS[kind].values(record), "patient_id": 7}
    changes = auditjson.record_changes(kind, values, record.mrn, 42)  # type: ignore[union-attr]
    stored = json.loads(auditjson.encode(changes))
    expected = _plain(kind, record, 42)
    assert stored == expected
    assert {k: type(v) for k, v in stored.items()} == {k: type(v) for k, v in expected.items()}


def test_every_kind_with_an_id_names_it() -> None:
    """A record whose model carries its id gets it in its audit row; the others have none."""
    for kind in RecordKind:
        id_name = f"{kind.entity}_id"
        assert (id_name in kind.model.model_fields) == (auditjson.ID_NAMES.get(kind) == id_name)


def test_encode_sorts_keys_and_keeps_text_as_typed() -> None:
    """Keys sorted, dates as ISO text, non-ASCII kept as typed (the form every row has had)."""
    from datetime import date

    text = auditjson.encode({"b": date(2026, 11, 2), "a": "é"})
    assert text == '{"a": "é", "b": "2026-11-02"}'
