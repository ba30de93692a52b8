"""`listen` and the inbox over loopback: issue 23 point 7's silent drops are held, answered
0x0000 once written; a re-send counts on its row; the start-up line says how many wait."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sr_fixtures as fx
from listener_harness import Listener, send, start
from pydicom.dataset import Dataset
from tests.clirunner import CliRunner
from tests.conftest import system_clock

from cervix_watch.cli.app import app

pytestmark = [pytest.mark.slow, system_clock]
UID = fx.UID_ROOT + "23.7"


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def study_date(system_today: date) -> date:
    """A week before the machine's date (the child process refuses a scan dated later)."""
    return system_today - timedelta(days=7)


@pytest.fixture
def db(tmp_path: Path, study_date: date) -> Path:
    """H1 (named "Example, Ann") and H2, both at GA 20+0 on the study date."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    lmp = (study_date - timedelta(days=140)).isoformat()
    cli(path, "patient", "add", "H1", "--lmp", lmp, "--name", "Example, Ann")
    cli(path, "patient", "add", "H2", "--lmp", lmp)
    return path


@pytest.fixture
def listener(db: Path, tmp_path: Path) -> Iterator[Listener]:
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    yield running
    running.stop()


def report(patient_id: str, cl_mm: str, on: date, name: str = "") -> Dataset:
    dataset: Dataset = fx.ob_report(fx.cl(cl_mm), patient_id=patient_id, sop_uid=UID)
    dataset.PatientName = name
    dataset.StudyDate = dataset.ContentDate = on.strftime("%Y%m%d")
    return dataset


def scans(db: Path) -> list[tuple[str, str]]:
    return [
        (r["mrn"], r["cl1_mm"]) for r in csv.DictReader(io.StringIO(cli(db, "export", "scans")))
    ]


def held(db: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(cli(db, "inbox", "--format", "json"))["inbox"]
    return rows


@pytest.mark.parametrize(
    ("second_id", "second_cl"), [("H2", "21.0"), ("H1", "18.0")], ids=["other-patient", "other-cl"]
)
def test_a_uid_resent_with_other_content_is_held_not_already_present(
    listener: Listener, db: Path, study_date: date, second_id: str, second_cl: str
) -> None:
    """H1 CL 21.0 with UID U, then U for H2 (or CL 18.0): 0x0000 both; the second held,
    "received before with different content (scan 1)"; scan 1 stays H1's 21.0."""
    first, second = report("H1", "21.0", study_date), report(second_id, second_cl, study_date)
    assert send(listener.port, [first, second]) == [0x0000, 0x0000]
    assert scans(db) == [("H1", "21.0")]
    [row] = held(db)
    assert row["reason"] == "received before with different content (scan 1)"
    assert f"SR {UID} from TESTSCU: already present" not in listener.stdout()
    assert (
        f"SR {UID} from TESTSCU: held in the inbox (1): received before with different "
        "content (scan 1)." in listener.stdout()
    )


@pytest.mark.parametrize(
    "report_name", [fx.PATIENT_NAME, "EXAMPLE^MARY"], ids=["another-name", "one-shared-token"]
)
def test_a_stored_mrn_with_another_name_is_held_and_no_name_is_printed(
    listener: Listener, db: Path, study_date: date, report_name: str
) -> None:
    """PatientID H1, PatientName not hers (one shared token is no match): held ("the name on
    the report differs from the record"), 0x0000; neither name in any output."""
    dataset = report("H1", "21.0", study_date, name=report_name)
    assert send(listener.port, [dataset]) == [0x0000]
    assert scans(db) == []
    [row] = held(db)
    assert row["reason"] == "the name on the report differs from the record"
    printed = listener.stdout() + listener.stderr() + cli(db, "inbox")
    for word in ("Quillfeather", "Zyxandra", "Example", "Ann", "EXAMPLE", "MARY"):
        assert word not in printed


def test_a_held_uid_received_again_is_counted_on_its_row(
    listener: Listener, db: Path, study_date: date
) -> None:
    """Already held: no new row; the same bytes counted, other bytes a new version."""
    dataset = report("NOT-AN-MRN", "21.0", study_date)
    assert send(listener.port, [dataset, dataset]) == [0x0000, 0x0000]
    dataset.ContentTime = "101600"
    assert send(listener.port, [dataset]) == [0x0000]
    [row] = held(db)
    assert (row["receipts"], row["versions"]) == (3, 2)
    out = listener.stdout()
    assert (
        f"SR {UID} from TESTSCU: already held in the inbox (1): received again, the same "
        "bytes." in out
    )
    assert "received again, a new version kept." in out
    assert "NOT-AN-MRN" not in out + listener.stderr()


def test_the_start_up_line_says_how_many_reports_wait(
    db: Path, tmp_path: Path, study_date: date
) -> None:
    """Two held reports: listen's start-up says "2 scanner reports wait in the inbox"."""
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    try:
        first = report("X1", "21.0", study_date)
        other = report("X2", "21.0", study_date)
        other.SOPInstanceUID = other.file_meta.MediaStorageSOPInstanceUID = UID + ".2"
        assert send(running.port, [first, other]) == [0x0000, 0x0000]
    finally:
        running.stop()
    again = start(db, tmp_path, "--allow-ae", "TESTSCU")
    try:
        # written just after "Listening as", which is all `start` waits for
        assert again.wait_for("2 scanner reports wait in the inbox: cervix-watch inbox")
    finally:
        again.stop()


ENHANCED_SR, COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33"


def test_a_class_other_than_the_negotiated_one_or_a_root_not_a_container_is_0xa900(
    listener: Listener,
    db: Path,
    study_date: date,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sent on the Comprehensive SR context, a dataset whose SOP Class UID says Enhanced
    SR, and one whose root is not a CONTAINER: 0xA900, nothing filed, held or kept; the
    same report on its own class is filed."""
    mismatched = report("H1", "21.0", study_date, name="EXAMPLE^ANN")
    mismatched.SOPInstanceUID = mismatched.file_meta.MediaStorageSOPInstanceUID = UID + ".1"
    mismatched.file_meta.MediaStorageSOPClassUID = COMPREHENSIVE_SR
    mismatched.SOPClassUID = ENHANCED_SR  # the context is chosen by the file meta's class
    # a file sent in chunks is sent on the context of its file meta's class, as it is
    monkeypatch.setattr("pynetdicom._config.STORE_SEND_CHUNKED_DATASET", True)
    path = tmp_path / "mismatched.dcm"
    mismatched.preamble = b"\0" * 128
    mismatched.save_as(path)  # the file meta as set, not made again from the dataset
    not_container = report("H1", "21.0", study_date, name="EXAMPLE^ANN")
    not_container.SOPInstanceUID = not_container.file_meta.MediaStorageSOPInstanceUID = UID + ".2"
    not_container.ValueType = "TEXT"
    assert send(listener.port, [path, not_container]) == [0xA900, 0xA900]  # type: ignore[list-item]
    assert scans(db) == []
    assert held(db) == []
    assert "sop_class: Enhanced SR (1.2.840.10008.5.1.4.1.1.88.22) differs from the" in (
        listener.stderr()
    )
    mismatched.SOPClassUID = COMPREHENSIVE_SR
    assert send(listener.port, [mismatched]) == [0x0000]
    assert scans(db) == [("H1", "21.0")]


def test_no_beam_path_and_an_unmatched_patient_id_are_both_reasons(
    listener: Listener, db: Path, study_date: date
) -> None:
    """No beam path and a PatientID that is no MRN: held (0x0000) for both, the route first
    (failed before: held for the route only)."""
    dataset = fx.ob_report(fx.cl("30.0"), route=None, patient_id="NOBODY-1", sop_uid=UID)
    dataset.StudyDate = dataset.ContentDate = study_date.strftime("%Y%m%d")
    assert send(listener.port, [dataset]) == [0x0000]
    [row] = held(db)
    assert row["reason"] == (
        "no beam path, and no route set for this scanner; the PatientID matches no stored MRN"
    )
    assert "NOBODY" not in listener.stdout() + listener.stderr()


def test_a_report_filed_with_a_route_is_already_present_when_the_scanner_sends_it(
    listener: Listener, db: Path, study_date: date, tmp_path: Path
) -> None:
    """A report without beam path, filed by `import sr --route tv`, then sent by the machine
    (no route for it): answered 0x0000, "already present (scan 1)", not held (failed
    before: held for its route)."""
    dataset = fx.ob_report(fx.cl("30.0"), route=None, patient_id="H2", sop_uid=UID)
    dataset.StudyDate = dataset.ContentDate = study_date.strftime("%Y%m%d")
    path = fx.one(tmp_path, dataset, "no-beam.dcm")
    cli(db, "import", "sr", str(path), "--route", "tv")
    assert send(listener.port, [dataset]) == [0x0000]
    assert held(db) == []
    assert scans(db) == [("H2", "30.0")]
    assert f"SR {UID} from TESTSCU: already present (scan 1)" in listener.stdout()


def test_a_builtin_default_changed_by_an_upgrade_keeps_listen_filing_and_says_so(
    db: Path, tmp_path: Path, study_date: date
) -> None:
    """nice-ng25 stored as the default by an earlier release whose nice-ng25 differs (one
    threshold): listen keeps the stored rules, its start-up says so in one line naming them
    (custom, by sha256) and the command that adopts this version's, and a report is filed
    (0x0000). Failed before: every report refused (0xA900) and
    nothing said at start-up."""
    import hashlib

    from cervix_watch.app.clinic import PROFILE_SHA_SETTING, PROFILE_TOML_SETTING
    from cervix_watch.rules import builtin_profile_text
    from cervix_watch.store.store import Store

    cli(db, "rules", "default", "nice-ng25")
    text = builtin_profile_text("nice-ng25").replace("threshold_mm = 25.0", "threshold_mm = 28.0")
    store = Store.open(str(db))
    try:
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        values = {PROFILE_TOML_SETTING: text, PROFILE_SHA_SETTING: sha}
        store.set_settings(values, "an earlier release", [PROFILE_SHA_SETTING])
    finally:
        store.close()
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    try:
        assert send(running.port, [report("H2", "21.0", study_date)]) == [0x0000]
    finally:
        running.stop()
    warning = (
        "warning: profile: this database's default is nice-ng25 as an earlier release shipped "
        "it, and this version's nice-ng25 has other rules; the stored rules are used, as "
        f"custom profile 'nice-ng25' (sha256 {sha[:8]}...): 'cervix-watch rules default "
        "nice-ng25' adopts this version's"
    )
    assert warning in running.stderr().splitlines()
    assert scans(db) == [("H2", "21.0")]


def test_a_report_whose_scan_was_voided_sent_again_is_held_by_listen(
    db: Path, tmp_path: Path, study_date: date
) -> None:
    """Filed by listen as scan 1, voided, then sent again by the machine: answered 0x0000
    and held, "received before as a scan that was voided (scan 1)". Failed before: "already
    present (scan 1)", nothing held."""
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    try:
        assert send(running.port, [report("H2", "21.0", study_date)]) == [0x0000]
        cli(db, "scan", "void", "1", "--reason", "keyed to the wrong patient")
        assert send(running.port, [report("H2", "21.0", study_date)]) == [0x0000]
    finally:
        running.stop()
    [row] = held(db)
    assert row["reason"] == "received before as a scan that was voided (scan 1)"
    assert "already present" not in running.stdout() + running.stderr()
