"""`import sr --scanner NAME` and `--route`: a machine's settings applied to files, and the
run's summary saying for how many reports a given route stood in for a beam path."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sr_fixtures as fx
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from tests.conftest import Cli

from cervix_watch.store.store import Store

ROOM1 = """
[scanners."US_ROOM1"]
hosts = ["127.0.0.1"]
single_probe = true
route = "tv"
"""


@pytest.fixture
def clinic(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Patient SR0001 (EDD 2027-03-14) and a config file this test writes (`configure`)."""
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    result = cli("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    assert result.exit_code == 0, result.output
    return cli


def configure(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def stored_scans(cli: Cli) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli("export", "scans").stdout)))


def folder_of(tmp_path: Path, sr_files: dict[str, Path], *names: str) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(sr_files[name].read_bytes())
    return folder


def test_route_option_summary_counts_the_reports_it_stood_in_for(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """--route tv on a TV report, a TA report and one without a beam path: each keeps its
    own route, only the last takes tv, and the summary says 1 of 3."""
    folder = folder_of(tmp_path, sr_files, "cl-mm.dcm", "transabdominal.dcm", "no-beam-path.dcm")
    result = clinic("import", "sr", str(folder), "--route", "ta")
    assert result.exit_code == 1  # ta contradicts cl-mm.dcm's transvaginal beam path
    assert "contradicts the report's beam path (tv)" in result.stderr
    result = clinic(
        "import",
        "sr",
        str(folder / "transabdominal.dcm"),
        str(folder / "no-beam-path.dcm"),
        "--route",
        "ta",
    )
    assert result.exit_code == 0, result.output
    assert "(0 already present; route ta from --route for 1 of 2 reports)." in result.stdout
    routes = sorted(s["route"] for s in stored_scans(clinic))
    assert routes == ["ta", "ta"]


def test_no_route_no_summary(clinic: Cli, sr_files: dict[str, Path]) -> None:
    """Without --route (or a scanner's route) the summary says nothing about routes."""
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]))
    assert result.exit_code == 0, result.output
    assert "Imported 1 scan from 1 file (0 already present)." in result.stdout


def test_a_scanners_route_files_a_report_without_beam_path_and_is_noted(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path, db_url: str
) -> None:
    """--scanner US_ROOM1 (single probe, route tv): the report without a beam path is filed
    as tv, its note and its audit row say "route tv from scanner settings US_ROOM1"; the
    report with a beam path keeps it, unnoted; the summary counts 1 of 2."""
    configure(tmp_path, ROOM1)
    folder = folder_of(tmp_path, sr_files, "no-beam-path.dcm", "cl-mm.dcm")
    result = clinic("import", "sr", str(folder), "--scanner", "US_ROOM1")
    assert result.exit_code == 0, result.output
    assert "route tv from scanner settings US_ROOM1 for 1 of 2 reports)." in result.stdout
    notes = {s["cl1_mm"]: (s["route"], s["notes"]) for s in stored_scans(clinic)}
    assert notes["30.0"][0] == "tv"
    assert "route tv from scanner settings US_ROOM1" in notes["30.0"][1]
    assert "scanner settings" not in notes["30.4"][1]
    [noted] = [c for c in scan_audit_changes(db_url) if "scanner settings" in c]
    assert "route tv from scanner settings US_ROOM1" in noted


def scan_audit_changes(url: str) -> list[str]:
    """The changes (JSON text) of every audit row of a scan."""
    store = Store.open(url)
    try:
        with store.read() as conn:
            rows = conn.exec_driver_sql("SELECT changes FROM audit WHERE entity = 'scan'").all()
    finally:
        store.close()
    return [changes for (changes,) in rows]


def test_route_option_wins_over_the_scanners(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """--route given with --scanner: the flag's route, and no settings note."""
    configure(tmp_path, ROOM1)
    path = sr_files["no-beam-path.dcm"]
    result = clinic("import", "sr", str(path), "--scanner", "US_ROOM1", "--route", "tp")
    assert result.exit_code == 0, result.output
    assert "route tp from --route for 1 of 1 report)." in result.stdout
    [scan] = stored_scans(clinic)
    assert scan["route"] == "tp"
    assert "scanner settings" not in scan["notes"]


def test_an_unlisted_scanner_is_one_line(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """--scanner naming no [scanners] table: exit 1, one line naming the file and the
    listed scanners; nothing written."""
    configure(tmp_path, ROOM1)
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]), "--scanner", "US_ROOM2")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f'error: scanner: no [scanners."US_ROOM2"] in {tmp_path / "config.toml"} (listed: US_ROOM1)'
    )
    assert stored_scans(clinic) == []


def write(tmp_path: Path, dataset: Dataset, name: str) -> Path:
    return fx.one(tmp_path, dataset, name)


def test_a_report_from_another_serial_is_refused(clinic: Cli, tmp_path: Path) -> None:
    """serial set: the machine's serial is filed, another (or none) refused in one line."""
    configure(tmp_path, ROOM1 + 'serial = "W1234567"\n')
    ours, theirs = fx.ob_report(fx.cl("30.0")), fx.ob_report(fx.cl("28.0"))
    ours.DeviceSerialNumber, theirs.DeviceSerialNumber = "W1234567", "W7654321"
    result = clinic(
        "import", "sr", str(write(tmp_path, theirs, "theirs.dcm")), "--scanner", "US_ROOM1"
    )
    assert result.exit_code == 1
    assert (
        "theirs.dcm: serial: the report has serial W7654321, not W1234567 (scanner settings "
        "US_ROOM1)" in result.stderr
    )
    result = clinic("import", "sr", str(write(tmp_path, ours, "ours.dcm")), "--scanner", "US_ROOM1")
    assert result.exit_code == 0, result.output


def test_mrn_from_another_issuers_id(clinic: Cli, tmp_path: Path) -> None:
    """mrn_from = "OtherPatientIDsSequence:HOSP": the MRN is that item's, whatever
    PatientID holds (the archive's number); without the item, refused."""
    configure(tmp_path, ROOM1 + 'mrn_from = "OtherPatientIDsSequence:HOSP"\n')
    report = fx.ob_report(fx.cl("30.0"), patient_id="ARCHIVE-77")
    other, hospital = Dataset(), Dataset()
    other.PatientID, other.IssuerOfPatientID = "X1", "OTHER"
    hospital.PatientID, hospital.IssuerOfPatientID = fx.PATIENT_ID, "HOSP"
    report.OtherPatientIDsSequence = Sequence([other, hospital])
    result = clinic(
        "import", "sr", str(write(tmp_path, report, "other-id.dcm")), "--scanner", "US_ROOM1"
    )
    assert result.exit_code == 0, result.output
    assert [s["mrn"] for s in stored_scans(clinic)] == [fx.PATIENT_ID]
    bare = fx.ob_report(fx.cl("30.0"))
    result = clinic("import", "sr", str(write(tmp_path, bare, "bare.dcm")), "--scanner", "US_ROOM1")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "bare.dcm: patient: the report carries no MRN: no Other Patient ID of issuer HOSP, "
        "where scanner settings US_ROOM1 read it (mrn_from)"
    )


def test_with_hold_a_report_without_the_other_patient_id_says_what_is_missing(
    clinic: Cli, tmp_path: Path
) -> None:
    """mrn_from names an issuer the report has no Other Patient ID of: held with a reason
    saying no MRN is on the report and where it was looked for (failed before: "patient:
    the report has no Other Patient ID ...", a field name for a reason)."""
    configure(tmp_path, ROOM1 + 'mrn_from = "OtherPatientIDsSequence:HOSP"\n')
    bare = write(tmp_path, fx.ob_report(fx.cl("30.0")), "bare.dcm")
    result = clinic("import", "sr", "--hold", str(bare), "--scanner", "US_ROOM1")
    assert result.exit_code == 0, result.output
    [row] = json.loads(clinic("inbox", "--format", "json").stdout)["inbox"]
    assert row["reason"] == (
        "the report carries no MRN: no Other Patient ID of issuer HOSP, where scanner "
        "settings US_ROOM1 read it (mrn_from)"
    )
    assert stored_scans(clinic) == []
    # the person names the patient: the MRN is theirs, not where the settings look for it
    filed = clinic("inbox", "file", str(row["inbox_id"]), "--mrn", fx.PATIENT_ID)
    assert filed.exit_code == 0, filed.output
    assert [s["mrn"] for s in stored_scans(clinic)] == [fx.PATIENT_ID]


SINGLE_PROBE = 'single_probe = true\nroute = "tv"\n'


def test_inbox_file_reads_a_report_held_by_import_with_its_scanners_settings(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """import sr --hold --scanner US_ROOM1 (no route yet): held for its route, calling AE
    "file import" (interop.md), the row naming US_ROOM1's settings; once US_ROOM1 has
    route tv, `inbox file ID` alone files it as tv from those settings. Failed before: the
    row kept only "file import", so filing applied no scanner's settings and asked for
    --route."""
    configure(tmp_path, ROOM1.replace(SINGLE_PROBE, ""))
    path = str(sr_files["no-beam-path.dcm"])
    result = clinic("import", "sr", "--hold", "--scanner", "US_ROOM1", path)
    assert result.exit_code == 0, result.output
    [row] = json.loads(clinic("inbox", "--format", "json").stdout)["inbox"]
    assert row["calling_ae"] == "file import"
    assert row["reason"] == "no beam path, and no route set for this scanner"
    shown = clinic("inbox", "show", str(row["inbox_id"]))
    assert "from file import (1 time), read with scanner settings US_ROOM1" in shown.stdout
    configure(tmp_path, ROOM1)
    filed = clinic("inbox", "file", str(row["inbox_id"]))
    assert filed.exit_code == 0, filed.output
    [scan] = stored_scans(clinic)
    assert scan["route"] == "tv"
    assert "route tv from scanner settings US_ROOM1" in scan["notes"]


@pytest.mark.parametrize(("pattern", "filed"), [("^SR[0-9]{4}$", True), ("^H[0-9]{6}$", False)])
def test_mrn_pattern(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path, pattern: str, filed: bool
) -> None:
    """A PatientID that is a stored MRN is filed only when it matches the scanner's
    mrn_pattern; otherwise refused with the id masked, never whole."""
    configure(tmp_path, ROOM1 + f'mrn_pattern = "{pattern}"\n')
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]), "--scanner", "US_ROOM1")
    assert (result.exit_code == 0) is filed, result.output
    if not filed:
        assert "patient: (unmatched id, 6 chars, #" in result.stderr
        assert "is not an MRN (mrn_pattern of scanner settings US_ROOM1)" in result.stderr
        assert fx.PATIENT_ID not in result.stderr


def test_a_scanners_codes_map_its_private_cervix_length(clinic: Cli, tmp_path: Path) -> None:
    """The machine's codes ("cl") read its private CL code; the same file without
    --scanner has no cervix length."""
    configure(tmp_path, ROOM1 + '[scanners."US_ROOM1".codes]\n"99SMS:99005-07" = "cl"\n')
    samsung = fx.ob_report(fx.num(("99005-07", "99SMS", "Cervix length"), "2.61", "cm"))
    path = write(tmp_path, samsung, "samsung.dcm")
    result = clinic("import", "sr", str(path))
    assert result.exit_code == 1
    assert "no cervix length in" in result.stderr
    result = clinic("import", "sr", str(path), "--scanner", "US_ROOM1")
    assert result.exit_code == 0, result.output
    assert [s["cl1_mm"] for s in stored_scans(clinic)] == ["26.1"]


def test_the_scanner_name_is_matched_with_padding_ignored(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """--scanner " US_ROOM1 " is US_ROOM1 (AE titles are padded); case still counts."""
    configure(tmp_path, ROOM1)
    path = str(sr_files["cl-mm.dcm"])
    assert clinic("import", "sr", path, "--scanner", "us_room1").exit_code == 1
    assert clinic("import", "sr", path, "--scanner", " US_ROOM1 ").exit_code == 0


def test_the_review_shows_a_route_from_the_settings(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """The latest scan's route came from the scanner's settings: the review says so beside
    the latest CL, in the terminal, Markdown and HTML; a measured route says nothing."""
    configure(tmp_path, ROOM1)
    result = clinic("import", "sr", str(sr_files["no-beam-path.dcm"]), "--scanner", "US_ROOM1")
    assert result.exit_code == 0, result.output
    aside = "route tv from scanner settings US_ROOM1"
    table = clinic("review", "--as-of", "2026-12-01", "--format", "table")
    words = " ".join(w for w in table.stdout.split() if w != "│")
    assert f"CL latest 30.0 mm ({aside})" in words
    markdown = clinic("review", "--as-of", "2026-12-01", "--format", "md")
    assert "30.0 / 30.0 \\(route tv from scanner settings US\\_ROOM1\\)" in markdown.stdout
    html = tmp_path / "review.html"
    written = clinic("review", "--as-of", "2026-12-01", "--format", "html", "--out", str(html))
    assert written.exit_code == 0, written.output
    assert f"({aside})" in html.read_text(encoding="utf-8")
    assert clinic("import", "sr", str(sr_files["cl-cm.dcm"])).exit_code == 0
    later = clinic("review", "--as-of", "2026-12-01", "--format", "table")
    assert "scanner settings" not in later.stdout


def test_with_hold_another_serial_and_a_pattern_mismatch_are_held(
    clinic: Cli, tmp_path: Path
) -> None:
    """--hold --scanner: a report from another serial and one whose PatientID does not fit
    mrn_pattern are held (the latter as an unmatched PatientID, masked); the machine's own
    serial with a fitting MRN is filed; the run succeeds."""
    configure(tmp_path, ROOM1 + 'serial = "W1234567"\nmrn_pattern = "^SR[0-9]{4}$"\n')
    ours, theirs = fx.ob_report(fx.cl("30.0")), fx.ob_report(fx.cl("28.0"))
    odd_id = fx.ob_report(fx.cl("27.0"), patient_id="DOE^JANE")
    ours.DeviceSerialNumber = odd_id.DeviceSerialNumber = "W1234567"
    theirs.DeviceSerialNumber = "W7654321"
    files = [
        write(tmp_path, d, n) for d, n in ((ours, "o.dcm"), (theirs, "t.dcm"), (odd_id, "i.dcm"))
    ]
    result = clinic("import", "sr", "--hold", "--scanner", "US_ROOM1", *map(str, files))
    assert result.exit_code == 0, result.output
    assert [s["cl1_mm"] for s in stored_scans(clinic)] == ["30.0"]
    rows = json.loads(clinic("inbox", "--format", "json").stdout)["inbox"]
    assert sorted(str(r["reason"]) for r in rows) == [
        "serial: the report has serial W7654321, not W1234567 (scanner settings US_ROOM1)",
        "the PatientID matches no stored MRN",
    ]
    assert "DOE" not in result.output


def test_with_hold_the_summary_says_for_how_many_reports_the_route_stood_in(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """import sr --hold --route ta: the summary ends as import sr's does ("route ta from
    --route for 1 of 2 reports"); without --route it says nothing about routes."""
    folder = folder_of(tmp_path, sr_files, "transabdominal.dcm", "no-beam-path.dcm")
    result = clinic("import", "sr", "--hold", str(folder), "--route", "ta")
    assert result.exit_code == 0, result.output
    summary = " ".join(result.stdout.split())  # the terminal wraps the summary
    assert "0 ignored; route ta from --route for 1 of 2 reports)." in summary
    again = clinic("import", "sr", "--hold", str(folder))
    assert again.exit_code == 0, again.output
    assert "held in the inbox, 0 ignored)." in " ".join(again.stdout.split())


@pytest.mark.parametrize("options", [[], ["--mrn", fx.PATIENT_ID], ["--route", "tv"]])
def test_a_report_held_for_another_serial_is_filed_by_a_person_who_checked_it(
    clinic: Cli, tmp_path: Path, db_url: str, options: list[str]
) -> None:
    """Held for another serial: `inbox file ID` (with or without --mrn, --route) refuses it
    in one line naming --serial-differs-ok; with that option it is filed, and its note and
    audit row say who filed it so and why. Failed before: the serial refusal came first
    whatever was given, so no person could ever file it."""
    configure(tmp_path, ROOM1 + 'serial = "W1234567"\n')
    theirs = fx.ob_report(fx.cl("28.0"))
    theirs.DeviceSerialNumber = "W7654321"
    path = write(tmp_path, theirs, "t.dcm")
    assert clinic("import", "sr", "--hold", "--scanner", "US_ROOM1", str(path)).exit_code == 0
    [row] = json.loads(clinic("inbox", "--format", "json").stdout)["inbox"]
    inbox_id = row["inbox_id"]
    refused = clinic("inbox", "file", str(inbox_id), *options)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: inbox report {inbox_id}: serial: the report has serial W7654321, not W1234567 "
        "(scanner settings US_ROOM1): if it is from this machine, file it with "
        "--serial-differs-ok\n"
    )
    assert stored_scans(clinic) == []
    filed = clinic("inbox", "file", str(inbox_id), *options, "--serial-differs-ok")
    assert filed.exit_code == 0, filed.output
    [scan] = stored_scans(clinic)
    assert scan["cl1_mm"] == "28.0"
    why = (
        "serial: the report has serial W7654321, not W1234567 (scanner settings US_ROOM1): "
        "filed with --serial-differs-ok by tester"
    )
    assert why in scan["notes"]
    assert any(why in change for change in scan_audit_changes(db_url))
    assert json.loads(clinic("inbox", "--format", "json").stdout)["inbox"] == []
