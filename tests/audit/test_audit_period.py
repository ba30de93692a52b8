"""`last_full_quarter`: the audit's default period, the quarter that ended before a day."""

from __future__ import annotations

from datetime import date

import pytest

from cervix_watch.audit import last_full_quarter


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        # a quarter's first day: the quarter just ended is full
        (date(2026, 10, 1), date(2026, 7, 1), date(2026, 9, 30)),
        # its last day: that quarter is not over yet, so the one before it
        (date(2026, 9, 30), date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 12, 1), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2026, 7, 1), date(2026, 9, 30)),
        # January: the last quarter of the year before
        (date(2027, 1, 1), date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 3, 31), date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2024, 5, 15), date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_last_full_quarter(today: date, first: date, last: date) -> None:
    """The quarter before the one `today` is in, first and last day included."""
    assert last_full_quarter(today) == (first, last)
