"""`cervix-watch audit` on a small fixed clinic, against a table worked out by hand.

The clinic is tests/audit/auditclinic.py (period 2026-04-01 to 2026-06-30,
acog-smfm). Working, measure by measure (Ann = the pregnancy "A" + number):

- cohort: EDD in [FROM, TO + 280] and at 16+0 or later on a day of the period
  while ongoing. A12 (15+6 on TO) and A13 (lost at 14+0) are left out (2);
  A14 (EDD before FROM) is not read at all. Cohort = 16 - 1 - 2 = 13.
- screened_by_24w: high risk (A1-A5, A9, A10, A15, A16) whose GA reached 24+0:
  not A5 (23+6 on TO) nor A10 (lost at 22+0); A16 is exactly 24+0: in. Of = 7
  (A1 A2 A3 A4 A9 A15 A16). TV scan at 16+0-24+0: A1 (16+0), A2 (24+0), A9
  (17+0), A15 (22+0); not A3 (15+6, 24+1), A4 (transabdominal in the window),
  A16 (none). 4 of 7 = 57.142... -> 57.1.
- first_scan_ga_median: first TV scan from 16+0, high risk: A1 112, A9 119,
  A5 140, A15 154, A2 168, A3 169 (its 15+6 scan is before 16+0), A4 182 ->
  n 7, median 154 days = 22+0.
- short_cervix: TV scan in the window: A1 30, A2 25.0, A5 24.0, A6 40, A7 25.1
  (shortest of 26.0/25.1), A8 24.9 (shortest of 27/24.9/26), A9 32, A15 28 ->
  of 8; at or below 25 mm: A2, A5, A8 -> 3 of 8 = 37.5.
- short_cervix_discussed: A2 cerclage discussion 14 days after (counts), A8
  cerclage the next day (a treatment counts), A5 only a discussion the day
  before, a referral (not an audit action) and progesterone 15 days after ->
  2 of 3 = 66.666... -> 66.7. days_to_discussion_median: 14 and 1 -> 7.5.
- treated (of the cohort, 13): cerclage-history A9, cerclage-ultrasound A8,
  progesterone A5: 1 of 13 = 7.69... -> 7.7 each; the others 0.0.
- outcome_ga: high: A9 delivered 33+6 (band 24+0-33+6), A10 lost 22+0 (< 24+0);
  A15 transferred is no outcome -> of 2, 50.0 / 50.0. low: A11 delivered at 37+0
  (from the date, no GA recorded) -> >= 37+0, 1 of 1.
- open_points: active on TO: A1-A8, A12, A16 = 10; an open high point: A2 and
  A3 (short cervix outside the ACOG window, not discussed as such), A5
  (cerclage discussion: the only one is dated before the scan) -> 3 of 10 = 30.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cervix_watch.store.store import Store
from tests.audit.auditclinic import FROM, TO, build_clinic
from tests.conftest import Cli, both_backends


def _count(n: int, of: int, pct: float) -> dict[str, object]:
    return {"n": n, "of": of, "pct": pct}


NONE_OF_13 = _count(0, 13, 0.0)
ONE_OF_13 = _count(1, 13, 7.7)
EXPECTED = {
    "from": "2026-04-01",
    "to": "2026-06-30",
    "profile": "acog-smfm",
    "cohort": 13,
    "left_out": {"not at 16+0 or later during the period": 2},
    "measures": {
        "screened_by_24w": _count(4, 7, 57.1),
        "first_scan_ga_median": {"n": 7, "days": 154.0, "ga": "22+0"},
        "short_cervix": _count(3, 8, 37.5),
        "short_cervix_discussed": _count(2, 3, 66.7),
        "days_to_discussion_median": {"n": 2, "days": 7.5},
        "treated": {
            "cerclage-history": ONE_OF_13,
            "cerclage-ultrasound": ONE_OF_13,
            "cerclage-exam": NONE_OF_13,
            "cerclage-transabdominal": NONE_OF_13,  # a kind since contract version 2
            "cerclage-kind-not-recorded": NONE_OF_13,
            "progesterone": ONE_OF_13,
            "pessary": NONE_OF_13,
        },
        "outcome_ga": {
            "high": {
                "<24+0": _count(1, 2, 50.0),
                "24+0-33+6": _count(1, 2, 50.0),
                "34+0-36+6": _count(0, 2, 0.0),
                ">=37+0": _count(0, 2, 0.0),
            },
            "low": {
                "<24+0": _count(0, 1, 0.0),
                "24+0-33+6": _count(0, 1, 0.0),
                "34+0-36+6": _count(0, 1, 0.0),
                ">=37+0": _count(1, 1, 100.0),
            },
        },
        "open_points": _count(3, 10, 30.0),
    },
}
PERIOD = ("--from", FROM.isoformat(), "--to", TO.isoformat())


@pytest.fixture
def clinic_cli(cli: Cli, db_url: str) -> Cli:
    """The fixed audit clinic written into a fresh database."""
    build_clinic(Store.open(db_url))
    return cli


@both_backends
def test_audit_json_is_exactly_the_hand_computed_table(clinic_cli: Cli) -> None:
    """`audit --format json` equals the table worked out by hand, key for key, byte for byte."""
    result = clinic_cli("audit", *PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == EXPECTED
    # exact numbers: no float noise in the text itself
    assert '"screened_by_24w": {"n": 4, "of": 7, "pct": 57.1}' in result.stdout
    assert '"short_cervix_discussed": {"n": 2, "of": 3, "pct": 66.7}' in result.stdout


def test_audit_does_not_depend_on_the_day_it_runs(clinic_cli: Cli) -> None:
    """The same period gives the same JSON on another day: `--to` is the as-of date."""
    import time_machine

    first = clinic_cli("audit", *PERIOD, "--format", "json").stdout
    with time_machine.travel("2031-01-15 09:00Z", tick=False):
        later = clinic_cli("audit", *PERIOD, "--format", "json").stdout
    assert later == first
    assert json.loads(first) == EXPECTED


def test_audit_table_states_cohort_profile_and_left_out(clinic_cli: Cli) -> None:
    """The terminal table names the period, the profile, the cohort and who was left out."""
    result = clinic_cli("audit", *PERIOD)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Clinic audit 2026-04-01 to 2026-06-30 (profile acog-smfm): cohort 13" in text
    assert "Left out: 2 pregnancies with an EDD in range" in text
    assert "22+0 (154 d)" in text
    assert "57.1" in text


def test_audit_csv_has_one_row_per_measure_and_breakdown(clinic_cli: Cli, tmp_path: Path) -> None:
    """CSV: a row per measure and breakdown key, written 0600 with --out, numbers exact."""
    import csv

    out = tmp_path / "audit.csv"
    result = clinic_cli("audit", *PERIOD, "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    keyed = {(r["measure"], r["breakdown"]): r for r in rows}
    assert (
        len(rows) == len(keyed) == 5 + 7 + 8 + 1
    )  # treated: 4 cerclage kinds, not recorded, progesterone, pessary
    assert keyed[("screened_by_24w", "")]["pct"] == "57.1"
    assert keyed[("outcome_ga", "high <24+0")]["n"] == "1"
    assert keyed[("first_scan_ga_median", "")]["median_ga"] == "22+0"
    assert keyed[("days_to_discussion_median", "")]["median_days"] == "7.5"


def test_audit_markdown_is_a_table(clinic_cli: Cli) -> None:
    """`--format md`: a heading and one Markdown table row per measure, `<` escaped."""
    result = clinic_cli("audit", *PERIOD, "--format", "md")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# Clinic audit 2026-04-01 to 2026-06-30 \\(profile acog")
    assert (
        sum(line.startswith("| ") for line in lines) == 1 + 21
    )  # header + 5 measures, 7 treated, 8 outcome, open points
    assert "high \\<24\\+0" in result.stdout


def test_audit_from_after_to_is_one_line_exit_1(clinic_cli: Cli) -> None:
    """--from after --to: one line naming the field, exit 1."""
    result = clinic_cli("audit", "--from", "2026-07-01", "--to", "2026-06-30")
    assert result.exit_code == 1
    assert result.output.strip() == "error: from: 2026-07-01 is after --to 2026-06-30"


def test_audit_bad_date_names_the_field(clinic_cli: Cli) -> None:
    """A date that is not ISO is a one-line error naming --to, exit 1."""
    result = clinic_cli("audit", "--from", "2026-04-01", "--to", "30/06/2026")
    assert result.exit_code == 1
    assert "to: '30/06/2026' is not a date" in result.output
    assert "Traceback" not in result.output


def test_audit_html_needs_out(clinic_cli: Cli) -> None:
    """--format html without --out is one line naming `out` (exit 1), as for the review."""
    result = clinic_cli("audit", *PERIOD, "--format", "html")
    assert result.exit_code == 1
    assert result.stderr == "error: out: --format html writes a file: give --out FILE\n"


def test_empty_period_has_no_percentages(cli: Cli) -> None:
    """An empty database: every count 0 of 0 with pct null, medians null, exit 0."""
    result = cli("audit", *PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    measures = json.loads(result.stdout)["measures"]
    assert measures["screened_by_24w"] == {"n": 0, "of": 0, "pct": None}
    assert measures["first_scan_ga_median"] == {"n": 0, "days": None, "ga": None}
    assert measures["open_points"] == {"n": 0, "of": 0, "pct": None}


def test_audit_html_has_a_bar_chart_per_breakdown_and_no_script(
    clinic_cli: Cli, tmp_path: Path
) -> None:
    """HTML: one inline SVG for the key measures and per breakdown (treatments, outcome per
    risk), no script, A4 print
    CSS, every text escaped (`<24+0` appears as `&lt;24+0`), written 0600."""
    out = tmp_path / "audit.html"
    result = clinic_cli("audit", *PERIOD, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg ") == 4  # key measures; treated; outcome_ga for high and low
    assert "<script" not in page.lower()
    assert "@page { size: A4" in page
    assert "&lt;24+0" in page
    assert "<24+0" not in page
    assert 'width="150.0"' in page  # 50.0 % of a 300-px bar


def test_nice_profile_breaks_outcomes_down_by_its_three_risk_categories(clinic_cli: Cli) -> None:
    """Under nice-ng25 (which has an intermediate band) outcome_ga has high, intermediate
    and low; the cohort is the same, since it does not depend on the profile's risk."""
    result = clinic_cli("audit", *PERIOD, "--profile", "nice-ng25", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["profile"] == "nice-ng25"
    assert found["cohort"] == 13
    assert list(found["measures"]["outcome_ga"]) == ["high", "intermediate", "low"]
