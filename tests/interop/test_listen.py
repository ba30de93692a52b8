"""`listen` with real DICOM clients over loopback: pynetdicom's StorageSCU and DCMTK's storescu."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pydicom
import pytest
import sr_fixtures as fx
from listener_harness import Listener, echo, moved, send, start
from tests.clirunner import CliRunner
from tests.conftest import dcmtk_tool, init_database, system_clock

from cervix_watch.cli.app import app

# The listener is a child process on the machine's clock, and it refuses a scan dated after
# its today: the fixtures' dates are moved to a week before the machine's date (`moved`).
pytestmark = [pytest.mark.slow, system_clock]


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def shift(system_today: date) -> timedelta:
    """How far the fixtures' dates move so that the study is a week before the machine's date."""
    study: date = fx.STUDY_DATE
    return system_today - timedelta(days=7) - study


@pytest.fixture
def reports(sr_files: dict[str, Path], shift: timedelta, tmp_path: Path) -> dict[str, Path]:
    """The SR fixtures with their dates moved (`shift`), as files."""
    folder = tmp_path / "moved"
    folder.mkdir()
    return {
        name: fx.one(folder, moved(pydicom.dcmread(path), shift), name)
        for name, path in sr_files.items()
        if name != "truncated.dcm"
    }


@pytest.fixture
def db(tmp_path: Path, shift: timedelta) -> Path:
    """A clinic with the fixtures' patient SR0001, her LMP moved as the reports' dates are."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    lmp = (fx.LMP + shift).isoformat()
    cli(path, "patient", "add", fx.PATIENT_ID, "--lmp", lmp, "--operator", "setup")
    return path


@pytest.fixture
def listener(db: Path, tmp_path: Path) -> Iterator[Listener]:
    """`listen` accepting the test clients' AE titles; stopped by SIGTERM afterwards."""
    running = start(db, tmp_path, "--allow-ae", "TESTSCU", "--allow-ae", "STORESCU")
    yield running
    running.stop()


def stored(db: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(db, "export", "scans"))))


def test_echo_and_store_with_pynetdicom(
    listener: Listener, db: Path, reports: dict[str, Path]
) -> None:
    """C-ECHO succeeds; a good SR is filed, the same again already present, one with no
    known patient or no beam path held in the inbox, a non-OB-GYN one ignored: each is
    answered 0x0000 once written; a CL without a value is refused (0xC000)."""
    assert echo(listener.port) == 0x0000
    names = [
        "cl-mm.dcm",
        "resent.dcm",
        "unknown-patient.dcm",
        "non-ob.dcm",
        "no-beam-path.dcm",
        "cl-no-value.dcm",
    ]
    datasets = [pydicom.dcmread(reports[n]) for n in names]
    assert send(listener.port, datasets) == [0x0000] * 5 + [0xC000]
    uid = datasets[0].SOPInstanceUID
    scans = stored(db)
    assert [(s["mrn"], s["cl1_mm"], s["source"]) for s in scans] == [
        ("SR0001", "30.4", f"dicom-sr:{uid}")
    ]
    out = listener.stdout()
    assert f"SR {uid} from TESTSCU: scan 1 saved for SR0001: GA 18+2, route tv" in out
    assert f"SR {uid} from TESTSCU: already present (scan 1)." in out
    unknown, non_ob, no_route, no_value = (d.SOPInstanceUID for d in datasets[2:])
    assert (
        f"SR {unknown} from TESTSCU: held in the inbox (1): the PatientID matches no stored MRN."
        in out
    )
    assert f"SR {non_ob} from TESTSCU: ignored: not an OB-GYN report." in out
    assert (
        f"SR {no_route} from TESTSCU: held in the inbox (2): no beam path, and no route set "
        "for this scanner." in out
    )
    err = [line for line in listener.stderr().splitlines() if line.startswith("error:")]
    assert err == [
        f"error: SR {no_value} from TESTSCU: cervix_length: 'Cervix Length' has no value (at "
        "OB-GYN Ultrasound Procedure Report > Pelvis and Uterus)"
    ]
    assert fx.PATIENT_NAME.split("^")[0] not in out + listener.stderr()
    assert "SR9999" not in out + listener.stderr()  # an unmatched PatientID is never printed


def test_basic_text_sr_is_not_accepted(listener: Listener, reports: dict[str, Path]) -> None:
    """A Basic Text SR is not among the accepted SOP classes: its context is rejected."""
    assert send(listener.port, [pydicom.dcmread(reports["basic-text.dcm"])]) == [None]


def test_an_unlisted_calling_ae_title_is_rejected(listener: Listener) -> None:
    """With --allow-ae, another calling AE title cannot associate."""
    assert echo(listener.port, ae_title="INTRUDER") is None
    assert echo(listener.port, ae_title="TESTSCU") == 0x0000


def test_a_wrong_called_ae_title_is_rejected_and_logged_without_patient_data(
    listener: Listener,
) -> None:
    """An association addressed to another AE title (a scanner set up for the PACS) gets
    A-ASSOCIATE-RJ and one line naming the peer, never a patient; ours still associates."""
    assert echo(listener.port, called="PACS") is None
    assert echo(listener.port, called="CERVIXWATCH") == 0x0000
    lines = [line for line in listener.stderr().splitlines()[1:] if line.strip()]
    assert lines == [
        "warning: association from 127.0.0.1 (AE TESTSCU) refused: called AE not recognised"
    ]


def test_the_start_up_line_names_the_allowed_aes_and_the_database(
    listener: Listener, db: Path
) -> None:
    """The first line says who may call and which database the reports go into."""
    first = listener.stderr().splitlines()[0]
    assert first == (
        f"Listening as CERVIXWATCH on 127.0.0.1:{listener.port}, calling AEs: TESTSCU, "
        f"STORESCU; database: {db}; Ctrl-C stops."
    )


def test_without_allow_ae_the_start_up_line_says_any(db: Path, tmp_path: Path) -> None:
    """No --allow-ae: every calling AE title is accepted, and the line says "any"."""
    running = start(db, tmp_path)
    try:
        assert ", calling AEs: any; database: " in running.stderr().splitlines()[0]
        assert echo(running.port, ae_title="ANYONE") == 0x0000
    finally:
        running.stop()


def test_the_start_up_line_masks_the_database_password(
    pg_database: Callable[[], str], tmp_path: Path
) -> None:
    """On PostgreSQL the line names the server and database with the password masked."""
    from urllib.parse import urlsplit

    from cervix_watch.store.urlmask import mask_url

    url = init_database(pg_database())
    password = urlsplit(url).password
    assert password
    running = start(url, tmp_path, "--allow-ae", "TESTSCU")
    try:
        first = running.stderr().splitlines()[0]
    finally:
        running.stop()
    assert f"; database: {mask_url(url)}; " in first
    assert ":***@" in first
    assert password not in first


@pytest.fixture
def storescu() -> str:
    return dcmtk_tool("storescu")


def run_storescu(storescu: str, port: int, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [storescu, "-v", "-aet", "STORESCU", "-aec", "CERVIXWATCH", "127.0.0.1", str(port)]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_storescu_sends_and_sees_success_and_failure(
    listener: Listener, db: Path, reports: dict[str, Path], storescu: str
) -> None:
    """DCMTK's storescu: the transabdominal SR lands (Success); one without a CL is held
    (Success: it is kept); a CL without a value is refused (CannotUnderstand)."""
    good = run_storescu(storescu, listener.port, reports["transabdominal.dcm"])
    assert good.returncode == 0, good.stderr
    assert "Received Store Response (Success)" in good.stdout + good.stderr
    held = run_storescu(storescu, listener.port, reports["no-cl.dcm"])
    assert "Received Store Response (Success)" in held.stdout + held.stderr
    bad = run_storescu(storescu, listener.port, reports["cl-no-value.dcm"])
    assert "Received Store Response (Error: CannotUnderstand)" in bad.stdout + bad.stderr
    assert [(s["route"], s["cl1_mm"]) for s in stored(db)] == [("ta", "35.0")]
    assert "STORESCU: scan 1 saved for SR0001" in listener.stdout()
    assert "STORESCU: held in the inbox (1): no recognised cervix length" in listener.stdout()
    assert "cervix_length: 'Cervix Length' has no value" in listener.stderr()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stops_cleanly(db: Path, tmp_path: Path, how: int) -> None:
    """SIGTERM and Ctrl-C (SIGINT) stop the receiver with status 0 and no traceback."""
    running = start(db, tmp_path)
    assert echo(running.port) == 0x0000
    assert running.stop(how) == 0
    assert "Stopped." in running.stderr()
    assert "Traceback" not in running.stderr()


def test_bad_ae_title_option(db: Path) -> None:
    """An AE title longer than 16 characters is a one-line input error."""
    result = CliRunner().invoke(app, ["--db", str(db), "listen", "--ae-title", "X" * 17])
    assert result.exit_code == 1
    assert "ae_title: " in result.output


def test_the_systemd_unit_runs_a_real_command_line() -> None:
    """The systemd unit example's ExecStart uses only options `listen` and the root have."""
    import shlex

    import typer.main
    from tests.conftest import REPO

    unit = (REPO / "docs" / "cervix-watch-listen.service").read_text()
    start = unit.split("ExecStart=", 1)[1].split("\n# ", 1)[0].replace("\\\n", " ")
    words = shlex.split(start)
    assert words[0].endswith("/cervix-watch")
    assert words[words.index("listen") - 2] == "--db"
    root = typer.main.get_command(app)
    listen = root.commands["listen"]  # type: ignore[attr-defined]
    known = {o for p in (*root.params, *listen.params) for o in p.opts}
    assert {w for w in words if w.startswith("--")} <= known
    result = CliRunner().invoke(app, [*words[1:], "--help"])
    assert result.exit_code == 0, result.output
