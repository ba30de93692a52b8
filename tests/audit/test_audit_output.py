"""What people read of `audit` (issue 21): the default period, the measure names at 80
columns, and the HTML charts (a chart of the key measures, none drawn empty)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import time_machine

from cervix_watch.report.audit_text import LABELS
from cervix_watch.store.store import Store
from tests.audit.auditclinic import build_clinic
from tests.audit.test_audit_measures import EXPECTED, PERIOD
from tests.conftest import TODAY, Cli


@pytest.fixture
def clinic_cli(cli: Cli, db_url: str) -> Cli:
    """The fixed audit clinic (tests/audit/auditclinic.py) written into a fresh database."""
    build_clinic(Store.open(db_url))
    return cli


def test_default_period_is_the_last_full_quarter_before_today(cli: Cli) -> None:
    """Without --from/--to the audit covers the quarter that ended before the test's fixed
    day (TODAY, 2026-12-01: July to September)."""
    assert TODAY.isoformat() == "2026-12-01"
    result = cli("audit", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["from"], found["to"]) == ("2026-07-01", "2026-09-30")


def test_default_period_gives_the_hand_computed_table(clinic_cli: Cli) -> None:
    """Run on 2026-07-01 (the clinic's quarter, April-June, has just ended) the default is
    that quarter, and the JSON is exactly the hand-computed table of test_audit_measures;
    one day earlier the default is January-March."""
    with time_machine.travel("2026-07-01 09:00Z", tick=False):
        default = clinic_cli("audit", "--format", "json")
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout) == EXPECTED
    with time_machine.travel("2026-06-30 09:00Z", tick=False):
        earlier = json.loads(clinic_cli("audit", "--format", "json").stdout)
    assert (earlier["from"], earlier["to"]) == ("2026-01-01", "2026-03-31")


@pytest.mark.parametrize(("given", "missing"), [("--from", "to"), ("--to", "from")])
def test_only_one_end_of_the_period_is_one_line_exit_1(cli: Cli, given: str, missing: str) -> None:
    """--from without --to (or the reverse) names the missing one, exit 1."""
    result = cli("audit", given, "2026-07-01")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {missing}: give --from and --to together, or neither for the last full quarter\n"
    )


def test_measure_names_fit_two_lines_at_80_columns(
    clinic_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns no line is longer, every measure's name takes at most 2 lines, and a
    breakdown key (`cerclage-kind-not-recorded`) stands whole on its own line."""
    monkeypatch.setenv("COLUMNS", "80")
    result = clinic_cli("audit", *PERIOD)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    measure_column = [line[:48].strip() for line in lines]
    for label in LABELS.values():
        assert _lines_taken(measure_column, label) in (1, 2), label
    assert re.search(r"^    cerclage-kind-not-recorded +0 +13 +0\.0 *$", result.stdout, re.M)
    assert re.search(r"^  Delivered or lost, GA at closure: high risk *$", result.stdout, re.M)


def _lines_taken(column: list[str], label: str) -> int | None:
    """On how many consecutive lines of the Measure column `label` is printed whole."""
    for start in range(len(column)):
        for taken in (1, 2):
            joined = " ".join(column[start : start + taken])
            if joined == label or joined.startswith(f"{label}: "):
                return taken
    return None


def _html(cli: Cli, out: Path, *period: str) -> str:
    result = cli("audit", *period, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_html_charts_the_key_measures(clinic_cli: Cli, tmp_path: Path) -> None:
    """The first chart has one bar per key measure, each labelled n / of (pct)."""
    page = _html(clinic_cli, tmp_path / "audit.html", *PERIOD)
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings[0] == "Key measures"
    key_chart = page.split("<h2>Key measures</h2>", 1)[1].split("</svg>", 1)[0]
    for words in ("4 / 7 (57.1 %)", "3 / 8 (37.5 %)", "2 / 3 (66.7 %)", "3 / 10 (30.0 %)"):
        assert words in key_chart
    assert key_chart.count("<rect ") == 4
    # a breakdown key is one token (`cerclage-transabdominal`): its cell never wraps
    assert "td.key { white-space: nowrap; }" in page
    assert '<td class="key">cerclage-transabdominal</td>' in page


def test_html_draws_no_empty_chart(cli: Cli, tmp_path: Path) -> None:
    """An empty clinic: no chart at all, each heading followed by "no eligible patients",
    and no "0 / 0" anywhere on the page."""
    page = _html(cli, tmp_path / "audit.html", *PERIOD)
    assert "<svg" not in page
    headings = re.findall(r"<h2>(.*?)</h2>\n<p class=\"empty\">no eligible patients</p>", page)
    assert headings[:2] == ["Key measures", "Treatment started"]
    assert len(headings) == page.count("<h2>")
    assert "0 / 0" not in page


def test_html_bar_with_no_one_to_count_says_so(clinic_cli: Cli, tmp_path: Path) -> None:
    """Under nice-ng25 the clinic has no closed intermediate-risk pregnancy: that chart is
    "no eligible patients", while high and low risk keep their bars."""
    page = _html(clinic_cli, tmp_path / "audit.html", *PERIOD, "--profile", "nice-ng25")
    intermediate = page.split("risk by history intermediate</h2>", 1)[1].split("<h2>", 1)[0]
    assert '<p class="empty">no eligible patients</p>' in intermediate
    assert "<svg" not in intermediate
    assert "0 / 0" not in page
