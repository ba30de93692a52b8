"""Concurrent writers: four processes adding scans at once lose nothing and fail nothing."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

import pytest
from tests.conftest import REPO, Cli, both_backends

from cervix_watch.store.store import Store

# the installed console script, as a sonographer's workstation runs it
SCRIPT = REPO / ".venv" / "bin" / "cervix-watch"
WORKERS = 4
SCANS_EACH = 250
# Scans spread over many pregnancies: `scan add` evaluates the patient's whole history
# afterwards, and one patient with 1000 scans would measure the rules, not the store.
PATIENTS = 40

# Each worker is one shell process running the console script SCANS_EACH times in a row,
# so every scan is a separate process with its own connection and write transaction,
# exactly as four workstations would log at once. It stops at the first failure.
_WORKER = """
script=$1 database=$2 worker=$3 count=$4
for i in $(seq 0 $((count - 1))); do
  mrn=$(printf 'P%02d' $(( (i * 4 + worker) % 40 )))
  cl=$(printf '%d.%d' $((20 + i % 100 / 10)) $((i % 10)))
  "$script" --db "$database" scan add "$mrn" --date 2026-10-13 --cl "$cl" \
    --operator "worker$worker" > /dev/null || { echo "worker $worker: scan add $i failed"; exit 1; }
done
"""


@pytest.mark.slow
@both_backends
def test_four_processes_adding_scans_at_once(cli: Cli, db_url: str) -> None:
    """4 processes x 250 `cervix-watch scan add` at once: 1000 scans, 1000 audit rows, no error."""
    if not SCRIPT.exists():
        pytest.skip(f"console script not installed at {SCRIPT}")
    for n in range(PATIENTS):
        assert cli("patient", "add", f"P{n:02d}", "--edd", "2027-03-14").exit_code == 0
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            ["bash", "-c", _WORKER, "worker", str(SCRIPT), db_url, str(n), str(SCANS_EACH)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    errors = [w.communicate(timeout=1800)[1] for w in workers]
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
