"""The one write path of new records: each record inserted with its audit row, the ids
returned.

`scan add` (and every other single add, `store.Store`) writes a batch of one; `import`
(`store.importer`, CSV files and scanner reports alike) writes its planned rows chunk by
chunk inside its transaction. Either way the ids come from the write (`speed.insert_rows`,
the one fast path of a write), and the audit row is `auditjson.record_changes` of the
record: the same JSON whichever way the record came.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from cervix_watch.domain.kinds import RecordKind
from cervix_watch.store import auditjson, chain, db, rows, speed
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


class NewRecord(NamedTuple):
    """One record to add: where it came from (a file's line; 0 when typed), its patient's
    MRN and its table values (an event's with its `patient_id`; an explicit id is kept)."""

    line: int
    mrn: str
    values: dict[str, Any]


_CHUNK = 5000


class Writer:
    """Adds records of one kind, one audit row each, inside the caller's transaction (which
    holds the write lock); `action` and `reason` name how they came (`add`, or `import`
    with `import from FILE`)."""

    def __init__(
        self,
        conn: sa.Connection,
        kind: RecordKind,
        who: str,
        at: datetime,
        *,
        action: str = "import",
        reason: str | None = None,
    ) -> None:
        self.conn, self.kind, self.who = conn, kind, who
        self.table = STORED_KINDS[kind].table
        self.id_column = next(iter(self.table.primary_key.columns))
        self.action, self.reason = action, reason
        self.at = at  # one audit timestamp for the whole write
        self.last_hash: str | None = None  # the audit chain's head, read once under the lock

    def add_records(self, new: Sequence[NewRecord]) -> list[int]:
        """Insert the records and their audit rows; their ids, in the order given."""
        ids: list[int] = []
        for start in range(0, len(new), _CHUNK):
            ids.extend(self._add_chunk(new[start : start + _CHUNK]))
        return ids

    def _add_chunk(self, chunk: Sequence[NewRecord]) -> list[int]:
        id_name = self.id_column.name
        # Explicit scan_ids (from an export) keep their ids; the rest get new ones.
        ids: list[int] = [record.values.get(id_name, 0) for record in chunk]
        with_id = [record.values for record in chunk if id_name in record.values]
        if with_id:
            self.conn.execute(self.table.insert(), with_id)
            db.sync_sequence(self.conn, self.id_column)
        without_id = [i for i, record in enumerate(chunk) if id_name not in record.values]
        if without_id:
            batch = [chunk[i].values for i in without_id]
            new_ids = speed.insert_rows(self.conn, self.table, batch)
            for i, new_id in zip(without_id, new_ids, strict=True):
                ids[i] = new_id
        self._audit(chunk, ids)
        return ids

    def _audit(self, chunk: Sequence[NewRecord], ids: list[int]) -> None:
        kind, patients = self.kind, not self.kind.is_event
        at, who, action, entity, reason = self.at, self.who, self.action, kind.entity, self.reason
        changes, encode = auditjson.record_changes, auditjson.encode
        audit_rows = [
            {
                "at": at,
                "who": who,
                "action": action,
                "entity": entity,
                "entity_id": row_id,
                "patient_id": row_id if patients else record.values["patient_id"],
                "reason": reason,
                "changes": encode(changes(kind, record.values, record.mrn, row_id)),
            }
            for record, row_id in zip(chunk, ids, strict=True)
        ]
        # The whole batch hashed in one pass, onto the head this transaction read under the
        # write lock (no other writer can add a row meanwhile).
        previous = chain.last_hash(self.conn) if self.last_hash is None else self.last_hash
        self.last_hash = chain.seal_rows(previous, audit_rows)
        speed.insert_rows(self.conn, t.audit, audit_rows)
