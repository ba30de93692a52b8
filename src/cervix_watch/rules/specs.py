"""The rule entries of a profile (`[[rules]]` tables), one model per condition `kind`.

A rule entry is data: its id, the action(s) it raises, priority, citation and
numbers. The `kind` picks the rule *function* from the one table of kinds
(`kinds.py`); a clinic can change any number, priority or citation, or add a
`local.*` rule of an existing kind, without touching code.

A rule kind's model holds the `kind` tag, the numbers, the condition in words
(`condition_words`, read by `rules show` and the generated docs) and the CL
lines a chart draws for it (`cl_limits`). The models of what a visit recorded
are in visit_specs.py; kinds.py pairs each model with its function and rule ids.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator

from cervix_watch.domain.enums import (
    Action,
    CerclageKind,
    Priority,
    TreatmentType,
)
from cervix_watch.domain.ga import format_ga
from cervix_watch.rules.rule_base import GraceDays, RuleBase, band_limits
from cervix_watch.rules.schema import (
    Below,
    ClBand,
    Ga,
    ShortCl,
    Spec,
    ThresholdMm,
    Window,
    describe_limit,
)

Note = Annotated[str, Field(max_length=300)]


class QualifyingClRule(RuleBase, ShortCl):
    """Shortest transvaginal CL among scans in `window` meets the band (treatment rules)."""

    kind: Literal["qualifying-cl"]
    # "The treatment window closes": the point stays raised while the review date is in
    # the window or before the qualifying scan's date plus these days, whichever is later
    open_grace_days: GraceDays = 0
    # nice.choice: "a choice of either" - its two points are addressed together by either
    # treatment, or a record of either action accepted (she chose one)
    choice: bool = False

    def condition_words(self, look_ahead_days: int) -> str:
        words = f"qualifying transvaginal CL {self.describe()}"
        if self.open_grace_days:
            words += f" (open until {self.open_grace_days} days after that scan, if later)"
        return words

    def cl_limits(self) -> tuple[float, ...]:
        return band_limits(self)


class HistoryRule(RuleBase):
    """History alone, with the review-date GA in `ga_window` (e.g. history-indicated cerclage)."""

    kind: Literal["history"]
    ga_window: Window
    # not raised when a qualifying CL meets this (nice.vp-history: "no qualifying CL <= 25 mm")
    unless_short_cl: ShortCl | None = None
    # from this GA the message adds `late_note` ("{ga}" is the review date's GA): a history
    # cerclage is usually placed earlier, but still offered (RCOG GTG 75)
    late_from: Ga | None = None
    late_note: Note = ""

    def condition_words(self, look_ahead_days: int) -> str:
        unless = self.unless_short_cl
        tail = "" if unless is None else f", no qualifying CL {unless.describe()}"
        if self.late_from is not None and self.late_note:
            late = self.late_note.replace("{ga}", "W+D")
            tail += f' (from {format_ga(self.late_from)} the message adds "{late}")'
        return f"GA {self.ga_window.describe()}{tail}"


class LatestClRule(RuleBase, ClBand):
    """The latest transvaginal recorded CL lies in the band, review GA in `ga_window`."""

    kind: Literal["latest-cl"]
    ga_window: Window

    def condition_words(self, look_ahead_days: int) -> str:
        return f"latest transvaginal CL {self.describe_band()}, GA {self.ga_window.describe()}"

    def cl_limits(self) -> tuple[float, ...]:
        return band_limits(self)


class Escalation(Spec):
    """A treatment-end point's priority (and words) from a later GA on."""

    from_ga: Ga
    priority: Priority
    note: Note = ""


class TreatmentEndRule(RuleBase):
    """A treatment still running at or after `from_ga` (cerclage removal, progesterone stop)."""

    kind: Literal["treatment-end"]
    runs_after_rupture: ClassVar[bool] = True
    treatment: TreatmentType
    from_ga: Ga
    # a transabdominal cerclage stays in place (delivery by caesarean): no removal prompt
    except_kinds: tuple[CerclageKind, ...] = ()
    # the point turns more pressing from a later GA (cerclage removal urgent from 37+0)
    escalate: Escalation | None = None

    @model_validator(mode="after")
    def _escalates_later(self) -> Self:
        if self.escalate is not None and self.escalate.from_ga <= self.from_ga:
            raise ValueError("escalate: from_ga must be after the rule's from_ga")
        return self

    def condition_words(self, look_ahead_days: int) -> str:
        kinds = ""
        if self.except_kinds:
            kinds = f" (kind other than {', '.join(k.value for k in self.except_kinds)})"
        words = (
            f"{self.treatment.value}{kinds} still running, GA {format_ga(self.from_ga)} or later"
        )
        step = self.escalate
        if step is not None:
            words += f"; {step.priority.value} from {format_ga(step.from_ga)}"
        return words


class ShortOutsideWindowRule(RuleBase):
    """A short recorded CL on a transvaginal scan outside the profile's treatment window."""

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

    kind: Literal["window-closed"]
    treatment_actions: Annotated[tuple[Action, ...], Field(min_length=1)]
    # the exam (rescue) points that close with their window the same way
    exam_actions: tuple[Action, ...] = ()

    def condition_words(self, look_ahead_days: int) -> str:
        actions = " or ".join(a.value for a in self.treatment_actions)
        words = (
            f"a qualifying-CL rule's {actions} point never addressed and no treatment chosen, "
            "the review date past that rule's window and grace"
        )
        if self.exam_actions:
            exams = " or ".join(a.value for a in self.exam_actions)
            words += f"; or an exam rule's {exams} point never addressed, past its window"
        return words


class ShortAfterCerclageRule(RuleBase):
    """A short transvaginal CL on a scan dated after the start of the cerclage in situ."""

    kind: Literal["short-after-cerclage"]
    threshold_mm: ThresholdMm
    comparison: Below = "le"

    def condition_words(self, look_ahead_days: int) -> str:
        limit = describe_limit(self.comparison, self.threshold_mm)
        return f"cerclage in situ; a transvaginal CL {limit} on a scan dated after its start"

    def cl_limits(self) -> tuple[float, ...]:
        return (self.threshold_mm,)


class ScanDueRule(RuleBase):
    """The next surveillance scan falls due within the profile's look-ahead."""

    kind: Literal["scan-due"]

    def condition_words(self, look_ahead_days: int) -> str:
        return f"next surveillance scan due within {look_ahead_days} days"


class ScanOverdueRule(RuleBase):
    """The next surveillance scan was due before the review date."""

    kind: Literal["scan-overdue"]

    def condition_words(self, look_ahead_days: int) -> str:
        return (
            "next surveillance scan due before the review date "
            "(priority set by the schedule, where it names one)"
        )
