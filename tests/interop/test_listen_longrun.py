"""`listen` runs for weeks (issue 23.6): SIGTERM stops it between reports, and SIGKILL in the
middle of a store leaves every report wholly present once or absent, never half-written.

A sender thread keeps one association busy with a bounded loop of C-STOREs (one report per
patient) while the test signals the listener process; then the database is checked with
`db check` (integrity and the audit chain) and read table by table.
"""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
import sr_fixtures as fx
from listener_harness import Listener, moved, sender, start
from pydicom.dataset import Dataset
from sqlalchemy import create_engine, text
from tests.clirunner import CliRunner
from tests.conftest import init_database, system_clock

from cervix_watch.cli.app import app

pytestmark = [pytest.mark.slow, system_clock]

COUNT = 400  # bounded: the loop ends on its own if a signal never lands
SUCCESS = 0x0000


def cli(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", db, *args], env={"NO_COLOR": "1"})
    return result.exit_code, result.output


def clinic(db: str, folder: Path, shift: timedelta) -> list[Dataset]:
    """Patients LR00001.. registered at `db`, and one report each (dates a week back)."""
    lmp = (fx.LMP + shift).isoformat()
    rows = "".join(f"LR{n:05d},{lmp}\n" for n in range(1, COUNT + 1))
    (folder / "patients.csv").write_text("mrn,lmp\n" + rows)
    assert cli(db, "import", "patients", str(folder / "patients.csv"))[0] == 0
    # every third has no beam path: held in the inbox ("no route"), with its bytes
    return [
        moved(fx.ob_report(fx.cl("31.2"), patient_id=f"LR{n:05d}", **_route(n)), shift)
        for n in range(1, COUNT + 1)
    ]


def _route(n: int) -> dict[str, object]:
    return {"route": None} if n % 3 == 0 else {}


class Loop(threading.Thread):
    """C-STORE each report over one association until the loop ends or the association does;
    `answers` holds each answered report's SOP Instance UID and status, in order."""

    def __init__(self, port: int, datasets: list[Dataset]) -> None:
        super().__init__(daemon=True)
        self.port, self.datasets = port, datasets
        self.answers: list[tuple[str, int]] = []
        self.sent: list[str] = []

    def run(self) -> None:
        assoc = sender().associate("127.0.0.1", self.port, ae_title="CERVIXWATCH")
        assert assoc.is_established
        for dataset in self.datasets:
            if not assoc.is_established:
                return
            self.sent.append(str(dataset.SOPInstanceUID))
            try:
                status = assoc.send_c_store(dataset)
            except (RuntimeError, OSError):
                return
            if "Status" not in status:  # no answer: the association ended
                return
            self.answers.append((str(dataset.SOPInstanceUID), int(status.Status)))
        assoc.release()

    def wait_for(self, answered: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.answers) < answered and self.is_alive():
            assert time.monotonic() < deadline, "the listener stopped answering"
            time.sleep(0.01)
        assert len(self.answers) >= answered


def kept(db: str) -> dict[str, list[str]]:
    """Each SOP Instance UID kept, and where: "scan" for each scan filed from it, "held" for
    each inbox row holding it. Every scan and inbox row has its audit row, and every held
    version's bytes match their sha256."""
    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url)
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as conn:
            for (source,) in conn.execute(text("SELECT source FROM scans")):
                found.setdefault(source.removeprefix("dicom-sr:"), []).append("scan")
            for (uid,) in conn.execute(text("SELECT sop_instance_uid FROM inbox")):
                found.setdefault(uid, []).append("held")
            audit = conn.execute(text("SELECT entity, entity_id FROM audit"))
            audited = {(entity, entity_id) for entity, entity_id in audit}
            scans = conn.execute(text("SELECT scan_id FROM scans")).scalars()
            assert {("scan", scan) for scan in scans} <= audited, "a scan without its audit"
            held = conn.execute(text("SELECT inbox_id FROM inbox")).scalars()
            assert {("inbox", row) for row in held} <= audited, "a held report without audit"
            for sha256, data in conn.execute(text("SELECT sha256, data FROM inbox_versions")):
                assert hashlib.sha256(data).hexdigest() == sha256, "held bytes half-written"
    finally:
        engine.dispose()
    return found


@pytest.fixture
def shift(system_today: date) -> timedelta:
    """How far the fixtures' dates move so that the study is a week before the machine's date."""
    study: date = fx.STUDY_DATE
    return system_today - timedelta(days=7) - study


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path, pg_database: Callable[[], str]) -> str:
    if request.param == "sqlite":
        path = str(tmp_path / "clinic.sqlite3")
        assert cli(path, "db", "init")[0] == 0
        return path
    return init_database(pg_database())


def busy(database: str, tmp_path: Path, shift: timedelta) -> tuple[Listener, Loop]:
    """A listener, and a loop of stores into it that has had 20 reports answered."""
    datasets = clinic(database, tmp_path, shift)
    listener = start(database, tmp_path, "--allow-ae", "TESTSCU")
    loop = Loop(listener.port, datasets)
    loop.start()
    loop.wait_for(20)
    return listener, loop


def test_sigterm_stops_between_reports(database: str, tmp_path: Path, shift: timedelta) -> None:
    """SIGTERM while reports keep arriving: the report being stored is completed and answered,
    no later one is taken, and the listener exits 0 within seconds. Every report answered
    0x0000 is filed or held once, and nothing unanswered is kept."""
    listener, loop = busy(database, tmp_path, shift)
    started = time.monotonic()
    assert listener.stop(signal.SIGTERM, timeout=20) == 0
    assert time.monotonic() - started < 10
    loop.join(30)
    assert not loop.is_alive(), "the association outlived the listener"
    taken = {uid for uid, status in loop.answers if status == SUCCESS}
    assert 20 <= len(taken) < COUNT  # it stopped in the middle of the loop
    present = kept(database)
    assert set(present) == taken  # each answered report kept, nothing unanswered
    assert all(len(where) == 1 for where in present.values())
    stderr = listener.stderr()
    assert stderr.rstrip().endswith("Stopped.")
    assert "Traceback" not in stderr
    assert cli(database, "db", "check")[0] == 0


def test_sigkill_during_stores_leaves_each_report_whole_or_absent(
    database: str, tmp_path: Path, shift: timedelta
) -> None:
    """SIGKILL while a loop of stores runs (filed and held reports): `db check` passes
    (integrity, the audit chain), and each report sent is one scan or one held inbox row
    (its bytes whole) with its audit row, or absent; every one answered 0x0000 is there (a
    report is answered only after its transaction commits)."""
    listener, loop = busy(database, tmp_path, shift)
    listener.stop(signal.SIGKILL)
    loop.join(30)
    taken = {uid for uid, status in loop.answers if status == SUCCESS}
    present = kept(database)
    assert all(len(where) == 1 for where in present.values())  # filed once or held once
    assert {"scan", "held"} <= {where[0] for where in present.values()}
    assert taken <= set(present) <= set(loop.sent)
    assert len(present) - len(taken) <= 1  # at most the report in flight, committed unanswered
    code, output = cli(database, "db", "check")
    assert code == 0, output


def test_sigterm_with_an_idle_association_open_stops_within_seconds(tmp_path: Path) -> None:
    """A machine that keeps its association open and sends nothing does not keep the
    listener running: it is aborted after the grace, with one line, and the listener exits 0."""
    database = str(tmp_path / "clinic.sqlite3")
    assert cli(database, "db", "init")[0] == 0
    listener = start(database, tmp_path, "--allow-ae", "TESTSCU")
    assoc = sender().associate("127.0.0.1", listener.port, ae_title="CERVIXWATCH")
    assert assoc.is_established
    started = time.monotonic()
    assert listener.stop(signal.SIGTERM, timeout=20) == 0
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while assoc.is_established and time.monotonic() < deadline:
        time.sleep(0.05)
    assert assoc.is_aborted
    lines = listener.stderr().splitlines()
    assert "warning: association from 127.0.0.1 (AE TESTSCU) aborted: listen is stopping" in lines
    assert lines[-1] == "Stopped."
