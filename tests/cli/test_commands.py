"""The CLI through typer's CliRunner: messages, exit statuses, prompts, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import Cli, both_backends

pytestmark = both_backends


@pytest.fixture
def registered(cli: Cli) -> Cli:
    """A database with patient P01 (EDD 2027-03-14, prior sPTB at 26+3)."""
    result = cli("patient", "add", "P01", "--edd", "2027-03-14", "--prior-sptb-weeks", "26+3")
    assert result.exit_code == 0, result.output
    return cli


def test_help_lists_the_command_groups(cli: Cli) -> None:
    """--help names every command group of the contract."""
    result = cli("--help")
    assert result.exit_code == 0
    for group in ("patient", "scan", "exam", "treatment", "discuss", "import", "export"):
        assert group in result.stdout


def test_scan_add_prints_ga_recorded_cl_and_id(registered: Cli) -> None:
    """Saving a scan answers with its id, the GA and the shortest measurement."""
    result = registered("scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--cl", "21.5")
    assert result.exit_code == 0, result.output
    assert "Scan 1 saved for P01: GA 18+2, recorded CL 21.5 mm" in result.stdout


def test_scan_add_without_terminal_fails_clearly(registered: Cli) -> None:
    """Missing --cl with no terminal: usage error naming the option, nothing written."""
    result = registered("scan", "add", "P01", "--date", "2026-10-13")
    assert result.exit_code == 2
    assert "--cl" in result.stderr
    assert json.loads(registered("scan", "list", "--format", "json").stdout)["scans"] == []


def test_scan_add_prompts_for_missing_values(registered: Cli) -> None:
    """With --prompt the sonographer confirms the patient and is asked for date,
    measurements, findings, operator and note, then confirms the summary."""
    answers = "y\n2026-10-13\n24\n24.5\n\ntv\nn\nn\n\n\n\ny\n"
    result = registered("scan", "add", "P01", "--prompt", input=answers)
    assert result.exit_code == 0, result.output
    assert "recorded CL 24.0 mm (shortest of 24.0, 24.5)" in result.stdout
    assert "Measurement standard" in result.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["scan", "add", "P01", "--date", "2026-10-13", "--cl", "120"], "cl_mm"),
        (["scan", "add", "P01", "--date", "2026-02-30", "--cl", "20"], "date"),
        (["scan", "add", "P01", "--date", "2099-01-01", "--cl", "20"], "date"),
        (
            ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "20", "--funnel-shape", "Q"],
            "funnel_shape",
        ),
        (["scan", "add", "NOPE", "--date", "2026-10-13", "--cl", "20"], "mrn"),
        (["patient", "add", "P02", "--edd", "2027-03-14", "--fetuses", "0"], "fetuses"),
        (["patient", "add", "P02"], "edd"),
        (["patient", "add", "P01", "--edd", "2027-03-14"], "mrn"),
        (
            ["patient", "add", "P02", "--edd", "2027-03-14", "--prior-cerclage", "Q"],
            "prior_cerclage",
        ),
        (
            ["treatment", "add", "P01", "pessary", "--date", "2026-10-01", "--kind", "history"],
            "kind",
        ),
        (["discuss", "P01", "tea", "--date", "2026-10-01", "--outcome", "accepted"], "action"),
        (["scan", "void", "42", "--reason", "x"], "scan_id"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_writes_nothing(
    registered: Cli, args: list[str], field: str
) -> None:
    """Each bad value: exit 1, one `error: field: ...` line, no traceback, no new audit row."""
    before = registered("patient", "show", "P01").stdout.count("add ")
    result = registered(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {field}: ")
    assert "Traceback" not in result.output
    assert registered("patient", "show", "P01").stdout.count("add ") == before


def test_amend_and_void_need_a_reason(registered: Cli) -> None:
    """--reason is required for amend and void; the reason lands in the audit trail."""
    registered("scan", "add", "P01", "--date", "2026-10-13", "--cl", "22")
    assert registered("scan", "void", "1").exit_code == 2
    assert registered("scan", "void", "1", "--reason", " ").exit_code == 1
    result = registered("scan", "amend", "1", "--cl", "23", "--reason", "typo")
    assert result.exit_code == 0, result.output
    assert registered("scan", "void", "1", "--reason", "wrong patient").exit_code == 0
    show = registered("patient", "show", "P01").stdout
    assert "typo" in show
    assert "wrong patient" in show


def test_scan_list_json_has_ga_and_recorded_cl(registered: Cli) -> None:
    """scan list --format json gives machine-readable scans with GA."""
    registered("scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--cl", "21")
    rows = json.loads(registered("scan", "list", "P01", "--format", "json").stdout)["scans"]
    assert rows[0]["ga"] == "18+2"
    assert rows[0]["recorded_cl_mm"] == 21.0


def test_patient_list_json(registered: Cli) -> None:
    """patient list --format json lists active patients with EDD."""
    rows = json.loads(registered("patient", "list", "--format", "json").stdout)["patients"]
    assert [(r["mrn"], r["edd"]) for r in rows] == [("P01", "2027-03-14")]


def test_operator_is_recorded_as_who(registered: Cli) -> None:
    """--operator names the person in the audit trail and on the scan."""
    registered("scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--operator", "AB")
    rows = json.loads(registered("scan", "list", "--format", "json").stdout)["scans"]
    assert rows[0]["operator"] == "AB"
    assert "AB" in registered("patient", "show", "P01").stdout


def test_treatment_end_and_close(registered: Cli) -> None:
    """A treatment gets an id that `treatment end` takes; a closed patient leaves the list."""
    result = registered(
        "treatment", "add", "P01", "cerclage", "--date", "2026-10-14", "--kind", "ultrasound"
    )
    assert "Treatment 1 recorded" in result.stdout
    assert registered("treatment", "end", "1", "--date", "2026-11-01").exit_code == 0
    assert registered("treatment", "end", "1", "--date", "2026-11-02").exit_code == 1
    assert (
        registered("patient", "close", "P01", "--date", "2026-11-02", "--outcome", "loss").exit_code
        == 0
    )
    rows = json.loads(registered("patient", "list", "--format", "json").stdout)["patients"]
    assert rows == []


def test_patient_show_json_has_scans_flags_and_audit(registered: Cli) -> None:
    """patient show --format json carries the scans with GA, the review's flags and the audit."""
    registered(
        "scan", "add", "P01", "--date", "2026-10-13", "--cl", "21", "--cl", "22", "--cl", "22"
    )
    registered("scan", "add", "P01", "--date", "2026-10-14", "--cl", "30")
    registered("scan", "void", "2", "--reason", "wrong patient")
    result = registered("patient", "show", "P01", "--as-of", "2026-10-15", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["patient"]["mrn"] == "P01"
    assert [(s["scan_id"], s["ga"], s["recorded_cl_mm"]) for s in shown["scans"]] == [
        (1, "18+2", 21.0)
    ]
    assert shown["voided_scans"][0]["reason"] == "wrong patient"
    actions = {f["action"] for f in shown["review"]["flags"]}
    assert "cerclage-discussion" in actions
    # on PostgreSQL the database's trigger adds a `db-update` row naming the login (seal.py)
    by_program = [a["action"] for a in shown["audit"] if not a["action"].startswith("db-")]
    assert by_program == ["add", "add", "add", "void"]
    assert (shown["risk"], shown["risk_by_history_only"]) == ("high", False)  # CL 21 mm


def test_patient_show_json_spells_previous_birth_ga_and_risk_as_in_csv(registered: Cli) -> None:
    """Previous-birth GAs read back as w+d (as patients.csv), the risk category in lower case."""
    registered("patient", "add", "P09", "--edd", "2027-03-14", "--prior-sptb-weeks", "28+0")
    result = registered("patient", "show", "P09", "--as-of", "2026-10-15", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["patient"]["prior_sptb_weeks"] == "28+0"
    assert shown["patient"]["prior_pprom_weeks"] is None
    assert (shown["risk"], shown["risk_by_history_only"]) == ("high", False)


def test_export_into_a_missing_folder_is_one_line_naming_out(
    registered: Cli, tmp_path: Path
) -> None:
    """export --out into a folder that does not exist: exit 1, one line naming --out, no file."""
    target = tmp_path / "no-such-folder" / "patients.csv"
    result = registered("export", "patients", "--out", str(target))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: out: cannot write {target}: No such file or directory"
    ]
    assert not target.parent.exists()


def test_patient_list_refuses_an_unknown_risk_category(registered: Cli) -> None:
    """--risk takes high, intermediate or low (any case); anything else is a usage error."""
    assert registered("patient", "list", "--risk", "medium").exit_code == 2
    shown = registered("patient", "list", "--risk", "HIGH", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert [row["mrn"] for row in json.loads(shown.stdout)["patients"]] == [
        "P01"
    ]  # prior sPTB: high
    low = registered("patient", "list", "--risk", "low", "--format", "json")
    assert json.loads(low.stdout)["patients"] == []
