"""`db copy`: the whole database, primary keys and all, into an empty one on either backend.

Used to move a clinic from a SQLite file to a shared PostgreSQL server, or to take a local
snapshot of the server. The source is read in one snapshot and the target written in one
transaction; before that transaction commits, every table's row count and checksum are
compared with the source's, so a copy that does not match is never left behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.errors import DatabaseError, InputError, Problem
from cervix_watch.store import db, migrations
from cervix_watch.store import tables as t

_BATCH = 1000


@dataclass(frozen=True)
class TableCopy:
    """One table's figures on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def matches(self) -> bool:
        return (self.source_rows, self.source_sha256) == (self.target_rows, self.target_sha256)


class _Digest:
    """sha256 over a table's rows in primary-key order, each value normalised to text, so the
    same data gives the same digest on SQLite and PostgreSQL."""

    def __init__(self) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()

    def add(self, row: Sequence[Any]) -> None:
        self.rows += 1
        line = json.dumps([_normalise(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        self._hash.update(line.encode() + b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _normalise(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)  # shortest round-trip text: equal doubles give equal text
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


def _ordered(table: sa.Table) -> sa.Select[Any]:
    return sa.select(table).order_by(*table.primary_key.columns)


def _batches(
    conn: sa.Connection, table: sa.Table, location: db.Location
) -> Iterator[list[sa.RowMapping]]:
    """The table's rows in batches; a failure names the database it came from."""
    with db.translate_errors(location):
        result = conn.execution_options(yield_per=_BATCH).execute(_ordered(table)).mappings()
        for partition in result.partitions():
            yield list(partition)


def table_digest(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    digest = _Digest()
    for row in conn.execute(_ordered(table)):
        digest.add(tuple(row))
    return digest.rows, digest.hexdigest()


def copy_database(source: db.Location, target: db.Location) -> list[TableCopy]:
    """Copy every table of `source` into the empty `target` (created and migrated first)."""
    from cervix_watch.store.store import Store

    source_store = Store(source)  # migrated, so both sides have the same schema version
    target_store = Store(target, create=True)  # copying into a new file creates it
    with (
        _snapshot(source_store.engine, source) as reading,
        db.write_transaction(target_store.engine, target) as writing,
    ):
        _refuse_non_empty(writing, target)
        sources = {
            table.name: _copy_table(reading, writing, table, source) for table in t.DATA_TABLES
        }
        for table in t.DATA_TABLES:
            for column in table.primary_key.columns:
                if isinstance(column.type, sa.Integer):
                    db.sync_sequence(writing, column)
        report = _compare(writing, sources)
        if not all(entry.matches for entry in report):
            # leaving the block with an error rolls the target back: nothing half-copied stays
            bad = ", ".join(entry.table for entry in report if not entry.matches)
            raise DatabaseError(f"the copy does not match the source ({bad}); nothing was written")
    return report


@contextmanager
def _snapshot(engine: sa.Engine, location: db.Location) -> Iterator[sa.Connection]:
    """A read transaction that sees one moment of the source, even while others write."""
    with db.translate_errors(location), engine.connect() as plain:
        conn = plain
        if not location.is_sqlite:
            # READ COMMITTED would give each table its own moment
            conn = plain.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _refuse_non_empty(conn: sa.Connection, target: db.Location) -> None:
    counts = {
        table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        for table in t.DATA_TABLES
        if table is not t.settings
    }
    extra_settings = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.settings)
        .where(t.settings.c.key != migrations.SCHEMA_KEY)
    ).scalar_one()
    filled = [f"{name}: {n}" for name, n in counts.items() if n] + (
        [f"settings: {extra_settings}"] if extra_settings else []
    )
    if filled:
        raise InputError(
            Problem(
                "to",
                f"{target.describe()} is not empty ({', '.join(filled)}); "
                "copy only into a new, empty database",
            )
        )


def _copy_table(
    reading: sa.Connection, writing: sa.Connection, table: sa.Table, source: db.Location
) -> _Digest:
    digest = _Digest()
    for batch in _batches(reading, table, source):
        for row in batch:
            digest.add(tuple(row.values()))
        if table is t.settings:
            _merge_settings(writing, batch)
        else:
            writing.execute(table.insert(), [dict(row) for row in batch])
    return digest


def _merge_settings(conn: sa.Connection, batch: list[sa.RowMapping]) -> None:
    """The fresh target already holds its schema_version; overwrite rather than collide."""
    for row in batch:
        updated = conn.execute(
            t.settings.update().where(t.settings.c.key == row["key"]).values(value=row["value"])
        )
        if updated.rowcount == 0:
            conn.execute(t.settings.insert().values(key=row["key"], value=row["value"]))


def _compare(conn: sa.Connection, sources: dict[str, _Digest]) -> list[TableCopy]:
    report = []
    for table in t.DATA_TABLES:
        rows, sha = table_digest(conn, table)
        source = sources[table.name]
        report.append(TableCopy(table.name, source.rows, rows, source.hexdigest(), sha))
    return report
