"""The command line's side of `app.clinic`: the invocation's database, opened only when
needed, and a progress bar over the review."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cervix_watch.app import clinic
from cervix_watch.cli import context, progress

if TYPE_CHECKING:
    from cervix_watch.rules import PatientHistory, Profile, Review


def resolve_profile(state: context.State, option: str | None) -> Profile:
    """--profile (the database is not opened for it), else the stored default, else built-in."""
    return clinic.resolve_profile(None if option else state.store(), option)


def clinic_review(
    state: context.State,
    as_of: date,
    profile: Profile,
    mrn: str | None = None,
    *,
    active_only: bool | None = None,
) -> tuple[Review, dict[str, PatientHistory]]:
    """`app.clinic.clinic_review` of the invocation's database, with a bar on a terminal."""
    return clinic.clinic_review(
        state.store(), as_of, profile, mrn, active_only=active_only, track=progress.tracked
    )
