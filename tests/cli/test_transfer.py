"""import/export through the CLI: all-or-nothing, idempotent, round-trip exact."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import Cli, both_backends, init_database

from cervix_watch.cli.app import app
from cervix_watch.domain.kinds import RECORD_KINDS

pytestmark = both_backends

KINDS = RECORD_KINDS  # the one list of kinds, in import order


@pytest.fixture
def second_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> str:
    """A second empty database (made as `db init` makes it) on the same backend as `db_url`."""
    if "://" in db_url:
        new_database = request.getfixturevalue("pg_database")
        return init_database(str(new_database()))
    return init_database(str(tmp_path / "second.sqlite3"))


def on(url: str) -> Cli:
    """Run the CLI against another database (the `cli` fixture's environment still applies)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", url, *args], input=input)

    return invoke


def counts(url: str, *, settings: bool = True) -> dict[str, int]:
    """Rows per table (audit included), read through SQLAlchemy on either backend; without
    `settings` (which always holds the schema version) when asked."""
    from cervix_watch.store.store import Store

    found = Store.open(url).counts()
    if not settings:
        del found["settings"]
    return found


def import_all(cli: Cli, folder: Path) -> None:
    for kind in KINDS:
        result = cli("import", kind, str(folder / f"{kind}.csv"))
        assert result.exit_code == 0, result.output


def test_vignettes_import_and_export_the_same_rows(cli: Cli, vignettes: Path) -> None:
    """The shared worked examples import cleanly and export the same records."""
    from cervix_watch.interop.csvio import read_file

    import_all(cli, vignettes)
    for kind in KINDS:
        exported = vignettes / f"out-{kind}.csv"
        assert cli("export", kind, "--out", str(exported)).exit_code == 0
        original, problems = read_file(kind, vignettes / f"{kind}.csv")
        assert not problems
        again, problems = read_file(kind, exported)
        assert not problems
        strip = {"scan_id", "exam_id"}
        assert [r.model_dump(exclude=strip) for r in again] == [
            r.model_dump(exclude=strip) for r in original
        ]


def test_export_import_export_is_byte_identical(
    cli: Cli, vignettes: Path, tmp_path: Path, second_url: str
) -> None:
    """export -> import into an empty database -> export gives the same bytes, for every kind."""
    import_all(cli, vignettes)
    first = {kind: cli("export", kind).stdout for kind in KINDS}
    second = on(second_url)
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text(first[kind], encoding="utf-8")
        result = second("import", kind, str(path))
        assert result.exit_code == 0, result.output
    for kind in KINDS:
        assert second("export", kind).stdout == first[kind]


def test_reimport_does_not_duplicate(cli: Cli, vignettes: Path) -> None:
    """Importing the same files twice adds nothing the second time."""
    import_all(cli, vignettes)
    result = cli("import", "scans", str(vignettes / "scans.csv"))
    assert "Imported 0 scans" in result.stdout
    assert "9 already present" in result.stdout
    assert cli("export", "scans").stdout.count("\n") == 10


def test_bad_files_import_nothing_and_name_each_bad_line(
    cli: Cli, db_url: str, vignettes: Path
) -> None:
    """A bad date, an unknown enum and a CL of 120 mm: exit 1, each line named, nothing written."""
    patients = vignettes / "patients.csv"
    lines = patients.read_text().splitlines()
    lines[2] = lines[2].replace("2027-02-17", "2027-02-30")  # P02: bad date
    lines[4] = lines[4].replace(",no,none,", ",maybe,none,")  # P04: unknown prior_cerclage
    patients.write_text("\n".join(lines) + "\n")
    result = cli("import", "patients", str(patients))
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert errors == [
        f"error: {patients}:3: edd: '2027-02-30' is not a date (use YYYY-MM-DD)",
        f"error: {patients}:5: prior_cerclage: 'maybe' is not one of 'no', 'history', "
        "'ultrasound' or 'exam'",
    ]
    assert cli("export", "patients").stdout.count("\n") == 1
    assert set(counts(db_url, settings=False).values()) == {0}

    import_all_but = vignettes / "scans.csv"
    cli("import", "patients", str(vignettes.parent / "vignettes" / "patients.csv"))
    text = import_all_but.read_text().replace(",P02,2026-10-14,tv,14,", ",P02,2026-10-14,tv,120,")
    import_all_but.write_text(text)
    before = counts(db_url)
    result = cli("import", "scans", str(import_all_but))
    assert result.exit_code == 1
    assert "scans.csv:4: cl1_mm:" in result.stderr
    assert counts(db_url) == before
    assert "Traceback" not in result.output


def test_unknown_mrn_and_scan_before_lmp_are_reported_by_line(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """Checks that need the database (unknown MRN, date vs LMP) also name the line."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    scans = tmp_path / "scans.csv"
    scans.write_text("mrn,date,cl1_mm\nP01,2026-10-13,25\nNOPE,2026-10-13,25\nP01,2026-01-01,25\n")
    result = cli("import", "scans", str(scans))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {scans}:3: mrn: no patient 'NOPE' (import patients first)",
        f"error: {scans}:4: date: 2026-01-01 is before the LMP 2026-06-07",
    ]
    assert json.loads(cli("scan", "list", "--format", "json").stdout)["scans"] == []
    assert counts(db_url)["audit"] == 1  # only the patient's registration


def test_dry_run_writes_nothing(cli: Cli, db_url: str, vignettes: Path) -> None:
    """--dry-run checks and reports but leaves the database empty."""
    result = cli("import", "patients", str(vignettes / "patients.csv"), "--dry-run")
    assert result.exit_code == 0
    assert "12 patients would be added" in result.stdout
    assert cli("export", "patients").stdout.count("\n") == 1
    assert set(counts(db_url, settings=False).values()) == {0}


def test_conflicting_reimport_is_refused(cli: Cli, db_url: str, vignettes: Path) -> None:
    """A patient already stored with other details is a problem, not a silent overwrite."""
    import_all(cli, vignettes)
    before = counts(db_url)
    exported = cli("export", "patients").stdout
    path = vignettes / "patients.csv"
    path.write_text(path.read_text().replace("Vignette P03", "Someone Else"))
    result = cli("import", "patients", str(path))
    assert result.exit_code == 1
    assert "already registered with different details" in result.stderr
    assert counts(db_url) == before
    assert cli("export", "patients").stdout == exported


def test_export_file_is_owner_only_and_formula_safe(cli: Cli, tmp_path: Path) -> None:
    """Exported files are 0600 and a name starting with = is neutralised with one quote."""
    cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", "=1+1")
    out = tmp_path / "p.csv"
    assert cli("export", "patients", "--out", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "P01,'=1+1," in out.read_text()


@pytest.mark.parametrize("name", ["李小红", "Zoë Ní Bhriain", "Robert'); DROP TABLE patients;--"])
def test_unusual_names_round_trip(cli: Cli, tmp_path: Path, second_url: str, name: str) -> None:
    """Non-Latin and SQL-like names are stored and exported exactly."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", name).exit_code == 0
    out = tmp_path / "p.csv"
    assert cli("export", "patients", "--out", str(out)).exit_code == 0
    second = on(second_url)
    assert second("import", "patients", str(out)).exit_code == 0
    assert second("export", "patients").stdout == out.read_text()
    assert name in out.read_text()
