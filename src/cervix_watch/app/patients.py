"""The patient list: every patient with her state today, from one read and one review."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from cervix_watch.app.progress import Track, untracked
from cervix_watch.domain.errors import InputError

if TYPE_CHECKING:
    from cervix_watch.domain.models import Closure, Patient
    from cervix_watch.rules import Profile
    from cervix_watch.store.eventdates import MovedScan
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
    store: Store,
    today: date,
    profile: Profile,
    *,
    active: bool,
    risk: str | None,
    track: Track = untracked,
) -> list[PatientRow]:
    """Every patient by MRN (only the active with `active`; only this risk with `risk`),
    risk and activity as the engine reviews them today."""
    from cervix_watch.rules import review_clinic

    files = store.patient_files()
    each = track(files, "Reviewing patients", len(files))
    reviewed = {p.mrn: p for p in review_clinic(each, today, profile).patients}
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


def register(store: Store, patient: Patient, who: str, today: date, dated_by: str) -> None:
    """Register a pregnancy; an EDD that cannot be a current pregnancy's today is refused
    under the field it was `dated_by` (edd or lmp)."""
    from cervix_watch.domain.plausibility import current_edd_problem

    if problem := current_edd_problem(patient.edd, today, dated_by):
        raise InputError(problem)
    store.add_patient(patient, who)


def amend_patient(
    store: Store, mrn: str, changes: dict[str, Any], reason: str, who: str, today: date
) -> list[MovedScan]:
    """Correct a patient's details (the old values and `reason` go to the audit trail);
    the scans whose GA moved with her dates."""
    try:
        _, moved = store.edit_patient(mrn, changes, reason, who, today=today)
    except InputError as refused:
        raise _lmp_hint(refused, changes) from None
    return moved


def _lmp_hint(refused: InputError, changes: dict[str, Any]) -> InputError:
    """A new EDD for a patient dated by her LMP disagrees with that LMP: say how to
    re-date her (clear the LMP), which the bare disagreement did not."""
    if "edd" not in changes or "lmp" in changes:
        return refused
    hint = "; to date her by the new EDD, clear the LMP too: --lmp ''"
    return InputError(
        [
            replace(p, message=p.message + hint)
            if p.field == "lmp" and "disagrees with edd" in p.message
            else p
            for p in refused.problems
        ]
    )


def close_patient(
    store: Store, mrn: str, closure: Closure, who: str, note: str | None, today: date
) -> Closure:
    """End surveillance of a pregnancy; the closure as stored (its GA from date and EDD)."""
    return store.close_patient(mrn, closure, who, note, today=today)


__all__ = ["PatientRow", "amend_patient", "close_patient", "patient_list", "register"]
