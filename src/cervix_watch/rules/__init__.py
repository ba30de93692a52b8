"""Guideline engine: profile (TOML) + patient records + review date -> risk, schedule, flags.

Public surface:
- profiles: `builtin_profile_names`, `builtin_profile_text`, `load_profile`,
  `check_profile_file`, `Profile`
- engine: `PatientHistory`, `evaluate`, `review_clinic`
- results: `Review`, `PatientReview`, `Flag`, `flags_raised_by_scan`, `flags_raised_by_exam`
"""

from cervix_watch.domain.pregnancy import PatientHistory
from cervix_watch.rules.engine import evaluate, review_clinic
from cervix_watch.rules.profile import (
    DEFAULT_PROFILE,
    Profile,
    builtin_profile_names,
    builtin_profile_text,
    check_profile_file,
    load_profile,
    profile_from_toml,
    profile_toml,
)
from cervix_watch.rules.review import (
    Flag,
    PatientReview,
    Review,
    flags_raised_by_exam,
    flags_raised_by_scan,
)
from cervix_watch.rules.risk import risk_reasons

__all__ = [
    "DEFAULT_PROFILE",
    "Flag",
    "PatientHistory",
    "PatientReview",
    "Profile",
    "Review",
    "builtin_profile_names",
    "builtin_profile_text",
    "check_profile_file",
    "evaluate",
    "flags_raised_by_exam",
    "flags_raised_by_scan",
    "load_profile",
    "profile_from_toml",
    "profile_toml",
    "review_clinic",
    "risk_reasons",
]
