"""The audit-trail catalogue (issue 24, reproductions 1 and 2): what a database login can and
cannot do to the trail, each with its outcome, and `db check` naming the first row of a
trail changed by hand on both backends (exit 3, one line, the database unchanged by the
check). docs/deployment.md's own steps are run in tests/pg/test_deployment_doc.py."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.clirunner import CliRunner, Result
from tests.conftest import TODAY, Cli, init_database
from tests.pg.pgserver import PgServer

from cervix_watch.cli.app import app
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.store import chain, seal
from cervix_watch.store.store import Store

BROKEN = "error: audit chain: audit row {row} does not match its content and the row before it"


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, *args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def fill(db: str) -> None:
    """A patient, three scans (one amended) and so a trail of at least five rows."""
    store = Store.open(db)
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "tester")
    for cl_mm in (25, 27, 30):
        scan = build(Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": [cl_mm]})
        store.add_scan(scan, "sono", today=TODAY)
    store.amend_scan(1, {"cl_mm": (24.0,)}, "caliper slip", "sono", today=TODAY)
    store.close()


def audit_rows(db: str) -> list[dict[str, Any]]:
    store = Store.open(db)
    with store.read() as conn:
        found = conn.exec_driver_sql("SELECT * FROM audit ORDER BY audit_id").mappings()
        rows = [dict(row) for row in found]
    store.close()
    return rows


def _engine(db: str) -> sa.Engine:
    if "://" not in db:
        return sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)
    return sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://"))


def by_hand(db: str, *statements: str) -> None:
    """Statements as the file's owner (SQLite) or the server's superuser (PostgreSQL)."""
    engine = _engine(db)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


# -- tampering past the triggers: db check names the first row that breaks the chain ------
def restore_triggers(db: str) -> None:
    """What someone covering their tracks does after: the triggers put back as they were."""
    engine = _engine(db)
    with engine.begin() as conn:
        seal.install(conn)
    engine.dispose()


def sqlite_row_changed(db: str) -> None:
    by_hand(
        db, "DROP TRIGGER audit_no_update", "UPDATE audit SET who = 'nobody' WHERE audit_id = 3"
    )
    restore_triggers(db)


def sqlite_row_removed(db: str) -> None:
    by_hand(db, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE audit_id = 3")
    restore_triggers(db)


def sqlite_row_changed_and_rehashed(db: str) -> None:
    """Row 3 changed and given the hash its new content would have: row 4 then breaks."""
    rows = audit_rows(db)
    forged = {**rows[2], "changes": "{}"}
    new_hash = chain.row_hash(rows[1]["row_hash"], forged)
    by_hand(
        db,
        "DROP TRIGGER audit_no_update",
        f"UPDATE audit SET changes = '{{}}', row_hash = '{new_hash}' WHERE audit_id = 3",
    )
    restore_triggers(db)


def sqlite_trigger_dropped(db: str) -> None:
    by_hand(db, "DROP TRIGGER audit_no_update")


def postgresql_superuser_replica_mode(db: str) -> None:
    """As a superuser, with triggers off for the session (session_replication_role)."""
    by_hand(
        db,
        "SET session_replication_role = replica",
        "UPDATE audit SET who = 'nobody', changes = '{}' WHERE audit_id = 3",
    )


def postgresql_trigger_dropped(db: str) -> None:
    by_hand(
        db,
        "DROP TRIGGER cervix_audit_append_only ON audit",
        "DELETE FROM audit WHERE audit_id = 3",
    )
    restore_triggers(db)


def postgresql_change_trigger_disabled(db: str) -> None:
    """The owner switches the scans trigger off and changes a CL: no audit row, no break,
    but the missing guard is named."""
    by_hand(
        db,
        "ALTER TABLE scans DISABLE TRIGGER cervix_record_change",
        "UPDATE scans SET cl1_mm = 35 WHERE scan_id = 2",
    )


GUARD = "error: audit guard: trigger {name} on {table} is missing or disabled"
TAMPERING: list[Any] = [
    pytest.param("sqlite", sqlite_row_changed, BROKEN.format(row=3), id="sqlite: row changed"),
    pytest.param("sqlite", sqlite_row_removed, BROKEN.format(row=4), id="sqlite: row removed"),
    pytest.param(
        "sqlite",
        sqlite_row_changed_and_rehashed,
        BROKEN.format(row=4),
        id="sqlite: row changed and rehashed",
    ),
    pytest.param(
        "sqlite",
        sqlite_trigger_dropped,
        GUARD.format(name="audit_no_update", table="audit"),
        id="sqlite: trigger dropped",
    ),
    pytest.param(
        "postgresql",
        postgresql_superuser_replica_mode,
        BROKEN.format(row=3),
        id="postgresql: superuser changes a row",
    ),
    pytest.param(
        "postgresql",
        postgresql_trigger_dropped,
        BROKEN.format(row=4),
        id="postgresql: trigger dropped, row removed, trigger back",
    ),
    pytest.param(
        "postgresql",
        postgresql_change_trigger_disabled,
        GUARD.format(name="cervix_record_change", table="scans"),
        id="postgresql: change trigger disabled",
    ),
]


@pytest.mark.parametrize(("db_url", "tamper", "message"), TAMPERING, indirect=["db_url"])
def test_db_check_names_what_was_tampered_with(
    db_url: str, tamper: Callable[[str], None], message: str
) -> None:
    """A trail or its guard changed by hand: db check exits 3 with one line naming the first
    broken row (or the missing trigger), and changes nothing itself; it passed before."""
    fill(db_url)
    assert run(db_url, "db", "check").exit_code == 0
    tamper(db_url)
    before = audit_rows(db_url)
    result = run(db_url, "db", "check")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert audit_rows(db_url) == before


def test_sqlite_triggers_refuse_to_change_the_trail(db_path: Path) -> None:
    """Reproduction 1 on SQLite: UPDATE and DELETE of audit rows through sqlite3 are refused
    and the trail is unchanged."""
    db = init_database(str(db_path))
    fill(db)
    before = audit_rows(db)
    conn = sqlite3.connect(db_path)
    try:
        for statement in (
            "UPDATE audit SET who = 'nobody', changes = '{}' WHERE audit_id = 3",
            "DELETE FROM audit WHERE audit_id = 3",
            "DELETE FROM audit",
        ):
            with pytest.raises(sqlite3.IntegrityError, match=r"^audit rows cannot be changed"):
                conn.execute(statement)
    finally:
        conn.close()
    assert audit_rows(db) == before


# -- reproduction 1 on PostgreSQL: a member of cervix_writer ---------------------------------
def _login(server: PgServer, role: str | None) -> tuple[str, str]:
    user, password = f"u_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    member = f" IN ROLE {role}" if role else ""
    server.admin().execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'{member}")
    return user, password


@pytest.fixture
def writer(cli: Cli, db_url: str, pg_server: PgServer) -> tuple[str, Any]:
    """`db roles --apply` on a filled database; a cervix_writer login's URL and connection."""
    import psycopg

    fill(db_url)
    assert cli("db", "roles", "--apply").exit_code == 0
    user, password = _login(pg_server, "cervix_writer")
    database = db_url.rsplit("/", 1)[1]
    conn = psycopg.connect(
        host="127.0.0.1", port=pg_server.port, dbname=database, user=user, password=password
    )
    return pg_server.url(database, user, password), conn


WRITER_REFUSED = [
    ("UPDATE audit SET who = 'nobody', changes = '{}' WHERE audit_id = 3", "permission denied"),
    ("DELETE FROM audit WHERE audit_id = 3", "permission denied"),
    ("TRUNCATE audit", "permission denied"),
    ("DELETE FROM scans", "permission denied"),
    ("CREATE TEMP TABLE audit (x int)", "permission denied to create temporary tables"),
]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("statement", "message"), WRITER_REFUSED)
def test_a_writer_cannot_rewrite_the_trail(
    writer: tuple[str, Any], db_url: str, statement: str, message: str
) -> None:
    """Reproduction 1: each statement is refused, the trail unchanged, and it still checks."""
    import psycopg

    _url, conn = writer
    before = audit_rows(db_url)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
        conn.execute(statement)
    conn.close()
    assert audit_rows(db_url) == before
    assert run(db_url, "db", "check").exit_code == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_even_a_superuser_cannot_update_audit_rows_while_the_triggers_stand(db_url: str) -> None:
    """The owner or a superuser gets the trigger's refusal; the trail is unchanged."""
    fill(db_url)
    before = audit_rows(db_url)
    with pytest.raises(sa.exc.DBAPIError, match="audit rows cannot be changed or removed"):
        by_hand(db_url, "UPDATE audit SET who = 'nobody' WHERE audit_id = 3")
    with pytest.raises(sa.exc.DBAPIError, match="audit rows cannot be changed or removed"):
        by_hand(db_url, "TRUNCATE audit")
    assert audit_rows(db_url) == before


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_writers_update_of_a_scan_is_recorded_naming_the_login(
    writer: tuple[str, Any], db_url: str
) -> None:
    """Reproduction 1: `UPDATE scans SET cl1_mm=35` by a writer succeeds but leaves a chained
    audit row naming the database login and the change; db check passes, and the program
    shows it in the patient's trail."""
    url, conn = writer
    user = url.split("://", 1)[1].split(":", 1)[0]
    before = audit_rows(db_url)
    conn.execute("UPDATE scans SET cl1_mm = 35 WHERE scan_id = 2")
    conn.commit()
    conn.close()
    after = audit_rows(db_url)
    assert after[: len(before)] == before
    (added,) = after[len(before) :]
    assert (added["who"], added["action"], added["entity"], added["entity_id"]) == (
        user,
        "db-update",
        "scan",
        2,
    )
    assert json.loads(added["changes"]) == {"cl1_mm": [27.0, 35]}
    checked = run(url, "db", "check")
    assert checked.exit_code == 0, checked.output
    assert f"audit chain head: audit row {added['audit_id']}" in checked.stdout
    shown = run(url, "patient", "show", "P01", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert any(entry["who"] == user for entry in json.loads(shown.stdout)["audit"])
    table = run(url, "patient", "show", "P01").stdout
    assert f"{user}" in table
    assert "db-update scan 2" in table
    assert "cl1_mm: 27 -> 35" in table


# -- reproduction 2: PUBLIC keeps no CONNECT ----------------------------------------------------
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_login_in_neither_role_cannot_connect(cli: Cli, db_url: str, pg_server: PgServer) -> None:
    """After `db roles --apply`, a login of the server in neither role is refused: exit 3,
    one line, no password; before it, PUBLIC's CONNECT let it in."""
    import psycopg

    user, password = _login(pg_server, None)
    database = db_url.rsplit("/", 1)[1]
    url = pg_server.url(database, user, password)
    psycopg.connect(url).close()  # PUBLIC's CONNECT, before db roles
    assert cli("db", "roles", "--apply").exit_code == 0
    result = run(url, "patient", "list")
    assert result.exit_code == 3, result.output
    assert "permission denied for database" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert password not in result.output
