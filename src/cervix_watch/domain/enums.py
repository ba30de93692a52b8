"""Closed vocabularies from contract.md. Values are exactly the CSV/CLI spellings.

Every choice is read case-insensitively and kept in its one spelling (contract.md v3:
`LLETZ` is `lletz`, `TV` is `tv`, `t` is the funnel shape `T`): `Choice` does it once,
for the CLI, the CSV importer, the prompts and the store alike, since each of them
reads a choice through its enum (pydantic asks `_missing_` for a value it does not know).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self


class Choice(StrEnum):
    """A closed vocabulary whose values are matched case-insensitively, spaces trimmed."""

    @classmethod
    def _missing_(cls, value: Any) -> Self | None:
        # only for a spelling that is not a value as it stands: the exact one is looked up first
        if not isinstance(value, str):
            return None
        folded = value.strip().casefold()
        return next((member for member in cls if member.value.casefold() == folded), None)


class Route(Choice):
    TV = "tv"  # transvaginal: the only route CL thresholds look at
    TA = "ta"
    TP = "tp"


class FunnelShape(Choice):
    T = "T"
    Y = "Y"
    V = "V"
    U = "U"


class PriorCerclage(Choice):
    NO = "no"
    HISTORY = "history"
    ULTRASOUND = "ultrasound"
    EXAM = "exam"


class Dating(Choice):
    """How the EDD was set; a patient with none recorded has `dating` None (empty)."""

    ULTRASOUND = "ultrasound"
    IVF = "ivf"
    LMP = "lmp"  # the LMP alone, not confirmed by ultrasound (any.dating)


class CervicalExcision(Choice):
    NONE = "none"
    LLETZ = "lletz"
    LLETZ_DEEP = "lletz_deep"
    LLETZ_MULTIPLE = "lletz_multiple"
    CONE = "cone"
    TRACHELECTOMY = "trachelectomy"


class TreatmentType(Choice):
    CERCLAGE = "cerclage"
    PROGESTERONE = "progesterone"
    PESSARY = "pessary"


class CerclageKind(Choice):
    HISTORY = "history"
    ULTRASOUND = "ultrasound"
    EXAM = "exam"
    # placed through the abdomen, meant to stay for the birth by caesarean: no removal prompt
    TRANSABDOMINAL = "transabdominal"


class ProgesteroneKind(Choice):
    """The formulation of a progesterone course (contract version 3); empty = not recorded."""

    VAGINAL = "vaginal"
    # 17-hydroxyprogesterone caproate: no longer recommended (ACOG, SMFM 2023)
    IM_17OHPC = "im-17ohpc"
    ORAL = "oral"


class Outcome(Choice):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DEFERRED = "deferred"


class CloseOutcome(Choice):
    DELIVERED = "delivered"
    LOSS = "loss"
    TRANSFERRED = "transferred"
    OTHER = "other"


class Action(Choice):
    CERCLAGE_DISCUSSION = "cerclage-discussion"
    HISTORY_CERCLAGE_DISCUSSION = "history-cerclage-discussion"
    RESCUE_CERCLAGE_REVIEW = "rescue-cerclage-review"
    PROGESTERONE_DISCUSSION = "progesterone-discussion"
    SURVEILLANCE_INCREASE = "surveillance-increase"
    SCAN_DUE = "scan-due"
    SCAN_OVERDUE = "scan-overdue"
    REFER_PTB_CLINIC = "refer-ptb-clinic"
    CERCLAGE_REMOVAL_DUE = "cerclage-removal-due"
    PROGESTERONE_STOP_DUE = "progesterone-stop-due"
    MEASUREMENT_QUALITY = "measurement-quality"
    FUNNELING_NOTED = "funneling-noted"
    SLUDGE_NOTED = "sludge-noted"
    SHORT_CERVIX_NOTED = "short-cervix-noted"
    # contract version 2
    ACUTE_REVIEW = "acute-review"  # urgent symptoms or signs: assess now
    SYMPTOMS_NOTED = "symptoms-noted"  # watch symptoms at the latest visit
    DATING_CHECK = "dating-check"  # the EDD rests on the LMP alone
    SMOKING_CESSATION = "smoking-cessation"  # offer a stop-smoking referral


class Priority(Choice):
    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for urgent ... 3 for info (the declaration order): sort ascending, urgent first."""
        return _PRIORITY_RANK[self]


# The one ranking of priorities: their order above. Computed once (the review sorts many flags).
_PRIORITY_RANK = {priority: rank for rank, priority in enumerate(Priority)}


class Risk(Choice):
    HIGH = "high"
    INTERMEDIATE = "intermediate"
    LOW = "low"
