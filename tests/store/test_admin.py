"""`db` commands and store.admin / store.copy: info, check, backup, copy, roles."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import Cli, both_backends, system_clock

from cervix_watch.store import db, migrations
from cervix_watch.store.copy import copy_database
from cervix_watch.store.store import Store


def fill(cli: Cli) -> None:
    """The demo clinic plus an amended and a voided scan and a stored setting."""
    assert cli("demo").exit_code == 0
    assert cli("scan", "amend", "1", "--cl", "30", "--reason", "typo").exit_code == 0
    assert cli("scan", "void", "2", "--reason", "wrong patient").exit_code == 0


def digests(location: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table, as `db copy` computes them."""
    from cervix_watch.store import tables
    from cervix_watch.store.copy import table_digest

    store = Store.open(location)
    with store.read() as conn:
        return {table.name: table_digest(conn, table) for table in tables.DATA_TABLES}


@both_backends
def test_info_names_backend_version_and_counts(cli: Cli, db_url: str) -> None:
    """db info shows the backend, the location without password, schema version and counts."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    result = cli("db", "info", "--format", "json")
    assert result.exit_code == 0, result.output
    about = json.loads(result.stdout)
    assert about["backend"] == ("sqlite" if "://" not in db_url else "postgresql")
    assert about["schema_version"] == len(migrations.MIGRATIONS)
    assert about["counts"]["patients"] == 1
    assert about["counts"]["audit"] == 1
    if "://" in db_url:
        password = sa.engine.make_url(db_url).password
        assert password
        assert password not in result.stdout


@both_backends
def test_check_on_a_healthy_database_exits_0(cli: Cli) -> None:
    """db check on a sound database lists counts and exits 0."""
    fill(cli)
    result = cli("db", "check")
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.stdout
    assert "patients" in result.stdout


def test_check_on_a_corrupted_file_exits_3(cli: Cli, db_path: Path) -> None:
    """Bytes overwritten in the middle of the file: db check reports it and exits 3."""
    fill(cli)
    size = db_path.stat().st_size
    assert not Path(f"{db_path}-wal").exists()  # everything is in the main file
    with db_path.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))
    result = cli("db", "check")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output


def test_check_does_not_create_a_missing_database(cli: Cli, tmp_path: Path) -> None:
    """db check on a path with no file: exit 3, and no file appears."""
    missing = tmp_path / "missing.sqlite3"
    result = cli("--db", str(missing), "db", "check")
    assert result.exit_code == 3
    assert "no cervix-watch database at" in result.stderr
    assert not missing.exists()


def test_backup_is_owner_only_and_sound(cli: Cli, tmp_path: Path) -> None:
    """db backup writes a 0600 file that passes integrity_check and holds the same rows."""
    fill(cli)
    out = tmp_path / "backup.sqlite3"
    old = os.umask(0)
    try:
        result = cli("db", "backup", "--out", str(out))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert digests(str(out)) == digests(str(tmp_path / "clinic.sqlite3"))


def test_backup_refuses_to_overwrite(cli: Cli, tmp_path: Path) -> None:
    """An existing --out file is left alone: exit 1."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    out = tmp_path / "taken"
    out.write_text("keep me")
    result = cli("db", "backup", "--out", str(out))
    assert result.exit_code == 1
    assert out.read_text() == "keep me"


_WRITER = """
import runpy, sys
script, database, count, on = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for i in range(count):
    sys.argv = [script, "--db", database, "scan", "add", "P01", "--date", on,
                "--cl", str(20 + i % 10), "--note", f"run {i}"]  # never identical
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(f"scan add {i} exited {done.code}")
"""


@pytest.mark.slow
@system_clock
def test_backup_while_another_process_writes(
    cli: Cli, db_path: Path, tmp_path: Path, console_script: Path, system_today: date
) -> None:
    """Backups taken while a writer adds scans are each consistent (integrity_check ok)."""
    edd = system_today + timedelta(days=100)  # the writer runs on the machine's clock
    assert cli("patient", "add", "P01", "--edd", edd.isoformat()).exit_code == 0
    on = (system_today - timedelta(days=7)).isoformat()
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(console_script), str(db_path), "80", on],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    taken: list[int] = []
    try:
        while writer.poll() is None and len(taken) < 5:
            out = tmp_path / f"backup{len(taken)}.sqlite3"
            result = cli("db", "backup", "--out", str(out))
            assert result.exit_code == 0, result.output
            with sqlite3.connect(out) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
                scans = conn.execute("select count(*) from scans").fetchone()[0]
                audit = conn.execute("select count(*) from audit").fetchone()[0]
            assert audit == scans + 1  # each scan committed with its audit row, never apart
            taken.append(scans)
            time.sleep(0.3)
    finally:
        _, errors = writer.communicate(timeout=600)
    assert writer.returncode == 0, errors
    assert taken, "the writer finished before any backup was taken"
    assert taken == sorted(taken)


def test_backup_of_postgresql_points_to_pg_dump(cli: Cli) -> None:
    """On PostgreSQL db backup says pg_dump is the tool (exit 1), never showing a password."""
    from cervix_watch.domain.errors import InputError
    from cervix_watch.store import admin

    with pytest.raises(InputError, match="pg_dump") as caught:
        admin.backup(db.resolve("postgresql://nurse:secret@db.example/cw"), Path("x"))
    assert "secret" not in str(caught.value)


def test_roles_on_sqlite_is_refused(cli: Cli) -> None:
    """Roles exist on PostgreSQL only: exit 1 with a reason."""
    result = cli("db", "roles")
    assert result.exit_code == 1
    assert "PostgreSQL only" in result.stderr


def test_copy_sqlite_to_sqlite_keeps_every_row(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    """db copy into a new file: same counts and checksums per table, printed and verified."""
    fill(cli)
    target = tmp_path / "copy" / "clinic.sqlite3"
    result = cli("db", "copy", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert "counts and checksums match" in result.stdout
    assert digests(str(target)) == digests(str(db_path))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_copy_refuses_a_non_empty_target(cli: Cli, tmp_path: Path) -> None:
    """A target holding records is refused with exit 1 and left unchanged."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    target = tmp_path / "other.sqlite3"
    assert cli("db", "init", str(target)).exit_code == 0
    assert cli("--db", str(target), "patient", "add", "Q9", "--edd", "2027-03-14").exit_code == 0
    before = digests(str(target))
    result = cli("db", "copy", "--to", str(target))
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert digests(str(target)) == before


def test_copy_into_a_target_with_only_its_schema_is_fine(db_path: Path, tmp_path: Path) -> None:
    """A target that was opened (migrated) but holds no records counts as empty."""
    source = Store.open(str(db_path), create=True)
    target = tmp_path / "fresh.sqlite3"
    Store.open(str(target), create=True)
    report = copy_database(source.location, db.resolve(str(target)))
    assert all(entry.matches for entry in report)
