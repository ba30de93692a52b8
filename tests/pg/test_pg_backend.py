"""PostgreSQL against a real server: copy round trips, connection errors, roles, races, ids."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import REPO, TODAY, Cli, init_database
from tests.pg.pgserver import PgServer
from tests.store.test_admin import digests, fill

from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.store.importer import import_records
from cervix_watch.store.store import Store

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def test_copy_sqlite_to_postgresql_and_back(
    cli: Cli, db_url: str, db_path: Path, tmp_path: Path
) -> None:
    """SQLite -> PostgreSQL -> SQLite keeps every row: equal counts and checksums throughout."""
    sqlite_cli = _cli_for(cli, init_database(str(db_path)))
    fill(sqlite_cli)
    assert cli("db", "info").exit_code == 0  # a target that holds just its schema is empty
    target = db_url
    there = sqlite_cli("db", "copy", "--to", target)
    assert there.exit_code == 0, there.output
    back_path = tmp_path / "back.sqlite3"
    back = cli("db", "copy", "--to", str(back_path))
    assert back.exit_code == 0, back.output
    original = digests(str(db_path))
    assert digests(target) == original
    assert digests(str(back_path)) == original
    assert original["scans"][0] > 0
    assert original["audit"][0] > original["patients"][0]


def test_sequences_continue_after_a_copy(cli: Cli, db_url: str, db_path: Path) -> None:
    """After copying ids in, the next scan on PostgreSQL gets the next free id (no collision)."""
    sqlite_cli = _cli_for(cli, init_database(str(db_path)))
    fill(sqlite_cli)
    assert sqlite_cli("db", "copy", "--to", db_url).exit_code == 0
    stored = Store.open(db_url)
    scans = stored.scans(None, include_voided=True)
    largest = max(scan.scan_id or 0 for scan, _voided in scans)
    mrn = scans[0][0].mrn
    scan_id = stored.add_scan(
        build(Scan, {"mrn": mrn, "date": "2026-11-01", "cl_mm": [30]}), "t", today=TODAY
    ).id
    assert scan_id == largest + 1


def test_copy_refuses_a_non_empty_postgresql_target(cli: Cli, db_url: str, db_path: Path) -> None:
    """A PostgreSQL target with records: exit 1, target unchanged."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    before = digests(db_url)
    sqlite_cli = _cli_for(cli, init_database(str(db_path)))
    assert sqlite_cli("patient", "add", "Q1", "--edd", "2027-03-14").exit_code == 0
    result = sqlite_cli("db", "copy", "--to", db_url)
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert digests(db_url) == before


def test_imported_scan_ids_advance_the_sequence(cli: Cli, db_url: str) -> None:
    """Scans imported with explicit ids move the sequence on; the next new scan does not collide."""
    store = Store.open(db_url)
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "t")
    scans = [
        (line, build(Scan, {"scan_id": sid, "mrn": "P01", "date": "2026-10-13", "cl_mm": [25]}))
        for line, sid in ((2, 40), (3, 7))
    ]
    import_records(store, "scans", [([], scans)], source="scans.csv", who="t", today=TODAY)
    new_id = store.add_scan(
        build(Scan, {"mrn": "P01", "date": "2026-10-20", "cl_mm": [24]}), "t", today=TODAY
    ).id
    assert new_id == 41


def test_connection_refused_is_exit_3_without_password(cli: Cli, db_url: str) -> None:
    """Nothing listening on the port: exit 3, one line, the password masked."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://nurse:Very-Secret-9@127.0.0.1:{port}/clinic"
    result = cli("--db", url, "patient", "list")
    assert result.exit_code == 3
    assert "Very-Secret-9" not in result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "refused" in lines[0]
    assert "nurse:***@127.0.0.1" in lines[0]


@pytest.mark.parametrize(
    ("password", "database", "words"),
    [("wrong-pass-77", None, "password"), (None, "no_such_db", "does not exist")],
    ids=["auth-refused", "database-missing"],
)
def test_server_refusals_are_exit_3_without_password(
    cli: Cli,
    db_url: str,
    pg_server: PgServer,
    password: str | None,
    database: str | None,
    words: str,
) -> None:
    """Wrong password or a missing database: exit 3, the server's reason, no password."""
    url = pg_server.url(database or db_url.rsplit("/", 1)[1], password=password)
    result = cli("--db", url, "patient", "list")
    assert result.exit_code == 3, result.output
    assert words in result.stderr
    assert (password or pg_server.password) not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_roles_grant_no_delete(cli: Cli, db_url: str, pg_server: PgServer) -> None:
    """db roles --apply: a writer may add and void but not delete; a reader may only read."""
    printed = cli("db", "roles")
    assert printed.exit_code == 0, printed.output
    assert "GRANT SELECT, INSERT, UPDATE ON TABLE" in printed.stdout
    receipts = "GRANT DELETE ON TABLE inbox_receipts"  # ignored reports' receipts expire
    assert "DELETE" not in printed.stdout.replace("never delete", "").replace(receipts, "")
    assert cli("db", "roles", "--apply").exit_code == 0
    assert cli("db", "roles", "--apply").exit_code == 0  # applying twice is harmless
    writer, reader = _login(pg_server, "cervix_writer"), _login(pg_server, "cervix_reader")
    database = db_url.rsplit("/", 1)[1]
    as_writer = _cli_for(cli, pg_server.url(database, *writer))
    as_reader = _cli_for(cli, pg_server.url(database, *reader))
    assert as_writer("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    assert as_writer("scan", "add", "P01", "--date", "2026-10-13", "--cl", "25").exit_code == 0
    assert as_writer("scan", "void", "1", "--reason", "dup").exit_code == 0
    assert _json(as_reader("patient", "list", "--format", "json"))[0]["mrn"] == "P01"
    refused = as_reader("patient", "add", "P02", "--edd", "2027-03-14")
    assert refused.exit_code == 3
    assert "permission denied" in refused.stderr
    import psycopg

    with (
        psycopg.connect(
            host="127.0.0.1",
            port=pg_server.port,
            dbname=database,
            user=writer[0],
            password=writer[1],
        ) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("DELETE FROM scans")


def test_mrn_race_past_the_check_is_a_clean_input_error(
    cli: Cli, db_url: str, pg_server: PgServer
) -> None:
    """Another session inserts the MRN after our check: InputError, not an IntegrityError."""
    import psycopg

    url = db_url
    store = Store.open(url)
    database = url.rsplit("/", 1)[1]
    other = psycopg.connect(
        host="127.0.0.1",
        port=pg_server.port,
        dbname=database,
        user="postgres",
        password=pg_server.password,
    )
    # a writer that does not take cervix-watch's lock, holding the new MRN uncommitted
    other.execute(
        "INSERT INTO patients (mrn, name, edd, fetuses, painless_loss_count, prior_cerclage, "
        "cervical_excision, uterine_anomaly, intrauterine_adhesions, "
        "caesarean_full_dilatation, notes) VALUES ('P01', '', '2027-03-14', 1, 0, 'no', 'none', "
        "false, false, false, '')"
    )
    outcome: list[BaseException | int] = []

    def add() -> None:
        try:
            outcome.append(
                store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "t")
            )
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=add)
    thread.start()
    thread.join(1.0)  # our insert now waits on the uncommitted unique key
    other.commit()
    other.close()
    thread.join(30)
    assert len(outcome) == 1, outcome
    assert isinstance(outcome[0], InputError), outcome
    assert "already registered" in str(outcome[0])


def test_two_processes_adding_the_same_mrn(cli: Cli, db_url: str, console_script: Path) -> None:
    """Two console-script processes register one MRN at once: one exits 0, the other 1."""
    url = db_url
    assert cli("patient", "list").exit_code == 0  # schema in place, so both race on the insert
    command = [str(console_script), "--db", url, "patient", "add", "SAME", "--edd", "2027-03-14"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in runs]
    assert sorted(code for code, _ in results) == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert "already registered" in loser
    assert "Traceback" not in loser
    assert len(_json(cli("patient", "list", "--format", "json"))) == 1


# -- helpers --------------------------------------------------------------------------------
def _cli_for(cli: Cli, location: str) -> Cli:
    """The same runner, but with `--db location` first (the later --db wins)."""
    return lambda *args, **kw: cli("--db", location, *args, **kw)


def _json(result: object) -> list[dict[str, object]]:
    import json

    assert getattr(result, "exit_code", 1) == 0, getattr(result, "output", "")
    listed = json.loads(getattr(result, "stdout", ""))
    # listings are {"as_of": ..., "<items>": [...]} (contract v2 "JSON output")
    (items,) = [value for key, value in listed.items() if key != "as_of"]
    return list(items)


def _login(server: PgServer, role: str) -> tuple[str, str]:
    """A new login role that is a member of `role`; returns (user, password)."""
    user, password = f"u_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    server.admin().execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}' IN ROLE {role}")
    return user, password


def test_the_same_import_twice_at_once_stores_rows_once(db_url: str) -> None:
    """Two sessions importing one file at the same moment: the rows are stored once."""
    store = Store.open(db_url)
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "t")
    scans = [
        (line, build(Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": [20 + line]}))
        for line in range(2, 12)
    ]
    failures: list[BaseException] = []

    def run() -> None:
        try:
            import_records(
                Store.open(db_url), "scans", [([], scans)], source="s.csv", who="t", today=TODAY
            )
        except BaseException as error:  # handed to the test thread
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert store.counts()["scans"] == len(scans)


def test_demo_clinic_copied_to_postgresql_reviews_identically(db_url: str, db_path: Path) -> None:
    """The demo clinic, `db copy`-ed to PostgreSQL, gives byte-identical review JSON there."""
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    runner = CliRunner()
    data = REPO / "data"
    init_database(str(db_path))
    for kind in ("patients", "scans", "exams", "treatments", "discussions"):
        result = runner.invoke(
            app, ["--db", str(db_path), "import", kind, str(data / f"{kind}.csv")]
        )
        assert result.exit_code == 0, result.output
    url = db_url  # a new empty PostgreSQL database
    assert runner.invoke(app, ["--db", str(db_path), "db", "copy", "--to", url]).exit_code == 0
    for profile in ("acog-smfm", "nice-ng25"):
        args = ["review", "--as-of", "2026-11-23", "--profile", profile, "--format", "json"]
        on_sqlite = runner.invoke(app, ["--db", str(db_path), *args])
        on_postgresql = runner.invoke(app, ["--db", url, *args])
        assert on_sqlite.exit_code == 0, on_sqlite.output
        assert on_postgresql.stdout == on_sqlite.stdout
        assert len(json.loads(on_sqlite.stdout)["patients"]) == 40


def test_upgrade_widens_a_varchar_name_to_text(cli: Cli, db_url: str) -> None:
    """A PostgreSQL database made before version 4 (name VARCHAR(200)) is upgraded in place:
    its names are kept and a 300-character name then saves."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", "Ann").exit_code == 0
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # back to the column from before the migration text_names
        conn.exec_driver_sql("ALTER TABLE patients ALTER COLUMN name TYPE VARCHAR(200)")
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE name = 'text_names'")
    long_name = "N" * 300
    assert cli("patient", "add", "P02", "--edd", "2027-03-14", "--name", long_name).exit_code == 0
    with engine.connect() as conn:
        kind = conn.exec_driver_sql(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'patients' AND column_name = 'name'"
        ).scalar_one()
        names = dict(conn.exec_driver_sql("SELECT mrn, name FROM patients").all())
    engine.dispose()
    assert kind == "text"
    assert names == {"P01": "Ann", "P02": long_name}
