"""The clinic audit as one self-contained HTML page: tables and an inline-SVG bar chart
per breakdown (treatments; GA at closure per risk category). No script, no external
asset; prints on A4. The key measures (screening by 24+0, short cervix, discussed,
open points) share one chart first; a chart whose every bar has no one to count says
"no eligible patients" instead of drawing empty "0 / 0" bars.

Rendered by Jinja2 with autoescape on; the SVG is built here with every text
escaped (`markupsafe.escape`) and numbers formatted by us, then marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from cervix_watch.audit import ClinicAudit, Count
from cervix_watch.report.audit_text import LABELS, left_out_lines, title, value_text
from cervix_watch.report.html import _environment

TEMPLATE = "audit.html.j2"
BAR_HEIGHT = 18
LABEL_WIDTH = 190
BAR_WIDTH = 300
VALUE_WIDTH = 130
NO_ONE = "no eligible patients"
# the chart's short names for the key measures (the table beside it gives the full ones)
KEY_MEASURES = {
    "screened_by_24w": "High risk scanned by 24+0",
    "short_cervix": "Short cervix",
    "short_cervix_discussed": "Short cervix discussed",
    "open_points": "Open high/urgent points",
}


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its heading and its bars (the key measures, or one breakdown)."""

    heading: str
    svg: Markup | None  # None: no bar has anyone to count, the page says NO_ONE


def bar_chart(heading: str, bars: dict[str, Count]) -> Markup:
    """Horizontal bars of each key's percentage (0-100 %), labelled with n / of, or with
    NO_ONE where there is no one to count."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = BAR_HEIGHT * len(bars) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(heading)}">',
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height - 20}" stroke="#444"/>',
    ]
    for row, (key, count) in enumerate(bars.items()):
        y = row * BAR_HEIGHT
        length = 0.0 if count.pct is None else BAR_WIDTH * count.pct / 100
        words = NO_ONE if count.pct is None else f"{count.n} / {count.of} ({count.pct:.1f} %)"
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(key)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 6}"'
            ' fill="#3b6ea5"/>',
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}">{words}</text>',
        ]
    axis_y = height - 6
    for tick in (0, 50, 100):
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        parts.append(f'<text x="{x:.0f}" y="{axis_y}" text-anchor="middle">{tick} %</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


def charts(audit: ClinicAudit) -> list[Chart]:
    """The key measures, the treatments, then GA at closure per risk category."""
    key = {label: getattr(audit, name) for name, label in KEY_MEASURES.items()}
    found = [_chart("Key measures", key), _chart(LABELS["treated"], audit.treated)]
    for risk, bands in audit.outcome_ga.items():
        found.append(_chart(f"{LABELS['outcome_ga']}: risk by history {risk}", bands))
    return found


def _chart(heading: str, bars: dict[str, Count]) -> Chart:
    if all(count.of == 0 for count in bars.values()):
        return Chart(heading, None)
    return Chart(heading, bar_chart(heading, bars))


def audit_html(audit: ClinicAudit) -> str:
    """The page as text; the caller writes it (0600)."""
    template = _environment().get_template(TEMPLATE)
    rows = [(LABELS[key], breakdown, *value_text(value)) for key, breakdown, value in audit.rows()]
    return template.render(
        title=title(audit),
        left_out=left_out_lines(audit),
        rows=rows,
        charts=charts(audit),
        no_one=NO_ONE,
    )
