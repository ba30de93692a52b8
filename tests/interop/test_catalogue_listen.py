"""The receiver catalogue (issue 24): what a hostile peer or setting did to `listen`, each
over 127.0.0.1 with bounded loops, with its status, its one line, and the database
unchanged where the report was refused.

- `--host ''` (an empty variable in a unit file) bound every interface: a usage error;
- a CL of 1e308, a sequence nested 3,000 deep: an internal error, now one line each;
- pydicom's warnings reached stderr raw: now one line of ours.
"""

from __future__ import annotations

import csv
import io
import subprocess
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pydicom
import pytest
import sr_fixtures as fx
from listener_harness import Listener, echo, send, start
from pydicom.dataset import Dataset
from test_catalogue_sr import nested, with_content
from tests.conftest import dcmtk_tool, system_clock
from typer.testing import CliRunner

from cervix_watch.cli.app import app

pytestmark = [pytest.mark.slow, system_clock]

CANNOT_UNDERSTAND = 0xC000


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def dated(dataset: Dataset, today: date) -> Dataset:
    """`dataset` with its dates moved so that the study is a week before `today` (the
    listener runs on the machine's clock and refuses a scan dated after it)."""
    shift = today - timedelta(days=7) - fx.STUDY_DATE
    for element in dataset.iterall():
        if element.VR == "DA" and element.value:
            day = datetime.strptime(str(element.value), "%Y%m%d").date() + shift
            element.value = day.strftime("%Y%m%d")
    return dataset


@pytest.fixture
def db(tmp_path: Path, system_today: date) -> Path:
    """A clinic with the fixtures' patient, her LMP moved as `dated` moves the reports."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    lmp = fx.LMP + (system_today - timedelta(days=7) - fx.STUDY_DATE)
    cli(path, "patient", "add", fx.PATIENT_ID, "--lmp", lmp.isoformat(), "--operator", "setup")
    return path


@pytest.fixture
def listener(db: Path, tmp_path: Path) -> Iterator[Listener]:
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    yield running
    running.stop()


def stored(db: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(db, "export", "scans"))))


def stderr_lines(listener: Listener) -> list[str]:
    """What the listener wrote to stderr after its start-up line."""
    return [line for line in listener.stderr().splitlines()[1:] if line.strip()]


@pytest.mark.parametrize("host", ["", "  "], ids=["empty", "blank"])
def test_an_empty_host_is_a_usage_error(db: Path, host: str) -> None:
    """`--host ''` never binds every interface: exit 2, naming --host, nothing started."""
    before = db.read_bytes()
    result = CliRunner().invoke(app, ["--db", str(db), "listen", "--host", host])
    assert result.exit_code == 2, result.output
    assert "--host" in result.stderr
    assert "is empty" in result.stderr
    assert "Listening" not in result.output
    assert db.read_bytes() == before


def test_hostile_values_get_cannot_understand_and_one_line(
    listener: Listener, db: Path, system_today: date
) -> None:
    """1e308, 9.9e99 cm and NaN: 0xC000 and one line each; nothing saved, the receiver still
    answers, and no traceback or internal error."""
    values = [("1e308", "mm"), ("9.9e99", "cm"), ("NaN", "mm")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's own check of NaN, on our side
        datasets = [dated(fx.ob_report(fx.cl(v, u)), system_today) for v, u in values]
    good = dated(fx.ob_report(fx.cl("30.0")), system_today)
    assert send(listener.port, [*datasets, good]) == [CANNOT_UNDERSTAND] * 3 + [0x0000]
    uids = [d.SOPInstanceUID for d in datasets]
    at = "(at OB-GYN Ultrasound Procedure Report > Pelvis and Uterus)"
    assert stderr_lines(listener) == [
        f"error: SR {uids[0]} from TESTSCU: cervix_length: 1E+308 mm is out of range for a "
        f"length {at}",
        f"error: SR {uids[1]} from TESTSCU: cervix_length: 9.9E+99 cm is out of range for a "
        f"length {at}",
        f"error: SR {uids[2]} from TESTSCU: cervix_length: 'NaN' is not a finite number",
    ]
    assert [s["cl1_mm"] for s in stored(db)] == ["30.0"]


def test_a_tree_nested_3000_deep_is_one_line(db: Path, tmp_path: Path) -> None:
    """A report nested 3,000 deep (sent by DCMTK's storescu: pydicom cannot even encode it)
    is refused with 0xC000 and one line, and the receiver answers the next one."""
    storescu = dcmtk_tool("storescu")
    running = start(db, tmp_path, "--allow-ae", "STORESCU", "--allow-ae", "TESTSCU")
    try:
        deep = with_content(tmp_path, "deep.dcm", nested(3000, "CONTAINER"))
        to = ["127.0.0.1", str(running.port)]
        sent = subprocess.run(
            [storescu, "-v", "-aet", "STORESCU", "-aec", "CERVIXWATCH", *to, str(deep)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Error: CannotUnderstand" in sent.stdout + sent.stderr, sent.stderr
        uid = pydicom.dcmread(deep, stop_before_pixels=True, defer_size=64).SOPInstanceUID
        assert stderr_lines(running) == [
            f"error: SR {uid} from STORESCU: file: sequences nested more than 72 deep: refused"
        ]
        assert echo(running.port) == 0x0000
    finally:
        running.stop()
    assert stored(db) == []


def test_reader_warnings_are_one_line_of_ours(
    listener: Listener, db: Path, system_today: date
) -> None:
    """An SR pydicom warns about (unknown character set) is saved with one warning line of
    ours; pydicom's own words never reach stderr."""
    report = dated(fx.ob_report(*fx.THREE_MM), system_today)
    report.SpecificCharacterSet = "ISO_IR 999"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynetdicom's encoding of it warns here too
        assert send(listener.port, [report]) == [0x0000]
    uid = report.SOPInstanceUID
    assert stderr_lines(listener) == [
        f"warning: SR {uid} from TESTSCU: file: not valid DICOM in 1 place (read as far as "
        "possible; details not shown)"
    ]
    assert "ISO_IR" not in listener.stderr()
    assert len(stored(db)) == 1
