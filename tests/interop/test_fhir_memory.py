"""`export fhir --ndjson` streams: it runs in a memory cap the whole-clinic Bundle exceeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bench import clinic
from tests.conftest import Cli

PATIENTS = 500  # 2,500 scans: the Bundle of them needs some 90 MB more than at start
# Address space the export may add to what the child holds once everything is imported.
# Measured at 1,000 patients: streaming adds 36 MB (imports, one batch of records),
# the Bundle 148 MB; the streamed export's need does not grow with the clinic.
HEADROOM_MB = 64

CHILD = """
import resource, sys
from cervix_watch.cli.app import app
import fhir.resources.R4B.bundle, fhir.resources.R4B.observation, fhir.resources.R4B.patient

with open("/proc/self/status") as status:
    vm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
cap = (vm_kb + int(sys.argv[1]) * 1024) * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
sys.exit(app(sys.argv[2:], standalone_mode=False))
"""


# A child that runs out of address space inside a library's native code (pydantic-core's
# serializer) may hang rather than fail; past this it counts as failed, and is killed.
OUT_OF_MEMORY_WAIT_S = 120
FAILED_BY_HANGING = -1


def _capped(*args: str, wait_s: float | None = None) -> int:
    """The exit status of `cervix-watch ARGS` in a child whose address space may grow by
    HEADROOM_MB only (its stderr's tail on a failure, for the assertion's message);
    FAILED_BY_HANGING if it was still running after `wait_s` seconds."""
    command = [sys.executable, "-c", CHILD, str(HEADROOM_MB), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=wait_s)
    except subprocess.TimeoutExpired:
        return FAILED_BY_HANGING
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
    return done.returncode


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_ndjson_export_stays_in_a_cap_the_bundle_exceeds(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """A generated clinic of 500 patients: --ndjson completes under the cap; the Bundle,
    which holds every resource at once, runs out of memory under the same cap."""
    files = clinic.generate(tmp_path / "clinic", PATIENTS)
    for kind in ("patients", "scans"):
        assert cli("import", kind, str(files.csv(kind))).exit_code == 0
    streamed = _capped("--db", db_url, "export", "fhir", "--ndjson", str(tmp_path / "bulk"))
    assert streamed == 0
    lines = (tmp_path / "bulk" / "Observation.ndjson").read_text().count("\n")
    assert lines == files.counts["scans"]
    bundle = ("--db", db_url, "export", "fhir", "--out", str(tmp_path / "bundle.json"))
    whole = _capped(*bundle, wait_s=OUT_OF_MEMORY_WAIT_S)
    assert whole != 0  # out of memory: "internal error (MemoryError)", or hung and killed
    assert not (tmp_path / "bundle.json").exists()
