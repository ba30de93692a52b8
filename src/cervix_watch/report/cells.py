"""Terminal tables that read at 80 columns: what may break, and where.

Every listing (`scan list`, `due`, `patient show`, `config show`, ...) is laid out
here. A column either keeps its cells whole (identifiers, dates, GA, numbers, a CL
series, rule ids: `no_wrap`) or folds them as a reader expects: between words, and a
word too long for the column (a file path) after a `/`. Only a word with no `/` that
is wider than the whole column is folded mid-word, as the last resort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod
    from rich.containers import Lines

_WORD = re.compile(r"\S+")
_AFTER_SLASH = re.compile(r"(?<=/)")


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
        pieces = [p for word in self.plain.split() for p in path_pieces(word)]
        narrowest = max((cell_len(p) for p in pieces), default=widest.minimum)
        return Measurement(min(narrowest, widest.minimum), widest.maximum)


class FittingTable(Table):
    """A table whose folding columns are never made narrower than their longest word.

    Rich shrinks the widest folding columns first, down to any width, so a column of
    names can be left four characters wide while a wide one keeps room to spare. Here,
    when the table must shrink, the columns that never fold keep their width, each
    folding column gets its longest word (a path: its longest piece), and what is left
    is shared in proportion to what each still needs. Only when even that does not fit
    is rich's own layout (which then folds mid-word) kept."""

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        widths: list[int] = super()._calculate_column_widths(console, options)
        ranges = [self._measure_column(console, options, c) for c in self.columns]
        folds = [not c.no_wrap and c.width is None for c in self.columns]
        if all(w >= r.minimum for w, r, f in zip(widths, ranges, folds, strict=True) if f):
            return widths
        fixed = sum(r.maximum for r, f in zip(ranges, folds, strict=True) if not f)
        floor = sum(r.minimum for r, f in zip(ranges, folds, strict=True) if f)
        wanted = sum(r.maximum - r.minimum for r, f in zip(ranges, folds, strict=True) if f)
        spare = options.max_width - fixed - floor
        if spare < 0:
            return widths
        share = min(1.0, spare / wanted) if wanted else 0.0
        return [
            r.minimum + int((r.maximum - r.minimum) * share) if f else r.maximum
            for r, f in zip(ranges, folds, strict=True)
        ]


def listing_table(
    title: str | Text | None,
    columns: Sequence[tuple[str, bool]],
    records: Iterable[Sequence[str | None]],
) -> Table:
    """A listing: rules under the header only; `(heading, folds)` per column.

    A column that does not fold keeps every cell on one line (`no_wrap`); one that
    folds breaks between words and paths after a `/` (`FoldingText`). Cells are plain
    text, never markup."""
    grid = FittingTable(
        title=title,
        title_justify="left",
        header_style="bold",
        expand=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,  # no blank border column either side: two more for the cells
        pad_edge=False,
        collapse_padding=True,
    )
    for heading, folds in columns:
        grid.add_column(heading, no_wrap=not folds, overflow="fold")
    for record in records:
        grid.add_row(*(FoldingText("" if v is None else v) for v in record))
    return grid
