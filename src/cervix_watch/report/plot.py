"""The terminal CL chart of `patient show`, drawn by plotext into a string.

Colourless and of a fixed size (at most 80 columns), so it reads the same in a
pipe, a log or a golden file. Transvaginal scans are `o`, other routes `x`;
the profile's CL thresholds are horizontal lines labelled on the y axis, the
treatment window's ends are vertical lines; reported symptoms are `!` (urgent)
or `?` (watch only) on the top row, ruptured membranes `R` just below it.
"""

from __future__ import annotations

import plotext

from cervix_watch.report.chart import ChartData

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
    """The chart as plain text lines; `width` is capped at 80 columns."""
    figure = plotext.figure
    figure.clear()
    # the size is ours, not the terminal's: a pipe or a short window must not squash the rows
    plotext.terminal.limit(width=False, height=False)
    figure.plot_size(min(width, 80), height)
    figure.theme("colorless")
    figure.legend(active=False)
    _draw_points(figure, data, height)
    _draw_events(figure, data, height)
    for line in data.thresholds:
        figure.line(line.cl_mm, orientation="horizontal", style="dotted")
    if data.window is not None:
        figure.line(data.window.start_ga_days / 7, orientation="vertical")
        figure.line(data.window.end_ga_days / 7, orientation="vertical")
    ga_from, ga_to = data.ga_range
    figure.ruler("x").lim(ga_from / 7, ga_to / 7).ticks(_week_ticks(ga_from, ga_to))
    y_ticks = sorted({0.0, data.cl_top_mm, *(line.cl_mm for line in data.thresholds)})
    figure.ruler("y").lim(0, data.cl_top_mm).ticks(y_ticks, [f"{v:g}" for v in y_ticks])
    figure.label("GA (weeks)", axis="x")
    figure.label("CL mm", axis="y")
    text: str = figure.build().string(colorless=True)
    figure.clear()
    return "\n".join(row.rstrip() for row in text.splitlines())


def _draw_points(figure: object, data: ChartData, height: int) -> None:
    step = row_step_mm(data.cl_top_mm, height)
    thresholds = [line.cl_mm for line in data.thresholds]
    shown = {id(p): drawn_cl(p.cl_mm, thresholds, step) for p in data.points}
    for transvaginal, marker in ((True, TV_MARKER), (False, OTHER_MARKER)):
        points = [p for p in data.points if p.transvaginal is transvaginal]
        if points:
            signal = figure.signal(  # type: ignore[attr-defined]
                [p.ga_days / 7 for p in points], [shown[id(p)] for p in points], marker=marker
            )
            figure.draw(signal)  # type: ignore[attr-defined]
    # a text row is ~3 mm high: the value just right of each point says exactly what it is
    ga_from, ga_to = data.ga_range
    one_cell_weeks = (ga_to - ga_from) / 7 / CHART_WIDTH * 1.5
    for point in data.points:
        label = figure.text(  # type: ignore[attr-defined]
            point.ga_days / 7 + one_cell_weeks, shown[id(point)], f"{point.cl_mm:.1f}"
        )
        figure.draw(label)  # type: ignore[attr-defined]


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
