"""Choice values in any case at the command line and in CSV files, stored lower-case
(contract v3), and `discuss ... cerclage-removal-due`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import Cli


@pytest.fixture
def registered(cli: Cli) -> Cli:
    result = cli(
        "patient", "add", "P01", "--edd", "2027-03-14", "--cervical-excision", "LLETZ",
        "--dating", "LMP", "--prior-cerclage", "History",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return cli


def _row(cli: Cli, kind: str) -> dict[str, str]:
    header, first = cli("export", kind).stdout.splitlines()[:2]
    return dict(zip(header.split(","), first.split(","), strict=True))


def test_patient_choices_in_capitals_are_stored_lower_case(registered: Cli) -> None:
    """`LLETZ`, `LMP`, `History` are stored and exported as `lletz`, `lmp`, `history`."""
    row = _row(registered, "patients")
    assert (row["cervical_excision"], row["dating"], row["prior_cerclage"]) == (
        "lletz",
        "lmp",
        "history",
    )


def test_event_choices_in_any_case(registered: Cli) -> None:
    """Route, funnel shape, treatment type and kind, action and outcome in any case."""
    steps = [
        ("scan", "add", "P01", "--date", "2026-11-02", "--cl", "30", "--route", "TA",
         "--funnel-shape", "y", "--no-prompt"),
        ("treatment", "add", "P01", "Cerclage", "--kind", "ULTRASOUND", "--date", "2026-11-03"),
        ("discuss", "P01", "Cerclage-Discussion", "--outcome", "Accepted", "--date", "2026-11-03"),
    ]  # fmt: skip
    for args in steps:
        result = registered(*args)
        assert result.exit_code == 0, result.output
    scan = _row(registered, "scans")
    assert (scan["route"], scan["funnel_shape"]) == ("ta", "Y")
    treatment = _row(registered, "treatments")
    assert (treatment["type"], treatment["kind"]) == ("cerclage", "ultrasound")
    discussion = _row(registered, "discussions")
    assert (discussion["action"], discussion["outcome"]) == ("cerclage-discussion", "accepted")
    result = registered("patient", "close", "P01", "--date", "2026-11-20", "--outcome", "LOSS")
    assert result.exit_code == 0, result.output
    assert "loss on 2026-11-20" in result.stdout


def test_csv_choices_in_any_case(registered: Cli, tmp_path: Path) -> None:
    """An imported file's choices in capitals are stored lower-case."""
    patients = tmp_path / "patients.csv"
    patients.write_text("mrn,edd,cervical_excision,dating\nP02,2027-03-14,Cone,IVF\n")
    assert registered("import", "patients", str(patients)).exit_code == 0
    discussions = tmp_path / "discussions.csv"
    discussions.write_text("mrn,action,date,outcome\nP02,REFER-PTB-CLINIC,2026-11-01,Declined\n")
    result = registered("import", "discussions", str(discussions))
    assert result.exit_code == 0, result.output
    listed = json.loads(registered("patient", "show", "P02", "--format", "json").stdout)
    assert "cone" in json.dumps(listed)
    assert _row(registered, "discussions")["action"] == "refer-ptb-clinic"


@pytest.mark.parametrize("outcome", ["accepted", "declined", "deferred"])
def test_discuss_cerclage_removal_due(registered: Cli, outcome: str) -> None:
    """The team's decision on a removal point is recorded like any discussion."""
    result = registered(
        "discuss", "P01", "cerclage-removal-due", "--outcome", outcome, "--date", "2026-11-20"
    )
    assert result.exit_code == 0, result.output
    assert f"Recorded for P01: cerclage-removal-due {outcome} on 2026-11-20." in result.stdout
    assert _row(registered, "discussions")["action"] == "cerclage-removal-due"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["discuss", "P01", "cerclage-removal", "--outcome", "accepted"], "error: action: "),
        (["discuss", "P01", "cerclage-removal-due", "--outcome", "maybe"], "error: outcome: "),
        (["treatment", "add", "P01", "Cerclage", "--kind", "HISTORYY"], "error: kind: "),
        (
            ["scan", "add", "P01", "--date", "2026-11-02", "--cl", "30", "--route", "TVS"],
            "error: route: ",
        ),
    ],
)
def test_a_misspelt_choice_is_still_refused(registered: Cli, args: list[str], message: str) -> None:
    """Case-insensitive, not fuzzy: a wrong word is one line, exit 1, nothing written."""
    result = registered(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert registered("export", "discussions").stdout.count("\n") == 1
    assert registered("export", "treatments").stdout.count("\n") == 1
