"""Standard output that refuses a write (`> /dev/full`: a full disk) is one line and exit 1,
never "internal error", and never the false "nothing was written": `scan add` saves before
it prints, and the scan it saved is kept."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

FULL_DISK = Path("/dev/full")
UNWRITABLE = (
    "error: output: standard output could not be written (No space left on device); "
    "anything the command saved before printing is kept\n"
)

pytestmark = [
    pytest.mark.system_clock,
    pytest.mark.skipif(not FULL_DISK.exists(), reason="platform: no /dev/full (Linux only)"),
]


def _run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`cervix-watch ARGS > /dev/full`."""
    with FULL_DISK.open("w") as full:
        return subprocess.run(
            [str(script), *args], stdout=full, stderr=subprocess.PIPE, text=True, check=False
        )


def _stdout(script: Path, *args: str) -> str:
    return subprocess.run([str(script), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def db(console_script: Path, tmp_path: Path, system_today: date) -> Path:
    path = tmp_path / "clinic.sqlite3"
    edd = system_today + timedelta(days=120)
    for args in (("db", "init"), ("patient", "add", "P1", "--edd", edd.isoformat())):
        _stdout(console_script, "--db", str(path), *args)
    return path


def test_scan_add_to_a_full_disk_says_so_and_keeps_the_saved_scan(
    console_script: Path, db: Path, system_today: date
) -> None:
    scanned = (system_today - timedelta(days=1)).isoformat()
    added = _run(
        console_script, "--db", str(db), "scan", "add", "P1", "--date", scanned, "--cl", "31"
    )
    assert (added.returncode, added.stderr) == (1, UNWRITABLE)
    listed = _stdout(console_script, "--db", str(db), "scan", "list", "P1", "--format", "json")
    assert f'"date": "{scanned}"' in listed


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("scan", "add", "--help"), ("review", "--format", "json")],
    ids=["help", "version", "command-help", "review-json"],
)
def test_any_output_to_a_full_disk_is_one_line_exit_1(
    console_script: Path, db: Path, args: Sequence[str]
) -> None:
    result = _run(console_script, "--db", str(db), *args)
    assert (result.returncode, result.stderr) == (1, UNWRITABLE)
