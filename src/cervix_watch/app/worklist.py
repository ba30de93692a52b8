"""The Modality Worklist's use cases: the items a scanner's C-FIND is offered, and whose a
report carrying one of our steps is (interop.md "Modality Worklist: the right patient at
the machine").

The items are the patients `due` lists (`rules.review.recall_status`, the worklist's
look-ahead `worklist_days` as its horizon), plus the active patient a query names by her
exact MRN; each gets the step issued for her due date (`store.worklist`), issued once and
never recomputed. Patients without a stored name or with `\\` in the MRN are not offered
(PatientName and PatientID are Type 1); `not_offered` counts them for listen's start-up
line. Nothing here reads the clock: `today` is the caller's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from cervix_watch.interop.worklist import WorklistItem, offerable, step_number
from cervix_watch.store.worklist import Step, step_numbered, step_of_study, steps_for

if TYPE_CHECKING:
    from cervix_watch.rules import PatientReview, Profile
    from cervix_watch.store.store import Store

WORKLIST_PATIENT_DIFFERS = "the worklist patient differs"
_NOT_SINGLE_VALUE = re.compile(r"[*?\\]")


def _active_patients(store: Store, profile: Profile, today: date) -> tuple[PatientReview, ...]:
    from cervix_watch.app.clinic import clinic_review

    review, _ = clinic_review(store, today, profile)
    return review.patients


def _due(patients: tuple[PatientReview, ...], today: date, days: int) -> list[PatientReview]:
    from cervix_watch.rules.review import recall_status

    return [p for p in patients if recall_status(p, today, days) is not None]


def not_offered(store: Store, profile: Profile, today: date, days: int) -> int:
    """How many patients due cannot be offered: no stored name, or `\\` in the MRN."""
    due = _due(_active_patients(store, profile, today), today, days)
    return sum(1 for p in due if not offerable(p.name, p.mrn))


@dataclass(frozen=True)
class Asker:
    """Who asks, and the query's PatientID when it names one patient (no wildcard)."""

    station_ae: str
    patient_id: str | None = None

    @property
    def named_mrn(self) -> str | None:
        text = (self.patient_id or "").strip()
        return text if text and not _NOT_SINGLE_VALUE.search(text) else None


def worklist_items(
    store: Store,
    profile: Profile,
    today: date,
    asker: Asker,
    *,
    days: int,
    who: str,
    accession: str = "none",
) -> tuple[WorklistItem, ...]:
    """One item per patient due within `days` (and the one the query names by MRN), each
    with her step for that due date, issued now if it was not (an audit row each).

    The start date is the later of the due date and today (an all-day step). AccessionNumber
    is empty unless `accession` is "step" (`worklist_accession`): then the step's id."""
    patients = _active_patients(store, profile, today)
    chosen = {p.mrn: p for p in _due(patients, today, days)}
    named = asker.named_mrn
    if named is not None and named not in chosen:
        chosen.update({p.mrn: p for p in patients if p.mrn == named})
    offered = [p for p in chosen.values() if offerable(p.name, p.mrn) and p.edd is not None]
    steps = steps_for(store, [(p.mrn, p.next_scan_due) for p in offered], who)
    items = (_item(p, steps[(p.mrn, p.next_scan_due)], today, asker) for p in offered)
    if accession == "step":  # interop.md: "AccessionNumber is empty unless configured"
        return tuple(replace(item, accession=item.step_id) for item in items)
    return tuple(items)


def _item(patient: PatientReview, step: Step, today: date, asker: Asker) -> WorklistItem:
    assert patient.edd is not None
    due = patient.next_scan_due
    return WorklistItem(
        mrn=patient.mrn,
        name=patient.name,
        edd=patient.edd,
        step_number=step.number,
        study_uid=step.study_uid,
        start_on=max(due, today) if due is not None else today,
        station_ae=asker.station_ae,
    )


@dataclass(frozen=True)
class Owner:
    """Whose a report carrying one of our steps is: file it under `mrn`, or hold it."""

    step: Step
    mrn: str | None  # None: held
    held_reason: str | None = None


def worklist_step_of(store: Store, report: Any) -> Step | None:
    """The step a report names: its StudyInstanceUID, else an item of its Referenced
    Request Sequence (0040,A370) by Study Instance UID or by our Requested Procedure ID."""
    uid = str(report.get("StudyInstanceUID", "") or "").strip()
    if uid and (step := step_of_study(store, uid)) is not None:
        return step
    for item in report.get("ReferencedRequestSequence", None) or ():
        uid = str(item.get("StudyInstanceUID", "") or "").strip()
        if uid and (step := step_of_study(store, uid)) is not None:
            return step
        number = step_number(str(item.get("RequestedProcedureID", "") or ""))
        if number is not None and (step := step_numbered(store, number)) is not None:
            return step
    return None


def worklist_owner(store: Store, report: Any, patient_id: str) -> Owner | None:
    """None when the report carries none of our steps. Else it is the step's patient's:
    filed to her when its PatientID is her MRN or matches no stored MRN, held ("the
    worklist patient differs") when it is another patient's MRN."""
    step = worklist_step_of(store, report)
    if step is None:
        return None
    if patient_id == step.mrn or not _is_stored_mrn(store, patient_id):
        return Owner(step, step.mrn)
    return Owner(step, None, WORKLIST_PATIENT_DIFFERS)


def _is_stored_mrn(store: Store, patient_id: str) -> bool:
    from cervix_watch.domain.errors import NotFoundError

    try:
        patient, _ = store.get_patient(patient_id)
    except NotFoundError:
        return False
    return patient.mrn == patient_id  # exactly: the store's lookup trims spaces


__all__ = [
    "WORKLIST_PATIENT_DIFFERS",
    "Asker",
    "Owner",
    "not_offered",
    "worklist_items",
    "worklist_owner",
    "worklist_step_of",
]
