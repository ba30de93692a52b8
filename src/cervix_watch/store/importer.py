"""Bulk import and export: all-or-nothing, idempotent, one transaction.

The CSV layer has already validated each row on its own; here come the checks
that need the database (unknown MRN, dates against the patient's LMP and EDD,
conflicts with stored records) and the writes. Any problem means nothing is
written. Re-importing rows already stored skips them, so a file can be
imported twice safely.

Speed and memory (250,000 rows in a few seconds, memory bounded by the chunk):
each chunk looks up only what it needs - its patients by MRN, the stored
records of those patients, its explicit scan ids - with a few queries, and is
written before the next chunk is read, so rows of earlier chunks are found in
the database like any stored row. Nothing is kept per row across chunks unless
the chunk is not written (dry run, or after a problem).

This module reads the chunks and plans them (what to insert, what to skip as
already stored, what to report); `store.bulkwrite` writes the planned rows and
their audit rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from cervix_watch.bulk import collect_young, collector_paused
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.ga import date_at_ga
from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.models import (
    AFTER_EDD_DAYS,
    Patient,
    Record,
    Treatment,
    event_date_problem,
)
from cervix_watch.domain.plausibility import imported_edd_problem
from cervix_watch.store import rows
from cervix_watch.store import tables as t
from cervix_watch.store.bulkwrite import STORED_KINDS, NewRecord, Writer
from cervix_watch.store.duplicates import content_names
from cervix_watch.store.inbox import close_filed_in
from cervix_watch.store.store import Store

Line = tuple[int, Record]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    added: int
    skipped: int
    dry_run: bool
    # with `keep_ids`: the id each added record was given, by its line (none on a dry run)
    ids: dict[int, int] = field(default_factory=dict)


Chunk = tuple[list[Problem], list[Line]]


def import_records(
    store: Store,
    kind: str,
    chunks: Iterable[Chunk],
    *,
    source: str,
    who: str,
    today: date,
    dry_run: bool = False,
    keep_ids: bool = False,
    inbox_filed: Callable[[dict[int, int]], Sequence[tuple[str, int]]] | None = None,
) -> ImportResult:
    """Check every record against the database and write them all, or none.

    No date may be after `today`. Chunks stream through one transaction, so memory stays
    bounded on large files; after the first problem nothing more is inserted, every remaining
    row is still checked (so all problems are reported), and the transaction
    is rolled back. `keep_ids`: the result names each added record's id (a few records, such
    as scanner reports: a file of 250,000 would keep them all). `inbox_filed`: given the
    ids, the (SOP Instance UID, scan id) pairs the records file, whose held inbox rows are
    closed in the same transaction (a report is never both filed and still held).
    """
    problems: list[Problem] = []
    added = skipped = 0
    ids: dict[int, int] = {}
    # Each chunk keeps some 100,000 objects alive at once, freed by reference counting;
    # the automatic collector's passes over them were a third of an import's time.
    with store.write() as conn, collector_paused():
        planner = _Planner(conn, kind, source, today)
        writer = Writer(
            conn, RecordKind(kind), who, store.clock.now(), reason=f"import from {source}"
        )
        for number, (parse_problems, records) in enumerate(chunks, start=1):
            if number % _COLLECT_EVERY == 0:
                collect_young()  # cyclic garbage stays bounded (a few hundred objects a file)
            problems.extend(parse_problems)
            new, chunk_skipped, chunk_problems = planner.plan(records)
            problems.extend(chunk_problems)
            skipped += chunk_skipped
            added += len(new)
            if not problems and not dry_run:
                written = writer.add_records(new)
                if keep_ids:
                    ids.update(zip((record.line for record in new), written, strict=True))
            else:
                planner.remember(new)  # not in the database: later chunks must still see them
        if problems or dry_run:
            conn.rollback()
        elif inbox_filed is not None:
            close_filed_in(conn, store, inbox_filed(ids), who, store.clock.now())
    if problems:
        raise InputError(problems)
    return ImportResult(kind, added, skipped, dry_run, {} if dry_run else ids)


class _Planner:
    """Decides per record: insert, skip (already stored) or problem.

    Lookups are made per chunk. `remembered` holds only what was planned but not
    written (dry run, or after a problem), so a repeat in a later chunk is still
    recognised.
    """

    def __init__(self, conn: sa.Connection, kind: str, source: str, today: date) -> None:
        self.conn, self.source, self.today = conn, source, today
        self.kind = RecordKind(kind)
        self.remembered: dict[Any, Any] = {}
        stored = STORED_KINDS[self.kind]
        self.table, self.to_values = stored.table, stored.values
        self.date_field = self.kind.date_field
        if self.kind.is_event:
            self.names = content_names(self.table)
            self.key = itemgetter(*self.names)
        # scans.csv and exams.csv carry the record's id (empty for a new record)
        self.id_name = f"{self.kind.entity}_id" if self.table in t.VOIDABLE else ""

    def plan(self, records: Sequence[Line]) -> tuple[list[NewRecord], int, list[Problem]]:
        if self.kind.is_event:
            return _plan_events(self, records)
        return _plan_patients(self, records)

    def remember(self, new: list[NewRecord]) -> None:
        for _, _, values in new:
            if self.kind.is_event:
                self.remembered[self.key(values)] = None
            else:
                self.remembered[values["mrn"]] = values

    def patients_named(
        self, mrns: Iterable[str], columns: Sequence[str] = ()
    ) -> dict[str, sa.Row[Any]]:
        """Stored patients by MRN, for the MRNs of one chunk: these columns (and mrn), or all.

        Events need four columns; reading only those spares converting the rest
        (dates are parsed in Python) for every patient of every chunk.
        """
        found: dict[str, sa.Row[Any]] = {}
        wanted = list(set(mrns))
        selected = [t.patients.c[name] for name in ("mrn", *columns)] if columns else [t.patients]
        for start in range(0, len(wanted), _LOOKUP):
            query = sa.select(*selected).where(
                t.patients.c.mrn.in_(wanted[start : start + _LOOKUP])
            )
            found.update((r.mrn, r) for r in self.conn.execute(query))
        return found

    def stored_keys(self, patient_ids: Iterable[int]) -> set[tuple[Any, ...]]:
        """Content keys of the stored (not voided) records of these patients."""
        table, keys = self.table, set[tuple[Any, ...]]()
        wanted = list(set(patient_ids))
        columns = [table.c[name] for name in self.names]
        for start in range(0, len(wanted), _LOOKUP):
            query = sa.select(*columns).where(
                table.c.patient_id.in_(wanted[start : start + _LOOKUP])
            )
            if table in t.VOIDABLE:
                query = query.where(table.c.voided_at.is_(None))
            keys.update(tuple(r) for r in self.conn.execute(query))
        return keys

    def stored_ids(self, record_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """Content keys of stored scans (or exams) by id; a voided record's id is taken too
        (never reused)."""
        found: dict[int, tuple[Any, ...]] = {}
        table = self.table
        id_column, columns = table.c[self.id_name], [table.c[name] for name in self.names]
        for start in range(0, len(record_ids), _LOOKUP):
            query = sa.select(id_column, table.c.voided_at, *columns).where(
                id_column.in_(record_ids[start : start + _LOOKUP])
            )
            for record_id, voided_at, *content in self.conn.execute(query):
                found[record_id] = ("voided",) if voided_at is not None else tuple(content)
        return found


def _plan_patients(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[NewRecord], int, list[Problem]]:
    new: list[NewRecord] = []
    skipped = 0
    problems: list[Problem] = []
    stored_rows = planner.patients_named(record.mrn for _, record in records)  # type: ignore[attr-defined]
    planned: dict[str, Patient] = {}
    for line, record in records:
        assert isinstance(record, Patient)
        if problem := imported_edd_problem(record.edd, planner.today):
            field = "edd" if record.lmp is None else "lmp"
            problems.append(Problem(field, problem.message, planner.source, line))
            continue
        stored = _stored_patient(planner, stored_rows, planned, record.mrn)
        if stored is None:
            new.append(NewRecord(line, record.mrn, rows.patient_values(record)))
            planned[record.mrn] = record  # a repeat later in the file is a skip
        elif stored.model_dump() == record.model_dump():
            skipped += 1
        else:
            message = (
                f"{record.mrn!r} is already registered with different details "
                "(change it with 'patient edit')"
            )
            problems.append(Problem("mrn", message, planner.source, line))
    return new, skipped, problems


def _stored_patient(
    planner: _Planner, stored_rows: dict[str, sa.Row[Any]], planned: dict[str, Patient], mrn: str
) -> Patient | None:
    """The patient already registered (or planned earlier in the file) under this MRN."""
    if mrn in planned:
        return planned[mrn]
    if mrn in stored_rows:
        return rows.patient_from_row(stored_rows[mrn]._mapping)  # noqa: SLF001 (SQLAlchemy's public Row._mapping)
    remembered = planner.remembered.get(mrn)
    if remembered is not None:
        return Patient.model_construct(**remembered)
    return None


def _plan_events(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[NewRecord], int, list[Problem]]:
    source, today, to_values, key_of = planner.source, planner.today, planner.to_values, planner.key
    date_field, treatments = planner.date_field, planner.kind is RecordKind.TREATMENTS
    id_name, entity = planner.id_name, planner.kind.entity
    # `known`: stored keys, then the keys planned so far in this chunk: one set, one lookup
    # per row (hashing a record's key is a good part of planning it)
    patients, known, stored_ids = _chunk_lookups(planner, records)
    remembered = planner.remembered
    new: list[NewRecord] = []
    skipped = 0
    problems: list[Problem] = []
    windows = {mrn: _date_window(row, today) for mrn, row in patients.items()}
    for line, record in records:
        mrn: str = record.mrn  # type: ignore[attr-defined]
        window = windows.get(mrn)
        if window is None:
            problems.append(
                Problem("mrn", f"no patient {mrn!r} (import patients first)", source, line)
            )
            continue
        patient_id, low, high = window
        if not low <= getattr(record, date_field) <= high or treatments:
            problems.extend(_date_problems(record, date_field, patients[mrn], today, source, line))
        values = to_values(record)  # a new dict per call: completed here, not copied
        values["patient_id"] = patient_id
        key = key_of(values)
        record_id = getattr(record, id_name, None) if id_name else None
        if record_id is not None and record_id in stored_ids:
            if stored_ids[record_id] != key:
                message = (
                    f"{entity} {record_id} is stored with different values "
                    f"(change it with '{entity} amend')"
                )
                problems.append(Problem(id_name, message, source, line))
            else:
                skipped += 1
            continue
        if record_id is None and (key in known or (remembered and key in remembered)):
            skipped += 1
            continue
        known.add(key)
        if record_id is not None:
            values[id_name] = record_id
        new.append(NewRecord(line, mrn, values))
    return new, skipped, problems


def _chunk_lookups(
    planner: _Planner, records: Sequence[Line]
) -> tuple[dict[str, sa.Row[Any]], set[tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
    """What planning a chunk of events reads from the database, in a few queries.

    The chunk's patients by MRN (id, LMP, EDD only), the content keys of those
    patients' stored records, and the stored scans (exams) its explicit ids name.
    """
    patients = planner.patients_named(
        (record.mrn for _, record in records),  # type: ignore[attr-defined]
        ("patient_id", "lmp", "edd", "closed_date"),
    )
    known = planner.stored_keys(p.patient_id for p in patients.values())
    id_name = planner.id_name
    explicit = [getattr(r, id_name) for _, r in records if id_name and getattr(r, id_name)]
    stored_ids = planner.stored_ids(explicit) if explicit else {}
    return patients, known, stored_ids


def _date_window(patient: sa.Row[Any], today: date) -> tuple[int, date, date]:
    """(patient_id, first, last): the dates `event_date_problem` finds no fault with.

    Checking a row is then two comparisons; only a row outside its window (or a
    treatment, which has two dates) goes through `event_date_problem` for its message.
    """
    edd, lmp = patient.edd, patient.lmp
    first = lmp or date_at_ga(edd, 0)  # as event_date_problem
    last = min(today, edd + timedelta(days=AFTER_EDD_DAYS))
    if patient.closed_date is not None:
        last = min(last, patient.closed_date)
    return patient.patient_id, first, last


def _date_problems(
    record: Any, date_field: str, patient: sa.Row[Any], today: date, source: str, line: int
) -> list[Problem]:
    problems = []
    for name, value in _event_dates(record, date_field):
        closed = patient.closed_date
        if problem := event_date_problem(
            name, value, patient.lmp, patient.edd, today, closed=closed
        ):
            problems.append(Problem(problem.field, problem.message, source, line))
    return problems


def _event_dates(record: Any, date_field: str) -> list[tuple[str, date]]:
    dates = [(date_field, getattr(record, date_field))]
    if isinstance(record, Treatment) and record.end is not None:
        dates.append(("end", record.end))
    return dates


_COLLECT_EVERY = 10  # chunks between two collections of young cyclic garbage
_LOOKUP = 5000  # values per IN (...) list: well inside SQLite's and PostgreSQL's limits


def export_records(store: Store, kind: str) -> Iterable[Record]:
    """Every current record of a kind (voided scans and exams left out), in a stable order."""
    if not RecordKind(kind).is_event:
        return [patient for patient, _closure in store.list_patients()]
    files = store.patient_files()
    out: list[Record] = []
    for f in files:
        out.extend(getattr(f, kind))
    if kind in (RecordKind.SCANS, RecordKind.EXAMS):  # by id, the column they start with
        id_name = f"{RecordKind(kind).entity}_id"
        out.sort(key=lambda record: getattr(record, id_name) or 0)
    return out
