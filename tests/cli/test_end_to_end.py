"""The installed console script as a subprocess: what a shell script or cron job sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.conftest import CONSOLE_SCRIPT, system_clock


def run(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_DB": str(db)}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def script(console_script: Path) -> Path:
    """The installed console script (the test fails, never skips, without it)."""
    return console_script


def test_python_m_lists_the_command_groups(tmp_path: Path) -> None:
    """`python -m cervix_watch --help` works and names every group."""
    result = subprocess.run(
        [sys.executable, "-m", "cervix_watch", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for group in ("patient", "scan", "review", "rules", "import", "export", "demo"):
        assert group in result.stdout


@system_clock
def test_log_and_review_through_the_console_script(
    script: Path, tmp_path: Path, system_today: date
) -> None:
    """CERVIX_WATCH_DB selects the database; scan add then review JSON shows the flag."""
    db = tmp_path / "e2e.sqlite3"
    assert run("db", "init", db=db).returncode == 0
    # the child process reads the real clock: a scan two days ago, at 18+2
    scanned = system_today - timedelta(days=2)
    edd = scanned + timedelta(days=280 - (18 * 7 + 2))
    assert (
        run(
            "patient", "add", "P1", "--edd", edd.isoformat(), "--prior-sptb-weeks", "26+3", db=db
        ).returncode
        == 0
    )
    added = run(
        "scan",
        "add",
        "P1",
        "--date",
        scanned.isoformat(),
        "--cl",
        "21",
        "--cl",
        "22",
        "--cl",
        "22.5",
        db=db,
    )
    assert added.returncode == 0, added.stderr
    assert "GA 18+2" in added.stdout
    review = run("review", "--format", "json", db=db)  # as of today, the real one
    flags = json.loads(review.stdout)["patients"][0]["flags"]
    assert "cerclage-discussion" in {f["action"] for f in flags}


def test_scan_add_without_a_terminal_fails_clearly(script: Path, tmp_path: Path) -> None:
    """No --cl and stdin not a terminal: exit 2 naming the missing option, nothing written."""
    db = tmp_path / "e2e.sqlite3"
    assert run("db", "init", db=db).returncode == 0
    run("patient", "add", "P1", "--edd", "2027-03-14", db=db)
    result = run("scan", "add", "P1", "--date", "2026-10-13", db=db, stdin="")
    assert result.returncode == 2
    assert "--cl" in result.stderr
    assert json.loads(run("scan", "list", "--format", "json", db=db).stdout)["scans"] == []


def test_errors_carry_no_traceback_unless_debug(script: Path, tmp_path: Path) -> None:
    """A bad value gives one line and exit 1; --debug is the only way to see a traceback."""
    db = tmp_path / "e2e.sqlite3"
    result = run("patient", "add", "P1", "--edd", "2027-02-30", db=db)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: edd: '2027-02-30' is not a date (use YYYY-MM-DD)"
    ]
    debug = run("--debug", "patient", "add", "P1", "--edd", "2027-02-30", db=db)
    assert "Traceback" in debug.stderr


def test_newer_schema_exits_3(script: Path, tmp_path: Path) -> None:
    """A database written by a newer program: exit 3 with one clear line."""
    import sqlite3

    db = tmp_path / "e2e.sqlite3"
    assert run("db", "init", db=db).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("insert into schema_migrations (name) values ('from_a_newer_release')")
    result = run("patient", "list", db=db)
    assert result.returncode == 3
    assert "newer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_prints_the_review(script: Path, tmp_path: Path) -> None:
    """`cervix-watch demo` loads the bundled clinic into a throw-away database and reviews it."""
    env = {k: v for k, v in os.environ.items() if k != "CERVIX_WATCH_DB"}
    result = subprocess.run(
        [str(script), "demo"],
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "D001" in result.stdout
    assert "41 patients" in result.stderr
