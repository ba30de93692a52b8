"""Plausibility windows for a pregnancy's dates (contract.md, "Identifiers, units, dates").

A typo in an EDD moves every GA of the record, so an EDD is accepted only where it can
belong to the pregnancy being registered: GA today between 0+0 and 44+0 for `patient
add` and `patient edit`; for `import`, past pregnancies too (EDD from 1900-01-01 to
today + 280 days). "Today" is always a parameter: the domain never reads the clock.
"""

from __future__ import annotations

from datetime import date

from cervix_watch.domain.errors import Problem
from cervix_watch.domain.ga import edd_at, format_ga, ga_days

# GA today for a pregnancy being registered or corrected: 0+0 to 44+0 inclusive.
MIN_GA_TODAY_DAYS = 0
MAX_GA_TODAY_DAYS = 44 * 7
# The earliest EDD an import takes (a past pregnancy, e.g. from a previous system).
EARLIEST_IMPORTED_EDD = date(1900, 1, 1)


def current_edd_problem(edd: date, today: date, field: str = "edd") -> Problem | None:
    """An EDD (given, or LMP + 280) must put GA today between 0+0 and 44+0."""
    days = ga_days(edd, today)
    if MIN_GA_TODAY_DAYS <= days <= MAX_GA_TODAY_DAYS:
        return None
    ga = format_ga(days) if days >= 0 else f"-{format_ga(-days)}"
    return Problem(
        field,
        f"{edd} puts GA today ({today}) at {ga}, outside "
        f"{format_ga(MIN_GA_TODAY_DAYS)} to {format_ga(MAX_GA_TODAY_DAYS)}",
    )


def imported_edd_problem(edd: date, today: date, field: str = "edd") -> Problem | None:
    """An imported EDD may be a past pregnancy's: from 1900-01-01 to today + 280 days."""
    latest = edd_at(today, 0)
    if EARLIEST_IMPORTED_EDD <= edd <= latest:
        return None
    return Problem(
        field, f"{edd} is outside {EARLIEST_IMPORTED_EDD} to {latest} (today + 280 days)"
    )


def closure_ga_problem(given_days: int | None, closed_on: date, edd: date) -> Problem | None:
    """`patient close --ga`: the GA at closure is the one the closure date and the EDD give
    (contract v3); a GA typed beside them must be that one. A term GA stored for a birth
    whose dates say 25+4 would count her as term in the audit."""
    computed = ga_days(edd, closed_on)
    if given_days is None or given_days == computed:
        return None
    return Problem(
        "ga",
        f"{format_ga(given_days)} differs from {format_ga(computed)}, the GA on {closed_on} "
        f"by the EDD {edd} (leave out --ga to record {format_ga(computed)}, or correct "
        "--date or the EDD)",
    )


__all__ = [
    "EARLIEST_IMPORTED_EDD",
    "MAX_GA_TODAY_DAYS",
    "closure_ga_problem",
    "current_edd_problem",
    "imported_edd_problem",
]
