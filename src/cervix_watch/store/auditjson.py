"""The audit trail's one JSON encoder: a record's audit row is the same whichever way it came.

A scan typed (`scan add`), imported from a CSV file (`import scans`) or received from the
scanner (`listen`, `import sr`) leaves the same `changes`: the record as the domain model
gives it in JSON (`record.model_dump(mode="json")`: `cl_mm` a list, `symptoms` a list,
the patient's `mrn`), with the id it was given. Every other audit row of the program (an
edit's or amend's old -> new, a closure, a setting) is encoded by `encode` too.

`record_changes` builds that form from the record's table values, which every write has
at hand, rather than from the model: an import writes one audit row per record, and
this spares it a `model_dump` of each. `tests/store/test_auditjson.py` checks the two
agree for every kind (the plain path is `model_dump`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.symptoms import SEPARATOR

# json.dumps with options builds an encoder per call; one audit row per record makes that count.
# The values are flat or lists of numbers and strings: no cycle to look for.
_ENCODE = json.JSONEncoder(
    default=str, ensure_ascii=False, sort_keys=True, check_circular=False
).encode

# The kinds whose record carries its own id (`scan_id`, ...); a discussion's and a patient's
# id is the audit row's entity_id only.
ID_NAMES: dict[RecordKind, str] = {
    RecordKind.SCANS: "scan_id",
    RecordKind.EXAMS: "exam_id",
    RecordKind.TREATMENTS: "treatment_id",
}
# a scan's measurements as the table holds them, from the first
CL_COLUMNS = ("cl1_mm", "cl2_mm", "cl3_mm")
# table columns that are no field of the record (its patient is named by `mrn`)
_NOT_FIELDS = frozenset({"patient_id", *CL_COLUMNS})


def encode(changes: Mapping[str, Any]) -> str:
    """An audit row's `changes` as stored: JSON, keys sorted, dates as ISO text."""
    return _ENCODE(changes)


def record_changes(
    kind: RecordKind, values: Mapping[str, Any], mrn: str, record_id: int
) -> dict[str, Any]:
    """The audit form of one new record from its table `values` (as `store.rows` gives them,
    `patient_id` among them or not): once encoded, what `record.model_dump(mode="json")`
    gives, with the record's id set."""
    changes = {name: value for name, value in values.items() if name not in _NOT_FIELDS}
    changes["mrn"] = mrn
    if kind in ID_NAMES:
        changes[ID_NAMES[kind]] = record_id
    if kind is RecordKind.SCANS:
        # stored from cl1_mm on; an empty one in between is skipped (as store.rows reads them)
        measured = (values["cl1_mm"], values["cl2_mm"], values["cl3_mm"])
        changes["cl_mm"] = [cl for cl in measured if cl is not None]
    if "symptoms" in changes:  # scans and exams: stored `fever;cramps`
        stored = changes["symptoms"]
        changes["symptoms"] = stored.split(SEPARATOR) if stored else []
    return changes


__all__ = ["CL_COLUMNS", "ID_NAMES", "encode", "record_changes"]
