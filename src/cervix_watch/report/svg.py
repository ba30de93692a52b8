"""An inline SVG chart of CL (mm, y) against GA (weeks, x) for the HTML report.

Drawn from `chart.ChartData`: the profile's CL lines and treatment window, the
patient's scans (transvaginal as filled circles, other routes as open squares:
shape, not colour, tells them apart), treatments as bars along the bottom,
exams as marked vertical lines, reported symptoms as diamonds along the top
(filled: urgent, open: watch symptoms only) and ruptured membranes as a solid
vertical line. Every text is escaped; there is no script.
"""

from __future__ import annotations

from collections.abc import Iterator

from markupsafe import Markup, escape

from cervix_watch.domain.ga import format_ga
from cervix_watch.report.chart import ChartData, ScanPoint

WIDTH, HEIGHT = 680, 362
LEFT, RIGHT, TOP, BOTTOM = 52, 60, 40, 80  # two legend rows under the axis title
LANE_PX = 15  # a treatment bar and its short label above it
CHAR_PX = 5.6  # width of one character of the 10 px label font, to keep labels inside
# Text over a line stays legible: a white outline is painted under each glyph.
HALO = 'paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'


class _Scale:
    """Data coordinates (GA days, CL mm) to SVG pixels."""

    def __init__(self, data: ChartData) -> None:
        self.ga_from, self.ga_to = data.ga_range
        self.cl_top = data.cl_top_mm
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def x(self, ga_days: float) -> float:
        return round(LEFT + (ga_days - self.ga_from) / (self.ga_to - self.ga_from) * self.plot_w, 1)

    def y(self, cl_mm: float) -> float:
        return round(TOP + (1 - cl_mm / self.cl_top) * self.plot_h, 1)

    @property
    def bottom(self) -> float:
        return float(TOP + self.plot_h)


def cl_chart(data: ChartData, title: str) -> Markup:
    """The whole `<svg>` element; `title` (e.g. the MRN) names it for screen readers."""
    scale = _Scale(data)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cl-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        *_window(data, scale),
        *_axes(scale),
        *_thresholds(data, scale),
        *_exams(data, scale),
        *_ruptured(data, scale),
        *_symptoms(data, scale),
        *_today(data, scale),
        *_treatments(data, scale),
        *(_point(point, scale) for point in data.points),
        *_legend(),
        "</svg>",
    ]
    return Markup("\n".join(parts))  # noqa: S704 - every data value above passed through escape()


def _window(data: ChartData, scale: _Scale) -> Iterator[str]:
    if data.window is None:
        return
    x0, x1 = scale.x(data.window.start_ga_days), scale.x(data.window.end_ga_days)
    yield (
        f'<rect class="window" x="{x0}" y="{TOP}" width="{round(x1 - x0, 1)}" '
        f'height="{scale.plot_h}" fill="#e3ecfa"/>'
    )
    yield (
        f'<text x="{round((x0 + x1) / 2, 1)}" y="{TOP - 22}" text-anchor="middle" '
        f'class="small">{escape(data.window.label)}</text>'
    )


def _axes(scale: _Scale) -> Iterator[str]:
    yield (
        f'<rect x="{LEFT}" y="{TOP}" width="{scale.plot_w}" height="{scale.plot_h}" '
        'fill="none" stroke="#444"/>'
    )
    first_week = -(-scale.ga_from // 7)
    first_week += first_week % 2  # ticks on even weeks, wherever the range starts
    for week in range(first_week, scale.ga_to // 7 + 1, 2):
        x = scale.x(week * 7)
        yield f'<line x1="{x}" y1="{scale.bottom}" x2="{x}" y2="{scale.bottom + 4}" stroke="#444"/>'
        yield f'<text x="{x}" y="{scale.bottom + 16}" text-anchor="middle">{week}</text>'
    for cl in range(0, int(scale.cl_top) + 1, 10):
        y = scale.y(cl)
        yield f'<line x1="{LEFT - 4}" y1="{y}" x2="{LEFT}" y2="{y}" stroke="#444"/>'
        yield f'<text x="{LEFT - 7}" y="{y + 4}" text-anchor="end">{cl}</text>'
    yield (
        f'<text x="{LEFT + scale.plot_w / 2}" y="{scale.bottom + 32}" text-anchor="middle">'
        "Gestational age (weeks)</text>"
    )
    yield (
        f'<text transform="translate(14 {TOP + scale.plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">CL (mm)</text>'
    )


def _thresholds(data: ChartData, scale: _Scale) -> Iterator[str]:
    x1 = LEFT + scale.plot_w
    for line in data.thresholds:
        y = scale.y(line.cl_mm)
        rules = escape(", ".join(line.rules))
        yield (
            f'<line class="threshold" x1="{LEFT}" y1="{y}" x2="{x1}" y2="{y}" stroke="#b03030" '
            f'stroke-dasharray="6 4"><title>{escape(line.words)} ({rules})</title></line>'
        )
        yield f'<text x="{x1 + 4}" y="{y + 4}" class="small">{escape(line.label)}</text>'


def _exams(data: ChartData, scale: _Scale) -> Iterator[str]:
    for exam in data.exams:
        x = scale.x(exam.ga_days)
        yield (
            f'<line class="exam" x1="{x}" y1="{TOP}" x2="{x}" y2="{scale.bottom}" '
            'stroke="#6a3d9a" stroke-dasharray="2 3"/>'
        )
        # above the frame, pointing down at the exam's line: never clipped by the plot edge
        yield (
            f'<path class="exam-marker" d="M{x - 5},{TOP - 11} L{x + 5},{TOP - 11} '
            f'L{x},{TOP - 2} Z" fill="#6a3d9a"><title>{escape(exam.label)}</title></path>'
        )


def _ruptured(data: ChartData, scale: _Scale) -> Iterator[str]:
    for mark in data.ruptured:
        x = scale.x(mark.ga_days)
        yield (
            f'<line class="ruptured" x1="{x}" y1="{TOP}" x2="{x}" y2="{scale.bottom}" '
            f'stroke="#c62828" stroke-width="2.5"><title>{escape(mark.label)}</title></line>'
        )


def _symptoms(data: ChartData, scale: _Scale) -> Iterator[str]:
    y = TOP + 9  # inside the frame, under the exam markers
    for mark in data.symptoms:
        x = scale.x(mark.ga_days)
        kind, fill = ("urgent", "#c62828") if mark.urgent else ("watch", "#fff")
        yield (
            f'<path class="symptom {kind}" d="M{x},{y - 6} L{x + 6},{y} L{x},{y + 6} '
            f'L{x - 6},{y} Z" fill="{fill}" stroke="#c62828" stroke-width="1.5">'
            f"<title>{escape(mark.label)}</title></path>"
        )


def _today(data: ChartData, scale: _Scale) -> Iterator[str]:
    x = scale.x(data.today_ga_days)
    yield (
        f'<line class="today" x1="{x}" y1="{TOP}" x2="{x}" y2="{scale.bottom}" stroke="#222" '
        f'stroke-width="1.5"><title>review date, GA {format_ga(data.today_ga_days)}</title></line>'
    )


def _treatments(data: ChartData, scale: _Scale) -> Iterator[str]:
    right_edge = scale.ga_to
    for lane, span in enumerate(data.treatments):
        y = scale.bottom - 6 - lane * LANE_PX
        x0 = scale.x(span.start_ga_days)
        end = min(
            right_edge, span.end_ga_days if span.end_ga_days is not None else data.today_ga_days
        )
        x1 = max(x0 + 2, scale.x(end))
        until = "in place" if span.end_ga_days is None else f"to {format_ga(span.end_ga_days)}"
        words = f"{span.label} from {format_ga(span.start_ga_days)} {until}"
        yield (
            f'<line class="treatment" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#2e7d32" '
            f'stroke-width="5"><title>{escape(words)}</title></line>'
        )
        # the short label sits above its bar, moved left as far as needed to end inside the
        # plot (the full words are in the tooltip and in the list under the chart)
        label_x = round(
            max(LEFT + 2.0, min(x0, LEFT + scale.plot_w - 2 - len(span.label) * CHAR_PX)), 1
        )
        yield (
            f'<text class="small treatment-label" x="{label_x}" y="{y - 4}" {HALO}>'
            f"{escape(span.label)}</text>"
        )


def _point(point: ScanPoint, scale: _Scale) -> str:
    x, y = scale.x(point.ga_days), scale.y(point.cl_mm)
    words = escape(
        f"{point.on.isoformat()}, GA {format_ga(point.ga_days)}: {point.cl_mm:.1f} mm "
        f"({point.route.value})"
    )
    if point.transvaginal:
        return (
            f'<circle class="scan tv" cx="{x}" cy="{y}" r="5" fill="#1f4e9c">'
            f"<title>{words}</title></circle>"
        )
    return (
        f'<rect class="scan other" x="{x - 4.5}" y="{y - 4.5}" width="9" height="9" fill="#fff" '
        f'stroke="#1f4e9c" stroke-width="2"><title>{words}</title></rect>'
    )


# (x offset, symbol, words) per row
_LEGEND_ROWS: tuple[tuple[tuple[int, str, str], ...], ...] = (
    (
        (0, '<circle cx="{x6}" cy="{ym4}" r="5" fill="#1f4e9c"/>', "transvaginal scan"),
        (
            118,
            '<rect x="{x}" y="{ym8}" width="9" height="9" fill="#fff" stroke="#1f4e9c" '
            'stroke-width="2"/>',
            "other route (ta/tp)",
        ),
        (
            240,
            '<line x1="{x}" y1="{ym4}" x2="{x20}" y2="{ym4}" stroke="#b03030" '
            'stroke-dasharray="6 4"/>',
            "CL threshold",
        ),
        (
            340,
            '<line x1="{x}" y1="{ym4}" x2="{x20}" y2="{ym4}" stroke="#2e7d32" stroke-width="5"/>',
            "treatment",
        ),
        (425, '<path d="M{x},{ym8} L{x10},{ym8} L{x5},{y} Z" fill="#6a3d9a"/>', "exam"),
        (
            485,
            '<line x1="{x5}" y1="{ym12}" x2="{x5}" y2="{y}" stroke="#222" stroke-width="1.5"/>',
            "review date",
        ),
    ),
    (
        (
            0,
            '<path d="M{x6},{ym10} L{x12},{ym4} L{x6},{y2} L{x},{ym4} Z" fill="#c62828" '
            'stroke="#c62828" stroke-width="1.5"/>',
            "urgent symptom (acute review)",
        ),
        (
            190,
            '<path d="M{x6},{ym10} L{x12},{ym4} L{x6},{y2} L{x},{ym4} Z" fill="#fff" '
            'stroke="#c62828" stroke-width="1.5"/>',
            "watch symptom",
        ),
        (
            305,
            '<line x1="{x5}" y1="{ym12}" x2="{x5}" y2="{y}" stroke="#c62828" stroke-width="2.5"/>',
            "membranes ruptured",
        ),
    ),
)


def _legend() -> Iterator[str]:
    for row, items in enumerate(_LEGEND_ROWS):
        y = HEIGHT - 10 - 18 * (len(_LEGEND_ROWS) - 1 - row)
        for offset, symbol, words in items:
            x = LEFT + offset
            yield symbol.format(
                x=x, x5=x + 5, x6=x + 6, x10=x + 10, x12=x + 12, x20=x + 20,
                y=y, y2=y + 2, ym4=y - 4, ym8=y - 8, ym10=y - 10, ym12=y - 12,
            )  # fmt: skip
            yield f'<text x="{x + 24}" y="{y}" class="small">{words}</text>'
