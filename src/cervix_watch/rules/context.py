"""One patient's records as seen on the review date: the facts every rule reads.

Built once per patient per review, so each rule is a few comparisons over a
handful of scans (a clinic of 50,000 patients is reviewed in one pass).
Only records dated on or before the review date count (clinical-rules.md,
Definitions: "Flags are evaluated as of the review date").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import lt
from typing import TYPE_CHECKING, Literal, NamedTuple

from cervix_watch.domain.cl import recorded_cl_mm
from cervix_watch.domain.enums import (
    Action,
    Outcome,
    Priority,
    ProgesteroneKind,
    Risk,
    Route,
    TreatmentType,
)
from cervix_watch.domain.ga import ga_days
from cervix_watch.domain.models import Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.pregnancy import PatientHistory  # the engine's input (store-made)
from cervix_watch.rules.schema import ShortCl, Window

if TYPE_CHECKING:
    from cervix_watch.rules.specs import QualifyingClRule
    from cervix_watch.rules.visit_specs import ExamRule


class ScanAt(NamedTuple):
    """A scan with its GA (the scan's own date) and recorded CL (shortest measurement)."""

    scan: Scan
    ga: int
    cl_mm: float


@dataclass(frozen=True, slots=True)
class Due:
    """When the next scan is due, the schedule that says so, and its overdue priority.

    A single screen says itself whether it is due or overdue on the review date
    (`single`; None: neither yet), as its date may lie in the past while it is only due.
    """

    on: date
    schedule: str
    overdue_priority: Priority | None = None
    single: Literal["due", "overdue"] | None = None
    single_until: date | None = None
    # a single screen's window as GA days, first and last (both included)
    single_window: tuple[int, int] = (0, 0)


def _scan_order(scan: Scan) -> tuple[date, int]:
    return scan.date, -1 if scan.scan_id is None else scan.scan_id


_TV = Route.TV
_new = tuple.__new__


def _scan_at_order(scan: ScanAt) -> tuple[date, int]:
    return _scan_order(scan[0])


def _running(treatment: Treatment, as_of: date) -> bool:
    """In place on the review date: started by then and not ended by then."""
    # spec: "in situ = no end date"; an end dated after the review date has not
    # happened yet as of that date, so the treatment counts as in place.
    return treatment.start <= as_of and (treatment.end is None or treatment.end > as_of)


@dataclass(frozen=True, slots=True)
class DatedScans:
    """A patient's scans dated on or before the review date, with GA and recorded CL, in order."""

    scans: tuple[ScanAt, ...]
    # Every CL threshold looks at transvaginal scans only (clinical-rules.md, Definitions).
    tv: tuple[ScanAt, ...]

    @property
    def latest_scan(self) -> ScanAt | None:
        return self.scans[-1] if self.scans else None

    @property
    def latest_tv(self) -> ScanAt | None:
        return self.tv[-1] if self.tv else None


def dated_scans(scans: tuple[Scan, ...], edd: date, as_of: date) -> DatedScans:
    """The scans that count on `as_of`, each with its own GA and recorded CL, in date order."""
    # `_new(ScanAt, ...)` is `ScanAt(...)` without the named tuple's Python-level `__new__`
    # (a third of this function's time over a clinic's 250,000 scans)
    dated = [
        _new(ScanAt, (s, ga_days(edd, s.date), recorded_cl_mm(s.cl_mm)))
        for s in scans
        if s.date <= as_of
    ]
    # Scans come in date order with one scan a day as a rule: then the GAs (ints
    # already in hand) rise strictly, and the sort, which would read every scan id
    # (a cache miss per scan over a clinic), is not needed.
    if len(dated) > 1:
        gas = [scan[1] for scan in dated]
        if not all(map(lt, gas, gas[1:])):
            dated.sort(key=_scan_at_order)
    every = tuple(dated)
    tv = [s for s in every if s[0].route is _TV]
    return DatedScans(every, every if len(tv) == len(every) else tuple(tv))


@dataclass(frozen=True, slots=True)
class PatientContext:
    """The review-date facts of one patient that every rule reads: built once, then frozen.

    Built by the engine (`engine.open_context`) with the risk, the schedule's
    due date and the look-ahead already known, so a rule is a function of
    this plain data. `qualifying_cache` only remembers `qualifying()` answers,
    a pure function of the frozen scans.
    """

    patient: Patient
    as_of: date
    ga: int
    scans: tuple[ScanAt, ...]
    tv: tuple[ScanAt, ...]
    latest_scan: ScanAt | None
    latest_tv: ScanAt | None
    # exams dated on or before the review date, in date order
    exams: tuple[Exam, ...]
    latest_exam: Exam | None
    # treatments started on or before the review date
    treatments: tuple[Treatment, ...]
    running: Mapping[TreatmentType, Treatment]
    discussions: tuple[Discussion, ...]
    risk_by_history: Risk
    risk: Risk
    due: Due | None
    look_ahead_days: int
    # ACOG: a previous preterm PPROM counts as a prior sPTB (profile setting)
    pprom_counts_as_sptb: bool = False
    # the qualifying-cl and exam rules that apply to this patient and close with their
    # window (any.window-closed): raised only while the review date is inside it (or grace)
    closable: tuple[QualifyingClRule | ExamRule, ...] = ()
    # the post-rupture state's first day (clinical-rules.md v3), None when intact
    ruptured: date | None = None
    # every treatment in situ or active on the review date, in order of start
    in_situ: tuple[Treatment, ...] = ()
    # a deferred discussion addresses its point for these days after its date
    defer_days: int = 7
    qualifying_cache: dict[tuple[int, int], ScanAt | None] = field(default_factory=dict)

    @property
    def treatment_recorded(self) -> bool:
        return bool(self.treatments)

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
        memo = self.qualifying_cache
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
        """Discussion records of `action` on or after `since` (any date when None) that address
        it on the review date: a `deferred` one only for `defer_days` after its date."""
        return tuple(
            d
            for d in self.discussions
            if d.action is action
            and (since is None or d.date >= since)
            and (d.outcome is not Outcome.DEFERRED or (self.as_of - d.date).days < self.defer_days)
        )

    def accepted(self, actions: frozenset[Action], since: date | None) -> tuple[Discussion, ...]:
        """Records of any of `actions` with outcome accepted, on or after `since`: a choice."""
        return tuple(
            d
            for d in self.discussions
            if d.action in actions
            and d.outcome is Outcome.ACCEPTED
            and (since is None or d.date >= since)
        )

    def treated_with(self, treatment: TreatmentType, since: date | None = None) -> bool:
        """A treatment of this type was started by the review date (running or ended since)
        and, given `since`, was still in place after that date (no end, or an end after it):
        a course stopped before the qualifying scan answered nothing the scan raised. A
        progesterone course counts only when vaginal or not recorded (17-OHPC, oral address
        nothing)."""
        return any(
            t.type is treatment
            and addresses(t)
            and (since is None or t.end is None or t.end > since)
            for t in self.treatments
        )

    def running_addresses(self, treatment: TreatmentType) -> bool:
        """A treatment of this type in situ (active) on the review date that addresses a point."""
        return any(t.type is treatment and addresses(t) for t in self.in_situ)

    def treatment_chosen(self, since: date) -> bool:
        """clinical-rules.md v3: a cerclage or a vaginal (or not recorded) progesterone course
        started on or after `since`."""
        return any(t.type in _CHOSEN and addresses(t) and t.start >= since for t in self.treatments)


# The treatments a patient may choose for a short cervix (any.window-closed, nice.choice).
_CHOSEN = frozenset({TreatmentType.CERCLAGE, TreatmentType.PROGESTERONE})
# Progesterone formulations that address a progesterone point (empty: recorded before v3).
_ADDRESSING_PROGESTERONE = frozenset({None, ProgesteroneKind.VAGINAL})


def addresses(treatment: Treatment) -> bool:
    """A treatment counts for the points it matches; 17-OHPC and oral progesterone do not
    (ACOG Practice Advisory 2023, SMFM 2023: not recommended)."""
    return (
        treatment.type is not TreatmentType.PROGESTERONE
        or treatment.kind in _ADDRESSING_PROGESTERONE
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


def active_running(
    history: PatientHistory, as_of: date, active_before: int
) -> dict[TreatmentType, Treatment] | None:
    """The running treatments when she is active on the review date, else None.

    Active: not closed by the review date, and GA before 37+0 (`active_before`)
    or a cerclage in situ or a progesterone course active on it (so its stop point is
    seen). Checked first, so closed pregnancies cost little.
    """
    closure = history.closure
    if closure is not None and closure.date <= as_of:
        return None
    running = _running_by_type(history.treatments, as_of) if history.treatments else {}
    if ga_days(history.patient.edd, as_of) >= active_before and not (
        TreatmentType.CERCLAGE in running or TreatmentType.PROGESTERONE in running
    ):
        return None
    return running


def running_on(treatments: tuple[Treatment, ...], as_of: date) -> tuple[Treatment, ...]:
    """Every treatment in situ or active on the review date, in order of start."""
    return tuple(sorted((t for t in treatments if _running(t, as_of)), key=lambda t: t.start))


def ruptured_on(exams: tuple[Exam, ...]) -> date | None:
    """The post-rupture state's first day: the earliest of these exams recording ruptured
    membranes (the caller passes the exams dated on or before the review date)."""
    return min((e.date for e in exams if e.membranes_ruptured), default=None)


def dated_exams(exams: tuple[Exam, ...], as_of: date) -> tuple[Exam, ...]:
    """Exams dated on or before the review date, in date order."""
    if not exams:  # most patients: no exam
        return ()
    return tuple(sorted((e for e in exams if e.date <= as_of), key=_exam_date))
