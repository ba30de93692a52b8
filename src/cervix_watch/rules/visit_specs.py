"""Rule models of what a visit recorded (the latest scan, exams, symptoms) and of the
patient's record (dating, smoking). Their functions are in visit_checks.py.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from cervix_watch.domain.enums import Action, CerclageKind, Dating, ProgesteroneKind, Route
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Patient
from cervix_watch.domain.symptoms import Symptom
from cervix_watch.rules.rule_base import ExamSign, LookBackDays, RuleBase, look_back_words
from cervix_watch.rules.schema import Above, Below, Ga, ThresholdMm, Window, describe_limit

Note = Annotated[str, Field(max_length=300)]


class ExamRule(RuleBase):
    """The latest physical exam shows dilation and/or visible membranes, in the exam's GA window."""

    kind: Literal["exam"]
    # applies to the exam's own GA (clinical-rules.md, Definitions: exam rules)
    ga_window: Window
    dilation_cm: Annotated[float, Field(ge=0.0, le=10.0)]
    dilation_comparison: Above = "ge"
    # NICE: membranes visible with the dilation left blank still count (safer: review)
    dilation_unrecorded_counts: bool = False
    membranes_visible: bool = True
    # "any": dilation OR membranes (ACOG); "all": dilation AND membranes (NICE)
    combine: Literal["any", "all"] = "any"
    # ruptured membranes (P-PROM) are a contraindication: no rescue flag
    unless_membranes_ruptured: bool = True
    contraindication_note: Annotated[str, Field(max_length=300)] = ""

    def condition_words(self, look_ahead_days: int) -> str:
        dilation = f"dilation {describe_limit(self.dilation_comparison, self.dilation_cm, 'cm')}"
        if self.dilation_unrecorded_counts:
            dilation += " or not recorded"
        parts = [dilation, "membranes visible"] if self.membranes_visible else [dilation]
        joiner = " and " if self.combine == "all" else " or "
        words = f"latest exam with {joiner.join(parts)}"
        if self.unless_membranes_ruptured:
            words += ", membranes not ruptured"
        return f"{words}, exam GA {self.ga_window.describe()}"


class ConfirmTvRule(RuleBase):
    """The latest scan is not transvaginal and its recorded CL is short: confirm by TV scan."""

    kind: Literal["confirm-tv"]
    routes: Annotated[tuple[Route, ...], Field(min_length=1)]
    threshold_mm: ThresholdMm
    comparison: Below = "le"

    def condition_words(self, look_ahead_days: int) -> str:
        routes = "/".join(r.value for r in self.routes)
        limit = describe_limit(self.comparison, self.threshold_mm)
        return f"latest scan by route {routes} with recorded CL {limit}"

    def cl_limits(self) -> tuple[float, ...]:
        return (self.threshold_mm,)


class MeasurementQualityRule(RuleBase):
    """The latest scan misses the CLEAR measurement standard."""

    kind: Literal["measurement-quality"]
    min_measurements: Annotated[int, Field(ge=1, le=3)] = 3
    max_spread_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.10
    routes: Annotated[tuple[Route, ...], Field(min_length=1)] = (Route.TV,)

    def condition_words(self, look_ahead_days: int) -> str:
        routes = ", ".join(r.value for r in self.routes)
        return (
            f"latest scan: fewer than {self.min_measurements} measurements, spread "
            f">= {self.max_spread_fraction:.0%}, or route not {routes}"
        )


class FindingRule(RuleBase):
    """The latest scan records funneling or sludge: shown to the reviewer."""

    kind: Literal["finding"]
    finding: Literal["funneling", "sludge"]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"latest scan records {self.finding}"


class AcuteReviewRule(RuleBase):
    """A scan or exam in the look-back records an urgent symptom, or an exam an urgent sign."""

    kind: Literal["acute-review"]
    runs_after_rupture: ClassVar[bool] = True
    # the review date and the days before it: 7 = review date - 6 to the review date
    look_back_days: LookBackDays
    symptoms: Annotated[tuple[Symptom, ...], Field(min_length=1)]
    exam_signs: tuple[ExamSign, ...] = ()

    def condition_words(self, look_ahead_days: int) -> str:
        words = (
            f"a scan or exam dated in the {look_back_words(self.look_back_days)} records "
            + " or ".join(s.value for s in self.symptoms)
        )
        if self.exam_signs:
            signs = ", ".join(s.replace("_", " ") for s in self.exam_signs)
            words += f", or such an exam records {signs}"
        return words


class SymptomsRule(RuleBase):
    """The latest visit (all records on that date), in the look-back, records a watch symptom."""

    kind: Literal["symptoms"]
    look_back_days: LookBackDays
    symptoms: Annotated[tuple[Symptom, ...], Field(min_length=1)]

    def condition_words(self, look_ahead_days: int) -> str:
        names = " or ".join(s.value for s in self.symptoms)
        return (
            "the latest visit (every scan and exam on that date), dated in the "
            f"{look_back_words(self.look_back_days)}, records {names}"
        )


class DatingRule(RuleBase):
    """The EDD rests on a dating method the clinic wants confirmed (the LMP alone)."""

    kind: Literal["dating"]
    runs_after_rupture: ClassVar[bool] = True
    methods: Annotated[tuple[Dating, ...], Field(min_length=1)]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"dating is {' or '.join(m.value for m in self.methods)}"

    def applies_to(self, patient: Patient) -> bool:
        return patient.dating is not None and patient.dating in self.methods


class SmokingRule(RuleBase):
    """The patient smokes."""

    kind: Literal["smoking"]
    runs_after_rupture: ClassVar[bool] = True

    def condition_words(self, look_ahead_days: int) -> str:
        return "smoker is yes"

    def applies_to(self, patient: Patient) -> bool:
        return patient.smoker


class CerclageEmergencyRule(RuleBase):
    """A cerclage in situ with ruptured membranes (since its start), or contractions or infection
    in the look-back: decide on removal now (a transabdominal stitch: acute review)."""

    kind: Literal["cerclage-emergency"]
    runs_after_rupture: ClassVar[bool] = True
    # the team may decide to retain the stitch: a removal-due record addresses this point
    addressed_only_by_discussion: ClassVar[frozenset[Action]] = frozenset(
        {Action.CERCLAGE_REMOVAL_DUE}
    )
    look_back_days: LookBackDays
    symptoms: Annotated[tuple[Symptom, ...], Field(min_length=1)]
    exam_signs: tuple[ExamSign, ...] = ()
    # a stitch of these kinds stays for a caesarean birth: `kept_action`, not `action`
    kept_kinds: tuple[CerclageKind, ...] = ()
    kept_action: Action | None = None
    kept_note: Note = ""

    def condition_words(self, look_ahead_days: int) -> str:
        names = " or ".join(s.value for s in self.symptoms)
        signs = ", ".join(s.replace("_", " ") for s in self.exam_signs if s != "membranes_ruptured")
        words = (
            "cerclage in situ and an exam dated on or after its start records membranes "
            f"ruptured, or a scan or exam dated in the {look_back_words(self.look_back_days)} "
            f"records {names}"
        )
        if signs:
            words += f" (or, on an exam, {signs})"
        if self.kept_kinds and self.kept_action is not None:
            kept = ", ".join(k.value for k in self.kept_kinds)
            words += f"; a {kept} cerclage raises {self.kept_action.value} instead"
        return words


class SymptomaticShortCervixRule(RuleBase):
    """Watch symptoms in the look-back with a short or funnelled cervix on a scan the same day."""

    kind: Literal["symptomatic-short-cervix"]
    runs_after_rupture: ClassVar[bool] = True
    look_back_days: LookBackDays
    symptoms: Annotated[tuple[Symptom, ...], Field(min_length=1)]
    threshold_mm: ThresholdMm
    comparison: Below = "le"
    funneling_counts: bool = True

    def condition_words(self, look_ahead_days: int) -> str:
        names = " or ".join(s.value for s in self.symptoms)
        limit = describe_limit(self.comparison, self.threshold_mm)
        short = f"recorded CL {limit}" + (" or funneling" if self.funneling_counts else "")
        return (
            f"a scan or exam dated in the {look_back_words(self.look_back_days)} records "
            f"{names}, and a scan (any route) the same day has a {short}"
        )

    def cl_limits(self) -> tuple[float, ...]:
        return (self.threshold_mm,)


class ProgesteroneFormulationRule(RuleBase):
    """A progesterone course of a formulation not recommended is active, before the stop GA."""

    kind: Literal["progesterone-formulation"]
    # the running course addresses nothing: only a discussion on or after its start does
    addressed_only_by_discussion: ClassVar[frozenset[Action]] = frozenset(
        {Action.PROGESTERONE_DISCUSSION}
    )
    kinds: Annotated[tuple[ProgesteroneKind, ...], Field(min_length=1)]
    before_ga: Ga
    # the message for a multiple pregnancy, when the profile gives one
    multiple_note: Note = ""

    def condition_words(self, look_ahead_days: int) -> str:
        kinds = " or ".join(k.value for k in self.kinds)
        return (
            f"a progesterone course of kind {kinds} active, GA before {format_ga(self.before_ga)}; "
            "addressed by a progesterone-discussion record on or after the course's start"
        )
