"""One patient's records as seen on the review date: the facts every rule reads.

Built once per patient per review, so each rule is a few comparisons over a
handful of scans (a clinic of 50,000 patients is reviewed in one pass).
Only records dated on or before the review date count (clinical-rules.md,
Definitions: "Flags are evaluated as of the review date").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import lt
from typing import NamedTuple

from cervix_watch.domain.enums import Action, Risk, Route, TreatmentType
from cervix_watch.domain.ga import PREGNANCY_DAYS, ga_days
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.rules.schema import ShortCl, Window


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """Everything recorded for one pregnancy. Voided scans are left out by the caller."""

    patient: Patient
    scans: tuple[Scan, ...] = ()
    exams: tuple[Exam, ...] = ()
    treatments: tuple[Treatment, ...] = ()
    discussions: tuple[Discussion, ...] = ()
    closure: Closure | None = None


class ScanAt(NamedTuple):
    """A scan with its GA (the scan's own date) and recorded CL (shortest measurement)."""

    scan: Scan
    ga: int
    cl_mm: float


@dataclass(frozen=True, slots=True)
class Due:
    """When the next surveillance scan is due, and the schedule that says so (for messages)."""

    on: date
    schedule: str


def _scan_order(scan: Scan) -> tuple[date, int]:
    return scan.date, -1 if scan.scan_id is None else scan.scan_id


_new_tuple = tuple.__new__
_TV = Route.TV


def _scan_at_order(scan: ScanAt) -> tuple[date, int]:
    return _scan_order(scan[0])


def _running(treatment: Treatment, as_of: date) -> bool:
    """In place on the review date: started by then and not ended by then."""
    # spec: "in situ = no end date"; an end dated after the review date has not
    # happened yet as of that date, so the treatment counts as in place.
    return treatment.start <= as_of and (treatment.end is None or treatment.end > as_of)


class PatientContext:
    """The review-date view of one patient: GA, scans with GA, running treatments, discussions."""

    __slots__ = (
        "as_of",
        "discussions",
        "due",
        "ga",
        "latest_exam",
        "latest_scan",
        "latest_tv",
        "look_ahead_days",
        "patient",
        "qualifying_memo",
        "risk",
        "risk_by_history",
        "running",
        "scans",
        "treatment_recorded",
        "tv",
    )

    def __init__(
        self, history: PatientHistory, as_of: date, running: dict[TreatmentType, Treatment]
    ) -> None:
        patient = history.patient
        edd = patient.edd
        self.patient = patient
        self.as_of = as_of
        self.ga = ga_days(edd, as_of)
        self.running = running
        treatments = history.treatments
        self.treatment_recorded = bool(treatments) and any(t.start <= as_of for t in treatments)
        # GA inlined (domain.ga.ga_days), and ScanAt built with tuple.__new__ rather than
        # its generated __new__ (one Python call less): this line runs for every scan of
        # the clinic
        dated = [
            _new_tuple(ScanAt, (s, PREGNANCY_DAYS - (edd - s.date).days, min(s.cl_mm)))
            for s in history.scans
            if s.date <= as_of
        ]
        # Scans come in date order with one scan a day as a rule: then the GAs (ints
        # already in hand) rise strictly, and the sort, which would read every scan id
        # (a cache miss per scan over a clinic), is not needed.
        if len(dated) > 1:
            gas = [scan[1] for scan in dated]
            if not all(map(lt, gas, gas[1:])):
                dated.sort(key=_scan_at_order)
        scans = self.scans = tuple(dated)
        # Every CL threshold looks at transvaginal scans only (clinical-rules.md, Definitions).
        tv = [s for s in scans if s[0].route is _TV]
        self.tv = scans if len(tv) == len(scans) else tuple(tv)
        # plain attributes, not properties: several rules and the schedule read them
        self.latest_scan: ScanAt | None = scans[-1] if scans else None
        self.latest_tv: ScanAt | None = tv[-1] if tv else None
        # Most patients have no exam and no discussion: skip building the empty lists.
        exams = history.exams
        if exams:
            dated_exams = [e for e in exams if e.date <= as_of]
            self.latest_exam = max(dated_exams, key=_exam_date) if dated_exams else None
        else:
            self.latest_exam = None
        discussions = history.discussions
        self.discussions = tuple([d for d in discussions if d.date <= as_of]) if discussions else ()
        self.qualifying_memo: dict[tuple[int, int], ScanAt | None] = {}
        # filled in by the engine before the rules run
        self.risk_by_history = Risk.LOW
        self.risk = Risk.LOW
        self.due: Due | None = None
        self.look_ahead_days = 0

    @property
    def cerclage(self) -> Treatment | None:
        """Cerclage in situ: a cerclage with no end date (by the review date)."""
        return self.running.get(TreatmentType.CERCLAGE)

    @property
    def progesterone(self) -> Treatment | None:
        """Progesterone active: a course with no end date (by the review date)."""
        return self.running.get(TreatmentType.PROGESTERONE)

    def qualifying(self, window: Window) -> ScanAt | None:
        """Shortest transvaginal recorded CL with the scan's GA in `window`; earliest on a tie.

        Earliest on a tie, so that only a *shorter* newer CL re-raises an
        addressed point (clinical-rules.md, Addressed).
        """
        start, last = window.start, window.last  # Window.contains, inlined: runs per scan
        # Several rules of a profile share a window (three ACOG/SMFM rules read 16+0 to
        # before 24+0): the scan found for a window is remembered for this patient.
        key = (start, last)
        memo = self.qualifying_memo
        if key in memo:
            return memo[key]
        best: ScanAt | None = None
        for scan in self.tv:
            if start <= scan.ga <= last and (best is None or scan.cl_mm < best.cl_mm):
                best = scan
        memo[key] = best
        return best

    def short_cl(self, condition: ShortCl) -> ScanAt | None:
        """The qualifying scan when its CL meets the condition, else None."""
        best = self.qualifying(condition.window)
        return best if best is not None and condition.met(best.cl_mm) else None

    def discussed(self, action: Action, since: date | None) -> tuple[Discussion, ...]:
        """Discussion records of `action` on or after `since` (any date when None)."""
        return tuple(
            d for d in self.discussions if d.action is action and (since is None or d.date >= since)
        )


def _exam_date(exam: Exam) -> date:
    return exam.date


def _running_by_type(
    treatments: tuple[Treatment, ...], as_of: date
) -> dict[TreatmentType, Treatment]:
    """The most recently started running treatment of each type."""
    running: dict[TreatmentType, Treatment] = {}
    for treatment in sorted(treatments, key=lambda t: t.start):
        if _running(treatment, as_of):
            running[treatment.type] = treatment
    return running


def open_context(history: PatientHistory, as_of: date, active_before: int) -> PatientContext | None:
    """The patient's review-date context, or None when she is not active on that date.

    Active: not closed by the review date, and GA before 37+0 (`active_before`)
    or a cerclage still in situ. Checked first, so closed pregnancies cost little.
    """
    closure = history.closure
    if closure is not None and closure.date <= as_of:
        return None
    running = _running_by_type(history.treatments, as_of) if history.treatments else {}
    if (
        ga_days(history.patient.edd, as_of) >= active_before
        and TreatmentType.CERCLAGE not in running
    ):
        return None
    return PatientContext(history, as_of, running)
