"""The listing layout: folding columns keep their longest word; paths break after a `/`."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, Group
from rich.text import Text

from cervix_watch.report.cells import FoldingText, column_widths, fold_offsets, listing_table

PATH = "import from /srv/clinic-exports/2026/november/cervical-length-scans.csv"


def _render(renderable: object, width: int) -> list[str]:
    console = Console(width=width, color_system=None, record=True)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_a_long_path_breaks_after_a_slash_and_keeps_its_style() -> None:
    """At 30 columns the path's lines end after a `/` (never mid-name) and the bold span
    on `import` is still bold."""
    text = FoldingText(PATH)
    text.stylize("bold", 0, len("import"))
    lines = _render(Group(text), 30)  # as in a table or a report (print joins bare texts)
    assert lines == [
        "import from",
        "/srv/clinic-exports/2026/",
        "november/",
        "cervical-length-scans.csv",
    ]
    console = Console(width=30, color_system="standard", force_terminal=True)
    with console.capture() as captured:
        console.print(Group(text))
    assert "\x1b[1mimport\x1b[0m" in captured.get()


def test_only_words_wider_than_the_line_break() -> None:
    """A path that fits is left whole; a word without `/` is never given a break here."""
    assert fold_offsets(PATH, 80) == []
    assert fold_offsets("a-very-long-word-without-any-slash", 10) == []
    assert fold_offsets("x /ab/cd/ef", 6) == [6]  # "x /ab/", then "cd/ef"


def test_a_folding_column_keeps_its_longest_word() -> None:
    """Squeezed to 50 columns, a table's name column is as wide as "Montgomery" (rich's
    own layout would leave it one short), while the columns kept whole stay whole."""
    columns = [("Date", False), ("CL mm", False), ("By", True), ("Notes", True)]
    rows = [["2026-11-19", "21.0 21.5 22.0", "Philippa Montgomery", "posterior lip hard to see"]]
    lines = _render(listing_table(None, columns, rows), 50)
    assert max(len(line) for line in lines) <= 50
    words = " ".join(lines).split()
    for whole in ("2026-11-19", "21.0", "21.5", "22.0", "Montgomery", "posterior"):
        assert whole in words, lines


def test_cells_are_never_markup() -> None:
    """A cell `[bold]x[/bold]` prints as typed."""
    lines = _render(listing_table(None, [("Notes", True)], [["[bold]x[/bold]"]]), 40)
    assert "[bold]x[/bold]" in lines[-1]
    assert isinstance(FoldingText("a"), Text)


def test_widths_come_from_the_plain_strings() -> None:
    """What fits keeps its widest line; squeezed, the columns kept whole keep their width,
    each folding column its longest word, and the rest is shared by what each still needs;
    only below that are the widest columns narrowed (the last resort)."""
    natural, least = [10, 30, 20], [10, 8, 4]
    assert column_widths(natural, least, 60) == natural
    assert column_widths(natural, least, 59) == [10, 29, 20]  # 37 of the 38 wanted
    assert column_widths(natural, least, 32) == [10, 14, 8]  # 10 of the 38 wanted
    assert column_widths(natural, least, 22) == [10, 8, 4]
    narrow = column_widths(natural, least, 18)
    assert sum(narrow) == 18
    assert narrow == [7, 7, 4]


def test_rich_is_given_the_widths_and_measures_no_cell() -> None:
    """The table handed to rich has every column's width fixed (rich's public
    `Column.width`), as measured from the strings."""
    listing = listing_table(None, [("MRN", False), ("Notes", True)], [["H1", "a few words"]])
    table = listing.table(listing.widths(80))
    assert [c.width for c in table.columns] == [3, 11]
    assert listing.widths(10) == [3, 5]


@pytest.mark.parametrize("width", [120, 60, 40, 25])
def test_lines_are_the_table_rich_prints(width: int) -> None:
    """`Listing.lines` after the table's head is exactly what rich prints for the whole
    table: wide characters, tabs, newlines, folded paths and the last resort included."""
    columns = [("MRN", False), ("Name", True), ("Date", False), ("Notes", True)]
    rows = [
        ["H1", "Ann Example", "2026-11-02", "posterior lip " + PATH.rsplit(maxsplit=1)[-1]],
        ["H22", "Philippa Montgomery-Smythe", "2026-10-01", None],
        ["H3\tx", "é中文", "2026-10-01", "two\nlines"],
    ]
    for title in ("Patients (3)", None):
        listing = listing_table(title, columns, rows)
        by_rich = _plain(listing, width)
        console = Console(width=width, color_system=None, file=io.StringIO())
        widths = listing.widths(width)
        console.print(listing.table(widths, with_rows=False))
        streamed = console.file.getvalue() + "".join(listing.lines(console, widths))
        assert streamed == by_rich


def _plain(renderable: object, width: int) -> str:
    console = Console(width=width, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.file.getvalue()
