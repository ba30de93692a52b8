"""The listings: rules profiles, due (--within, CSV) and scan list --voided."""

from __future__ import annotations

import json

from tests.conftest import Cli, both_backends


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
