"""Rounding of the audit's percentages and medians (exact, half-up)."""

from __future__ import annotations

import pytest

from cervix_watch.audit import Count, Median


@pytest.mark.parametrize(
    ("n", "of", "pct"),
    [(1, 8, 12.5), (1, 16, 6.3), (2, 3, 66.7), (1, 3, 33.3), (1, 40, 2.5), (7, 7, 100.0)],
)
def test_pct_is_rounded_half_up_to_one_decimal(n: int, of: int, pct: float) -> None:
    """1 of 16 is 6.25 %: half-up gives 6.3 (round() would give 6.2); no float noise."""
    assert Count(n, of).pct == pct
    assert repr(Count(n, of).pct) == repr(pct)


def test_pct_of_nobody_is_none() -> None:
    """0 of 0 has no percentage (null in JSON), not 0 or a division error."""
    assert Count(0, 0).to_json_dict() == {"n": 0, "of": 0, "pct": None}


@pytest.mark.parametrize(("days", "ga"), [(150.5, "21+4"), (150.0, "21+3"), (111.5, "16+0")])
def test_median_ga_rounds_a_half_day_up(days: float, ga: str) -> None:
    """An even count's median can fall on a half day: w+d rounds it up, days keep the half."""
    median = Median(2, days, is_ga=True)
    assert median.ga == ga
    assert median.to_json_dict() == {"n": 2, "days": days, "ga": ga}
