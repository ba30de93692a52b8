"""bench/rows.py: which patients and dates the 1,000 SR files are for, and the targets."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import rows
from timing import Timing

AS_OF = date(2026, 11, 2)


def _edd_at(ga_days: int) -> date:
    """The EDD of a pregnancy at `ga_days` on AS_OF."""
    return AS_OF + timedelta(days=280 - ga_days)


@pytest.mark.parametrize(
    ("ga_days", "days_before"), [(16 * 7, 0), (33 * 7 + 6, 0), (33 * 7 + 7, 1)]
)
def test_a_report_is_dated_where_its_patient_is_within_16_0_to_33_6(
    tmp_path: Path, ga_days: int, days_before: int
) -> None:
    """At 16+0 or 33+6 on the review date the report is dated that day; at 34+0 the day
    before (33+6); at 15+6 never (earlier days are younger still: see the next test)."""
    csv = tmp_path / "patients.csv"
    csv.write_text(f"mrn,name,edd\nB1,Ann Lee,{_edd_at(ga_days)}\n")
    assert rows.sr_scans(csv, AS_OF, count=1)[0].on == AS_OF - timedelta(days=days_before)


def test_the_days_before_the_review_date_fill_the_count(tmp_path: Path) -> None:
    """Two patients and 3 reports: both on the review date, then the first the day before;
    each report's two lengths differ from the last one's."""
    csv = tmp_path / "patients.csv"
    csv.write_text(f"mrn,name,edd\nB1,Ann Lee,{_edd_at(200)}\nB2,Bo Ito,{_edd_at(150)}\n")
    scans = rows.sr_scans(csv, AS_OF, count=3)
    assert [(s.mrn, s.on) for s in scans] == [
        ("B1", AS_OF), ("B2", AS_OF), ("B1", AS_OF - timedelta(days=1))
    ]  # fmt: skip
    assert [s.cl_mm for s in scans] == [("25.0", "25.7"), ("25.1", "25.8"), ("25.2", "25.9")]


def test_too_few_patients_is_a_clear_failure(tmp_path: Path) -> None:
    """A patient at 15+6 on the review date is never within the window: said so."""
    csv = tmp_path / "patients.csv"
    csv.write_text(f"mrn,name,edd\nB1,Ann Lee,{_edd_at(16 * 7 - 1)}\n")
    with pytest.raises(SystemExit, match="fewer than 2 scans"):
        rows.sr_scans(csv, AS_OF, count=2)


@pytest.mark.parametrize(
    ("name", "pn"), [("Priya Okafor", "Okafor^Priya"), ("Ann Marie O'Brien", "O'Brien^Ann Marie"),
                     ("Cher", "Cher")],
)  # fmt: skip
def test_names_become_dicom_person_names(name: str, pn: str) -> None:
    """The family name (the last word) comes first, then the given names."""
    assert rows.dicom_name(name) == pn


def _timing(label: str, wall: float, cpu: float = 1.0) -> Timing:
    return Timing(label, walls=[wall], rss_kb=[1024], cpus=[cpu])


@pytest.mark.parametrize(("wall", "result"), [(15.0, "met"), (15.1, "**missed**")])
def test_import_sr_wall_within_1_5x_of_its_cpu(wall: float, result: str) -> None:
    """15 s of wall for 10 s of CPU meets the 1.5x target; 15.1 s misses it."""
    found = {"import sr": _timing("sr", wall, cpu=10.0), "floor: dcmread": _timing("d", 20.0),
             "floor: import scans": _timing("s", 20.0)}  # fmt: skip
    line = rows.targets({1000: found})[0]
    assert line.endswith(f"| {result} |")
    assert f"= {wall / 10:.2f}x" in line


@pytest.mark.parametrize(("wall", "result"), [(10.0, "met"), (10.1, "**missed**")])
def test_import_sr_within_2x_of_dcmread_plus_import_scans(wall: float, result: str) -> None:
    """Against a floor of 2 s + 3 s, 10 s meets the 2x target; 10.1 s misses it."""
    found = {"import sr": _timing("sr", wall, cpu=wall), "floor: dcmread": _timing("d", 2.0),
             "floor: import scans": _timing("s", 3.0)}  # fmt: skip
    assert rows.targets({1000: found})[1].endswith(f"| {result} |")
