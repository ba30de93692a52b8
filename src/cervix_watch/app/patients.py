"""The patient list: every patient with her state today, from one read and one review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cervix_watch.domain.models import Patient
    from cervix_watch.rules import Profile
    from cervix_watch.store.store import Store


@dataclass(frozen=True)
class PatientRow:
    """One patient as listed: her risk (None when she is not reviewed: not active), her
    status (the closure's outcome, active, or past 37+0), scan count and latest CL."""

    patient: Patient
    risk: str | None
    status: str
    scans: int
    latest_cl_mm: float | None


def patient_list(
    store: Store, today: date, profile: Profile, *, active: bool, risk: str | None
) -> list[PatientRow]:
    """Every patient by MRN (only the active with `active`; only this risk with `risk`),
    risk and activity as the engine reviews them today."""
    from cervix_watch.rules import review_clinic

    files = store.patient_files()
    reviewed = {p.mrn: p for p in review_clinic(files, today, profile).patients}
    rows: list[PatientRow] = []
    for f in files:
        current = reviewed.get(f.patient.mrn)
        if active and current is None:
            continue
        category = current.risk.value if current else ""
        if risk is not None and category != risk.strip().lower():
            continue
        if f.closure is not None:
            status = f.closure.outcome.value
        else:
            status = "active" if current else "past 37+0"
        latest = f.scans[-1].recorded_cl_mm if f.scans else None
        rows.append(PatientRow(f.patient, category or None, status, len(f.scans), latest))
    return rows


__all__ = ["PatientRow", "patient_list"]
