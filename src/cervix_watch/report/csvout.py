"""The weekly review as CSV: one row per discussion point, for a spreadsheet.

A patient without a point still gets one row (flag columns empty), so the
sheet lists every active patient as the review does. Text cells go through
`interop.cells.protect`: a name such as `=HYPERLINK(...)` is written `'=HYPERLINK(...)`
and never runs as a formula.
"""

from __future__ import annotations

from cervix_watch.interop.cells import float_cell, format_row, protect
from cervix_watch.report import common
from cervix_watch.rules import Flag, PatientReview, Review

COLUMNS = (
    "as_of",
    "profile",
    "mrn",
    "name",
    "ga",
    "ga_days",
    "risk",
    "priority",
    "action",
    "rule",
    "message",
    "citation",
    "next_scan_due",
    "latest_cl_mm",
    "shortest_cl_mm",
    "discussed",
)


def review_csv(review: Review) -> str:
    rows = [list(COLUMNS)]
    for patient in review.patients:
        flags: list[Flag | None] = list(patient.flags) or [None]
        rows += [_row(review, patient, flag) for flag in flags]
    return "".join(format_row(row) for row in rows)


def _row(review: Review, patient: PatientReview, flag: Flag | None) -> list[str]:
    return [
        review.as_of.isoformat(),
        protect(review.profile),
        protect(patient.mrn),
        protect(patient.name),
        patient.ga,
        str(patient.ga_days),
        patient.risk.value,
        "" if flag is None else flag.priority.value,
        "" if flag is None else flag.action.value,
        "" if flag is None else protect(flag.rule),
        "" if flag is None else protect(flag.message),
        "" if flag is None else protect(flag.citation),
        "" if patient.next_scan_due is None else patient.next_scan_due.isoformat(),
        float_cell(patient.latest_cl_mm),
        float_cell(patient.shortest_cl_mm),
        protect("; ".join(common.discussed_text(patient))),
    ]
