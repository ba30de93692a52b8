"""Bulk writes for the importer: the planned rows and one audit row each, in batches.

`store.importer` decides what to insert; `Writer` inserts it inside the import's
transaction, with RETURNING for the new ids. On SQLite the rows and their audit
rows go to the driver's executemany directly instead: each column converted by
SQLAlchemy's own bind processor, the new ids taken from the run of
rowids SQLite hands out (checked, else RETURNING after all), and the audit rows'
JSON spelled column by column (`_audit_texts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.kinds import RecordKind
from cervix_watch.store import db, rows
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
_AUDIT_JSON = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True).encode
_SQLITE_MAX_ROWID = 2**63 - 1


class Writer:
    """Inserts planned records, one audit row each, in chunks inside the import's transaction."""

    def __init__(self, conn: sa.Connection, kind: str, who: str, source: str, at: datetime) -> None:
        self.conn, self.kind, self.who = conn, RecordKind(kind), who
        self.table = STORED_KINDS[self.kind].table
        self.id_column = next(iter(self.table.primary_key.columns))
        self.entity = self.kind.entity
        self.reason = f"import from {source}"
        self.at = at  # one audit timestamp for the whole import
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
        converted with one `map` of it (the public `TypeEngine.bind_processor`), and
        the columns are zipped back into rows: no per-value Python loop here.
        """
        dialect = self.conn.dialect
        get = itemgetter(*names) if len(names) > 1 else lambda v: (v[names[0]],)
        columns: list[Iterable[Any]] = list(zip(*map(get, batch), strict=True))
        for i, name in enumerate(names):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                columns[i] = map(process, columns[i])
        quote = dialect.identifier_preparer.quote
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        self.conn.exec_driver_sql(statement, list(zip(*columns, strict=True)))

    def _audit(self, inserted: list[tuple[int, dict[str, Any]]]) -> None:
        if not inserted:
            return
        patients = not self.kind.is_event
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
