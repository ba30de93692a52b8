"""rules/review.py recall_status: who `due` and the worklist list, on both sides of each bound."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cervix_watch.domain.enums import Action, Priority, Risk
from cervix_watch.rules.review import Flag, PatientReview, recall_status

ON = date(2026, 12, 1)


def _patient(due_in_days: int | None, *actions: Action) -> PatientReview:
    flags = tuple(
        Flag(action, f"any.{action.value}", Priority.ROUTINE, "m", "c") for action in actions
    )
    return PatientReview(
        mrn="P1",
        name="Ann",
        ga_days=150,
        risk=Risk.HIGH,
        latest_cl_mm=None,
        shortest_cl_mm=None,
        next_scan_due=None if due_in_days is None else ON + timedelta(days=due_in_days),
        flags=flags,
        discussed=(),
    )


@pytest.mark.parametrize(
    ("due_in_days", "actions", "status"),
    [
        (None, (), None),
        (7, (), "due"),  # on the horizon: listed
        (8, (), None),  # a day past it: not
        (0, (), "due"),
        (-1, (), "overdue"),
        (-30, (Action.SCAN_DUE,), "due"),  # a single screen's window start, still only due
        (30, (Action.SCAN_OVERDUE,), "overdue"),  # the flag decides
        (3, (Action.SCAN_DUE,), "due"),
        (8, (Action.SCAN_DUE,), None),  # beyond the horizon even with the profile's flag
    ],
)
def test_recall_status(
    due_in_days: int | None, actions: tuple[Action, ...], status: str | None
) -> None:
    """A scan-due/scan-overdue flag decides, else the date, within a 7-day horizon."""
    assert recall_status(_patient(due_in_days, *actions), ON, 7) == status
