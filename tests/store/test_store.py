"""The store against real SQLite files: audit, no deletes, migrations, permissions."""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends

from cervix_watch.domain.errors import DatabaseError, InputError, NotFoundError
from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.models import (
    Closure,
    Discussion,
    Exam,
    Patient,
    Record,
    Scan,
    Treatment,
)
from cervix_watch.domain.problems import build
from cervix_watch.store import db, migrations, tables
from cervix_watch.store.clock import Clock
from cervix_watch.store.store import Store


@pytest.fixture
def store(db_url: str) -> Store:
    """A migrated store with one patient (SQLite unless the test asks for `both_backends`)."""
    s = Store.open(db_url)
    s.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14", "name": "Ann"}), "tester")
    return s


def scan(**change: object) -> Scan:
    return build(Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": (21, 22, 23), **change})


def test_new_database_file_is_owner_only_even_with_a_loose_umask(tmp_path: Path) -> None:
    """A new SQLite file is 0600 in a 0700 folder whatever the umask."""
    old = os.umask(0)
    try:
        path = tmp_path / "new" / "clinic.sqlite3"
        Store.open(str(path), create=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def _engine(db_url: str) -> sa.Engine:
    """A plain SQLAlchemy engine on the test's database, independent of the store's own."""
    return sa.create_engine(db.resolve(db_url).url, poolclass=sa.pool.NullPool)


def _schema_version(db_url: str) -> int:
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            value = conn.execute(
                sa.select(tables.settings.c.value).where(tables.settings.c.key == "schema_version")
            ).scalar_one()
    finally:
        engine.dispose()
    return int(value)


def _row_counts(db_url: str) -> dict[str, int]:
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in tables.DATA_TABLES
            }
    finally:
        engine.dispose()


@both_backends
def test_schema_version_is_recorded(store: Store, db_url: str) -> None:
    """The migrations applied live in the database, by name, and their number."""
    assert _schema_version(db_url) == len(migrations.MIGRATIONS)
    with store.read() as conn:
        assert migrations.applied(conn) == [entry.name for entry in migrations.MIGRATIONS]


@both_backends
def test_newer_schema_is_refused_and_the_file_left_untouched(
    store: Store, db_url: str, db_path: Path
) -> None:
    """A database from a newer program gives DatabaseError (exit 3) and is not modified
    (SQLite: the same bytes; PostgreSQL: the same schema version and row counts)."""
    store.add_scan(scan(), "sono", today=TODAY)
    engine = _engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(tables.schema_migrations.insert().values(name="from_a_newer_release"))
    finally:
        engine.dispose()
    sqlite = "://" not in db_url
    before_bytes = db_path.read_bytes() if sqlite else b""
    before_counts = _row_counts(db_url)
    with pytest.raises(DatabaseError, match="newer") as caught:
        Store.open(db_url)
    assert caught.value.exit_code == 3
    assert _schema_version(db_url) == len(migrations.MIGRATIONS)
    assert _row_counts(db_url) == before_counts
    assert before_counts["scans"] == 1
    if sqlite:
        assert db_path.read_bytes() == before_bytes


@both_backends
def test_every_write_leaves_an_audit_row(store: Store) -> None:
    """add, amend and void each write one audit row naming who and why (on PostgreSQL the
    database's trigger adds its own row for each UPDATE, naming the login: seal.py)."""
    scan_id = store.add_scan(scan(), "sono", today=TODAY).id
    store.amend_scan(scan_id, {"cl_mm": (19.0, 20.0, 21.0)}, "caliper slip", "sono", today=TODAY)
    store.void_scan(scan_id, "wrong patient", "lead")
    everything = store.audit_trail("P01")
    trail = [a for a in everything if not a.action.startswith("db-")]
    by_database = [(a.action, a.entity) for a in everything if a.action.startswith("db-")]
    assert by_database == ([] if store.location.is_sqlite else [("db-update", "scan")] * 2)
    assert [(a.action, a.entity, a.who) for a in trail] == [
        ("add", "patient", "tester"),
        ("add", "scan", "sono"),
        ("amend", "scan", "sono"),
        ("void", "scan", "lead"),
    ]
    assert trail[2].changes["cl_mm"] == [[21.0, 22.0, 23.0], [19.0, 20.0, 21.0]]
    assert trail[3].reason == "wrong patient"


@both_backends
def test_void_keeps_the_scan_but_hides_it_from_the_record(store: Store) -> None:
    """A voided scan is never deleted, but rules and listings no longer see it."""
    scan_id = store.add_scan(scan(), "sono", today=TODAY).id
    store.void_scan(scan_id, "duplicate", "sono")
    assert store.patient_files("P01")[0].scans == ()
    assert [voided for _, voided in store.scans("P01", include_voided=True)] == [True]
    assert store.voided_scans("P01")[0].reason == "duplicate"
    with pytest.raises(InputError, match="already voided"):
        store.void_scan(scan_id, "again", "sono")
    with pytest.raises(InputError, match="voided"):
        store.amend_scan(scan_id, {"sludge": True}, "x", "sono", today=TODAY)


@both_backends
def test_add_records_writes_a_batch_with_its_ids_and_audit_rows(store: Store) -> None:
    """Several scans in one call: ids in order, one audit row each holding that id."""
    added = store.add_records(RecordKind.SCANS, [scan(), scan(cl_mm=(30.0,))], "sono", today=TODAY)
    assert [(a.id, a.same_day) for a in added] == [(1, ()), (2, (1,))]
    trail = [a for a in store.audit_trail("P01") if a.entity == "scan"]
    assert [(a.action, a.entity_id, a.changes["scan_id"]) for a in trail] == [
        ("add", 1, 1),
        ("add", 2, 2),
    ]


@both_backends
def test_add_records_refuses_a_repeat_within_the_batch_and_writes_none(store: Store) -> None:
    """The second scan identical to the first: refused naming it, nothing written."""
    before = store.counts()
    with pytest.raises(InputError, match="identical to scan 1"):
        store.add_records(RecordKind.SCANS, [scan(), scan()], "sono", today=TODAY)
    assert store.counts() == before


@both_backends
def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    """A scan dated before the LMP is refused and no scan or audit row is written."""
    before = store.counts()
    with pytest.raises(InputError, match="before the LMP"):
        store.add_scan(scan(date=date(2026, 1, 1)), "sono", today=TODAY)
    assert store.counts() == before


@both_backends
def test_unknown_patient_and_scan_are_not_found(store: Store) -> None:
    """Naming a missing MRN or scan id raises NotFoundError (exit 1)."""
    with pytest.raises(NotFoundError):
        store.add_scan(scan(mrn="NOPE"), "sono", today=TODAY)
    with pytest.raises(NotFoundError):
        store.void_scan(999, "x", "sono")


@both_backends
def test_duplicate_mrn_is_refused(store: Store) -> None:
    """An MRN is unique."""
    with pytest.raises(InputError, match="already registered"):
        store.add_patient(build(Patient, {"mrn": " P01 ", "edd": "2027-01-01"}), "x")


@both_backends
def test_close_records_the_outcome_once(store: Store) -> None:
    """Closing a pregnancy records date and outcome; closing twice is refused."""
    store.close_patient(
        "P01",
        build(Closure, {"date": "2026-11-01", "outcome": "transferred"}),
        "x",
        None,
        today=TODAY,
    )
    _, closure = store.get_patient("P01")
    assert closure is not None
    assert closure.outcome.value == "transferred"
    with pytest.raises(InputError, match="already closed"):
        store.close_patient(
            "P01", build(Closure, {"date": "2026-11-02", "outcome": "loss"}), "x", None, today=TODAY
        )


@both_backends
def test_edit_patient_with_new_lmp_moves_the_edd(store: Store) -> None:
    """Editing the LMP alone re-derives the EDD, and the diff is audited with the reason."""
    new, moved = store.edit_patient(
        "P01", {"lmp": "2026-06-08"}, "dating scan", "doc", today=date(2026, 11, 23)
    )
    assert new.edd == date(2027, 3, 15)
    assert moved == []  # no scans stored
    last = store.audit_trail("P01")[-1]
    assert last.reason == "dating scan"
    assert "edd" in last.changes


def test_postgres_url_without_driver_is_a_database_error() -> None:
    """A postgresql:// URL resolves to the psycopg dialect and hides the password in messages."""
    location = db.resolve("postgresql://nurse:secret@localhost/cw")
    assert location.url.startswith("postgresql+psycopg://")
    assert "secret" not in location.describe()


@both_backends
def test_records_read_back_in_bulk_equal_the_validated_records_written(store: Store) -> None:
    """patient_files builds records without validating them again; each must be a complete,
    valid record equal to what was written (every field set, as model_validate would)."""
    written: list[Record] = [
        scan(cl_mm=(24.5,)),
        scan(
            date="2026-10-20",
            cl_mm=(19, 18.5),
            funneling=True,
            funnel_shape="U",
            sludge=True,
            notes="é",
        ),
        build(Exam, {"mrn": "P01", "date": "2026-10-20", "dilation_cm": 1.5, "bleeding": "yes"}),
        build(
            Treatment,
            {"mrn": "P01", "type": "cerclage", "kind": "ultrasound", "start": "2026-10-21"},
        ),
        build(
            Discussion,
            {
                "mrn": "P01",
                "action": "cerclage-discussion",
                "date": "2026-10-20",
                "outcome": "declined",
            },
        ),
    ]
    scan_ids = [
        store.add_scan(written[0], "t", today=TODAY).id,
        store.add_scan(written[1], "t", today=TODAY).id,
    ]
    exam_id = store.add_exam(written[2], "t", today=TODAY).id  # type: ignore[arg-type]
    store.add_treatment(written[3], "t", today=TODAY)  # type: ignore[arg-type]
    store.add_discussion(written[4], "t", today=TODAY)  # type: ignore[arg-type]
    [f] = store.patient_files()
    read: list[Record] = [f.patient, *f.scans, *f.exams, *f.treatments, *f.discussions]
    for record in read:
        assert record.model_fields_set == set(type(record).model_fields), type(record)
        assert type(record).model_validate(record.model_dump()) == record
    assert f.scans == (
        written[0].model_copy(update={"scan_id": scan_ids[0]}),  # type: ignore[union-attr]
        written[1].model_copy(update={"scan_id": scan_ids[1]}),  # type: ignore[union-attr]
    )
    assert f.exams == (written[2].model_copy(update={"exam_id": exam_id}),)
    assert f.discussions == (written[4],)
    assert f.treatments[0].model_copy(update={"treatment_id": None}) == written[3]


def test_progesterone_formulations_and_a_removal_discussion_read_back(store: Store) -> None:
    """A progesterone course keeps its formulation (contract v3) and a discussion of
    cerclage-removal-due its action, read back from the store as written."""
    kinds = ["vaginal", "im-17ohpc", "oral", ""]
    for day, kind in enumerate(kinds, start=10):
        course = {"mrn": "P01", "type": "progesterone", "kind": kind, "start": f"2026-10-{day}"}
        store.add_treatment(build(Treatment, course), "t", today=TODAY)
    removal = {"action": "cerclage-removal-due", "date": "2026-10-20", "outcome": "deferred"}
    store.add_discussion(build(Discussion, {"mrn": "P01", **removal}), "t", today=TODAY)
    [f] = store.patient_files()
    read_kinds = [t.kind.value if t.kind else "" for t in sorted(f.treatments, key=_start)]
    assert read_kinds == kinds
    assert [d.action.value for d in f.discussions] == ["cerclage-removal-due"]


def _start(treatment: Treatment) -> date:
    return treatment.start


class _StoppedClock(Clock):
    """A store clock that always says 2026-11-05 09:30:00 UTC."""

    def now(self) -> datetime:
        return datetime(2026, 11, 5, 9, 30)


@both_backends
def test_audit_and_void_times_come_from_the_stores_clock(db_url: str) -> None:
    """Every audit row the program writes and a void mark carry the time of the clock the
    store was given (the PostgreSQL trigger's own rows carry the server's time)."""
    store = Store.open(db_url, clock=_StoppedClock())
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "tester")
    scan_id = store.add_scan(scan(), "sono", today=TODAY).id
    store.void_scan(scan_id, "wrong patient", "sono")
    trail = [a for a in store.audit_trail("P01") if not a.action.startswith("db-")]
    assert {entry.at for entry in trail} == {datetime(2026, 11, 5, 9, 30)}
    [voided] = store.voided_scans("P01")
    assert voided.voided_at == datetime(2026, 11, 5, 9, 30)


def test_a_scan_after_the_callers_today_is_in_the_future(store: Store) -> None:
    """The store checks "not in the future" against the day it is given, not the machine's."""
    on = date(2026, 10, 20)
    store.add_scan(scan(date=on), "sono", today=on)  # the same day is allowed
    with pytest.raises(InputError, match="in the future"):
        store.add_scan(scan(date=on), "sono", today=date(2026, 10, 19))
