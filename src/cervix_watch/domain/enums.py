"""Closed vocabularies from contract.md. Values are exactly the CSV/CLI spellings."""

from __future__ import annotations

from enum import StrEnum


class Route(StrEnum):
    TV = "tv"  # transvaginal: the only route CL thresholds look at
    TA = "ta"
    TP = "tp"


class FunnelShape(StrEnum):
    T = "T"
    Y = "Y"
    V = "V"
    U = "U"


class PriorCerclage(StrEnum):
    NO = "no"
    HISTORY = "history"
    ULTRASOUND = "ultrasound"
    EXAM = "exam"


class Dating(StrEnum):
    """How the EDD was set; a patient with none recorded has `dating` None (empty)."""

    ULTRASOUND = "ultrasound"
    IVF = "ivf"
    LMP = "lmp"  # the LMP alone, not confirmed by ultrasound (any.dating)


class CervicalExcision(StrEnum):
    NONE = "none"
    LLETZ = "lletz"
    LLETZ_DEEP = "lletz_deep"
    LLETZ_MULTIPLE = "lletz_multiple"
    CONE = "cone"
    TRACHELECTOMY = "trachelectomy"


class TreatmentType(StrEnum):
    CERCLAGE = "cerclage"
    PROGESTERONE = "progesterone"
    PESSARY = "pessary"


class CerclageKind(StrEnum):
    HISTORY = "history"
    ULTRASOUND = "ultrasound"
    EXAM = "exam"
    # placed through the abdomen, meant to stay for the birth by caesarean: no removal prompt
    TRANSABDOMINAL = "transabdominal"


class ProgesteroneKind(StrEnum):
    """The formulation of a progesterone course (contract version 3); empty = not recorded."""

    VAGINAL = "vaginal"
    # 17-hydroxyprogesterone caproate: no longer recommended (ACOG, SMFM 2023)
    IM_17OHPC = "im-17ohpc"
    ORAL = "oral"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DEFERRED = "deferred"


class CloseOutcome(StrEnum):
    DELIVERED = "delivered"
    LOSS = "loss"
    TRANSFERRED = "transferred"
    OTHER = "other"


class Action(StrEnum):
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


class Priority(StrEnum):
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


class Risk(StrEnum):
    HIGH = "high"
    INTERMEDIATE = "intermediate"
    LOW = "low"
