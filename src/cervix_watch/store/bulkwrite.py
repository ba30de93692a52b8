"""Bulk writes for the importer: the planned rows and one audit row each, in batches.

`store.importer` decides what to insert; `Writer` inserts it inside the import's
transaction, the new ids from `speed.insert_rows` (the one fast path of a write).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.kinds import RecordKind
from cervix_watch.store import chain, db, rows, speed
from cervix_watch.store import tables as t


@dataclass(frozen=True, slots=True)
class StoredKind:
    """Where one kind of record is stored, and its record as that table's column values."""

    table: sa.Table
    values: Callable[[Any], dict[str, Any]]


# One entry per RecordKind (a test checks); the importer plans with the same tables.
STORED_KINDS: dict[RecordKind, StoredKind] = {
    RecordKind.PATIENTS: StoredKind(t.patients, rows.patient_values),
    RecordKind.SCANS: StoredKind(t.scans, rows.scan_values),
    RecordKind.EXAMS: StoredKind(t.exams, rows.exam_values),
    RecordKind.TREATMENTS: StoredKind(t.treatments, rows.treatment_values),
    RecordKind.DISCUSSIONS: StoredKind(t.discussions, rows.discussion_values),
}

_CHUNK = 5000
# json.dumps with options builds an encoder per call; one audit row per record makes that count.
# A record's values are flat (no container to recurse into), so no cycle check is needed.
_AUDIT_JSON = json.JSONEncoder(
    default=str, ensure_ascii=False, sort_keys=True, check_circular=False
).encode


class Writer:
    """Inserts planned records, one audit row each, in chunks inside the import's transaction."""

    def __init__(self, conn: sa.Connection, kind: str, who: str, source: str, at: datetime) -> None:
        self.conn, self.kind, self.who = conn, RecordKind(kind), who
        self.table = STORED_KINDS[self.kind].table
        self.id_column = next(iter(self.table.primary_key.columns))
        self.entity = self.kind.entity
        self.reason = f"import from {source}"
        self.at = at  # one audit timestamp for the whole import
        self.last_hash: str | None = None  # the audit chain's head, read once under the lock

    def insert(self, new: list[dict[str, Any]]) -> None:
        id_name = self.id_column.name
        for start in range(0, len(new), _CHUNK):
            chunk = new[start : start + _CHUNK]
            # Explicit scan_ids (from an export) keep their ids; the rest get new ones.
            with_id = [v for v in chunk if id_name in v]
            without_id = [v for v in chunk if id_name not in v]
            inserted: list[tuple[int, dict[str, Any]]] = []
            if with_id:
                self.conn.execute(self.table.insert(), with_id)
                db.sync_sequence(self.conn, self.id_column)
                inserted.extend((v[id_name], v) for v in with_id)
            if without_id:
                ids = speed.insert_rows(self.conn, self.table, without_id)
                inserted.extend(zip(ids, without_id, strict=True))
            self._audit(inserted)

    def _audit(self, inserted: list[tuple[int, dict[str, Any]]]) -> None:
        if not inserted:
            return
        patients = not self.kind.is_event
        at, who, entity, reason = self.at, self.who, self.entity, self.reason
        audit_rows = [
            {
                "at": at,
                "who": who,
                "action": "import",
                "entity": entity,
                "entity_id": row_id,
                "patient_id": row_id if patients else values["patient_id"],
                "reason": reason,
                "changes": audit_changes(values),
            }
            for row_id, values in inserted
        ]
        # The whole batch hashed in one pass, onto the head this transaction read under the
        # write lock (no other writer can add a row meanwhile).
        previous = chain.last_hash(self.conn) if self.last_hash is None else self.last_hash
        self.last_hash = chain.seal_rows(previous, audit_rows)
        speed.insert_rows(self.conn, t.audit, audit_rows)


def audit_changes(values: dict[str, Any]) -> str:
    """The audit row's JSON: the record as imported, without the internal patient_id."""
    return _AUDIT_JSON({name: value for name, value in values.items() if name != "patient_id"})
