"""CSV import/export: header checks, bad bytes, bad cells, cross-row checks, round trips."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES

from cervix_watch.domain.errors import Problem
from cervix_watch.domain.history import PATIENT_FACTS
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.interop import (
    KINDS,
    MAX_LINE_BYTES,
    PATIENTS,
    SCANS,
    ParsedRow,
    read_file,
    read_rows,
    read_stream,
    write_csv,
)

VIGNETTES = EXAMPLES / "vignettes"  # the version-1 worked examples

SCAN_HEADER = (
    "scan_id,mrn,date,route,cl1_mm,cl2_mm,cl3_mm,funneling,funnel_length_mm,"
    "funnel_width_mm,funnel_shape,sludge,operator,notes"
)
SCAN_ROW = ",P01,2026-09-29,tv,31,31.5,32.0,no,,,,no,AB,first scan"
PATIENT_HEADER = (
    "mrn,name,edd,lmp,fetuses,prior_sptb_weeks,prior_sptb_count,prior_pprom_weeks,"
    "painless_loss_count,prior_cerclage,cervical_excision,uterine_anomaly,"
    "intrauterine_adhesions,caesarean_full_dilatation,notes"
)
PATIENT_ROW = "P01,Ann Example,2027-03-14,,1,26+3,,,,no,none,,,,"
# The headers above are the v1 columns, still read (left-out columns take their defaults);
# export writes every column of contract version 2, in its order.
FULL_SCAN_HEADER = (
    "scan_id,mrn,date,route,cl1_mm,cl2_mm,cl3_mm,funneling,funnel_length_mm,"
    "funnel_width_mm,funnel_shape,sludge,symptoms,operator,source,notes"
)
CONTRACT_PATIENT_HEADER = (
    "mrn,name,edd,lmp,dating,fetuses,prior_sptb_weeks,prior_sptb_count,prior_pprom_weeks,"
    "painless_loss_count,prior_cerclage,cervical_excision,uterine_anomaly,"
    "intrauterine_adhesions,caesarean_full_dilatation,des_exposure,connective_tissue_disorder,"
    "cervical_dilation_procedures,cervical_tear,smoker,notes"
)
# A yes/no or count fact of the Patient model that contract v3 does not list (one added
# since) is a column before `notes`, "no" or "0" when not given.
ADDED_FACTS = [name for name in PATIENT_FACTS if name not in CONTRACT_PATIENT_HEADER.split(",")]
ADDED_CELLS = "".join({"bool": "no,", "int": "0,"}[PATIENT_FACTS[n].csv] for n in ADDED_FACTS)
FULL_PATIENT_HEADER = CONTRACT_PATIENT_HEADER.replace(
    ",notes", "".join(f",{name}" for name in ADDED_FACTS) + ",notes"
)
FULL_EXAM_HEADER = (
    "exam_id,mrn,date,dilation_cm,membranes_visible,membranes_ruptured,contractions,bleeding,"
    "infection_signs,symptoms,notes"
)


def parse(kind: str, data: bytes | str) -> list[ParsedRow[Any]]:
    """All rows of `data` read as `kind` from a file called `in.csv`."""
    raw = data.encode() if isinstance(data, str) else data
    return [row for chunk in read_stream(kind, io.BytesIO(raw), "in.csv") for row in chunk]


def problems(kind: str, data: bytes | str) -> list[Problem]:
    return [p for row in parse(kind, data) for p in row.problems]


def records(kind: str, data: bytes | str) -> list[Any]:
    rows = parse(kind, data)
    assert [p for row in rows for p in row.problems] == []
    return [row.record for row in rows]


def export(kind: str, models: list[Any]) -> str:
    out = io.StringIO()
    write_csv(kind, models, out)
    return out.getvalue()


# --- header -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column", "words"),
    [
        ("mrn,date,cl1_mm,colour", "colour", "is not a column of scans.csv"),
        ("mrn,date,cl1_mm,date", "date", "appears twice (columns 2 and 4)"),
        ("mrn,cl1_mm", "date", "required column is missing"),
        ("date,cl1_mm", "mrn", "required column is missing"),
        ("mrn,date", "cl1_mm", "required column is missing"),
        ("mrn,date,cl1_mm,", "column 4", "has no name"),
    ],
)
def test_header_problem_names_the_column(header: str, column: str, words: str) -> None:
    """Each header fault is one problem on line 1 naming the column."""
    found = problems("scans", header + "\n,P01,2026-09-29,31\n")
    assert [(p.field, p.line) for p in found] == [(column, 1)]
    assert words in found[0].message
    assert str(found[0]).startswith(f"in.csv:1: {column}: ")


def test_patients_header_needs_edd_or_lmp() -> None:
    """A patients header with neither edd nor lmp is refused; either one alone is enough."""
    assert [p.field for p in problems("patients", "mrn,name\nP1,x\n")] == ["edd"]
    assert records("patients", "mrn,lmp\nP1,2026-06-07\n")[0].edd.isoformat() == "2027-03-14"


def test_header_is_trimmed_case_insensitive_and_in_any_order() -> None:
    """Header names are matched after trimming and ignoring case; column order is free."""
    (scan,) = records("scans", " CL1_mm ,Date,MRN\n22.5,2026-09-29,P01\n")
    assert (scan.mrn, scan.cl_mm) == ("P01", (22.5,))


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file_is_one_problem(data: bytes) -> None:
    """A file without a header row is a problem, not an empty import."""
    found = problems("scans", data)
    assert [(p.field, p.line) for p in found] == [("header", 1)]


def test_header_only_is_valid_with_no_rows() -> None:
    """A header with no rows yields no rows and no problems (the CLI decides what to say)."""
    assert parse("scans", SCAN_HEADER + "\n") == []
    assert parse("scans", SCAN_HEADER) == []


# --- bytes and lines ----------------------------------------------------------


def test_bom_and_crlf_are_accepted() -> None:
    """Excel's UTF-8 BOM and CRLF line endings read like plain UTF-8 with LF."""
    plain = records("scans", f"{SCAN_HEADER}\n{SCAN_ROW}\n")
    excel = records("scans", f"\ufeff{SCAN_HEADER}\r\n{SCAN_ROW}\r\n")
    assert excel == plain


def test_latin1_bytes_are_a_problem_naming_line_and_column() -> None:
    """Bytes that are not UTF-8 are reported on their line, in the column that holds them."""
    data = f"{PATIENT_HEADER}\n{PATIENT_ROW}\nP02,Zo\xeb,2027-03-14,,,,,,,,,,,,\n".encode("latin-1")
    found = problems("patients", data)
    assert [(p.field, p.line) for p in found] == [("name", 3)]
    assert "0xeb is not UTF-8" in found[0].message


def test_nul_byte_is_a_problem_naming_the_line() -> None:
    """A NUL byte is reported on its line; the rows around it are still read."""
    data = f"{SCAN_HEADER}\n{SCAN_ROW}\n,P02,2026-09-29,tv,31,,,no,,,,no,A\x00B,\n{SCAN_ROW}\n"
    rows = parse("scans", data)
    assert [row.ok for row in rows] == [True, False, True]
    assert [(p.field, p.line, p.message) for p in rows[1].problems] == [
        ("operator", 3, "contains a NUL byte")
    ]


def test_overlong_line_is_a_problem_and_later_lines_keep_their_numbers() -> None:
    """A 1 MB line is reported (not read into a field) and the next row is still line 4."""
    huge = ",P02,2026-09-29,tv,31,,,no,,,,no,AB," + "x" * 1_000_000
    rows = parse("scans", f"{SCAN_HEADER}\n{SCAN_ROW}\n{huge}\n{SCAN_ROW}\n")
    assert [(row.line, row.ok) for row in rows] == [(2, True), (3, False), (4, True)]
    assert rows[1].problems[0].field == "line"
    assert f"longer than {MAX_LINE_BYTES} bytes" in rows[1].problems[0].message


def test_overlong_quoted_field_over_many_lines_is_a_problem() -> None:
    """A quoted cell over many short lines, past the field limit, is a problem not a crash."""
    many = ',P02,2026-09-29,tv,31,,,no,,,,no,AB,"' + "x\n" * 100_000 + '"'
    found = problems("scans", f"{SCAN_HEADER}\n{many}\n{SCAN_ROW}\n")
    assert found
    assert all(p.source == "in.csv" and p.line is not None for p in found)


def test_quoted_line_break_counts_physical_lines() -> None:
    """A note with a line break keeps its text; the next row's line number counts both lines."""
    two_lines = ',P01,2026-09-29,tv,31,,,no,,,,no,AB,"two\nlines"'
    data = f"{SCAN_HEADER}\n{two_lines}\n,P01,bad,tv,31,,,no,,,,no,,\n"
    rows = parse("scans", data)
    assert rows[0].record is not None
    assert rows[0].record.notes == "two\nlines"
    assert [p.line for p in rows[1].problems] == [4]


@pytest.mark.parametrize(
    ("row", "cells"),
    [(SCAN_ROW + ",extra", 15), (",P01,2026-09-29,tv,31", 5)],
)
def test_ragged_row_is_a_problem(row: str, cells: int) -> None:
    """A row with more or fewer cells than the header is refused with both counts."""
    found = problems("scans", f"{SCAN_HEADER}\n{row}\n")
    assert [(p.field, p.line) for p in found] == [("row", 2)]
    assert found[0].message == f"has {cells} cells but the header has 14"


def test_blank_lines_and_empty_rows_are_skipped() -> None:
    """Blank lines and rows of empty cells (spreadsheet leftovers) are not rows."""
    rows = parse("scans", f"{SCAN_HEADER}\n\n{SCAN_ROW}\n,,,,,,,,,,,,,\n\r\n")
    assert [(row.line, row.ok) for row in rows] == [(3, True)]


# --- cells ------------------------------------------------------------------


def join(cells: Iterable[str]) -> str:
    return ",".join(f'"{cell}"' if "," in cell else cell for cell in cells)


def scan_line(**cells: str) -> str:
    base = dict(zip(SCAN_HEADER.split(","), SCAN_ROW.split(","), strict=True))
    base.update(cells)
    return f"{SCAN_HEADER}\n{join(base.values())}\n"


def patient_line(**cells: str) -> str:
    base = dict(zip(PATIENT_HEADER.split(","), PATIENT_ROW.split(","), strict=True))
    base.update(cells)
    return f"{PATIENT_HEADER}\n{join(base.values())}\n"


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"date": "2027-02-30"}, "date", "is not a date"),
        ({"route": "rectal"}, "route", "is not one of"),
        ({"cl1_mm": "120"}, "cl1_mm", "must be at most 80"),
        ({"cl1_mm": "0"}, "cl1_mm", "must be more than 0"),
        ({"cl2_mm": "-1"}, "cl2_mm", "must be more than 0"),
        ({"cl3_mm": "80.1"}, "cl3_mm", "must be at most 80"),
        ({"cl1_mm": "NaN"}, "cl1_mm", "finite"),
        ({"cl2_mm": "abc"}, "cl2_mm", "is not a number"),
        ({"cl3_mm": "22,5"}, "cl3_mm", "is not a number"),
        ({"cl1_mm": ""}, "cl1_mm", "is empty but cl2_mm is given"),
        ({"cl1_mm": "", "cl2_mm": "", "cl3_mm": ""}, "cl1_mm", "is required"),
        ({"funneling": "yes", "funnel_shape": "Q"}, "funnel_shape", "is not one of"),
        ({"funnel_shape": "V"}, "funneling", "is 'no' but"),
        ({"funneling": "maybe"}, "funneling", "is not yes/no"),
        ({"scan_id": "0"}, "scan_id", "0 is not a record id (ids are 1 to 2147483647)"),
        ({"scan_id": "2147483648"}, "scan_id", "is not a record id"),
        ({"scan_id": "x"}, "scan_id", "is not a whole number"),
        ({"mrn": ""}, "mrn", "is required"),
        ({"operator": "x" * 201}, "operator", "longer than 200"),
    ],
)
def test_bad_scan_cell_names_its_column(cells: dict[str, str], column: str, words: str) -> None:
    """A bad scan cell is one problem on its line naming the CSV column."""
    found = problems("scans", scan_line(**cells))
    assert [(p.field, p.line) for p in found] == [(column, 2)], found
    assert words in found[0].message
    assert str(found[0]).startswith(f"in.csv:2: {column}: ")


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"edd": "2027-02-30"}, "edd", "is not a date"),
        ({"edd": "", "lmp": "2027-02-30"}, "lmp", "is not a date"),
        ({"edd": "", "lmp": ""}, "edd", "give an EDD or an LMP"),
        ({"lmp": "2026-06-01"}, "lmp", "disagrees with edd"),
        ({"fetuses": "0"}, "fetuses", "must be at least 1"),
        ({"prior_sptb_weeks": "45+0"}, "prior_sptb_weeks", "beyond 44+6"),
        ({"prior_sptb_weeks": "12+0"}, "prior_sptb_weeks", "outside 16+0 to 36+6"),
        ({"prior_pprom_weeks": "soon"}, "prior_pprom_weeks", "is not a gestational age"),
        ({"prior_sptb_count": "0"}, "prior_sptb_count", "is 0 but"),
        ({"prior_cerclage": "maybe"}, "prior_cerclage", "is not one of"),
        ({"cervical_excision": "laser"}, "cervical_excision", "is not one of"),
        ({"uterine_anomaly": "perhaps"}, "uterine_anomaly", "is not yes/no"),
        ({"name": "N" * 10_001}, "name", "is longer than 10000 characters"),
    ],
)
def test_bad_patient_cell_names_its_column(cells: dict[str, str], column: str, words: str) -> None:
    """A bad patient cell is one problem on its line naming the CSV column."""
    found = problems("patients", patient_line(**cells))
    assert [(p.field, p.line) for p in found] == [(column, 2)], found
    assert words in found[0].message


@pytest.mark.parametrize(
    ("kind", "data", "column"),
    [
        ("exams", "mrn,date,dilation_cm\nP1,2026-10-01,11\n", "dilation_cm"),
        ("exams", "mrn,date,bleeding\nP1,2026-10-01,lots\n", "bleeding"),
        ("treatments", "mrn,type,start\nP1,stitch,2026-10-01\n", "type"),
        ("treatments", "mrn,type,kind,start\nP1,progesterone,history,2026-10-01\n", "kind"),
        ("treatments", "mrn,type,start,end\nP1,pessary,2026-10-01,2026-09-01\n", "end"),
        ("discussions", "mrn,action,date,outcome\nP1,chat,2026-10-01,accepted\n", "action"),
        ("discussions", "mrn,action,date,outcome\nP1,scan-due,2026-10-01,maybe\n", "outcome"),
    ],
)
def test_bad_cell_of_other_kinds_names_its_column(kind: str, data: str, column: str) -> None:
    """Exams, treatments and discussions report bad cells by CSV column too."""
    assert [(p.field, p.line) for p in problems(kind, data)] == [(column, 2)]


def test_every_bad_cell_of_a_row_is_reported() -> None:
    """A row with several bad cells gets one problem for each."""
    found = problems("scans", scan_line(date="2027-02-30", cl1_mm="abc", route="x"))
    assert sorted(p.field for p in found) == ["cl1_mm", "date", "route"]


def test_cells_are_trimmed_and_defaults_apply() -> None:
    """Spaces around values are ignored and left-out columns take the model's defaults."""
    (scan,) = records("scans", "mrn,date,cl1_mm\n P01 , 2026-09-29 , 22.5 \n")
    assert scan == Scan(mrn="P01", date="2026-09-29", cl_mm=(22.5,))  # type: ignore[arg-type]


def test_duplicate_mrn_names_both_lines() -> None:
    """A repeated MRN in patients.csv is reported on the later line, naming the first."""
    data = patient_line() + "P02,B,2027-03-14,,,,,,,,,,,,\n P01 ,C,2027-03-14,,,,,,,,,,,,\n"
    found = problems("patients", data)
    assert [(p.field, p.line, p.message) for p in found] == [("mrn", 4, "'P01' is also on line 2")]


def test_duplicate_scan_id_is_a_problem() -> None:
    """A scan_id used twice in one file is reported on the later line."""
    data = scan_line(scan_id="7") + ",".join(["7", *SCAN_ROW.split(",")[1:]]) + "\n"
    found = problems("scans", data)
    assert [(p.field, p.line, p.message) for p in found] == [("scan_id", 3, "7 is also on line 2")]


def test_mixed_good_and_bad_rows_across_chunks() -> None:
    """Chunks are bounded, rows keep file order, and a bad row does not hide good ones."""
    lines = [SCAN_ROW] * 25
    lines[12] = scan_line(cl1_mm="abc").splitlines()[1]
    data = SCAN_HEADER + "\n" + "\n".join(lines) + "\n"
    chunks = list(read_stream("scans", io.BytesIO(data.encode()), "in.csv", chunk_rows=10))
    assert [len(chunk) for chunk in chunks] == [10, 10, 5]
    rows = [row for chunk in chunks for row in chunk]
    assert [row.line for row in rows] == list(range(2, 27))
    assert [row.line for row in rows if not row.ok] == [14]


def test_read_file_and_read_rows_name_the_file_as_given(tmp_path: Path) -> None:
    """Problems carry the path as the caller gave it; read_file collects records and problems."""
    path = tmp_path / "scans.csv"
    path.write_text(scan_line() + ",P01,2027-02-30,tv,31,,,no,,,,no,,\n", encoding="utf-8")
    models, found = read_file("scans", path)
    assert len(models) == 1
    assert [str(p) for p in found] == [
        f"{path}:3: date: '2027-02-30' is not a date (use YYYY-MM-DD)"
    ]
    (chunk,) = read_rows(SCANS, str(path))
    assert chunk[1].problem("mrn", "unknown") == Problem("mrn", "unknown", str(path), 3)


# --- spreadsheet safety, round trips ----------------------------------------


FORMULAS = ["=1+1", "+44 20", "-2", "@SUM(A1)", "'=x", "''-y", "'plain", '=HYPERLINK("x")']


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralised_and_round_trips(text: str) -> None:
    """Formula-like text is exported behind one `'` and reads back unchanged."""
    patient = Patient(mrn="P1", edd="2027-03-14", name=text, notes=text)  # type: ignore[arg-type]
    first = export("patients", [patient])
    cells = next(csv.DictReader(io.StringIO(first)))
    expected = f"'{text}" if text.lstrip("'")[:1] in "=+-@" else text
    assert (cells["name"], cells["notes"]) == (expected, expected)
    (back,) = records("patients", first)
    assert back == patient
    assert export("patients", [back]) == first


@pytest.mark.parametrize(
    "text",
    ["Robert'); DROP TABLE patients;--", "1 OR 1=1", "x' OR 'a'='a", '"; DELETE FROM scans; --'],
)
def test_sql_like_text_round_trips(text: str) -> None:
    """SQL-looking text is just text: it reads back exactly."""
    scan = Scan(mrn="P1", date="2026-09-29", cl_mm=(22.5,), operator=text, notes=text)  # type: ignore[arg-type]
    (back,) = records("scans", export("scans", [scan]))
    assert back == scan


@pytest.mark.parametrize("name", ["李小红", "Zoë Ní Bhriain", "فاطمة الزهراء", "Ørsted-Åberg"])
def test_non_latin_names_round_trip(name: str) -> None:
    """Names in any script are accepted and come back byte for byte."""
    patient = Patient(mrn="M-1", name=name, edd="2027-03-14")  # type: ignore[arg-type]
    text = export("patients", [patient])
    assert records("patients", text.encode("utf-8")) == [patient]


def test_export_format() -> None:
    """Export writes every column in contract order, ISO dates, yes/no, repr floats, w+d GA."""
    patient = Patient(
        mrn="P1",
        edd="2027-03-14",  # type: ignore[arg-type]
        lmp="2026-06-07",  # type: ignore[arg-type]
        prior_sptb_weeks="26+3",  # type: ignore[arg-type]
        uterine_anomaly=True,
        notes='a, "b"\rc',
    )
    scan = Scan(mrn="P1", date="2026-09-29", cl_mm=(31, 31.5), funneling=True, funnel_shape="V")  # type: ignore[arg-type]
    assert export("patients", [patient]) == (
        FULL_PATIENT_HEADER
        + "\nP1,,2027-03-14,2026-06-07,,1,26+3,,,0,no,none,yes,no,no,no,no,0,no,no,"
        + ADDED_CELLS
        + '"a, ""b""\rc"\n'
    )
    assert export("scans", [scan]) == (
        FULL_SCAN_HEADER + "\n,P1,2026-09-29,tv,31.0,31.5,,yes,,,V,no,,,,\n"
    )
    assert records("patients", export("patients", [patient])) == [patient]


def test_every_kind_exports_a_header_in_contract_order() -> None:
    """An empty export is the header alone, with the contract's columns."""
    assert export("patients", []) == FULL_PATIENT_HEADER + "\n"
    assert export("scans", []) == FULL_SCAN_HEADER + "\n"
    assert export("exams", []) == FULL_EXAM_HEADER + "\n"
    assert export("treatments", []) == "mrn,type,kind,start,end,notes\n"
    assert set(KINDS) == {"patients", "scans", "exams", "treatments", "discussions"}
    assert PATIENTS.text_columns == {"mrn", "name", "notes"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_vignettes_parse_and_round_trip(kind: str) -> None:
    """The worked examples' CSVs parse cleanly and write -> read -> write is byte-identical."""
    models, found = read_file(kind, VIGNETTES / f"{kind}.csv")
    assert found == []
    first = export(kind, models)
    assert export(kind, records(kind, first)) == first
