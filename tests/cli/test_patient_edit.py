"""patient edit: the change and its audit row, what it refuses, an unknown MRN."""

from __future__ import annotations

import json

import pytest
from tests.conftest import Cli, both_backends


@both_backends
def test_patient_edit_changes_the_record_and_audits_the_reason(cli: Cli) -> None:
    """patient edit --reason changes the field, and the audit row keeps old and new values,
    the reason and the operator."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", "Ann").exit_code == 0
    result = cli(
        "patient", "edit", "P01", "--name", "Anne", "--lmp", "2026-06-08",
        "--reason", "misspelt at booking", "--operator", "AB",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Updated P01" in result.stdout
    shown = json.loads(cli("patient", "show", "P01", "--format", "json").stdout)
    assert shown["patient"]["name"] == "Anne"
    assert shown["patient"]["edd"] == "2027-03-15"  # re-derived from the new LMP
    last = shown["audit"][-1]
    assert (last["action"], last["who"], last["reason"]) == ("edit", "AB", "misspelt at booking")
    assert last["changes"]["name"] == ["Ann", "Anne"]
    assert last["changes"]["edd"] == ["2027-03-14", "2027-03-15"]
    # on PostgreSQL the database's trigger adds a `db-update` row naming the login (seal.py)
    assert len([a for a in shown["audit"] if not a["action"].startswith("db-")]) == 2


@both_backends
@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--name", "Anne"], 2, "--reason"),
        (["--name", "Anne", "--reason", "  "], 1, "error: reason: is required"),
        (["--reason", "nothing to change"], 1, "error: patient: give at least one field"),
        (["--edd", "2027-02-30", "--reason", "x"], 1, "error: edd: "),
    ],
)
def test_patient_edit_without_a_reason_or_change_is_refused(
    cli: Cli, args: list[str], status: int, message: str
) -> None:
    """A missing (usage error, 2) or blank reason, no field to change or a bad value: refused
    with a message and nothing written."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", "Ann").exit_code == 0
    before = cli("patient", "show", "P01", "--format", "json").stdout
    result = cli("patient", "edit", "P01", *args)
    assert result.exit_code == status, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert cli("patient", "show", "P01", "--format", "json").stdout == before


@both_backends
def test_patient_edit_of_an_unknown_mrn_is_not_found(cli: Cli) -> None:
    """Editing an MRN that is not registered: exit 1 naming the MRN."""
    result = cli("patient", "edit", "NOPE", "--name", "X", "--reason", "y")
    assert result.exit_code == 1
    assert result.stderr == "error: mrn: no patient 'NOPE'\n"
