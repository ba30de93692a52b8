"""The listing layout: folding columns keep their longest word; paths break after a `/`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from cervix_watch.report.cells import FoldingText, fold_offsets, listing_table

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
    own layout leaves it one short), while the columns kept whole stay whole."""
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
