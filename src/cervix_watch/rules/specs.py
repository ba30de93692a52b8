"""The rule entries of a profile (`[[rules]]` tables), one model per condition `kind`.

A rule entry is data: its id, the action(s) it raises, priority, citation and
numbers. The `kind` picks the rule *function* from the fixed registry in
`checks.py`; a clinic can change any number, priority or citation, or add a
`local.*` rule of an existing kind, without touching code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from cervix_watch.domain.enums import Action, Priority, Risk, Route, TreatmentType
from cervix_watch.rules.schema import (
    Above,
    Citation,
    ClBand,
    Ga,
    HistoryCriteria,
    ShortCl,
    Spec,
    ThresholdMm,
    Window,
)

# Every rule id of clinical-rules.md, with the kind of condition it is. A
# profile may use these ids, or its own ids starting with "local.".
# The twin rules and the schedule rules have no id in the spec; these are ours.
KNOWN_RULE_IDS: dict[str, str] = {
    "acog.usi-cerclage": "qualifying-cl",
    "smfm.vp-short-cervix": "qualifying-cl",
    "smfm.vp-shared-decision": "qualifying-cl",
    "smfm.vp-prior-sptb": "history",
    "acog.history-cerclage": "history",
    "acog.exam-cerclage": "exam",
    "acog.weekly-cl": "latest-cl",
    "acog.cerclage-removal": "treatment-end",
    "acog.progesterone-stop": "treatment-end",
    "acog.twins-short-cervix": "qualifying-cl",
    "nice.choice": "qualifying-cl",
    "nice.vp-history": "history",
    "nice.vp-short-cervix": "qualifying-cl",
    "nice.cerclage-pprom-trauma": "qualifying-cl",
    "nice.incidental-short": "qualifying-cl",
    "rcog.history-cerclage": "history",
    "nice.rescue": "exam",
    "nice.cerclage-removal": "treatment-end",
    "nice.progesterone-stop": "treatment-end",
    "nice.twins-short-cervix": "qualifying-cl",
    "any.short-outside-window": "short-outside-window",
    "any.measurement-quality": "measurement-quality",
    "any.funneling": "finding",
    "any.sludge": "finding",
    "any.scan-due": "scan-due",
    "any.scan-overdue": "scan-overdue",
}
LOCAL_PREFIX = "local."


def _check_id(value: str) -> str:
    if value in KNOWN_RULE_IDS or value.startswith(LOCAL_PREFIX):
        return value
    raise ValueError(
        f"{value!r} is not a rule id of clinical-rules.md; name a clinic's own rule 'local.<name>'"
    )


def _as_tuple(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


RuleId = Annotated[str, Field(min_length=1, max_length=80), BeforeValidator(_check_id)]
Actions = Annotated[tuple[Action, ...], BeforeValidator(_as_tuple), Field(min_length=1)]


class RuleBase(Spec):
    """Fields every rule entry has, and the patient filters the engine applies before the rule."""

    id: RuleId
    action: Actions
    priority: Priority
    citation: Citation
    # words appended to the message, e.g. "senior review"
    note: Annotated[str, Field(max_length=300)] = ""
    fetuses: Literal["singleton", "multiple", "any"] = "any"
    # the rule applies only when the history matches (any criterion) ...
    history: HistoryCriteria | None = None
    # ... and not when this history matches ("no prior sPTB before 34+0")
    unless_history: HistoryCriteria | None = None
    # risk category by history alone (before any CL upgrade); empty = any
    risk_by_history: tuple[Risk, ...] = ()

    @model_validator(mode="after")
    def _kind_matches_id(self) -> Self:
        kind = getattr(self, "kind", None)
        expected = KNOWN_RULE_IDS.get(self.id)
        if expected is not None and kind != expected:
            raise ValueError(f"kind: rule {self.id} is a {expected!r} rule, not {kind!r}")
        return self


class QualifyingClRule(RuleBase, ShortCl):
    """Shortest transvaginal CL among scans in `window` meets the band (treatment rules)."""

    kind: Literal["qualifying-cl"]


class HistoryRule(RuleBase):
    """History alone, with the review-date GA in `ga_window` (e.g. history-indicated cerclage)."""

    kind: Literal["history"]
    ga_window: Window
    # not raised when a qualifying CL meets this (nice.vp-history: "no qualifying CL <= 25 mm")
    unless_short_cl: ShortCl | None = None


class LatestClRule(RuleBase, ClBand):
    """The latest transvaginal recorded CL lies in the band, review GA in `ga_window`."""

    kind: Literal["latest-cl"]
    ga_window: Window


class ExamRule(RuleBase):
    """The latest physical exam shows dilation and/or visible membranes, review GA in window."""

    kind: Literal["exam"]
    ga_window: Window
    dilation_cm: Annotated[float, Field(ge=0.0, le=10.0)]
    dilation_comparison: Above = "ge"
    membranes_visible: bool = True
    # "any": dilation OR membranes (ACOG); "all": dilation AND membranes (NICE)
    combine: Literal["any", "all"] = "any"
    contraindication_note: Annotated[str, Field(max_length=300)] = ""


class TreatmentEndRule(RuleBase):
    """A treatment still running at or after `from_ga` (cerclage removal, progesterone stop)."""

    kind: Literal["treatment-end"]
    treatment: TreatmentType
    from_ga: Ga


class ShortOutsideWindowRule(RuleBase):
    """A short recorded CL on a transvaginal scan outside the profile's treatment window."""

    kind: Literal["short-outside-window"]
    threshold_mm: ThresholdMm
    comparison: Literal["lt", "le"] = "lt"
    window: Window


class MeasurementQualityRule(RuleBase):
    """The latest scan misses the CLEAR measurement standard."""

    kind: Literal["measurement-quality"]
    min_measurements: Annotated[int, Field(ge=1, le=3)] = 3
    max_spread_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.10
    routes: Annotated[tuple[Route, ...], Field(min_length=1)] = (Route.TV,)


class FindingRule(RuleBase):
    """The latest scan records funneling or sludge: shown to the reviewer."""

    kind: Literal["finding"]
    finding: Literal["funneling", "sludge"]


class ScanDueRule(RuleBase):
    """The next surveillance scan falls due within the profile's look-ahead."""

    kind: Literal["scan-due"]


class ScanOverdueRule(RuleBase):
    """The next surveillance scan was due before the review date."""

    kind: Literal["scan-overdue"]


RuleSpec = Annotated[
    QualifyingClRule
    | HistoryRule
    | LatestClRule
    | ExamRule
    | TreatmentEndRule
    | ShortOutsideWindowRule
    | MeasurementQualityRule
    | FindingRule
    | ScanDueRule
    | ScanOverdueRule,
    Field(discriminator="kind"),
]
RULE_KINDS = (
    "qualifying-cl",
    "history",
    "latest-cl",
    "exam",
    "treatment-end",
    "short-outside-window",
    "measurement-quality",
    "finding",
    "scan-due",
    "scan-overdue",
)
