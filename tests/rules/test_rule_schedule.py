"""Surveillance schedule: next scan due, scan-due look-ahead and scan-overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rules_factories import AS_OF, actions, flag, on, patient, review, scan, treatment

from cervix_watch.domain.enums import Priority

SPTB_26 = {"prior_sptb_weeks": "26+3"}


@pytest.mark.parametrize(("cl", "interval_days"), [(29.9, 7), (30.0, 14)])
def test_acog_high_risk_interval_shortens_below_30_mm(cl: float, interval_days: int) -> None:
    """ACOG high risk: 14-day interval, 7 days when the latest CL is below 30 mm."""
    p = patient("20+0", **SPTB_26)
    result = review(p, scan(p, "19+6", cl))
    assert result.next_scan_due == on(p, "19+6") + timedelta(days=interval_days)


def test_short_interval_also_follows_a_short_latest_ta_scan() -> None:
    """A short CL on the latest (transabdominal) scan also shortens the interval (safer reading)."""
    p = patient("20+0", **SPTB_26)
    result = review(p, scan(p, "19+6", 28.0, route="ta"))
    assert result.next_scan_due == on(p, "19+6") + timedelta(days=7)


@pytest.mark.parametrize(
    ("last_scan", "expected"),
    [("19+0", "scan-due"), ("18+6", "scan-overdue"), ("18+0", "scan-overdue")],
)
def test_due_today_is_due_and_yesterday_is_overdue(last_scan: str, expected: str) -> None:
    """Due on the review date -> scan-due; due before it -> scan-overdue (NICE, 14 days)."""
    p = patient("21+0", **SPTB_26)
    result = review(p, scan(p, last_scan, 35.0), profile="nice-ng25")
    assert actions(result) & {"scan-due", "scan-overdue"} == {expected}


@pytest.mark.parametrize(("days_ahead", "due"), [(7, True), (8, False), (0, True)])
def test_scan_due_look_ahead_is_inclusive(days_ahead: int, due: bool) -> None:
    """scan-due when the due date is within 7 days of the review date, inclusive."""
    p = patient("20+0", **SPTB_26)
    last = on(p, "20+0") + timedelta(days=days_ahead - 14)
    recorded = scan(p, "20+0", 35.0).model_copy(update={"date": last})
    result = review(p, recorded, profile="nice-ng25")
    assert result.next_scan_due == AS_OF + timedelta(days=days_ahead)
    assert ("scan-due" in actions(result)) is due
    if due:
        assert str(days_ahead if days_ahead else "today") in flag(result, "scan-due").message


def test_look_ahead_override() -> None:
    """`due --within 14` widens the look-ahead for one call."""
    from rules_factories import history

    from cervix_watch.rules import evaluate, load_profile

    p = patient("20+0", **SPTB_26)
    records = history(p, scan(p, "19+4", 35.0))  # due in 10 days
    nice = load_profile("nice-ng25")
    narrow = evaluate(records, AS_OF, nice)
    wide = evaluate(records, AS_OF, nice, look_ahead_days=14)
    assert narrow is not None
    assert wide is not None
    assert "scan-due" not in actions(narrow)
    assert "scan-due" in actions(wide)


def test_serial_schedule_starts_at_window_start() -> None:
    """With no scan since 16+0, the serial schedule is due at 16+0 (here: in 6 days)."""
    p = patient("15+1", **SPTB_26)
    result = review(p, scan(p, "14+0", 35.0))
    assert result.next_scan_due == on(p, "16+0")
    assert "scan-due" in actions(result)


def test_serial_schedule_null_when_due_date_past_window_end() -> None:
    """ACOG: a due date past 23+6 means no further scheduled scan."""
    p = patient("23+0", **SPTB_26)
    assert review(p, scan(p, "22+1", 35.0)).next_scan_due is None
    assert review(p, scan(p, "21+6", 35.0)).next_scan_due == on(p, "23+6")


@pytest.mark.parametrize(
    ("profile", "at", "due"), [("acog-smfm", "23+6", True), ("acog-smfm", "24+0", False)]
)
def test_no_schedule_after_window_end(profile: str, at: str, due: bool) -> None:
    """When the review GA is past the window's end, nothing is due."""
    p = patient(at, **SPTB_26)
    assert (review(p, profile=profile).next_scan_due is not None) is due


@pytest.mark.parametrize(("profile", "at"), [("nice-ng25", "24+0"), ("nice-ng25", "24+1")])
def test_nice_window_includes_24_0(profile: str, at: str) -> None:
    """NICE's serial window 16+0 to 24+0 includes its end day."""
    p = patient(at, **SPTB_26)
    due = review(p, profile=profile).next_scan_due
    assert (due is not None) is (at == "24+0")


def test_single_scan_schedule_low_risk() -> None:
    """ACOG low risk: one scan in 18+0 to 22+6; due at 18+0 when none since 16+0."""
    p = patient("17+1")
    assert review(p).next_scan_due == on(p, "18+0")
    assert review(p, scan(p, "15+6", 35.0)).next_scan_due == on(p, "18+0")
    assert review(p, scan(p, "16+0", 35.0)).next_scan_due is None


# v3 change 8: a single screen is due through its window and overdue only after it,
# until the treatment window closes (acog-smfm: before 24+0); next_scan_due stays the
# window start while either is raised. Version 2 called it overdue from 18+0 and dropped
# it after 22+6.
@pytest.mark.parametrize(
    ("at", "raised"),
    [
        ("16+6", None),
        ("17+0", "scan-due"),  # 18+0 within the 7-day look-ahead
        ("18+0", "scan-due"),
        ("22+6", "scan-due"),
        ("23+0", "scan-overdue"),
        ("23+6", "scan-overdue"),
        ("24+0", None),
    ],
)
def test_acog_low_risk_single_screen_due_then_overdue(at: str, raised: str | None) -> None:
    """ACOG low risk: due 18+0 to 22+6, overdue from 23+0 to 23+6, then nothing."""
    p = patient(at)
    result = review(p)
    assert actions(result) == ({raised} if raised else set())
    assert result.next_scan_due == (None if at == "24+0" else on(p, "18+0"))
    if raised == "scan-overdue":
        assert flag(result, raised).priority is Priority.ROUTINE


def test_single_scan_due_message() -> None:
    """ACOG low risk at 19+5 with no scan: due (not overdue), naming the window and its end."""
    p = patient("19+5")
    result = review(p)
    assert actions(result) == {"scan-due"}
    assert flag(result, "scan-due").message.startswith(
        f"single CL screen due between 18+0 and 22+6 (by {on(p, '22+6')})"
    )
    missed = review(patient("23+2"))
    assert flag(missed, "scan-overdue").message.startswith(
        "single CL screen missed: window 18+0 to 22+6"
    )


def test_no_schedule_with_cerclage_in_situ() -> None:
    """SMFM Consult #40: no routine CL scans after cerclage."""
    p = patient("20+0", **SPTB_26)
    assert review(p, treatment(p, "cerclage", "14+0")).next_scan_due is None


@pytest.mark.parametrize(("profile", "scheduled"), [("acog-smfm", False), ("nice-ng25", True)])
def test_twins_schedule_per_profile(profile: str, scheduled: bool) -> None:
    """ACOG: no routine CL screening in multiples; NICE: the pathway applies by risk."""
    p = patient("20+0", fetuses=2, **SPTB_26)
    assert (review(p, profile=profile).next_scan_due is not None) is scheduled


def test_nice_low_risk_has_no_schedule() -> None:
    """NICE low risk: no surveillance schedule."""
    assert review(patient("17+0"), profile="nice-ng25").next_scan_due is None


def test_nice_intermediate_single_window() -> None:
    """NICE intermediate risk: a single scan 18+0 to 22+0; missed, overdue to 24+0 (v3 change
    8: version 2 had nothing due at 22+1)."""
    assert (
        review(patient("17+0", cervical_excision="cone"), profile="nice-ng25").next_scan_due
        is not None
    )
    assert (
        review(patient("24+1", cervical_excision="cone"), profile="nice-ng25").next_scan_due is None
    )


@pytest.mark.parametrize(
    ("at", "raised"),
    [("22+0", "scan-due"), ("22+1", "scan-overdue"), ("24+0", "scan-overdue"), ("24+1", None)],
)
def test_nice_intermediate_window_includes_22_0(at: str, raised: str | None) -> None:
    """NICE intermediate risk: due to 22+0 inclusive, overdue to 24+0 inclusive (v3 change 8)."""
    p = patient(at, cervical_excision="cone")
    result = review(p, profile="nice-ng25")
    assert result.next_scan_due == (on(p, "18+0") if raised else None)
    assert actions(result) == ({raised} if raised else set())
