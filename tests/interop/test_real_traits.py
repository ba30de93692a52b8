"""The real-machine fixtures (tests/interop/sr_real.py, issue 23.5): DCMTK reads each, and
`import sr` gives each the outcome interop.md v3 states."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pydicom
import pytest
import sr_fixtures as fx
import sr_real
from listener_harness import Listener, moved, send, start
from tests.clirunner import CliRunner
from tests.conftest import Cli, dcmtk_tool, system_clock

from cervix_watch.cli.app import app
from cervix_watch.interop.identity import masked_patient_id

NO_ROUTE = "route: the report records no beam path: give --route tv|ta|tp"


@pytest.fixture(scope="module")
def real_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every real-trait fixture as a file, by name."""
    return sr_real.write_all(tmp_path_factory.mktemp("sr-real"))


@pytest.fixture
def clinic(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Patient SR0001 (LMP 2026-06-07, EDD 2027-03-14), and an empty user config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    result = cli(
        "patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07", "--name", "Quillfeather, Zyxandra"
    )
    assert result.exit_code == 0, result.output
    return cli


def stored_scans(cli: Cli) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli("export", "scans").stdout)))


def dsrdump(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dcmtk_tool("dsrdump"), *options, "+Pc", "+Pt", str(path)],
        capture_output=True,
        encoding="latin-1",  # dsrdump prints text undecoded: the Latin-1 fixture's bytes
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", [t.name for t in sr_real.traits()])
def test_dsrdump_reads_each_real_trait_without_a_warning(
    real_files: dict[str, Path], name: str
) -> None:
    """dsrdump reads every fixture of the set, exit 0, with no warning ("W:") and no error
    ("E:") line (issue 23.5; before, the Latin-1 one without (0008,0005) and the empty LMP
    one gave warnings). Skipped only where DCMTK is missing; CI installs it."""
    result = dsrdump(real_files[name])
    assert result.returncode == 0, result.stderr
    flagged = [line for line in result.stderr.splitlines() if line.startswith(("W:", "E:"))]
    assert flagged == []
    assert '(125000,DCM,"OB-GYN Ultrasound Procedure Report")' in result.stdout


def test_the_undeclared_charset_case_is_kept_out_of_the_set(tmp_path: Path) -> None:
    """The Latin-1 report without (0008,0005) is not a trait (DCMTK rightly warns about its
    characters); the set's Latin-1 report declares ISO_IR 100."""
    undeclared = sr_real.undeclared_charset()
    assert undeclared.name not in {t.name for t in sr_real.traits()}
    path = fx.one(tmp_path, undeclared.dataset, undeclared.name)
    assert "W: PatientID (0010,0020) contains invalid character(s)" in dsrdump(path).stderr
    [declared] = [t for t in sr_real.traits() if t.name == "latin1-patient-id.dcm"]
    assert declared.dataset.SpecificCharacterSet == "ISO_IR 100"


def test_dsrdump_shows_the_canon_traits(real_files: dict[str, Path]) -> None:
    """No beam path, one CL in cm with two decimals, Most recent value chosen, a Number of
    Fetuses in every section, and the archive's hash as IssuerOfPatientID."""
    text = dsrdump(real_files["most-recent-cm.dcm"]).stdout
    assert "Acquisition Protocol" not in text
    assert '<contains NUM:(11961-0,LN,"Cervix Length")="2.95" (cm,UCUM,"cm")>' in text
    assert '=(121411,DCM,"Most recent value chosen")' in text
    assert text.count('(11878-6,LN,"Number of Fetuses by US")') == 3
    assert sr_real.ARCHIVE_ISSUER in text
    mean = dsrdump(real_files["mean-only.dcm"]).stdout
    assert '=(373098007,SCT,"Mean")' in mean
    assert '=(121412,DCM,"Mean value chosen")' in mean


def saved(clinic: Cli, path: Path, *options: str) -> str:
    result = clinic("import", "sr", str(path), *options)
    assert result.exit_code == 0, result.output
    # with a route given, the summary says for how many reports it stood in for a beam path
    used = ""
    if "--route" in options:
        used = "; route tv from --route for 1 of 1 report"
    elif "US_CANON" in options:
        used = "; route tv from scanner settings US_CANON for 1 of 1 report"
    assert f"Imported 1 scan from 1 file (0 already present{used})." in result.stdout
    assert "Quillfeather" not in result.output
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    "name", ["most-recent-cm.dcm", "mean-only.dcm", "edd-from-ultrasound.dcm", "broken-lmp.dcm"]
)
def test_no_beam_path_needs_route_and_writes_nothing(
    clinic: Cli, real_files: dict[str, Path], name: str
) -> None:
    """A Canon-like report has no beam path: without --route it is refused, nothing written."""
    result = clinic("import", "sr", str(real_files[name]))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {real_files[name]}: {NO_ROUTE}"
    assert stored_scans(clinic) == []


def test_most_recent_value_in_cm_is_the_measurement(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """2.95 cm "Most recent value chosen" with --route tv: CL 29.5 mm, noted as selected."""
    path = real_files["most-recent-cm.dcm"]
    out = saved(clinic, path, "--route", "tv")
    assert f"{path}: scan 1 saved for SR0001: GA 18+2, route tv, recorded CL 29.5 mm" in out
    assert "warning" not in out
    [scan] = stored_scans(clinic)
    assert (scan["cl1_mm"], scan["cl2_mm"], scan["route"]) == ("29.5", "", "tv")
    assert "machine's selected CL 29.5 mm (Most recent value chosen)" in scan["notes"]


def test_mean_only_is_the_single_measurement(clinic: Cli, real_files: dict[str, Path]) -> None:
    """Only a Mean 2.87 cm ("Mean value chosen"): it stands in as the one measurement."""
    out = saved(clinic, real_files["mean-only.dcm"], "--route", "tv")
    assert "recorded CL 28.7 mm" in out
    [scan] = stored_scans(clinic)
    assert scan["cl1_mm"] == "28.7"
    assert "only derived CL values in the SR; 28.7 mm used" in scan["notes"]


def test_number_of_fetuses_is_not_an_unmapped_measurement(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """--dry-run lists no unmapped item for the Number of Fetuses in every section."""
    result = clinic(
        "import", "sr", str(real_files["most-recent-cm.dcm"]), "--route", "tv", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "would add a scan for SR0001" in result.stdout
    assert "unmapped" not in result.output


def test_an_edd_from_ultrasound_age_three_days_off_gives_no_warning(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """The machine's ultrasound-age EDD 3 days after the stored EDD: saved, no warning, no
    note; the stored EDD is kept."""
    out = saved(clinic, real_files["edd-from-ultrasound.dcm"], "--route", "tv")
    assert "warning" not in out
    [scan] = stored_scans(clinic)
    assert "SR EDD" not in scan["notes"]


def test_an_unreadable_lmp_item_is_ignored_with_a_warning(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """An LMP item that is no calendar day does not refuse the CL: saved, with one warning
    line (an empty one is read the same way: tests/interop/test_dicom_sr.py)."""
    path = real_files["broken-lmp.dcm"]
    out = saved(clinic, path, "--route", "tv")
    warning = f"warning: {path}: lmp: the report's 'LMP' item holds '20260230', not a date"
    assert f"{warning}: ignored" in out
    assert "recorded CL 29.5 mm" in out


@pytest.mark.parametrize(
    ("name", "cl"), [("findings-cervix.dcm", "31.0"), ("pelvis-uterus.dcm", "31.5")]
)
def test_other_vendors_places_of_the_cl_are_found_without_a_warning(
    clinic: Cli, real_files: dict[str, Path], name: str, cl: str
) -> None:
    """Under Findings with Finding Site cervix, or Pelvis and Uterus > Uterus: saved from the
    beam path, without --route and without a warning."""
    out = saved(clinic, real_files[name])
    assert f"route tv, recorded CL {cl} mm" in out
    assert "warning" not in out


def test_a_samsung_private_cl_code_is_read_once_mapped(
    clinic: Cli, real_files: dict[str, Path], tmp_path: Path
) -> None:
    """Unmapped, the private code is no cervix length (refused); mapped to "cl" in
    [sr.codes], it is the measurement."""
    path = real_files["samsung-private-cl.dcm"]
    refused = clinic("import", "sr", str(path))
    assert refused.exit_code == 1
    assert f"{path}: cervix_length: no cervix length in {path}" in refused.stderr
    folder = tmp_path / "config" / "cervix-watch"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[sr.codes]\n"99SMS:99005-07" = "cl"\n')
    out = saved(clinic, path)
    assert "route tv, recorded CL 31.0 mm" in out


@pytest.mark.parametrize(
    ("name", "patient_id"),
    [
        ("name-in-patient-id.dcm", sr_real.NAME_IN_PATIENT_ID),
        ("latin1-patient-id.dcm", sr_real.LATIN1_PATIENT_ID),
    ],
)
def test_a_name_in_patient_id_is_never_an_mrn_and_never_printed(
    clinic: Cli, real_files: dict[str, Path], name: str, patient_id: str
) -> None:
    """A PatientID holding a name (Latin-1 without (0008,0005) too, decoded as ISO_IR 100)
    matches no MRN: refused with it masked, nothing written; no part of it, nor of the
    PatientName, nor IssuerOfPatientID, is printed."""
    path = real_files[name]
    result = clinic("import", "sr", str(path), "--route", "tv")
    assert result.exit_code == 1
    masked = masked_patient_id(patient_id)  # the decoded text's mask: decoding was right
    assert result.stderr == f"error: {path}: patient: no patient {masked}\n"
    words = [*patient_id.split(), *sr_real.LATIN1_NAME.split("^"), "Quillfeather", "Zyxandra"]
    for word in words:
        assert word.casefold() not in result.output.casefold()
    assert fx.PATIENT_ID not in result.output
    assert stored_scans(clinic) == []


def test_the_issuer_of_patient_id_is_not_the_patient(
    clinic: Cli, real_files: dict[str, Path], tmp_path: Path
) -> None:
    """A report whose IssuerOfPatientID holds the registered MRN, but not its PatientID, is
    not hers."""
    import pydicom

    dataset = pydicom.dcmread(real_files["name-in-patient-id.dcm"])
    dataset.IssuerOfPatientID = fx.PATIENT_ID
    path = fx.one(tmp_path, dataset, "issuer.dcm")
    result = clinic("import", "sr", str(path), "--route", "tv")
    assert result.exit_code == 1
    assert "patient: no patient (unmatched id" in result.stderr


@pytest.mark.parametrize(("days", "warned"), [(2, True), (3, False)])
def test_the_ultrasound_edd_tolerance_comes_from_the_config(
    clinic: Cli, real_files: dict[str, Path], tmp_path: Path, days: int, warned: bool
) -> None:
    """[sr] ultrasound_edd_tolerance_days = 2: the 3-days-off EDD warns (the scan is still
    saved); = 3: it does not."""
    folder = tmp_path / "config" / "cervix-watch"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(f"[sr]\nultrasound_edd_tolerance_days = {days}\n")
    path = real_files["edd-from-ultrasound.dcm"]
    out = saved(clinic, path, "--route", "tv")
    warning = (
        f"warning: {path}: edd: the report's EDD {sr_real.US_EDD} differs from the stored EDD "
        f"{fx.EDD} (the stored one is kept)"
    )
    assert (warning in out) is warned


# Through `listen`, from pynetdicom and from DCMTK's storescu. The listener is a child on the
# machine's clock: the reports' dates (and the patient's LMP) move to a week before today.
FILED_FROM_THE_BEAM_PATH = {"findings-cervix.dcm": "31.0", "pelvis-uterus.dcm": "31.5"}
NEVER_PRINTED = [
    *sr_real.NAME_IN_PATIENT_ID.split(),
    *sr_real.LATIN1_PATIENT_ID.split(),
    *sr_real.LATIN1_NAME.split("^"),
    *fx.PATIENT_NAME.split("^"),
    sr_real.ARCHIVE_ISSUER,
]


@pytest.fixture
def received(
    real_files: dict[str, Path], tmp_path: Path, system_today: date
) -> Iterator[tuple[Listener, Path, dict[str, Path]]]:
    """A running `listen` on a clinic with SR0001, and the traits moved to its clock."""
    shift = system_today - timedelta(days=7) - fx.STUDY_DATE
    folder = tmp_path / "moved"
    folder.mkdir()
    reports = {
        n: fx.one(folder, moved(pydicom.dcmread(p), shift), n) for n, p in real_files.items()
    }
    db = tmp_path / "clinic.sqlite3"
    lmp = (fx.LMP + shift).isoformat()
    name = "Quillfeather, Zyxandra"
    for args in (
        ["db", "init"],
        ["patient", "add", fx.PATIENT_ID, "--lmp", lmp, "--name", name, "--operator", "setup"],
    ):
        result = CliRunner().invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    running = start(db, tmp_path, "--allow-ae", "TESTSCU", "--allow-ae", "STORESCU")
    yield running, db, reports
    running.stop()


def filed(db: Path) -> list[tuple[str, str]]:
    result = CliRunner().invoke(app, ["--db", str(db), "export", "scans"])
    assert result.exit_code == 0, result.output
    return sorted((s["mrn"], s["cl1_mm"]) for s in csv.DictReader(io.StringIO(result.stdout)))


def nothing_of_the_name(listener: Listener) -> None:
    printed = (listener.stdout() + listener.stderr()).casefold()
    for word in NEVER_PRINTED:
        assert word.casefold() not in printed


@pytest.mark.slow
@system_clock
def test_each_trait_through_listen_with_pynetdicom(
    received: tuple[Listener, Path, dict[str, Path]],
) -> None:
    """Every trait is answered 0x0000: Findings/cervix and Pelvis and Uterus > Uterus are
    filed from their beam path; the Canon-like reports without a beam path (the names in
    PatientID among them) and the unmapped private code wait in the inbox, the names
    masked; no name, PatientID that is no MRN, or issuer is printed."""
    listener, db, reports = received
    names = sorted(reports)
    statuses = dict(
        zip(names, send(listener.port, [pydicom.dcmread(reports[n]) for n in names]), strict=True)
    )
    assert statuses == dict.fromkeys(names, 0x0000)
    assert filed(db) == sorted((fx.PATIENT_ID, cl) for cl in FILED_FROM_THE_BEAM_PATH.values())
    held = CliRunner().invoke(app, ["--db", str(db), "inbox", "--format", "json"])
    rows = json.loads(held.stdout)["inbox"]
    assert len(rows) == len(names) - len(FILED_FROM_THE_BEAM_PATH)
    assert {row["calling_ae"] for row in rows} == {"TESTSCU"}
    assert {row["patient"] for row in rows} == {
        fx.PATIENT_ID,
        masked_patient_id(sr_real.NAME_IN_PATIENT_ID),
        masked_patient_id(sr_real.LATIN1_PATIENT_ID),
    }
    nothing_of_the_name(listener)


@pytest.mark.slow
@system_clock
def test_each_trait_through_listen_with_storescu(
    received: tuple[Listener, Path, dict[str, Path]],
) -> None:
    """DCMTK's storescu sends every trait (not halting at a refusal): each is answered
    Success, the two with a beam path filed, the rest held; nothing of a name is printed."""
    listener, db, reports = received
    files = [str(reports[n]) for n in sorted(reports)]
    command = [dcmtk_tool("storescu"), "-v", "-nh", "-aet", "STORESCU", "-aec", "CERVIXWATCH"]
    result = subprocess.run(
        [*command, "127.0.0.1", str(listener.port), *files],
        capture_output=True,
        encoding="latin-1",
        timeout=120,
        check=False,
    )
    answers = (result.stdout + result.stderr).count("Received Store Response (Success)")
    assert answers == len(reports), result.stdout + result.stderr
    assert filed(db) == sorted((fx.PATIENT_ID, cl) for cl in FILED_FROM_THE_BEAM_PATH.values())
    nothing_of_the_name(listener)


def test_no_fhir_identifier_holds_a_patient_id_that_is_no_mrn(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """After every trait is offered (those that file, filed), the FHIR export identifies the
    patient by her MRN: no identifier holds a report's name-bearing PatientID, and nothing
    of the Latin-1 report's PatientID, name or archive issuer is exported."""
    for name in sorted(real_files):
        clinic("import", "sr", str(real_files[name]), "--route", "tv")
    assert len(stored_scans(clinic)) >= 2
    result = clinic("export", "fhir")
    assert result.exit_code == 0, result.output
    identifiers = [
        identifier["value"]
        for entry in json.loads(result.stdout)["entry"]
        for identifier in entry["resource"].get("identifier", [])
    ]
    assert fx.PATIENT_ID in identifiers
    for patient_id in (sr_real.NAME_IN_PATIENT_ID, sr_real.LATIN1_PATIENT_ID):
        assert not [i for i in identifiers if patient_id.casefold() in i.casefold()]
    # the record's own name is exported as her name; nothing of another report's is
    exported = result.stdout.casefold()
    for word in (sr_real.ARCHIVE_ISSUER, *sr_real.LATIN1_PATIENT_ID.split(), "Åsa"):
        assert word.casefold() not in exported


# Per-machine settings (`[scanners."AE"]`, `import sr --scanner NAME`) for the same traits.
SCANNERS = """
[scanners."US_CANON"]
hosts = ["127.0.0.1"]
single_probe = true
route = "tv"
mrn_pattern = "^SR[0-9]{4}$"

[scanners."US_CYRILLIC"]
hosts = ["127.0.0.1"]
charset = "ISO_IR 144"

[scanners."US_SAMSUNG"]
hosts = ["127.0.0.1"]
[scanners."US_SAMSUNG".codes]
"99SMS:99005-07" = "cl"
"""


@pytest.fixture
def scanners(clinic: Cli, tmp_path: Path) -> Cli:
    """The clinic, with a config file listing three machines."""
    folder = tmp_path / "config" / "cervix-watch"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(SCANNERS, encoding="utf-8")
    return clinic


def test_a_single_probe_canon_files_reports_without_a_beam_path(
    scanners: Cli, real_files: dict[str, Path]
) -> None:
    """--scanner US_CANON (single probe, route tv): the no-beam-path report is filed as tv,
    and its note says the route came from the scanner settings."""
    path = real_files["most-recent-cm.dcm"]
    out = saved(scanners, path, "--scanner", "US_CANON")
    assert "route tv, recorded CL 29.5 mm" in out
    [scan] = stored_scans(scanners)
    assert "route tv from scanner settings US_CANON" in scan["notes"]


def test_a_name_in_patient_id_fails_the_scanners_mrn_pattern_masked(
    scanners: Cli, real_files: dict[str, Path]
) -> None:
    """The name in PatientID does not match US_CANON's mrn_pattern: refused, shown masked."""
    path = real_files["name-in-patient-id.dcm"]
    result = scanners("import", "sr", str(path), "--scanner", "US_CANON")
    assert result.exit_code == 1
    assert masked_patient_id(sr_real.NAME_IN_PATIENT_ID) in result.stderr
    assert "quillfeather" not in result.output.casefold()
    assert stored_scans(scanners) == []


def test_the_scanners_charset_decodes_a_report_without_one(
    scanners: Cli, real_files: dict[str, Path], tmp_path: Path
) -> None:
    """The Latin-1 report without (0008,0005) read as US_CYRILLIC's ISO_IR 144 decodes to
    other letters: the mask is of that text (the setting was applied), never the text
    itself. The set's Latin-1 report declares ISO_IR 100: the setting leaves it alone."""
    undeclared = sr_real.undeclared_charset()
    path = fx.one(tmp_path, undeclared.dataset, undeclared.name)
    declared = real_files["latin1-patient-id.dcm"]
    kept = scanners("import", "sr", str(declared), "--scanner", "US_CYRILLIC", "--route", "tv")
    assert kept.stderr == (
        f"error: {declared}: patient: no patient {masked_patient_id(sr_real.LATIN1_PATIENT_ID)}\n"
    )
    as_cyrillic = sr_real.LATIN1_PATIENT_ID.encode("latin-1").decode("iso8859_5")
    result = scanners("import", "sr", str(path), "--scanner", "US_CYRILLIC", "--route", "tv")
    assert result.exit_code == 1
    assert result.stderr == f"error: {path}: patient: no patient {masked_patient_id(as_cyrillic)}\n"
    assert masked_patient_id(sr_real.LATIN1_PATIENT_ID) not in result.stderr


def test_a_samsung_private_cl_code_through_the_scanners_codes(
    scanners: Cli, real_files: dict[str, Path]
) -> None:
    """The private CL code maps through US_SAMSUNG's own codes: filed with --scanner, and
    still "no cervix length" without it."""
    path = real_files["samsung-private-cl.dcm"]
    refused = scanners("import", "sr", str(path))
    assert refused.exit_code == 1
    assert "cervix_length: no cervix length in" in refused.stderr
    out = saved(scanners, path, "--scanner", "US_SAMSUNG")
    assert "route tv, recorded CL 31.0 mm" in out


# `import sr --hold` (issue 23.1): what cannot be filed waits in the inbox, each with the
# reason a person needs; the held rows show an unmatched PatientID masked.
HELD_WITHOUT_ROUTE = [
    "broken-lmp.dcm",
    "edd-from-ultrasound.dcm",
    "latin1-patient-id.dcm",
    "mean-only.dcm",
    "most-recent-cm.dcm",
    "name-in-patient-id.dcm",
]


def folder_of_traits(real_files: dict[str, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    for name, path in real_files.items():
        (folder / name).write_bytes(path.read_bytes())
    return folder


def inbox_rows(cli: Cli) -> list[dict[str, object]]:
    result = cli("inbox", "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)["inbox"]
    return rows


def test_import_hold_files_what_it_can_and_holds_the_rest_with_reasons(
    clinic: Cli, real_files: dict[str, Path], tmp_path: Path
) -> None:
    """--hold over every trait, no --route: the two with a beam path are filed; the six
    without one wait ("no beam path, and no route set"), the unmapped private code waits
    ("no recognised cervix length", its code listed); the names in PatientID are masked."""
    folder = folder_of_traits(real_files, tmp_path)
    result = clinic("import", "sr", "--hold", str(folder))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert (
        "Imported 2 scans from 9 files (0 already present, 7 held in the inbox, 0 ignored)." in out
    )
    for name in HELD_WITHOUT_ROUTE:
        line = next(x for x in out.splitlines() if x.startswith(f"{folder / name}:"))
        assert ": held in the inbox (" in line
        unmatched = name in ("latin1-patient-id.dcm", "name-in-patient-id.dcm")
        also = "; the PatientID matches no stored MRN" if unmatched else ""
        assert line.endswith(f"no beam path, and no route set for this scanner{also}.")
    assert (
        f"{folder / 'samsung-private-cl.dcm'}: held in the inbox (7): no recognised cervix "
        "length (unmapped: 99SMS:99005-07 (mm))." in out
    )
    assert filed_cls(clinic) == ["31.0", "31.5"]
    patients = {str(row["patient"]) for row in inbox_rows(clinic)}
    assert patients == {
        fx.PATIENT_ID,
        masked_patient_id(sr_real.NAME_IN_PATIENT_ID),
        masked_patient_id(sr_real.LATIN1_PATIENT_ID),
    }
    for word in NEVER_PRINTED:
        assert word.casefold() not in (result.output + clinic("inbox").output).casefold()


def filed_cls(cli: Cli) -> list[str]:
    return sorted(scan["cl1_mm"] for scan in stored_scans(cli))


def test_import_hold_with_a_route_holds_only_the_unmatched_patient_ids(
    clinic: Cli, real_files: dict[str, Path], tmp_path: Path
) -> None:
    """--hold --route tv: the Canon-like reports are filed (the same values once); the two
    with a name in PatientID wait, "the PatientID matches no stored MRN", masked."""
    folder = folder_of_traits(real_files, tmp_path)
    result = clinic("import", "sr", "--hold", "--route", "tv", str(folder))
    assert result.exit_code == 0, result.output
    for name in ("latin1-patient-id.dcm", "name-in-patient-id.dcm"):
        line = next(x for x in result.stdout.splitlines() if x.startswith(f"{folder / name}:"))
        assert line.endswith("the PatientID matches no stored MRN.")
    held = sorted(str(row["patient"]) for row in inbox_rows(clinic))
    assert held == sorted(
        [
            masked_patient_id(sr_real.LATIN1_PATIENT_ID),
            masked_patient_id(sr_real.NAME_IN_PATIENT_ID),
            fx.PATIENT_ID,  # the Samsung private code, unmapped
        ]
    )
    assert filed_cls(clinic) == ["28.7", "29.5", "31.0", "31.5"]
    assert "quillfeather" not in result.output.casefold()


def test_a_held_name_in_patient_id_is_filed_by_a_person_naming_the_mrn(
    clinic: Cli, real_files: dict[str, Path]
) -> None:
    """`inbox file ID --route tv` alone refuses it (masked: no such MRN); with `--mrn
    SR0001` the person's choice files it, and no output prints the name."""
    path = real_files["name-in-patient-id.dcm"]
    assert clinic("import", "sr", "--hold", str(path)).exit_code == 0
    [row] = inbox_rows(clinic)
    inbox_id = str(row["inbox_id"])
    refused = clinic("inbox", "file", inbox_id, "--route", "tv")
    assert refused.exit_code == 1
    masked = masked_patient_id(sr_real.NAME_IN_PATIENT_ID)
    assert refused.stderr == f"error: inbox report {inbox_id}: patient: no patient {masked}\n"
    filed = clinic("inbox", "file", inbox_id, "--route", "tv", "--mrn", fx.PATIENT_ID)
    assert filed.exit_code == 0, filed.output
    assert f"scan 1 saved for {fx.PATIENT_ID}" in filed.stdout
    assert filed_cls(clinic) == ["29.5"]
    for text in (refused.output, filed.output):
        assert "quillfeather" not in text.casefold()
