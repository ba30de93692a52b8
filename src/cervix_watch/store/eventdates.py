"""Event dates checked against a pregnancy's dates, for `patient edit --edd/--lmp` and
`patient close`.

When the EDD or LMP moves, every stored scan, exam and treatment must still lie inside
the pregnancy (not before the LMP, not more than 6 weeks after the EDD, not after
`today` or the closure date); `recheck_events` says which do not (the edit then changes
nothing) and which scans' GAs move, so the CLI can print old -> new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.models import Patient, check_event_date
from cervix_watch.store import tables as t


@dataclass(frozen=True)
class Added:
    """A record just stored: its id, and the ids of the patient's other records that day."""

    id: int
    same_day: tuple[int, ...] = ()


@dataclass(frozen=True)
class MovedScan:
    """A stored scan whose GA changed with the patient's dates (`patient edit --edd/--lmp`)."""

    scan_id: int
    date: date
    old_ga_days: int
    new_ga_days: int


def recheck_events(
    conn: sa.Connection,
    row: sa.RowMapping,
    old: Patient,
    new: Patient,
    today: date,
    field: str,
    *,
    closing: date | None = None,
) -> list[MovedScan]:
    """Every stored scan, exam and treatment date checked against the new LMP/EDD, and
    against `closing` when the pregnancy is being closed on that date (`patient close`)."""
    patient_id, closed = row["patient_id"], closing or row["closed_date"]
    checks = [
        ("scan", t.scans, "scan_id", ("date",)),
        ("exam", t.exams, "exam_id", ("date",)),
        ("treatment", t.treatments, "treatment_id", ("start", "end")),
    ]
    problems: list[Problem] = []
    moved: list[MovedScan] = []
    for entity, table, id_name, columns in checks:
        query = sa.select(table.c[id_name], *(table.c[c] for c in columns)).where(
            table.c.patient_id == patient_id
        )
        if table in t.VOIDABLE:
            query = query.where(table.c.voided_at.is_(None))
        for record_id, *dates in conn.execute(query.order_by(table.c[id_name])):
            for column, on in zip(columns, dates, strict=True):
                if on is None:
                    continue
                problem = check_event_date(column, on, new, today, closed=closed)
                if problem:
                    where = f"{entity} {record_id} on {on}"
                    problems.append(Problem(field, f"{where}: {problem.message}"))
            if table is t.scans and old.ga_on(dates[0]) != new.ga_on(dates[0]):
                moved.append(
                    MovedScan(record_id, dates[0], old.ga_on(dates[0]), new.ga_on(dates[0]))
                )
    if problems:
        raise InputError(problems)
    return moved


__all__ = ["Added", "MovedScan", "recheck_events"]
