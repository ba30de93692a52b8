"""Views that combine the store with the guideline engine (filled in with the engine)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cervix_watch.cli import context, output
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Exam, Scan


def report_new_scan(state: context.State, scan: Scan) -> None:
    patient, _ = state.store().get_patient(scan.mrn)
    ga = format_ga(patient.ga_on(scan.date))
    measurements = ", ".join(f"{v:.1f}" for v in scan.cl_mm)
    output.success(
        f"Scan {scan.scan_id} saved for {scan.mrn}: GA {ga}, recorded CL "
        f"{scan.recorded_cl_mm:.1f} mm (shortest of {measurements})."
    )


def report_new_exam(state: context.State, exam: Exam, exam_id: int) -> None:
    patient, _ = state.store().get_patient(exam.mrn)
    output.success(
        f"Exam {exam_id} saved for {exam.mrn} at GA {format_ga(patient.ga_on(exam.date))}."
    )


def patient_rows(
    state: context.State, today: date, active: bool, risk: str | None, profile: str | None
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for f in state.store().patient_files():
        p = f.patient
        ga = p.ga_on(today)
        is_active = f.closure is None and ga < 259
        if active and not is_active:
            continue
        latest = f.scans[-1].recorded_cl_mm if f.scans else None
        status = "active" if is_active else (f.closure.outcome.value if f.closure else "past 37+0")
        rows.append(
            [p.mrn, p.name, p.edd.isoformat(), format_ga(ga), "", status, len(f.scans), latest]
        )
    return rows
