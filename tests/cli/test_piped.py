"""Output to a pipe or a file (`console.piped`): no line ends in a space, and a long line is
not broken at rich's default 80 columns unless a width was asked for ($COLUMNS)."""

from __future__ import annotations

import pytest
from tests.conftest import Cli

# GA 25+2 on the tests' day: a 19.5 mm scan is short and outside the treatment window,
# whose flag line is far longer than 80 columns.
EDD = "2027-03-14"
SCAN_DAY = "2026-11-30"
FLAG_TEXT = "outside the treatment window 16+0 to before 24+0; senior review"


@pytest.fixture
def piped(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli` with no $COLUMNS: stdout is typer's runner, not a terminal, and no width asked."""
    added = cli("patient", "add", "P1", "--edd", EDD, "--name", "Ann Smith")
    assert added.exit_code == 0, added.output
    monkeypatch.delenv("COLUMNS", raising=False)
    return cli


def _no_trailing_spaces(text: str) -> None:
    padded = [line for line in text.splitlines() if line.endswith(" ")]
    assert not padded, padded


def test_scan_add_flag_lines_stay_whole_when_piped(piped: Cli) -> None:
    """`scan add`'s flag lines are one line each, longer than 80, none ending in a space."""
    result = piped("scan", "add", "P1", "--date", SCAN_DAY, "--cl", "19.5")
    assert result.exit_code == 0, result.output
    flag = next(line for line in result.stdout.splitlines() if FLAG_TEXT in line)
    assert len(flag) > 80
    assert "[any.short-outside-window;" in flag
    _no_trailing_spaces(result.stdout)


def test_scan_add_wraps_at_the_columns_asked_for(
    piped: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With $COLUMNS=80 the same lines are wrapped at 80, still with no trailing space."""
    monkeypatch.setenv("COLUMNS", "80")
    result = piped("scan", "add", "P1", "--date", SCAN_DAY, "--cl", "19.5")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert FLAG_TEXT not in result.stdout  # broken across lines
    _no_trailing_spaces(result.stdout)


def test_patient_show_chart_key_is_one_line_when_piped(piped: Cli) -> None:
    """`patient show`'s chart key and every other line: whole, none ending in a space."""
    assert piped("scan", "add", "P1", "--date", SCAN_DAY, "--cl", "19.5").exit_code == 0
    result = piped("patient", "show", "P1")
    assert result.exit_code == 0, result.output
    key = next(line for line in result.stdout.splitlines() if line.startswith("o transvaginal"))
    assert "treatment window" in key
    _no_trailing_spaces(result.stdout)


@pytest.mark.parametrize("columns", [None, "80"])
def test_listing_has_no_trailing_spaces(
    piped: Cli, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    """A table's padded last column is written without its trailing spaces."""
    if columns is not None:
        monkeypatch.setenv("COLUMNS", columns)
    assert piped("scan", "add", "P1", "--date", SCAN_DAY, "--cl", "19.5").exit_code == 0
    for args in (("patient", "list"), ("scan", "list", "P1")):
        result = piped(*args)
        assert result.exit_code == 0, result.output
        assert "P1" in result.stdout
        _no_trailing_spaces(result.stdout)
