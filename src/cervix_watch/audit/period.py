"""The audit's default period: the last full calendar quarter before a given day.

Clinics report by quarter (audit.md), so `audit` without `--from`/`--to` covers the
quarter that ended most recently. The day comes from the caller (the CLI reads the
clock); a quarter's own last day is not yet "full", so on 30 September the default is
April to June.
"""

from __future__ import annotations

from datetime import date, timedelta


def last_full_quarter(today: date) -> tuple[date, date]:
    """(first day, last day) of the calendar quarter that ended before `today`."""
    this_quarter_first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter_start = date(today.year, this_quarter_first_month, 1)
    last_day = this_quarter_start - timedelta(days=1)
    first_day = date(last_day.year, last_day.month - 2, 1)
    return first_day, last_day
