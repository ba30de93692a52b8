"""The rule kinds, in one table: for each `kind` of a profile's rule entry, its model, the
function that evaluates it and the rule ids of clinical-rules.md that are of that kind.

Everything else is derived from `KINDS`: the discriminated union `RuleSpec` a profile's
`[[rules]]` validate to, `RULE_KINDS` (the tags, in this order), `RULE_FUNCTIONS` (what
the engine calls) and `KNOWN_RULE_IDS` (which the profile loader checks each rule's id
against; a clinic's own `local.*` rule may use any kind, with no code).

A new kind: its model (specs.py or visit_specs.py: the `kind` Literal, the numbers, the
condition in words), its function (checks.py, visit_checks.py or urgent_checks.py) and
one row here. A new rule of an existing kind is a `[[rules]]` entry of the profile TOML
and its id in its kind's row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Union, get_args

from pydantic import Field

from cervix_watch.rules import checks, urgent_checks, visit_checks
from cervix_watch.rules.findings import RuleFunction
from cervix_watch.rules.rule_base import RuleBase
from cervix_watch.rules.specs import (
    HistoryRule,
    LatestClRule,
    QualifyingClRule,
    ScanDueRule,
    ScanOverdueRule,
    ShortAfterCerclageRule,
    ShortOutsideWindowRule,
    TreatmentEndRule,
    WindowClosedRule,
)
from cervix_watch.rules.visit_specs import (
    AcuteReviewRule,
    CerclageEmergencyRule,
    ConfirmTvRule,
    DatingRule,
    ExamRule,
    FindingRule,
    MeasurementQualityRule,
    ProgesteroneFormulationRule,
    SmokingRule,
    SymptomaticShortCervixRule,
    SymptomsRule,
)


@dataclass(frozen=True)
class RuleKind:
    model: type[RuleBase]
    function: RuleFunction
    # the rule ids of clinical-rules.md that are of this kind
    ids: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The `kind` tag of the model (its Literal)."""
        return kind_of(self.model)


def kind_of(rule_class: type[RuleBase]) -> str:
    """The `kind` tag of a rule model (its Literal)."""
    (tag,) = get_args(rule_class.model_fields["kind"].annotation)
    return str(tag)


KINDS: tuple[RuleKind, ...] = (
    RuleKind(
        QualifyingClRule,
        checks.qualifying_cl,
        (
            "acog.usi-cerclage",
            "acog.vp-prior-sptb-short",
            "smfm.vp-short-cervix",
            "smfm.vp-shared-decision",
            "acog.twins-short-cervix",
            "nice.choice",
            "nice.vp-short-cervix",
            "nice.cerclage-pprom-trauma",
            "nice.incidental-short",
            "nice.twins-vp",
            # version 1's NICE twin rule: still accepted in a clinic's copy of an old profile
            "nice.twins-short-cervix",
        ),
    ),
    RuleKind(
        HistoryRule,
        checks.history_only,
        (
            "smfm.vp-prior-sptb",
            "acog.history-cerclage",
            "nice.vp-history",
            "rcog.history-cerclage",
        ),
    ),
    RuleKind(LatestClRule, checks.latest_cl, ("acog.weekly-cl",)),
    RuleKind(ExamRule, visit_checks.exam_findings, ("acog.exam-cerclage", "nice.rescue")),
    RuleKind(
        TreatmentEndRule,
        checks.treatment_end,
        (
            "acog.cerclage-removal",
            "acog.progesterone-stop",
            "nice.cerclage-removal",
            "nice.progesterone-stop",
        ),
    ),
    RuleKind(ShortOutsideWindowRule, checks.short_outside_window, ("any.short-outside-window",)),
    RuleKind(WindowClosedRule, checks.window_closed, ("any.window-closed",)),
    RuleKind(ShortAfterCerclageRule, checks.short_after_cerclage, ("any.short-after-cerclage",)),
    RuleKind(ConfirmTvRule, visit_checks.confirm_tv, ("any.confirm-tv",)),
    RuleKind(CerclageEmergencyRule, urgent_checks.cerclage_emergency, ("any.cerclage-emergency",)),
    RuleKind(
        SymptomaticShortCervixRule,
        urgent_checks.symptomatic_short_cervix,
        ("any.symptomatic-short-cervix",),
    ),
    RuleKind(AcuteReviewRule, visit_checks.acute_review, ("any.acute-review",)),
    RuleKind(
        ProgesteroneFormulationRule,
        urgent_checks.progesterone_formulation,
        ("any.progesterone-formulation",),
    ),
    RuleKind(SymptomsRule, visit_checks.symptoms_noted, ("any.symptoms",)),
    RuleKind(DatingRule, visit_checks.dating_check, ("any.dating",)),
    RuleKind(SmokingRule, visit_checks.smoking, ("any.smoking",)),
    RuleKind(
        MeasurementQualityRule, visit_checks.measurement_quality, ("any.measurement-quality",)
    ),
    RuleKind(FindingRule, visit_checks.finding, ("any.funneling", "any.sludge")),
    RuleKind(ScanDueRule, checks.scan_due, ("any.scan-due",)),
    RuleKind(ScanOverdueRule, checks.scan_overdue, ("any.scan-overdue",)),
)

RULE_CLASSES: tuple[type[RuleBase], ...] = tuple(entry.model for entry in KINDS)
RULE_KINDS: tuple[str, ...] = tuple(entry.kind for entry in KINDS)
RULE_FUNCTIONS: Mapping[str, RuleFunction] = MappingProxyType(
    {entry.kind: entry.function for entry in KINDS}
)
# Every rule id of clinical-rules.md, with the kind of condition it is. A profile
# may use these ids, or its own ids starting with "local.".
KNOWN_RULE_IDS: Mapping[str, str] = MappingProxyType(
    {rule_id: entry.kind for entry in KINDS for rule_id in entry.ids}
)

if TYPE_CHECKING:
    RuleSpec = RuleBase
else:
    # A profile's rule entry: the model its `kind` names.
    RuleSpec = Annotated[Union[RULE_CLASSES], Field(discriminator="kind")]  # noqa: UP007
