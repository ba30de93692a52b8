"""`listen` with `[scanners."AE"]` settings, over loopback: a listed AE only from its hosts,
its route for reports without a beam path (noted in the scan), --allow-ae beside it."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sr_fixtures as fx
from listener_harness import echo, send, start
from pydicom.dataset import Dataset
from tests.clirunner import CliRunner
from tests.conftest import system_clock

from cervix_watch.cli.app import app

# A child process on the machine's clock: the reports are dated a week before its today.
pytestmark = [pytest.mark.slow, system_clock]


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def shift(system_today: date) -> timedelta:
    return system_today - timedelta(days=7) - fx.STUDY_DATE


def moved(dataset: Dataset, by: timedelta) -> Dataset:
    for element in dataset.iterall():
        if element.VR == "DA" and element.value:
            day = datetime.strptime(str(element.value), "%Y%m%d").date() + by
            element.value = day.strftime("%Y%m%d")
    return dataset


@pytest.fixture
def db(tmp_path: Path, shift: timedelta) -> Path:
    """A clinic with the fixtures' patient SR0001, her LMP moved as the reports' dates are."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    cli(path, "patient", "add", fx.PATIENT_ID, "--lmp", (fx.LMP + shift).isoformat())
    return path


def config(tmp_path: Path, hosts: str) -> dict[str, str]:
    """A config file listing US_ROOM1 (single probe, route tv) from `hosts`; its env."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[scanners."US_ROOM1"]\nhosts = {hosts}\nsingle_probe = true\nroute = "tv"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return {"CERVIX_WATCH_CONFIG": str(path)}


def test_a_listed_scanners_route_files_a_report_without_beam_path(
    db: Path, tmp_path: Path, shift: timedelta
) -> None:
    """From its host, US_ROOM1's report without a beam path is answered 0x0000 and filed as
    tv with "route tv from scanner settings US_ROOM1" in its note; another calling AE (none
    allowed by --allow-ae) is rejected; the start-up line names US_ROOM1."""
    listener = start(db, tmp_path, env=config(tmp_path, '["127.0.0.1"]'))
    try:
        assert ", calling AEs: US_ROOM1; database: " in listener.stderr().splitlines()[0]
        no_beam = moved(fx.ob_report(fx.cl("30.0"), route=None), shift)
        assert send(listener.port, [no_beam], ae_title="US_ROOM1") == [0x0000]
        assert echo(listener.port, ae_title="TESTSCU") is None
    finally:
        listener.stop()
    [scan] = csv.DictReader(io.StringIO(cli(db, "export", "scans")))
    assert scan["route"] == "tv"
    assert "route tv from scanner settings US_ROOM1" in scan["notes"]
    assert f"SR {no_beam.SOPInstanceUID} from US_ROOM1: scan 1 saved" in listener.stdout()
    with sqlite3.connect(db) as conn:  # the settings are named in the scan's audit row
        changes = conn.execute("SELECT changes FROM audit WHERE entity = 'scan'").fetchall()
    assert any("route tv from scanner settings US_ROOM1" in c for (c,) in changes)


def test_a_listed_ae_from_another_address_is_rejected(db: Path, tmp_path: Path) -> None:
    """US_ROOM1 listed with another host: its association from 127.0.0.1 is rejected, with
    one line naming the address and title; an --allow-ae title still associates."""
    env = config(tmp_path, '["10.9.9.9"]')
    listener = start(db, tmp_path, "--allow-ae", "TESTSCU", env=env)
    try:
        first = listener.stderr().splitlines()[0]
        assert ", calling AEs: TESTSCU, US_ROOM1; database: " in first
        assert echo(listener.port, ae_title="US_ROOM1") is None
        assert echo(listener.port, ae_title="TESTSCU") == 0x0000
        assert echo(listener.port, ae_title="INTRUDER") is None
    finally:
        listener.stop()
    assert (
        "warning: association from 127.0.0.1 (AE US_ROOM1) refused: calling AE not "
        "recognised from that address" in listener.stderr()
    )


def test_without_a_route_a_report_without_beam_path_is_still_refused(
    db: Path, tmp_path: Path, shift: timedelta
) -> None:
    """A listed scanner without a route: a report without a beam path is not filed (no
    silent tv): held and answered 0x0000; `inbox file ID --route tv` then files it as tv
    (issue 23 "Done when")."""
    path = tmp_path / "config.toml"
    path.write_text('[scanners."US_ROOM2"]\nhosts = ["127.0.0.1"]\n', encoding="utf-8")
    path.chmod(0o600)
    listener = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(path)})
    try:
        no_beam = moved(fx.ob_report(fx.cl("30.0"), route=None), shift)
        assert send(listener.port, [no_beam], ae_title="US_ROOM2") == [0x0000]
    finally:
        listener.stop()
    assert cli(db, "export", "scans").count("\n") == 1  # the header only
    [row] = json.loads(cli(db, "inbox", "--format", "json"))["inbox"]
    assert row["reason"] == "no beam path, and no route set for this scanner"
    cli(db, "inbox", "file", str(row["inbox_id"]), "--route", "tv")
    [scan] = csv.DictReader(io.StringIO(cli(db, "export", "scans")))
    assert (scan["route"], scan["cl1_mm"]) == ("tv", "30.0")


def test_inbox_file_reads_a_held_report_with_its_scanners_settings_of_now(
    db: Path, tmp_path: Path, shift: timedelta
) -> None:
    """US_ROOM1 without a route: its report without a beam path is held. The settings then
    give US_ROOM1 route tv: `inbox file ID` (no --route) files it as tv, noted."""
    path = tmp_path / "config.toml"
    path.write_text('[scanners."US_ROOM1"]\nhosts = ["127.0.0.1"]\n', encoding="utf-8")
    path.chmod(0o600)
    listener = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(path)})
    try:
        no_beam = moved(fx.ob_report(fx.cl("30.0"), route=None), shift)
        assert send(listener.port, [no_beam], ae_title="US_ROOM1") == [0x0000]
    finally:
        listener.stop()
    env = config(tmp_path, '["127.0.0.1"]')  # now single probe, route tv
    result = CliRunner().invoke(
        app, ["--db", str(db), "inbox", "file", "1"], env={"NO_COLOR": "1", **env}
    )
    assert result.exit_code == 0, result.output
    [scan] = csv.DictReader(io.StringIO(cli(db, "export", "scans")))
    assert scan["route"] == "tv"
    assert "route tv from scanner settings US_ROOM1" in scan["notes"]


def test_another_serial_and_a_pattern_mismatch_are_held_and_answered_0x0000(
    db: Path, tmp_path: Path, shift: timedelta
) -> None:
    """US_ROOM1 with serial and mrn_pattern: a report from another serial, and one whose
    PatientID does not fit the pattern, are held (0x0000), not refused (0xC000)."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[scanners."US_ROOM1"]\nhosts = ["127.0.0.1"]\nserial = "W1"\n'
        'mrn_pattern = "^SR[0-9]{4}$"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    other_serial = moved(fx.ob_report(fx.cl("30.0")), shift)
    other_serial.DeviceSerialNumber = "W2"
    odd_id = moved(fx.ob_report(fx.cl("29.0"), patient_id="DOE^JANE"), shift)
    odd_id.DeviceSerialNumber = "W1"
    listener = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(path)})
    try:
        sent = send(listener.port, [other_serial, odd_id], ae_title="US_ROOM1")
    finally:
        listener.stop()
    assert sent == [0x0000, 0x0000]
    assert cli(db, "export", "scans").count("\n") == 1  # the header only
    rows = json.loads(cli(db, "inbox", "--format", "json"))["inbox"]
    assert sorted(r["reason"] for r in rows) == [
        "serial: the report has serial W2, not W1 (scanner settings US_ROOM1)",
        "the PatientID matches no stored MRN",
    ]
    assert "DOE" not in listener.stdout() + listener.stderr()


def test_a_report_listen_held_for_another_serial_is_filed_by_a_person_who_checked_it(
    db: Path, tmp_path: Path, shift: timedelta
) -> None:
    """A report from serial W2 sent by US_ROOM1 (serial W1): listen holds it (0x0000);
    `inbox file ID` refuses it in one line naming --serial-differs-ok; with it, the report
    is filed, its note saying why and who. Failed before: refused whatever was given."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[scanners."US_ROOM1"]\nhosts = ["127.0.0.1"]\nserial = "W1"\n', encoding="utf-8"
    )
    path.chmod(0o600)
    report = moved(fx.ob_report(fx.cl("30.0")), shift)
    report.DeviceSerialNumber = "W2"
    listener = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(path)})
    try:
        assert send(listener.port, [report], ae_title="US_ROOM1") == [0x0000]
    finally:
        listener.stop()
    [row] = json.loads(cli(db, "inbox", "--format", "json"))["inbox"]
    env = {"NO_COLOR": "1", "CERVIX_WATCH_CONFIG": str(path), "CERVIX_WATCH_OPERATOR": "ann"}
    filing = ["--db", str(db), "inbox", "file", str(row["inbox_id"])]
    refused = CliRunner().invoke(app, filing, env=env)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: inbox report {row['inbox_id']}: serial: the report has serial W2, not W1 "
        "(scanner settings US_ROOM1): if it is from this machine, file it with "
        "--serial-differs-ok\n"
    )
    filed = CliRunner().invoke(app, [*filing, "--serial-differs-ok"], env=env)
    assert filed.exit_code == 0, filed.output
    [scan] = csv.DictReader(io.StringIO(cli(db, "export", "scans")))
    assert scan["cl1_mm"] == "30.0"
    assert (
        "serial: the report has serial W2, not W1 (scanner settings US_ROOM1): filed with "
        "--serial-differs-ok by ann" in scan["notes"]
    )
