"""Import problems are listed in line order, whichever check (cell, lookup) found them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli

from cervix_watch.domain.errors import InputError, Problem


def test_problems_print_in_line_order() -> None:
    """Lines sort by file and line; problems of one line keep the order they were found in."""
    found = InputError(
        [
            Problem("mrn", "no patient 'ZZ'", "s.csv", 3),
            Problem("cl1_mm", "not a number", "s.csv", 2),
            Problem("date", "not a date", "s.csv", 3),
        ]
    )
    assert found.lines() == [
        "s.csv:2: cl1_mm: not a number",
        "s.csv:3: mrn: no patient 'ZZ'",
        "s.csv:3: date: not a date",
    ]


def test_scan_import_lists_cell_and_patient_problems_by_line(cli: Cli, tmp_path: Path) -> None:
    """A bad number on line 2 and 4 and unknown patients on lines 3 and 5 print 2, 3, 4, 5."""
    patients = tmp_path / "patients.csv"
    patients.write_text("mrn,edd\nA1,2027-03-01\n", encoding="utf-8")
    assert cli("import", "patients", str(patients)).exit_code == 0
    scans = tmp_path / "scans.csv"
    scans.write_text(
        "mrn,date,cl1_mm\nA1,2026-10-01,abc\nZZ,2026-10-01,20\nA1,2026-10-01,-3\n"
        "ZY,2026-10-01,20\n",
        encoding="utf-8",
    )
    result = cli("import", "scans", str(scans))
    assert result.exit_code == 1
    lines = [int(line.split(":")[2]) for line in result.stderr.splitlines()]
    assert lines == [2, 3, 4, 5]
