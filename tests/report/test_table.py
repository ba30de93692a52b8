"""The review for the terminal: a review written piece by piece (a whole clinic to a file
or a pipe) reads exactly as rich prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cervix_watch.console import output
from tests.conftest import Cli
from tests.report.conftest import AS_OF, GOLDEN, add_patient


def _review(cli: Cli, monkeypatch: pytest.MonkeyPatch, screens: int, *args: str) -> str:
    monkeypatch.setattr(output, "SCREENS_FOR_RICH", screens)
    result = cli("review", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_a_streamed_review_is_the_golden_table(
    loaded: Cli, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """Written as lines (as a tall review to a pipe is), the review at 80 columns is the
    golden table rich prints, character for character."""
    streamed = _review(loaded, monkeypatch, 0, "--profile", profile)
    golden = (GOLDEN / f"{profile}-review-table.txt").read_text(encoding="utf-8")
    assert streamed == golden


@pytest.mark.parametrize("columns", ["120", "45", "30"])
def test_streamed_and_rich_reviews_match_at_any_width(
    loaded: Cli, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """Wide, narrow, and narrower than the streamed layout allows (rich's own then): the
    same text either way; a long name folds in its column, a control character in it is
    escaped."""
    add_patient(loaded, "W001", "Philippa Montgomery-Featherstonehaugh \x1b[2J")
    monkeypatch.setenv("COLUMNS", columns)
    by_rich = _review(loaded, monkeypatch, 10**6)
    streamed = _review(loaded, monkeypatch, 0)
    assert streamed == by_rich
    assert "\x1b" not in streamed
    assert "\\x1b[2J" in streamed


def test_only_a_review_taller_than_two_screens_goes_line_by_line(
    loaded: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to two screens of patients go to rich; more are written piece by piece."""
    from cervix_watch.report.table import ReviewView

    pieces: list[int] = []
    real = ReviewView.pieces
    monkeypatch.setattr(ReviewView, "pieces", lambda *a: pieces.append(1) or real(*a))
    monkeypatch.setenv("LINES", "1000")
    _review(loaded, monkeypatch, 2)
    assert pieces == []
    monkeypatch.setenv("LINES", "2")
    assert _review(loaded, monkeypatch, 2).startswith("Weekly review as of")
    assert pieces == [1]


def test_a_tall_review_to_a_file_is_written_line_by_line_as_printed(
    loaded: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--format table --out FILE` of a review written piece by piece holds the golden
    table, without colour, in a new owner-only file."""
    monkeypatch.setattr(output, "SCREENS_FOR_RICH", 0)
    monkeypatch.setenv("FORCE_COLOR", "1")  # a file gets no colour codes all the same
    out = tmp_path / "review.txt"
    result = loaded("review", "--as-of", AS_OF, "--format", "table", "--out", str(out))
    assert result.exit_code == 0, result.output
    golden = (GOLDEN / "acog-smfm-review-table.txt").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == golden
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("columns", ["120", "80", "52", "45", "30"])
def test_a_colour_review_written_as_lines_is_what_rich_prints(
    loaded: Cli, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """At a colour terminal (FORCE_COLOR) the review written as lines has rich's colour
    codes, byte for byte, at any width (a long name folded, a control character escaped)."""
    add_patient(loaded, "W001", "Philippa Montgomery-Featherstonehaugh \x1b[2J\tTab")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("COLUMNS", columns)
    by_rich = _review(loaded, monkeypatch, 10**6)
    streamed = _review(loaded, monkeypatch, 0)
    assert streamed == by_rich
    assert "\x1b[1;37;41mURGENT" in streamed
