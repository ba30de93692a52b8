"""Value labels of the terminal chart, placed so that they cannot be misread.

A terminal cell is about half a week wide and 2.5 mm high, so two scans a day
apart share a cell or sit side by side. A label written blindly next to its
marker then runs into the next marker or label and reads as another number
(`o118.9`: the marker, a marker drawn over the label's first digit, then the
label). Here a label is written only where it and the blank cell on each side
of it are free, to the right of its marker or else to its left; a point that
gets no label (or whose marker another point covers) is listed under the
chart instead, so every plotted value is printed once, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# what a label may be written over: blank plot area and the lines drawn across it
FREE_CELLS = frozenset(" ┈│┼─")


@dataclass(frozen=True, slots=True)
class Cell:
    """A marker's place in the drawn text: row from the top, column from the left."""

    row: int
    column: int


@dataclass(frozen=True, slots=True)
class PlotArea:
    """The inside of the chart frame, in text rows and columns (both ends inclusive)."""

    top: int
    bottom: int
    left: int
    right: int

    def holds(self, row: int, column: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= column <= self.right


def plot_area(grid: Sequence[Sequence[str]]) -> PlotArea:
    """The cells inside the frame plotext draws (`┌...┐` on top, `└...┘` at the foot)."""
    top = next(i for i, row in enumerate(grid) if "┌" in row)
    bottom = next(i for i, row in enumerate(grid) if "└" in row)
    left, right = grid[top].index("┌"), len(grid[top]) - 1 - grid[top][::-1].index("┐")
    return PlotArea(top + 1, bottom - 1, left + 1, right - 1)


def place_label(grid: list[list[str]], area: PlotArea, cell: Cell, label: str) -> bool:
    """Write `label` one blank cell right of the marker, else left of it; False if neither fits."""
    right_start = cell.column + 2
    left_start = cell.column - 1 - len(label)
    for start in (right_start, left_start):
        if _fits(grid, area, cell.row, start, len(label)):
            grid[cell.row][start : start + len(label)] = list(label)
            return True
    return False


def _fits(grid: list[list[str]], area: PlotArea, row: int, start: int, length: int) -> bool:
    """The label's cells are free and inside the frame, and so is one cell either side."""
    if not (area.holds(row, start) and area.holds(row, start + length - 1)):
        return False
    cells = range(start - 1, start + length + 1)
    return all(grid[row][c] in FREE_CELLS or not area.holds(row, c) for c in cells)
