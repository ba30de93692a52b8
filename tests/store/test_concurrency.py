"""Concurrent writers: four processes adding scans at once lose nothing and fail nothing."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

import pytest
from tests.conftest import REPO, Cli, both_backends

from cervix_watch.store.store import Store

# the project venv's interpreter, the one the console script runs on
PYTHON = str(REPO / ".venv" / "bin" / "python")
WORKERS = 4
SCANS_EACH = 250
# Scans spread over many pregnancies: `scan add` evaluates the patient's whole history
# afterwards, and one patient with 1000 scans would measure the rules, not the store.
PATIENTS = 40

# Each worker is its own process running the CLI's command tree SCANS_EACH times: every scan
# is a separate invocation (own Store, own connections, own write transaction, the CLI's
# error-to-exit-status handling) without paying interpreter start-up and typer's command
# building a thousand times (together about 1 s per run here).
_WORKER = """
import sys
import typer
from cervix_watch.cli.app import app
database, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
command = typer.main.get_command(app)
for i in range(count):
    mrn = f"P{(i * 4 + worker) % 40:02d}"
    args = ["--db", database, "scan", "add", mrn, "--date", "2026-10-13",
            "--cl", f"{20 + i % 100 / 10:.1f}", "--operator", f"worker{worker}"]
    try:
        command.main(args, prog_name="cervix-watch")
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(f"worker {worker}: scan add {i} exited {done.code}")
"""


@pytest.mark.slow
@both_backends
def test_four_processes_adding_scans_at_once(cli: Cli, db_url: str) -> None:
    """4 x 250 concurrent `scan add`: exactly 1000 scans, one audit row each, no errors."""
    for n in range(PATIENTS):
        assert cli("patient", "add", f"P{n:02d}", "--edd", "2027-03-14").exit_code == 0
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [PYTHON, "-c", _WORKER, db_url, str(n), str(SCANS_EACH)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    errors = [w.communicate(timeout=900)[1] for w in workers]
    elapsed = time.monotonic() - started
    assert [w.returncode for w in workers] == [0] * WORKERS, errors
    assert not any("Traceback" in e or "error" in e.lower() for e in errors), errors

    store = Store.open(db_url)
    counts = store.counts()
    scans = store.scans(None, include_voided=True)
    assert counts["scans"] == WORKERS * SCANS_EACH
    assert counts["audit"] == PATIENTS + WORKERS * SCANS_EACH  # patients, then one per scan
    ids = sorted(scan.scan_id or 0 for scan, _ in scans)
    assert ids == list(range(1, WORKERS * SCANS_EACH + 1))  # no gaps, no duplicates
    assert Counter(scan.mrn for scan, _ in scans) == {
        f"P{n:02d}": WORKERS * SCANS_EACH // PATIENTS for n in range(PATIENTS)
    }
    assert Counter(scan.operator for scan, _ in scans) == {
        f"worker{n}": SCANS_EACH for n in range(WORKERS)
    }
    print(
        f"\n{db_url.partition(':')[0]}: {counts['scans']} scans, {counts['audit']} audit rows, "
        f"{elapsed:.1f} s"
    )
