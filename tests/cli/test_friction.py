"""Small frictions of a clinic's first week (issue 21, friction 4 and 7): `scan amend --cl`
says how many measurements it replaced, `patient edit --edd` on an LMP-dated patient says
how to re-date her, and counts read "1 pregnancy", "1 patient"."""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import Cli

from cervix_watch.domain.words import counted


@pytest.fixture
def scanned(cli: Cli) -> Cli:
    """P1 with one scan of three measurements (scan 1)."""
    assert cli("patient", "add", "P1", "--edd", "2027-03-14").exit_code == 0
    added = cli("scan", "add", "P1", "--date", "2026-11-20", "--cl", "22.1", "--cl", "23.4",
                "--cl", "23.2", "--no-prompt")  # fmt: skip
    assert added.exit_code == 0, added.output
    return cli


def test_amend_with_one_cl_says_three_were_replaced_by_one(scanned: Cli) -> None:
    """The guide's old example turned 3 measurements into 1 silently; now it says so, and
    how to keep the others."""
    result = scanned("scan", "amend", "1", "--cl", "22.4", "--reason", "re-measured")
    assert result.exit_code == 0, result.output
    words = " ".join(result.stdout.split())
    assert "3 measurements replaced by 1; recorded CL 22.1 -> 22.4 mm." in words
    assert "give --cl once for each measurement the scan should keep" in words


def test_amend_with_the_full_set_says_three_by_three(scanned: Cli) -> None:
    """The guide's example now gives the full set: no warning."""
    result = scanned("scan", "amend", "1", "--cl", "22.4", "--cl", "23.4", "--cl", "23.2",
                     "--reason", "re-measured")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 measurements replaced by 3; recorded CL 22.1 -> 22.4 mm." in result.stdout
    assert "To keep the others" not in result.stdout


def test_a_new_edd_for_an_lmp_dated_patient_names_lmp_empty(cli: Cli) -> None:
    """`patient edit --edd` refuses (the LMP disagrees) and says `--lmp ''`; with it, done."""
    assert cli("patient", "add", "L1", "--lmp", "2026-07-01").exit_code == 0
    refused = cli("patient", "edit", "L1", "--edd", "2027-04-10", "--reason", "dating scan")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: lmp: 2026-07-01 gives EDD 2027-04-07, which disagrees with edd 2027-04-10; "
        "to date her by the new EDD, clear the LMP too: --lmp ''\n"
    )
    done = cli("patient", "edit", "L1", "--edd", "2027-04-10", "--lmp", "", "--reason", "scan")
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize(
    ("count", "noun", "words"),
    [(1, "pregnancy", "1 pregnancy"), (2, "pregnancy", "2 pregnancies"),
     (1, "patient", "1 patient"), (0, "patient", "0 patients"), (1, "row", "1 row")],
)  # fmt: skip
def test_counted_nouns(count: int, noun: str, words: str) -> None:
    """Singular for exactly one, the plural (pregnancies) otherwise."""
    assert counted(count, noun) == words


def test_an_audit_of_one_pregnancy_says_one_pregnancy(cli: Cli) -> None:
    """The audit title read `cohort 1 pregnancies`."""
    edd = date(2027, 3, 14)
    assert cli("patient", "add", "P1", "--edd", edd.isoformat()).exit_code == 0
    result = cli("audit", "--from", "2026-10-01", "--to", "2026-12-31")
    assert result.exit_code == 0, result.output
    assert "cohort 1 pregnancy" in " ".join(result.stdout.split())
    assert "1 pregnancies" not in result.stdout
