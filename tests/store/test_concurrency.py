"""Concurrent writers: processes adding scans at once lose nothing and fail nothing.

`make test` runs 2 x 10 per backend (two writers already contend for the one write lock);
`make stress` runs 4 x 250 (`-m stress`)."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import Cli, both_backends

from cervix_watch.store import chain
from cervix_watch.store.store import Store

# Each worker is one shell process running the console script `count` times in a row,
# so every scan is a separate process with its own connection and write transaction,
# exactly as several workstations would log at once. It stops at the first failure.
# Each scan's note names its run: an identical scan would be refused as a duplicate.
_WORKER = """
script=$1 database=$2 count=$3 patients=$4 workers=$5 worker=$6
for i in $(seq 0 $((count - 1))); do
  mrn=$(printf 'P%02d' $(( (i * workers + worker) % patients )))
  cl=$(printf '%d.%d' $((20 + i % 100 / 10)) $((i % 10)))
  "$script" --db "$database" scan add "$mrn" --date 2026-10-13 --cl "$cl" \\
    --operator "worker$worker" --note "run $i" > /dev/null \\
    || { echo "worker $worker: scan add $i failed"; exit 1; }
done
"""


@pytest.mark.slow
@both_backends
def test_two_processes_adding_scans_at_once(cli: Cli, db_url: str, console_script: Path) -> None:
    """2 processes x 10 `cervix-watch scan add` at once: 20 scans, 20 audit rows, no error
    (`make test`; the 4 x 250 run is `make stress`)."""
    _run_writers(cli, db_url, console_script, workers=2, scans_each=10, patients=10)


@pytest.mark.slow
@pytest.mark.stress
@both_backends
def test_four_processes_adding_250_scans_each(cli: Cli, db_url: str, console_script: Path) -> None:
    """4 processes x 250 `cervix-watch scan add` at once: 1000 scans, 1000 audit rows, no error."""
    _run_writers(cli, db_url, console_script, workers=4, scans_each=250, patients=40)


def _run_writers(
    cli: Cli, db_url: str, script: Path, workers: int, scans_each: int, patients: int
) -> None:
    """`workers` shell loops of `scan add` at once; every scan and audit row is there, ids
    dense.

    Scans are spread over `patients` pregnancies (`scan add` evaluates the patient's whole
    history afterwards; one patient with 1000 scans would measure the rules, not the store).
    """
    total = workers * scans_each
    for n in range(patients):
        assert cli("patient", "add", f"P{n:02d}", "--edd", "2027-03-14").exit_code == 0
    started = time.monotonic()
    args = [str(script), db_url, str(scans_each), str(patients), str(workers)]
    running = [
        subprocess.Popen(
            ["bash", "-c", _WORKER, "worker", *args, str(n)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    errors = [w.communicate(timeout=1800)[1] for w in running]
    elapsed = time.monotonic() - started
    assert [w.returncode for w in running] == [0] * workers, errors
    assert not any("Traceback" in e or "error" in e.lower() for e in errors), errors

    store = Store.open(db_url)
    counts = store.counts()
    scans = store.scans(None, include_voided=True)
    assert counts["scans"] == total
    assert counts["audit"] == patients + total  # patients, then one per scan
    ids = sorted(scan.scan_id or 0 for scan, _ in scans)
    assert ids == list(range(1, total + 1))  # no gaps, no duplicates
    assert Counter(scan.mrn for scan, _ in scans) == {
        f"P{n:02d}": total // patients for n in range(patients)
    }
    assert Counter(scan.operator for scan, _ in scans) == {
        f"worker{n}": scans_each for n in range(workers)
    }
    with store.read() as conn:  # the writers chained one after another: no fork
        chained = chain.verify(conn)
    assert (chained.rows, chained.first_break) == (counts["audit"], None)
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    print(
        f"\n{backend}: {workers} x {scans_each} scans, {counts['audit']} audit rows, "
        f"{elapsed:.1f} s"
    )
