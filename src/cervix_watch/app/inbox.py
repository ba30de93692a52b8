"""The inbox's use cases: list, show, reject held scanner reports (interop.md version 3).

A report that cannot be filed is held for a person, with its reason; `inbox file`
(`app.inbox_file`) files it. Here: the listing (newest first; reports of one study
together; the PatientID masked unless it is a stored MRN), `show` (the one place an
unmatched PatientID is shown whole: the showing is audited), `reject` (kept, never
deleted), how many wait, and the unmapped codes ignored reports carried per scanner.
No printing, no clock: `at` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.interop.identity import masked_patient_id, suggested_mrns
from cervix_watch.store import inbox as stored
from cervix_watch.store.inbox import Entry, UnmappedCount

if TYPE_CHECKING:
    from cervix_watch.store.store import Store


@dataclass(frozen=True)
class Listed:
    """One row of `inbox`: the report, its patient as it may be shown, and its group (the
    first id of the held reports sharing its StudyInstanceUID)."""

    entry: Entry
    patient: str
    group: int


@dataclass(frozen=True)
class Listing:
    rows: list[Listed]
    unmapped: list[UnmappedCount]  # `--all` only


@dataclass(frozen=True)
class Shown:
    """`inbox show`: the report with its PatientID whole, whether it is a stored MRN, and
    the stored MRNs closest to it (suggestions only: the person filing chooses)."""

    entry: Entry
    is_mrn: bool
    suggestions: list[str]


def shown_patient_id(patient_id: str, mrns: set[str]) -> str:
    """A PatientID as any output but `inbox show` may show it: whole when it is a stored
    MRN, else `(unmatched id, N chars, #abcd)`."""
    return patient_id if patient_id in mrns else masked_patient_id(patient_id)


def listing(store: Store, include_all: bool = False) -> Listing:
    """The held reports, newest first, one study's reports together; `include_all` adds the
    filed and rejected ones and the unmapped codes of the ignored reports per scanner."""
    states = (stored.HELD, stored.FILED, stored.REJECTED) if include_all else (stored.HELD,)
    found = stored.entries(store, states)
    mrns = set(store.patients_named([e.patient_id for e in found]))
    groups: dict[str, list[Entry]] = {}
    for entry in found:
        key = entry.study_instance_uid or f"#{entry.inbox_id}"
        groups.setdefault(key, []).append(entry)
    rows = [
        Listed(entry, shown_patient_id(entry.patient_id, mrns), min(e.inbox_id for e in group))
        for group in groups.values()
        for entry in group
    ]
    unmapped = stored.unmapped_counts(store) if include_all else []
    return Listing(rows, unmapped)


def show(store: Store, inbox_id: int, who: str) -> Shown:
    """The report whole, its showing audited (who saw the PatientID, not the PatientID)."""
    entry = stored.record_shown(store, inbox_id, who)
    mrns = [p.mrn for p, _ in store.list_patients()]
    is_mrn = entry.patient_id in set(mrns)
    suggestions = [] if is_mrn else suggested_mrns(entry.patient_id, mrns)
    return Shown(entry, is_mrn, suggestions)


def reject(store: Store, inbox_id: int, reason: str, who: str, at: datetime) -> Entry:
    """Reject a held report, with the reason (kept, never deleted)."""
    if not reason.strip():
        raise InputError(Problem("reason", "give the reason the report is rejected"))
    return stored.reject(store, inbox_id, reason.strip(), who, at)


def waiting(store: Store) -> int:
    """How many scanner reports wait in the inbox."""
    return stored.waiting(store)


def waiting_line(count: int) -> str | None:
    """ "3 scanner reports wait in the inbox: cervix-watch inbox", None when none waits."""
    if not count:
        return None
    reports = "1 scanner report waits" if count == 1 else f"{count} scanner reports wait"
    return f"{reports} in the inbox: cervix-watch inbox"


__all__ = [
    "Listed",
    "Listing",
    "Shown",
    "listing",
    "reject",
    "show",
    "shown_patient_id",
    "waiting",
    "waiting_line",
]
