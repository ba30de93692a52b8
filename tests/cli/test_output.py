"""The output layer: consoles made per invocation, listings streamed as rich lays them out,
and text escaped where it enters a renderable."""

from __future__ import annotations

import pytest

from cervix_watch.console import output
from cervix_watch.console.output import Column, Format

COLUMNS = [
    Column("mrn", "MRN"),
    Column("name", "Name", wrap=True),
    Column("date", "Date"),
    Column("cl_mm", "CL mm"),
    Column("ga_days", "GA days", in_table=False),
    Column("notes", "Notes", wrap=True),
]
NOTES = [
    "",
    "posterior lip hard to see, measured three times",
    "import from /srv/clinic-exports/2026/november/cervical-length-scans.csv",
    "two\nlines",
    "tab\there",
    "中文 notes",
]


def _rows(count: int) -> list[list[object]]:
    return [
        [
            f"H{i:06d}",
            "Philippa Montgomery" if i % 3 else None,
            f"2026-11-{i % 28 + 1:02d}",
            [21.0 + i % 5, 21.5],
            140 + i,
            NOTES[i % len(NOTES)],
        ]
        for i in range(count)
    ]


def _listing(
    capsys: pytest.CaptureFixture[str], rows: list[list[object]], screens: int, width: int
) -> str:
    output.set_width(width)
    saved = output.SCREENS_FOR_RICH
    output.SCREENS_FOR_RICH = screens
    try:
        output.listing(Format.TABLE, COLUMNS, rows, title="Scans [all]", envelope={}, items="x")
    finally:
        output.SCREENS_FOR_RICH = saved
        output.set_width(None)
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [80, 60, 250])
def test_a_streamed_listing_reads_as_rich_prints_it(
    capsys: pytest.CaptureFixture[str], width: int
) -> None:
    """Streamed line by line, a listing is character for character the table rich prints
    (title, header, rule, wrapped and folded cells, padding), at 80, 60 and 250 columns."""
    rows = _rows(60)
    by_rich = _listing(capsys, rows, screens=10**6, width=width)
    streamed = _listing(capsys, rows, screens=0, width=width)
    assert streamed == by_rich
    assert "Scans [all]" in streamed  # the title is text, never markup
    assert max(len(line) for line in streamed.splitlines()) <= width


def test_only_a_listing_taller_than_two_screens_is_streamed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to two screens of rows go to rich's Table; more are written as lines."""
    from cervix_watch.report.cells import Listing

    streamed: list[int] = []
    real = Listing.lines
    monkeypatch.setattr(Listing, "lines", lambda self, *a: streamed.append(1) or real(self, *a))
    monkeypatch.setenv("LINES", "20")
    _listing(capsys, _rows(40), screens=2, width=80)
    assert streamed == []
    _listing(capsys, _rows(41), screens=2, width=80)
    assert streamed == [1]


def test_streamed_rows_escape_control_and_format_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A cell holding an escape sequence or a bidi override is printed escaped, and laid
    out escaped: no line is wider than the terminal."""
    rows = _rows(200)
    rows[7][1] = "Eve\x1b[2J \x07"
    rows[8][5] = "note \u202eevil\u202c end"
    text = _listing(capsys, rows, screens=0, width=80)
    assert "Eve\\x1b[2J" in text
    assert "\\x07" in text
    assert "\\u202eevil\\u202c" in text
    assert not any(c in text for c in "\x1b\x07\u202e\u202c")
    assert max(len(line) for line in text.splitlines()) <= 80


def test_text_not_escaped_on_entry_is_escaped_when_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Any text a console prints has its control characters escaped (the render hook)."""
    output.set_width(None)
    output.line("\u202eflipped and \x1b[31mred")
    assert capsys.readouterr().out == "\\u202eflipped and \\x1b[31mred\n"


def test_each_invocation_makes_its_consoles_at_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """`set_width` starts an invocation: the width it gives, else $COLUMNS when the console
    is made, not the value of an earlier invocation."""
    output.set_width(50)
    assert output.width() == 50
    monkeypatch.setenv("COLUMNS", "70")
    output.set_width(None)
    assert output.width() == 70
    monkeypatch.setenv("COLUMNS", "90")
    output.set_width(None)
    assert output.width() == 90
