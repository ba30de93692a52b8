"""The quarterly clinic audit (audit.md), computed with pandas over the stored records.

Nothing here is a second copy of the rules: the risk category is the
engine's `risk_by_history` (computed once per distinct obstetric history),
the windows, the short-cervix band, the discussion window and the outcome
bands are the profile's `[audit]` data, "recorded CL" and "qualifying CL"
read as in clinical-rules.md (shortest measurement; shortest transvaginal
recorded CL with the scan's GA in the window; tested equal to the engine's
`PatientContext.qualifying`), and `open_points` is the review engine's own
result as of `to`. No clock is read: `to` is the as-of date.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Any

import pandas as pd

from cervix_watch.audit.result import ClinicAudit, Count, Median
from cervix_watch.domain.cl import recorded_cl_column
from cervix_watch.domain.enums import (
    CerclageKind,
    CloseOutcome,
    Priority,
    Risk,
    Route,
    TreatmentType,
)
from cervix_watch.domain.ga import edd_at, format_ga, ga_days_column
from cervix_watch.rules import Profile, Review
from cervix_watch.rules.engine import HISTORY_FIELDS
from cervix_watch.rules.risk import risk_by_history
from cervix_watch.rules.schema import ClBand, compare
from cervix_watch.store.auditread import AuditRecords
from cervix_watch.store.rows import patient_from_row

NOT_IN_PERIOD = "not at 16+0 or later during the period"
OPEN_PRIORITIES = frozenset({Priority.URGENT.value, Priority.HIGH.value})
OUTCOMES = (CloseOutcome.DELIVERED.value, CloseOutcome.LOSS.value)


def edd_range(period_from: date, period_to: date) -> tuple[date, date]:
    """The EDDs a pregnancy in the clinic during the period can have (audit.md, Cohort)."""
    return period_from, edd_at(period_to, 0)


def clinic_audit(
    records: AuditRecords, profile: Profile, period_from: date, period_to: date, review: Review
) -> ClinicAudit:
    """Every measure of audit.md; `review` is the engine's review of the clinic as of `to`."""
    cohort = _cohort(records.patients, profile, period_from, period_to)
    scans = _scans_with_ga(records.scans, cohort)
    window = profile.audit.window
    tv = scans[scans["route"] == Route.TV.value]
    in_window = tv[tv["ga"].between(window.start, window.last)]
    short, discussed, days = _short_cervix(records, profile, in_window)
    return ClinicAudit(
        period_from=period_from,
        period_to=period_to,
        profile=profile.name,
        profile_sha256=profile.sha256,
        cohort=len(cohort),
        left_out={NOT_IN_PERIOD: len(records.patients) - len(cohort)},
        screened_by_24w=_screened(cohort, in_window, window.last),
        first_scan_ga_median=_first_scan_median(cohort, tv, window.start),
        short_cervix=short,
        short_cervix_discussed=discussed,
        days_to_discussion_median=days,
        treated=_treated(records.treatments, cohort),
        outcome_ga=_outcomes(cohort, profile),
        open_points=_open_points(review),
    )


def _cohort(
    patients: pd.DataFrame, profile: Profile, period_from: date, period_to: date
) -> pd.DataFrame:
    """Pregnancies at 16+0 or later on some day of the period while still ongoing.

    `ga_end` is the GA on the last such day: at `to`, or at the closure when the
    pregnancy closed by then (the recorded GA at closure when there is one).
    """
    p = patients.set_index("patient_id")
    to = pd.Timestamp(period_to)
    closed = p["closed_date"].notna() & (p["closed_date"] <= to)
    last_day = p["closed_date"].where(closed, to)
    ga_last = ga_days_column(p["edd"], last_day)
    recorded = pd.to_numeric(p["close_ga_days"], errors="coerce")
    ga_end = ga_last.where(~closed | recorded.isna(), recorded)
    p = p.assign(closed=closed, ga_end=ga_end, risk=_risk_by_history(p, profile))
    in_clinic = (last_day >= pd.Timestamp(period_from)) & (ga_end >= profile.audit.window.start)
    return p[in_clinic]


def _risk_by_history(patients: pd.DataFrame, profile: Profile) -> pd.Series[Any]:
    """The engine's risk by history, computed once per distinct obstetric history.

    The history is every Patient field the engine's rule filters and risk read
    (`rules.engine.HISTORY_FIELDS`); one stored row per distinct history is
    rebuilt as a Patient (`store.rows.patient_from_row`) and handed to the engine.
    """
    fields = list(HISTORY_FIELDS)
    if patients.empty:
        return pd.Series([], index=patients.index, dtype=object)
    codes = patients.groupby(fields, dropna=False, sort=False).ngroup()
    first = ~codes.duplicated()
    rows = patients[first].reset_index().to_dict("records")
    risk_of = {
        code: risk_by_history(profile, patient_from_row(_stored_values(row))).value
        for code, row in zip(codes[first], rows, strict=True)
    }
    return codes.map(risk_of)


def _stored_values(row: dict[Any, Any]) -> dict[str, Any]:
    """A frame row back to the values the database gave: NaN -> None, whole floats -> int
    (pandas holds an integer column with a NULL in it as floats)."""
    return {str(name): _stored(value) for name, value in row.items()}


def _stored(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else int(value) if value.is_integer() else value
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _scans_with_ga(scans: pd.DataFrame, cohort: pd.DataFrame) -> pd.DataFrame:
    """The cohort's scans with their GA and recorded CL (the shortest measurement)."""
    s = scans[scans["patient_id"].isin(cohort.index)]
    # reindex, not Series.map: map of an empty column onto dates fails in pandas 2
    edd = pd.Series(cohort["edd"].reindex(s["patient_id"]).to_numpy(), index=s.index)
    return s.assign(
        ga=ga_days_column(edd, s["date"]),
        cl_mm=recorded_cl_column(s[["cl1_mm", "cl2_mm", "cl3_mm"]]),
    )


def _screened(cohort: pd.DataFrame, in_window: pd.DataFrame, window_last: int) -> Count:
    """High-risk patients who went through the whole window, and those scanned (TV) in it."""
    eligible = cohort.index[(cohort["risk"] == Risk.HIGH.value) & (cohort["ga_end"] >= window_last)]
    return Count(int(eligible.isin(in_window["patient_id"]).sum()), len(eligible))


def _first_scan_median(cohort: pd.DataFrame, tv: pd.DataFrame, start: int) -> Median:
    """Median GA of the first transvaginal scan from the window's start, high risk."""
    high = cohort.index[cohort["risk"] == Risk.HIGH.value]
    from_start = tv[(tv["ga"] >= start) & tv["patient_id"].isin(high)]
    first = from_start.groupby("patient_id")["ga"].min()
    return _median(first, is_ga=True)


def _meets(cl_mm: pd.Series[Any], band: ClBand) -> pd.Series[Any]:
    """`band.met` over a column: the profile's comparison (and floor), vectorised."""
    met = compare(cl_mm, band.comparison, band.threshold_mm)  # type: ignore[arg-type]
    if band.floor_mm is not None:
        met = met & compare(cl_mm, band.floor_comparison, band.floor_mm)  # type: ignore[arg-type]
    return met  # type: ignore[return-value]


def _short_cervix(
    records: AuditRecords, profile: Profile, in_window: pd.DataFrame
) -> tuple[Count, Count, Median]:
    """Short cervix among those scanned (TV) in the window; discussed within the days allowed.

    Qualifying CL: the shortest transvaginal recorded CL in the window. The
    discussion clock starts at the first scan in the window that meets the band
    (the first qualifying scan) and runs `discussion_within_days` days, both ends
    included; a discussion record of one of the audit's actions or any treatment
    started in that span counts.
    """
    spec = profile.audit
    qualifying = in_window.groupby("patient_id")["cl_mm"].min()
    short_ids = qualifying.index[_meets(qualifying, spec.short_cervix)]
    short = Count(len(short_ids), len(qualifying))
    short_scans = in_window[_meets(in_window["cl_mm"], spec.short_cervix)]
    first_short = short_scans.groupby("patient_id")["date"].min().rename("first_short")
    actions = [action.value for action in spec.discussion_actions]
    talks = records.discussions[records.discussions["action"].isin(actions)]
    events = pd.concat(
        [
            talks[["patient_id", "date"]],
            records.treatments[["patient_id", "start"]].rename(columns={"start": "date"}),
        ]
    )
    events = events.merge(first_short.reset_index(), on="patient_id")
    after = (events["date"] - events["first_short"]).dt.days
    in_time = events[(after >= 0) & (after <= spec.discussion_within_days)]
    first_talk = in_time.groupby("patient_id")["date"].min()
    days = (first_talk - first_short.reindex(first_talk.index)).dt.days
    return short, Count(len(days), len(short_ids)), _median(days)


def _median(values: pd.Series[Any], *, is_ga: bool = False) -> Median:
    if values.empty:
        return Median(0, None, is_ga)
    return Median(len(values), float(values.median()), is_ga)


def treatment_keys() -> list[str]:
    """The `treated` breakdown: cerclage by kind (and kind not recorded), then the others."""
    kinds = [f"cerclage-{kind.value}" for kind in CerclageKind]
    others = [t.value for t in TreatmentType if t is not TreatmentType.CERCLAGE]
    return [*kinds, "cerclage-kind-not-recorded", *others]


def _treated(treatments: pd.DataFrame, cohort: pd.DataFrame) -> dict[str, Count]:
    """Patients of the cohort with each treatment started in the pregnancy (by `to`)."""
    mine = treatments[treatments["patient_id"].isin(cohort.index)]
    is_cerclage = mine["type"] == TreatmentType.CERCLAGE.value
    key = mine["type"].where(
        ~is_cerclage, "cerclage-" + mine["kind"].fillna("kind-not-recorded").astype(str)
    )
    patients = mine.assign(key=key).groupby("key")["patient_id"].nunique()
    return {k: Count(int(patients.get(k, 0)), len(cohort)) for k in treatment_keys()}


def outcome_bands(profile: Profile) -> list[str]:
    """Band names from the profile's cut points: "<24+0", "24+0-33+6", ..., ">=37+0"."""
    cuts = profile.audit.outcome_bands_from
    middle = [f"{format_ga(a)}-{format_ga(b - 1)}" for a, b in itertools.pairwise(cuts)]
    return [f"<{format_ga(cuts[0])}", *middle, f">={format_ga(cuts[-1])}"]


def risk_categories(profile: Profile) -> list[str]:
    """The profile's risk categories, highest first (acog-smfm has no intermediate band)."""
    found = [Risk.HIGH.value]
    if profile.risk.intermediate is not None:
        found.append(Risk.INTERMEDIATE.value)
    return [*found, Risk.LOW.value]


def _outcomes(cohort: pd.DataFrame, profile: Profile) -> dict[str, dict[str, Count]]:
    """Per risk by history: delivered or lost pregnancies by GA at closure."""
    ended = cohort[cohort["closed"] & cohort["close_outcome"].isin(OUTCOMES)]
    cuts = [-math.inf, *profile.audit.outcome_bands_from, math.inf]
    names = outcome_bands(profile)
    band = pd.cut(ended["ga_end"], bins=cuts, right=False, labels=names)
    found: dict[str, dict[str, Count]] = {}
    for risk in risk_categories(profile):
        mine = band[ended["risk"] == risk]
        counts = {str(name): int(n) for name, n in mine.value_counts().items()}
        found[risk] = {name: Count(counts.get(name, 0), len(mine)) for name in names}
    return found


def _open_points(review: Review) -> Count:
    """Active patients at `to` with an unaddressed high or urgent point (the review's own)."""
    open_ = sum(
        1 for p in review.patients if any(f.priority.value in OPEN_PRIORITIES for f in p.flags)
    )
    return Count(open_, len(review.patients))
