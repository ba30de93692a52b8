"""Terminal tables that read at 80 columns: what may break, and where.

Every listing (`scan list`, `due`, `patient show`, `config show`, ...) is laid out
here. A column either keeps its cells whole (identifiers, dates, GA, numbers, a CL
series, rule ids: `no_wrap`) or folds them as a reader expects: between words, and a
word too long for the column (a file path) after a `/`. Only a word with no `/` that
is wider than the whole column is folded mid-word, as the last resort.

The widths are measured once, from the plain strings (`column_widths`), and handed
to rich's `Table` as fixed column widths (its public `Column.width`), so rich never
measures a cell. A listing taller than a screen or two is not given to rich at all:
`Listing.lines` writes its rows as lines of the same layout, as they are needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rich import box
from rich.cells import cell_len
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import (
        Console,
        ConsoleOptions,
        JustifyMethod,
        OverflowMethod,
        RenderableType,
        RenderResult,
    )
    from rich.containers import Lines

_WORD = re.compile(r"\S+")
_AFTER_SLASH = re.compile(r"(?<=/)")
GAP = 2  # between two columns: the cell's right padding and the (blank) divider
TAB_SIZE = 8  # as rich expands a tab in a cell


def path_pieces(word: str) -> list[str]:
    """`/a/bc/d.csv` as the pieces a line may end after: `/`, `a/`, `bc/`, `d.csv`."""
    return [piece for piece in _AFTER_SLASH.split(word) if piece]


def fold_offsets(text: str, width: int) -> list[int]:
    """Where `text` gets a line break: after a `/` in each word wider than `width`."""
    offsets = []
    for word in _WORD.finditer(text):
        if cell_len(word.group()) <= width or "/" not in word.group():
            continue
        at, line = word.start(), ""
        for piece in path_pieces(word.group()):
            if line and cell_len(line + piece) > width:
                offsets.append(at)
                line = ""
            line += piece
            at += len(piece)
    return offsets


class FoldingText(Text):
    """Text that wraps between words and breaks a too-long path after a `/`, not mid-name.

    Used as a table cell or inside a `Group` (`Console.print` merges bare texts into a
    plain `Text`)."""

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        offsets = fold_offsets(self.plain, width)
        text: Text = self
        if offsets:  # the same spans and styles, with a newline after each chosen `/`
            text = Text("\n", style=self.style, end=self.end).join(self.divide(offsets))
        return Text.wrap(
            text,
            console,
            width,
            justify=justify,
            overflow=overflow,
            tab_size=tab_size,
            no_wrap=no_wrap,
        )

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = super().__rich_measure__(console, options)
        narrowest = longest_piece(self.plain)
        return Measurement(min(narrowest or widest.minimum, widest.minimum), widest.maximum)


def longest_piece(text: str) -> int:
    """The widest piece a folding cell keeps whole: a word, or a path's piece after `/`."""
    return max((cell_len(p) for word in text.split() for p in path_pieces(word)), default=0)


def widest_line(text: str) -> int:
    return max(map(cell_len, text.split("\n"))) if "\n" in text else cell_len(text)


def column_widths(natural: Sequence[int], least: Sequence[int], room: int) -> list[int]:
    """Each column's width (cells only) when the columns share `room` cells.

    `natural` is each column's widest line, `least` the narrowest it may be without
    cutting a word (for a column that never folds: its natural width). When they do
    not all fit, the columns that never fold keep their width, each folding column
    gets its longest word (a path: its longest piece), and what is left is shared in
    proportion to what each still needs. Only when even that does not fit are the
    widest columns narrowed further, one cell at a time (words are then folded
    mid-word, as the last resort)."""
    if sum(natural) <= room:
        return list(natural)
    floor = sum(least)
    wanted = sum(natural) - floor
    spare = room - floor
    if spare >= 0:
        exact = [
            low + (high - low) * spare / wanted for high, low in zip(natural, least, strict=True)
        ]
        widths = [int(width) for width in exact]
        # the cells lost to rounding down go to the columns that lost the most
        by_loss = sorted(range(len(exact)), key=lambda i: widths[i] - exact[i])
        for i in by_loss[: room - sum(widths)]:
            widths[i] += 1
        return widths
    widths = list(least)
    while sum(widths) > room and max(widths) > 1:
        widths[widths.index(max(widths))] -= 1
    return widths


@runtime_checkable
class Tall(Protocol):
    """A renderable that can also be written piece by piece: the strings (lines, each
    ending in a newline) as they are, the renderables through rich, in turn; together
    what `Console.print` prints at `width`. `styled`: the pieces keep every style rich
    would print (else they are for a console without colour: a file or a pipe). Its
    text is escaped as it enters (the strings are written as they are)."""

    row_count: int
    styled: bool

    def pieces(self, console: Console, width: int) -> Iterator[RenderableType | str]: ...


@dataclass(frozen=True)
class Heading:
    """A listing column: its heading, and whether its cells fold (free text)."""

    text: str
    folds: bool


class Listing:
    """A listing of plain-text cells (never markup), laid out at the width it is given.

    Rules under the header only; identifiers, dates and numbers never break, free
    text folds between words and paths after a `/`. As a renderable it is rich's
    `Table` with the measured widths; `lines` is the same layout as text lines, for
    listings too tall to hand to rich."""

    styled = True  # the cells have no style; the head is printed by rich

    def __init__(
        self,
        title: str | Text | None,
        columns: Sequence[Heading],
        records: Iterable[Sequence[str | None]],
    ) -> None:
        self.title = Text(title, style="table.title") if isinstance(title, str) else title
        self.columns = list(columns)
        # A tab is spaced out as rich spaces it in a cell, so a width counts what is shown.
        self.rows = [
            ["" if v is None else v.expandtabs(TAB_SIZE) if "\t" in v else v for v in record]
            for record in records
        ]
        # measured once, from the plain strings: the widest line of each column, and how
        # narrow it may be (a folding column: its longest word or path piece)
        self.natural: list[int] = []
        self.least: list[int] = []
        for i, column in enumerate(self.columns):
            cells = [column.text, *(row[i] for row in self.rows)]
            self.natural.append(max(map(widest_line, cells)))
            self.least.append(max(map(longest_piece, cells)) if column.folds else self.natural[i])

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def pieces(self, console: Console, width: int) -> Iterator[RenderableType | str]:
        """The head (title, header, rule) through rich, then the rows as lines."""
        widths = self.widths(width)
        yield self.table(widths, with_rows=False)
        yield from self.lines(console, widths)

    def widths(self, max_width: int) -> list[int]:
        """The cells' width of each column in a table at most `max_width` wide."""
        room = max(len(self.columns), max_width - GAP * (len(self.columns) - 1))
        return column_widths(self.natural, self.least, room)

    def table(self, widths: Sequence[int], with_rows: bool = True) -> Table:
        """Rich's table of this listing with these widths (the rows left out: the head)."""
        grid = Table(
            title=self.title,
            title_justify="left",
            header_style="bold",
            expand=False,
            box=box.SIMPLE_HEAD,
            show_edge=False,  # no blank border column either side: two more for the cells
            pad_edge=False,
            collapse_padding=True,
        )
        for column, width in zip(self.columns, widths, strict=True):
            grid.add_column(column.text, no_wrap=not column.folds, overflow="fold", width=width)
        if with_rows:
            for row in self.rows:
                grid.add_row(*map(FoldingText, row))
        return grid

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(self.widths(options.max_width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        gaps = GAP * (len(self.columns) - 1)
        narrowest, widest = sum(self.least) + gaps, sum(self.natural) + gaps
        return Measurement(narrowest, widest).with_maximum(options.max_width)

    def lines(self, console: Console, widths: Sequence[int]) -> Iterator[str]:
        """The rows as `Table` lays them out at these widths, each line ending in a newline.

        A cell that fits its column is padded as it is; one that does not (or that has
        a newline) is wrapped by `FoldingText`, as the table wraps it."""
        last = len(widths) - 1
        folds = [c.folds for c in self.columns]
        for row in self.rows:
            fits = zip(row, widths, strict=True)
            if all(cell_len(cell) <= w and "\n" not in cell for cell, w in fits):
                yield _joined([[cell] for cell in row], widths, last)
                continue
            cells = [
                _wrapped(console, cell, width, fold)
                for cell, width, fold in zip(row, widths, folds, strict=True)
            ]
            yield _joined(cells, widths, last)


def _wrapped(console: Console, cell: str, width: int, folds: bool) -> list[str]:
    if cell_len(cell) <= width and "\n" not in cell:
        return [cell]
    lines = FoldingText(cell).wrap(console, width, overflow="fold", no_wrap=not folds)
    return [line.plain for line in lines]


def _joined(cells: Sequence[Sequence[str]], widths: Sequence[int], last: int) -> str:
    """One row's lines: each cell padded to its column, two spaces between columns."""
    height = max(map(len, cells))
    out = []
    for n in range(height):
        parts = []
        for i, (lines, width) in enumerate(zip(cells, widths, strict=True)):
            text = lines[n] if n < len(lines) else ""
            parts.append(text + " " * (width - cell_len(text)))
            if i != last:
                parts.append(" " * GAP)
        out.append("".join(parts))
    return "\n".join(out) + "\n"


def listing_table(
    title: str | Text | None,
    columns: Sequence[tuple[str, bool]],
    records: Iterable[Sequence[str | None]],
) -> Listing:
    """A listing: rules under the header only; `(heading, folds)` per column.

    A column that does not fold keeps every cell on one line (`no_wrap`); one that
    folds breaks between words and paths after a `/` (`FoldingText`). Cells are plain
    text, never markup."""
    return Listing(title, [Heading(text, folds) for text, folds in columns], records)
