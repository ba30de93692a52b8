"""The terminal CL chart of `patient show`, drawn by plotext into a string.

Colourless and of a fixed size (at most 80 columns), so it reads the same in a
pipe, a log or a golden file. Transvaginal scans are `o`, other routes `x`;
the profile's CL thresholds are horizontal lines labelled on the y axis, the
treatment window's ends are vertical lines; reported symptoms are `!` (urgent)
or `?` (watch only) on the top row, ruptured membranes `R` just below it. Each
value is written beside its marker, or listed under the chart when points crowd
(report/chartlabels.py).
"""

from __future__ import annotations

import plotext

from cervix_watch.domain.ga import format_ga
from cervix_watch.report.chart import ChartData, ScanPoint
from cervix_watch.report.chartlabels import Cell, place_label, plot_area

CHART_WIDTH = 78
# 21 plot rows: 0-50 mm at 2.5 mm a row, so the 20, 25 and 30 mm lines fall on rows of
# their own with free rows between them (see drawn_cl)
CHART_HEIGHT = 25
TV_MARKER = "o"
OTHER_MARKER = "x"
# along the top row: reported symptoms and ruptured membranes (P-PROM)
URGENT_MARKER = "!"
WATCH_MARKER = "?"
RUPTURED_MARKER = "R"


def terminal_chart(data: ChartData, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> str:
    """The chart as plain text lines; `width` is capped at 80 columns.

    Each point's value is written beside its marker where it fits without touching
    another marker or label (report/chartlabels.py); the points that get no label are
    listed under the chart, so every plotted value is printed once.
    """
    grid, cells = _drawn_grid(data, width, height)
    area = plot_area(grid)
    unlabelled = []
    # the newest scan first: when two labels compete, the latest value is the one shown
    for index in sorted(range(len(data.points)), key=lambda i: data.points[i].on, reverse=True):
        point, cell = data.points[index], cells.get(index)
        if cell is None or not place_label(grid, area, cell, f"{point.cl_mm:.1f}"):
            unlabelled.append(point)
    lines = ["".join(row).rstrip() for row in grid]
    if unlabelled:
        lines += ["Not labelled above (too close to another point):"]
        lines += [_point_words(p) for p in sorted(unlabelled, key=lambda p: (p.on, p.cl_mm))]
    return "\n".join(lines)


def _point_words(point: ScanPoint) -> str:
    marker = TV_MARKER if point.transvaginal else OTHER_MARKER
    on = f"{point.on.isoformat()} at {format_ga(point.ga_days)}"
    return f"  {marker} {point.cl_mm:.1f} mm on {on}"


def _drawn_grid(
    data: ChartData, width: int, height: int
) -> tuple[list[list[str]], dict[int, Cell]]:
    """The chart drawn by plotext as a grid of characters, and where each point's marker is.

    Each point is drawn with a marker character of its own (from the Unicode private use
    area) and found again in the text; a point whose marker another covers has no cell.
    """
    figure = plotext.figure
    figure.clear()
    # the size is ours, not the terminal's: a pipe or a short window must not squash the rows
    plotext.terminal.limit(width=False, height=False)
    figure.plot_size(min(width, 80), height)
    figure.theme("colorless")
    figure.legend(active=False)
    _draw_events(figure, data, height)
    for line in data.thresholds:
        figure.line(line.cl_mm, orientation="horizontal", style="dotted")
    if data.window is not None:
        figure.line(data.window.start_ga_days / 7, orientation="vertical")
        figure.line(data.window.end_ga_days / 7, orientation="vertical")
    _draw_points(figure, data, height)
    ga_from, ga_to = data.ga_range
    figure.ruler("x").lim(ga_from / 7, ga_to / 7).ticks(_week_ticks(ga_from, ga_to))
    y_ticks = sorted({0.0, data.cl_top_mm, *(line.cl_mm for line in data.thresholds)})
    figure.ruler("y").lim(0, data.cl_top_mm).ticks(y_ticks, [f"{v:g}" for v in y_ticks])
    figure.label("GA (weeks)", axis="x")
    figure.label("CL mm", axis="y")
    text: str = figure.build().string(colorless=True)
    figure.clear()
    rows = text.splitlines()
    grid = [list(row.ljust(max(map(len, rows)))) for row in rows]
    cells: dict[int, Cell] = {}
    for r, row in enumerate(grid):
        for c, char in enumerate(row):
            index = ord(char) - _FIRST_POINT_MARKER
            if 0 <= index < len(data.points):
                cells[index] = Cell(r, c)
                row[c] = TV_MARKER if data.points[index].transvaginal else OTHER_MARKER
    return grid, cells


# one private-use character per point, so the drawn text says where each point went
_FIRST_POINT_MARKER = 0xE000


def _draw_points(figure: object, data: ChartData, height: int) -> None:
    step = row_step_mm(data.cl_top_mm, height)
    thresholds = [line.cl_mm for line in data.thresholds]
    for index, point in enumerate(data.points):
        signal = figure.signal(  # type: ignore[attr-defined]
            [point.ga_days / 7],
            [drawn_cl(point.cl_mm, thresholds, step)],
            marker=chr(_FIRST_POINT_MARKER + index),
        )
        figure.draw(signal)  # type: ignore[attr-defined]


def _draw_events(figure: object, data: ChartData, height: int) -> None:
    """Symptoms (! urgent, ? watch only) on the top row, ruptured membranes (R) one below."""
    top = data.cl_top_mm
    below = top - row_step_mm(top, height)
    marks = [(m.ga_days, top, URGENT_MARKER if m.urgent else WATCH_MARKER) for m in data.symptoms]
    marks += [(m.ga_days, below, RUPTURED_MARKER) for m in data.ruptured]
    for ga_days, row_mm, marker in marks:
        text = figure.text(ga_days / 7, row_mm, marker)  # type: ignore[attr-defined]
        figure.draw(text)  # type: ignore[attr-defined]


def row_step_mm(cl_top_mm: float, height: int) -> float:
    """Millimetres per text row.

    Of the figure's `height` rows, four are frame, ticks and labels; plotext spreads 0..top
    over the rest, both ends on a row (tests/report/test_chart.py checks this against the
    drawn text).
    """
    return cl_top_mm / (height - 5)


def _row(cl_mm: float, step: float) -> int:
    """The row (from the bottom) plotext draws a value on: the nearest one, halves upward."""
    return int(cl_mm / step + 0.5)


def drawn_cl(cl_mm: float, thresholds: list[float], step: float) -> float:
    """Where to draw a CL so that it is on its correct side of every threshold line.

    A row is ~3 mm high, so 24.2 mm would share the 25 mm line's row and read as "at the
    threshold". A value that would share a line's row is drawn one row below (shorter) or
    above (longer) it; a value equal to the threshold stays on the line. The label beside
    the point always prints the true value.
    """
    for threshold in thresholds:
        line_row = _row(threshold, step)
        if cl_mm < threshold and _row(cl_mm, step) >= line_row:
            return (line_row - 1) * step
        if cl_mm > threshold and _row(cl_mm, step) <= line_row:
            return (line_row + 1) * step
    return cl_mm


def _week_ticks(ga_from: int, ga_to: int) -> list[int]:
    first = -(-ga_from // 7)
    return [week for week in range(first, ga_to // 7 + 1) if week % 2 == 0]


def chart_key(data: ChartData) -> str:
    """The words under the chart: markers, lines and window."""
    lines = ", ".join(line.label for line in data.thresholds)
    key = f"{TV_MARKER} transvaginal  {OTHER_MARKER} other route  ... CL lines {lines}"
    if data.window is not None:
        key += f"  | {data.window.label}"
    events = []
    if any(m.urgent for m in data.symptoms):
        events.append(f"{URGENT_MARKER} urgent symptom")
    if any(not m.urgent for m in data.symptoms):
        events.append(f"{WATCH_MARKER} watch symptom")
    if data.ruptured:
        events.append(f"{RUPTURED_MARKER} membranes ruptured")
    if events:
        key += "  | " + "  ".join(events)
    return key
