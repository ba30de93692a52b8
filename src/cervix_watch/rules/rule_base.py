"""What every rule entry of a profile has (`RuleBase`): id, action(s), priority, citation and
the patient filters the engine applies before the rule's own test.

The rule models of each kind are in specs.py (CL, history, treatment and schedule
rules) and visit_specs.py (what a visit recorded, and the patient's record); kinds.py is
the table of kinds. Whether an id is a rule of clinical-rules.md, and of this kind, is the
profile's question: its loader passes the known ids as the validation context
(KNOWN_IDS_CONTEXT), so a rule model checked alone accepts any id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from cervix_watch.domain.enums import Action, Priority, Risk
from cervix_watch.domain.models import Patient
from cervix_watch.rules.schema import Citation, ClBand, HistoryCriteria, Spec, Window

LOCAL_PREFIX = "local."
# The validation context key under which a profile passes its known rule ids (id -> kind).
KNOWN_IDS_CONTEXT = "known_rule_ids"


def _known_ids(info: ValidationInfo) -> Mapping[str, str] | None:
    context = info.context
    return context.get(KNOWN_IDS_CONTEXT) if isinstance(context, dict) else None


def _check_id(value: Any, info: ValidationInfo) -> Any:
    known = _known_ids(info)
    if known is None or not isinstance(value, str):  # not text: the str check says so
        return value
    if value in known or value.startswith(LOCAL_PREFIX):
        return value
    raise ValueError(
        f"{value!r} is not a built-in rule id (`cervix-watch rules show` lists them); "
        "name a clinic's own rule 'local.<name>'"
    )


def _as_tuple(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


# Days a point stays open past its window (open_grace_days) or a deferral lasts (defer_days).
GraceDays = Annotated[int, Field(ge=0, le=56)]
# How far back a symptom counts: whole days including the review date.
LookBackDays = Annotated[int, Field(ge=1, le=60)]
# Exam findings that call for an acute review (Exam field names).
ExamSign = Literal["membranes_ruptured", "contractions", "bleeding", "infection_signs"]

RuleId = Annotated[str, Field(min_length=1, max_length=80), BeforeValidator(_check_id)]
Actions = Annotated[tuple[Action, ...], BeforeValidator(_as_tuple), Field(min_length=1)]


class RuleBase(Spec):
    """Fields every rule entry has, and the patient filters the engine applies before the rule."""

    # clinical-rules.md v3, post-rupture: only the acute, emergency, treatment-end, smoking
    # and dating rules run once an exam recorded ruptured membranes
    runs_after_rupture: ClassVar[bool] = False
    # actions of this kind that only a discussion record of the action, dated on or after
    # the record the point rests on, addresses (no treatment does)
    addressed_only_by_discussion: ClassVar[frozenset[Action]] = frozenset()

    if TYPE_CHECKING:
        kind: str  # every kind's model declares it as its Literal tag (kinds.py)
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
    def _kind_matches_id(self, info: ValidationInfo) -> Self:
        kind = getattr(self, "kind", None)
        expected = (_known_ids(info) or {}).get(self.id)
        if expected is not None and kind != expected:
            raise ValueError(f"kind: rule {self.id} is a {expected!r} rule, not {kind!r}")
        return self

    def condition_words(self, look_ahead_days: int) -> str:
        """The kind's own test in words (the patient filters are described by the caller)."""
        raise NotImplementedError  # every kind of kinds.KINDS overrides it (tested)

    def applies_to(self, patient: Patient) -> bool:
        """A kind's own test on the patient record alone (dating, smoking), checked with the
        patient filters, once per distinct history: True when the rule reads more than that."""
        return True

    def cl_limits(self) -> tuple[float, ...]:
        """The CL lines (mm) this rule compares against, for the chart."""
        return ()

    def treatment_window(self) -> Window | None:
        """The profile's treatment window, for the chart: only any.short-outside-window names it."""
        return None


def band_limits(band: ClBand) -> tuple[float, ...]:
    return (band.threshold_mm,) if band.floor_mm is None else (band.threshold_mm, band.floor_mm)


def look_back_words(look_back_days: int) -> str:
    """ "7 days up to the review date (review date - 6 to the review date)"."""
    return (
        f"{look_back_days} days up to the review date "
        f"(review date - {look_back_days - 1} to the review date, inclusive)"
    )
