"""Corrections of scans and exams: `amend` (old values kept in the audit trail) and `void`
(marked, never deleted; a voided record no longer counts anywhere).

One implementation for both kinds, which differ only in their table and model: a
ruptured-membranes exam keyed in error is corrected exactly as a mistyped scan is.
A mixin of `Store` (`class Store(Corrections, BulkReads)`), which provides the
transaction, the audit row, the patient lookup and the date check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import sqlalchemy as sa

from cervix_watch.domain.errors import InputError, NotFoundError, Problem
from cervix_watch.domain.models import Exam, Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.store import rows
from cervix_watch.store import tables as t

if TYPE_CHECKING:
    from cervix_watch.store.clock import Clock

R = TypeVar("R", Scan, Exam)


@dataclass(frozen=True)
class Voidable(Generic[R]):
    """A kind of record that is amended and voided: its table and how rows become records."""

    entity: str  # the audit trail's word, and the message's: `scan`, `exam`
    table: sa.Table
    model: type[R]
    values: Callable[[R], dict[str, Any]]
    from_row: Callable[[Mapping[Any, Any], str], R]

    @property
    def id_name(self) -> str:
        return f"{self.entity}_id"


SCANS = Voidable("scan", t.scans, Scan, rows.scan_values, rows.scan_from_row)
EXAMS = Voidable("exam", t.exams, Exam, rows.exam_values, rows.exam_from_row)


class Corrections:
    """`get_`, `amend_` and `void_` of scans and exams, mixed into `Store`."""

    if TYPE_CHECKING:
        clock: Clock

        def read(self) -> AbstractContextManager[sa.Connection]: ...

        def write(self) -> AbstractContextManager[sa.Connection]: ...

        def _patient_row(self, conn: sa.Connection, mrn: str) -> sa.RowMapping: ...

        def _check_date(
            self,
            patient: Patient,
            on: date,
            today: date,
            field_name: str = "date",
            *,
            closed: date | None = None,
        ) -> None: ...

        def audit(
            self,
            conn: sa.Connection,
            who: str,
            action: str,
            entity: str,
            entity_id: int | None,
            patient_id: int | None,
            changes: Mapping[str, Any],
            reason: str | None = None,
        ) -> None: ...

    def get_scan(self, scan_id: int) -> tuple[Scan, bool]:
        """The scan and whether it is voided."""
        return self._get(SCANS, scan_id)

    def amend_scan(
        self, scan_id: int, changes: Mapping[str, Any], reason: str, who: str, *, today: date
    ) -> Scan:
        return self._amend(SCANS, scan_id, changes, reason, who, today)

    def void_scan(self, scan_id: int, reason: str, who: str) -> Scan:
        return self._void(SCANS, scan_id, reason, who)

    def get_exam(self, exam_id: int) -> tuple[Exam, bool]:
        """The exam and whether it is voided."""
        return self._get(EXAMS, exam_id)

    def amend_exam(
        self, exam_id: int, changes: Mapping[str, Any], reason: str, who: str, *, today: date
    ) -> Exam:
        return self._amend(EXAMS, exam_id, changes, reason, who, today)

    def void_exam(self, exam_id: int, reason: str, who: str) -> Exam:
        return self._void(EXAMS, exam_id, reason, who)

    def _get(self, kind: Voidable[R], record_id: int) -> tuple[R, bool]:
        with self.read() as conn:
            row, mrn = _row(conn, kind, record_id)
            return kind.from_row(row, mrn), row["voided_at"] is not None

    def _amend(
        self,
        kind: Voidable[R],
        record_id: int,
        changes: Mapping[str, Any],
        reason: str,
        who: str,
        today: date,
    ) -> R:
        with self.write() as conn:
            row, mrn = _row(conn, kind, record_id)
            if row["voided_at"] is not None:
                message = f"{kind.entity} {record_id} is voided and cannot be amended"
                raise InputError(Problem(kind.id_name, message))
            old = kind.from_row(row, mrn)
            new = build(kind.model, {**old.model_dump(), **changes})
            patient_row = self._patient_row(conn, mrn)
            patient = rows.patient_from_row(patient_row)
            self._check_date(patient, new.date, today, closed=patient_row["closed_date"])
            before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
            diff = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
            if not diff:
                raise InputError(Problem(kind.entity, "no change given"))
            conn.execute(_by_id(kind, record_id, sa.update(kind.table)).values(**kind.values(new)))
            self.audit(conn, who, "amend", kind.entity, record_id, row["patient_id"], diff, reason)
            return new

    def _void(self, kind: Voidable[R], record_id: int, reason: str, who: str) -> R:
        with self.write() as conn:
            row, mrn = _row(conn, kind, record_id)
            if row["voided_at"] is not None:
                message = f"{kind.entity} {record_id} is already voided"
                raise InputError(Problem(kind.id_name, message))
            voided = {"voided_at": self.clock.now(), "void_reason": reason}
            conn.execute(_by_id(kind, record_id, sa.update(kind.table)).values(**voided))
            changes = {"voided": [False, True]}
            self.audit(
                conn, who, "void", kind.entity, record_id, row["patient_id"], changes, reason
            )
            return kind.from_row(row, mrn)


def _row(conn: sa.Connection, kind: Voidable[R], record_id: int) -> tuple[sa.RowMapping, str]:
    """The stored row (voided or not) and its patient's MRN; NotFoundError (exit 1) if none."""
    query = _by_id(kind, record_id, sa.select(kind.table, t.patients.c.mrn).join(t.patients))
    found = conn.execute(query).mappings().one_or_none()
    if found is None:
        raise NotFoundError(Problem(kind.id_name, f"no {kind.entity} {record_id}"))
    return found, found["mrn"]


S = TypeVar("S", sa.Select[Any], sa.Update)


def _by_id(kind: Voidable[Any], record_id: int, statement: S) -> S:
    return statement.where(kind.table.c[kind.id_name] == record_id)


__all__ = ["EXAMS", "SCANS", "Corrections", "Voidable"]
