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
the chunk is not written (dry run, or after a problem). On SQLite the rows
and their audit rows go to the driver's executemany directly.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.models import (
    AFTER_EDD_DAYS,
    Patient,
    Record,
    Treatment,
    event_date_problem,
)
from cervix_watch.store import db, rows
from cervix_watch.store import tables as t
from cervix_watch.store.store import Store, _now

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
    with store.write() as conn, _collector_paused() as collect:
        planner = _Planner(conn, kind, source)
        writer = _Writer(conn, kind, who, source)
        for parse_problems, records in chunks:
            collect()
            problems.extend(parse_problems)
            new, chunk_skipped, chunk_problems = planner.plan(records)
            problems.extend(chunk_problems)
            skipped += chunk_skipped
            added += len(new)
            if not problems and not dry_run:
                writer.insert(new)
            else:
                planner.remember(new)  # not in the database: later chunks must still see them
            if progress is not None:
                progress(len(records) + len(parse_problems))
        if problems or dry_run:
            conn.rollback()
    if problems:
        raise InputError(problems)
    return ImportResult(kind, added, skipped, dry_run)


@contextmanager
def _collector_paused() -> Iterator[Callable[[], None]]:
    """Pause Python's automatic cyclic garbage collection while a file streams through.

    Every chunk keeps some 100,000 objects alive at once (rows, records, values),
    which makes the automatic collector run full passes over them again and
    again: about a third of an import's time, for almost no garbage (these
    objects are freed by reference counting; a 250,000-row file leaves a few
    hundred cyclic objects). The caller calls the yielded function once per
    chunk and every `_COLLECT_EVERY` chunks the young generations are collected,
    so cyclic garbage stays bounded. The collector's previous state is restored.
    """
    enabled = gc.isenabled()
    calls = 0

    def collect() -> None:
        nonlocal calls
        calls += 1
        if calls % _COLLECT_EVERY == 0:
            gc.collect(1)

    gc.disable()
    try:
        yield collect
    finally:
        if enabled:
            gc.enable()


def _content_names(table: sa.Table) -> tuple[str, ...]:
    """The columns that make a record's content (its key for "already stored"), in order."""
    return tuple(sorted(c.name for c in table.c if c.name not in _BOOKKEEPING | _IDS))


class _Planner:
    """Decides per record: insert, skip (already stored) or problem.

    Lookups are made per chunk. `remembered` holds only what was planned but not
    written (dry run, or after a problem), so a repeat in a later chunk is still
    recognised.
    """

    def __init__(self, conn: sa.Connection, kind: str, source: str) -> None:
        self.conn, self.kind, self.source = conn, kind, source
        self.today = date.today()  # one "today" for the whole file
        self.remembered: dict[Any, Any] = {}
        if kind != "patients":
            self.table, self.to_values, self.date_field = _EVENT_TABLES[kind]
            self.names = _content_names(self.table)
            self.key = itemgetter(*self.names)

    def plan(self, records: Sequence[Line]) -> tuple[list[dict[str, Any]], int, list[Problem]]:
        if self.kind == "patients":
            return _plan_patients(self, records)
        return _plan_events(self, records)

    def remember(self, new: list[dict[str, Any]]) -> None:
        for values in new:
            if self.kind == "patients":
                self.remembered[values["mrn"]] = values
            else:
                self.remembered[self.key(values)] = None

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
            if table is t.scans:
                query = query.where(t.scans.c.voided_at.is_(None))
            keys.update(tuple(r) for r in self.conn.execute(query))
        return keys

    def stored_scan_ids(self, scan_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """Content keys of stored scans by id; a voided scan's id is taken too (never reused)."""
        found: dict[int, tuple[Any, ...]] = {}
        columns = [t.scans.c[name] for name in self.names]
        for start in range(0, len(scan_ids), _LOOKUP):
            query = sa.select(t.scans.c.scan_id, t.scans.c.voided_at, *columns).where(
                t.scans.c.scan_id.in_(scan_ids[start : start + _LOOKUP])
            )
            for scan_id, voided_at, *content in self.conn.execute(query):
                found[scan_id] = ("voided",) if voided_at is not None else tuple(content)
        return found


def _plan_patients(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[dict[str, Any]], int, list[Problem]]:
    new: list[dict[str, Any]] = []
    skipped = 0
    problems: list[Problem] = []
    stored_rows = planner.patients_named(record.mrn for _, record in records)  # type: ignore[attr-defined]
    planned: dict[str, Patient] = {}
    for line, record in records:
        assert isinstance(record, Patient)
        stored = _stored_patient(planner, stored_rows, planned, record.mrn)
        if stored is None:
            new.append(rows.patient_values(record))
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
        return rows.patient_from_row(stored_rows[mrn]._mapping)
    remembered = planner.remembered.get(mrn)
    if remembered is not None:
        return Patient.model_construct(**remembered)
    return None


def _plan_events(
    planner: _Planner, records: Sequence[Line]
) -> tuple[list[dict[str, Any]], int, list[Problem]]:
    source, today, to_values, key_of = planner.source, planner.today, planner.to_values, planner.key
    date_field, treatments = planner.date_field, planner.kind == "treatments"
    patients = planner.patients_named(
        (record.mrn for _, record in records),  # type: ignore[attr-defined]
        ("patient_id", "lmp", "edd"),
    )
    # stored keys, then the keys planned so far in this chunk: one set, one lookup per row
    # (hashing a record's key is a good part of planning it)
    known = planner.stored_keys(p.patient_id for p in patients.values())
    explicit = [r.scan_id for _, r in records if getattr(r, "scan_id", None) is not None]  # type: ignore[attr-defined]
    stored_ids = planner.stored_scan_ids(explicit) if explicit else {}
    remembered = planner.remembered
    new: list[dict[str, Any]] = []
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
        scan_id = getattr(record, "scan_id", None)
        if scan_id is not None and scan_id in stored_ids:
            if stored_ids[scan_id] != key:
                message = (
                    f"scan {scan_id} is stored with different values (change it with 'scan amend')"
                )
                problems.append(Problem("scan_id", message, source, line))
            else:
                skipped += 1
            continue
        if scan_id is None and (key in known or (remembered and key in remembered)):
            skipped += 1
            continue
        known.add(key)
        if scan_id is not None:
            values["scan_id"] = scan_id
        new.append(values)
    return new, skipped, problems


def _date_window(patient: sa.Row[Any], today: date) -> tuple[int, date, date]:
    """(patient_id, first, last): the dates `event_date_problem` finds no fault with.

    Checking a row is then two comparisons; only a row outside its window (or a
    treatment, which has two dates) goes through `event_date_problem` for its message.
    """
    edd, lmp = patient.edd, patient.lmp
    first = lmp or edd - timedelta(days=280)  # as event_date_problem
    last = min(today, edd + timedelta(days=AFTER_EDD_DAYS))
    return patient.patient_id, first, last


def _date_problems(
    record: Any, date_field: str, patient: sa.Row[Any], today: date, source: str, line: int
) -> list[Problem]:
    problems = []
    for name, value in _event_dates(record, date_field):
        if problem := event_date_problem(name, value, patient.lmp, patient.edd, today):
            problems.append(Problem(problem.field, problem.message, source, line))
    return problems


def _event_dates(record: Any, date_field: str) -> list[tuple[str, date]]:
    dates = [(date_field, getattr(record, date_field))]
    if isinstance(record, Treatment) and record.end is not None:
        dates.append(("end", record.end))
    return dates


_BOOKKEEPING = {"voided_at", "void_reason"}
_IDS = {"scan_id", "exam_id", "treatment_id", "discussion_id"}
_CHUNK = 5000
_COLLECT_EVERY = 10  # chunks between two collections of cyclic garbage (see _collector_paused)
_LOOKUP = 5000  # values per IN (...) list: well inside SQLite's and PostgreSQL's limits
# json.dumps with options builds an encoder per call; one audit row per record makes that count.
_AUDIT_JSON = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True).encode
_SQLITE_MAX_ROWID = 2**63 - 1


class _Writer:
    """Inserts planned records, one audit row each, in chunks inside the import's transaction."""

    def __init__(self, conn: sa.Connection, kind: str, who: str, source: str) -> None:
        self.conn, self.kind, self.who = conn, kind, who
        self.table = t.patients if kind == "patients" else _EVENT_TABLES[kind][0]
        self.id_column = next(iter(self.table.primary_key.columns))
        self.entity = kind.removesuffix("s")
        self.reason = f"import from {source}"
        self.at = _now()
        self.fast = conn.dialect.name == "sqlite"

    def insert(self, new: list[dict[str, Any]]) -> None:
        id_name = self.id_column.name
        for start in range(0, len(new), _CHUNK):
            chunk = new[start : start + _CHUNK]
            # Explicit scan_ids (from an export) keep their ids; the rest get new ones.
            with_id = [v for v in chunk if id_name in v]
            without_id = [v for v in chunk if id_name not in v]
            inserted: list[tuple[int, dict[str, Any]]] = []
            for batch, explicit in ((with_id, True), (without_id, False)):
                if batch:
                    ids = self._insert(batch, explicit)
                    inserted.extend(zip(ids, batch, strict=True))
            self._audit(inserted)

    def _insert(self, batch: list[dict[str, Any]], explicit: bool) -> list[int]:
        if self.fast:
            ids = self._sqlite_insert(batch, explicit)
            if ids is not None:
                return ids
        result = self.conn.execute(
            self.table.insert().returning(self.id_column, sort_by_parameter_order=True), batch
        )
        ids = list(result.scalars().all())
        if explicit:
            db.sync_sequence(self.conn, self.id_column)
        return ids

    def _sqlite_insert(self, batch: list[dict[str, Any]], explicit: bool) -> list[int] | None:
        """executemany straight to sqlite3, with SQLAlchemy's own conversion of each value.

        New ids: holding the write lock, SQLite gives each new row the largest rowid
        plus one, so a batch gets a contiguous run in order. That is checked, and on
        any doubt the batch is undone and inserted again with RETURNING.
        """
        if explicit:
            self._executemany(self.table, list(batch[0]), batch)
            return [v[self.id_column.name] for v in batch]
        before = self.conn.execute(sa.select(sa.func.max(self.id_column))).scalar() or 0
        savepoint = self.conn.begin_nested()
        self._executemany(self.table, list(batch[0]), batch)
        count, low, high = self.conn.execute(
            sa.select(
                sa.func.count(), sa.func.min(self.id_column), sa.func.max(self.id_column)
            ).where(self.id_column > before)
        ).one()
        if (count, low, high) == (len(batch), before + 1, before + len(batch)) and (
            high < _SQLITE_MAX_ROWID
        ):
            savepoint.commit()
            return list(range(before + 1, before + len(batch) + 1))
        savepoint.rollback()
        return None

    def _executemany(self, table: sa.Table, names: list[str], batch: list[dict[str, Any]]) -> None:
        """One INSERT for the batch, each value converted by SQLAlchemy's bind processor.

        The batch is turned into columns (zip), each column with a processor is
        converted with one `map`, and the columns are zipped back into rows:
        no per-value Python loop here.
        """
        dialect = self.conn.dialect
        get = itemgetter(*names) if len(names) > 1 else lambda v: (v[names[0]],)
        columns: list[Iterable[Any]] = list(zip(*map(get, batch), strict=True))
        for i, name in enumerate(names):
            columns[i] = _bound(table.c[name].type.dialect_impl(dialect), dialect, columns[i])
        quote = dialect.identifier_preparer.quote
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        self.conn.exec_driver_sql(statement, list(zip(*columns, strict=True)))

    def _audit(self, inserted: list[tuple[int, dict[str, Any]]]) -> None:
        if not inserted:
            return
        patients = self.kind == "patients"
        who, entity, reason = self.who, self.entity, self.reason
        changes = _audit_texts([values for _, values in inserted])
        patient_ids = [row_id if patients else values["patient_id"] for row_id, values in inserted]
        if not self.fast:
            self.conn.execute(
                t.audit.insert(),
                [
                    {
                        "at": self.at,
                        "who": who,
                        "action": "import",
                        "entity": entity,
                        "entity_id": row_id,
                        "patient_id": patient_id,
                        "reason": reason,
                        "changes": text,
                    }
                    for (row_id, _), patient_id, text in zip(
                        inserted, patient_ids, changes, strict=True
                    )
                ],
            )
            return
        # Every column but `at` is text or an integer, which SQLAlchemy passes to sqlite3 as is;
        # `at` is the same for every row, so it is converted once.
        dialect = self.conn.dialect
        process = t.audit.c.at.type.dialect_impl(dialect).bind_processor(dialect)
        at = process(self.at) if process is not None else self.at
        self.conn.exec_driver_sql(
            "INSERT INTO audit (at, who, action, entity, entity_id, patient_id, reason, changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (at, who, "import", entity, row_id, patient_id, reason, text)
                for (row_id, _), patient_id, text in zip(
                    inserted, patient_ids, changes, strict=True
                )
            ],
        )


def _bound(
    impl: sa.types.TypeEngine[Any], dialect: sa.Dialect, values: Iterable[Any]
) -> Iterable[Any]:
    """One column's values as SQLite takes them: what SQLAlchemy's bind processor gives.

    For the two common cases the same conversion is done by a C function over the
    whole column (`int` of a bool where SQLite has no native boolean, ISO text
    of a date in SQLite's default DATE format): the processors are Python
    functions called once per value, a tenth of the insert's time.
    """
    process = impl.bind_processor(dialect)
    if process is None:
        return values
    types = set(map(type, values))
    if types == {bool} and isinstance(impl, sa.Boolean) and not dialect.supports_native_boolean:
        return map(int, values)
    if (
        types == {date}
        and isinstance(impl, sqlite.DATE)
        and getattr(impl, "_storage_format", None) == _SQLITE_ISO_DATE
    ):
        return map(date.isoformat, values)
    return map(process, values)


_SQLITE_ISO_DATE = "%(year)04d-%(month)02d-%(day)02d"


def _audit_changes(values: dict[str, Any]) -> str:
    """The audit row's JSON: the record as imported, without the internal patient_id."""
    return _AUDIT_JSON({name: value for name, value in values.items() if name != "patient_id"})


def _audit_texts(batch: list[dict[str, Any]]) -> list[str]:
    """`_audit_changes` of every record of a batch, byte for byte, built column by column.

    One audit row per imported record made json.dumps a large part of an import.
    Records of one batch have the same keys, so each column (key) is spelled at
    once by C code (`_json_column`) and the rows are joined from the columns;
    a batch whose records differ in their keys takes the record-by-record way.
    """
    first = batch[0]
    names = sorted(name for name in first if name != "patient_id")
    if len(names) < 2 or set(map(len, batch)) != {len(first)}:
        return [_audit_changes(values) for values in batch]
    try:
        columns = list(zip(*map(itemgetter(*names), batch), strict=True))
    except KeyError:
        return [_audit_changes(values) for values in batch]
    # "%" formatting: one C call per record fills a template holding every key
    fields = ", ".join(encode_basestring(name).replace("%", "%%") + ": %s" for name in names)
    template = "{" + fields + "}"
    return list(map(template.__mod__, zip(*map(_json_column, columns), strict=True)))


def _json_column(column: tuple[Any, ...]) -> Iterable[str]:
    """How `_AUDIT_JSON` spells each value of a column, without a Python call per value."""
    types, spell = set(map(type, column)), encode_basestring
    if types <= {str}:
        return map(encode_basestring, column)
    if types <= _JSON_SCALARS:
        # numbers, booleans and null never contain ", ": the list's text splits back exactly
        return _AUDIT_JSON(list(column))[1:-1].split(", ")
    if types <= {str, type(None)}:
        return [spell(value) if value is not None else "null" for value in column]
    if types == {date}:
        return map('"{}"'.format, column)  # default=str: a date's str() is its ISO form
    return map(_AUDIT_JSON, column)


_JSON_SCALARS = {float, int, bool, type(None)}


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
