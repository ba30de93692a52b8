"""Surveillance schedule: when the next CL scan is due (clinical-rules.md, "Surveillance schedule").

Every route counts here (a transabdominal scan is still a scan); voided scans
are already left out by the caller. The windows, intervals and overdue
priorities are the profile's `[schedules.<risk>]` tables, and
`[multiple_pregnancy]` for twins and higher order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from cervix_watch.domain.enums import Risk
from cervix_watch.domain.ga import date_at_ga, ga_days
from cervix_watch.domain.models import Patient
from cervix_watch.rules.context import DatedScans, Due
from cervix_watch.rules.profile import Profile, Schedule
from cervix_watch.rules.schema import describe_limit


def next_scan_due(
    profile: Profile,
    patient: Patient,
    ga: int,
    risk: Risk,
    scans: DatedScans,
    *,
    by_history: Risk,
    cerclage_in_situ: bool,
    post_rupture: bool,
    as_of: date,
    look_ahead_days: int,
) -> Due | None:
    """The next surveillance scan's due date, or None when no scan is scheduled."""
    # SMFM Consult #40: no routine CL screening after cerclage, nor with P-PROM.
    if cerclage_in_situ or post_rupture:
        return None
    schedule = profile.schedule_for(risk, patient.fetuses == 1, by_history)
    if schedule is None:
        return None
    if schedule.kind == "single":
        return _single(schedule, patient, ga, scans, as_of, look_ahead_days)
    if schedule.window.past_end(ga):
        return None
    return _serial(schedule, patient, scans)


def _single(
    schedule: Schedule,
    patient: Patient,
    ga: int,
    scans: DatedScans,
    as_of: date,
    look_ahead_days: int,
) -> Due | None:
    """clinical-rules.md v3: a single screen is due from its window's start (less the
    look-ahead) to its end, overdue only after the end while the review date is inside
    `missed_until` (the treatment window), and nothing after that."""
    counts_from = schedule.single_counts_from
    if any(scan.ga >= counts_from for scan in scans.scans):
        return None
    window = schedule.window
    missed_until = schedule.missed_until
    if window.past_end(ga) and (missed_until is None or missed_until.past_end(ga)):
        return None
    edd = patient.edd
    start, end = date_at_ga(edd, window.start), date_at_ga(edd, window.last)
    state: Literal["due", "overdue"] | None = None
    if window.past_end(ga):
        state = "overdue"
    elif as_of >= start - timedelta(days=look_ahead_days):
        state = "due"
    return Due(
        start,
        f"single scan {window.describe()}",
        schedule.overdue_priority,
        single=state,
        single_until=end,
        single_window=(window.start, window.last),
    )


def _serial(schedule: Schedule, patient: Patient, scans: DatedScans) -> Due | None:
    window = schedule.window
    edd = patient.edd
    latest = scans.latest_scan
    if latest is None or latest.ga < window.start:
        return Due(
            date_at_ga(edd, window.start),
            f"serial scans from {window.describe()}",
            schedule.overdue_priority,
        )
    interval, why = _interval(schedule, scans)
    due = latest.scan.date + timedelta(days=interval)
    if window.past_end(ga_days(edd, due)):
        return None
    return Due(
        due,
        f"serial scans {window.describe()} every {interval} days{why}",
        schedule.overdue_priority,
    )


def _interval(schedule: Schedule, scans: DatedScans) -> tuple[int, str]:
    """The interval, shortened when the latest recorded CL is below the profile's limit."""
    # spec: "the latest scan (any route) or the latest transvaginal scan has a
    # recorded CL below 30 mm": the shorter interval when either is below the limit.
    assert schedule.interval_days is not None  # enforced by Schedule's validator
    below, short = schedule.short_cl_below_mm, schedule.short_cl_interval_days
    if below is None or short is None:
        return schedule.interval_days, ""
    for scan in (scans.latest_scan, scans.latest_tv):
        if scan is not None and scan.cl_mm < below:
            return short, f" (latest CL {scan.cl_mm:.1f} mm {describe_limit('lt', below)})"
    return schedule.interval_days, ""
