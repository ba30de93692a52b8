"""Surveillance schedule: when the next CL scan is due (clinical-rules.md, "Surveillance schedule").

Every route counts here (a transabdominal scan is still a scan); voided scans
are already left out by the caller. The windows and intervals are the
profile's `[schedules.<risk>]` tables.
"""

from __future__ import annotations

from datetime import timedelta

from cervix_watch.domain.ga import date_at_ga, ga_days
from cervix_watch.rules.context import Due, PatientContext
from cervix_watch.rules.profile import Profile, Schedule
from cervix_watch.rules.schema import describe_limit


def next_scan_due(profile: Profile, context: PatientContext) -> Due | None:
    """The next surveillance scan's due date, or None when no scan is scheduled."""
    # SMFM Consult #40: no routine CL screening after cerclage.
    if context.cerclage is not None:
        return None
    if not context.patient.singleton and not profile.multiple_pregnancy.schedule:
        return None
    schedule = profile.schedules.get(context.risk)
    if schedule is None or schedule.window.past_end(context.ga):
        return None
    if schedule.kind == "single":
        return _single(schedule, context)
    return _serial(schedule, context)


def _single(schedule: Schedule, context: PatientContext) -> Due | None:
    counts_from = schedule.single_counts_from
    if any(scan.ga >= counts_from for scan in context.scans):
        return None
    start = date_at_ga(context.patient.edd, schedule.window.start)
    return Due(start, f"single scan {schedule.window.describe()}")


def _serial(schedule: Schedule, context: PatientContext) -> Due | None:
    window = schedule.window
    edd = context.patient.edd
    latest = context.latest_scan
    if latest is None or latest.ga < window.start:
        return Due(date_at_ga(edd, window.start), f"serial scans from {window.describe()}")
    interval, why = _interval(schedule, context)
    due = latest.scan.date + timedelta(days=interval)
    if window.past_end(ga_days(edd, due)):
        return None
    return Due(due, f"serial scans {window.describe()} every {interval} days{why}")


def _interval(schedule: Schedule, context: PatientContext) -> tuple[int, str]:
    """The interval, shortened when the latest recorded CL is below the profile's limit."""
    # spec: "the latest recorded CL" could mean the latest scan of any route
    # (the schedule counts every route) or the latest transvaginal scan (CL
    # thresholds look at tv only). We take the shorter interval when either is
    # below the limit: a missed week costs more than an extra scan.
    assert schedule.interval_days is not None  # enforced by Schedule's validator
    below, short = schedule.short_cl_below_mm, schedule.short_cl_interval_days
    if below is None or short is None:
        return schedule.interval_days, ""
    for scan in (context.latest_scan, context.latest_tv):
        if scan is not None and scan.cl_mm < below:
            return short, f" (latest CL {scan.cl_mm:.1f} mm {describe_limit('lt', below)})"
    return schedule.interval_days, ""
