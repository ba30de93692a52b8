"""`listen`'s Modality Worklist over loopback: DCMTK's findscu and pynetdicom's C-FIND SCU."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pydicom
import pytest
from listener_harness import VERIFICATION, Listener, start
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE
from tests.clirunner import CliRunner
from tests.conftest import dcmtk_tool, system_clock

from cervix_watch.cli.app import app
from cervix_watch.interop.worklist import MODALITY_WORKLIST_FIND, PROCEDURE

# The listener is a child process on the machine's clock: the patients' dates are built
# from the machine's date (`system_today`).
pytestmark = [pytest.mark.slow, system_clock]

SCANNER = "US_ROOM1"
CONFIG = f"""
[scanners."{SCANNER}"]
hosts = ["127.0.0.1"]
worklist = true

[scanners."US_ROOM2"]
hosts = ["127.0.0.1"]
"""
# The query a machine sends: every return key of interop.md, empty (universal).
QUERY_DUMP = """\
(0008,0005) CS [ISO_IR 100]
(0008,0050) SH []
(0008,0090) PN []
(0008,1110) SQ (Sequence with undefined length)
(fffe,e0dd) na (SequenceDelimitationItem)
(0010,0010) PN []
(0010,0020) LO []
(0010,0030) DA []
(0010,0040) CS []
(0010,21c0) US (no value available)
(0010,21d0) DA []
(0020,000d) UI []
(0032,1060) LO []
(0040,1001) SH []
(0040,0100) SQ (Sequence with undefined length)
(fffe,e000) na (Item with undefined length)
(0008,0060) CS [US]
(0040,0001) AE []
(0040,0002) DA []
(0040,0003) TM []
(0040,0006) PN []
(0040,0007) LO []
(0040,0009) SH []
(fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
"""


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _edd_at(today: date, weeks: int, days: int = 0) -> str:
    """The EDD of a pregnancy at GA weeks+days on `today`."""
    return (today + timedelta(days=280 - (weeks * 7 + days))).isoformat()


@pytest.fixture
def db(tmp_path: Path, system_today: date) -> Path:
    """A clinic on the machine's date: low-risk singletons whose single screen (18+0 to
    22+6) is due now, due in 5 days or not for 2 weeks, a high-risk one, and one due
    patient without a name (not offered)."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    patients = [
        ("H100001", _edd_at(system_today, 19), "Smith, Mary", ()),
        ("H100002", _edd_at(system_today, 17, 2), "Müller, Anna", ()),
        ("H100003", _edd_at(system_today, 16), "Later, Lucy", ()),
        ("H100004", _edd_at(system_today, 20), "Risk, Rose", ("--prior-sptb-weeks", "26+3")),
        ("H100005", _edd_at(system_today, 19), "", ()),
    ]
    for mrn, edd, name, history in patients:
        naming = ("--name", name) if name else ()
        cli(path, "patient", "add", mrn, "--edd", edd, *naming, *history, "--operator", "setup")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    return path


@pytest.fixture
def listener(db: Path, tmp_path: Path, config: Path) -> Iterator[Listener]:
    """`listen` with US_ROOM1 a worklist scanner; stopped by SIGTERM afterwards."""
    running = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(config)})
    yield running
    running.stop()


def due_list(db: Path) -> list[dict[str, Any]]:
    patients: list[dict[str, Any]] = json.loads(
        cli(db, "due", "--within", "7", "--format", "json")
    )["patients"]
    return patients


def find(port: int, query: Dataset, ae_title: str = SCANNER) -> list[tuple[int, Dataset | None]]:
    """C-FIND on the worklist model: (status, identifier) of every response."""
    ae = AE(ae_title=ae_title)
    ae.add_requested_context(MODALITY_WORKLIST_FIND)
    assoc = ae.associate("127.0.0.1", port, ae_title="CERVIXWATCH")
    assert assoc.is_established
    try:
        return [
            (int(status.Status), identifier)
            for status, identifier in assoc.send_c_find(query, MODALITY_WORKLIST_FIND)
        ]
    finally:
        assoc.release()


def _query(**keys: Any) -> Dataset:
    query = Dataset()
    query.PatientID = ""
    query.PatientName = ""
    query.StudyInstanceUID = ""
    step = Dataset()
    for key, value in keys.items():
        setattr(step, key, value)
    query.ScheduledProcedureStepSequence = Sequence([step])
    return query


def test_findscu_returns_the_patients_due_lists(
    listener: Listener, db: Path, tmp_path: Path, system_today: date
) -> None:
    """findscu (a query file made by dump2dcm) gets one item per patient `due` lists, with
    every return key interop.md names; the unnamed patient is not offered."""
    dump = tmp_path / "query.dump"
    dump.write_text(QUERY_DUMP)
    query = tmp_path / "query.wl"
    subprocess.run([dcmtk_tool("dump2dcm"), str(dump), str(query)], check=True)
    out = tmp_path / "responses"
    out.mkdir()
    command = [dcmtk_tool("findscu"), "-W", "-aet", SCANNER, "-aec", "CERVIXWATCH"]
    command += ["-X", "-od", str(out), "127.0.0.1", str(listener.port), str(query)]
    subprocess.run(command, check=True, capture_output=True)
    answers = {str(d.PatientID): d for d in map(pydicom.dcmread, sorted(out.glob("*.dcm")))}
    due = {p["mrn"]: p for p in due_list(db)}
    assert set(due) == {"H100001", "H100002", "H100004", "H100005"}
    assert set(answers) == set(due) - {"H100005"}
    mary = answers["H100001"]
    edd = date.fromisoformat(_edd_at(system_today, 19))
    assert str(mary.PatientName) == "Smith^Mary"
    assert mary.LastMenstrualDate == (edd - timedelta(days=280)).strftime("%Y%m%d")
    assert mary.PregnancyStatus == 3
    assert mary.PatientBirthDate == mary.PatientSex == mary.AccessionNumber == ""
    assert mary.RequestedProcedureDescription == PROCEDURE
    assert mary.RequestedProcedureID.startswith("CW")
    assert mary.StudyInstanceUID.startswith("2.25.")
    assert len(mary.ReferencedStudySequence) == 0
    (step,) = mary.ScheduledProcedureStepSequence
    assert step.ScheduledStationAETitle == SCANNER
    assert step.Modality == "US"
    assert step.ScheduledProcedureStepStartTime == "000000"
    assert step.ScheduledProcedureStepID == mary.RequestedProcedureID
    assert step.ScheduledProcedureStepDescription == PROCEDURE
    for mrn, answer in answers.items():
        due_on = date.fromisoformat(due[mrn]["next_scan_due"])
        start_on = max(due_on, system_today).strftime("%Y%m%d")
        assert answer.ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate == start_on
    anna = answers["H100002"]
    assert anna.SpecificCharacterSet == "ISO_IR 100"
    assert str(anna.PatientName) == "Müller^Anna"
    assert "SpecificCharacterSet" not in mary or mary.SpecificCharacterSet in ("", "ISO_IR 100")
    assert "1 patient due cannot be offered" in listener.stderr()


def test_steps_are_issued_once_and_matched(listener: Listener) -> None:
    """The same query twice gets the same steps; wildcards, date ranges and UID lists
    narrow the answer; every response but the last is pending (FF00)."""
    first = find(listener.port, _query())
    again = find(listener.port, _query())
    assert [s for s, _ in first] == [0xFF00] * 3 + [0x0000]
    uids = {str(d.PatientID): str(d.StudyInstanceUID) for _, d in first if d is not None}
    assert uids == {str(d.PatientID): str(d.StudyInstanceUID) for _, d in again if d is not None}
    by_name = find(listener.port, _query())
    named = Dataset()
    named.PatientName = "smith^*"
    named.PatientID = ""
    assert [str(d.PatientID) for _, d in find(listener.port, named) if d] == ["H100001"]
    listed = Dataset()
    listed.StudyInstanceUID = f"{uids['H100001']}\\{uids['H100004']}"
    listed.PatientID = ""
    assert sorted(str(d.PatientID) for _, d in find(listener.port, listed) if d) == [
        "H100001",
        "H100004",
    ]
    assert by_name


def test_a_patient_named_by_her_mrn_is_offered(listener: Listener) -> None:
    """A query's exact PatientID of an active patient not due brings her item; a wildcard
    PatientID does not."""
    exact = Dataset()
    exact.PatientID = "H100003"
    assert [str(d.PatientID) for _, d in find(listener.port, exact) if d] == ["H100003"]
    wildcard = Dataset()
    wildcard.PatientID = "H10000?"
    assert "H100003" not in [str(d.PatientID) for _, d in find(listener.port, wildcard) if d]


def test_unsupported_keys_give_ff01(listener: Listener) -> None:
    """A requested optional key we do not support: each pending status is FF01."""
    query = _query(ScheduledStationName="")
    statuses = [s for s, _ in find(listener.port, query)]
    assert statuses == [0xFF01] * 3 + [0x0000]


def test_only_worklist_scanners_are_answered(listener: Listener) -> None:
    """A listed scanner without `worklist = true` is refused (0x0124); no patient printed."""
    assert find(listener.port, _query(), ae_title="US_ROOM2") == [(0x0124, None)]
    assert "worklist query from US_ROOM2 (127.0.0.1) refused" in listener.stderr()
    assert "Smith" not in listener.stderr() + listener.stdout()


def test_the_worklist_is_off_without_a_worklist_scanner(db: Path, tmp_path: Path) -> None:
    """Without a scanner with `worklist = true` the model is not even negotiated."""
    running = start(db, tmp_path, "--allow-ae", SCANNER)
    try:
        ae = AE(ae_title=SCANNER)
        ae.add_requested_context(MODALITY_WORKLIST_FIND)
        ae.add_requested_context(VERIFICATION)
        assoc = ae.associate("127.0.0.1", running.port, ae_title="CERVIXWATCH")
        assert assoc.is_established
        try:
            assert int(assoc.send_c_echo().Status) == 0x0000
            with pytest.raises(ValueError, match="No presentation context"):
                list(assoc.send_c_find(_query(), MODALITY_WORKLIST_FIND))
        finally:
            assoc.release()
        assert "Worklist for" not in running.stderr()
    finally:
        running.stop()


def test_a_report_sent_back_lands_on_the_worklist_patient(
    listener: Listener, db: Path, system_today: date
) -> None:
    """A report carrying her step's Study Instance UID is hers, whatever PatientID was
    typed on the machine (not printed); another patient's MRN with it is not filed but
    held in the inbox ("the worklist patient differs"), answered 0x0000 once held."""
    import sr_fixtures as fx
    from listener_harness import send

    (mary,) = [d for _, d in find(listener.port, _query()) if d and d.PatientID == "H100001"]

    def report(patient_id: str) -> Dataset:
        sent = fx.ob_report(fx.cl("31.2"), fx.cl("30.4"), patient_id=patient_id)
        sent.StudyInstanceUID = mary.StudyInstanceUID
        sent.PatientName = "Smith^Mary"
        sent.StudyDate = sent.ContentDate = system_today.strftime("%Y%m%d")
        return sent

    typed = report("Mary Smith")
    other = report("H100004")
    assert send(listener.port, [typed, other], ae_title=SCANNER) == [0x0000, 0x0000]
    scans = cli(db, "export", "scans")
    assert f"H100001,{system_today.isoformat()}" in scans
    assert "H100004" not in scans
    assert f"SR {typed.SOPInstanceUID} from {SCANNER}: scan 1 saved for H100001" in (
        listener.stdout()
    )
    assert (
        f"SR {other.SOPInstanceUID} from {SCANNER}: held in the inbox (1): the worklist "
        "patient differs." in listener.stdout()
    )
    assert "Mary Smith" not in listener.stdout() + listener.stderr()


@pytest.mark.parametrize(("setting", "expected"), [("", ""), ('worklist_accession = "step"', "CW")])
def test_accession_number_is_empty_unless_configured(
    db: Path, tmp_path: Path, setting: str, expected: str
) -> None:
    """interop.md: "AccessionNumber is empty unless configured": empty by default; with
    `worklist_accession = "step"` it is the step's id, CW<n>, the Requested Procedure ID
    (failed before: always empty)."""
    path = tmp_path / "accession.toml"
    path.write_text(f"{setting}\n{CONFIG}")
    path.chmod(0o600)
    running = start(db, tmp_path, env={"CERVIX_WATCH_CONFIG": str(path)})
    try:
        query = _query()
        query.AccessionNumber = ""
        query.RequestedProcedureID = ""
        answers = [d for _, d in find(running.port, query) if d is not None]
    finally:
        running.stop()
    assert answers
    for answer in answers:
        wanted = answer.RequestedProcedureID if expected else ""
        assert answer.AccessionNumber == wanted
        assert answer.AccessionNumber.startswith(expected)
