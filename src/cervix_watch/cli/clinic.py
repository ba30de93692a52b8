"""The bridge from stored records to the engine, shared by review, due, patient list and show.

One bulk read of the store (one query per table) feeds one pass of the
engine; renderers get the `Review` and never recompute a rule.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cervix_watch.bulk import collector_paused
from cervix_watch.cli import context

if TYPE_CHECKING:
    from cervix_watch.rules import PatientHistory, Profile, Review
    from cervix_watch.store.reads import PatientFile

PROFILE_SETTING = "default_profile"


def resolve_profile(state: context.State, option: str | None) -> Profile:
    """--profile, else the database's stored default, else the built-in default."""
    from cervix_watch.rules import DEFAULT_PROFILE, load_profile

    name = option or state.store().get_setting(PROFILE_SETTING) or DEFAULT_PROFILE
    return load_profile(name)


def history_of(f: PatientFile) -> PatientHistory:
    from cervix_watch.rules import PatientHistory

    return PatientHistory(
        patient=f.patient,
        scans=tuple(f.scans),
        exams=tuple(f.exams),
        treatments=tuple(f.treatments),
        discussions=tuple(f.discussions),
        closure=f.closure,
    )


def clinic_review(
    state: context.State,
    as_of: date,
    profile: Profile,
    mrn: str | None = None,
    *,
    active_only: bool | None = None,
) -> tuple[Review, dict[str, PatientHistory]]:
    """The review of every active patient (or one) and the histories it was computed from.

    The clinic's active patients are selected in SQL (`store.reads.active_patient_ids`):
    the review and `due` read what the active pregnancies cost, not the history. One
    patient (`patient show`) is read whatever her state unless `active_only` (the acute
    point of `scan add` / `exam add`: an inactive patient is not reviewed).
    """
    from cervix_watch.rules import review_clinic
    from cervix_watch.store.reads import ActiveOn

    if active_only is None:
        active_only = mrn is None
    active = ActiveOn(as_of, profile.active_before) if active_only else None
    with collector_paused():
        files = state.store().patient_files(mrn, active=active)
        histories = {f.patient.mrn: history_of(f) for f in files}
        return review_clinic(histories.values(), as_of, profile), histories
