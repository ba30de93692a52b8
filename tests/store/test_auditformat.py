"""A database made by the release before one audit format (commit 437b9db, schema 6)
upgrades: its import-shaped audit rows are rewritten into the one format losing nothing,
the hash chain is rebuilt and `db check` passes, on SQLite and PostgreSQL.

tests/fixtures/v6-clinic.sqlite3 and v6-clinic-postgresql.sql were written by that
release (see tests/fixtures/make_v6_clinic.sh).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.clirunner import CliRunner
from tests.conftest import REPO

from cervix_watch.cli.app import app
from cervix_watch.domain.kinds import EVENT_KINDS
from cervix_watch.store import auditformat, chain, seal
from cervix_watch.store.store import Store

FIXTURES = REPO / "tests" / "fixtures"
V6_SQLITE = FIXTURES / "v6-clinic.sqlite3"
V6_POSTGRESQL = FIXTURES / "v6-clinic-postgresql.sql"
# The fixture's rows of added and imported events not yet in the one format: 65 scans,
# 6 exams, 15 treatments, 19 discussions imported, and the typed treatment (id null).
REWRITTEN = 106
KINDS = {kind.entity: kind for kind in EVENT_KINDS}
CL = ("cl1_mm", "cl2_mm", "cl3_mm")
Row = dict[str, Any]


def _sqlite(tmp_path: Path) -> str:
    target = tmp_path / "v6-clinic.sqlite3"
    shutil.copy(V6_SQLITE, target)
    target.chmod(0o600)
    return str(target)


def _postgresql(pg_database: Any) -> str:
    import psycopg

    url: str = pg_database()
    # the dump sets an empty search_path for its own session: run it on a connection of its own
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(V6_POSTGRESQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def v6_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The v6 clinic, not yet opened by this program, on each backend."""
    if request.param == "sqlite":
        return _sqlite(tmp_path)
    return _postgresql(request.getfixturevalue("pg_database"))


def _engine(url: str) -> sa.Engine:
    if "://" in url:
        return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    return sa.create_engine(f"sqlite:///{url}")


def _audit(url: str) -> list[Row]:
    """Every audit row as stored, untouched by the program (no upgrade on the way)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT * FROM audit ORDER BY audit_id").mappings()
            return [dict(row) for row in found]
    finally:
        engine.dispose()


def _upgraded(url: str) -> list[Row]:
    Store.open(url).close()
    return _audit(url)


def _records(rows: list[Row]) -> Iterator[Row]:
    """The rows of added and imported events."""
    for row in rows:
        if row["action"] in {"add", "import"} and row["entity"] in KINDS:
            yield row


def _db_check(url: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, "db", "check"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_fixture_has_the_old_import_rows(v6_database: str) -> None:
    """What the old release wrote: imported scans as columns, no mrn, symptoms as text."""
    rows = list(_records(_audit(v6_database)))
    scans = [json.loads(r["changes"]) for r in rows if r["entity"] == "scan"]
    assert sum("cl1_mm" in s for s in scans) == 65
    assert not any("mrn" in s for s in scans if "cl1_mm" in s)
    assert {type(s["symptoms"]) for s in scans} == {str, list}


def test_every_added_or_imported_record_has_the_one_format(v6_database: str) -> None:
    """After the upgrade each event row holds its model's fields (cl_mm and symptoms as
    lists, its patient's MRN, its id), and a typed scan's row is left byte for byte."""
    before = {r["audit_id"]: r for r in _audit(v6_database)}
    after = _upgraded(v6_database)
    for row in _records(after):
        changes = json.loads(row["changes"])
        kind = KINDS[row["entity"]]
        assert set(changes) == set(kind.model.model_fields), row["audit_id"]
        id_name = f"{row['entity']}_id"
        if id_name in changes:
            assert changes[id_name] == row["entity_id"]
        if kind.entity in {"scan", "exam"}:
            assert isinstance(changes["symptoms"], list)
    typed = [r for r in _records(after) if r["action"] == "add" and r["entity"] == "scan"]
    assert typed
    assert all(r["changes"] == before[r["audit_id"]]["changes"] for r in typed)


def test_nothing_is_lost(v6_database: str) -> None:
    """Every rewritten row keeps each value it had (the measurements in order, the symptoms
    in order), gains only its MRN and id, and every other column and row is unchanged."""
    before = _audit(v6_database)
    after = _upgraded(v6_database)
    assert len(after) == len(before) + 1  # the migrate row
    rewritten = 0
    for old_row, new_row in zip(before, after, strict=False):
        kept = ("audit_id", "at", "who", "action", "entity", "entity_id", "patient_id", "reason")
        assert {k: old_row[k] for k in kept} == {k: new_row[k] for k in kept}
        if old_row["changes"] == new_row["changes"]:
            continue
        rewritten += 1
        old, new = json.loads(old_row["changes"]), json.loads(new_row["changes"])
        if "cl1_mm" in old:
            assert new.pop("cl_mm") == [old.pop(n) for n in CL if old[n] is not None]
            for name in CL:
                old.pop(name, None)
        if isinstance(old.get("symptoms"), str):
            assert ";".join(new.pop("symptoms")) == old.pop("symptoms")
        mrn = new.pop("mrn")
        assert isinstance(mrn, str)
        assert old.pop("mrn", mrn) == mrn
        new.pop(f"{new_row['entity']}_id", None)
        old.pop(f"{old_row['entity']}_id", None)
        assert new == old
    assert rewritten == REWRITTEN


def test_the_chain_is_rebuilt_and_the_old_head_recorded(v6_database: str) -> None:
    """`db check` passes, the triggers are back, and the last row records how many rows were
    rewritten and the chain's head before the upgrade (a head noted with a backup)."""
    before = _audit(v6_database)
    after = _upgraded(v6_database)
    last = after[-1]
    assert (last["action"], last["entity"], last["patient_id"]) == ("migrate", "audit", None)
    assert json.loads(last["changes"]) == {
        "audit_rows_rewritten": REWRITTEN,
        "previous_head": {"audit_id": before[-1]["audit_id"], "row_hash": before[-1]["row_hash"]},
    }
    checked = _db_check(v6_database)
    assert f"audit chain head: audit row {last['audit_id']}, sha256 " in checked
    engine = _engine(v6_database)
    with engine.connect() as conn:
        assert seal.missing(conn) == []
        assert chain.verify(conn).first_break is None
    engine.dispose()


def test_applied_again_it_changes_nothing(v6_database: str) -> None:
    """The rewrite run a second time finds nothing to do and writes no row."""
    after = _upgraded(v6_database)
    store = Store.open(v6_database)
    with store.write() as conn:
        assert auditformat.upgrade(conn) == 0
    store.close()
    assert _audit(v6_database) == after


def test_a_new_database_gets_no_migrate_row(db_url: str) -> None:
    """`db init` applies the migration to an empty trail: nothing is written."""
    assert _audit(db_url) == []


def test_the_trail_reads_the_same_in_patient_show(v6_database: str) -> None:
    """`patient show` of an imported patient lists the same trail (the rows' words do not
    depend on their JSON), and its JSON gives the imported scan in the one format."""
    result = CliRunner().invoke(
        app, ["--db", v6_database, "patient", "show", "D002", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    audit = json.loads(result.stdout)["audit"]
    scan = next(a for a in audit if a["action"] == "import" and a["entity"] == "scan")
    assert scan["changes"]["mrn"] == "D002"
    assert isinstance(scan["changes"]["cl_mm"], list)


def test_a_broken_chain_is_left_as_found(tmp_path: Path) -> None:
    """A trail changed behind the program before the upgrade is not rebuilt (that would hide
    the change): its rows stay as they were and `db check` still names the break."""
    path = _sqlite(tmp_path)
    raw = sa.create_engine(f"sqlite:///{path}")
    with raw.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_no_update")
        conn.exec_driver_sql("UPDATE audit SET who = 'forger' WHERE audit_id = 3")
    raw.dispose()
    before = _audit(path)
    after = _upgraded(path)
    assert after == before
    result = CliRunner().invoke(app, ["--db", path, "db", "check"])
    assert result.exit_code == 3
    assert "audit row 3 does not match" in result.output


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_mrn_changed_behind_the_program_is_the_one_of_the_time(
    pg_database: Any, db_url: str
) -> None:
    """An MRN changed from psql after the import (its `db-update` row names old -> new):
    the rows written before the change get the MRN they were written under."""
    url = _postgresql(pg_database)
    engine = _engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE patients SET mrn = 'D002-NEW' WHERE mrn = 'D002'")
    engine.dispose()
    after = _upgraded(url)
    (patient_id,) = {
        r["patient_id"]
        for r in after
        if r["action"] == "db-update" and "mrn" in json.loads(r["changes"])
    }
    mrns = {
        json.loads(r["changes"])["mrn"] for r in _records(after) if r["patient_id"] == patient_id
    }
    assert mrns == {"D002"}
    _db_check(url)
