"""The clinic audit for the terminal, Markdown notes and spreadsheets (table, md, csv).

Every format lists the same rows (`ClinicAudit.rows`): one measure and its
breakdown key per line, with the cohort size, the profile and the pregnancies
left out stated above. The profile name is the only text from outside (a
profile file names itself): it is escaped for Markdown and protected in CSV.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cervix_watch.audit import ClinicAudit, Count, Median
from cervix_watch.domain.words import counted
from cervix_watch.interop.cells import csv_text
from cervix_watch.report.cells import FoldingText
from cervix_watch.report.markdown import escape
from cervix_watch.rules.identity import identity_label

LABELS = {
    "screened_by_24w": "High risk: TV scan at 16+0 to 24+0",
    "first_scan_ga_median": "High risk: first TV scan from 16+0, median GA",
    "short_cervix": "Short cervix (qualifying TV CL) among those scanned",
    "short_cervix_discussed": "Short cervix discussed or treated within the window",
    "days_to_discussion_median": "Days from first short scan to discussion, median",
    "treated": "Treatment started",
    "outcome_ga": "Delivered or lost, GA at closure",
    "open_points": "Active patients with an open high/urgent point",
}
CSV_COLUMNS = (
    "from",
    "to",
    "profile",
    "measure",
    "breakdown",
    "n",
    "of",
    "pct",
    "median_days",
    "median_ga",
    # a custom profile's full sha256 (contract v3, profile identity); empty for a built-in
    "profile_sha256",
)


def title(audit: ClinicAudit) -> str:
    return (
        f"Clinic audit {audit.period_from.isoformat()} to {audit.period_to.isoformat()} "
        f"({_profile_words(audit)}): cohort {counted(audit.cohort, 'pregnancy')}"
    )


def _profile_words(audit: ClinicAudit) -> str:
    """`profile nice-ng25`, or `custom profile 'our-unit' (sha256 1a2b3c4d...)`."""
    label = identity_label(audit.profile, audit.profile_sha256)
    return label if audit.profile_sha256 else f"profile {label}"


def left_out_lines(audit: ClinicAudit) -> list[str]:
    return [
        f"Left out: {counted(count, 'pregnancy')} with an EDD in range, {reason}."
        for reason, count in audit.left_out.items()
        if count
    ]


def value_text(value: Count | Median) -> tuple[str, str, str, str]:
    """(n, of, %, median) as shown: a median shows its days and GA, a count its percentage."""
    if isinstance(value, Count):
        pct = "-" if value.pct is None else f"{value.pct:.1f}"
        return str(value.n), str(value.of), pct, ""
    if value.days is None:
        return str(value.n), "", "", "-"
    median = f"{value.days:g} d" if value.ga is None else f"{value.ga} ({value.days:g} d)"
    return str(value.n), "", "", median


def audit_table(audit: ClinicAudit) -> RenderableType:
    """One line per measure; a breakdown's keys are indented under its measure's name, so
    the names get the width a Breakdown column would take and fit 2 lines at 80 columns."""
    grid = Table(title=title(audit), title_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    # only the measure's words fold: a breakdown key (`cerclage-transabdominal`), a count
    # and a median (`16+1 (113 d)`) stay whole at 80 columns
    for name, justify, folds in (
        ("Measure", "left", True),
        ("n", "right", False),
        ("of", "right", False),
        ("%", "right", False),
        ("Median", "right", False),
    ):
        grid.add_column(name, justify=justify, no_wrap=not folds, overflow="fold")  # type: ignore[arg-type]
    heading = ""
    for key, breakdown, value in audit.rows():
        if not breakdown:
            grid.add_row(FoldingText(LABELS[key]), *value_text(value))
            continue
        words = _breakdown_heading(key, breakdown)
        if words != heading:
            heading = words
            grid.add_row(FoldingText(heading))
        grid.add_row(Text(f"  {breakdown.split(' ', 1)[-1]}"), *value_text(value))
    notes = [Text(line, style="italic") for line in left_out_lines(audit)]
    return Group(grid, *notes)


def _breakdown_heading(key: str, breakdown: str) -> str:
    """`Treatment started`; `Delivered or lost, GA at closure: high risk` (one per risk)."""
    if key == "outcome_ga":
        return f"{LABELS[key]}: {breakdown.split(' ', 1)[0]} risk"
    return LABELS[key]


def audit_markdown(audit: ClinicAudit) -> str:
    lines = [f"# {escape(title(audit))}", ""]
    lines += [f"{escape(line)}\n" for line in left_out_lines(audit)]
    lines += ["| Measure | Breakdown | n | of | % | Median |", "|---|---|--:|--:|--:|--:|"]
    for key, breakdown, value in audit.rows():
        cells = [LABELS[key], breakdown, *value_text(value)]
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def audit_csv(audit: ClinicAudit) -> str:
    """One row per measure and breakdown key, spreadsheet-safe (`interop.cells`)."""
    rows: list[list[object]] = []
    head = [audit.period_from.isoformat(), audit.period_to.isoformat(), audit.profile]
    for key, breakdown, value in audit.rows():
        if isinstance(value, Count):
            numbers: list[object] = [
                value.n,
                value.of,
                "" if value.pct is None else f"{value.pct:.1f}",
                "",
                "",
            ]
        else:
            days = "" if value.days is None else f"{value.days:g}"
            numbers = [value.n, "", "", days, value.ga or ""]
        rows.append([*head, key, breakdown, *numbers, audit.profile_sha256 or ""])
    return csv_text(CSV_COLUMNS, rows)
