"""The Store: every read and write the commands need, each write one transaction with its
audit row. Records are amended, voided or closed, never deleted.

This module holds the writes and the single-record reads; the reads of many records at
once (patient files, scan lists, audit trails) are in `store.reads`, mixed into `Store`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.errors import DatabaseError, InputError, NotFoundError, Problem
from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.models import (
    Closure,
    Discussion,
    Exam,
    Patient,
    Scan,
    Treatment,
    check_event_date,
)
from cervix_watch.domain.plausibility import closure_ga_problem, current_edd_problem
from cervix_watch.domain.problems import build
from cervix_watch.store import auditjson, chain, db, dbfile, migrations, rows
from cervix_watch.store import tables as t
from cervix_watch.store.bulkwrite import STORED_KINDS, NewRecord, Writer
from cervix_watch.store.clock import SYSTEM_CLOCK, Clock
from cervix_watch.store.corrections import Corrections
from cervix_watch.store.duplicates import same_day_records
from cervix_watch.store.eventdates import Added, MovedScan, recheck_events
from cervix_watch.store.reads import BulkReads, no_patient

Event = Scan | Exam | Treatment | Discussion  # a record of her pregnancy, dated in it


class Store(Corrections, BulkReads):
    """A database opened, migrated and ready; one per command invocation."""

    def __init__(
        self,
        location: db.Location,
        create: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        pooled: bool = False,
    ) -> None:
        """Open the database; `create` (db init, demo; always at the per-user default
        location) lets a new one be made. `warnings` are for the user's stderr. `pooled`:
        keep a small connection pool (a command of many transactions, `listen`)."""
        self.location = location
        self.clock = clock  # audit and void timestamps
        self.warnings: list[str] = []
        create = create or location.default
        if location.path is not None:
            found, self.warnings = dbfile.prepare_file(location.path, create)
            migrations.check_not_newer(found.applied())  # before the engine switches it to WAL
        self.engine = db.create_engine(location, pooled=pooled)
        self.found_version = db.prepare(self.engine, location, create)

    @classmethod
    def open(
        cls,
        option: str | None,
        create: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        pooled: bool = False,
    ) -> Store:
        return cls(db.resolve(option), create, clock, pooled)

    def close(self) -> None:
        """Close every pooled connection (a long-running process, on its way out)."""
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One all-or-nothing transaction holding the write lock from its start."""
        with db.write_transaction(self.engine, self.location) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with db.translate_errors(self.location), self.engine.connect() as conn, conn.begin():
            yield conn

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
    ) -> None:
        """Write one audit row, chained onto the last one (`conn` holds the write lock)."""
        row: dict[str, Any] = {
            "at": self.clock.now(),
            "who": who,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "patient_id": patient_id,
            "reason": reason,
            "changes": auditjson.encode(changes),
        }
        chain.seal_rows(chain.last_hash(conn), [row])
        conn.execute(t.audit.insert().values(**row))

    # -- settings -----------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        with self.read() as conn:
            return conn.execute(
                sa.select(t.settings.c.value).where(t.settings.c.key == key)
            ).scalar_one_or_none()

    def set_setting(self, key: str, value: str, who: str) -> None:
        self.set_settings({key: value}, who)

    def set_settings(
        self, values: Mapping[str, str], who: str, audited: Sequence[str] | None = None
    ) -> None:
        """Set several settings in one transaction; the audit row shows old -> new of the
        `audited` keys (default: all; a long text such as a profile is named by its hash)."""
        changes: dict[str, list[str | None]] = {}
        with self.write() as conn:
            for key, value in values.items():
                old = conn.execute(
                    sa.select(t.settings.c.value).where(t.settings.c.key == key)
                ).scalar_one_or_none()
                if old is None:
                    conn.execute(t.settings.insert().values(key=key, value=value))
                else:
                    conn.execute(
                        t.settings.update().where(t.settings.c.key == key).values(value=value)
                    )
                if audited is None or key in audited:
                    changes[key] = [old, value]
            self.audit(conn, who, "set", "setting", None, None, changes)

    def secret(self, key: str, who: str) -> bytes:
        """A random per-database secret (e.g. the de-identification key), created on first use."""
        import secrets

        with self.write() as conn:
            value = conn.execute(
                sa.select(t.settings.c.value).where(t.settings.c.key == key)
            ).scalar_one_or_none()
            if value is None:
                value = secrets.token_hex(32)
                conn.execute(t.settings.insert().values(key=key, value=value))
                self.audit(conn, who, "create", "setting", None, None, {key: "(secret)"})
            return bytes.fromhex(value)

    # -- patients -----------------------------------------------------------------------
    def _patient_row(self, conn: sa.Connection, mrn: str) -> sa.RowMapping:
        row = conn.execute(sa.select(t.patients).where(t.patients.c.mrn == mrn.strip())).mappings()
        found = row.one_or_none()
        if found is None:
            raise no_patient(conn, mrn)
        return found

    def add_patient(self, patient: Patient, who: str) -> int:
        with self.write() as conn:
            exists = conn.execute(
                sa.select(t.patients.c.patient_id).where(t.patients.c.mrn == patient.mrn)
            ).first()
            if exists:
                raise InputError(Problem("mrn", f"{patient.mrn!r} is already registered"))
            new = NewRecord(0, patient.mrn, rows.patient_values(patient))
            try:
                [patient_id] = self._writer(conn, RecordKind.PATIENTS, who).add_records([new])
            except sa.exc.IntegrityError:
                # another writer registered the MRN since the check above
                raise InputError(Problem("mrn", f"{patient.mrn!r} is already registered")) from None
            return patient_id

    def get_patient(self, mrn: str) -> tuple[Patient, Closure | None]:
        with self.read() as conn:
            row = self._patient_row(conn, mrn)
            return rows.patient_from_row(row), rows.closure_from_row(row)

    def edit_patient(
        self, mrn: str, changes: Mapping[str, Any], reason: str, who: str, *, today: date
    ) -> tuple[Patient, list[MovedScan]]:
        """Change a patient's details; when the dates move, every stored scan, exam and
        treatment is checked against them first (nothing changes if one falls outside)
        and the scans whose GA changed are returned."""
        with self.write() as conn:
            row = self._patient_row(conn, mrn)
            old = rows.patient_from_row(row)
            data = {**old.model_dump(), **changes}
            if "lmp" in changes and "edd" not in changes:
                data["edd"] = None  # a new LMP sets the EDD
            new = build(Patient, data)
            diff = _diff(old.model_dump(mode="json"), new.model_dump(mode="json"))
            if not diff:
                raise InputError(Problem("patient", "no change given"))
            moved: list[MovedScan] = []
            if new.edd != old.edd or new.lmp != old.lmp:
                field = "edd" if "edd" in changes else "lmp"
                if problem := current_edd_problem(new.edd, today, field):
                    raise InputError(problem)
                moved = recheck_events(conn, row, old, new, today, field)
            conn.execute(
                t.patients.update()
                .where(t.patients.c.patient_id == row["patient_id"])
                .values(**rows.patient_values(new))
            )
            self.audit(
                conn, who, "edit", "patient", row["patient_id"], row["patient_id"], diff, reason
            )
            return new, moved

    def close_patient(
        self, mrn: str, closure: Closure, who: str, reason: str | None, *, today: date
    ) -> Closure:
        """Close the pregnancy; the closure as stored (its GA computed from the date and EDD)."""
        with self.write() as conn:
            row = self._patient_row(conn, mrn)
            if row["closed_date"] is not None:
                raise InputError(
                    Problem("mrn", f"{row['mrn']!r} is already closed ({row['close_outcome']})")
                )
            patient = rows.patient_from_row(row)
            self._check_date(patient, closure.date, today)
            if problem := closure_ga_problem(closure.ga_days, closure.date, patient.edd):
                raise InputError(problem)
            closure = closure.model_copy(update={"ga_days": patient.ga_on(closure.date)})
            # a closure before a stored scan, exam or treatment would leave it after the end
            recheck_events(conn, row, patient, patient, today, "date", closing=closure.date)
            conn.execute(
                t.patients.update()
                .where(t.patients.c.patient_id == row["patient_id"])
                .values(
                    closed_date=closure.date,
                    close_outcome=closure.outcome.value,
                    close_ga_days=closure.ga_days,
                )
            )
            self.audit(
                conn,
                who,
                "close",
                "patient",
                row["patient_id"],
                row["patient_id"],
                closure.model_dump(mode="json"),
                reason,
            )
            return closure

    def list_patients(self) -> list[tuple[Patient, Closure | None]]:
        with self.read() as conn:
            result = conn.execute(sa.select(t.patients).order_by(t.patients.c.mrn)).mappings()
            return [(rows.patient_from_row(r), rows.closure_from_row(r)) for r in result]

    # -- events -------------------------------------------------------------------------
    def _check_date(
        self,
        patient: Patient,
        on: date,
        today: date,
        field_name: str = "date",
        *,
        closed: date | None = None,
    ) -> None:
        if problem := check_event_date(field_name, on, patient, today, closed=closed):
            raise InputError(problem)

    def add_scan(self, scan: Scan, who: str, *, today: date) -> Added:
        [added] = self.add_records(RecordKind.SCANS, [scan], who, today=today)
        return added

    def add_exam(self, exam: Exam, who: str, *, today: date) -> Added:
        [added] = self.add_records(RecordKind.EXAMS, [exam], who, today=today)
        return added

    def add_treatment(self, treatment: Treatment, who: str, *, today: date) -> Added:
        [added] = self.add_records(RecordKind.TREATMENTS, [treatment], who, today=today)
        return added

    def end_treatment(
        self, treatment_id: int, end: date, who: str, reason: str | None, *, today: date
    ) -> Treatment:
        with self.write() as conn:
            found = (
                conn.execute(
                    sa.select(t.treatments, t.patients.c.mrn)
                    .join(t.patients)
                    .where(t.treatments.c.treatment_id == treatment_id)
                )
                .mappings()
                .one_or_none()
            )
            if found is None:
                raise NotFoundError(Problem("treatment_id", f"no treatment {treatment_id}"))
            old = rows.treatment_from_row(found, found["mrn"])
            if old.end is not None:
                raise InputError(
                    Problem("treatment_id", f"treatment {treatment_id} already ended on {old.end}")
                )
            new = build(Treatment, {**old.model_dump(), "end": end})
            patient_row = self._patient_row(conn, old.mrn)
            patient = rows.patient_from_row(patient_row)
            self._check_date(patient, end, today, closed=patient_row["closed_date"])
            conn.execute(
                t.treatments.update()
                .where(t.treatments.c.treatment_id == treatment_id)
                .values(end=end)
            )
            self.audit(
                conn,
                who,
                "end",
                "treatment",
                treatment_id,
                found["patient_id"],
                {"end": [None, end.isoformat()]},
                reason,
            )
            return new

    def add_discussion(self, discussion: Discussion, who: str, *, today: date) -> Added:
        [added] = self.add_records(RecordKind.DISCUSSIONS, [discussion], who, today=today)
        return added

    def _writer(self, conn: sa.Connection, kind: RecordKind, who: str) -> Writer:
        """The one write path (`bulkwrite`), for records added one at a time."""
        return Writer(conn, kind, who, self.clock.now(), action="add")

    def add_records(
        self, kind: RecordKind, records: Sequence[Event], who: str, *, today: date
    ) -> list[Added]:
        """Add events of registered patients, all or none; a single add is a batch of one.

        Each is checked (no date after `today` or the closure date) and refused when
        identical to a stored record or one before it here (naming it), then written with
        its audit row by the write path every import takes (`bulkwrite.Writer`): the ids
        come from the write. (`add_patient` registers a patient through the same writer.)
        """
        with self.write() as conn:
            writer = self._writer(conn, kind, who)
            return [self._add_event(conn, writer, record, today) for record in records]

    def _add_event(self, conn: sa.Connection, writer: Writer, record: Event, today: date) -> Added:
        kind = writer.kind
        row = self._patient_row(conn, record.mrn)
        patient = rows.patient_from_row(row)
        dates = [(kind.date_field, getattr(record, kind.date_field))]
        if isinstance(record, Treatment) and record.end is not None:
            dates.append(("end", record.end))
        for field_name, on in dates:
            self._check_date(patient, on, today, field_name, closed=row["closed_date"])
        values = {"patient_id": row["patient_id"], **STORED_KINDS[kind].values(record)}
        same_day = same_day_records(conn, writer.table, values)
        if same_day.identical is not None:
            raise InputError(
                Problem(
                    kind.entity,
                    f"identical to {kind.entity} {same_day.identical}, already stored "
                    f"for {row['mrn']} on {dates[0][1]} (nothing saved)",
                )
            )
        [record_id] = writer.add_records([NewRecord(0, row["mrn"], values)])
        return Added(record_id, same_day.ids)


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {key: [old[key], new[key]] for key in new if old.get(key) != new[key]}


__all__ = ["Added", "DatabaseError", "MovedScan", "Store"]
