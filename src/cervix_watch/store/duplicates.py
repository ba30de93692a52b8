"""One definition of "the same record": what `scan add` refuses and `import` skips.

An event is identical to a stored one when every content column is equal (the
patient, the date and every value, note and operator included); ids and the void
bookkeeping are not content. A voided scan or exam is not "stored" for this purpose: it
was entered in error, so entering it again is allowed.

The CLI's single adds (`same_day_records`), the CSV importer (`content_names`,
as a set of keys per chunk) and any other importer use these, so "already
present" means the same everywhere and export -> import is exact.

A scanner's corrected report is the same record but for who or what entered it
(`PROVENANCE`): `same_examination` (interop.md, "already present"), used by `import sr`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.models import Scan
from cervix_watch.store import tables as t

_BOOKKEEPING = frozenset({"voided_at", "void_reason"})
_IDS = frozenset({"scan_id", "exam_id", "treatment_id", "discussion_id"})
# Who or what entered a scan, not what it found: a corrected report of one examination
# (a new SOP Instance UID, maybe another operator or note) differs only in these.
PROVENANCE = frozenset({"operator", "source", "notes"})
# The Scan fields two reports of the same examination share (the patient, the date, the
# route, the measurements, the findings): the record's content but for its provenance.
SAME_EXAMINATION = tuple(name for name in Scan.model_fields if name not in _IDS | PROVENANCE)
# The column each kind of event is dated by (a treatment by its start).
DATE_COLUMN = {"scans": "date", "exams": "date", "treatments": "start", "discussions": "date"}


def content_names(table: sa.Table) -> tuple[str, ...]:
    """The columns that make a record's content (its key for "already stored"), in order."""
    return tuple(sorted(c.name for c in table.c if c.name not in _BOOKKEEPING | _IDS))


@dataclass(frozen=True)
class SameDay:
    """The stored records of a patient on one date: the identical one, if any, and all ids."""

    identical: int | None
    ids: tuple[int, ...]


def same_day_records(conn: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> SameDay:
    """Stored (not voided) records of `values["patient_id"]` on the same date as `values`.

    `values` are the column values about to be inserted (patient_id included). A
    patient has a handful of records a day, so they are compared here rather than
    with one SQL equality per column (NULL never equals NULL in SQL).
    """
    names = content_names(table)
    id_column = next(iter(table.primary_key.columns))
    on = DATE_COLUMN[table.name]
    query = (
        sa.select(id_column, *(table.c[name] for name in names))
        .where(table.c.patient_id == values["patient_id"], table.c[on] == values[on])
        .order_by(id_column)
    )
    if table in t.VOIDABLE:
        query = query.where(table.c.voided_at.is_(None))
    wanted = tuple(values.get(name) for name in names)
    identical, ids = None, []
    for record_id, *content in conn.execute(query):
        ids.append(int(record_id))
        if identical is None and tuple(content) == wanted:
            identical = int(record_id)
    return SameDay(identical, tuple(ids))


def same_examination(one: Scan, other: Scan) -> bool:
    """Two scans of one examination: every field equal but who or what entered it."""
    return all(getattr(one, name) == getattr(other, name) for name in SAME_EXAMINATION)


__all__ = [
    "DATE_COLUMN",
    "PROVENANCE",
    "SAME_EXAMINATION",
    "SameDay",
    "content_names",
    "same_day_records",
    "same_examination",
]
