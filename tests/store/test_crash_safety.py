"""A killed import leaves the database as it was; a migration first backs the file up."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.conftest import system_clock

from cervix_watch.store import migrations
from cervix_watch.store.store import Store

ROWS = 100_000


def write_clinic(folder: Path, today: date) -> tuple[Path, Path]:
    """2,000 patients and 100,000 valid scans in the contract's CSV format (fixed seed),
    dated from `today`: the importing child process runs on the machine's clock."""
    rng = random.Random(20261123)
    patients = folder / "patients.csv"
    edd = today + timedelta(days=100)
    patients.write_text(
        "mrn,edd\n" + "".join(f"C{i:05d},{edd}\n" for i in range(2000)), encoding="utf-8"
    )
    scans = folder / "scans.csv"
    with scans.open("w", encoding="utf-8") as out:
        out.write("mrn,date,cl1_mm,cl2_mm,cl3_mm\n")
        start = today - timedelta(days=60)  # 50 scan days, the last 11 days ago
        for i in range(ROWS):  # patient i % 2000 on day i // 2000: every (patient, date) unique
            cl = round(rng.uniform(15, 45), 1)
            when = start + timedelta(days=i // 2000)
            out.write(f"C{i % 2000:05d},{when},{cl},{cl + 0.5},{cl + 1}\n")
    return patients, scans


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("patients", "scans", "audit")
        }


@pytest.mark.slow
@system_clock
def test_sigkill_during_import_changes_nothing(
    tmp_path: Path, console_script: Path, system_today: date
) -> None:
    """SIGKILL part way into a 100,000-row import: counts unchanged, integrity ok, re-run works."""
    db = tmp_path / "clinic.sqlite3"
    patients, scans = write_clinic(tmp_path, system_today)
    env = {**os.environ, "CERVIX_WATCH_DB": str(db), "NO_COLOR": "1"}
    subprocess.run([str(console_script), "db", "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(console_script), "import", "patients", str(patients)],
        env=env,
        check=True,
        capture_output=True,
    )
    before = table_counts(db)

    proc = subprocess.Popen(
        [str(console_script), "import", "scans", str(scans)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = db.with_name(db.name + "-wal")
    deadline = time.monotonic() + 60
    # wait until the import is writing (the WAL grows past its empty size), then kill it
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 1_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert table_counts(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    done = subprocess.run(
        [str(console_script), "import", "scans", str(scans)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    after = table_counts(db)
    assert after["scans"] == ROWS
    assert after["audit"] == before["audit"] + ROWS


def test_migration_backs_up_the_old_file_first(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a file of the current schema with a program that knows one more version
    copies it to <name>.v<N>.bak (0600) first."""
    Store.open(str(db_path), create=True).engine.dispose()
    current = len(migrations.MIGRATIONS)
    applied: list[str] = []

    def next_version(conn: object) -> None:
        applied.append("next")

    next_migration = migrations.Migration("next", next_version)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, next_migration])
    Store.open(str(db_path)).engine.dispose()
    backup = db_path.with_name(f"{db_path.name}.v{current}.bak")
    assert applied == ["next"]
    assert backup.exists()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as conn:
        version = conn.execute("select value from settings where key='schema_version'").fetchone()
    assert version == (str(current),)
    with sqlite3.connect(db_path) as conn:
        version = conn.execute("select value from settings where key='schema_version'").fetchone()
    assert version == (str(current + 1),)
