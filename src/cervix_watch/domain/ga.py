"""Gestational-age arithmetic. Inside the program GA is an int of days; `w+d` only at the edges.

GA days = 280 - (EDD - date)  (contract.md). "24+0" is 168 days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

PREGNANCY_DAYS = 280
_WD = re.compile(r"^\s*(\d{1,2})\s*\+\s*(\d)\s*$")
_WEEKS_DAYS = re.compile(r"^\s*(\d{1,2})\s*w\s*(\d)\s*d\s*$", re.IGNORECASE)
_DECIMAL = re.compile(r"^\s*\d{1,2}[.,]\d+\s*$")

# Anything beyond this is not a gestational age of a current or previous pregnancy.
MAX_GA_DAYS = 44 * 7 + 6


def ga_days(edd: date, on: date) -> int:
    """GA in days on `on` for a pregnancy due on `edd`."""
    return PREGNANCY_DAYS - (edd - on).days


def ga_days_column(edd: pd.Series[Any], on: pd.Series[Any]) -> pd.Series[int]:
    """`ga_days` over pandas date columns, row by row (the audit's vectorised read)."""
    return PREGNANCY_DAYS - (edd - on).dt.days


def edd_at(on: date, days: int) -> date:
    """The EDD of a pregnancy whose GA on `on` is `days` (`ga_days` solved for the EDD)."""
    return on + timedelta(days=PREGNANCY_DAYS - days)


def date_at_ga(edd: date, days: int) -> date:
    """The calendar date on which the pregnancy reaches `days` of gestation."""
    return edd - timedelta(days=PREGNANCY_DAYS - days)


def edd_from_lmp(lmp: date) -> date:
    """EDD = LMP + 280 days (Naegele, as the contract defines it)."""
    return lmp + timedelta(days=PREGNANCY_DAYS)


def format_ga(days: int) -> str:
    """`143` -> `"20+3"`."""
    weeks, rest = divmod(days, 7)
    return f"{weeks}+{rest}"


def parse_ga(text: str) -> int:
    """Parse `20+3` or `20w3d` into days (contract.md: those two spellings only; `20w`
    must be written `20+0` or `20w0d`).

    Decimal weeks are refused (contract.md): a typist writing `26.3` means 26+3,
    while 26.3 weeks is 26+2, so the program cannot know which was meant.
    Raises ValueError with a message fit for a user.
    """
    if match := _WD.match(text) or _WEEKS_DAYS.match(text):
        weeks, days = int(match[1]), int(match[2])
        if days > 6:
            raise ValueError(f"days must be 0-6 in {text.strip()!r}")
        total = weeks * 7 + days
    elif _DECIMAL.match(text):
        raise ValueError(
            f"{text.strip()!r} is ambiguous: decimal weeks are not accepted (write 26+3 or 26w3d)"
        )
    else:
        raise ValueError(f"{text.strip()!r} is not a gestational age (use 20+3 or 20w3d)")
    if total > MAX_GA_DAYS:
        raise ValueError(f"{format_ga(total)} is beyond 44+6")
    return total
