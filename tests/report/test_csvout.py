"""`review --format csv`: one row per discussion point, spreadsheet-safe text cells."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cervix_watch.report.csvout import COLUMNS
from tests.conftest import Cli
from tests.report.conftest import AS_OF, add_patient


def _rows(cli: Cli) -> list[dict[str, str]]:
    result = cli("review", "--as-of", AS_OF, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"])
def test_formula_in_a_name_is_neutralised(narrow: Cli, name: str) -> None:
    """A name starting with =, +, - or @ is written with one leading quote, never as a formula."""
    add_patient(narrow, "F1", name)
    (row,) = [r for r in _rows(narrow) if r["mrn"] == "F1"]
    assert row["name"] == "'" + name


def test_one_row_per_flag_and_one_for_a_patient_without(loaded: Cli) -> None:
    """Rows = flags, plus one row with empty flag columns for each patient without a point."""
    review = json.loads(loaded("review", "--as-of", AS_OF, "--format", "json").stdout)
    rows = _rows(loaded)
    expected = sum(max(1, len(p["flags"])) for p in review["patients"])
    assert len(rows) == expected
    assert list(rows[0]) == list(COLUMNS)
    pairs = {(r["mrn"], r["rule"]) for r in rows}
    for patient in review["patients"]:
        for flag in patient["flags"]:
            assert (patient["mrn"], flag["rule"]) in pairs
    assert {r["as_of"] for r in rows} == {AS_OF}
