"""Add a scan, exam, treatment or discussion, and what the new record raised.

Each add writes through the store (one transaction, one audit row) and answers
with values: the record's id, the patient's other records that day, and the
flags it raised under the profile the caller loaded before writing (so a profile
that does not load fails with nothing saved). After the write the patient is read
once, with her records, for both her GA and her review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from cervix_watch.app.clinic import clinic_review
from cervix_watch.domain.errors import InputError, Problem

if TYPE_CHECKING:
    from cervix_watch.domain.models import Discussion, Exam, Scan, Treatment
    from cervix_watch.domain.pregnancy import PatientHistory
    from cervix_watch.rules import Flag, PatientReview, Profile
    from cervix_watch.store.store import Store


@dataclass(frozen=True)
class Saved:
    """A record just written: its id, the patient's GA on its date, the ids of her other
    records of that kind that day, and the flags it raised (acute-review points included)."""

    record_id: int
    ga_days: int
    same_day: tuple[int, ...] = ()
    flags: list[Flag] = field(default_factory=list)


def reviewed(
    store: Store, mrn: str, on: date, profile: Profile
) -> tuple[PatientHistory, PatientReview | None]:
    """The patient's history (her records) and her review as of `on`, None when she is not
    active then (the engine's own check, as the clinic review's SQL filter): one read."""
    from cervix_watch.rules import evaluate

    [history] = store.patient_files(mrn)
    return history, evaluate(history, on, profile)


def scan_raised(
    store: Store, scan: Scan, profile: Profile, same_day: tuple[int, ...] = ()
) -> Saved:
    """What a stored scan (with its id) raised as of its date."""
    [history] = store.patient_files(scan.mrn)
    return _raised(history, scan, profile, same_day)


_READ_TOGETHER = 200  # patients per `patient_files` read (its IN list), held at once


def scans_raised(store: Store, scans: Sequence[Scan], profile: Profile) -> list[Saved]:
    """What each stored scan raised as of its date (`scan_raised`), in order; the patients
    are read with their records 200 at a time, each group's answers made before the next
    is read (an `import sr` of 1,000 files read each patient on her own: a quarter of its
    time; all 1,000 read at once held 11 MB more)."""
    wanted = sorted({scan.mrn for scan in scans})
    saved: dict[int, Saved] = {}
    for start in range(0, len(wanted), _READ_TOGETHER):
        chunk = set(wanted[start : start + _READ_TOGETHER])
        histories = {h.patient.mrn: h for h in store.patient_files(mrns=sorted(chunk))}
        for number, scan in enumerate(scans):
            if scan.mrn in chunk:
                saved[number] = _raised(histories[scan.mrn], scan, profile)
    return [saved[number] for number in range(len(scans))]


def _raised(
    history: PatientHistory, scan: Scan, profile: Profile, same_day: tuple[int, ...] = ()
) -> Saved:
    from cervix_watch.rules import evaluate, flags_raised_by_scan

    assert scan.scan_id is not None
    review = evaluate(history, scan.date, profile)
    flags = flags_raised_by_scan(review, scan.scan_id) if review else []
    return Saved(scan.scan_id, history.patient.ga_on(scan.date), same_day, flags)


def add_scan(
    store: Store, scan: Scan, who: str, today: date, profile: Profile
) -> tuple[Scan, Saved]:
    """Write the scan; the scan as stored (with its id) and what it raised."""
    added = store.add_scan(scan, who, today=today)
    stored = scan.model_copy(update={"scan_id": added.id})
    return stored, scan_raised(store, stored, profile, added.same_day)


def add_exam(store: Store, exam: Exam, who: str, today: date, profile: Profile) -> Saved:
    """Write the exam; its id and what it raised."""
    from cervix_watch.rules import flags_raised_by_exam

    added = store.add_exam(exam, who, today=today)
    history, review = reviewed(store, exam.mrn, exam.date, profile)
    flags = flags_raised_by_exam(review, exam.date) if review else []
    return Saved(added.id, history.patient.ga_on(exam.date), added.same_day, flags)


def add_treatment(store: Store, treatment: Treatment, who: str, today: date) -> int:
    """Write the treatment; its id."""
    return store.add_treatment(treatment, who, today=today).id


def check_discussion(store: Store, discussion: Discussion, profile: Profile) -> bool:
    """Refuse the same decision (point, date and outcome) recorded again; whether the
    patient has that point on its date (False: it is recorded all the same, and the
    caller says so, since a mistyped MRN or action would otherwise pass unseen)."""
    review, histories = clinic_review(
        store, discussion.date, profile, discussion.mrn, active_only=False
    )
    history = histories.get(discussion.mrn)  # not registered: the read said so
    if history is None:
        return True
    words = f"{discussion.action.value} {discussion.outcome.value} on {discussion.date}"
    if any(_same_decision(stored, discussion) for stored in history.discussions):
        raise InputError(
            Problem("discussion", f"{discussion.mrn} already has {words}; nothing saved")
        )
    return discussion.action in {flag.action for p in review.patients for flag in p.flags}


Record = TypeVar("Record", bound=BaseModel)


@dataclass(frozen=True)
class Amended(Generic[Record]):
    """A record corrected: as it was, as it is, and each changed field's [old, new] (JSON)."""

    before: Record
    after: Record
    changed: dict[str, list[Any]]


def _amended(before: Record, after: Record) -> Amended[Record]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return Amended(before, after, {k: [old[k], new[k]] for k in new if old[k] != new[k]})


def amend_scan(
    store: Store, scan_id: int, changes: dict[str, Any], reason: str, who: str, today: date
) -> Amended[Scan]:
    """Correct a scan (the old values go to the audit trail); what changed."""
    before, _ = store.get_scan(scan_id)
    return _amended(before, store.amend_scan(scan_id, changes, reason, who, today=today))


def amend_exam(
    store: Store, exam_id: int, changes: dict[str, Any], reason: str, who: str, today: date
) -> Amended[Exam]:
    """Correct an exam (the old values go to the audit trail); what changed."""
    before, _ = store.get_exam(exam_id)
    return _amended(before, store.amend_exam(exam_id, changes, reason, who, today=today))


def _same_decision(stored: Discussion, new: Discussion) -> bool:
    return (stored.action, stored.date, stored.outcome) == (new.action, new.date, new.outcome)


__all__ = [
    "Amended",
    "Saved",
    "add_exam",
    "add_scan",
    "add_treatment",
    "amend_exam",
    "amend_scan",
    "check_discussion",
    "reviewed",
    "scan_raised",
    "scans_raised",
]
