"""The records the clinic audit reads, as pandas DataFrames (one query per table).

The audit (`cervix_watch.audit`) computes its measures with pandas over the
same tables the review reads. Only pregnancies whose EDD lies in the audit's
range are read (an indexed range on `patients.edd`), and only records dated on
or before the audit's as-of date, so a database with years of history costs
what the quarter costs. Dates come back as `datetime64` columns, GA-ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from cervix_watch.store import tables as t

if TYPE_CHECKING:
    from cervix_watch.store.store import Store

# Every column of `patients` (they mirror `Patient` one to one, so the audit can rebuild
# the Patient whose history the engine's risk by history reads), and the closure.
PATIENT_COLUMNS = tuple(column.name for column in t.patients.columns)


@dataclass(frozen=True)
class AuditRecords:
    """Pregnancies with an EDD in range and their scans, treatments and discussions."""

    patients: pd.DataFrame  # every column of `patients`
    scans: pd.DataFrame  # patient_id, date, route, cl1_mm, cl2_mm, cl3_mm (not voided)
    treatments: pd.DataFrame  # patient_id, type, kind, start
    discussions: pd.DataFrame  # patient_id, action, date


def audit_records(store: Store, edd_from: date, edd_to: date, as_of: date) -> AuditRecords:
    """Pregnancies with `edd_from <= EDD <= edd_to`; events dated on or before `as_of`."""
    p = t.patients.c
    in_range = sa.select(p.patient_id).where(p.edd.between(edd_from, edd_to))
    with store.read() as conn:
        patients = _frame(
            conn,
            sa.select(*(p[name] for name in PATIENT_COLUMNS)).where(
                p.edd.between(edd_from, edd_to)
            ),
            PATIENT_COLUMNS,
            raw=False,  # typed: a distinct history is rebuilt as the engine's Patient
        )
        s = t.scans.c
        scans = _frame(
            conn,
            # spec: voided scans never count
            sa.select(s.patient_id, _raw_date(s.date), s.route, s.cl1_mm, s.cl2_mm, s.cl3_mm)
            .where(s.patient_id.in_(in_range), s.voided_at.is_(None), s.date <= as_of)
            .order_by(s.patient_id, s.date, s.scan_id),
            ("patient_id", "date", "route", "cl1_mm", "cl2_mm", "cl3_mm"),
        )
        tr = t.treatments.c
        treatments = _frame(
            conn,
            sa.select(tr.patient_id, tr.type, tr.kind, _raw_date(tr.start))
            .where(tr.patient_id.in_(in_range), tr.start <= as_of)
            .order_by(tr.patient_id, tr.start),
            ("patient_id", "type", "kind", "start"),
        )
        d = t.discussions.c
        discussions = _frame(
            conn,
            sa.select(d.patient_id, d.action, _raw_date(d.date))
            .where(d.patient_id.in_(in_range), d.date <= as_of)
            .order_by(d.patient_id, d.date),
            ("patient_id", "action", "date"),
        )
    return AuditRecords(
        _dates(patients, "edd", "closed_date"),
        _dates(scans, "date"),
        _dates(treatments, "start"),
        _dates(discussions, "date"),
    )


def _raw_date(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """The date as the driver gives it (ISO text from SQLite, a date from PostgreSQL):
    pandas parses a column of them at once, faster than a date object built per row."""
    return sa.type_coerce(column, sa.String).label(column.name)


def _frame(
    conn: sa.Connection, query: sa.Select[Any], columns: tuple[str, ...], *, raw: bool = True
) -> pd.DataFrame:
    """The rows as a DataFrame of `columns`. `raw`: the driver's own values, fetched from its
    cursor (SQLAlchemy's per-row processing skipped: ISO text dates, 0/1 booleans on SQLite,
    which the measures read as pandas does); else SQLAlchemy's typed values. Either way plain
    tuples: pandas probes each row it is given for namedtuple fields, and on SQLAlchemy's
    `Row` every probe is a failed key lookup (14 s of a history-clinic audit's profile)."""
    with conn.execute(query) as result:
        rows = result.cursor.fetchall() if raw else list(map(tuple, result))
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    # typed even when empty (an empty frame's columns are `object`, which date arithmetic refuses)
    frame["patient_id"] = frame["patient_id"].astype("int64")
    for name in columns:
        if name.endswith("_mm"):
            frame[name] = frame[name].astype("float64")
    return frame


def _dates(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        frame[name] = pd.to_datetime(frame[name])
    return frame
