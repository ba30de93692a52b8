"""Smaller CLI behaviours: default database location, --db vs $CERVIX_WATCH_DB, patient edit,
--version, rules profiles, due --within, scan list --voided, and import errors without names."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import TODAY, Cli, both_backends
from typer.testing import CliRunner, Result

from cervix_watch.cli.app import app
from cervix_watch.domain.kinds import RECORD_KINDS

KINDS = RECORD_KINDS  # the one list of kinds, in import order


def run(*args: str) -> Result:
    """The CLI with no --db: the database comes from the environment or the default."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in the test's temp folder, no $XDG_DATA_HOME and no $CERVIX_WATCH_DB."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("CERVIX_WATCH_DB", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return home


@pytest.fixture
def loaded(cli: Cli, vignettes: Path) -> Cli:
    """The vignettes imported into a fresh database."""
    for kind in KINDS:
        assert cli("import", kind, str(vignettes / f"{kind}.csv")).exit_code == 0
    return cli


# --- where the database is ---------------------------------------------------------------


def test_default_database_is_in_the_user_data_dir_and_owner_only(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db or $CERVIX_WATCH_DB the database is <user data dir>/cervix-watch/
    cervix-watch.sqlite3 (platformdirs, so $XDG_DATA_HOME on Linux), created 0600 in a 0700
    folder even under a permissive umask, and used again by the next command."""
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    from platformdirs import user_data_dir

    expected = Path(user_data_dir()) / "cervix-watch" / "cervix-watch.sqlite3"
    if sys.platform == "linux":
        assert expected == data / "cervix-watch" / "cervix-watch.sqlite3"
    assert not expected.exists()
    old = os.umask(0)
    try:
        result = run("patient", "add", "P01", "--edd", "2027-03-14")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert expected.is_file()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
    rows = json.loads(run("patient", "list", "--format", "json").stdout)["patients"]
    assert [r["mrn"] for r in rows] == ["P01"]
    info = json.loads(run("db", "info", "--format", "json").stdout)
    assert info["location"] == str(expected)


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG fallback is Linux's rule")
def test_default_database_falls_back_to_home_local_share(home: Path) -> None:
    """With no $XDG_DATA_HOME the default lives in ~/.local/share/cervix-watch/."""
    result = run("patient", "add", "P01", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    path = home / ".local" / "share" / "cervix-watch" / "cervix-watch.sqlite3"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_db_option_overrides_the_environment(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db wins over $CERVIX_WATCH_DB; without --db the variable wins over the default."""
    from_env = tmp_path / "env.sqlite3"
    from_option = tmp_path / "option.sqlite3"
    monkeypatch.setenv("CERVIX_WATCH_DB", str(from_env))
    assert run("db", "init", str(from_option)).exit_code == 0
    result = run("--db", str(from_option), "patient", "add", "OPT", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    assert from_option.is_file()
    assert not from_env.exists()
    assert run("db", "init").exit_code == 0  # without --db, the variable names the database
    assert from_env.is_file()
    result = run("patient", "add", "ENV", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    listed = {
        str(where): [r["mrn"] for r in json.loads(out.stdout)["patients"]]
        for where, out in (
            (from_env, run("patient", "list", "--format", "json")),
            (from_option, run("--db", str(from_option), "patient", "list", "--format", "json")),
        )
    }
    assert listed == {str(from_env): ["ENV"], str(from_option): ["OPT"]}
    assert not (home / ".local").exists()  # the per-user default was never touched


# --- version and profiles ----------------------------------------------------------------


def test_version_prints_the_installed_version_and_opens_no_database(home: Path) -> None:
    """--version prints `cervix-watch X.Y.Z` (the installed distribution's version), exits 0
    and creates no database."""
    from importlib.metadata import version

    import cervix_watch

    result = run("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"cervix-watch {version('cervix-watch')}\n"
    assert cervix_watch.__version__ == version("cervix-watch")
    assert not (home / ".local").exists()


def test_rules_profiles_lists_the_builtin_profiles_and_the_default(cli: Cli) -> None:
    """rules profiles names every built-in profile with its title and marks the default."""
    from cervix_watch.rules import DEFAULT_PROFILE, builtin_profile_names, load_profile

    result = cli("rules", "profiles")
    assert result.exit_code == 0, result.output
    names = builtin_profile_names()
    assert {"acog-smfm", "nice-ng25"} <= set(names)
    lines = result.stdout.splitlines()
    for name in names:
        [row] = [line for line in lines if f" {name} " in line]
        first_title_word = load_profile(name).title.split()[0]
        assert first_title_word in row
        assert ("yes" in row) == (name == DEFAULT_PROFILE)


# --- patient edit ------------------------------------------------------------------------


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


# --- due and scan list -------------------------------------------------------------------


@both_backends
def test_due_within_limits_the_table(loaded: Cli) -> None:
    """due --within 5 shows P04, the overdue P09 and P01 (due in exactly 5 days), not P07 (6).

    (v2: P09's prior PPROM at 32+0 counts as a prior sPTB under acog-smfm: serial scans.
    v3 change 8: P04's single screen is due through its window, not overdue; P07's and
    P08's scan-due flags (within the profile's 7-day look-ahead) do not widen --within.)
    """
    result = loaded("due", "--as-of", "2026-10-15", "--within", "5")
    assert result.exit_code == 0, result.output
    assert "Scans due by 2026-10-20 (as of 2026-10-15, acog-smfm): 3" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("P")]
    assert [row.split()[0] for row in rows] == ["P04", "P09", "P01"]
    assert " due " in rows[0]
    assert "overdue" in rows[1]
    assert "P07" not in result.stdout
    assert "P08" not in result.stdout
    nothing_ahead = loaded("due", "--as-of", "2026-10-15", "--within", "0").stdout
    assert "P04" in nothing_ahead
    assert "P01" not in nothing_ahead


@both_backends
def test_due_csv_has_a_header_and_one_row_per_patient_soonest_first(loaded: Cli) -> None:
    """due --format csv: the documented columns, overdue first, then by due date."""
    result = loaded("due", "--as-of", "2026-10-15", "--within", "6", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "mrn,name,ga,ga_days,risk,next_scan_due,status,days,latest_cl_mm",
        "P04,Vignette P04,19+5,138,low,2026-10-03,due,-12,",  # v3 change 8: due in its window
        "P09,Vignette P09,16+4,116,high,2026-10-11,overdue,-4,",
        "P01,Vignette P01,18+4,130,high,2026-10-20,due,5,21.0",
        "P07,Vignette P07,17+1,120,low,2026-10-21,due,6,",
    ]


@both_backends
def test_due_rejects_a_negative_within(loaded: Cli) -> None:
    """--within takes days ahead, at least 0: a negative number is a usage error."""
    result = loaded("due", "--within", "-1")
    assert result.exit_code == 2
    assert "--within" in result.stderr


@both_backends
def test_scan_list_voided_includes_voided_scans_marked_as_such(loaded: Cli) -> None:
    """scan list hides a voided scan; scan list --voided shows it with voided true (yes in
    the table)."""
    assert loaded("scan", "void", "1", "--reason", "wrong patient").exit_code == 0
    plain = json.loads(loaded("scan", "list", "--format", "json").stdout)["scans"]
    everything = json.loads(loaded("scan", "list", "--voided", "--format", "json").stdout)["scans"]
    assert 1 not in {s["scan_id"] for s in plain}
    assert len(everything) == len(plain) + 1
    voided = {s["scan_id"]: s["voided"] for s in everything}
    assert voided[1] is True
    assert {v for sid, v in voided.items() if sid != 1} == {False}
    table = loaded("scan", "list", "P01", "--voided").stdout
    [row] = [line for line in table.splitlines() if line.startswith("1 ")]
    assert row.rstrip().endswith("yes")


# --- no patient names in import errors ---------------------------------------------------


@both_backends
def test_import_errors_quote_the_mrn_but_never_a_name(cli: Cli, tmp_path: Path) -> None:
    """A conflicting row, an MRN twice in one file and an over-long name: every message names
    the file line and the MRN the user typed, and no name (stored or from the file) appears."""
    stored = "Harriet Stored-Name"
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", stored).exit_code == 0
    long_name = "Zebedee " * 1300  # over the 10,000-character limit
    names = ["Conflicting Newname", "Twice Firstname", "Twice Secondname", long_name.strip()]
    path = tmp_path / "patients.csv"
    path.write_text(
        "mrn,name,edd\n"
        f"P01,{names[0]},2027-03-14\n"
        f"Q1,{names[1]},2027-03-14\n"
        f"Q1,{names[2]},2027-03-14\n"
        f"Q2,{names[3]},2027-03-14\n",
        encoding="utf-8",
    )
    result = cli("import", "patients", str(path))
    assert result.exit_code == 1
    # checks against the database come after the file's own checks, so sort by line number
    lines = sorted(result.stderr.splitlines(), key=lambda line: int(line.split(":")[2]))
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith(f"error: {path}:2: mrn: 'P01' ")
    assert lines[1].startswith(f"error: {path}:4: mrn: 'Q1' ")
    assert lines[2].startswith(f"error: {path}:5: name: ")
    for name in [stored, *names]:
        for part in name.split():
            assert part not in result.output, part
    assert (
        json.loads(cli("patient", "list", "--format", "json").stdout)["patients"][0]["name"]
        == stored
    )


def test_today_and_yesterday_are_the_invocations_day(cli: Cli) -> None:
    """`--date today` / `yesterday` and the default review date are the day read at start-up
    (the tests' TODAY, whatever the machine's clock says)."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "today", "--cl", "30").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "yesterday", "--cl", "31").exit_code == 0
    scans = json.loads(cli("scan", "list", "P01", "--format", "json").stdout)["scans"]
    assert [s["date"] for s in scans] == [
        (TODAY - timedelta(days=1)).isoformat(),
        TODAY.isoformat(),
    ]
    assert json.loads(cli("review", "--format", "json").stdout)["as_of"] == TODAY.isoformat()
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    refused = cli("scan", "add", "P01", "--date", tomorrow, "--cl", "30")
    assert refused.exit_code == 1
    assert f"{tomorrow} is in the future" in refused.output
