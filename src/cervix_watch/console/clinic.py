"""The command line's side of `app.clinic` and `app.transfer`: the invocation's database,
opened only when needed, and a progress bar over the review or a CSV file's import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cervix_watch.app import clinic
from cervix_watch.console import context, output, progress

if TYPE_CHECKING:
    from cervix_watch.app.transfer import ImportResult
    from cervix_watch.domain.kinds import RecordKind
    from cervix_watch.rules import PatientHistory, Profile, Review


def resolve_profile(state: context.State, option: str | None) -> Profile:
    """--profile (the database is not opened for it), else the stored default, else built-in;
    a stored default that is a built-in as an earlier release shipped it is said in one
    line on stderr (once per invocation)."""
    if option:
        return clinic.resolve_profile(None, option)
    profile, changed = clinic.default_profile(state.store())
    if changed is not None and not state.profile_change_said:
        output.note(f"warning: {changed}")
        state.profile_change_said = True
    return profile


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


def load_csv(
    state: context.State,
    kind: RecordKind,
    file: Path,
    who: str,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Import one CSV file (shared by `import` and `demo`), with a bar on a terminal; no
    date in it may be after `today` (default: the invocation's `State.today`)."""
    from cervix_watch.app.transfer import import_csv, line_count
    from cervix_watch.domain.errors import InputError, Problem
    from cervix_watch.domain.filenames import shown

    if not file.is_file():
        raise InputError(Problem("file", f"{shown(file)}: no such file"))
    with progress.bar(f"Importing {kind}", lambda: line_count(file)) as advance:
        return import_csv(
            state.store(),
            kind,
            file,
            who=who,
            today=today or state.today,
            dry_run=dry_run,
            advance=advance,
        )
