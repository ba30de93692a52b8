"""The rule entries of a profile (`[[rules]]` tables), one model per condition `kind`.

A rule entry is data: its id, the action(s) it raises, priority, citation and
numbers. The `kind` picks the rule *function* from the fixed registry in
`checks.py`; a clinic can change any number, priority or citation, or add a
`local.*` rule of an existing kind, without touching code.

A rule kind is declared once, here, by its model: the `kind` tag, the rule ids
of clinical-rules.md that are of that kind (`ids`), the condition in words
(`condition_words`, read by `rules show` and the generated docs) and the CL
lines a chart draws for it (`cl_limits`). `RULE_KINDS` and `KNOWN_RULE_IDS`
are derived from the union `RuleSpec`; checks.py registers one function per
kind, and a test checks that the two agree.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import BeforeValidator, Field, model_validator

from cervix_watch.domain.enums import Action, CerclageKind, Priority, Risk, Route, TreatmentType
from cervix_watch.domain.ga import format_ga
from cervix_watch.rules.schema import (
    Above,
    Below,
    Citation,
    ClBand,
    Ga,
    HistoryCriteria,
    ShortCl,
    Spec,
    ThresholdMm,
    Window,
    describe_limit,
)

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

    # the rule ids of clinical-rules.md that are of this kind (a local.* rule may use any kind)
    ids: ClassVar[tuple[str, ...]] = ()

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

    def condition_words(self, look_ahead_days: int) -> str:
        """The kind's own test in words (the patient filters are described by the caller)."""
        raise NotImplementedError  # every kind in RuleSpec overrides it (tested)

    def cl_limits(self) -> tuple[float, ...]:
        """The CL lines (mm) this rule compares against, for the chart."""
        return ()

    def treatment_window(self) -> Window | None:
        """The profile's treatment window, for the chart: only any.short-outside-window names it."""
        return None


class QualifyingClRule(RuleBase, ShortCl):
    """Shortest transvaginal CL among scans in `window` meets the band (treatment rules)."""

    ids = (
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
    )
    kind: Literal["qualifying-cl"]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"qualifying transvaginal CL {self.describe()}"

    def cl_limits(self) -> tuple[float, ...]:
        return _band_limits(self)


class HistoryRule(RuleBase):
    """History alone, with the review-date GA in `ga_window` (e.g. history-indicated cerclage)."""

    ids = (
        "smfm.vp-prior-sptb",
        "acog.history-cerclage",
        "nice.vp-history",
        "rcog.history-cerclage",
    )
    kind: Literal["history"]
    ga_window: Window
    # not raised when a qualifying CL meets this (nice.vp-history: "no qualifying CL <= 25 mm")
    unless_short_cl: ShortCl | None = None

    def condition_words(self, look_ahead_days: int) -> str:
        unless = self.unless_short_cl
        tail = "" if unless is None else f", no qualifying CL {unless.describe()}"
        return f"GA {self.ga_window.describe()}{tail}"


class LatestClRule(RuleBase, ClBand):
    """The latest transvaginal recorded CL lies in the band, review GA in `ga_window`."""

    ids = ("acog.weekly-cl",)
    kind: Literal["latest-cl"]
    ga_window: Window

    def condition_words(self, look_ahead_days: int) -> str:
        return f"latest transvaginal CL {self.describe_band()}, GA {self.ga_window.describe()}"

    def cl_limits(self) -> tuple[float, ...]:
        return _band_limits(self)


class ExamRule(RuleBase):
    """The latest physical exam shows dilation and/or visible membranes, in the exam's GA window."""

    ids = ("acog.exam-cerclage", "nice.rescue")
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


class TreatmentEndRule(RuleBase):
    """A treatment still running at or after `from_ga` (cerclage removal, progesterone stop)."""

    ids = (
        "acog.cerclage-removal",
        "acog.progesterone-stop",
        "nice.cerclage-removal",
        "nice.progesterone-stop",
    )
    kind: Literal["treatment-end"]
    treatment: TreatmentType
    from_ga: Ga
    # a transabdominal cerclage stays in place (delivery by caesarean): no removal prompt
    except_kinds: tuple[CerclageKind, ...] = ()

    def condition_words(self, look_ahead_days: int) -> str:
        kinds = ""
        if self.except_kinds:
            kinds = f" (kind other than {', '.join(k.value for k in self.except_kinds)})"
        return f"{self.treatment.value}{kinds} still running, GA {format_ga(self.from_ga)} or later"


class ShortOutsideWindowRule(RuleBase):
    """A short recorded CL on a transvaginal scan outside the profile's treatment window."""

    ids = ("any.short-outside-window",)
    kind: Literal["short-outside-window"]
    threshold_mm: ThresholdMm
    comparison: Literal["lt", "le"] = "lt"
    window: Window

    def condition_words(self, look_ahead_days: int) -> str:
        limit = describe_limit(self.comparison, self.threshold_mm)
        return f"a transvaginal CL {limit} outside {self.window.describe()}"

    def cl_limits(self) -> tuple[float, ...]:
        return (self.threshold_mm,)

    def treatment_window(self) -> Window | None:
        return self.window


class WindowClosedRule(RuleBase):
    """A qualifying-CL treatment point never addressed, the review date past its window.

    The qualifying-cl rules raising one of `treatment_actions` are raised only
    while the review date lies in their window; past it, this rule raises its
    own action instead (nothing is silently dropped).
    """

    ids = ("any.window-closed",)
    kind: Literal["window-closed"]
    treatment_actions: Annotated[tuple[Action, ...], Field(min_length=1)]

    def condition_words(self, look_ahead_days: int) -> str:
        actions = " or ".join(a.value for a in self.treatment_actions)
        return (
            f"a qualifying-CL rule's {actions} point never addressed, "
            "the review date past that rule's window"
        )


class ShortAfterCerclageRule(RuleBase):
    """A short transvaginal CL on a scan dated after the start of the cerclage in situ."""

    ids = ("any.short-after-cerclage",)
    kind: Literal["short-after-cerclage"]
    threshold_mm: ThresholdMm
    comparison: Below = "le"

    def condition_words(self, look_ahead_days: int) -> str:
        limit = describe_limit(self.comparison, self.threshold_mm)
        return f"cerclage in situ; a transvaginal CL {limit} on a scan dated after its start"

    def cl_limits(self) -> tuple[float, ...]:
        return (self.threshold_mm,)


class ConfirmTvRule(RuleBase):
    """The latest scan is not transvaginal and its recorded CL is short: confirm by TV scan."""

    ids = ("any.confirm-tv",)
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

    ids = ("any.measurement-quality",)
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

    ids = ("any.funneling", "any.sludge")
    kind: Literal["finding"]
    finding: Literal["funneling", "sludge"]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"latest scan records {self.finding}"


class ScanDueRule(RuleBase):
    """The next surveillance scan falls due within the profile's look-ahead."""

    ids = ("any.scan-due",)
    kind: Literal["scan-due"]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"next surveillance scan due within {look_ahead_days} days"


class ScanOverdueRule(RuleBase):
    """The next surveillance scan was due before the review date."""

    ids = ("any.scan-overdue",)
    kind: Literal["scan-overdue"]

    def condition_words(self, look_ahead_days: int) -> str:
        return (
            "next surveillance scan due before the review date "
            "(priority set by the schedule, where it names one)"
        )


def _band_limits(band: ClBand) -> tuple[float, ...]:
    return (band.threshold_mm,) if band.floor_mm is None else (band.threshold_mm, band.floor_mm)


RuleSpec = Annotated[
    QualifyingClRule
    | HistoryRule
    | LatestClRule
    | ExamRule
    | TreatmentEndRule
    | ShortOutsideWindowRule
    | WindowClosedRule
    | ShortAfterCerclageRule
    | ConfirmTvRule
    | MeasurementQualityRule
    | FindingRule
    | ScanDueRule
    | ScanOverdueRule,
    Field(discriminator="kind"),
]

# Derived from the union: the one declaration of the rule kinds.
RULE_CLASSES: tuple[type[RuleBase], ...] = get_args(get_args(RuleSpec)[0])


def kind_of(rule_class: type[RuleBase]) -> str:
    """The `kind` tag of a rule model (its Literal)."""
    (tag,) = get_args(rule_class.model_fields["kind"].annotation)
    return str(tag)


RULE_KINDS: tuple[str, ...] = tuple(kind_of(c) for c in RULE_CLASSES)
# Every rule id of clinical-rules.md, with the kind of condition it is. A profile
# may use these ids, or its own ids starting with "local.".
KNOWN_RULE_IDS: dict[str, str] = {
    rule_id: kind_of(rule_class) for rule_class in RULE_CLASSES for rule_id in rule_class.ids
}
