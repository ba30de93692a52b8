"""Building blocks of a guideline profile: GA values, windows, CL thresholds, history criteria.

Every number a rule uses comes from one of these models, loaded from the
profile's TOML file, so a clinic can change it without touching code
(clinical-rules.md: "Every number here ... lives in the profile's data file").
GA is written `"16+0"` in the file and held as an int of days here.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    create_model,
    model_validator,
)

from cervix_watch.domain.enums import CervicalExcision, PriorCerclage
from cervix_watch.domain.ga import format_ga, parse_ga
from cervix_watch.domain.history import criteria
from cervix_watch.domain.models import Patient
from cervix_watch.domain.words import counted

# Plausible ranges for numbers in a profile: anything outside is a typo, not a local policy.
MAX_THRESHOLD_MM = 60.0
MAX_INTERVAL_DAYS = 56


def _is_set(value: object) -> bool:
    return value is not None and value is not False and value != ()


def _ga_text(value: Any) -> Any:
    """GA in a profile is a string such as "16+0": a bare number could mean weeks or days."""
    if isinstance(value, str):
        return parse_ga(value)
    raise ValueError(f'{value!r}: write a gestational age as a string such as "16+0"')


Ga = Annotated[int, BeforeValidator(_ga_text), PlainSerializer(format_ga, return_type=str)]
ThresholdMm = Annotated[float, Field(gt=0.0, le=MAX_THRESHOLD_MM)]
Citation = Annotated[str, Field(min_length=1, max_length=300)]

Below = Literal["lt", "le"]
Above = Literal["gt", "ge"]
_SYMBOL = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Spec(BaseModel):
    """Base of every profile model: immutable, and a misspelt key is an error, not ignored.

    Validators are built on first validation, not at import: a built-in profile read from
    the cache (`profile._load_builtin`) never needs them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Window(Spec):
    """A GA range. `include_end = false` reads "16+0 to before 24+0" (GA < 168 days)."""

    start: Ga = 0
    end: Ga
    include_end: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end: must be after start")
        return self

    @cached_property
    def last(self) -> int:
        """The last GA day inside the window ("before 24+0" -> 23+6): GA is whole days."""
        return self.end if self.include_end else self.end - 1

    def contains(self, ga: int) -> bool:
        return self.start <= ga <= self.last

    def past_end(self, ga: int) -> bool:
        return ga > self.last

    def describe(self) -> str:
        """ "16+0 to before 24+0", "16+0 to 24+0", "before 24+0" or "up to 24+0"."""
        end = format_ga(self.end)
        if self.start == 0:
            return f"up to {end}" if self.include_end else f"before {end}"
        start = format_ga(self.start)
        return f"{start} to {end}" if self.include_end else f"{start} to before {end}"


def compare(value: float, comparison: str, limit: float) -> bool:
    """`value <comparison> limit` for the four spellings a profile uses."""
    if comparison == "lt":
        return value < limit
    if comparison == "le":
        return value <= limit
    if comparison == "gt":
        return value > limit
    return value >= limit


def describe_limit(comparison: str, limit: float, unit: str = "mm") -> str:
    return f"{_SYMBOL[comparison]} {limit:g} {unit}"


class ClBand(Spec):
    """A CL threshold (`threshold_mm`, `comparison`) with an optional lower bound (`floor_mm`).

    SMFM's shared-decision band "20.1-25.0 mm" is `floor_mm = 20.0, floor_comparison = "gt",
    threshold_mm = 25.0, comparison = "le"`.
    """

    threshold_mm: ThresholdMm
    comparison: Below = "lt"
    floor_mm: ThresholdMm | None = None
    floor_comparison: Above = "ge"

    @model_validator(mode="after")
    def _floor_below_threshold(self) -> Self:
        if self.floor_mm is not None and self.floor_mm >= self.threshold_mm:
            raise ValueError("floor_mm: must be below threshold_mm")
        return self

    def met(self, cl_mm: float) -> bool:
        if not compare(cl_mm, self.comparison, self.threshold_mm):
            return False
        return self.floor_mm is None or compare(cl_mm, self.floor_comparison, self.floor_mm)

    def describe_band(self) -> str:
        upper = describe_limit(self.comparison, self.threshold_mm)
        if self.floor_mm is None:
            return upper
        return f"{describe_limit(self.floor_comparison, self.floor_mm, 'mm')} and {upper}"


class ShortCl(ClBand):
    """A qualifying-CL condition: the shortest transvaginal CL in `window` meets the band."""

    window: Window

    def describe(self) -> str:
        joiner = " " if self.window.start == 0 else " in "  # "< 25 mm before 24+0"
        return f"{self.describe_band()}{joiner}{self.window.describe()}"


# The yes/no history facts (a Fact on a Patient field): each is a criterion of its name.
_FLAGS = tuple(criteria().items())


class _HistoryCriteria(Spec):
    """Obstetric-history criteria; a patient matches when ANY set criterion holds.

    "Prior sPTB" is `prior_sptb_weeks`, or the earlier of it and
    `prior_pprom_weeks` when the profile counts PPROM as a spontaneous preterm
    birth (`pprom_counts_as_sptb`, ACOG PB 130/234); the caller passes that
    setting. `prior_sptb_before` is exclusive (ACOG "before 34+0": GA < 34+0),
    `prior_sptb_up_to` inclusive (NICE "up to 34+0": GA <= 34+0). Each yes/no history
    fact of the Patient model (`uterine_anomaly = true`) is a criterion too: a field of
    `HistoryCriteria`, made from this class below.
    """

    prior_sptb_before: Ga | None = None
    prior_sptb_up_to: Ga | None = None
    prior_sptb_count_min: Annotated[int, Field(ge=1, le=50)] | None = None
    painless_loss_count_min: Annotated[int, Field(ge=1, le=50)] | None = None
    prior_cerclage: tuple[PriorCerclage, ...] = ()
    prior_pprom_before: Ga | None = None
    cervical_excision: tuple[CervicalExcision, ...] = ()

    @model_validator(mode="after")
    def _something_set(self) -> Self:
        if not any(_is_set(getattr(self, name)) for name in type(self).model_fields):
            raise ValueError("set at least one criterion")
        if self.prior_sptb_before is not None and self.prior_sptb_up_to is not None:
            raise ValueError(
                "prior_sptb_up_to: give prior_sptb_before or prior_sptb_up_to, not both"
            )
        return self

    def _sptb_met(self, sptb: int | None) -> bool:
        if sptb is None:
            return False
        if self.prior_sptb_before is not None and sptb < self.prior_sptb_before:
            return True
        return self.prior_sptb_up_to is not None and sptb <= self.prior_sptb_up_to

    def matches(self, patient: Patient, *, pprom_counts_as_sptb: bool = False) -> bool:
        """Any criterion holds (the same tests as `reasons`, without building words)."""
        pprom = patient.prior_pprom_weeks
        return (
            self._sptb_met(prior_sptb_days(patient, pprom_counts_as_sptb))
            or (
                self.prior_sptb_count_min is not None
                and patient.sptb_count >= self.prior_sptb_count_min
            )
            or (
                self.painless_loss_count_min is not None
                and patient.painless_loss_count >= self.painless_loss_count_min
            )
            or patient.prior_cerclage in self.prior_cerclage
            or (
                self.prior_pprom_before is not None
                and pprom is not None
                and pprom < self.prior_pprom_before
            )
            or patient.cervical_excision in self.cervical_excision
            or bool(self._flags(patient))
        )

    def reasons(self, patient: Patient, *, pprom_counts_as_sptb: bool = False) -> list[str]:
        """The criteria this patient meets, in words for a message (empty when none)."""
        found: list[str] = []
        sptb = prior_sptb_days(patient, pprom_counts_as_sptb)
        if self._sptb_met(sptb):
            assert sptb is not None  # _sptb_met is False for None
            pprom_earlier = sptb != patient.prior_sptb_weeks  # the PPROM counted as the sPTB
            what = "PPROM (counted as sPTB)" if pprom_earlier else "sPTB"
            found.append(f"prior {what} at {format_ga(sptb)}")
        count = patient.sptb_count
        if self.prior_sptb_count_min is not None and count >= self.prior_sptb_count_min:
            found.append(f"{count} prior sPTB/mid-trimester losses")
        losses = patient.painless_loss_count
        if self.painless_loss_count_min is not None and losses >= self.painless_loss_count_min:
            found.append(f"{counted(losses, 'painless second-trimester loss')}")
        if patient.prior_cerclage in self.prior_cerclage:
            found.append(f"prior {patient.prior_cerclage.value}-indicated cerclage")
        pprom = patient.prior_pprom_weeks
        if (
            self.prior_pprom_before is not None
            and pprom is not None
            and pprom < self.prior_pprom_before
        ):
            found.append(f"prior PPROM at {format_ga(pprom)}")
        if patient.cervical_excision in self.cervical_excision:
            found.append(f"cervical excision ({patient.cervical_excision.value})")
        found.extend(self._flags(patient))
        return found

    def _flags(self, patient: Patient) -> list[str]:
        return [
            fact.words for name, fact in _FLAGS if getattr(self, name) and getattr(patient, name)
        ]


if TYPE_CHECKING:
    HistoryCriteria = _HistoryCriteria
else:
    HistoryCriteria = create_model(
        "HistoryCriteria",
        __base__=_HistoryCriteria,
        __doc__=_HistoryCriteria.__doc__,
        **{name: (bool, False) for name, _ in _FLAGS},
    )


def prior_sptb_days(patient: Patient, pprom_counts_as_sptb: bool) -> int | None:
    """GA of the prior spontaneous preterm birth; the earlier PPROM too when it counts as one."""
    sptb = patient.prior_sptb_weeks
    pprom = patient.prior_pprom_weeks if pprom_counts_as_sptb else None
    if pprom is None:
        return sptb
    return pprom if sptb is None else min(sptb, pprom)
