"""The store's speed layer, in one place: each fast path is one function beside its plain path.

Only what earns its keep is here (issue 10.5; `make bench` prints what each earns):

- `insert_rows`: rows without ids inserted, their new ids returned. The plain path is
  SQLAlchemy Core's insert with RETURNING. On SQLite the batch goes to the driver's
  executemany instead (each column through SQLAlchemy's public bind processor) and the
  ids are read from the run of rowids SQLite hands out, checked; measured on the
  250,000-scan import that is about a third of the plain path's time.
- `trusted`: a stored record rebuilt without a second validation, what
  `model_construct` gives; a review builds some 300,000 of them.

`tests/store/test_speed.py` checks each against its plain path (on both backends where
a database is involved).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

_SQLITE_MAX_ROWID = 2**63 - 1


def insert_rows(
    conn: sa.Connection, table: sa.Table, batch: list[dict[str, Any]], *, plain: bool = False
) -> list[int]:
    """Insert rows that have no id yet (each with the same columns); their ids, in order.

    `plain` takes the plain path on every backend (the equivalence test and the bench).
    """
    if not batch:
        return []
    if not plain and conn.dialect.name == "sqlite":
        ids = _sqlite_rowid_run(conn, table, batch)
        if ids is not None:
            return ids
    return plain_insert_rows(conn, table, batch)


def plain_insert_rows(
    conn: sa.Connection, table: sa.Table, batch: list[dict[str, Any]]
) -> list[int]:
    """The plain path of `insert_rows`: Core insert, RETURNING the ids in parameter order."""
    id_column = next(iter(table.primary_key.columns))
    result = conn.execute(table.insert().returning(id_column, sort_by_parameter_order=True), batch)
    return list(result.scalars().all())


def _sqlite_rowid_run(
    conn: sa.Connection, table: sa.Table, batch: list[dict[str, Any]]
) -> list[int] | None:
    """executemany straight to sqlite3; the new ids from the run of rowids, or None.

    Holding the write lock, SQLite gives each new row the largest rowid plus one, so a
    batch gets a contiguous run in order. That is checked, and on any doubt the batch
    is undone (savepoint) and the caller inserts it again the plain way.
    """
    names = list(batch[0])
    if set(map(len, batch)) != {len(names)}:
        return None  # rows with other columns: the plain path sorts them out
    id_column = next(iter(table.primary_key.columns))
    before = conn.execute(sa.select(sa.func.max(id_column))).scalar() or 0
    savepoint = conn.begin_nested()
    try:
        _executemany(conn, table, names, batch)
    except KeyError:
        savepoint.rollback()
        return None
    count, low, high = conn.execute(
        sa.select(sa.func.count(), sa.func.min(id_column), sa.func.max(id_column)).where(
            id_column > before
        )
    ).one()
    size = len(batch)
    if (count, low, high) == (size, before + 1, before + size) and high < _SQLITE_MAX_ROWID:
        savepoint.commit()
        return list(range(before + 1, before + size + 1))
    savepoint.rollback()
    return None


def _executemany(
    conn: sa.Connection, table: sa.Table, names: list[str], batch: list[dict[str, Any]]
) -> None:
    """One INSERT for the batch, each value converted by SQLAlchemy's bind processor.

    The batch is turned into columns (zip), each column with a processor is converted
    with one `map` of it (the public `TypeEngine.bind_processor`; a column holding one
    object throughout is converted once), and the columns are zipped back into rows:
    no per-value Python loop here.
    """
    dialect = conn.dialect
    get = itemgetter(*names) if len(names) > 1 else lambda v: (v[names[0]],)
    columns: list[Iterable[Any]] = list(zip(*map(get, batch), strict=True))
    for i, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        column = columns[i]
        if process is None:
            continue
        if len(set(map(id, column))) == 1:  # one object (an import's audit timestamp): once
            columns[i] = repeat(process(next(iter(column))), len(batch))
        else:
            columns[i] = map(process, column)
    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    conn.exec_driver_sql(statement, list(zip(*columns, strict=True)))


R = TypeVar("R", bound=BaseModel)
_set = object.__setattr__
# One "fields set" per model class, shared by the records `trusted` builds with every field
# given: every domain record is frozen, so nothing adds to it (pydantic copies it first on
# `model_copy(update=...)`), and a clinic's 250,000 scans need not carry a set each.
_EVERY_FIELD: dict[type[BaseModel], set[str]] = {}


def trusted(cls: type[R], values: dict[str, Any]) -> R:
    """`cls.model_construct(**values)` for values naming every field, about twice as cheap.

    `model_construct` walks every field looking for aliases and defaults; a stored row
    has neither. The instance's four slots are what `model_construct` sets (pydantic 2:
    fields, fields set, extra, private), checked equal to it by the test; the fields set
    is the class's shared one when `values` names exactly its fields (a frozen model
    never changes it).
    """
    every = _EVERY_FIELD.get(cls)
    if every is None:
        every = _EVERY_FIELD[cls] = set(cls.model_fields)
    record = cls.__new__(cls)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", every if values.keys() == every else set(values))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


def plain_trusted(cls: type[R], values: Mapping[str, Any]) -> R:
    """The plain path of `trusted`."""
    return cls.model_construct(**values)
