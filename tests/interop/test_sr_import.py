"""`import sr`: each fixture variant's outcome through the CLI, all-or-nothing, never a name."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import sr_fixtures as fx
from tests.clirunner import CliRunner
from tests.conftest import Cli, both_backends, init_database

from cervix_watch.cli.app import app


@pytest.fixture
def clinic(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Patient SR0001 (LMP 2026-06-07, so EDD 2027-03-14), and an empty user config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    result = cli("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    assert result.exit_code == 0, result.output
    return cli


def stored_scans(cli: Cli) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli("export", "scans").stdout)))


def no_name(*texts: str) -> None:
    for text in texts:
        assert "Quillfeather" not in text
        assert "Zyxandra" not in text


def test_import_of_a_good_report_prints_scan_add_answer(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """The mm report becomes one scan: GA, route, shortest CL, flags; source = its SOP UID."""
    path = sr_files["cl-mm.dcm"]
    result = clinic("import", "sr", str(path))
    assert result.exit_code == 0, result.output
    assert (
        f"{path}: scan 1 saved for SR0001: GA 18+2, route tv, recorded CL 30.4 mm "
        "(shortest of 30.4, 31.2, 32.0)." in result.stdout
    )
    assert "Imported 1 scan from 1 file (0 already present)." in result.stdout
    [scan] = stored_scans(clinic)
    assert scan["cl1_mm"] == "30.4"
    assert scan["cl3_mm"] == "32.0"
    assert scan["route"] == "tv"
    assert scan["date"] == "2026-10-13"
    assert scan["operator"] == "tester"
    import pydicom

    uid = pydicom.dcmread(path).SOPInstanceUID
    assert scan["source"] == f"dicom-sr:{uid}"
    no_name(result.output)


def test_import_summary_piped_is_not_wrapped(
    clinic: Cli, sr_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """To a pipe with no $COLUMNS, each report's line is whole and no line ends in a space."""
    monkeypatch.delenv("COLUMNS", raising=False)
    path = sr_files["cl-mm.dcm"]
    result = clinic("import", "sr", str(path))
    assert result.exit_code == 0, result.output
    saved = next(line for line in result.stdout.splitlines() if line.startswith(f"{path}:"))
    assert saved.endswith("recorded CL 30.4 mm (shortest of 30.4, 31.2, 32.0).")
    assert len(saved) > 80
    assert not [line for line in result.stdout.splitlines() if line.endswith(" ")]


def test_reimport_and_resent_uid_are_already_present(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """The same SR again, or another file with its SOP Instance UID: already present, no copy."""
    assert clinic("import", "sr", str(sr_files["cl-mm.dcm"])).exit_code == 0
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]), str(sr_files["resent.dcm"]))
    assert result.exit_code == 0, result.output
    assert f"{sr_files['cl-mm.dcm']}: already present (scan 1)." in result.stdout
    assert f"{sr_files['resent.dcm']}: already present (scan 1)." in result.stdout
    assert "Imported 0 scans from 2 files (2 already present)." in result.stdout
    assert len(stored_scans(clinic)) == 1


def test_a_run_is_all_or_nothing_with_one_line_per_refusal(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """Good files beside bad ones: nothing written, each bad file named as FILE: field: problem."""
    names = ["cl-mm.dcm", "unknown-patient.dcm", "no-cl.dcm", "truncated.dcm", "non-ob.dcm"]
    result = clinic("import", "sr", *(str(sr_files[n]) for n in names))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    no_cl = sr_files["no-cl.dcm"]
    assert lines == [  # in file order, as every import lists its problems
        f"error: {no_cl}: cervix_length: no cervix length in {no_cl}",
        f"error: {sr_files['non-ob.dcm']}: report: (126000, DCM, 'Imaging Measurement Report') "
        "is not an OB-GYN ultrasound report",
        f"error: {sr_files['truncated.dcm']}: file: cannot be read whole (truncated or damaged)",
        f"error: {sr_files['unknown-patient.dcm']}: patient: no patient "
        "(unmatched id, 6 chars, #1af6)",
    ]
    assert stored_scans(clinic) == []
    no_name(result.output)


# variant -> (exit status, text in the output); interop.md's outcome for each
OUTCOMES = {
    "cl-cm.dcm": (0, "recorded CL 25.1 mm (shortest of 25.1, 26.1, 28.3)"),
    "legacy-mean.dcm": (0, "recorded CL 28.4 mm (shortest of 28.4)"),
    "derived-only.dcm": (0, "recorded CL 25.5 mm (shortest of 25.5)"),
    "many-cl.dcm": (0, "recorded CL 29.8 mm (shortest of 29.8, 30.1, 31.5)"),
    "no-beam-path.dcm": (1, "route: the report records no beam path: give --route tv|ta|tp"),
    "transabdominal.dcm": (0, "route ta, recorded CL 35.0 mm"),
    "unknown-patient.dcm": (1, "patient: no patient (unmatched id, 6 chars, #1af6)"),
    "no-cl.dcm": (1, "cervix_length: no cervix length in"),
    "cl-no-value.dcm": (1, "cervix_length: 'Cervix Length' has no value"),
    "cl-outside.dcm": (0, "cervix_length: found at OB-GYN Ultrasound Procedure Report > Fetal"),
    "non-ob.dcm": (1, "is not an OB-GYN ultrasound report"),
    "basic-text.dcm": (1, "sop_class: 1.2.840.10008.5.1.4.1.1.88.11 is not an SR class"),
    "truncated.dcm": (1, "file: cannot be read whole"),
    "twins.dcm": (0, "fetus: the report lists 2 fetuses (A, B) for a patient registered as"),
    "edd-differs.dcm": (0, "edd: the report's EDD 2027-03-21 differs from the stored EDD 2027"),
}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_variant_outcome(clinic: Cli, sr_files: dict[str, Path], name: str) -> None:
    """Every fixture variant is accepted or refused as interop.md says, with its message."""
    status, text = OUTCOMES[name]
    result = clinic("import", "sr", str(sr_files[name]))
    assert result.exit_code == status, result.output
    assert text in result.output
    assert len(stored_scans(clinic)) == (1 if status == 0 else 0)
    no_name(result.output)


def test_no_beam_path_with_route_and_contradicting_route(
    clinic: Cli, sr_files: dict[str, Path]
) -> None:
    """--route fills a missing beam path; against a recorded one it refuses the file."""
    contradicted = clinic("import", "sr", str(sr_files["transabdominal.dcm"]), "--route", "tv")
    assert contradicted.exit_code == 1
    assert "route: --route tv contradicts the report's beam path (ta)" in contradicted.stderr
    given = clinic("import", "sr", str(sr_files["no-beam-path.dcm"]), "--route", "tv")
    assert given.exit_code == 0, given.output
    assert [s["route"] for s in stored_scans(clinic)] == ["tv"]


def test_notes_record_what_the_sr_said(clinic: Cli, sr_files: dict[str, Path]) -> None:
    """The SR's other EDD and the count of measurements found are kept in the scan's note."""
    names = ("edd-differs.dcm", "many-cl.dcm")
    assert clinic("import", "sr", *(str(sr_files[n]) for n in names)).exit_code == 0
    notes = sorted(s["notes"] for s in stored_scans(clinic))
    assert notes == ["5 CL measurements in the SR; the 3 shortest kept", "SR EDD 2027-03-21"]
    result = clinic("patient", "show", fx.PATIENT_ID, "--format", "json")
    assert '"edd": "2027-03-14"' in result.stdout  # the stored EDD is never written over


def test_dry_run_lists_and_writes_nothing(clinic: Cli, sr_files: dict[str, Path]) -> None:
    """--dry-run: what would be written, and every unmapped NUM under Pelvis and Uterus."""
    path = sr_files["cl-mm.dcm"]
    result = clinic("import", "sr", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        f"{path}: would add a scan for SR0001 on 2026-10-13 (GA 18+2), route tv, CL 30.4, 31.2, "
        "32.0 mm." in result.stdout
    )
    where = "OB-GYN Ultrasound Procedure Report > Pelvis and Uterus"
    assert f"{path}: unmapped: (11842-8, LN) 'Uterus Length' = 78 mm at {where}" in result.stdout
    assert (
        f"{path}: unmapped: (FUNL-L, 99ACME) 'Funnel length' = 9.5 mm at {where}" in result.stdout
    )
    assert "nothing was written" in result.stdout
    assert stored_scans(clinic) == []


def test_funneling_from_the_config_code_table(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """[sr.codes] maps the machine's private codes to funnel length and width."""
    folder = tmp_path / "config" / "cervix-watch"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        '[sr.codes]\n"99ACME:FUNL-L" = "funnel_length_mm"\n"99ACME:FUNL-W" = "funnel_width_mm"\n'
    )
    dry = clinic("import", "sr", str(sr_files["cl-mm.dcm"]), "--dry-run")
    assert "funneling, funnel length 9.5 mm, funnel width 6.0 mm" in dry.stdout
    assert "FUNL-L" not in dry.stdout
    assert clinic("import", "sr", str(sr_files["cl-mm.dcm"])).exit_code == 0
    [scan] = stored_scans(clinic)
    assert (scan["funneling"], scan["funnel_length_mm"], scan["funnel_width_mm"]) == (
        "yes",
        "9.5",
        "6.0",
    )


def test_a_bad_config_table_is_one_line(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """A mapping to an unknown field names the file and key; exit 1."""
    folder = tmp_path / "config" / "cervix-watch"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[sr.codes]\n"99ACME:X" = "cl_mm"\n')
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]))
    assert result.exit_code == 1
    assert "config: " in result.stderr
    assert "'99ACME:X' = 'cl_mm' is not one of" in result.stderr


def test_a_folder_is_searched(clinic: Cli, sr_files: dict[str, Path], tmp_path: Path) -> None:
    """A folder argument imports every file inside it (DICOMDIR and hidden files passed over)."""
    folder = tmp_path / "usb" / "SR"
    folder.mkdir(parents=True)
    for name in ("cl-mm.dcm", "transabdominal.dcm"):
        shutil.copy(sr_files[name], folder / name)
    (folder / "DICOMDIR").write_bytes(b"index")
    (folder / ".DS_Store").write_bytes(b"junk")
    result = clinic("import", "sr", str(tmp_path / "usb"))
    assert result.exit_code == 0, result.output
    assert "Imported 2 scans from 2 files" in result.stdout


def test_missing_path(clinic: Cli, tmp_path: Path) -> None:
    """A path that does not exist is one line, exit 1."""
    result = clinic("import", "sr", str(tmp_path / "nope.dcm"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.dcm'}: file: no such file or folder" in result.stderr


def test_store_date_checks_apply_named_by_file(
    cli: Cli, sr_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scan date goes through scan add's checks: an SR dated long after the EDD is refused."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # a past pregnancy (GA today 57+3): only `import` registers it (patient add takes 0+0..44+0)
    patients = tmp_path / "patients.csv"
    patients.write_text(f"mrn,edd\n{fx.PATIENT_ID},2026-08-01\n")
    assert cli("import", "patients", str(patients)).exit_code == 0
    result = cli("import", "sr", str(sr_files["cl-mm.dcm"]))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {sr_files['cl-mm.dcm']}: date: ")
    assert stored_scans(cli) == []


def test_a_corrected_report_follows_scan_add_duplicate_rules(clinic: Cli, tmp_path: Path) -> None:
    """New SOP Instance UID, same values: already present; other values: a second scan that
    day, with a notice naming the first."""
    first = fx.one(tmp_path, fx.ob_report(*fx.THREE_MM), "first.dcm")
    same = fx.one(tmp_path, fx.ob_report(*fx.THREE_MM), "corrected-same.dcm")
    other = fx.one(tmp_path, fx.ob_report(fx.cl("29.0"), fx.cl("29.5")), "corrected-other.dcm")
    assert clinic("import", "sr", str(first)).exit_code == 0
    result = clinic("import", "sr", str(same))
    assert result.exit_code == 0, result.output
    assert f"{same}: already present (scan 1)." in result.stdout
    result = clinic("import", "sr", str(other))
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {other}: scan: SR0001 already has a scan on 2026-10-13 (1) with other "
        "values: this report is saved as another scan that day"
    ) in result.stderr
    assert f"{other}: scan 2 saved for SR0001" in result.stdout
    assert [s["cl1_mm"] for s in stored_scans(clinic)] == ["30.4", "29.0"]


@both_backends
def test_import_rerun_and_fhir_on_both_backends(clinic: Cli, sr_files: dict[str, Path]) -> None:
    """SQLite and PostgreSQL: import, re-import (already present), the UID in export fhir."""
    import json

    import pydicom

    names = [str(sr_files[n]) for n in ("cl-mm.dcm", "transabdominal.dcm", "resent.dcm")]
    first = clinic("import", "sr", *names)
    assert first.exit_code == 0, first.output
    assert "Imported 2 scans from 3 files (1 already present)." in first.stdout
    again = clinic("import", "sr", *names)
    assert "Imported 0 scans from 3 files (3 already present)." in again.stdout
    uid = pydicom.dcmread(sr_files["cl-mm.dcm"]).SOPInstanceUID
    bundle = json.loads(clinic("export", "fhir").stdout)
    identifiers = [
        i
        for e in bundle["entry"]
        for i in e["resource"].get("identifier", [])
        if i["system"] == "urn:dicom:uid"
    ]
    assert {"system": "urn:dicom:uid", "value": f"urn:oid:{uid}"} in identifiers
    assert len(identifiers) == 2


def test_a_broken_stored_profile_fails_import_sr_before_anything_is_written(
    clinic: Cli, sr_files: dict[str, Path], db_path: Path
) -> None:
    """A default profile that no longer validates fails `import sr` with no scan saved."""
    import sqlite3

    assert clinic("rules", "default", "nice-ng25").exit_code == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("update settings set value = 'name = 1' where key = 'default_profile_toml'")
    result = clinic("import", "sr", str(sr_files["cl-mm.dcm"]))
    assert result.exit_code == 1
    assert "saved" not in result.stdout
    assert stored_scans(clinic) == []


@pytest.mark.slow
@pytest.mark.system_clock
def test_import_sr_at_a_terminal_shows_a_bar(
    tmp_path: Path, system_today: date, sr_files: dict[str, Path]
) -> None:
    """At a pseudo-terminal `import sr` draws a bar counting the reports, then its answer."""
    import pydicom
    from test_catalogue_listen import dated
    from tests.cli.test_progress import at_terminal, finished

    db = init_database(str(tmp_path / "clinic.sqlite3"))
    lmp = fx.LMP + (system_today - timedelta(days=7) - fx.STUDY_DATE)
    added = CliRunner().invoke(
        app, ["--db", db, "patient", "add", fx.PATIENT_ID, "--lmp", lmp.isoformat()]
    )
    assert added.exit_code == 0, added.output
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("cl-mm.dcm", "cl-cm.dcm"):
        fx.one(folder, dated(pydicom.dcmread(sr_files[name]), system_today), name)
    child = at_terminal(tmp_path, "--db", db, "import", "sr", "--dry-run", str(folder))
    child.expect_exact("Importing SRs")
    child.expect_exact("2/2")
    child.expect_exact("would be added from 2 files")
    assert finished(child) == 0
