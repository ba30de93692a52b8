"""The weekly review as CSV: one row per discussion point, for a spreadsheet.

A patient without a point still gets one row (flag columns empty), so the
sheet lists every active patient as the review does. Every cell goes through
the spreadsheet-safe writer `interop.cells.csv_text`: a name such as `=HYPERLINK(...)`
(or a GA such as `-415976+4`) is written with one `'` in front and never runs as a formula.
"""

from __future__ import annotations

from typing import Any

from cervix_watch.interop.cells import csv_text, float_cell
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
    # a custom profile's full sha256 (contract v3, profile identity); empty for a built-in
    "profile_sha256",
)


def review_csv(review: Review) -> str:
    rows: list[list[Any]] = []
    for patient in review.patients:
        flags: list[Flag | None] = list(patient.flags) or [None]
        rows += [_row(review, patient, flag) for flag in flags]
    return csv_text(COLUMNS, rows)


def _row(review: Review, patient: PatientReview, flag: Flag | None) -> list[Any]:
    return [
        review.as_of.isoformat(),
        review.profile,
        patient.mrn,
        patient.name,
        patient.ga,
        patient.ga_days,
        patient.risk.value,
        "" if flag is None else flag.priority.value,
        "" if flag is None else flag.action.value,
        "" if flag is None else flag.rule,
        "" if flag is None else flag.message,
        "" if flag is None else flag.citation,
        "" if patient.next_scan_due is None else patient.next_scan_due.isoformat(),
        float_cell(patient.latest_cl_mm),
        float_cell(patient.shortest_cl_mm),
        "; ".join(common.discussed_text(patient)),
        review.profile_sha256 or "",
    ]
