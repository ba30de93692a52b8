"""The audit trail's hash chain: each audit row carries a SHA-256 over its content and the
previous row's hash (in audit_id order), so a row changed or removed by hand, past the
grants and triggers of `store.seal`, shows as the first row whose hash no longer matches.

The hashed form is simple enough to build in SQL too (PostgreSQL's trigger rows, see
`seal.PG_HASH_SQL`): the previous hash, then each field as `<byte length>:<UTF-8 text>`,
or `-` for NULL; the time as `YYYY-MM-DD HH:MM:SS.ffffff`. The audit_id is not hashed:
the order is, through the previous hash.

Writers hold the database's write lock (BEGIN IMMEDIATE, or the PostgreSQL advisory lock
that the triggers take as well) when they read the last hash, so two writers never chain
onto the same row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cervix_watch.store import tables as t

GENESIS = "0" * 64  # the "previous hash" of the first audit row
HASHED_FIELDS = ("at", "who", "action", "entity", "entity_id", "patient_id", "reason", "changes")
_SHARED = frozenset({"at", "who", "action", "entity", "reason"})  # one object per import
_BATCH = 5000


def _field(value: Any) -> bytes:
    if value is None:
        return b"-"
    text = value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else str(value)
    encoded = text.encode()
    return b"%d:%b" % (len(encoded), encoded)


def row_hash(previous: str, row: Mapping[str, Any] | sa.RowMapping) -> str:
    """The hash of one audit row (its HASHED_FIELDS) chained onto `previous`."""
    content = b"".join([_field(row[name]) for name in HASHED_FIELDS])
    return hashlib.sha256(previous.encode() + content).hexdigest()


def last_hash(conn: sa.Connection) -> str:
    """The newest audit row's hash, GENESIS for an empty trail; call under the write lock."""
    found = conn.execute(
        sa.select(t.audit.c.row_hash).order_by(t.audit.c.audit_id.desc()).limit(1)
    ).first()
    return GENESIS if found is None or found[0] is None else str(found[0])


def seal_rows(previous: str, rows: Iterable[dict[str, Any]]) -> str:
    """Give each new audit row (in insert order) its `row_hash`, in one pass; the last hash.

    An import's rows share their time, operator, action, entity and reason (the same
    objects): each of those is encoded once per object, not once per row. `row_hash`
    is the plain path; the test checks they agree.
    """
    encoded: dict[int, tuple[Any, bytes]] = {}

    def shared(value: Any) -> bytes:
        found = encoded.get(id(value))
        if found is None or found[0] is not value:
            found = encoded[id(value)] = (value, _field(value))  # kept alive: ids stay unique
        return found[1]

    for row in rows:
        content = b"".join(
            [shared(row[name]) if name in _SHARED else _field(row[name]) for name in HASHED_FIELDS]
        )
        previous = row["row_hash"] = hashlib.sha256(previous.encode() + content).hexdigest()
    return previous


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: rows checked, the head (newest row and hash), the first break."""

    rows: int
    head_id: int | None
    head_hash: str | None
    first_break: int | None = None
    why: str = ""


def _ordered_rows(conn: sa.Connection) -> Iterator[sa.RowMapping]:
    columns = [t.audit.c.audit_id, t.audit.c.row_hash, *(t.audit.c[n] for n in HASHED_FIELDS)]
    # on the statement: Connection.execution_options would change the caller's connection
    query = sa.select(*columns).order_by(t.audit.c.audit_id).execution_options(yield_per=_BATCH)
    result = conn.execute(query).mappings()
    for partition in result.partitions():
        yield from partition


def verify(conn: sa.Connection) -> ChainReport:
    """Recompute the chain from the first row; stop at the first row that breaks it."""
    previous, count, head_id = GENESIS, 0, None
    for row in _ordered_rows(conn):
        count += 1
        head_id = row["audit_id"]
        if row["row_hash"] is None:
            return ChainReport(count, head_id, None, head_id, "has no hash")
        if row_hash(previous, row) != row["row_hash"]:
            why = "does not match its content and the row before it"
            return ChainReport(count, head_id, None, head_id, why)
        previous = row["row_hash"]
    return ChainReport(count, head_id, None if head_id is None else previous)


def rebuild(conn: sa.Connection) -> int:
    """Hash every audit row in order (the migrations that add the chain or rewrite rows);
    rows hashed.

    Only rows whose hash differs are written, so a chain already in place (a migration
    run again) is left alone, and the triggers that refuse an UPDATE are not met. The
    rows are read and written a batch at a time (each read whole before its UPDATE), so
    memory stays bounded on a trail of millions.
    """
    statement = (
        t.audit.update()
        .where(t.audit.c.audit_id == sa.bindparam("id"))
        .values(row_hash=sa.bindparam("hash"))
    )
    columns = [t.audit.c.audit_id, t.audit.c.row_hash, *(t.audit.c[n] for n in HASHED_FIELDS)]
    previous, written, after = GENESIS, 0, None
    while batch := batch_after(conn, columns, after):
        updates: list[dict[str, Any]] = []
        for row in batch:
            previous = row_hash(previous, row)
            if row["row_hash"] != previous:
                updates.append({"id": row["audit_id"], "hash": previous})
        if updates:
            conn.execute(statement, updates)
        written += len(updates)
        after = batch[-1]["audit_id"]
    return written


def batch_after(
    conn: sa.Connection, columns: Sequence[sa.ColumnElement[Any]], after: int | None
) -> list[sa.RowMapping]:
    """The next _BATCH audit rows in audit_id order after `after` (None: from the first),
    fetched whole, so the caller may update the table before reading on."""
    query = sa.select(*columns).order_by(t.audit.c.audit_id).limit(_BATCH)
    if after is not None:
        query = query.where(t.audit.c.audit_id > after)
    return list(conn.execute(query).mappings())
