"""The Store's reads of many records at once: whole patient files, scan lists, audit trails.

These back the listings, the clinic review and export, where one query per
table (never one per patient) keeps a clinic of 50,000 patients fast. They are
a mixin of `Store` (`class Store(BulkReads)`), so callers still write
`store.patient_files()`; the single-record reads and every write stay in
`store.store`. The records come back as domain records (audit entries and voided
scans from `domain.trail`) or `domain.pregnancy.PatientHistory`, the engine's input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cervix_watch.bulk import collector_paused
from cervix_watch.domain.enums import TreatmentType
from cervix_watch.domain.errors import NotFoundError, Problem
from cervix_watch.domain.ga import edd_at
from cervix_watch.domain.identifiers import close_matches, did_you_mean
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.pregnancy import PatientHistory
from cervix_watch.domain.trail import AuditEntry, VoidedScan
from cervix_watch.store import rows
from cervix_watch.store import tables as t


@dataclass
class _Gathered:
    """One pregnancy's records while the reads gather them (PatientHistory at the end)."""

    patient: Patient
    closure: Closure | None
    scans: list[Scan] = field(default_factory=list)
    exams: list[Exam] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    discussions: list[Discussion] = field(default_factory=list)

    def history(self) -> PatientHistory:
        return PatientHistory(
            self.patient,
            tuple(self.scans),
            tuple(self.exams),
            tuple(self.treatments),
            tuple(self.discussions),
            self.closure,
        )


@dataclass(frozen=True)
class ActiveOn:
    """Active on `on` (clinical-rules.md): not closed by then, and GA below `before_ga`
    days (the profile's `active_before`) or a cerclage in situ."""

    on: date
    before_ga: int


def active_condition(active: ActiveOn) -> sa.ColumnElement[bool]:
    """Active on `active.on` (over `patients`), as the engine's `open_context` decides.

    GA < before_ga on the date  <=>  EDD > date + (280 - before_ga) days (indexed);
    or a cerclage in situ or (clinical rules v3) a progesterone course active on it:
    started by then and not ended by then; a closure dated after the review date has not
    happened yet on it.
    """
    p = t.patients.c
    # an alias: the condition also restricts queries over `treatments` itself, whose
    # rows must not be taken for the running treatment's (no correlation)
    tr = t.treatments.alias("running").c
    on = active.on
    try:
        edd_after = edd_at(on, active.before_ga)
    except OverflowError:  # `--as-of 9999-12-31`: no EDD lies beyond the calendar's end
        edd_after = date.max
    keeps_active = sa.select(tr.patient_id).where(
        tr.type.in_([TreatmentType.CERCLAGE.value, TreatmentType.PROGESTERONE.value]),
        tr.start <= on,
        sa.or_(tr.end.is_(None), tr.end > on),
    )
    return sa.and_(
        sa.or_(p.closed_date.is_(None), p.closed_date > on),
        sa.or_(p.edd > edd_after, p.patient_id.in_(keeps_active)),
    )


def active_patient_ids(active: ActiveOn) -> sa.Select[Any]:
    """The ids of the pregnancies active on `active.on` (`active_condition`)."""
    return sa.select(t.patients.c.patient_id).where(active_condition(active))


def no_patient(conn: sa.Connection, mrn: str) -> NotFoundError:
    """`no patient 'd003' (did you mean D003?)`: up to three registered MRNs close to the
    one typed. Only on a miss, so reading every MRN costs nothing on the common path."""
    known = conn.execute(sa.select(t.patients.c.mrn)).scalars()
    hint = did_you_mean(close_matches(mrn, known))
    return NotFoundError(Problem("mrn", f"no patient {mrn.strip()!r}{hint}"))


_LOOKUP = 5000  # values per IN (...) list: well inside SQLite's and PostgreSQL's limits
_STREAM_BATCH = 1000  # patients read at a time by `patients_streamed`


class BulkReads:
    """Reads of many records, mixed into `Store`, which provides `read` and `_patient_row`."""

    if TYPE_CHECKING:

        def read(self) -> AbstractContextManager[sa.Connection]: ...

        def _patient_row(self, conn: sa.Connection, mrn: str) -> sa.RowMapping: ...

    def patient_files(
        self,
        mrn: str | None = None,
        *,
        active: ActiveOn | None = None,
        mrns: Sequence[str] | None = None,
    ) -> list[PatientHistory]:
        """Every patient with their records (the engine's input), in one query per table
        (never one per patient). `mrns`: only the registered patients with these exact
        MRNs (at most 5,000; a missing one is left out), as one read.

        With `active`, only the pregnancies active on that date, selected in SQL
        (`active_patient_ids`), so a database with years of closed pregnancies
        reads what the active ones cost (with `mrn` too: none when she is not active).
        A clinic of 50,000 patients is some 300,000 records, built with the cyclic
        garbage collector paused (see `bulk.collector_paused`).
        """
        with self.read() as conn, collector_paused():
            query = sa.select(t.patients).order_by(t.patients.c.mrn)
            restrict: sa.Select[Any] | list[int] | None = None
            if mrn is not None:
                query = query.where(t.patients.c.mrn == mrn.strip())
            if mrns is not None:
                query = query.where(t.patients.c.mrn.in_(sorted(set(mrns))))
            if active is not None:
                restrict = active_patient_ids(active)
                # the condition itself, not `IN (the active ids)`: for one MRN (`scan add`'s
                # acute point) SQLite would otherwise list every active id to check one
                query = query.where(active_condition(active))
            files: dict[int, _Gathered] = {}
            result = conn.execute(query)
            names = tuple(result.keys())
            for row in result.all():
                r = dict(zip(names, row, strict=True))  # a dict: 25 lookups each, not a RowMapping
                files[r["patient_id"]] = _Gathered(
                    rows.patient_from_row(r), rows.closure_from_row(r)
                )
            if mrn is not None and not files and active is None:
                raise no_patient(conn, mrn)
            if mrn is not None or mrns is not None:
                restrict = list(files)
            self._attach(conn, files, restrict, active)
            return [gathered.history() for gathered in files.values()]

    def _attach(
        self,
        conn: sa.Connection,
        files: dict[int, _Gathered],
        only: sa.Select[Any] | list[int] | None,
        active: ActiveOn | None = None,
    ) -> None:
        def select(query: sa.Select[Any], table: sa.Table) -> Sequence[sa.Row[Any]]:
            if isinstance(only, sa.Select) and active is not None and table is not t.scans:
                # Exams, treatments, discussions: joined to their patient and her active
                # condition, so the planner may walk a small table by patient rather than
                # probe it once per active id (that was a tenth of a second per table).
                on = t.patients.c.patient_id == table.c.patient_id
                query = query.join(t.patients, on).where(active_condition(active))
            elif only is not None:
                query = query.where(table.c.patient_id.in_(only))
            return conn.execute(query).all()

        # Scans are most of a clinic: plain tuples in SCAN_COLUMNS order, no per-row mapping,
        # a patient's scans together (in date order, as the whole clinic's date order would
        # give them) so each patient is looked up once, not once per scan.
        scans = t.scans.c
        query = (
            sa.select(*(scans[name] for name in rows.SCAN_COLUMNS))
            .where(scans.voided_at.is_(None))
            .order_by(scans.patient_id, scans.date, scans.scan_id)
        )
        for patient_id, group in groupby(select(query, t.scans), key=itemgetter(0)):
            f = files[patient_id]
            mrn = f.patient.mrn
            f.scans = [rows.scan_from_columns(row, mrn) for row in group]
        exams = t.exams.c
        query = sa.select(t.exams).where(exams.voided_at.is_(None))
        for r in select(query.order_by(exams.date, exams.exam_id), t.exams):
            f = files[r.patient_id]
            f.exams.append(rows.exam_from_row(r._mapping, f.patient.mrn))  # noqa: SLF001 (SQLAlchemy's public Row._mapping)
        treatments = t.treatments.c
        query = sa.select(t.treatments).order_by(treatments.start, treatments.treatment_id)
        for r in select(query, t.treatments):
            f = files[r.patient_id]
            f.treatments.append(rows.treatment_from_row(r._mapping, f.patient.mrn))  # noqa: SLF001 (SQLAlchemy's public Row._mapping)
        discussions = t.discussions.c
        query = sa.select(t.discussions).order_by(discussions.date, discussions.discussion_id)
        for r in select(query, t.discussions):
            f = files[r.patient_id]
            f.discussions.append(rows.discussion_from_row(r._mapping, f.patient.mrn))  # noqa: SLF001 (SQLAlchemy's public Row._mapping)

    def patients_streamed(
        self, mrns: Sequence[str] | None = None, *, batch: int = _STREAM_BATCH
    ) -> Iterator[tuple[Patient, list[tuple[Scan, bool]]]]:
        """Every patient (or those with exactly these MRNs) in MRN order, each with her
        current scans in date order and whether each was amended (`scan amend`).

        Read `batch` patients at a time (a streamed cursor, `yield_per`) with their scans
        and amendments, so the caller holds one batch, never the clinic: what `export fhir
        --ndjson` writes from. All in one read transaction, one snapshot.
        """
        with self.read() as conn:
            query = sa.select(t.patients).order_by(t.patients.c.mrn)
            if mrns is not None:
                query = query.where(t.patients.c.mrn.in_(sorted(set(mrns))))
            result = conn.execute(query.execution_options(yield_per=batch)).mappings()
            for partition in result.partitions():
                by_id = {r["patient_id"]: rows.patient_from_row(r) for r in partition}
                scans = _current_scans_of(conn, by_id)
                for patient_id, patient in by_id.items():
                    yield patient, scans.get(patient_id, [])

    def scans(self, mrn: str | None, include_voided: bool) -> list[tuple[Scan, bool]]:
        """Scans with a voided flag, by patient then date."""
        with self.read() as conn:
            query = (
                sa.select(t.scans, t.patients.c.mrn)
                .join(t.patients)
                .order_by(t.patients.c.mrn, t.scans.c.date, t.scans.c.scan_id)
            )
            if mrn is not None:
                self._patient_row(conn, mrn)
                query = query.where(t.patients.c.mrn == mrn.strip())
            if not include_voided:
                query = query.where(t.scans.c.voided_at.is_(None))
            return [
                (rows.scan_from_row(r, r["mrn"]), r["voided_at"] is not None)
                for r in conn.execute(query).mappings()
            ]

    def exams(self, mrn: str | None, include_voided: bool) -> list[tuple[Exam, bool]]:
        """Exams with a voided flag, by patient then date (`exam list`)."""
        with self.read() as conn:
            query = (
                sa.select(t.exams, t.patients.c.mrn)
                .join(t.patients)
                .order_by(t.patients.c.mrn, t.exams.c.date, t.exams.c.exam_id)
            )
            if mrn is not None:
                self._patient_row(conn, mrn)
                query = query.where(t.patients.c.mrn == mrn.strip())
            if not include_voided:
                query = query.where(t.exams.c.voided_at.is_(None))
            return [
                (rows.exam_from_row(r, r["mrn"]), r["voided_at"] is not None)
                for r in conn.execute(query).mappings()
            ]

    def voided_scans(self, mrn: str) -> list[VoidedScan]:
        with self.read() as conn:
            row = self._patient_row(conn, mrn)
            result = conn.execute(
                sa.select(t.scans)
                .where(t.scans.c.patient_id == row["patient_id"], t.scans.c.voided_at.is_not(None))
                .order_by(t.scans.c.date)
            ).mappings()
            return [
                VoidedScan(rows.scan_from_row(r, row["mrn"]), r["voided_at"], r["void_reason"])
                for r in result
            ]

    def audit_trail(self, mrn: str) -> list[AuditEntry]:
        with self.read() as conn:
            row = self._patient_row(conn, mrn)
            result = conn.execute(
                sa.select(t.audit)
                .where(t.audit.c.patient_id == row["patient_id"])
                .order_by(t.audit.c.audit_id)
            ).mappings()
            return [
                AuditEntry(
                    r["at"],
                    r["who"],
                    r["action"],
                    r["entity"],
                    r["entity_id"],
                    r["reason"],
                    json.loads(r["changes"]),
                )
                for r in result
            ]

    def patients_named(self, mrns: Sequence[str]) -> dict[str, Patient]:
        """The registered patients whose MRN is exactly one of these (no trimming, no case
        folding), by MRN: one query per 5,000."""
        wanted = sorted(set(mrns))
        found: dict[str, Patient] = {}
        with self.read() as conn:
            for start in range(0, len(wanted), _LOOKUP):
                query = sa.select(t.patients).where(
                    t.patients.c.mrn.in_(wanted[start : start + _LOOKUP])
                )
                for r in conn.execute(query).mappings():
                    found[r["mrn"]] = rows.patient_from_row(r)
        return found

    def current_scans(self, mrns: Sequence[str]) -> dict[str, list[Scan]]:
        """The current (not voided) scans of these patients, by MRN, in date order."""
        wanted = sorted(set(mrns))
        found: dict[str, list[Scan]] = {}
        with self.read() as conn:
            for start in range(0, len(wanted), _LOOKUP):
                query = (
                    sa.select(t.scans, t.patients.c.mrn)
                    .join(t.patients)
                    .where(
                        t.patients.c.mrn.in_(wanted[start : start + _LOOKUP]),
                        t.scans.c.voided_at.is_(None),
                    )
                    .order_by(t.scans.c.date, t.scans.c.scan_id)
                )
                for r in conn.execute(query).mappings():
                    found.setdefault(r["mrn"], []).append(rows.scan_from_row(r, r["mrn"]))
        return found

    def scans_by_source(self, sources: Sequence[str]) -> dict[str, Scan]:
        """Stored scans by their source (`dicom-sr:<UID>`), voided ones too: an SR once
        imported stays imported."""
        wanted = sorted({s for s in sources if s})
        found: dict[str, Scan] = {}
        with self.read() as conn:
            for start in range(0, len(wanted), _LOOKUP):
                query = (
                    sa.select(t.scans, t.patients.c.mrn)
                    .join(t.patients)
                    .where(t.scans.c.source.in_(wanted[start : start + _LOOKUP]))
                    .order_by(t.scans.c.scan_id)
                )
                for r in conn.execute(query).mappings():
                    found.setdefault(r["source"], rows.scan_from_row(r, r["mrn"]))
        return found

    def amended_scan_ids(self) -> set[int]:
        """The ids of scans changed by `scan amend` since they were added (FHIR `amended`)."""
        with self.read() as conn:
            query = sa.select(t.audit.c.entity_id).where(
                t.audit.c.entity == "scan", t.audit.c.action == "amend"
            )
            return {int(i) for i in conn.execute(query).scalars() if i is not None}

    def counts(self) -> dict[str, int]:
        with self.read() as conn:
            return {
                table.name: int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                )
                for table in t.DATA_TABLES
            }


def _current_scans_of(
    conn: sa.Connection, patients: dict[int, Patient]
) -> dict[int, list[tuple[Scan, bool]]]:
    """These patients' current scans by patient id, in date order, each with its amended flag."""
    ids = list(patients)
    audit = t.audit.c
    amended = set(
        conn.execute(
            sa.select(audit.entity_id).where(
                audit.patient_id.in_(ids), audit.entity == "scan", audit.action == "amend"
            )
        ).scalars()
    )
    scans = t.scans.c
    query = (
        sa.select(*(scans[name] for name in rows.SCAN_COLUMNS))
        .where(scans.patient_id.in_(ids), scans.voided_at.is_(None))
        .order_by(scans.patient_id, scans.date, scans.scan_id)
    )
    found: dict[int, list[tuple[Scan, bool]]] = {}
    for patient_id, group in groupby(conn.execute(query).all(), key=itemgetter(0)):
        mrn = patients[patient_id].mrn
        found[patient_id] = [
            (scan, scan.scan_id in amended)
            for scan in (rows.scan_from_columns(row, mrn) for row in group)
        ]
    return found


__all__ = ["ActiveOn", "BulkReads", "active_condition", "active_patient_ids"]
