"""The version-2 options: dating and the other risk factors, --symptom, --membranes-ruptured,
cerclage kind transabdominal; and what `patient show` and `export` then say."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tests.conftest import Cli, both_backends


@pytest.fixture
def registered(cli: Cli) -> Cli:
    """A database with patient P01 (EDD 2027-03-14)."""
    result = cli("patient", "add", "P01", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    return cli


def _show(cli: Cli, mrn: str) -> dict[str, object]:
    result = cli("patient", "show", mrn, "--format", "json")
    assert result.exit_code == 0, result.output
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def _export(cli: Cli, kind: str) -> list[dict[str, str]]:
    result = cli("export", kind)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


RISK_OPTIONS = (
    "--dating",
    "lmp",
    "--des-exposure",
    "--connective-tissue-disorder",
    "--cervical-dilation-procedures",
    "2",
    "--cervical-tear",
    "--smoker",
)


@both_backends
def test_patient_add_records_dating_and_other_risk_factors(cli: Cli) -> None:
    """Every new history option is stored, shown in `patient show` (text and JSON) and
    exported in its column."""
    result = cli("patient", "add", "P01", "--edd", "2027-03-14", *RISK_OPTIONS)
    assert result.exit_code == 0, result.output
    shown = _show(cli, "P01")
    patient = shown["patient"]
    assert isinstance(patient, dict)
    assert patient["dating"] == "lmp"
    assert patient["cervical_dilation_procedures"] == 2
    for name in ("des_exposure", "connective_tissue_disorder", "cervical_tear", "smoker"):
        assert patient[name] is True, name
    assert shown["other_risk_factors"] == [
        "DES exposure in utero",
        "connective-tissue (collagen) disorder",
        "2 surgical cervical dilations",
        "cervical tear in a prior labour",
        "smoker",
    ]
    text = cli("patient", "show", "P01").stdout
    assert "dated by the LMP alone" in text
    assert "Other risk factors: DES exposure in utero; connective-tissue" in text
    (row,) = _export(cli, "patients")
    assert (row["dating"], row["smoker"]) == ("lmp", "yes")
    assert row["cervical_dilation_procedures"] == "2"


def test_patient_show_says_when_none_is_recorded(registered: Cli) -> None:
    """With none given: dating not recorded, no other risk factor, JSON list empty."""
    text = registered("patient", "show", "P01").stdout
    assert "dating not recorded" in text
    assert "Other risk factors: none recorded" in text
    assert _show(registered, "P01")["other_risk_factors"] == []


def test_patient_edit_sets_and_clears_the_new_fields(registered: Cli) -> None:
    """`patient edit` sets them, `--no-smoker` and `--dating ''` clear them; audited."""
    result = registered("patient", "edit", "P01", *RISK_OPTIONS, "--reason", "booking history")
    assert result.exit_code == 0, result.output
    assert "smoker" in result.stdout
    result = registered("patient", "edit", "P01", "--no-smoker", "--dating", "", "--reason", "typo")
    assert result.exit_code == 0, result.output
    patient = _show(registered, "P01")["patient"]
    assert isinstance(patient, dict)
    assert patient["smoker"] is False
    assert patient["dating"] is None
    assert patient["des_exposure"] is True
    audit = _show(registered, "P01")["audit"]
    assert isinstance(audit, list)
    assert audit[-1]["changes"]["smoker"] == [True, False]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dating", "scan"], "error: dating: 'scan' is not one of 'ultrasound', 'ivf' or 'lmp'"),
        (
            ["--cervical-dilation-procedures", "-1"],
            "error: cervical_dilation_procedures: '-1' must be at least 0",
        ),
        (
            ["--cervical-dilation-procedures", "two"],
            "error: cervical_dilation_procedures: ",
        ),
    ],
)
def test_bad_history_values_are_one_line_exit_1(
    registered: Cli, args: list[str], message: str
) -> None:
    """A bad dating or count: one line naming the field, exit 1, nobody registered."""
    result = registered("patient", "add", "P02", "--edd", "2027-03-14", *args)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert [p["mrn"] for p in _export(registered, "patients")] == ["P01"]


@both_backends
def test_scan_and_exam_symptoms_are_stored(registered: Cli) -> None:
    """`--symptom` (repeatable) on scan add and exam add, and `--membranes-ruptured`, reach
    the database and its export; patient show marks the urgent ones."""
    scan = registered(
        "scan", "add", "P01", "--date", "2026-10-13", "--cl", "30", "--symptom", "cramps",
        "--symptom", "Fever", "--no-prompt",
    )  # fmt: skip
    assert scan.exit_code == 0, scan.output
    exam = registered(
        "exam", "add", "P01", "--date", "2026-10-14", "--membranes-ruptured", "--symptom", "fluid"
    )
    assert exam.exit_code == 0, exam.output
    (scan_row,) = _export(registered, "scans")
    (exam_row,) = _export(registered, "exams")
    assert scan_row["symptoms"] == "fever;cramps"
    assert scan_row["source"] == ""
    assert (exam_row["membranes_ruptured"], exam_row["symptoms"]) == ("yes", "fluid")
    text = registered("patient", "show", "P01").stdout
    assert "symptoms: fever (urgent), cramps" in text
    assert "membranes ruptured" in text


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "30", "--no-prompt"],
        ["exam", "add", "P01", "--date", "2026-10-14"],
    ],
)
def test_unknown_symptoms_are_named_in_one_line(registered: Cli, command: list[str]) -> None:
    """Unknown --symptom names: one line naming each of them and the known names, exit 1,
    nothing written."""
    result = registered(*command, "--symptom", "fever", "--symptom", "headache", "--symptom", "x")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: symptoms: unknown symptoms 'headache', 'x' (known: fluid")
    assert _export(registered, "scans") == []
    assert _export(registered, "exams") == []


def test_scan_amend_replaces_the_symptoms(registered: Cli) -> None:
    """`scan amend --symptom` replaces the list; `--symptom ''` empties it."""
    args = ("scan", "add", "P01", "--date", "2026-10-13", "--cl", "30", "--symptom", "spotting")
    assert registered(*args, "--no-prompt").exit_code == 0
    result = registered("scan", "amend", "1", "--symptom", "backache", "--reason", "misheard")
    assert result.exit_code == 0, result.output
    assert _export(registered, "scans")[0]["symptoms"] == "backache"
    result = registered("scan", "amend", "1", "--symptom", "", "--reason", "none after all")
    assert result.exit_code == 0, result.output
    assert _export(registered, "scans")[0]["symptoms"] == ""


def test_scan_prompt_asks_for_symptoms_again_after_an_unknown_name(registered: Cli) -> None:
    """The symptoms prompt checks the answer as typed: an unknown name is said and asked again."""
    answers = "y\n2026-10-13\n24\n\ntv\nn\nn\nfever;headche\nfever; cramps\n\n\ny\n"
    result = registered("scan", "add", "P01", "--prompt", input=answers)
    assert result.exit_code == 0, result.output
    assert "unknown symptom 'headche'" in result.stderr
    assert _export(registered, "scans")[0]["symptoms"] == "fever;cramps"


def test_transabdominal_cerclage(registered: Cli) -> None:
    """`treatment add cerclage --kind transabdominal` is stored and said as such."""
    result = registered(
        "treatment", "add", "P01", "cerclage", "--kind", "transabdominal", "--date", "2026-08-01"
    )
    assert result.exit_code == 0, result.output
    assert "transabdominal cerclage from 2026-08-01" in result.stdout
    (row,) = _export(registered, "treatments")
    assert (row["type"], row["kind"]) == ("cerclage", "transabdominal")
    treatments = _show(registered, "P01")["treatments"]
    assert isinstance(treatments, list)
    assert treatments[0]["kind"] == "transabdominal"
