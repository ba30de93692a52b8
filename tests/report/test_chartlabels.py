"""The terminal chart's value labels: never touching a marker or another label, every value
printed once (as a label or in the list under the chart), on its own row (issue 21.1)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.report.chart import chart_data
from cervix_watch.report.chartlabels import FREE_CELLS, plot_area
from cervix_watch.report.plot import terminal_chart
from cervix_watch.rules import PatientHistory, load_profile
from tests.conftest import Cli

PATIENT = Patient(mrn="X1", edd=date(2027, 4, 1))
AS_OF = date(2026, 12, 20)
FIRST = date(2026, 12, 5)  # 23+2
LABEL = re.compile(r"\d+\.\d")
LISTED = re.compile(r"^  [ox] (\d+\.\d) mm on \d{4}-\d\d-\d\d at \d+\+\d$")


def _chart(scans: list[tuple[date, float]], route: Route = Route.TV) -> str:
    records = tuple(Scan(mrn="X1", date=on, cl_mm=(cl,), route=route) for on, cl in scans)
    history = PatientHistory(patient=PATIENT, scans=records)
    return terminal_chart(chart_data(history, load_profile("acog-smfm"), AS_OF))


def _plot_rows(text: str) -> list[str]:
    """The inside of the frame, one string per row (axis labels and the list left out)."""
    grid = [list(line) for line in text.splitlines()]
    area = plot_area(grid)
    return [
        "".join(grid[r][area.left : area.right + 1]).ljust(area.right - area.left + 1)
        for r in range(area.top, area.bottom + 1)
    ]


def _labels(text: str) -> list[str]:
    return [m.group() for row in _plot_rows(text) for m in LABEL.finditer(row)]


def _listed(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := LISTED.match(line))]


def _assert_readable(text: str, values: list[float]) -> None:
    """Each label stands alone (a free cell either side, never a marker or digit), and the
    labels plus the list hold each plotted value exactly once."""
    for row in _plot_rows(text):
        for match in re.finditer(r"[\d.]+", row):
            assert LABEL.fullmatch(match.group()), row
            before = row[match.start() - 1] if match.start() > 0 else " "
            after = row[match.end()] if match.end() < len(row) else " "
            assert before in FREE_CELLS, row
            assert after in FREE_CELLS, row
    assert Counter(_labels(text) + _listed(text)) == Counter(f"{v:.1f}" for v in values)


@pytest.mark.parametrize(
    "values",
    [(19.5, 18.9), (24.0, 23.0), (18.9, 19.5), (11.1, 11.1), (21.1, 12.1)],
    ids=["issue-o118.9", "issue-o223.0", "rising", "equal-values", "shared-digits"],
)
def test_scans_on_consecutive_days_read_as_their_values(values: tuple[float, float]) -> None:
    """Two scans a day apart (the issue's `o118.9` and `o223.0`) print each value once,
    neither label touching the other or a marker."""
    text = _chart([(FIRST, values[0]), (FIRST + timedelta(days=1), values[1])])
    assert "o1" not in text
    assert "o2" not in text
    _assert_readable(text, list(values))


def test_scans_on_the_same_day_keep_both_values() -> None:
    """Two scans on one day share a cell: one is labelled, the other listed under the chart
    (the issue's re-dated chart lost 19.5)."""
    text = _chart([(FIRST, 19.5), (FIRST, 18.9)])
    _assert_readable(text, [19.5, 18.9])
    assert "Not labelled above (too close to another point):" in text
    assert len(_listed(text)) == 1


def test_a_lone_scan_is_labelled_and_nothing_is_listed() -> None:
    """A scan with room around it gets its label beside the marker and no list."""
    text = _chart([(FIRST, 24.2)])
    assert _labels(text) == ["24.2"]
    assert "Not labelled" not in text
    assert re.search(r"o 24\.2", text)


def test_other_routes_are_listed_with_their_marker() -> None:
    """A listed transabdominal scan keeps its `x` marker in the list."""
    text = _chart([(FIRST, 30.5), (FIRST, 31.0)], route=Route.TA)
    assert re.search(r"^  x 3\d\.\d mm on 2026-12-05 at 23\+2$", text, re.M)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 15), st.integers(50, 450)),  # up to AS_OF
        min_size=1,
        max_size=8,
    )
)
def test_any_scans_read_as_their_values(scans: list[tuple[int, int]]) -> None:
    """Whatever the dates and values (crowded or not), every value is printed once and no
    label touches another label or a marker."""
    points = [(FIRST + timedelta(days=day), tenths / 10) for day, tenths in scans]
    _assert_readable(_chart(points), [cl for _, cl in points])


def test_patient_show_prints_the_issue_chart_readably(cli: Cli) -> None:
    """The issue's reproduction through the CLI at 80 columns: 19.5 then 18.9 a day later."""
    assert cli("patient", "add", "X1", "--edd", "2027-04-01").exit_code == 0
    for on, cl in (("2026-11-20", "19.5"), ("2026-11-21", "18.9")):
        assert cli("scan", "add", "X1", "--date", on, "--cl", cl).exit_code == 0
    result = cli("patient", "show", "X1", "--as-of", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert "o118.9" not in result.stdout
    chart = result.stdout[result.stdout.index("Cervical length") :]
    assert "19.5" in chart
    assert "18.9" in chart
