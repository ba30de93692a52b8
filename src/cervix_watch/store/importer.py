"""Bulk import and export: all-or-nothing, idempotent, one transaction.

The CSV layer has already validated each row on its own; here come the checks
that need the database (unknown MRN, dates against the patient's LMP and EDD,
conflicts with stored records) and the writes. Any problem means nothing is
written. Re-importing rows already stored skips them, so a file can be
imported twice safely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.models import (
    Patient,
    Record,
    Treatment,
    check_event_date,
)
from cervix_watch.store import db, rows
from cervix_watch.store import tables as t
from cervix_watch.store.store import Store, _json, _now

Line = tuple[int, Record]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    added: int
    skipped: int
    dry_run: bool


_EVENT_TABLES: dict[str, tuple[sa.Table, Callable[[Any], dict[str, Any]], str]] = {
    "scans": (t.scans, rows.scan_values, "date"),
    "exams": (t.exams, rows.exam_values, "date"),
    "treatments": (t.treatments, rows.treatment_values, "start"),
    "discussions": (t.discussions, rows.discussion_values, "date"),
}


Chunk = tuple[list[Problem], list[Line]]


def import_records(
    store: Store,
    kind: str,
    chunks: Iterable[Chunk],
    *,
    source: str,
    who: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every record against the database and write them all, or none.

    Chunks stream through one transaction, so memory stays bounded on large
    files; after the first problem nothing more is inserted, every remaining
    row is still checked (so all problems are reported), and the transaction
    is rolled back.
    """
    problems: list[Problem] = []
    added = skipped = 0
    with store.write() as conn:
        planner = _Planner(conn, kind, source)
        for parse_problems, records in chunks:
            problems.extend(parse_problems)
            new, chunk_skipped, chunk_problems = planner.plan(records)
            problems.extend(chunk_problems)
            skipped += chunk_skipped
            added += len(new)
            if not problems and not dry_run:
                _insert_all(conn, kind, new, who, source)
            if progress is not None:
                progress(len(records) + len(parse_problems))
        if problems or dry_run:
            conn.rollback()
    if problems:
        raise InputError(problems)
    return ImportResult(kind, added, skipped, dry_run)


class _Planner:
    """Decides per record: insert, skip (already stored) or problem. Holds lookups across chunks."""

    def __init__(self, conn: sa.Connection, kind: str, source: str) -> None:
        self.conn, self.kind, self.source = conn, kind, source
        self.seen: set[tuple[Any, ...]] = set()
        patient_rows = list(conn.execute(sa.select(t.patients)).mappings())
        self.patients = {
            r["mrn"]: (r["patient_id"], rows.patient_from_row(r)) for r in patient_rows
        }
        if kind != "patients":
            self.stored_keys, self.stored_ids = _stored(conn, kind)

    def plan(self, records: Sequence[Line]) -> tuple[list[dict[str, Any]], int, list[Problem]]:
        if self.kind == "patients":
            return _plan_patients(self, records)
        return _plan_events(self, records)


def _plan_patients(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[dict[str, Any]], int, list[Problem]]:
    new: list[dict[str, Any]] = []
    skipped = 0
    problems: list[Problem] = []
    for line, record in records:
        assert isinstance(record, Patient)
        stored = planner.patients.get(record.mrn)
        if stored is None:
            new.append(rows.patient_values(record))
            planner.patients[record.mrn] = (0, record)  # a repeat later in the file is a skip
        elif stored[1].model_dump() == record.model_dump():
            skipped += 1
        else:
            message = (
                f"{record.mrn!r} is already registered with different details "
                "(change it with 'patient edit')"
            )
            problems.append(Problem("mrn", message, planner.source, line))
    return new, skipped, problems


def _plan_events(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[dict[str, Any]], int, list[Problem]]:
    _table, to_values, date_field = _EVENT_TABLES[planner.kind]
    source = planner.source
    new: list[dict[str, Any]] = []
    skipped = 0
    problems: list[Problem] = []
    for line, record in records:
        mrn: str = record.mrn  # type: ignore[attr-defined]
        found = planner.patients.get(mrn)
        if found is None:
            problems.append(
                Problem("mrn", f"no patient {mrn!r} (import patients first)", source, line)
            )
            continue
        patient_id, patient = found
        problems.extend(_date_problems(record, patient, date_field, source, line))
        values = {"patient_id": patient_id, **to_values(record)}
        key = _content_key(values)
        scan_id = getattr(record, "scan_id", None)
        if scan_id is not None and scan_id in planner.stored_ids:
            if planner.stored_ids[scan_id] != key:
                message = (
                    f"scan {scan_id} is stored with different values (change it with 'scan amend')"
                )
                problems.append(Problem("scan_id", message, source, line))
            else:
                skipped += 1
            continue
        if scan_id is None and (key in planner.stored_keys or key in planner.seen):
            skipped += 1
            continue
        planner.seen.add(key)
        if scan_id is not None:
            values["scan_id"] = scan_id
        new.append(values)
    return new, skipped, problems


def _date_problems(
    record: Any, patient: Patient, date_field: str, source: str, line: int
) -> Iterator[Problem]:
    dates = [(date_field, getattr(record, date_field))]
    if isinstance(record, Treatment) and record.end is not None:
        dates.append(("end", record.end))
    for name, value in dates:
        if problem := check_event_date(name, value, patient):
            yield Problem(problem.field, problem.message, source, line)


def _content_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, v) for k, v in values.items() if k != "scan_id"))


def _stored(
    conn: sa.Connection, kind: str
) -> tuple[set[tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
    """Content keys of stored records (to skip re-imports) and, for scans, keys by scan_id."""
    table, _, _ = _EVENT_TABLES[kind]
    columns = [c for c in table.c if c.name not in _BOOKKEEPING]
    query = sa.select(*columns)
    if table is t.scans:
        query = query.where(t.scans.c.voided_at.is_(None))
    keys: set[tuple[Any, ...]] = set()
    by_id: dict[int, tuple[Any, ...]] = {}
    for r in conn.execute(query).mappings():
        values = {k: v for k, v in r.items() if k not in _IDS}
        key = _content_key(values)
        keys.add(key)
        if table is t.scans:
            by_id[r["scan_id"]] = key
    if table is t.scans:  # a voided scan_id is taken too: never reuse it
        for (scan_id,) in conn.execute(
            sa.select(t.scans.c.scan_id).where(t.scans.c.voided_at.is_not(None))
        ):
            by_id.setdefault(scan_id, ("voided",))
    return keys, by_id


_BOOKKEEPING = {"voided_at", "void_reason"}
_IDS = {"scan_id", "exam_id", "treatment_id", "discussion_id"}
_CHUNK = 5000


def _insert_all(
    conn: sa.Connection,
    kind: str,
    new: list[dict[str, Any]],
    who: str,
    source: str,
) -> None:
    table = t.patients if kind == "patients" else _EVENT_TABLES[kind][0]
    key = next(iter(table.primary_key.columns))
    entity = kind.removesuffix("s")
    at = _now()
    for start in range(0, len(new), _CHUNK):
        chunk = new[start : start + _CHUNK]
        # Explicit scan_ids (from an export) keep their ids; the rest get new ones.
        with_id = [v for v in chunk if key.name in v]
        without_id = [v for v in chunk if key.name not in v]
        inserted: list[tuple[int, dict[str, Any]]] = []
        for batch in (with_id, without_id):
            if not batch:
                continue
            result = conn.execute(
                table.insert().returning(key, sort_by_parameter_order=True), batch
            )
            inserted.extend(zip(result.scalars().all(), batch, strict=True))
            if batch is with_id:
                db.sync_sequence(conn, key)
        conn.execute(
            t.audit.insert(),
            [
                {
                    "at": at,
                    "who": who,
                    "action": "import",
                    "entity": entity,
                    "entity_id": row_id,
                    "patient_id": row_id if kind == "patients" else values["patient_id"],
                    "reason": f"import from {source}",
                    "changes": _json({k: v for k, v in values.items() if k != "patient_id"}),
                }
                for row_id, values in inserted
            ],
        )


def export_records(store: Store, kind: str) -> Iterable[Record]:
    """Every current record of a kind (voided scans left out), in a stable order."""
    if kind == "patients":
        return [patient for patient, _closure in store.list_patients()]
    files = store.patient_files()
    out: list[Record] = []
    for f in files:
        out.extend(getattr(f, kind))
    if kind == "scans":
        out.sort(key=lambda s: s.scan_id or 0)  # type: ignore[attr-defined]
    return out
