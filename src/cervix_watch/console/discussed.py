"""What `discuss` checks before it records a discussion (issue 21, friction 5).

The same decision twice (same point, date and outcome) is refused: stored twice,
the review printed "Addressed by discussion" twice. A point the patient does not
have on that date is still recorded (the team may discuss ahead of a scan), with a
notice saying so, since a mistyped MRN or action would otherwise pass unseen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cervix_watch.console import clinic, context, output
from cervix_watch.domain.enums import Action

if TYPE_CHECKING:
    from cervix_watch.domain.models import Discussion

# every point a discussion can record, for `discuss`'s help and its refusal
ACTION_NAMES = ", ".join(action.value for action in Action)


def check_discussion(state: context.State, discussion: Discussion) -> None:
    """Refuse the same decision recorded again; note a point not raised on its date."""
    from cervix_watch.app import records
    from cervix_watch.rules.identity import profile_label

    profile = clinic.resolve_profile(state, None)
    if not records.check_discussion(state.store(), discussion, profile):
        output.note(
            f"note: {discussion.mrn} has no {discussion.action.value} point on "
            f"{discussion.date} under {profile_label(profile)}; recorded all the same."
        )
