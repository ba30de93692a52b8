"""Data entry a sonographer can trust (issue 12): plausible dates, no events after closure,
duplicates refused, stored values in every message, the default profile stored by content.

The clock is pinned (time-machine) so every window is tested on both sides on any day."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from tests.cli.test_bad_input import counts
from tests.conftest import Cli

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    """Every test here runs on 2026-11-23 (noon UTC)."""
    with time_machine.travel("2026-11-23 12:00:00+00:00", tick=False):
        yield


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    """P01, EDD 2027-03-14 (GA 24+1 today), with one scan on 2026-11-20 (GA 23+5)."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", "Ann").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "2026-11-20", "--cl", "30").exit_code == 0
    return cli


def _edd_at_ga_today(days: int) -> str:
    return (TODAY + timedelta(days=280 - days)).isoformat()


@pytest.mark.parametrize(
    ("ga_days", "accepted"),
    [(0, True), (-1, False), (44 * 7, True), (44 * 7 + 1, False)],
    ids=["0+0", "one day before 0+0", "44+0", "44+1"],
)
@pytest.mark.parametrize("option", ["--edd", "--lmp"])
def test_patient_add_takes_an_edd_only_for_ga_today_0_to_44_weeks(
    cli: Cli, db_path: Path, ga_days: int, accepted: bool, option: str
) -> None:
    """EDD (or LMP + 280) putting GA today at 0+0 or 44+0 is accepted; one day beyond is not."""
    assert cli("patient", "add", "P00", "--edd", "2027-03-14").exit_code == 0
    edd = date.fromisoformat(_edd_at_ga_today(ga_days))
    value = edd if option == "--edd" else edd - timedelta(days=280)
    result = cli("patient", "add", "H5", option, value.isoformat())
    if accepted:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {option[2:]}: {edd} puts GA today")
        assert "outside 0+0 to 44+0" in result.stderr
        assert counts(db_path)["patients"] == 1


def test_the_issue_example_edd_two_years_ahead_is_refused(cli: Cli) -> None:
    """`--edd 2028-03-14` (GA today -28+1) is refused with the GA it would give."""
    result = cli("patient", "add", "H5", "--edd", "2028-03-14")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: edd: 2028-03-14 puts GA today (2026-11-23) at -28+1, outside 0+0 to 44+0"
    )


@pytest.mark.parametrize(
    ("edd", "accepted"),
    [
        ("1900-01-01", True),
        ("1899-12-31", False),
        ((TODAY + timedelta(days=280)).isoformat(), True),
        ((TODAY + timedelta(days=281)).isoformat(), False),
    ],
)
def test_import_takes_past_pregnancies_from_1900_to_today_plus_280(
    cli: Cli, tmp_path: Path, edd: str, accepted: bool
) -> None:
    """An imported EDD from 1900-01-01 to today + 280 days is accepted; one day beyond is not."""
    path = tmp_path / "patients.csv"
    path.write_text(f"mrn,edd\nOLD1,{edd}\n")
    result = cli("import", "patients", str(path))
    assert result.exit_code == (0 if accepted else 1), result.output
    if not accepted:
        assert result.stderr.startswith(f"error: {path}:2: edd: {edd} is outside 1900-01-01 to")


def test_edit_edd_moving_a_scan_outside_the_pregnancy_changes_nothing(
    clinic: Cli, db_path: Path
) -> None:
    """`patient edit --edd` that puts a stored scan before the LMP is refused, naming the scan."""
    before = counts(db_path)
    result = clinic("patient", "edit", "P01", "--edd", "2027-08-29", "--reason", "typo")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: edd: scan 1 on 2026-11-20: 2026-11-20 is before the LMP 2026-11-22"
    )
    assert counts(db_path) == before
    shown = clinic("patient", "show", "P01", "--format", "json").stdout
    assert '"edd": "2027-03-14"' in shown


def test_edit_edd_prints_each_scans_old_and_new_ga(clinic: Cli) -> None:
    """A correction of the EDD by a week prints the scan's GA before and after."""
    result = clinic("patient", "edit", "P01", "--edd", "2027-03-21", "--reason", "dating scan")
    assert result.exit_code == 0, result.output
    assert "scan 1 on 2026-11-20: GA 23+5 -> 22+5" in result.stdout


def test_edit_edd_is_also_held_to_the_ga_today_window(clinic: Cli) -> None:
    """`patient edit --edd` two years ahead is refused like `patient add`."""
    result = clinic("patient", "edit", "P01", "--edd", "2028-03-14", "--reason", "typo")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: edd: 2028-03-14 puts GA today")


@pytest.mark.parametrize(
    ("command", "accepted_on_closure_day"),
    [
        (["scan", "add", "P01", "--cl", "28", "--date"], True),
        (["exam", "add", "P01", "--date"], True),
        (["treatment", "add", "P01", "progesterone", "--date"], True),
        (["discuss", "P01", "refer-ptb-clinic", "--outcome", "accepted", "--date"], True),
    ],
    ids=["scan", "exam", "treatment", "discussion"],
)
def test_events_after_the_closure_date_are_refused(
    clinic: Cli, db_path: Path, command: list[str], accepted_on_closure_day: bool
) -> None:
    """An event on the closure date is accepted; one the day after is refused, nothing written."""
    closed = clinic("patient", "close", "P01", "--date", "2026-11-21", "--outcome", "transferred")
    assert closed.exit_code == 0, closed.output
    assert clinic(*command, "2026-11-21").exit_code == 0
    before = counts(db_path)
    result = clinic(*command, "2026-11-22")
    assert result.exit_code == 1
    assert "2026-11-22 is after the pregnancy was closed on 2026-11-21" in result.stderr
    assert counts(db_path) == before


def test_a_closure_before_a_stored_scan_is_refused(clinic: Cli, db_path: Path) -> None:
    """Closing the day before a stored scan is refused naming it; on the scan's day it closes."""
    before = counts(db_path)
    early = clinic("patient", "close", "P01", "--date", "2026-11-19", "--outcome", "delivered")
    assert early.exit_code == 1
    assert early.stderr.strip() == (
        "error: date: scan 1 on 2026-11-20: 2026-11-20 is after the pregnancy was closed"
        " on 2026-11-19"
    )
    assert counts(db_path) == before
    same_day = clinic("patient", "close", "P01", "--date", "2026-11-20", "--outcome", "delivered")
    assert same_day.exit_code == 0, same_day.output


def test_import_refuses_a_scan_after_the_closure_date(clinic: Cli, tmp_path: Path) -> None:
    """A CSV scan dated after the closure date is a row problem; one on the date imports."""
    clinic("patient", "close", "P01", "--date", "2026-11-21", "--outcome", "delivered")
    path = tmp_path / "scans.csv"
    path.write_text("mrn,date,cl1_mm\nP01,2026-11-21,25\nP01,2026-11-22,26\n")
    result = clinic("import", "scans", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {path}:3: date: 2026-11-22 is after the pregnancy was closed on 2026-11-21"
    )
    path.write_text("mrn,date,cl1_mm\nP01,2026-11-21,25\n")
    assert clinic("import", "scans", str(path)).exit_code == 0


def test_an_identical_scan_is_refused_with_the_stored_id(clinic: Cli, db_path: Path) -> None:
    """The same scan typed twice: the second is refused and names scan 1; nothing written."""
    before = counts(db_path)
    result = clinic("scan", "add", "P01", "--date", "2026-11-20", "--cl", "30")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: scan: identical to scan 1, already stored for P01 on 2026-11-20 (nothing saved)"
    )
    assert counts(db_path) == before


def test_a_different_scan_the_same_day_is_saved_with_a_notice(clinic: Cli, db_path: Path) -> None:
    """A second, different scan the same day is saved; a note names the first one."""
    result = clinic("scan", "add", "P01", "--date", "2026-11-20", "--cl", "29.5")
    assert result.exit_code == 0, result.output
    assert "note: P01 already has scan 1 on 2026-11-20; this one is saved as well." in (
        result.stderr
    )
    assert counts(db_path)["scans"] == 2


def test_a_voided_scan_can_be_entered_again(clinic: Cli) -> None:
    """A scan voided as entered in error does not block entering the same values again."""
    assert clinic("scan", "void", "1", "--reason", "wrong patient").exit_code == 0
    assert clinic("scan", "add", "P01", "--date", "2026-11-20", "--cl", "30").exit_code == 0


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (
            ["exam", "add", "P01", "--date", "2026-11-20", "--bleeding"],
            "error: exam: identical to exam 1, already stored",
        ),
        (
            ["treatment", "add", "P01", "progesterone", "--date", "2026-11-20"],
            "error: treatment: identical to treatment 1, already stored",
        ),
        (
            # `discuss` refuses the same decision (point, date, outcome) before the store's
            # identical-record check, naming the stored decision (console/discussed.py)
            ["discuss", "P01", "refer-ptb-clinic", "--date", "2026-11-20", "--outcome", "deferred"],
            "error: discussion: P01 already has refer-ptb-clinic deferred on 2026-11-20",
        ),
    ],
)
def test_identical_exams_treatments_and_discussions_are_refused(
    clinic: Cli, db_path: Path, command: list[str], refusal: str
) -> None:
    """Exams, treatments and discussions typed twice: the second names the first."""
    assert clinic(*command).exit_code == 0
    before = counts(db_path)
    result = clinic(*command)
    assert result.exit_code == 1
    assert result.stderr.startswith(refusal)
    assert counts(db_path) == before


def test_export_then_import_is_exact(clinic: Cli, tmp_path: Path, db_path: Path) -> None:
    """Every kind exported and imported back is counted as already present, nothing added."""
    clinic("exam", "add", "P01", "--date", "2026-11-20", "--contractions")
    clinic("treatment", "add", "P01", "pessary", "--date", "2026-11-21")
    clinic("discuss", "P01", "refer-ptb-clinic", "--date", "2026-11-21", "--outcome", "accepted")
    before = counts(db_path)
    for kind in ("patients", "scans", "exams", "treatments", "discussions"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(clinic("export", kind).stdout)
        result = clinic("import", kind, str(path))
        assert result.exit_code == 0, result.output
        assert "(1 already present)" in result.stdout, result.stdout
    assert counts(db_path) == before


def test_cl_with_one_decimal_is_stored_and_shown_as_typed(clinic: Cli) -> None:
    """CL 24.9 is saved and every message says 24.9 (never a rounded 25.0)."""
    result = clinic("scan", "add", "P01", "--date", "2026-11-22", "--cl", "24.9")
    assert result.exit_code == 0, result.output
    assert "recorded CL 24.9 mm" in result.stdout
    assert "25.0" not in result.stdout


@pytest.mark.parametrize("value", ["24.96", "1e-300", "24.90001"])
def test_cl_with_more_than_one_decimal_is_refused(clinic: Cli, db_path: Path, value: str) -> None:
    """CL 24.96 (or 1e-300, a tiny number that would print 0.0) is refused, nothing written."""
    before = counts(db_path)
    result = clinic("scan", "add", "P01", "--date", "2026-11-22", "--cl", value)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cl_mm: {value!r} has more than one decimal place (lengths are to 0.1 mm)"
    )
    assert counts(db_path) == before


@pytest.mark.parametrize(("value", "days"), [("26+3", 185), ("26w3d", 185)])
def test_prior_ga_in_weeks_and_days_is_accepted(cli: Cli, value: str, days: int) -> None:
    """`26+3` and `26w3d` are both stored as 26+3."""
    result = cli("patient", "add", "H1", "--edd", "2027-03-14", "--prior-sptb-weeks", value)
    assert result.exit_code == 0, result.output
    shown = cli("patient", "show", "H1", "--format", "json").stdout
    assert '"26+3"' in shown


def test_decimal_prior_ga_is_refused_as_ambiguous(cli: Cli, db_path: Path) -> None:
    """`--prior-sptb-weeks 26.3` is refused (it used to be stored silently as 26+2)."""
    result = cli("patient", "add", "H1", "--edd", "2027-03-14", "--prior-sptb-weeks", "26.3")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: prior_sptb_weeks: '26.3' is ambiguous: decimal weeks are not accepted "
        "(write 26+3 or 26w3d)"
    )


def test_weeks_without_days_are_refused(cli: Cli, db_path: Path) -> None:
    """`--prior-sptb-weeks 26w` is refused: the contract takes `26+0` or `26w0d` only."""
    result = cli("patient", "add", "H1", "--edd", "2027-03-14", "--prior-sptb-weeks", "26w")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: prior_sptb_weeks: '26w' is not a gestational age (use 20+3 or 20w3d)"
    )
    assert not cli("patient", "list", "--all", "--format", "csv").stdout.count("H1")


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("p01", " (did you mean P01?)"),
        ("PO1", " (did you mean P01?)"),
        ("P0l1", " (did you mean P01?)"),
        ("Z99", ""),
    ],
)
def test_unknown_mrn_names_close_matches(clinic: Cli, typed: str, hint: str) -> None:
    """An unknown MRN suggests registered ones within a small, case-insensitive edit distance."""
    for command in (
        ["scan", "add", typed, "--date", "2026-11-22", "--cl", "30"],
        ["patient", "show", typed],
    ):
        result = clinic(*command)
        assert result.exit_code == 1
        assert result.stderr.strip() == f"error: mrn: no patient {typed!r}{hint}"


def test_close_matches_are_at_most_three_closest_first(clinic: Cli) -> None:
    """With many similar MRNs, the three closest are named, closest first."""
    for mrn in ("D003", "D030", "D004", "D005", "X003"):
        assert clinic("patient", "add", mrn, "--edd", "2027-03-14").exit_code == 0
    result = clinic("patient", "show", "d003")
    assert (
        result.stderr.strip() == "error: mrn: no patient 'd003' (did you mean D003, D004 or D005?)"
    )


def test_discuss_suggests_the_closest_action(clinic: Cli) -> None:
    """A misspelt action name gets the closest one suggested, not a list of all fourteen."""
    result = clinic(
        "discuss", "P01", "cerclage-discusion", "--date", "2026-11-22", "--outcome", "accepted"
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: action: 'cerclage-discusion' is not a discussion point "
        "(did you mean cerclage-discussion?)"
    )


def test_amend_cl_replaces_the_set_and_says_old_and_new(clinic: Cli) -> None:
    """`scan amend --cl` replaces all measurements: output and audit trail show old -> new."""
    added = clinic("scan", "add", "P01", "--date", "2026-11-22", "--cl", "21", "--cl", "21.5")
    assert added.exit_code == 0
    result = clinic("scan", "amend", "2", "--cl", "20.5", "--reason", "caliper slip")
    assert result.exit_code == 0, result.output
    assert "cl_mm: 21.0, 21.5 -> 20.5" in result.stdout
    assert "recorded CL 21.0 -> 20.5 mm" in result.stdout
    assert "REPLACES the whole set" in " ".join(clinic("scan", "amend", "--help").stdout.split())
    shown = clinic("patient", "show", "P01").stdout
    assert "cl_mm: 21.0, 21.5 -> 20.5" in shown


def test_default_profile_is_stored_by_content(clinic: Cli, tmp_path: Path, db_path: Path) -> None:
    """After `rules default FILE` the file can move: scans still save with the stored rules."""
    exported = tmp_path / "unit.toml"
    from importlib import resources

    text = (resources.files("cervix_watch.rules") / "profiles" / "nice-ng25.toml").read_text()
    exported.write_text(text.replace('name = "nice-ng25"', 'name = "our-unit"'))
    result = clinic("rules", "default", str(exported))
    assert result.exit_code == 0, result.output
    import hashlib

    sha = hashlib.sha256(exported.read_bytes()).hexdigest()
    assert sha in result.stdout
    exported.unlink()
    assert clinic("scan", "add", "P01", "--date", "2026-11-22", "--cl", "31").exit_code == 0
    shown = clinic("rules", "show")
    assert shown.exit_code == 0
    words = " ".join(shown.stdout.split())
    assert f"Default profile: our-unit (sha256 {sha}; stored in this database)" in words
    assert clinic("rules", "default").stdout.startswith(f"our-unit (sha256 {sha}")
    assert '"profile": "our-unit"' in clinic("review", "--format", "json").stdout


def test_a_broken_stored_profile_fails_before_anything_is_written(
    clinic: Cli, db_path: Path
) -> None:
    """A default profile that no longer validates fails `scan add` with nothing saved."""
    assert clinic("rules", "default", "nice-ng25").exit_code == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("update settings set value = 'name = 1' where key = 'default_profile_toml'")
    before = counts(db_path)
    result = clinic("scan", "add", "P01", "--date", "2026-11-22", "--cl", "31")
    assert result.exit_code == 1
    assert "Scan" not in result.stdout
    assert counts(db_path) == before


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (["due", "--as-of", "9999-12-31"], True),
        (["due", "--as-of", "0001-01-01", "--within", "60"], True),
        (["review", "--as-of", "9999-12-31", "--format", "json"], True),
        (["patient", "show", "P01", "--as-of", "9999-12-31"], True),
        (["patient", "show", "P01", "--as-of", "0001-01-01"], True),
        (["due", "--as-of", "2999-12-31", "--within", "60"], False),
        (["review", "--as-of", "1900-01-01", "--format", "json"], False),
        (["patient", "show", "P01", "--as-of", "2999-12-31"], False),
        (["export", "patients", "--deidentify"], False),
    ],
)
def test_extreme_dates_never_give_an_internal_error(
    clinic: Cli, tmp_path: Path, command: list[str], refused: bool
) -> None:
    """A review date at the calendar's ends is one line naming as_of (exit 1); 1900-01-01
    and 2999-12-31 run; a de-identified export holding the earliest importable EDD
    (1900-01-01) runs: never an internal error."""
    path = tmp_path / "patients.csv"
    path.write_text("mrn,edd\nOLD1,1900-01-01\n")
    assert clinic("import", "patients", str(path)).exit_code == 0
    result = clinic(*command)
    assert "internal error" not in result.output
    if refused:
        assert result.exit_code == 1
        assert result.stderr.startswith("error: as_of: ")
        assert "is outside 1900-01-01 to 2999-12-31" in result.stderr
    else:
        assert result.exit_code == 0, result.output
