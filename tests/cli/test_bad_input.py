"""The bad-input catalogue: each case exits 1 with one line per problem naming where, and
writes nothing. Plus the inputs that look odd but are valid data and must round-trip."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import Cli, both_backends

PATIENTS_HEADER = "mrn,name,edd,lmp,fetuses,prior_sptb_weeks\n"
SCANS_HEADER = "mrn,date,route,cl1_mm,cl2_mm,cl3_mm,funneling,funnel_shape\n"


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("patients", "scans", "exams", "treatments", "discussions", "audit")
        }


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    """One registered patient, P01, EDD 2027-03-14 (LMP 2026-06-07)."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    return cli


# (case id, kind, file bytes, expected "line: column" of the first problem)
CSV_CASES: list[tuple[str, str, bytes, str]] = [
    ("empty file", "patients", b"", ":1: header:"),
    ("unknown column", "patients", b"mrn,edd,colour\nP02,2027-03-14,red\n", ":1: colour:"),
    ("missing required column", "scans", b"mrn,date\nP01,2026-10-13\n", ":1: cl1_mm:"),
    ("missing edd and lmp", "patients", b"mrn,name\nP02,Ann\n", ":1: edd:"),
    ("duplicated column", "patients", b"mrn,edd,edd\nP02,2027-03-14,2027-03-14\n", ":1: edd:"),
    ("extra cell in a row", "patients", b"mrn,edd\nP02,2027-03-14,surplus\n", ":2: row:"),
    ("missing cell in a row", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13\n", ":2: row:"),
    ("latin-1 bytes", "patients", b"mrn,name,edd\nP02,Zo\xeb,2027-03-14\n", ":2: name:"),
    ("nul byte", "patients", b"mrn,name,edd\nP02,A\x00n,2027-03-14\n", ":2:"),
    ("1 MB line", "patients", b"mrn,name,edd\nP02," + b"x" * 1_000_000 + b",2027-03-14\n", ":2:"),
    ("duplicate mrn in file", "patients", b"mrn,edd\nP02,2027-03-14\nP02,2027-03-14\n", ":3: mrn:"),
    ("mrn already stored differently", "patients", b"mrn,edd\nP01,2027-03-15\n", ":2: mrn:"),
    ("bad date 2027-02-30", "patients", b"mrn,edd\nP02,2027-02-30\n", ":2: edd:"),
    ("bad lmp", "patients", b"mrn,lmp\nP02,2026-13-01\n", ":2: lmp:"),
    ("edd and lmp disagree", "patients", b"mrn,edd,lmp\nP02,2027-03-14,2026-06-01\n", ":2: lmp:"),
    ("fetuses 0", "patients", b"mrn,edd,fetuses\nP02,2027-03-14,0\n", ":2: fetuses:"),
    ("fetuses 7", "patients", b"mrn,edd,fetuses\nP02,2027-03-14,7\n", ":2: fetuses:"),
    (
        "ga 45+0",
        "patients",
        b"mrn,edd,prior_sptb_weeks\nP02,2027-03-14,45+0\n",
        ":2: prior_sptb_weeks:",
    ),
    (
        "ga 20+9",
        "patients",
        b"mrn,edd,prior_sptb_weeks\nP02,2027-03-14,20+9\n",
        ":2: prior_sptb_weeks:",
    ),
    (
        "unknown enum",
        "patients",
        b"mrn,edd,prior_cerclage\nP02,2027-03-14,maybe\n",
        ":2: prior_cerclage:",
    ),
    (
        "bad boolean",
        "patients",
        b"mrn,edd,uterine_anomaly\nP02,2027-03-14,perhaps\n",
        ":2: uterine_anomaly:",
    ),
    (
        "name too long",
        "patients",
        b"mrn,name,edd\nP02," + b"n" * 10_001 + b",2027-03-14\n",
        ":2: name:",
    ),
    ("empty mrn", "patients", b"mrn,edd\n ,2027-03-14\n", ":2: mrn:"),
    ("cl 120", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,120\n", ":2: cl1_mm:"),
    ("cl negative", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,-1\n", ":2: cl1_mm:"),
    ("cl zero", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,0\n", ":2: cl1_mm:"),
    ("cl 80.1", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,80.1\n", ":2: cl1_mm:"),
    ("cl NaN", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,NaN\n", ":2: cl1_mm:"),
    ("cl abc", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,abc\n", ":2: cl1_mm:"),
    ("cl decimal comma", "scans", b'mrn,date,cl1_mm\nP01,2026-10-13,"22,5"\n', ":2: cl1_mm:"),
    ("cl2 bad", "scans", b"mrn,date,cl1_mm,cl2_mm\nP01,2026-10-13,22,x\n", ":2: cl2_mm:"),
    ("cl gap", "scans", b"mrn,date,cl1_mm,cl2_mm\nP01,2026-10-13,,22\n", ":2: cl1_mm:"),
    ("future scan date", "scans", b"mrn,date,cl1_mm\nP01,2099-01-01,22\n", ":2: date:"),
    ("scan before lmp", "scans", b"mrn,date,cl1_mm\nP01,2026-01-01,22\n", ":2: date:"),
    ("scan unknown mrn", "scans", b"mrn,date,cl1_mm\nNOPE,2026-10-13,22\n", ":2: mrn:"),
    (
        "funnel shape Q",
        "scans",
        b"mrn,date,cl1_mm,funneling,funnel_shape\nP01,2026-10-13,22,yes,Q\n",
        ":2: funnel_shape:",
    ),
    ("route tx", "scans", b"mrn,date,route,cl1_mm\nP01,2026-10-13,tx,22\n", ":2: route:"),
    (
        "scan_id not a number",
        "scans",
        b"scan_id,mrn,date,cl1_mm\nabc,P01,2026-10-13,22\n",
        ":2: scan_id:",
    ),
    (
        "exam dilation 11 cm",
        "exams",
        b"mrn,date,dilation_cm\nP01,2026-10-13,11\n",
        ":2: dilation_cm:",
    ),
    (
        "treatment unknown type",
        "treatments",
        b"mrn,type,start\nP01,stitch,2026-10-13\n",
        ":2: type:",
    ),
    (
        "treatment ends before start",
        "treatments",
        b"mrn,type,start,end\nP01,progesterone,2026-10-13,2026-10-01\n",
        ":2: end:",
    ),
    (
        "pessary with kind",
        "treatments",
        b"mrn,type,kind,start\nP01,pessary,history,2026-10-13\n",
        ":2: kind:",
    ),
    (
        "discussion unknown action",
        "discussions",
        b"mrn,action,date,outcome\nP01,tea,2026-10-13,accepted\n",
        ":2: action:",
    ),
    (
        "discussion bad outcome",
        "discussions",
        b"mrn,action,date,outcome\nP01,refer-ptb-clinic,2026-10-13,maybe\n",
        ":2: outcome:",
    ),
    # issue 12: dates are ISO YYYY-MM-DD only, and an EDD must be plausible
    ("edd 0 (unix time)", "patients", b"mrn,edd\nP02,0\n", ":2: edd:"),
    ("edd a unix timestamp", "patients", b"mrn,edd\nP02,1805328000\n", ":2: edd:"),
    ("edd compact 20270314", "patients", b"mrn,edd\nP02,20270314\n", ":2: edd:"),
    ("edd 9999-12-31", "patients", b"mrn,edd\nP02,9999-12-31\n", ":2: edd:"),
    ("edd 0001-01-01", "patients", b"mrn,edd\nP02,0001-01-01\n", ":2: edd:"),
    ("edd 1899-12-31", "patients", b"mrn,edd\nP02,1899-12-31\n", ":2: edd:"),
    ("lmp 0001-01-01", "patients", b"mrn,lmp\nP02,0001-01-01\n", ":2: lmp:"),
    ("lmp 9999-12-31", "patients", b"mrn,lmp\nP02,9999-12-31\n", ":2: lmp:"),
    ("scan date 0", "scans", b"mrn,date,cl1_mm\nP01,0,22\n", ":2: date:"),
    ("scan date with time", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13T10:00,22\n", ":2: date:"),
    (
        "decimal prior ga 26.3",
        "patients",
        b"mrn,edd,prior_sptb_weeks\nP02,2027-03-14,26.3\n",
        ":2: prior_sptb_weeks:",
    ),
    ("cl 24.96", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,24.96\n", ":2: cl1_mm:"),
    ("cl 1e-300", "scans", b"mrn,date,cl1_mm\nP01,2026-10-13,1e-300\n", ":2: cl1_mm:"),
    (
        "cl3 24.96",
        "scans",
        b"mrn,date,cl1_mm,cl2_mm,cl3_mm\nP01,2026-10-13,25,25,24.96\n",
        ":2: cl3_mm:",
    ),
    (
        "funnel length 3.25",
        "scans",
        b"mrn,date,cl1_mm,funneling,funnel_length_mm\nP01,2026-10-13,22,yes,3.25\n",
        ":2: funnel_length_mm:",
    ),
    ("mrn zero-width space", "patients", "mrn,edd\nP\u200b02,2027-03-14\n".encode(), ":2: mrn:"),
    ("mrn rtl override", "patients", "mrn,edd\nP\u202e02,2027-03-14\n".encode(), ":2: mrn:"),
    ("mrn C1 CSI", "patients", "mrn,edd\nP\u009b02,2027-03-14\n".encode(), ":2: mrn:"),
    ("mrn 65 characters", "patients", b"mrn,edd\n" + b"M" * 65 + b",2027-03-14\n", ":2: mrn:"),
    (
        "operator DEL",
        "scans",
        b"mrn,date,cl1_mm,operator\nP01,2026-10-13,22,a\x7fb\n",
        ":2: operator:",
    ),
]


@pytest.mark.parametrize(
    ("kind", "content", "where"), [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES]
)
def test_bad_csv_is_refused_whole(
    clinic: Cli, db_path: Path, tmp_path: Path, kind: str, content: bytes, where: str
) -> None:
    """Exit 1, one `file:line: column: problem` line per problem, nothing written, no traceback."""
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    before = counts(db_path)
    result = clinic("import", kind, str(path))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {path}{where}"), lines
    assert all(line.startswith(f"error: {path}:") for line in lines)
    assert len(result.stderr) < 2000  # a 1 MB line is never echoed back
    assert "Traceback" not in result.output
    assert counts(db_path) == before


def test_one_bad_row_among_good_ones_writes_nothing(
    clinic: Cli, db_path: Path, tmp_path: Path
) -> None:
    """99 good scans and one bad: none is imported, and only the bad line is named."""
    rows = "".join(f"P01,2026-10-{d:02d},{20 + d}\n" for d in range(1, 29))
    path = tmp_path / "scans.csv"
    path.write_text("mrn,date,cl1_mm\n" + rows + "P01,2026-10-29,oops\n")
    before = counts(db_path)
    result = clinic("import", "scans", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {path}:30: cl1_mm: 'oops' is not a number (use a decimal point: 22.5)"
    ]
    assert counts(db_path) == before


CLI_CASES: list[tuple[str, list[str], str]] = [
    ("cli cl 120", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "120"], "cl_mm"),
    ("cli cl abc", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "abc"], "cl_mm"),
    ("cli cl 22,5", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22,5"], "cl_mm"),
    ("cli cl nan", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "nan"], "cl_mm"),
    (
        "cli four measurements",
        [
            "scan",
            "add",
            "P01",
            "--date",
            "2026-10-13",
            "--cl",
            "1",
            "--cl",
            "2",
            "--cl",
            "3",
            "--cl",
            "4",
        ],
        "cl_mm",
    ),
    ("cli bad date", ["scan", "add", "P01", "--date", "2027-02-30", "--cl", "22"], "date"),
    ("cli future date", ["scan", "add", "P01", "--date", "2099-01-01", "--cl", "22"], "date"),
    (
        "cli funnel Q",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--funnel-shape", "Q"],
        "funnel_shape",
    ),
    (
        "cli funnel length abc",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--funnel-length", "abc"],
        "funnel_length_mm",
    ),
    (
        "cli fetuses 0",
        ["patient", "add", "P02", "--edd", "2027-03-14", "--fetuses", "0"],
        "fetuses",
    ),
    (
        "cli fetuses two",
        ["patient", "add", "P02", "--edd", "2027-03-14", "--fetuses", "two"],
        "fetuses",
    ),
    (
        "cli ga 45+0",
        ["patient", "add", "P02", "--edd", "2027-03-14", "--prior-sptb-weeks", "45+0"],
        "prior_sptb_weeks",
    ),
    (
        "cli edd lmp disagree",
        ["patient", "add", "P02", "--edd", "2027-03-14", "--lmp", "2026-06-01"],
        "lmp",
    ),
    (
        "cli dilation abc",
        ["exam", "add", "P01", "--date", "2026-10-13", "--dilation-cm", "abc"],
        "dilation_cm",
    ),
    (
        "cli close ga 45+0",
        ["patient", "close", "P01", "--date", "2026-10-13", "--outcome", "loss", "--ga", "45+0"],
        "ga_days",
    ),
    ("cli as-of bad", ["review", "--as-of", "yesterday-ish"], "as_of"),
    (
        "cli operator too long",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--operator", "o" * 201],
        "operator",
    ),
    # issue 12
    ("cli edd far ahead", ["patient", "add", "H5", "--edd", "2099-03-14"], "edd"),
    ("cli edd 9999-12-31", ["patient", "add", "H5", "--edd", "9999-12-31"], "edd"),
    ("cli edd 0001-01-01", ["patient", "add", "H5", "--edd", "0001-01-01"], "edd"),
    ("cli lmp 0001-01-01", ["patient", "add", "H5", "--lmp", "0001-01-01"], "lmp"),
    ("cli lmp 9999-12-31", ["patient", "add", "H5", "--lmp", "9999-12-31"], "lmp"),
    ("cli edd 0", ["patient", "add", "H5", "--edd", "0"], "edd"),
    ("cli edd compact", ["patient", "add", "H5", "--edd", "20270314"], "edd"),
    ("cli edd week date", ["patient", "add", "H5", "--edd", "2027-W11-7"], "edd"),
    (
        "cli edit edd far ahead",
        ["patient", "edit", "P01", "--edd", "2099-03-14", "--reason", "typo"],
        "edd",
    ),
    ("cli scan date 0", ["scan", "add", "P01", "--date", "0", "--cl", "22"], "date"),
    (
        "cli decimal prior ga",
        ["patient", "add", "H5", "--edd", "2027-03-14", "--prior-sptb-weeks", "26.3"],
        "prior_sptb_weeks",
    ),
    ("cli cl 24.96", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "24.96"], "cl_mm"),
    ("cli cl 1e-300", ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "1e-300"], "cl_mm"),
    (
        "cli funnel width 2.55",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--funnel-width", "2.55"],
        "funnel_width_mm",
    ),
    ("cli mrn zero-width space", ["patient", "add", "P\u200b02", "--edd", "2027-03-14"], "mrn"),
    ("cli mrn rtl override", ["patient", "add", "P\u202e02", "--edd", "2027-03-14"], "mrn"),
    ("cli mrn C1 CSI", ["patient", "add", "P\u009b02", "--edd", "2027-03-14"], "mrn"),
    (
        "cli operator DEL",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--operator", "a\x7fb"],
        "operator",
    ),
    (
        "cli operator C1",
        ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "22", "--operator", "a\u009bb"],
        "operator",
    ),
    ("cli unknown mrn", ["scan", "add", "p0l", "--date", "2026-10-13", "--cl", "22"], "mrn"),
    ("cli due as-of 9999-12-31", ["due", "--as-of", "9999-12-31"], "as_of"),
    ("cli review as-of 0001-01-01", ["review", "--as-of", "0001-01-01"], "as_of"),
    (
        "cli action typo",
        ["discuss", "P01", "refer-ptb-clinc", "--date", "2026-10-13", "--outcome", "accepted"],
        "action",
    ),
]


@pytest.mark.parametrize(
    ("args", "field"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_bad_cli_values_are_one_line_exit_1(
    clinic: Cli, db_path: Path, args: list[str], field: str
) -> None:
    """A bad option value: exit 1, one line naming the field, nothing written."""
    before = counts(db_path)
    result = clinic(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[0].startswith(f"error: {field}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert counts(db_path) == before


ODD_BUT_VALID = [
    "李小红",
    "Zoë Ní Bhriain",
    "محمد",
    "Robert'); DROP TABLE patients;--",
    '=HYPERLINK("http://x")',
    "+1-2",
    "@SUM(A1)",
    "'=already quoted",
    "n" * 10_000,
    "Maria " * 40 + "de los Santos Fernández-Oyelaran",
]


@pytest.mark.parametrize("name", ODD_BUT_VALID)
def test_odd_names_are_accepted_and_round_trip(cli: Cli, tmp_path: Path, name: str) -> None:
    """Non-Latin, SQL-like, formula-like and very long (10,000-character) names round-trip."""
    path = tmp_path / "patients.csv"
    from cervix_watch.interop.cells import format_row, protect

    path.write_text(PATIENTS_HEADER + format_row(["P9", protect(name), "2027-03-14", "", "1", ""]))
    assert cli("import", "patients", str(path)).exit_code == 0
    exported = cli("export", "patients").stdout
    assert cli("patient", "list", "--format", "json").stdout.count("P9") == 1
    second = tmp_path / "again.csv"
    second.write_text(exported)
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    other = tmp_path / "other.sqlite3"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init", str(other)]).exit_code == 0
    assert (
        runner.invoke(app, ["--db", str(other), "import", "patients", str(second)]).exit_code == 0
    )
    assert runner.invoke(app, ["--db", str(other), "export", "patients"]).stdout == exported


@pytest.mark.parametrize(
    ("content", "note"),
    [
        (b"\xef\xbb\xbfmrn,edd\r\nP02,2027-03-14\r\n", "BOM and CRLF (as Excel saves CSV)"),
        (b"mrn,edd\n", "header only: nothing to import, not an error"),
    ],
)
def test_spreadsheet_encodings_are_accepted(
    clinic: Cli, tmp_path: Path, content: bytes, note: str
) -> None:
    """What spreadsheets write (BOM, CRLF) and a header-only file import without error."""
    path = tmp_path / "patients.csv"
    path.write_bytes(content)
    result = clinic("import", "patients", str(path))
    assert result.exit_code == 0, (note, result.output)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_fuzzed_bytes_never_crash_or_half_write(
    clinic: Cli, db_path: Path, tmp_path: Path, blob: bytes
) -> None:
    """Any bytes after a valid header: exit 0 or 1, never a traceback, never a partial write."""
    path = tmp_path / "scans.csv"
    path.write_bytes(SCANS_HEADER.encode() + blob)
    before = counts(db_path)
    result = clinic("import", "scans", str(path))
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if result.exit_code == 1:
        assert counts(db_path) == before


def test_too_many_measurements_are_refused_in_plain_words(clinic: Cli) -> None:
    """Four --cl values: the message counts them and says three is the most (no pydantic jargon)."""
    cl = [arg for value in ("20", "21", "22", "23") for arg in ("--cl", value)]
    result = clinic("scan", "add", "P01", "--date", "2026-10-13", *cl)
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: cl_mm: has 4 values; at most 3 allowed"


@both_backends
@pytest.mark.parametrize("length", [300, 10_000])
def test_a_long_name_round_trips_on_both_backends(cli: Cli, length: int) -> None:
    """A 300- or 10,000-character name is saved, shown and exported unchanged on SQLite and
    PostgreSQL (names are TEXT; PostgreSQL's old VARCHAR(200) refused them with exit 3)."""
    name = ("Nkechinyere Oluwaseun-" * 500)[: length - 1] + "a"
    added = cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", name)
    assert added.exit_code == 0, added.output
    shown = json.loads(cli("patient", "show", "P01", "--format", "json").stdout)
    assert shown["patient"]["name"] == name
    assert name in cli("export", "patients").stdout
