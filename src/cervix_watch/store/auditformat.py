"""The upgrade of old audit rows to the one format of `store.auditjson` (issue 20.2).

Before it, an import wrote a record's table columns (`"cl1_mm": 24.0, "cl2_mm": 25.5,
"cl3_mm": null`, `"symptoms": "fever;fluid"`, no `mrn`, no id) where `scan add` wrote the
record (`"cl_mm": [24.0, 25.5]`, `"symptoms": ["fever", "fluid"]`, `"mrn"`, `"scan_id"`);
an added exam's row lacked its `exam_id` before contract v3, and an added treatment's had
`"treatment_id": null`. Each such row of an added or imported scan, exam, treatment or discussion is
rewritten into the one format, losing nothing:

- the measurements and symptoms keep their values and order, as lists;
- `mrn` is the patient's MRN when the row was written: her MRN now, unless a later
  `db-update` row (PostgreSQL, a change made outside the program) changed it;
- the id is the row's own `entity_id`;
- a field the record did not have then (a row from before schema 2 has no symptoms) is
  not invented.

The rows' hashes then no longer match, so the chain is rebuilt (`chain.rebuild`) with the
append-only triggers lifted for the length of the transaction, and one last row, action
`migrate`, records how many rows were rewritten and the head the chain had before: a head
noted with a backup stays accounted for. A chain already broken is left exactly as found,
rows unchanged, so `db check` still names the break: rebuilding it would hide tampering.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.kinds import EVENT_KINDS
from cervix_watch.store import auditjson, chain, seal
from cervix_watch.store import tables as t
from cervix_watch.store.clock import SYSTEM_CLOCK

_KINDS = {kind.entity: kind for kind in EVENT_KINDS}
MIGRATE_ACTION = "migrate"


def upgrade(conn: sa.Connection) -> int:
    """Rewrite the old rows, rebuild the chain, record it; the number of rows rewritten."""
    report = chain.verify(conn)
    if report.first_break is not None:
        return 0  # left as found: `db check` names the break
    with seal.lifted(conn):
        rewritten = _rewrite(conn, _MrnHistory(conn))
        if rewritten:
            chain.rebuild(conn)
    if rewritten:
        _record(conn, rewritten, report)
    return rewritten


def one_format(
    entity: str, entity_id: int | None, changes: dict[str, Any], mrn: str | None
) -> dict[str, Any]:
    """An added or imported record's audit `changes` in the one format (unchanged if so)."""
    kind = _KINDS[entity]
    new = dict(changes)
    if "mrn" not in new and mrn is not None and entity_id is not None:
        # an import's row: the table's values, which the one encoder turns into the record
        new = auditjson.record_changes(kind, new, mrn, entity_id)
    id_name = auditjson.ID_NAMES.get(kind)
    if id_name is not None and new.get(id_name) is None and entity_id is not None:
        new[id_name] = entity_id  # an added exam's (before contract v3) or treatment's
    return new


def _rewrite(conn: sa.Connection, mrn_at: _MrnHistory) -> int:
    """Rewrite the rows not in the one format, a batch at a time; how many."""
    a = t.audit.c
    columns = [a.audit_id, a.action, a.entity, a.entity_id, a.patient_id, a.changes]
    statement = (
        t.audit.update().where(a.audit_id == sa.bindparam("id")).values(changes=sa.bindparam("new"))
    )
    rewritten, after = 0, None
    while batch := chain.batch_after(conn, columns, after):
        updates = []
        for row in batch:
            if row["action"] not in {"add", "import"} or row["entity"] not in _KINDS:
                continue
            old = json.loads(row["changes"])
            mrn = mrn_at(row["patient_id"], row["audit_id"])
            new = one_format(row["entity"], row["entity_id"], old, mrn)
            if new != old:
                updates.append({"id": row["audit_id"], "new": auditjson.encode(new)})
        if updates:
            conn.execute(statement, updates)
        rewritten += len(updates)
        after = batch[-1]["audit_id"]
    return rewritten


class _MrnHistory:
    """A patient's MRN as of an audit row: her MRN now, or the old side of the first change
    of it after that row (a `db-update` of PostgreSQL's trigger; the program never changes
    an MRN), or the MRN her `db-delete` row kept when she is gone."""

    def __init__(self, conn: sa.Connection) -> None:
        patients = conn.execute(sa.select(t.patients.c.patient_id, t.patients.c.mrn))
        self.now: dict[int, str] = dict(patients.all())
        self.changes: dict[int, list[tuple[int, str]]] = {}
        a = t.audit.c
        query = (
            sa.select(a.audit_id, a.action, a.entity_id, a.changes)
            .where(a.entity == "patient", a.action.in_(("db-update", "db-delete")))
            .order_by(a.audit_id)
        )
        for audit_id, action, patient_id, text in conn.execute(query):
            row = json.loads(text)
            if action == "db-delete" and isinstance(row.get("mrn"), str):
                self.now.setdefault(patient_id, row["mrn"])
            elif isinstance(row.get("mrn"), list):
                self.changes.setdefault(patient_id, []).append((audit_id, row["mrn"][0]))

    def __call__(self, patient_id: int | None, audit_id: int) -> str | None:
        if patient_id is None:
            return None
        for changed_at, old in self.changes.get(patient_id, ()):
            if changed_at > audit_id:
                return old
        return self.now.get(patient_id)


def _record(conn: sa.Connection, rewritten: int, before: chain.ChainReport) -> None:
    """The `migrate` row: what was rewritten, and the chain's head before."""
    changes = {
        "audit_rows_rewritten": rewritten,
        "previous_head": {"audit_id": before.head_id, "row_hash": before.head_hash},
    }
    row: dict[str, Any] = {
        "at": SYSTEM_CLOCK.now(),
        "who": "cervix-watch",
        "action": MIGRATE_ACTION,
        "entity": "audit",
        "entity_id": None,
        "patient_id": None,
        "reason": "audit rows of added and imported records rewritten to one format",
        "changes": auditjson.encode(changes),
    }
    chain.seal_rows(chain.last_hash(conn), [row])
    conn.execute(t.audit.insert().values(**row))


__all__ = ["MIGRATE_ACTION", "one_format", "upgrade"]
