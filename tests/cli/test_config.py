"""The user config file: db, operator, format, columns; flags, then environment, then file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import init_database

from cervix_watch.cli.app import app


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file this test writes, named by $CERVIX_WATCH_CONFIG; no other settings set."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(path))
    for name in ("CERVIX_WATCH_DB", "CERVIX_WATCH_OPERATOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def clinic(tmp_path: Path, name: str) -> str:
    """A new database with one patient, MRN = the database's name."""
    url = init_database(str(tmp_path / f"{name}.sqlite3"))
    assert run("--db", url, "patient", "add", name, "--edd", "2027-03-14").exit_code == 0
    return url


def mrns(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    return [p["mrn"] for p in (listed["patients"] if isinstance(listed, dict) else listed)]


def test_db_comes_from_flag_then_environment_then_file(config_file: Path, tmp_path: Path) -> None:
    """The file's db is used only when neither --db nor $CERVIX_WATCH_DB names one."""
    in_file, in_env, in_flag = (clinic(tmp_path, n) for n in ("FILE", "ENV", "FLAG"))
    config_file.write_text(f'db = "{in_file}"\n', encoding="utf-8")
    listing = ("patient", "list", "--format", "json")
    assert mrns(run(*listing)) == ["FILE"]
    assert mrns(run(*listing, env={"CERVIX_WATCH_DB": in_env})) == ["ENV"]
    assert mrns(run("--db", in_flag, *listing, env={"CERVIX_WATCH_DB": in_env})) == ["FLAG"]


def test_a_mistyped_db_in_the_file_opens_no_empty_clinic(config_file: Path, tmp_path: Path) -> None:
    """A config db that does not exist is refused like a mistyped --db: exit 3, nothing made."""
    missing = tmp_path / "typo-clinc.sqlite3"
    config_file.write_text(f'db = "{missing}"\n', encoding="utf-8")
    result = run("review")
    assert result.exit_code == 3
    assert "no cervix-watch database at" in result.stderr
    assert not missing.exists()


def test_operator_from_file_unless_flag_or_environment(config_file: Path, tmp_path: Path) -> None:
    """The audit trail names the file's operator; $CERVIX_WATCH_OPERATOR and --operator win."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(f'db = "{url}"\noperator = "File Person"\n', encoding="utf-8")
    assert (
        run("scan", "add", "P1", "--date", "2026-11-23", "--cl", "30", "--no-prompt").exit_code == 0
    )
    env = {"CERVIX_WATCH_OPERATOR": "Env Person"}
    assert (
        run(
            "scan", "add", "P1", "--date", "2026-11-22", "--cl", "31", "--no-prompt", env=env
        ).exit_code
        == 0
    )
    flagged = run(
        "scan", "add", "P1", "--date", "2026-11-21", "--cl", "32", "--no-prompt",
        "--operator", "Flag Person", env=env,
    )  # fmt: skip
    assert flagged.exit_code == 0, flagged.output
    scans = json.loads(run("scan", "list", "P1", "--format", "json").stdout)
    rows = scans["scans"] if isinstance(scans, dict) else scans
    assert sorted(s["operator"] for s in rows) == ["Env Person", "File Person", "Flag Person"]


def test_format_from_file_is_every_command_default(config_file: Path, tmp_path: Path) -> None:
    """format = "json" makes JSON the default of listings and review; --format still wins."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(f'db = "{url}"\nformat = "json"\n', encoding="utf-8")
    assert json.loads(run("review", "--as-of", "2026-11-23").stdout)["as_of"] == "2026-11-23"
    assert "P1" in run("patient", "list").stdout
    json.loads(run("patient", "list").stdout)
    table = run("patient", "list", "--format", "table")
    assert table.exit_code == 0
    assert not table.stdout.lstrip().startswith(("{", "["))


def test_columns_from_file_unless_environment(config_file: Path, tmp_path: Path) -> None:
    """columns = 60 lays tables out at 60 columns; $COLUMNS wins over it."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(f'db = "{url}"\ncolumns = 60\n', encoding="utf-8")
    narrow = run("review", "--as-of", "2026-11-23")
    assert narrow.exit_code == 0, narrow.output
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    wide = run("review", "--as-of", "2026-11-23", env={"COLUMNS": "200"})
    assert max(len(line) for line in wide.stdout.splitlines()) > 60


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('formt = "json"\n', "formt: unknown key"),
        ('format = "md"\n', "format: 'md' is not one of table, json, csv"),
        ("columns = 10\n", "columns: must be a whole number from 40 to 1000"),
        ('columns = "wide"\n', "columns: must be a whole number"),
        ('operator = ""\n', "operator: must be a non-empty string"),
        ('operator = "A\\u001b[8m"\n', "operator: must be at most 200 printable characters"),
        ("db = 3\n", "db: must be a non-empty string"),
        ("format = \n", "not valid TOML"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_key(
    config_file: Path, tmp_path: Path, text: str, fragment: str
) -> None:
    """Any command with a bad config file prints one line naming the file and key, exit 1."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(text, encoding="utf-8")
    result = run("--db", url, "patient", "list")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: config: {config_file}")
    assert fragment in lines[0]


def test_config_show_names_each_source(config_file: Path, tmp_path: Path) -> None:
    """config show: the file, and for db/operator/format/columns where the value came from."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(f'db = "{url}"\nformat = "csv"\n', encoding="utf-8")
    result = run("config", "show", env={"CERVIX_WATCH_OPERATOR": "Env Person", "COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
    assert "config file" in lines["db"]
    assert "Env Person" in lines["operator"]
    assert "environment (CERVIX_WATCH_OPERATOR)" in lines["operator"]
    assert "csv" in lines["format"]
    assert "environment (COLUMNS)" in lines["columns"]
    assert "exists" in lines["config"]


SCANNERS = """
[scanners."US_ROOM1"]
hosts = ["10.1.2.3"]
serial = "W1234567"
mrn_pattern = "^H[0-9]{6}$"
single_probe = true
route = "tv"
worklist = true
[scanners."US_ROOM1".codes]
"99SMS:99005-07" = "cl"
"""


def test_config_show_lists_the_scanners(config_file: Path, tmp_path: Path) -> None:
    """config show: one row per [scanners."AE"] table saying what it sets; none by default."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(SCANNERS, encoding="utf-8")
    result = run("--db", url, "config", "show", env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.stdout.splitlines() if "scanners" in line]
    for part in (
        'scanners."US_ROOM1"',
        "hosts 10.1.2.3; serial W1234567; MRN from PatientID matching ^H[0-9]{6}$; charset "
        "ISO_IR 100; single probe; route tv; worklist; 1 code mapped",
        "config file",
    ):
        assert part in row
    config_file.write_text("", encoding="utf-8")
    result = run("--db", url, "config", "show", env={"COLUMNS": "250"})
    [row] = [line for line in result.stdout.splitlines() if "scanners" in line]
    assert "none" in row
    assert "default (none)" in row


def test_a_bad_scanner_table_stops_config_show_naming_the_key(
    config_file: Path, tmp_path: Path
) -> None:
    """A scanner without hosts: config show exits 1 with one line naming the key."""
    url = clinic(tmp_path, "P1")
    config_file.write_text('[scanners."US_ROOM1"]\nroute = "tv"\n', encoding="utf-8")
    result = run("--db", url, "config", "show")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f'error: config: {config_file}: scanners."US_ROOM1".hosts: is required '
        '(hosts = ["10.1.2.3"]: the addresses this machine sends from)'
    )


def rows_of(result: Result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    return {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}


def test_config_show_says_which_db_counts(config_file: Path, tmp_path: Path) -> None:
    """db: the flag's over the variable's over the file's, each named with where it came from;
    without any, the per-user default."""
    in_file, in_env, in_flag = (clinic(tmp_path, n) for n in ("FILE", "ENV", "FLAG"))
    wide = {"COLUMNS": "250"}
    assert "default" in rows_of(run("config", "show", env=wide))["db"]
    config_file.write_text(f'db = "{in_file}"\n', encoding="utf-8")
    row = rows_of(run("config", "show", env=wide))["db"]
    assert in_file in row
    assert "config file" in row
    row = rows_of(run("config", "show", env={**wide, "CERVIX_WATCH_DB": in_env}))["db"]
    assert in_env in row
    assert "environment (CERVIX_WATCH_DB)" in row
    row = rows_of(run("--db", in_flag, "config", "show", env={**wide, "CERVIX_WATCH_DB": in_env}))
    assert in_flag in row["db"]
    assert "flag" in row["db"]


def test_config_show_values_agree_with_their_origin(config_file: Path, tmp_path: Path) -> None:
    """columns shows $COLUMNS when it is the one that counts, not the file's; the FHIR MRN
    system shows the file's."""
    url = clinic(tmp_path, "P1")
    text = f'db = "{url}"\ncolumns = 90\n[fhir]\nmrn_system = "urn:oid:1.2.3"\n'
    config_file.write_text(text, encoding="utf-8")
    rows = rows_of(run("config", "show", env={"COLUMNS": "120"}))
    assert "120" in rows["columns"]
    assert "environment (COLUMNS)" in rows["columns"]
    assert "urn:oid:1.2.3" in rows["mrn_system"]
    assert "config file" in rows["mrn_system"]
    rows = rows_of(run("config", "show"))
    assert "90" in rows["columns"]
    assert "config file" in rows["columns"]
    assert "operator" in rows
    assert "default" in rows["operator"]


@pytest.mark.parametrize(
    ("text", "shown", "origin"),
    [("", "7", "default"), ("worklist_days = 14\n", "14", "config file")],
)
def test_config_show_names_the_worklist_look_ahead(
    config_file: Path, text: str, shown: str, origin: str
) -> None:
    """worklist_days: 7 days by default, the file's when it sets one."""
    config_file.write_text(text, encoding="utf-8")
    row = rows_of(run("config", "show", env={"COLUMNS": "120"}))["worklist_days"]
    assert f"│ {shown} " in row
    assert origin in row


@pytest.mark.parametrize("value", ["-1", "366", "7.5", '"7"', "true"])
def test_a_bad_worklist_look_ahead_is_one_line(config_file: Path, value: str) -> None:
    """worklist_days outside 0-365 or not a whole number: one line naming the key, exit 1."""
    config_file.write_text(f"worklist_days = {value}\n", encoding="utf-8")
    result = run("config", "show")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: config: {config_file}: worklist_days: must be a whole number from 0 to 365"
    )


def test_config_show_the_ultrasound_edd_tolerance(config_file: Path, tmp_path: Path) -> None:
    """[sr] ultrasound_edd_tolerance_days: 7 days by default, the file's when it sets one
    (0 included)."""
    url = clinic(tmp_path, "P1")
    wide = {"COLUMNS": "250"}
    row = rows_of(run("--db", url, "config", "show", env=wide))["edd_tolerance"]
    assert "7 days (ultrasound-age EDD)" in row
    assert "default" in row
    for days in (0, 28):
        config_file.write_text(f"[sr]\nultrasound_edd_tolerance_days = {days}\n")
        row = rows_of(run("--db", url, "config", "show", env=wide))["edd_tolerance"]
        assert f"{days} days" in row
        assert "config file" in row


@pytest.mark.parametrize("value", ["-1", "29", "7.5", '"7"', "true"])
def test_a_bad_ultrasound_edd_tolerance_is_one_line(
    config_file: Path, tmp_path: Path, value: str
) -> None:
    """Outside 0-28 days, or not a whole number: one line naming the key; exit 1."""
    url = clinic(tmp_path, "P1")
    config_file.write_text(f"[sr]\nultrasound_edd_tolerance_days = {value}\n")
    result = run("--db", url, "config", "show")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: config: {config_file}: sr.ultrasound_edd_tolerance_days: must be a whole "
        "number from 0 to 28\n"
    )


@pytest.mark.parametrize(
    ("text", "shown", "origin"),
    [
        ("", "90 days", "default"),
        ("[inbox]\nreceipt_days = 1\n", "1 day", "config file"),
        ("[inbox]\nreceipt_days = 3650\n", "3650 days", "config file"),
    ],
)
def test_config_show_names_the_receipt_days(
    config_file: Path, text: str, shown: str, origin: str
) -> None:
    """[inbox] receipt_days (interop.md: receipts "are deleted after 90 days,
    configurable"): 90 by default, the file's from 1 to 3650 (failed before: unknown key)."""
    config_file.write_text(text, encoding="utf-8")
    row = rows_of(run("config", "show", env={"COLUMNS": "120"}))["receipt_days"]
    assert f"│ {shown} " in row
    assert origin in row


@pytest.mark.parametrize("value", ["0", "3651", "7.5", '"90"', "true"])
def test_a_bad_receipt_days_is_one_line(config_file: Path, value: str) -> None:
    """[inbox] receipt_days outside 1-3650 or not a whole number: one line, exit 1."""
    config_file.write_text(f"[inbox]\nreceipt_days = {value}\n", encoding="utf-8")
    result = run("config", "show")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: config: {config_file}: inbox.receipt_days: must be a whole number from 1 to 3650"
    )


@pytest.mark.parametrize(
    ("text", "shown", "origin"),
    [
        ("", "none (empty)", "default"),
        ('worklist_accession = "none"\n', "none (empty)", "config file"),
        ('worklist_accession = "step"\n', "the step id (CW<n>)", "config file"),
    ],
)
def test_config_show_names_the_worklist_accession(
    config_file: Path, text: str, shown: str, origin: str
) -> None:
    """worklist_accession: AccessionNumber empty by default, the step's id when "step"."""
    config_file.write_text(text, encoding="utf-8")
    row = rows_of(run("config", "show", env={"COLUMNS": "120"}))["accession"]
    assert shown in row
    assert origin in row


def test_a_bad_worklist_accession_is_one_line(config_file: Path) -> None:
    """worklist_accession other than none or step: one line naming the key, exit 1."""
    config_file.write_text('worklist_accession = "ris"\n', encoding="utf-8")
    result = run("config", "show")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: config: {config_file}: worklist_accession: 'ris' is not one of none, step"
    )
