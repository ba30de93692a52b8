"""Issue 23 point 7's silent drops, and `import sr --hold` / `inbox file` (interop.md v3).

A UID received before with other content (another patient, another CL) was "already
present"; a report whose PatientID is a stored MRN but whose name is someone else's was
filed. Both are now refused by `import sr` and held by `import sr --hold` (and `listen`);
`inbox file` files a held report through the same checks.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sr_fixtures as fx
import time_machine
from pydicom.dataset import Dataset
from tests.conftest import Cli

from cervix_watch.interop.identity import masked_patient_id

UID = fx.UID_ROOT + "7.1"
NAME_ON_RECORD = "Example, Ann"  # H1's stored name; the fixtures' PatientName is another


@pytest.fixture
def clinic(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Patients H1 (named) and H2 (no name), both with the fixtures' dates."""
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    for mrn, name in (("H1", NAME_ON_RECORD), ("H2", "")):
        result = cli("patient", "add", mrn, "--lmp", "2026-06-07", "--name", name)
        assert result.exit_code == 0, result.output
    return cli


def sr(folder: Path, name: str, patient_id: str, cl_mm: str, **change: object) -> Path:
    """A transvaginal report with one CL for `patient_id`, SOP Instance UID `UID`."""
    dataset: Dataset = fx.ob_report(fx.cl(cl_mm), patient_id=patient_id, sop_uid=UID)
    dataset.PatientName = change.pop("patient_name", "")
    for keyword, value in change.items():
        setattr(dataset, keyword, value)
    return fx.one(folder, dataset, name)


def scans(cli: Cli) -> list[tuple[str, str]]:
    rows = csv.DictReader(io.StringIO(cli("export", "scans").stdout))
    return [(r["mrn"], r["cl1_mm"]) for r in rows]


def held(cli: Cli) -> list[dict[str, object]]:
    result = cli("inbox", "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)["inbox"]
    return rows


def no_name(*texts: str) -> None:
    for text in texts:
        for word in ("Quillfeather", "Zyxandra", "Example", "Ann", "EXAMPLE", "MARY"):
            assert word not in text


@pytest.mark.parametrize(
    ("second_id", "second_cl"), [("H2", "21.0"), ("H1", "18.0")], ids=["other-patient", "other-cl"]
)
def test_a_uid_resent_with_other_content_is_refused_not_already_present(
    clinic: Cli, tmp_path: Path, second_id: str, second_cl: str
) -> None:
    """H1 CL 21.0 filed; the same UID for H2 (or with CL 18.0): refused naming scan 1."""
    first = sr(tmp_path, "first.dcm", "H1", "21.0")
    assert clinic("import", "sr", str(first)).exit_code == 0
    second = sr(tmp_path, "second.dcm", second_id, second_cl)
    result = clinic("import", "sr", str(second))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: {second}: resent: received before with different content (scan 1)"
    )
    assert scans(clinic) == [("H1", "21.0")]


@pytest.mark.parametrize(
    ("second_id", "second_cl"), [("H2", "21.0"), ("H1", "18.0")], ids=["other-patient", "other-cl"]
)
def test_with_hold_a_uid_resent_with_other_content_is_held(
    clinic: Cli, tmp_path: Path, second_id: str, second_cl: str
) -> None:
    """--hold: the differing re-send waits in the inbox with its reason; scan 1 untouched."""
    assert clinic("import", "sr", str(sr(tmp_path, "a.dcm", "H1", "21.0"))).exit_code == 0
    result = clinic("import", "sr", "--hold", str(sr(tmp_path, "b.dcm", second_id, second_cl)))
    assert result.exit_code == 0, result.output
    [row] = held(clinic)
    assert row["reason"] == "received before with different content (scan 1)"
    assert row["calling_ae"] == "file import"
    assert scans(clinic) == [("H1", "21.0")]


def test_the_same_uid_with_the_same_content_is_still_already_present(
    clinic: Cli, tmp_path: Path
) -> None:
    """The same report again (same patient, same values): already present, not held."""
    path = sr(tmp_path, "a.dcm", "H1", "21.0")
    assert clinic("import", "sr", str(path)).exit_code == 0
    again = clinic("import", "sr", "--hold", str(path))
    assert again.exit_code == 0, again.output
    assert "already present (scan 1)" in again.stdout
    assert held(clinic) == []


@pytest.mark.parametrize(
    "report_name", [fx.PATIENT_NAME, "EXAMPLE^MARY"], ids=["another-name", "one-shared-token"]
)
def test_a_stored_mrn_with_someone_elses_name_is_refused_without_either_name(
    clinic: Cli, tmp_path: Path, report_name: str
) -> None:
    """PatientID H1 but the name on the report is not hers (another name, or her family name
    with another given name: one shared token is no match): refused, no name printed."""
    path = sr(tmp_path, "a.dcm", "H1", "21.0", patient_name=report_name)
    result = clinic("import", "sr", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: {path}: patient_name: the name on the report differs from the record"
    )
    no_name(result.output)
    held_run = clinic("import", "sr", "--hold", str(path))
    assert held_run.exit_code == 0, held_run.output
    [row] = held(clinic)
    assert row["reason"] == "the name on the report differs from the record"
    assert row["patient"] == "H1"
    no_name(held_run.output, clinic("inbox").output)
    assert scans(clinic) == []


def test_a_name_that_matches_in_another_order_is_filed(clinic: Cli, tmp_path: Path) -> None:
    """Ann Example's report with PatientName EXAMPLE^ANN: her name, filed."""
    path = sr(tmp_path, "a.dcm", "H1", "21.0", patient_name="EXAMPLE^ANN")
    assert clinic("import", "sr", str(path)).exit_code == 0
    assert scans(clinic) == [("H1", "21.0")]


def test_hold_sends_each_report_to_its_outcome(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """--hold: filed, held (no route, no MRN, no CL) and ignored (not OB-GYN) in one run."""
    good = sr(tmp_path, "good.dcm", "H1", "21.0")
    names = ["no-beam-path.dcm", "unknown-patient.dcm", "non-ob.dcm", "no-cl.dcm"]
    result = clinic("import", "sr", "--hold", str(good), *(str(sr_files[n]) for n in names))
    assert result.exit_code == 0, result.output
    assert scans(clinic) == [("H1", "21.0")]
    reasons = sorted(str(r["reason"]) for r in held(clinic))
    assert reasons == [
        # SR0001 is not registered here: both what the person must give are said
        "no beam path, and no route set for this scanner; the PatientID matches no stored MRN",
        "no recognised cervix length (unmapped: LN:11842-8 (mm))",  # the uterus length
        "the PatientID matches no stored MRN",
    ]
    assert "ignored: not an OB-GYN report" in result.stdout
    assert "SR9999" not in result.output  # an unmatched PatientID is never printed whole


def test_hold_still_refuses_an_unreadable_file(clinic: Cli, sr_files: dict[str, Path]) -> None:
    """A file that cannot be read whole cannot be held: the run writes nothing, exit 1."""
    result = clinic(
        "import", "sr", "--hold", str(sr_files["truncated.dcm"]), str(sr_files["no-beam-path.dcm"])
    )
    assert result.exit_code == 1
    assert "file: cannot be read whole" in result.stderr
    assert held(clinic) == []


def test_inbox_file_with_a_route_files_a_report_without_beam_path(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """Held for no route; `inbox file ID --route tv` files it; again: already present."""
    clinic("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    assert clinic("import", "sr", "--hold", str(sr_files["no-beam-path.dcm"])).exit_code == 0
    [row] = held(clinic)
    without = clinic("inbox", "file", str(row["inbox_id"]))
    assert without.exit_code == 1
    assert "route: the report records no beam path" in without.stderr
    result = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv", "--operator", "mw")
    assert result.exit_code == 0, result.output
    assert "scan 1 saved for SR0001" in result.stdout
    assert held(clinic) == []
    again = clinic("inbox", "file", str(row["inbox_id"]))
    assert again.exit_code == 0, again.output
    assert "already present (scan 1)" in again.stdout
    rows = json.loads(clinic("inbox", "--all", "--format", "json").stdout)["inbox"]
    assert [(r["state"], r["inbox_id"]) for r in rows] == [("filed", row["inbox_id"])]


def test_inbox_file_to_another_mrn(clinic: Cli, tmp_path: Path) -> None:
    """The re-send for H2 held; `inbox file ID --mrn H2` files it to H2; H1 keeps scan 1."""
    assert clinic("import", "sr", str(sr(tmp_path, "a.dcm", "H1", "21.0"))).exit_code == 0
    assert clinic("import", "sr", "--hold", str(sr(tmp_path, "b.dcm", "H2", "19.0"))).exit_code == 0
    [row] = held(clinic)
    result = clinic("inbox", "file", str(row["inbox_id"]), "--mrn", "H2")
    assert result.exit_code == 0, result.output
    assert sorted(scans(clinic)) == [("H1", "21.0"), ("H2", "19.0")]
    assert held(clinic) == []


def test_a_held_uid_filed_by_import_sr_closes_its_inbox_row(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """Held for no route, then imported with --route: the inbox row is closed as filed."""
    clinic("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    path = str(sr_files["no-beam-path.dcm"])
    assert clinic("import", "sr", "--hold", path).exit_code == 0
    assert len(held(clinic)) == 1
    assert clinic("import", "sr", path, "--route", "tv").exit_code == 0
    assert held(clinic) == []


def test_a_partial_report_and_a_closed_pregnancy_are_held(clinic: Cli, tmp_path: Path) -> None:
    """CompletionFlag PARTIAL: held; a report for a closed pregnancy: held with the date
    check's reason; neither is filed."""
    partial = sr(tmp_path, "partial.dcm", "H2", "21.0", CompletionFlag="PARTIAL")
    assert clinic("import", "sr", "--hold", str(partial)).exit_code == 0
    closed = clinic("patient", "close", "H1", "--date", "2026-10-01", "--outcome", "loss")
    assert closed.exit_code == 0, closed.output
    late = sr(tmp_path, "late.dcm", "H1", "21.0")
    late_uid = fx.UID_ROOT + "7.2"
    from pydicom import dcmread

    dataset = dcmread(late)
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = late_uid
    late = fx.one(tmp_path, dataset, "late2.dcm")
    assert clinic("import", "sr", "--hold", str(late)).exit_code == 0
    reasons = [str(r["reason"]) for r in held(clinic)]
    assert reasons[1] == "the report is incomplete (CompletionFlag PARTIAL)"
    assert reasons[0].startswith("date: ")
    assert scans(clinic) == []


def test_filing_a_held_report_and_closing_its_row_are_one_transaction(
    clinic: Cli, sr_files: dict[str, Path], db_path: Path
) -> None:
    """The database refuses to close the inbox row (a real SQLite trigger): `inbox file`
    fails and writes no scan, so the report is never both filed and still held."""
    clinic("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    assert clinic("import", "sr", "--hold", str(sr_files["no-beam-path.dcm"])).exit_code == 0
    [row] = held(clinic)
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_close BEFORE UPDATE OF state ON inbox WHEN NEW.state = 'filed' "
            "BEGIN SELECT RAISE(ABORT, 'closing refused'); END"
        )
    failed = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv")
    assert failed.exit_code != 0
    assert failed.stderr.startswith("error: ")
    assert "Traceback" not in failed.output
    assert scans(clinic) == []
    assert [r["inbox_id"] for r in held(clinic)] == [row["inbox_id"]]
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TRIGGER no_close")
    result = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv")
    assert result.exit_code == 0, result.output
    assert scans(clinic) == [(fx.PATIENT_ID, "30.0")]
    assert held(clinic) == []


def test_no_beam_path_and_an_unmatched_patient_id_are_both_said(
    clinic: Cli, tmp_path: Path
) -> None:
    """No beam path and a PatientID that is no MRN: import sr names both (route first);
    --hold holds it for both, so `inbox file ID --route tv` alone still refuses it (no such
    patient) and only the person's --mrn files it. Failed before: held for the route only."""
    dataset = fx.ob_report(fx.cl("30.0"), route=None, patient_id="NOBODY-1", sop_uid=UID)
    path = fx.one(tmp_path, dataset, "nobody.dcm")
    refused = clinic("import", "sr", str(path))
    assert refused.exit_code == 1
    masked = masked_patient_id("NOBODY-1")
    assert refused.stderr.splitlines() == [
        f"error: {path}: route: the report records no beam path: give --route tv|ta|tp",
        f"error: {path}: patient: no patient {masked}",
    ]
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    assert row["reason"] == (
        "no beam path, and no route set for this scanner; the PatientID matches no stored MRN"
    )
    routed = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv")
    assert routed.exit_code == 1
    assert routed.stderr == f"error: inbox report {row['inbox_id']}: patient: no patient {masked}\n"
    assert scans(clinic) == []
    filed = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv", "--mrn", "H2")
    assert filed.exit_code == 0, filed.output
    assert scans(clinic) == [("H2", "30.0")]
    assert "NOBODY" not in refused.output + routed.output + filed.output


@pytest.mark.parametrize("filed_by", ["import-route", "inbox-file-route"])
def test_a_report_filed_with_a_route_is_already_present_when_it_comes_again(
    clinic: Cli, tmp_path: Path, filed_by: str
) -> None:
    """A report without beam path filed with a person's route (`import sr --route tv`, or
    held and `inbox file --route tv`), then imported again without one (--hold, and plain):
    "already present (scan 1)", not held for its route. Failed before: held."""
    dataset = fx.ob_report(fx.cl("30.0"), route=None, patient_id="H2", sop_uid=UID)
    path = fx.one(tmp_path, dataset, "no-beam.dcm")
    if filed_by == "import-route":
        assert clinic("import", "sr", str(path), "--route", "tv").exit_code == 0
    else:
        assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
        [row] = held(clinic)
        result = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv")
        assert result.exit_code == 0, result.output
    for options in (["--hold"], []):
        again = clinic("import", "sr", *options, str(path))
        assert again.exit_code == 0, again.output
        assert f"{path}: already present (scan 1)" in again.stdout
    assert held(clinic) == []
    assert scans(clinic) == [("H2", "30.0")]


def test_the_same_uid_without_beam_path_and_another_cl_is_held_as_resent(
    clinic: Cli, tmp_path: Path
) -> None:
    """Filed with --route tv at 30.0 mm; the same UID, no beam path, at 18.0 mm: held as
    "received before with different content (scan 1)", not for its route."""
    first = fx.ob_report(fx.cl("30.0"), route=None, patient_id="H2", sop_uid=UID)
    assert (
        clinic("import", "sr", str(fx.one(tmp_path, first, "a.dcm")), "--route", "tv").exit_code
        == 0
    )
    second = fx.ob_report(fx.cl("18.0"), route=None, patient_id="H2", sop_uid=UID)
    result = clinic("import", "sr", "--hold", str(fx.one(tmp_path, second, "b.dcm")))
    assert result.exit_code == 0, result.output
    [row] = held(clinic)
    assert row["reason"] == "received before with different content (scan 1)"
    assert scans(clinic) == [("H2", "30.0")]


@pytest.mark.parametrize(
    ("later", "receipts"),
    [(timedelta(days=30), 2), (timedelta(days=30, seconds=1), 1)],
    ids=["at-the-bound-kept", "past-it-purged"],
)
def test_receipts_are_kept_for_the_configured_days(
    clinic: Cli,
    sr_files: dict[str, Path],
    tmp_path: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    later: timedelta,
    receipts: int,
) -> None:
    """[inbox] receipt_days = 30: an ignored report's receipt is kept 30 days to the
    second and purged after (interop.md: "deleted after 90 days, configurable"; failed
    before: the file's key was unknown, and 90 days always applied)."""
    config = tmp_path / "config.toml"
    config.write_text("[inbox]\nreceipt_days = 30\n", encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(config))
    first = datetime.now(UTC).replace(microsecond=0)
    for at in (first, first + later):
        with time_machine.travel(at, tick=False):
            result = clinic("import", "sr", "--hold", str(sr_files["non-ob.dcm"]))
        assert result.exit_code == 0, result.output
        assert "ignored: not an OB-GYN report" in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM inbox_receipts").fetchone() == (receipts,)


def test_inbox_file_to_an_mrn_still_compares_the_name(
    clinic: Cli, tmp_path: Path, db_path: Path
) -> None:
    """A held report (PatientID no MRN) named SMITH^MARY: `inbox file ID --mrn H1` (Ann
    Example) is refused in one line naming the option, no name printed, nothing filed;
    `--name-differs-ok` files it, and the scan's note says so (its audit row with it).
    Failed before: --mrn set the name check aside and filed it."""
    path = sr(tmp_path, "a.dcm", "NOBODY-2", "21.0", patient_name="SMITH^MARY")
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    inbox_id = row["inbox_id"]
    refused = clinic("inbox", "file", str(inbox_id), "--mrn", "H1")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: inbox report {inbox_id}: patient_name: the name on the report differs from "
        "the record of H1: if the report is hers, file it with --name-differs-ok\n"
    )
    assert scans(clinic) == []
    filed = clinic("inbox", "file", str(inbox_id), "--mrn", "H1", "--name-differs-ok")
    assert filed.exit_code == 0, filed.output
    assert scans(clinic) == [("H1", "21.0")]
    [scan] = list(csv.DictReader(io.StringIO(clinic("export", "scans").stdout)))
    assert (
        "the name on the report differs from the record: filed with --name-differs-ok by tester"
        in scan["notes"]
    )
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT * FROM audit WHERE entity = 'scan'").fetchall()
    assert any("filed with --name-differs-ok by tester" in str(r) for r in rows)
    no_name(refused.output, filed.output)


def test_inbox_file_to_an_mrn_whose_name_matches_needs_no_option(
    clinic: Cli, tmp_path: Path
) -> None:
    """The held report's name is H1's (ANN^EXAMPLE): `--mrn H1` files it, noting nothing."""
    path = sr(tmp_path, "a.dcm", "NOBODY-3", "21.0", patient_name="ANN^EXAMPLE")
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    filed = clinic("inbox", "file", str(row["inbox_id"]), "--mrn", "H1")
    assert filed.exit_code == 0, filed.output
    [scan] = list(csv.DictReader(io.StringIO(clinic("export", "scans").stdout)))
    assert "name-differs-ok" not in scan["notes"]


def test_a_report_held_for_its_name_is_filed_only_with_the_option(
    clinic: Cli, tmp_path: Path
) -> None:
    """PatientID H1, another woman's name: held; `inbox file ID` alone refuses it (naming
    the option); with --name-differs-ok it is filed to H1."""
    path = sr(tmp_path, "a.dcm", "H1", "21.0", patient_name=fx.PATIENT_NAME)
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    refused = clinic("inbox", "file", str(row["inbox_id"]))
    assert refused.exit_code == 1
    assert "differs from the record of H1: if the report is hers" in refused.stderr
    filed = clinic("inbox", "file", str(row["inbox_id"]), "--name-differs-ok")
    assert filed.exit_code == 0, filed.output
    assert scans(clinic) == [("H1", "21.0")]
    no_name(refused.output, filed.output)


def test_a_report_of_a_voided_scan_is_refused_held_and_filed_only_by_a_person(
    clinic: Cli, tmp_path: Path
) -> None:
    """Scan 1 (from UID U) voided; U imported again: refused, "received before as a scan
    that was voided (scan 1)"; --hold holds it so; `inbox file ID` (a person decided)
    files it as scan 2. Failed before: "already present (scan 1)", the voided scan's."""
    path = sr(tmp_path, "a.dcm", "H2", "21.0")
    assert clinic("import", "sr", str(path)).exit_code == 0
    assert clinic("scan", "void", "1", "--reason", "entered in error").exit_code == 0
    refused = clinic("import", "sr", str(path))
    assert refused.exit_code == 1, refused.output
    assert refused.stderr == (
        f"error: {path}: resent: received before as a scan that was voided (scan 1)\n"
    )
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    assert row["reason"] == "received before as a scan that was voided (scan 1)"
    filed = clinic("inbox", "file", str(row["inbox_id"]))
    assert filed.exit_code == 0, filed.output
    assert scans(clinic) == [("H2", "21.0")]
    assert held(clinic) == []
    again = clinic("import", "sr", str(path))
    assert again.exit_code == 0, again.output
    assert "already present (scan 2)" in again.stdout


def test_a_report_without_beam_path_does_not_take_a_voided_scans_route(
    clinic: Cli, tmp_path: Path
) -> None:
    """Filed with --route ta as scan 1, voided (the route was wrong); the same report again
    without a route: held for its route and as a voided scan's report, never read with the
    voided scan's route; `inbox file ID --route tv` files it. Failed before: "already
    present (scan 1)"."""
    dataset = fx.ob_report(fx.cl("30.0"), route=None, patient_id="H2", sop_uid=UID)
    path = fx.one(tmp_path, dataset, "no-beam.dcm")
    assert clinic("import", "sr", str(path), "--route", "ta").exit_code == 0
    assert clinic("scan", "void", "1", "--reason", "transvaginal, not ta").exit_code == 0
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = held(clinic)
    assert row["reason"] == (
        "no beam path, and no route set for this scanner; "
        "received before as a scan that was voided (scan 1)"
    )
    filed = clinic("inbox", "file", str(row["inbox_id"]), "--route", "tv")
    assert filed.exit_code == 0, filed.output
    rows = csv.DictReader(io.StringIO(clinic("export", "scans").stdout))
    assert [(r["scan_id"], r["route"]) for r in rows] == [("2", "tv")]
