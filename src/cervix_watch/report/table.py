"""The weekly review for the terminal: a header, then one table per priority group.

Fits an 80-column terminal: two columns (the patient, her discussion points)
that wrap and fold, never truncate. Every cell is `rich.text.Text`, so a name
with brackets is never read as markup. Priority is written as a word
("URGENT"); the colour only repeats it, so the report reads the same with
NO_COLOR or piped into a file.
"""

from __future__ import annotations

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cervix_watch.domain.enums import Priority
from cervix_watch.report import common
from cervix_watch.rules import Flag, PatientReview, Profile, Review
from cervix_watch.rules.identity import profile_label

PRIORITY_STYLE = {
    Priority.URGENT: "bold white on red",
    Priority.HIGH: "bold red",
    Priority.ROUTINE: "bold yellow",
    Priority.INFO: "bold cyan",
}
GROUP_STYLE = {**{p.value: PRIORITY_STYLE[p] for p in Priority}, common.NO_FLAGS: "bold green"}
PATIENT_COLUMN_WIDTH = 22


def review_table(review: Review, profile: Profile) -> RenderableType:
    """Header and grouped tables, ready for `Console.print`."""
    parts: list[RenderableType] = [header(review, profile)]
    for group in common.groups(review):
        parts.append(Text(""))
        parts.append(group_table(group))
    if not review.patients:
        parts.append(Text(common.nobody_words(review), style="italic"))
    return RenderGroup(*parts)


def header(review: Review, profile: Profile) -> Text:
    text = Text()
    text.append(f"Weekly review as of {review.as_of.isoformat()}", style="bold")
    text.append(f"\nProfile: {profile_label(profile)} ({profile.title})")
    text.append(f"\n{common.counts_line(review)}")
    text.append(f"\n{common.points_line(review)}")
    return text


def group_table(group: common.Group) -> Table:
    table = Table(
        title=Text(group.title, style=GROUP_STYLE[group.key]),
        title_justify="left",
        box=box.ROUNDED,
        show_lines=True,
        expand=True,
        header_style="bold",
    )
    table.add_column(
        "Patient", overflow="fold", min_width=PATIENT_COLUMN_WIDTH, max_width=PATIENT_COLUMN_WIDTH
    )
    table.add_column("Discussion points (rule)", overflow="fold", ratio=1)
    for patient in group.patients:
        table.add_row(patient_cell(patient), points_cell(patient))
    return table


def patient_cell(patient: PatientReview) -> Text:
    text = Text()
    text.append(patient.mrn, style="bold")
    text.append(f"\n{common.name_or_dash(patient.name)}")
    text.append(f"\nGA {patient.ga}, {patient.risk.value} risk")
    text.append(f"\nCL latest {common.mm_unit(patient.latest_cl_mm)}")
    text.append(f"\nCL shortest {common.mm_unit(patient.shortest_cl_mm)}")
    text.append(f"\nNext scan {common.due_text(patient.next_scan_due)}")
    return text


def points_cell(patient: PatientReview) -> Text:
    text = Text()
    for index, flag in enumerate(patient.flags):
        if index:
            text.append("\n")
        append_flag(text, flag)
    if not patient.flags:
        text.append("no discussion points", style="italic")
    for line in common.discussed_text(patient):
        text.append(f"\nDiscussed: {line}", style="dim")
    return text


def append_flag(text: Text, flag: Flag) -> None:
    text.append(common.PRIORITY_LABEL[flag.priority], style=PRIORITY_STYLE[flag.priority])
    text.append(f" {flag.action.value}", style="bold")
    text.append(f" [{flag.rule}]")
    text.append(f"\n{flag.message}")
