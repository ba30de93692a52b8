"""What a CL chart shows, as plain data shared by the SVG (HTML) and plotext (terminal) charts.

The lines and the shaded window are read from the profile's rule entries, so a
clinic that edits a threshold in its TOML file sees the edited line; the
points are the patient's own records up to the review date. Nothing here
decides whether a rule fires: that is the engine's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cervix_watch.domain.enums import Route
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Patient
from cervix_watch.domain.words import treatment_words
from cervix_watch.rules import PatientHistory, Profile

# The x range every chart shows (weeks); widened only when a record lies outside it.
GA_FROM_DAYS = 14 * 7
GA_TO_DAYS = 37 * 7
CL_AXIS_MIN_TOP_MM = 50.0


@dataclass(frozen=True, slots=True)
class ScanPoint:
    """One scan: its GA, recorded CL (shortest measurement) and route."""

    ga_days: int
    cl_mm: float
    route: Route
    on: date

    @property
    def transvaginal(self) -> bool:
        return self.route is Route.TV


@dataclass(frozen=True, slots=True)
class Threshold:
    """A CL line of the profile, the rule ids that use it and, in words, what it prompts."""

    cl_mm: float
    rules: tuple[str, ...]
    uses: tuple[str, ...] = ()  # "cerclage discussion", "shorter scan interval", ...

    @property
    def label(self) -> str:
        return f"{self.cl_mm:g} mm"

    @property
    def words(self) -> str:
        """`25 mm: cerclage discussion, progesterone discussion` (ids go in a tooltip)."""
        return f"{self.label}: {', '.join(self.uses)}" if self.uses else self.label


@dataclass(frozen=True, slots=True)
class Span:
    """A treatment from its start to its end (None: still running on the review date)."""

    label: str
    start_ga_days: int
    end_ga_days: int | None


@dataclass(frozen=True, slots=True)
class Marker:
    """A dated event drawn as a vertical mark (a physical exam)."""

    label: str
    ga_days: int


@dataclass(frozen=True, slots=True)
class SymptomMark:
    """Symptoms reported at a scan or exam: urgent ones (acute review) or watch ones only."""

    label: str
    ga_days: int
    urgent: bool


@dataclass(frozen=True, slots=True)
class Window:
    """The profile's treatment window, both ends in GA days."""

    start_ga_days: int
    end_ga_days: int
    label: str


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything one patient's chart draws."""

    points: tuple[ScanPoint, ...]
    thresholds: tuple[Threshold, ...]
    window: Window | None
    treatments: tuple[Span, ...]
    exams: tuple[Marker, ...]
    today_ga_days: int
    symptoms: tuple[SymptomMark, ...] = ()
    # exams that recorded ruptured membranes (P-PROM)
    ruptured: tuple[Marker, ...] = ()

    @property
    def ga_range(self) -> tuple[int, int]:
        """From the earliest record or 14+0 to the review date or 37+0, whichever is wider.

        Every record (a cerclage placed at 13+0, an exam, a scan) and the review-date line
        (37+3 for a cerclage still in situ; 12+0 for a history-flagged patient seen before
        her first scan) lie inside the drawn range.
        """
        days = [p.ga_days for p in self.points] + [m.ga_days for m in self.exams]
        days += [self.today_ga_days]
        days += [m.ga_days for m in self.symptoms]
        starts = [t.start_ga_days for t in self.treatments]
        ends = [t.end_ga_days for t in self.treatments if t.end_ga_days is not None]
        return (
            min([GA_FROM_DAYS, *days, *starts]),
            max([GA_TO_DAYS, self.today_ga_days, *days, *ends]),
        )

    @property
    def cl_top_mm(self) -> float:
        """Top of the y axis: 50 mm, or more when a scan measured longer (rounded up to 10)."""
        highest = max([CL_AXIS_MIN_TOP_MM, *(p.cl_mm for p in self.points)])
        return float(-(-highest // 10) * 10)


def profile_thresholds(profile: Profile) -> tuple[Threshold, ...]:
    """Every CL limit the profile's CL rules and schedules use, lowest first."""
    found: dict[float, list[str]] = {}
    for rule in profile.rules:
        for limit in rule.cl_limits():
            found.setdefault(limit, []).append(rule.id)
    for risk, schedule in profile.schedules.items():
        if schedule.short_cl_below_mm is not None:
            found.setdefault(schedule.short_cl_below_mm, []).append(f"schedule.{risk.value}")
    if profile.risk.cl_upgrade is not None:
        found.setdefault(profile.risk.cl_upgrade.threshold_mm, []).append("risk.cl_upgrade")
    words = _rule_words(profile)
    return tuple(
        Threshold(
            mm,
            tuple(dict.fromkeys(ids)),
            tuple(dict.fromkeys(w for rule_id in ids for w in words.get(rule_id, ()))),
        )
        for mm, ids in sorted(found.items())
    )


# What the non-rule users of a CL line do, in a clinician's words.
_OTHER_USES = {"risk.cl_upgrade": ("high-risk category",)}
_SCHEDULE_USE = ("shorter scan interval",)


def _rule_words(profile: Profile) -> dict[str, tuple[str, ...]]:
    """Rule id -> the actions it raises, as words (`cerclage-discussion` -> cerclage discussion)."""
    words = {
        rule.id: tuple(a.value.replace("-", " ") for a in rule.action) for rule in profile.rules
    }
    words.update(_OTHER_USES)
    words.update({f"schedule.{risk.value}": _SCHEDULE_USE for risk in profile.schedules})
    return words


def treatment_window(profile: Profile) -> Window | None:
    """The window outside which a short cervix has no treatment (any.short-outside-window)."""
    for rule in profile.rules:
        window = rule.treatment_window()
        if window is not None:
            return _window(window.start, window.end, window.describe())
    return None


def _window(start: int, end: int, words: str) -> Window:
    return Window(start, end, f"treatment window {words}")


def chart_data(history: PatientHistory, profile: Profile, as_of: date) -> ChartData:
    """The chart of one patient's records dated on or before the review date."""
    patient = history.patient
    points = tuple(
        ScanPoint(patient.ga_on(s.date), s.recorded_cl_mm, s.route, s.date)
        for s in history.scans
        if s.date <= as_of
    )
    treatments = tuple(
        Span(
            treatment_words(t.type.value, t.kind.value if t.kind else None),
            patient.ga_on(t.start),
            None if t.end is None or t.end > as_of else patient.ga_on(t.end),
        )
        for t in history.treatments
        if t.start <= as_of
    )
    exams = tuple(
        Marker(f"exam {format_ga(patient.ga_on(e.date))}", patient.ga_on(e.date))
        for e in history.exams
        if e.date <= as_of
    )
    return ChartData(
        points=points,
        thresholds=profile_thresholds(profile),
        window=treatment_window(profile),
        treatments=treatments,
        exams=exams,
        today_ga_days=patient.ga_on(as_of),
        symptoms=_symptom_marks(history, as_of),
        ruptured=tuple(
            Marker(f"membranes ruptured, exam {_dated(patient, e.date)}", patient.ga_on(e.date))
            for e in history.exams
            if e.date <= as_of and e.membranes_ruptured
        ),
    )


def _dated(patient: Patient, on: date) -> str:
    return f"{on.isoformat()} at {format_ga(patient.ga_on(on))}"


def _symptom_marks(history: PatientHistory, as_of: date) -> tuple[SymptomMark, ...]:
    """One mark per scan or exam that reported symptoms, red when one of them is urgent."""
    patient = history.patient
    records = [("scan", s.date, s.symptoms) for s in history.scans if s.symptoms]
    records += [("exam", e.date, e.symptoms) for e in history.exams if e.symptoms]
    return tuple(
        SymptomMark(
            f"{what} {_dated(patient, on)}: " + ", ".join(s.description for s in symptoms),
            patient.ga_on(on),
            any(s.urgent for s in symptoms),
        )
        for what, on, symptoms in sorted(records, key=lambda r: r[1])
        if on <= as_of
    )
