"""Domain records: frozen pydantic models holding every validation rule of the contract.

The same models serve the CLI, the CSV importer and the store, so a value is
checked in one place. Date checks that need "today" or the patient's EDD are
separate functions (`check_event_date`) because a scan row alone does not know
its patient.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from cervix_watch.domain.cl import recorded_cl_mm
from cervix_watch.domain.enums import (
    Action,
    CerclageKind,
    CervicalExcision,
    CloseOutcome,
    Dating,
    FunnelShape,
    Outcome,
    PriorCerclage,
    ProgesteroneKind,
    Route,
    TreatmentType,
)
from cervix_watch.domain.errors import Problem
from cervix_watch.domain.facts import Fact
from cervix_watch.domain.ga import (
    MAX_GA_DAYS,
    PREGNANCY_DAYS,
    date_at_ga,
    edd_from_lmp,
    format_ga,
    ga_days,
    parse_ga,
)
from cervix_watch.domain.identifiers import unprintable_character
from cervix_watch.domain.ids import RecordId
from cervix_watch.domain.symptoms import Symptom, parse_symptoms
from cervix_watch.domain.uids import MAX_UID, SOURCE_PREFIX, uid_of

MAX_CL_MM = 80.0
MAX_TEXT = 2000
MAX_MRN = 64
# A patient's name may be very long (several given names, compound surnames, transliterations):
# accepted and round-tripped up to this; only a runaway cell (a 1 MB line) is refused.
MAX_NAME = 10_000
MAX_OPERATOR = 200  # a sonographer's name or initials; also the audit trail's `who`
# Previous sPTB / PPROM / mid-trimester loss: 16+0 to 36+6 (contract.md).
PRIOR_GA_MIN_DAYS = 16 * 7
PRIOR_GA_MAX_DAYS = 36 * 7 + 6
# A scan may follow the EDD by up to six weeks (post-dates pregnancies).
AFTER_EDD_DAYS = 42

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


# The spellings as a CSV or the CLI almost always gives them, looked up before any work.
_EXACT_BOOL = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _bool(value: Any) -> Any:
    """Accept yes/no/true/false/1/0/empty (empty = no), case-insensitively."""
    if value is None:
        return False
    if isinstance(value, str):
        exact = _EXACT_BOOL.get(value)
        if exact is not None:
            return exact
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not yes/no")
    return value


def _empty_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _number(value: Any) -> Any:
    """Parse a decimal number strictly: `22,5`, `nan`, `inf` and words are refused."""
    if type(value) is str:
        # Fast path for CSV cells and CLI text (hundreds of thousands per import): float()
        # ignores the same surrounding whitespace str.strip() removes.
        try:
            number = float(value)
        except ValueError:
            pass  # empty, or not a number: the general path says which
        else:
            if not math.isfinite(number):
                raise ValueError("must be a finite number")
            return number
    value = _empty_to_none(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number (use a decimal point: 22.5)") from None
    if isinstance(value, int | float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _ga(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, str):
        return parse_ga(value)
    return value


def _millimetres(value: Any) -> Any:
    """A length in mm with at most one decimal place (calipers read to 0.1 mm).

    Refusing `24.96` (rather than rounding it) keeps every comparison and message on the
    value the sonographer typed: a rounded 25.0 could contradict a "< 25 mm" rule.
    """
    number = _number(value)
    if isinstance(number, float) and round(number, 1) != number:
        shown = value.strip() if isinstance(value, str) else repr(number)
        raise ValueError(f"{shown!r} has more than one decimal place (lengths are to 0.1 mm)")
    return number


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: Any) -> Any:
    """`YYYY-MM-DD` only: pydantic's lax mode would read `0` as 1970-01-01 and accept
    `20261013`, `2026-W01-1` or a datetime; all are refused (contract.md)."""
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass  # 2027-02-30: said below
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)")


def _optional_iso_date(value: Any) -> Any:
    value = _empty_to_none(value)
    return None if value is None else parse_iso_date(value)


def _printable(value: str) -> str:
    """No control or format character (zero-width space, bidirectional override, C1)."""
    if bad := unprintable_character(value):
        raise ValueError(f"contains the control or format character {bad}")
    return value


def _text(limit: int) -> Any:
    def check(value: str) -> str:
        if "\x00" in value:
            raise ValueError("contains a NUL byte")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value

    return AfterValidator(check)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Bool = Annotated[bool, BeforeValidator(_bool)]
Text = Annotated[str, BeforeValidator(lambda v: "" if v is None else v), _text(MAX_TEXT)]
# Speed: constraints (Field) listed before a BeforeValidator are checked inside pydantic-core;
# listed after it, they become a Python-level validator per value. A BeforeValidator runs
# first either way, so the checks and their messages are the same.
Mrn = Annotated[
    str,
    Field(min_length=1, max_length=MAX_MRN, pattern=r"^[^\x00-\x1f\x7f]+$"),
    BeforeValidator(_strip),
    AfterValidator(_printable),
]
CervicalLength = Annotated[float, Field(gt=0.0, le=MAX_CL_MM), BeforeValidator(_millimetres)]
# Bounds go on the inner type: on `X | None` pydantic applies them to None too and
# raises TypeError (not a ValidationError) for an empty cell or a NULL column.
OptionalLength = Annotated[
    Annotated[float, Field(ge=0.0, le=MAX_CL_MM)] | None, BeforeValidator(_millimetres)
]
IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]
Operator = Annotated[str, AfterValidator(_printable)]
OptionalCount = Annotated[
    Annotated[int, Field(ge=0, le=50)] | None, BeforeValidator(_empty_to_none)
]


def _prior_ga_in_range(days: int) -> int:
    # said in w+d: a bound in days ("84 must be at least 112") means nothing to a reader
    if not PRIOR_GA_MIN_DAYS <= days <= PRIOR_GA_MAX_DAYS:
        low, high = format_ga(PRIOR_GA_MIN_DAYS), format_ga(PRIOR_GA_MAX_DAYS)
        raise ValueError(f"{format_ga(days)} is outside {low} to {high}")
    return days


# A scan's origin: empty when typed, `dicom-sr:<SOP Instance UID>` when imported from an SR.
def _source(value: Any) -> Any:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return ""
    if uid_of(text) is None:
        raise ValueError(
            f"{text[:80]!r} is not empty or {SOURCE_PREFIX}<SOP Instance UID> "
            f"(digits and dots, at most {MAX_UID} characters)"
        )
    return text


Symptoms = Annotated[tuple[Symptom, ...], BeforeValidator(parse_symptoms)]
Source = Annotated[str, BeforeValidator(_source)]


PriorGa = Annotated[
    Annotated[int, AfterValidator(_prior_ga_in_range)] | None,
    BeforeValidator(_ga),
]
OptionalDate = Annotated[date | None, BeforeValidator(_optional_iso_date)]


def _empty_to_default(default: Any) -> Any:
    return BeforeValidator(
        lambda v: default if v is None or (isinstance(v, str) and not v.strip()) else v
    )


class Record(BaseModel):
    """Base of every domain record: immutable, unknown fields refused, strings stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Patient(Record):
    """A pregnancy under surveillance, with the obstetric history the rules read.

    Each field a user gives carries its `Fact` (domain/facts.py): the option's help, the
    CSV cell type, and for the history and the other risk factors the words reports say
    and the group. The options, CSV columns, table columns, words and rule criteria are
    derived from these (domain/history.py `PATIENT_FACTS`).
    """

    mrn: Mrn
    name: Annotated[str, _empty_to_default(""), _text(MAX_NAME), Fact("Patient name.", "text")] = ""
    edd: Annotated[IsoDate, Fact("Estimated due date, YYYY-MM-DD.", "date")]
    lmp: Annotated[
        OptionalDate,
        Fact(f"Last menstrual period, YYYY-MM-DD (EDD = LMP + {PREGNANCY_DAYS} d).", "date"),
    ] = None
    fetuses: Annotated[
        int, Field(ge=1, le=6), _empty_to_default(1), Fact("Number of fetuses, 1-6.", "int")
    ] = 1
    prior_sptb_weeks: Annotated[
        PriorGa,
        Fact(
            "GA of the earliest previous spontaneous preterm birth or mid-trimester loss "
            "(16+0 to 36+6), e.g. 26+3.",
            "ga",
        ),
    ] = None
    prior_sptb_count: Annotated[
        OptionalCount, Fact("Number of previous sPTBs and mid-trimester losses.", "int")
    ] = None
    prior_pprom_weeks: Annotated[PriorGa, Fact("GA of the earliest previous PPROM.", "ga")] = None
    painless_loss_count: Annotated[
        int,
        Field(ge=0, le=50),
        _empty_to_default(0),
        Fact("Previous second-trimester losses from painless cervical dilation.", "int"),
    ] = 0
    prior_cerclage: Annotated[
        PriorCerclage,
        _empty_to_default("no"),
        Fact("Cerclage in an earlier pregnancy: no, history, ultrasound, exam.", "enum"),
    ] = PriorCerclage.NO
    cervical_excision: Annotated[
        CervicalExcision,
        _empty_to_default("none"),
        Fact("none, lletz, lletz_deep (>10 mm), lletz_multiple, cone, trachelectomy.", "enum"),
    ] = CervicalExcision.NONE
    uterine_anomaly: Annotated[
        Bool, Fact("A uterine (Müllerian) anomaly.", words="uterine anomaly", group="history")
    ] = False
    intrauterine_adhesions: Annotated[
        Bool,
        Fact(
            "Intrauterine adhesions (Asherman syndrome).",
            words="intrauterine adhesions",
            group="history",
        ),
    ] = False
    caesarean_full_dilatation: Annotated[
        Bool,
        Fact(
            "A previous caesarean section at full dilatation.",
            words="caesarean at full dilatation",
            group="history",
        ),
    ] = False
    dating: Annotated[
        Dating | None,
        BeforeValidator(_empty_to_none),
        Fact(
            "How the EDD was set: ultrasound, ivf or lmp (the LMP alone); '' = not recorded.",
            "enum",
        ),
    ] = None
    # The other risk factors (clinical-rules.md): recorded and shown, no risk category uses them.
    des_exposure: Annotated[
        Bool, Fact("Exposed to DES in utero.", words="DES exposure in utero", group="other")
    ] = False
    connective_tissue_disorder: Annotated[
        Bool,
        Fact(
            "A collagen disorder such as Ehlers-Danlos syndrome.",
            words="connective-tissue (collagen) disorder",
            group="other",
        ),
    ] = False
    cervical_dilation_procedures: Annotated[
        int,
        Field(ge=0, le=50),
        _empty_to_default(0),
        Fact(
            "Previous surgical dilations of the cervix (D&C, surgical termination): a count.",
            "int",
            words="surgical cervical dilation",
            group="other",
        ),
    ] = 0
    cervical_tear: Annotated[
        Bool,
        Fact(
            "A cervical tear in a prior labour.",
            words="cervical tear in a prior labour",
            group="other",
        ),
    ] = False
    smoker: Annotated[Bool, Fact("Smokes in pregnancy.", words="smoker", group="other")] = False
    notes: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _derive_edd(cls, data: Any) -> Any:
        """EDD = LMP + 280 when only LMP is given; both given must agree."""
        if not isinstance(data, dict):
            return data
        edd, lmp = _empty_to_none(data.get("edd")), _empty_to_none(data.get("lmp"))
        if edd is None and lmp is None:
            raise ValueError("edd: give an EDD or an LMP")
        if edd is None:
            try:
                lmp_date = parse_iso_date(lmp)
                data = {**data, "edd": edd_from_lmp(lmp_date)}
            except ValueError as error:
                raise ValueError(f"lmp: {error}") from None
            except OverflowError:
                raise ValueError(f"lmp: {lmp_date} gives an EDD past the year 9999") from None
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.lmp is not None and self.lmp > date.max - timedelta(days=PREGNANCY_DAYS):
            raise ValueError(f"lmp: {self.lmp} gives an EDD past the year 9999")
        if self.lmp is not None and edd_from_lmp(self.lmp) != self.edd:
            raise ValueError(
                f"lmp: {self.lmp} gives EDD {edd_from_lmp(self.lmp)}, "
                f"which disagrees with edd {self.edd}"
            )
        if self.prior_sptb_weeks is not None and self.prior_sptb_count == 0:
            raise ValueError("prior_sptb_count: is 0 but prior_sptb_weeks is set")
        return self

    @property
    def lmp_date(self) -> date:
        """LMP as given, or derived from the EDD."""
        return self.lmp or date_at_ga(self.edd, 0)

    @property
    def sptb_count(self) -> int:
        """`prior_sptb_count`, defaulting to 1 when `prior_sptb_weeks` is set, else 0."""
        if self.prior_sptb_count is not None:
            return self.prior_sptb_count
        return 1 if self.prior_sptb_weeks is not None else 0

    @property
    def singleton(self) -> bool:
        return self.fetuses == 1

    def ga_on(self, on: date) -> int:
        return ga_days(self.edd, on)


class Scan(Record):
    """One ultrasound examination of the cervix: 1-3 CL measurements and findings."""

    scan_id: RecordId | None = None
    mrn: Mrn
    date: IsoDate
    route: Annotated[Route, _empty_to_default("tv")] = Route.TV
    cl_mm: tuple[CervicalLength, ...] = Field(min_length=1, max_length=3)
    funneling: Bool = False
    funnel_length_mm: OptionalLength = None
    funnel_width_mm: OptionalLength = None
    funnel_shape: Annotated[FunnelShape | None, BeforeValidator(_empty_to_none)] = None
    sludge: Bool = False
    symptoms: Symptoms = ()
    operator: Annotated[Operator, _empty_to_default(""), _text(MAX_OPERATOR)] = ""
    source: Source = ""
    notes: Text = ""

    @model_validator(mode="after")
    def _funnel_consistent(self) -> Self:
        has_detail = (
            self.funnel_length_mm is not None
            or self.funnel_width_mm is not None
            or self.funnel_shape is not None
        )
        if has_detail and not self.funneling:
            raise ValueError("funneling: is 'no' but funnel length, width or shape is given")
        return self

    @property
    def recorded_cl_mm(self) -> float:
        """The shortest of the measurements (CLEAR; SMFM Consult #40)."""
        return recorded_cl_mm(self.cl_mm)


class Exam(Record):
    """A physical (speculum or digital) examination of the cervix."""

    exam_id: RecordId | None = None
    mrn: Mrn
    date: IsoDate
    dilation_cm: Annotated[
        Annotated[float, Field(ge=0.0, le=10.0)] | None, BeforeValidator(_number)
    ] = None
    membranes_visible: Bool = False
    membranes_ruptured: Bool = False
    contractions: Bool = False
    bleeding: Bool = False
    infection_signs: Bool = False
    symptoms: Symptoms = ()
    notes: Text = ""


# The kinds each treatment type may record (a pessary records none).
_KINDS_OF: dict[TreatmentType, type[CerclageKind] | type[ProgesteroneKind]] = {
    TreatmentType.CERCLAGE: CerclageKind,
    TreatmentType.PROGESTERONE: ProgesteroneKind,
}


class Treatment(Record):
    """A cerclage, progesterone course or pessary; `end` empty while it is in place."""

    treatment_id: RecordId | None = None
    mrn: Mrn
    type: TreatmentType
    # a cerclage's indication or a progesterone course's formulation; a pessary has none
    kind: Annotated[CerclageKind | ProgesteroneKind | None, BeforeValidator(_empty_to_none)] = None
    start: IsoDate
    end: OptionalDate = None
    notes: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _kind_of_its_type(cls, data: Any) -> Any:
        """The kind read in its type's own words, so a wrong one gets one message naming
        that type's kinds (not one per vocabulary of the union)."""
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            return data
        kind = data["kind"].strip()
        try:
            kinds = _KINDS_OF.get(TreatmentType(str(data.get("type"))))
        except ValueError:
            return data  # the type's own message says what is wrong
        if not kind or kinds is None:
            return data
        try:
            return {**data, "kind": kinds(kind)}
        except ValueError:
            *others, last = (repr(k.value) for k in kinds)  # as pydantic names choices
            words = f"{', '.join(others)} or {last}"
            raise ValueError(f"kind: {kind!r} is not one of {words}") from None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        kind = self.kind
        if kind is not None and not isinstance(kind, _KINDS_OF.get(self.type, ())):
            raise ValueError(f"kind: {kind.value} is not a kind of {self.type.value}")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end: {self.end} is before the start {self.start}")
        return self

    @property
    def active(self) -> bool:
        return self.end is None


class Discussion(Record):
    """A recorded discussion of a flagged action with its outcome."""

    mrn: Mrn
    action: Action
    date: IsoDate
    outcome: Outcome
    notes: Text = ""


class Closure(Record):
    """How and when a pregnancy left surveillance."""

    date: IsoDate
    outcome: CloseOutcome
    ga_days: Annotated[Annotated[int, Field(ge=0, le=MAX_GA_DAYS)] | None, BeforeValidator(_ga)] = (
        None
    )


def check_event_date(
    field: str,
    on: date,
    patient: Patient,
    today: date,
    *,
    closed: date | None = None,
) -> Problem | None:
    """An event date must lie between the LMP and EDD + 6 weeks, not after `today` (the
    caller's date, read once at the command-line edge), and not after the pregnancy's
    closure date (delivery, loss, transfer) when it has one."""
    return event_date_problem(field, on, patient.lmp, patient.edd, today, closed=closed)


def event_date_problem(
    field: str,
    on: date,
    lmp: date | None,
    edd: date,
    today: date,
    *,
    closed: date | None = None,
) -> Problem | None:
    """`check_event_date` from the patient's stored LMP and EDD alone (bulk import checks
    every row of a file against a few stored columns, without building the Patient)."""
    if on > today:
        return Problem(field, f"{on} is in the future")
    if closed is not None and on > closed:
        return Problem(field, f"{on} is after the pregnancy was closed on {closed}")
    lmp_date = lmp or date_at_ga(edd, 0)  # as Patient.lmp_date
    if on < lmp_date:
        return Problem(field, f"{on} is before the LMP {lmp_date}")
    if on > edd + timedelta(days=AFTER_EDD_DAYS):
        return Problem(field, f"{on} is more than 6 weeks after the EDD {edd}")
    return None


__all__ = [
    "Closure",
    "Discussion",
    "Exam",
    "Patient",
    "Scan",
    "Treatment",
    "check_event_date",
    "event_date_problem",
]
