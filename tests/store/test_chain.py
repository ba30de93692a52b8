"""store.chain and store.seal: the audit trail's hash chain, built by every write path and by
the migration, the same in Python and in PostgreSQL's trigger, and append-only audit rows."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import REPO, TODAY, Cli, both_backends

from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.store import chain, migrations
from cervix_watch.store import tables as t
from cervix_watch.store.importer import import_records
from cervix_watch.store.store import Store

FIXTURES = REPO / "tests" / "fixtures"
V4_SQLITE = FIXTURES / "v4-clinic.sqlite3"
# 147 written by that release, and the row of the one-format upgrade (store.auditformat)
V4_AUDIT_ROWS = 148


def _row(**changed: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "at": datetime(2026, 11, 5, 9, 30),
        "who": "sono",
        "action": "add",
        "entity": "scan",
        "entity_id": 7,
        "patient_id": 1,
        "reason": None,
        "changes": '{"cl_mm": [25.0]}',
    }
    return {**row, **changed}


def test_every_hashed_field_and_the_previous_hash_change_the_hash() -> None:
    """Changing any one field, or chaining onto another row, gives another hash."""
    base = chain.row_hash(chain.GENESIS, _row())
    assert len(base) == 64
    assert chain.row_hash(chain.GENESIS, _row()) == base
    assert chain.row_hash("1" * 64, _row()) != base
    variants = {
        "at": datetime(2026, 11, 5, 9, 30, 1),
        "who": "nobody",
        "action": "amend",
        "entity": "exam",
        "entity_id": 8,
        "patient_id": None,
        "reason": "",
        "changes": "{}",
    }
    assert set(variants) == set(chain.HASHED_FIELDS)
    for name, value in variants.items():
        assert chain.row_hash(chain.GENESIS, _row(**{name: value})) != base, name


def test_field_boundaries_cannot_be_shifted() -> None:
    """Text moved from one field to the next, or NULL against empty, hashes differently."""
    assert chain.row_hash(chain.GENESIS, _row(who="ab", action="c")) != chain.row_hash(
        chain.GENESIS, _row(who="a", action="bc")
    )
    assert chain.row_hash(chain.GENESIS, _row(reason=None)) != chain.row_hash(
        chain.GENESIS, _row(reason="-")
    )


def test_sealing_a_batch_equals_hashing_row_by_row() -> None:
    """seal_rows (fields shared by an import encoded once) gives row_hash's chain, including
    rows whose shared fields are equal but other objects, and None."""
    at = datetime(2026, 11, 5, 9, 30)
    rows = [
        _row(at=at, entity_id=n, reason=None if n % 3 else "import", changes=f"{{{n}}}")
        for n in range(50)
    ]
    rows.append(_row(at=datetime(2026, 11, 5, 9, 30), who="s" + "ono"))
    previous = chain.GENESIS
    expected = []
    for row in rows:
        previous = chain.row_hash(previous, row)
        expected.append(previous)
    assert chain.seal_rows(chain.GENESIS, rows) == previous
    assert [row["row_hash"] for row in rows] == expected


def _fill(store: Store) -> None:
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "tester")
    scan = build(Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": [25]})
    scan_id = store.add_scan(scan, "sono", today=TODAY).id
    store.amend_scan(scan_id, {"cl_mm": (19.0, 20.0)}, "caliper slip", "sono", today=TODAY)
    store.void_scan(scan_id, "wrong patient", "lead")
    imported = [
        (line, build(Scan, {"mrn": "P01", "date": "2026-10-20", "cl_mm": [20 + line]}))
        for line in range(2, 40)
    ]
    import_records(store, "scans", [([], imported)], source="s.csv", who="t", today=TODAY)
    store.set_setting("default_profile", "nice-ng25", "lead")


@both_backends
def test_every_write_path_chains_its_audit_rows(db_url: str) -> None:
    """Single writes, an import (the bulk path) and settings: the chain verifies to the end."""
    store = Store.open(db_url)
    _fill(store)
    with store.read() as conn:
        report = chain.verify(conn)
        newest = conn.execute(sa.select(sa.func.max(t.audit.c.audit_id))).scalar_one()
        count = conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar_one()
    assert report.first_break is None
    assert report.rows == count >= 42
    assert report.head_id == newest


@both_backends
def test_the_plain_insert_path_chains_an_import_too(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import through the plain insert path (no SQLite rowid run) keeps the chain."""
    from functools import partial

    from cervix_watch.store import speed

    store = Store.open(db_url)
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "tester")
    rows = [
        (line, build(Scan, {"mrn": "P01", "date": "2026-10-20", "cl_mm": [20 + line]}))
        for line in range(2, 30)
    ]
    monkeypatch.setattr(speed, "insert_rows", partial(speed.insert_rows, plain=True))
    import_records(store, "scans", [([], rows)], source="s.csv", who="t", today=TODAY)
    with store.read() as conn:
        report = chain.verify(conn)
    assert (report.rows, report.first_break) == (len(rows) + 1, None)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_python_and_postgresql_hash_alike(db_url: str) -> None:
    """The trigger's SQL hash equals the Python one for awkward values (UTF-8, quotes, line
    breaks, NULLs, microseconds), so `db check` verifies rows the database wrote."""
    rows = [
        _row(),
        _row(who="Zoë O'Brien", reason='line\nbreak; "quoted" \\ back', patient_id=None),
        _row(at=datetime(2026, 1, 2, 3, 4, 5, 60), entity_id=None, changes='{"a": "\u00e9\u2028"}'),
        _row(reason="", changes="", who="\U0001f600"),
    ]
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    query = sa.text(
        "SELECT cervix_audit_hash(:previous, :at, :who, :action, :entity, :entity_id, "
        ":patient_id, :reason, :changes)"
    )
    with engine.connect() as conn:
        for row in rows:
            in_sql = conn.execute(query, {"previous": "ab" * 32, **row}).scalar_one()
            assert in_sql == chain.row_hash("ab" * 32, row)
    engine.dispose()


def test_sqlite_refuses_to_change_or_remove_audit_rows(db_path: Path, cli: Cli) -> None:
    """A raw UPDATE or DELETE of an audit row (sqlite3, outside the program) is refused."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    conn = sqlite3.connect(db_path)
    try:
        for statement in ("UPDATE audit SET who = 'nobody'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="audit rows cannot be changed"):
                conn.execute(statement)
        assert conn.execute("SELECT who FROM audit WHERE who = 'nobody'").fetchall() == []
        assert conn.execute("SELECT count(*) FROM audit").fetchone() == (1,)
    finally:
        conn.close()


def test_a_v4_database_from_the_previous_release_gets_its_chain(tmp_path: Path) -> None:
    """The schema-4 clinic (tests/fixtures/make_v4_clinic.sh) upgrades: every audit row is
    hashed, the chain verifies, the triggers are in place, and `db check` passes."""
    target = tmp_path / "v4-clinic.sqlite3"
    shutil.copy(V4_SQLITE, target)
    target.chmod(0o600)
    store = Store.open(str(target))
    assert store.found_version == 4
    with store.read() as conn:
        report = chain.verify(conn)
        assert migrations.schema_version(conn) == len(migrations.MIGRATIONS)
        triggers = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).scalars()
        assert list(triggers) == ["audit_no_delete", "audit_no_update"]
    assert (report.rows, report.first_break) == (V4_AUDIT_ROWS, None)
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    checked = CliRunner().invoke(app, ["--db", str(target), "db", "check"])
    assert checked.exit_code == 0, checked.output
    assert f"audit chain head: audit row {V4_AUDIT_ROWS}, sha256 " in checked.stdout


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_v1_postgresql_database_gets_its_chain_and_triggers(
    pg_database: Any, db_url: str
) -> None:
    """The v1 clinic's PostgreSQL dump upgrades to schema 5: chain verifies, and an UPDATE of
    a scan from outside then leaves a chained audit row naming the login."""
    from tests.store.test_migration_v2 import V1_COUNTS, _v1_postgresql

    url = _v1_postgresql(pg_database)
    store = Store.open(url)
    with store.read() as conn:
        assert chain.verify(conn).rows == V1_COUNTS["audit"]
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE scans SET cl1_mm = 35 WHERE scan_id = 3")
    with engine.connect() as conn:
        row = (
            conn.execute(sa.select(t.audit).order_by(t.audit.c.audit_id.desc()).limit(1))
            .mappings()
            .one()
        )
        report = chain.verify(conn)
    engine.dispose()
    assert (row["action"], row["entity"], row["entity_id"], row["who"]) == (
        "db-update",
        "scan",
        3,
        "postgres",
    )
    assert json.loads(row["changes"])["cl1_mm"][1] == 35
    assert (report.rows, report.first_break) == (V1_COUNTS["audit"] + 1, None)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_change_behind_the_program_and_a_program_write_do_not_fork_the_chain(
    db_url: str,
) -> None:
    """An outside session's UPDATE holds the writers' lock through its trigger row until it
    commits; the program's write waits for it and chains onto that row."""
    import threading

    import psycopg

    store = Store.open(db_url)
    _fill(store)
    outside = psycopg.connect(db_url)
    outside.execute("UPDATE scans SET cl1_mm = 33 WHERE scan_id = 2")  # trigger row, uncommitted
    added: list[int] = []
    scan = build(Scan, {"mrn": "P01", "date": "2026-10-27", "cl_mm": [31]})
    writer = threading.Thread(
        target=lambda: added.append(store.add_scan(scan, "sono", today=TODAY).id)
    )
    writer.start()
    writer.join(1.0)
    assert writer.is_alive()  # waiting for the lock the trigger took
    outside.commit()
    outside.close()
    writer.join(60)
    assert len(added) == 1
    with store.read() as conn:
        report = chain.verify(conn)
        newest = conn.execute(
            sa.select(t.audit.c.action, t.audit.c.entity_id)
            .order_by(t.audit.c.audit_id.desc())
            .limit(2)
        ).all()
    assert report.first_break is None
    assert [tuple(row) for row in newest] == [("add", added[0]), ("db-update", 2)]
