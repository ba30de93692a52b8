"""GA arithmetic and parsing (contract: GA days = 280 - (EDD - date))."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cervix_watch.domain.ga import (
    MAX_GA_DAYS,
    date_at_ga,
    edd_at,
    edd_from_lmp,
    format_ga,
    ga_days,
    ga_days_column,
    parse_ga,
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("20+3", 143),
        ("20w3d", 143),
        ("20W3D", 143),
        ("20w0d", 140),
        ("24+0", 168),
        ("23+6", 167),
        (" 16 + 0 ", 112),
        ("0+0", 0),
        ("44+6", MAX_GA_DAYS),
    ],
)
def test_parse_ga_accepts_the_contract_spellings(text: str, days: int) -> None:
    """`20+3` and `20w3d` parse to days."""
    assert parse_ga(text) == days


@pytest.mark.parametrize("text", ["20+7", "20w9d", "abc", "", "45+0", "-1+0", "20,4", "20+3+1"])
def test_parse_ga_rejects_malformed_or_impossible(text: str) -> None:
    """Days over 6, words, and GAs past 44+6 are refused with a ValueError."""
    with pytest.raises(ValueError, match=r"."):
        parse_ga(text)


@pytest.mark.parametrize("text", ["20w", "20", "20w3", "20 weeks"])
def test_parse_ga_refuses_spellings_the_contract_does_not_list(text: str) -> None:
    """`20w` (no days), a bare number or words: refused, naming the two spellings."""
    with pytest.raises(ValueError, match=r"use 20\+3 or 20w3d"):
        parse_ga(text)


@given(st.integers(min_value=0, max_value=MAX_GA_DAYS))
def test_format_then_parse_round_trips(days: int) -> None:
    """Every GA printed as w+d parses back to the same number of days."""
    assert parse_ga(format_ga(days)) == days


@pytest.mark.parametrize("text", ["26.3", "26.0", "20.43", " 26.3 ", "26,3"])
def test_decimal_weeks_are_refused_as_ambiguous(text: str) -> None:
    """`26.3` could mean 26+3 (as typed) or 26.3 weeks (26+2): refused, naming both spellings."""
    with pytest.raises(ValueError, match=r"ambiguous.*26\+3 or 26w3d"):
        parse_ga(text)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=MAX_GA_DAYS),
)
def test_date_at_ga_inverts_ga_days(edd: date, days: int) -> None:
    """The date at a GA has exactly that GA."""
    assert ga_days(edd, date_at_ga(edd, days)) == days


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=MAX_GA_DAYS),
)
def test_edd_at_inverts_ga_days(on: date, days: int) -> None:
    """A pregnancy due on `edd_at(on, days)` has exactly that GA on `on`."""
    assert ga_days(edd_at(on, days), on) == days


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
            st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_ga_days_column_is_ga_days_row_by_row(pairs: list[tuple[date, date]]) -> None:
    """The audit's column GA equals `ga_days` of each (EDD, date) pair."""
    edd = pd.Series(pd.to_datetime([e for e, _ in pairs]))
    on = pd.Series(pd.to_datetime([o for _, o in pairs]))
    assert list(ga_days_column(edd, on)) == [ga_days(e, o) for e, o in pairs]


def test_edd_is_lmp_plus_280_days() -> None:
    """Naegele's rule as the contract states it; GA at the EDD is 40+0."""
    lmp = date(2026, 6, 7)
    assert edd_from_lmp(lmp) == lmp + timedelta(days=280)
    assert format_ga(ga_days(edd_from_lmp(lmp), edd_from_lmp(lmp))) == "40+0"
