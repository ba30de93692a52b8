"""What the clinic audit returns: counts with denominators, medians, and the cohort.

Plain frozen dataclasses that renderers (report/audit_*.py) only read.
`ClinicAudit.to_json_dict()` is the exact JSON of `audit --format json`:
percentages are rounded half-up to one decimal with `Decimal`, so 2 of 3 is
66.7 and 1 of 8 is 12.5, never 66.66666666666667 or a banker's 12.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cervix_watch.domain.ga import format_ga
from cervix_watch.rules.identity import identity_json

_TENTH = Decimal("0.1")


def half_up(value: Decimal) -> float:
    """`value` rounded half-up to one decimal, as the float that prints that way."""
    return float(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Count:
    """`n` of `of` patients, and the percentage (None when there is no one to count)."""

    n: int
    of: int

    @property
    def pct(self) -> float | None:
        return None if self.of == 0 else half_up(Decimal(self.n * 100) / Decimal(self.of))

    def to_json_dict(self) -> dict[str, Any]:
        return {"n": self.n, "of": self.of, "pct": self.pct}


@dataclass(frozen=True, slots=True)
class Median:
    """The median of `n` values in days (None when n is 0); GA medians also as w+d."""

    n: int
    days: float | None
    is_ga: bool = False

    @property
    def ga(self) -> str | None:
        """The median GA as w+d, the half-day of an even count rounded up to a whole day."""
        if self.days is None or not self.is_ga:
            return None
        return format_ga(int(Decimal(str(self.days)).quantize(Decimal(1), ROUND_HALF_UP)))

    def to_json_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"n": self.n, "days": self.days}
        if self.is_ga:
            found["ga"] = self.ga
        return found


@dataclass(frozen=True, slots=True)
class ClinicAudit:
    """The quarter's measures (audit.md), keyed as in the JSON; breakdowns are dicts."""

    period_from: date
    period_to: date
    profile: str
    cohort: int
    left_out: dict[str, int]
    screened_by_24w: Count
    first_scan_ga_median: Median
    short_cervix: Count
    short_cervix_discussed: Count
    days_to_discussion_median: Median
    treated: dict[str, Count]
    outcome_ga: dict[str, dict[str, Count]]
    open_points: Count
    profile_sha256: str | None = None  # None: a built-in profile as shipped

    def rows(self) -> list[tuple[str, str, Count | Median]]:
        """Every measure as (key, breakdown, value): one line of the table or the CSV."""
        found: list[tuple[str, str, Count | Median]] = [
            ("screened_by_24w", "", self.screened_by_24w),
            ("first_scan_ga_median", "", self.first_scan_ga_median),
            ("short_cervix", "", self.short_cervix),
            ("short_cervix_discussed", "", self.short_cervix_discussed),
            ("days_to_discussion_median", "", self.days_to_discussion_median),
        ]
        found += [("treated", key, count) for key, count in self.treated.items()]
        for risk, bands in self.outcome_ga.items():
            found += [("outcome_ga", f"{risk} {band}", count) for band, count in bands.items()]
        found.append(("open_points", "", self.open_points))
        return found

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            **identity_json(self.profile, self.profile_sha256),
            "cohort": self.cohort,
            "left_out": dict(self.left_out),
            "measures": {
                "screened_by_24w": self.screened_by_24w.to_json_dict(),
                "first_scan_ga_median": self.first_scan_ga_median.to_json_dict(),
                "short_cervix": self.short_cervix.to_json_dict(),
                "short_cervix_discussed": self.short_cervix_discussed.to_json_dict(),
                "days_to_discussion_median": self.days_to_discussion_median.to_json_dict(),
                "treated": {key: c.to_json_dict() for key, c in self.treated.items()},
                "outcome_ga": {
                    risk: {band: c.to_json_dict() for band, c in bands.items()}
                    for risk, bands in self.outcome_ga.items()
                },
                "open_points": self.open_points.to_json_dict(),
            },
        }
