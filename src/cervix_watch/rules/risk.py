"""Risk category of a pregnancy under a profile (clinical-rules.md, "Risk category").

The categories are data: `[risk.high]` and `[risk.intermediate]` are any-of
history criteria, and `[risk.cl_upgrade]` (NICE / Saving Babies' Lives
element 5: "any CL <= 25 mm already recorded in this pregnancy") moves a
patient to high on a transvaginal CL alone. Rules that speak of "risk by
history" (nice.incidental-short) read the category before that upgrade.
Under a profile with `pprom_counts_as_sptb` (acog-smfm) a previous preterm
PPROM counts as a prior spontaneous preterm birth.
"""

from __future__ import annotations

from cervix_watch.domain.enums import Risk
from cervix_watch.domain.models import Patient
from cervix_watch.rules.context import ScanAt
from cervix_watch.rules.profile import Profile
from cervix_watch.rules.schema import compare


def risk_by_history(profile: Profile, patient: Patient) -> Risk:
    """High / intermediate / low from the obstetric history alone."""
    pprom = profile.pprom_counts_as_sptb
    if profile.risk.high.matches(patient, pprom_counts_as_sptb=pprom):
        return Risk.HIGH
    intermediate = profile.risk.intermediate
    if intermediate is not None and intermediate.matches(patient, pprom_counts_as_sptb=pprom):
        return Risk.INTERMEDIATE
    return Risk.LOW


def risk_category(profile: Profile, tv_scans: tuple[ScanAt, ...], by_history: Risk) -> Risk:
    """The category shown in the review: history, upgraded by a short transvaginal CL."""
    upgrade = profile.risk.cl_upgrade
    if by_history is Risk.HIGH or upgrade is None:
        return by_history
    for scan in tv_scans:
        if compare(scan.cl_mm, upgrade.comparison, upgrade.threshold_mm):
            return Risk.HIGH
    return by_history


def risk_reasons(profile: Profile, patient: Patient) -> list[str]:
    """Why the history puts this patient in her category (for `patient show`)."""
    pprom = profile.pprom_counts_as_sptb
    found = profile.risk.high.reasons(patient, pprom_counts_as_sptb=pprom)
    if not found and profile.risk.intermediate is not None:
        found = profile.risk.intermediate.reasons(patient, pprom_counts_as_sptb=pprom)
    return found
