"""`exam add/list/amend/void` (contract v3): exams have ids, are corrected with a reason,
and a voided exam is kept, marked, and never counted again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Cli, both_backends

from cervix_watch.store.store import Store

AS_OF = "2026-11-06"  # two days after P01's ruptured-membranes exam


@pytest.fixture
def ruptured(cli: Cli) -> Cli:
    """P01 (EDD 2027-03-14) with exam 1 (membranes ruptured, 2026-11-04) and exam 2."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    result = cli("exam", "add", "P01", "--date", "2026-11-04", "--membranes-ruptured")
    assert result.exit_code == 0, result.output
    assert "Exam 1 saved for P01 at GA 21+3." in result.stdout
    result = cli("exam", "add", "P01", "--date", "2026-11-05", "--dilation-cm", "0")
    assert "Exam 2 saved for P01" in result.stdout
    return cli


def _exams(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("exam", "list", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    exams: list[dict[str, Any]] = json.loads(result.stdout)["exams"]
    return exams


def _flag_messages(cli: Cli) -> list[str]:
    review = json.loads(cli("review", "--as-of", AS_OF, "--format", "json").stdout)
    return [f["message"] for p in review["patients"] for f in p["flags"]]


def _trail(db_url: str) -> list[tuple[str, str, int | None, str | None]]:
    """The program's own audit rows of exams (PostgreSQL's change trigger adds `db-*` rows)."""
    entries = Store.open(db_url).audit_trail("P01")
    return [
        (e.action, e.entity, e.entity_id, e.reason)
        for e in entries
        if e.entity == "exam" and not e.action.startswith("db-")
    ]


@both_backends
def test_exam_list_amend_void_end_to_end(ruptured: Cli, db_url: str) -> None:
    """List shows ids; amend changes a finding; void hides the exam from list, export and
    review, keeps it under --voided, and every change is an audit row with its reason."""
    assert [(e["exam_id"], e["membranes_ruptured"]) for e in _exams(ruptured)] == [
        (1, True),
        (2, False),
    ]
    assert any("membranes ruptured" in m for m in _flag_messages(ruptured))
    result = ruptured("exam", "amend", "2", "--bleeding", "--reason", "missed the bleed")
    assert result.exit_code == 0, result.output
    assert "Amended exam 2 (P01): bleeding: no -> yes." in result.stdout
    result = ruptured("exam", "void", "1", "--reason", "keyed on the wrong patient")
    assert result.exit_code == 0, result.output
    assert "Voided exam 1 (P01, 2026-11-04)." in result.stdout
    assert [e["exam_id"] for e in _exams(ruptured)] == [2]
    assert [(e["exam_id"], e["voided"]) for e in _exams(ruptured, "--voided")] == [
        (1, True),
        (2, False),
    ]
    assert not any("membranes ruptured" in m for m in _flag_messages(ruptured))
    exported = ruptured("export", "exams").stdout.splitlines()
    assert [line.split(",")[0] for line in exported] == ["exam_id", "2"]
    assert _trail(db_url) == [
        ("add", "exam", 1, None),
        ("add", "exam", 2, None),
        ("amend", "exam", 2, "missed the bleed"),
        ("void", "exam", 1, "keyed on the wrong patient"),
    ]


def test_exam_add_audit_row_names_the_new_id(ruptured: Cli, db_url: str) -> None:
    """The audit row of an added exam holds the id a user types to amend or void it."""
    [first, _] = Store.open(db_url).audit_trail("P01")[1:]
    assert first.changes["exam_id"] == 1


def test_exam_list_of_one_patient_and_csv(ruptured: Cli) -> None:
    """`exam list MRN` lists that patient's exams; --format csv has the JSON's keys."""
    assert ruptured("patient", "add", "P02", "--edd", "2027-03-14").exit_code == 0
    ruptured("exam", "add", "P02", "--date", "2026-11-05", "--contractions")
    assert [e["mrn"] for e in _exams(ruptured, "P02")] == ["P02"]
    lines = ruptured("exam", "list", "P01", "--format", "csv").stdout.splitlines()
    assert lines[0].startswith("exam_id,mrn,date,ga,ga_days,dilation_cm,")
    assert len(lines) == 3
    table = ruptured("exam", "list").stdout
    assert "membranes ruptured" in table


def test_a_voided_exam_can_be_entered_again(ruptured: Cli) -> None:
    """A voided exam is not "already stored": the same exam may be typed again."""
    again = ("exam", "add", "P01", "--date", "2026-11-04", "--membranes-ruptured")
    assert ruptured(*again).exit_code == 1  # identical to exam 1
    ruptured("exam", "void", "1", "--reason", "wrong time")
    result = ruptured(*again)
    assert result.exit_code == 0, result.output
    assert "Exam 3 saved" in result.stdout


def test_amend_clears_a_finding_and_moves_the_date(ruptured: Cli) -> None:
    """--no-membranes-ruptured clears the finding; --date moves the exam."""
    result = ruptured(
        "exam", "amend", "1", "--no-membranes-ruptured", "--date", "2026-11-03", "--reason", "x"
    )
    assert result.exit_code == 0, result.output
    [first, _] = _exams(ruptured)
    assert (first["date"], first["membranes_ruptured"]) == ("2026-11-03", False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["amend", "9", "--bleeding", "--reason", "x"], "error: exam_id: no exam 9"),
        (["void", "9", "--reason", "x"], "error: exam_id: no exam 9"),
        (["void", "0", "--reason", "x"], "error: exam_id: 0 is not a record id"),
        (["amend", "2147483648", "--bleeding", "--reason", "x"], "error: exam_id: 2147483648"),
        (["amend", "1", "--reason", "x"], "error: exam: give at least one field to change"),
        (["amend", "1", "--membranes-ruptured", "--reason", "x"], "error: exam: no change given"),
        (["amend", "1", "--bleeding", "--reason", " "], "error: reason: is required"),
        (["void", "1", "--reason", ""], "error: reason: is required"),
        (["amend", "1", "--dilation-cm", "11", "--reason", "x"], "error: dilation_cm: "),
        (["amend", "1", "--dilation-cm", "1,5", "--reason", "x"], "error: dilation_cm: "),
        (["amend", "1", "--date", "2026-12-02", "--reason", "x"], "error: date: "),
        (["amend", "1", "--date", "2026-06-01", "--reason", "x"], "error: date: "),
        (["amend", "1", "--symptom", "hiccups", "--reason", "x"], "error: symptoms: "),
    ],
)
def test_bad_exam_corrections_are_one_line_and_write_nothing(
    ruptured: Cli, db_url: str, args: list[str], message: str
) -> None:
    """Bad input to amend/void: one `error: field: problem` line, exit 1, nothing written."""
    before = (_exams(ruptured, "--voided"), _trail(db_url))
    result = ruptured("exam", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output
    assert (_exams(ruptured, "--voided"), _trail(db_url)) == before


def test_a_voided_exam_cannot_be_amended_or_voided_again(ruptured: Cli) -> None:
    """Once voided, an exam is neither amended nor voided again (exit 1, one line)."""
    assert ruptured("exam", "void", "1", "--reason", "error").exit_code == 0
    result = ruptured("exam", "void", "1", "--reason", "again")
    assert (result.exit_code, result.stderr) == (1, "error: exam_id: exam 1 is already voided\n")
    result = ruptured("exam", "amend", "1", "--bleeding", "--reason", "x")
    assert result.exit_code == 1
    assert result.stderr == "error: exam_id: exam 1 is voided and cannot be amended\n"


def test_void_needs_a_reason_option(ruptured: Cli) -> None:
    """Without --reason, void is a usage error (exit 2) and nothing is voided."""
    assert ruptured("exam", "void", "1").exit_code == 2
    assert len(_exams(ruptured)) == 2


def test_patient_edit_ignores_a_voided_exam(ruptured: Cli) -> None:
    """A voided exam's date no longer holds back a change of the EDD: an LMP of 2026-11-05
    puts exam 1 (2026-11-04) before the pregnancy, and is refused only while it counts."""
    move = ("patient", "edit", "P01", "--edd", "2027-08-12", "--reason", "dating scan")
    result = ruptured(*move)
    assert result.exit_code == 1
    assert "exam 1 on 2026-11-04" in result.stderr
    ruptured("exam", "void", "1", "--reason", "error")
    result = ruptured(*move)
    assert result.exit_code == 0, result.output


# -- exams.csv: exam_id, the first column -------------------------------------------------


def test_export_import_keeps_exam_ids_and_reimport_is_a_no_op(
    ruptured: Cli, tmp_path: Path
) -> None:
    """Exported exams carry their ids; importing the file again adds nothing."""
    out = tmp_path / "exams.csv"
    assert ruptured("export", "exams", "--out", str(out)).exit_code == 0
    assert out.read_text().splitlines()[0].startswith("exam_id,mrn,date,")
    result = ruptured("import", "exams", str(out))
    assert result.exit_code == 0, result.output
    assert [e["exam_id"] for e in _exams(ruptured)] == [1, 2]


def test_import_with_and_without_exam_ids(ruptured: Cli, tmp_path: Path) -> None:
    """An empty exam_id is a new exam; an explicit new id is kept; a file without the
    column (an older export) still imports."""
    rows = tmp_path / "new.csv"
    rows.write_text("exam_id,mrn,date,contractions\n,P01,2026-11-01,yes\n40,P01,2026-11-02,yes\n")
    result = ruptured("import", "exams", str(rows))
    assert result.exit_code == 0, result.output
    old = tmp_path / "old.csv"
    old.write_text("mrn,date,bleeding\nP01,2026-10-30,yes\n")
    assert ruptured("import", "exams", str(old)).exit_code == 0
    # explicit ids are written first, then the new exams take the next ones (as scans do)
    assert sorted(e["exam_id"] for e in _exams(ruptured)) == [1, 2, 40, 41, 42]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "exam_id,mrn,date\n1,P01,2026-11-04\n",
            "bad.csv:2: exam_id: exam 1 is stored with different values "
            "(change it with 'exam amend')",
        ),
        ("exam_id,mrn,date\n7,P01,2026-11-01\n7,P01,2026-11-02\n", "bad.csv:3: exam_id: 7"),
        ("exam_id,mrn,date\n0,P01,2026-11-01\n", "bad.csv:2: exam_id: 0 is not a record id"),
        ("exam_id,mrn,date\nx,P01,2026-11-01\n", "bad.csv:2: exam_id: 'x' is not a whole"),
    ],
)
def test_bad_exam_ids_in_a_file_write_nothing(
    ruptured: Cli, tmp_path: Path, body: str, message: str
) -> None:
    """A stored id with other values, a repeated id or a non-id: reported, nothing written."""
    bad = tmp_path / "bad.csv"
    bad.write_text(body)
    result = ruptured("import", "exams", str(bad))
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert [e["exam_id"] for e in _exams(ruptured)] == [1, 2]


def test_a_voided_exams_id_is_not_reused_by_import(ruptured: Cli, tmp_path: Path) -> None:
    """Importing a row with a voided exam's id is refused: the id stays taken."""
    ruptured("exam", "void", "1", "--reason", "error")
    bad = tmp_path / "bad.csv"
    bad.write_text("exam_id,mrn,date,membranes_ruptured\n1,P01,2026-11-04,yes\n")
    result = ruptured("import", "exams", str(bad))
    assert result.exit_code == 1
    assert "exam_id: exam 1 is stored with different values" in result.stderr
