"""A schema-version-1 database (made by the v1 release, tests/fixtures) upgrades in place.

The fixtures were written by cervix-watch at commit b587b32 (schema version 1), see
tests/fixtures/make_v1_clinic.sh: the demo clinic plus an edit, an amend, a void, an
ended treatment, a closure and a default profile, as a SQLite file and as a PostgreSQL
dump. Its CSV exports (v1 columns) were written by the same release.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import REPO, TODAY

from cervix_watch.domain.kinds import RECORD_KINDS
from cervix_watch.domain.models import Exam, Patient, Scan
from cervix_watch.interop.csvio import read_file, write_csv
from cervix_watch.store import migrations
from cervix_watch.store import tables as t
from cervix_watch.store.importer import export_records
from cervix_watch.store.store import Store

FIXTURES = REPO / "tests" / "fixtures"
V1_SQLITE = FIXTURES / "v1-clinic.sqlite3"
V1_POSTGRESQL = FIXTURES / "v1-clinic-postgresql.sql"
KINDS = RECORD_KINDS  # the one list of kinds, in import order
# Row counts of the v1 clinic: the upgrade adds columns, and one audit row (its rewrite).
V1_COUNTS = {
    "patients": 41,
    "scans": 61,
    "exams": 5,
    "treatments": 15,
    "discussions": 19,
    "audit": 148,  # and the row of the one-format upgrade (store.auditformat)
}


def _v1_sqlite(tmp_path: Path) -> str:
    target = tmp_path / "v1-clinic.sqlite3"
    shutil.copy(V1_SQLITE, target)
    target.chmod(0o600)
    return str(target)


def _v1_postgresql(pg_database: Any) -> str:
    import psycopg

    url: str = pg_database()
    # the dump sets an empty search_path for its own session: run it on a connection of its own
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(V1_POSTGRESQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def v1_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The v1 clinic, not yet opened by this program, on each backend."""
    if request.param == "sqlite":
        return _v1_sqlite(tmp_path)
    return _v1_postgresql(request.getfixturevalue("pg_database"))


def _stored_version(store: Store) -> int:
    with store.read() as conn:
        return migrations.schema_version(conn)


def _csv(kind: str, records: Iterable[Any]) -> str:
    out = io.StringIO()
    write_csv(kind, records, out)
    return out.getvalue()


def _counts(store: Store) -> dict[str, int]:
    counts = store.counts()
    return {name: counts[name] for name in V1_COUNTS}


def test_v1_fixture_is_version_1(v1_database: str) -> None:
    """The fixture really is a v1 database: version 1 recorded, no v2 column present."""
    engine = sa.create_engine(
        v1_database.replace("postgresql://", "postgresql+psycopg://")
        if "://" in v1_database
        else f"sqlite:///{v1_database}"
    )
    try:
        with engine.connect() as conn:
            assert migrations.schema_version(conn) == 1
            columns = {c["name"] for c in sa.inspect(conn).get_columns("scans")}
    finally:
        engine.dispose()
    assert "source" not in columns
    assert "symptoms" not in columns


def test_v1_database_upgrades_in_place_with_every_record_intact(v1_database: str) -> None:
    """Opening the v1 clinic upgrades it to the current version; every record, the voided
    scan, the closure, the default profile and the audit trail are as the v1 release left
    them, and the new fields hold their defaults."""
    store = Store.open(v1_database)
    try:
        assert _stored_version(store) == len(migrations.MIGRATIONS)
        assert _counts(store) == V1_COUNTS
        for kind in KINDS:
            v1_records, problems = read_file(kind, FIXTURES / f"v1-clinic-{kind}.csv")
            assert problems == []
            stored = list(export_records(store, kind))
            if kind == "exams":  # exam ids are new in contract v3: the v1 export had none
                stored = [e.model_copy(update={"exam_id": None}) for e in stored]
                stored.sort(key=lambda e: (e.mrn, e.date))
                v1_records.sort(key=lambda e: (e.mrn, e.date))  # type: ignore[attr-defined]
            assert _csv(kind, stored) == _csv(kind, v1_records), kind
        _patient, closure = store.get_patient("D004")
        assert closure is not None
        assert closure.outcome.value == "delivered"
        assert [v.reason for v in store.voided_scans("D002")] == ["fixture void"]
        assert store.get_setting("default_profile") == "nice-ng25"
        trail = store.audit_trail("D001")
        assert [entry.action for entry in trail][-2:] == ["edit", "amend"]
    finally:
        store.engine.dispose()


def test_upgraded_records_take_the_v2_defaults(v1_database: str) -> None:
    """Every upgraded record reads back with dating empty, no other risk factor, no
    symptoms, membranes not ruptured and an empty scan source."""
    store = Store.open(v1_database)
    try:
        files = store.patient_files()
    finally:
        store.engine.dispose()
    blank = Patient(mrn="X", edd="2027-01-01")  # type: ignore[arg-type]
    for f in files:
        for name in (
            "dating",
            "des_exposure",
            "connective_tissue_disorder",
            "cervical_dilation_procedures",
            "cervical_tear",
            "smoker",
        ):
            assert getattr(f.patient, name) == getattr(blank, name), (f.patient.mrn, name)
        assert all(scan.symptoms == () and scan.source == "" for scan in f.scans)
        assert all(exam.symptoms == () and not exam.membranes_ruptured for exam in f.exams)
    assert sum(len(f.scans) for f in files) == V1_COUNTS["scans"] - 1  # one is voided


def test_upgraded_database_takes_v2_records(v1_database: str) -> None:
    """After the upgrade the new columns are written and read back: a scan with symptoms
    and a source, an exam with ruptured membranes, a smoker dated by LMP."""
    store = Store.open(v1_database)
    try:
        store.edit_patient(
            "D001",
            {"smoker": True, "dating": "lmp", "cervical_dilation_procedures": 2},
            "v2",
            "t",
            today=TODAY,
        )
        scan = Scan(
            mrn="D001",
            date="2026-11-24",  # type: ignore[arg-type]
            cl_mm=(30.0,),
            symptoms="cramps;fever",  # type: ignore[arg-type]
            source="dicom-sr:1.2.826.0.1.3680043.8.498.1",
        )
        scan_id = store.add_scan(scan, "t", today=TODAY).id
        store.add_exam(
            Exam(mrn="D001", date="2026-11-24", membranes_ruptured=True, symptoms=["fluid"]),  # type: ignore[arg-type]
            "t",
            today=TODAY,
        )
        stored, _ = store.get_scan(scan_id)
        (patient_file,) = store.patient_files("D001")
    finally:
        store.engine.dispose()
    assert [s.value for s in stored.symptoms] == ["fever", "cramps"]
    assert stored.source == "dicom-sr:1.2.826.0.1.3680043.8.498.1"
    assert patient_file.patient.smoker
    assert patient_file.patient.dating is not None
    assert patient_file.patient.cervical_dilation_procedures == 2
    assert patient_file.exams[-1].membranes_ruptured
    assert [s.value for s in patient_file.exams[-1].symptoms] == ["fluid"]


def test_sqlite_upgrade_keeps_a_v1_backup(tmp_path: Path) -> None:
    """The SQLite upgrade first copies the v1 file to <name>.v1.bak, which still holds v1."""
    path = _v1_sqlite(tmp_path)
    Store.open(path).engine.dispose()
    backup = Path(path + ".v1.bak")
    engine = sa.create_engine(f"sqlite:///{backup}")
    try:
        with engine.connect() as conn:
            assert migrations.schema_version(conn) == 1
            assert conn.execute(sa.select(sa.func.count()).select_from(t.patients)).scalar() == 41
    finally:
        engine.dispose()


def test_new_and_upgraded_databases_have_the_same_columns(tmp_path: Path) -> None:
    """A database created now and an upgraded v1 one have the same tables and columns."""
    upgraded = _v1_sqlite(tmp_path)
    Store.open(upgraded).engine.dispose()
    fresh = str(tmp_path / "fresh.sqlite3")
    Store.open(fresh, create=True).engine.dispose()

    def columns(path: str) -> dict[str, set[str]]:
        engine = sa.create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                inspector = sa.inspect(conn)
                return {
                    name: {c["name"] for c in inspector.get_columns(name)}
                    for name in inspector.get_table_names()
                }
        finally:
            engine.dispose()

    assert columns(upgraded) == columns(fresh)
    assert "source" in columns(fresh)["scans"]
