"""The rule functions: one per `kind` of rule entry, registered in `RULE_FUNCTIONS`.

Each function takes its rule entry (numbers, citation, priority from the
profile) and the patient's review-date context, and returns a `Finding` or
None. The engine has already applied the entry's patient filters (fetuses,
history, unless_history, risk_by_history) and decides afterwards whether
the point was addressed. Messages are meant to be read aloud and carry the
numbers they rest on, taken from the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from operator import ge, gt, le, lt
from types import MappingProxyType
from typing import Any

from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Exam, Scan
from cervix_watch.rules.context import PatientContext, ScanAt
from cervix_watch.rules.schema import compare, describe_limit
from cervix_watch.rules.specs import (
    ExamRule,
    FindingRule,
    HistoryRule,
    LatestClRule,
    MeasurementQualityRule,
    QualifyingClRule,
    RuleBase,
    ScanDueRule,
    ScanOverdueRule,
    ShortOutsideWindowRule,
    TreatmentEndRule,
)

# Float slack for "(max - min) / min >= 10 %": 22.0 and 24.2 mm differ by
# exactly 10 % but by 0.09999... in binary floating point.
_SPREAD_SLACK = 1e-9

# schema.compare as C operators, for loops over scans (the profile's spellings only)
_OPERATORS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType(
    {"lt": lt, "le": le, "gt": gt, "ge": ge}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's raw result, before addressing and one-flag-per-action."""

    spec: RuleBase
    message: str
    scan: ScanAt | None = None
    exam_date: date | None = None

    @property
    def basis_date(self) -> date | None:
        """The date of the scan or exam it rests on; None for a rule on history alone."""
        if self.scan is not None:
            return self.scan.scan.date
        return self.exam_date


def _message(*parts: str, note: str = "") -> str:
    text = " ".join(part for part in parts if part)
    return f"{text}; {note}" if note else text


def _scan_words(scan: ScanAt) -> str:
    return f"CL {scan.cl_mm:.1f} mm at {format_ga(scan.ga)}"


def _history_words(spec: RuleBase, context: PatientContext) -> str:
    reasons = spec.history.reasons(context.patient) if spec.history is not None else []
    fetuses = context.patient.fetuses
    if fetuses > 1:
        reasons.append(f"{fetuses} fetuses")
    return f"with {', '.join(reasons)}" if reasons else ""


def qualifying_cl(spec: QualifyingClRule, context: PatientContext) -> Finding | None:
    """acog.usi-cerclage, smfm.vp-*, nice.choice ...: a short transvaginal CL in the window."""
    scan = context.short_cl(spec)
    if scan is None:
        return None
    text = _message(
        f"{_scan_words(scan)} ({spec.describe()})", _history_words(spec, context), note=spec.note
    )
    return Finding(spec, text, scan=scan)


def history_only(spec: HistoryRule, context: PatientContext) -> Finding | None:
    """smfm.vp-prior-sptb, acog.history-cerclage, nice.vp-history, rcog.history-cerclage."""
    if not spec.ga_window.contains(context.ga):
        return None
    unless = spec.unless_short_cl
    if unless is not None and context.short_cl(unless) is not None:
        return None
    reasons = spec.history.reasons(context.patient) if spec.history is not None else []
    parts = [", ".join(reasons), f"GA {format_ga(context.ga)} ({spec.ga_window.describe()})"]
    if unless is not None:
        parts.append(f"no CL {unless.describe()}")
    return Finding(spec, _message("; ".join(p for p in parts if p), note=spec.note))


def latest_cl(spec: LatestClRule, context: PatientContext) -> Finding | None:
    """acog.weekly-cl: the latest transvaginal CL in a band, before the window's end."""
    scan = context.latest_tv
    if scan is None or not spec.ga_window.contains(context.ga) or not spec.met(scan.cl_mm):
        return None
    text = _message(
        f"latest {_scan_words(scan)} ({spec.describe_band()})",
        _history_words(spec, context),
        note=spec.note,
    )
    return Finding(spec, text, scan=scan)


def exam_findings(spec: ExamRule, context: PatientContext) -> Finding | None:
    """acog.exam-cerclage, nice.rescue: the latest physical exam shows an open cervix."""
    # spec: the rule reads the latest exam on or before the review date (a
    # later normal exam supersedes an earlier finding) and, as for every rule
    # condition without a qualifier, the GA at the review date.
    exam = context.latest_exam
    if exam is None or not spec.ga_window.contains(context.ga):
        return None
    dilated = exam.dilation_cm is not None and compare(
        exam.dilation_cm, spec.dilation_comparison, spec.dilation_cm
    )
    membranes = spec.membranes_visible and exam.membranes_visible
    if spec.combine == "all":
        met = dilated and (membranes or not spec.membranes_visible)
    else:
        met = dilated or membranes
    if not met:
        return None
    seen = []
    if exam.dilation_cm is not None:
        seen.append(f"dilation {exam.dilation_cm:.1f} cm")
    if exam.membranes_visible:
        seen.append("membranes visible")
    ga = format_ga(context.patient.ga_on(exam.date))
    text = _message(f"exam {exam.date.isoformat()} at {ga}: {', '.join(seen)}", note=spec.note)
    return Finding(spec, _with_contraindications(text, spec, exam), exam_date=exam.date)


def _with_contraindications(text: str, spec: ExamRule, exam: Exam) -> str:
    """Name contractions, bleeding or infection signs; the flag stays urgent (both profiles)."""
    signs = [
        words
        for present, words in (
            (exam.contractions, "contractions"),
            (exam.bleeding, "bleeding"),
            (exam.infection_signs, "signs of infection"),
        )
        if present
    ]
    if not signs:
        return text
    # upper case: the reviewer must not miss a contraindication read out in a list
    warning = f"{text}; WITH {', '.join(signs).upper()}"
    return f"{warning}: {spec.contraindication_note}" if spec.contraindication_note else warning


def treatment_end(spec: TreatmentEndRule, context: PatientContext) -> Finding | None:
    """acog/nice.cerclage-removal, acog/nice.progesterone-stop: a treatment past its end GA."""
    running = context.running.get(spec.treatment)
    if running is None or context.ga < spec.from_ga:
        return None
    kind = f" ({running.kind.value}-indicated)" if running.kind is not None else ""
    text = _message(
        f"{running.type.value}{kind} in place since {running.start.isoformat()};"
        f" GA {format_ga(context.ga)} (due from {format_ga(spec.from_ga)})",
        note=spec.note,
    )
    return Finding(spec, text)


def short_outside_window(spec: ShortOutsideWindowRule, context: PatientContext) -> Finding | None:
    """any.short-outside-window: a short transvaginal CL the treatment rules do not cover."""
    limit, comparison = spec.threshold_mm, spec.comparison
    # Window.contains and compare inlined (a C comparison operator): runs per scan
    start, last = spec.window.start, spec.window.last
    short = _OPERATORS[comparison]  # comparison is "lt" or "le" (validated)
    best: ScanAt | None = None
    for scan in context.tv:
        if best is not None and scan.cl_mm >= best.cl_mm:
            continue
        if not start <= scan.ga <= last and short(scan.cl_mm, limit):
            best = scan
    if best is None:
        return None
    words = describe_limit(comparison, limit)
    text = _message(
        f"{_scan_words(best)} ({words}) outside the treatment window {spec.window.describe()}",
        note=spec.note,
    )
    return Finding(spec, text, scan=best)


def measurement_quality(spec: MeasurementQualityRule, context: PatientContext) -> Finding | None:
    """any.measurement-quality: the latest scan misses the CLEAR standard."""
    latest = context.latest_scan
    if latest is None:
        return None
    scan = latest.scan
    measurements, shortest, route = scan.cl_mm, latest.cl_mm, scan.route
    spread = (max(measurements) - shortest) / shortest
    few = len(measurements) < spec.min_measurements
    wide = spread >= spec.max_spread_fraction - _SPREAD_SLACK
    off_route = route not in spec.routes
    # Most latest scans meet the standard: decide before building any words.
    if not (few or wide or off_route):
        return None
    problems = []
    if few:
        problems.append(
            f"{len(measurements)} measurement(s) (standard: at least {spec.min_measurements})"
        )
    if wide:
        problems.append(
            f"measurements differ by {spread:.0%} (standard: under {spec.max_spread_fraction:.0%})"
        )
    if off_route:
        allowed = "/".join(r.value for r in spec.routes)
        problems.append(f"route {route.value} (standard: {allowed})")
    if not problems:
        return None
    text = _message(f"latest scan {_scan_date(latest)}: {'; '.join(problems)}", note=spec.note)
    return Finding(spec, text, scan=latest)


def _scan_date(scan: ScanAt) -> str:
    return f"{scan.scan.date.isoformat()} at {format_ga(scan.ga)}"


def finding(spec: FindingRule, context: PatientContext) -> Finding | None:
    """any.funneling, any.sludge: what the latest scan records, for the reviewer."""
    latest = context.latest_scan
    if latest is None:
        return None
    scan = latest.scan
    if spec.finding == "sludge":
        words = "amniotic-fluid sludge" if scan.sludge else ""
    else:
        words = f"funneling{_funnel_details(scan)}" if scan.funneling else ""
    if not words:
        return None
    text = _message(f"latest scan {_scan_date(latest)}: {words}", note=spec.note)
    return Finding(spec, text, scan=latest)


def _funnel_details(scan: Scan) -> str:
    """ " (length 8.0 mm, width 5.0 mm, shape U)" for what was recorded, else ""."""
    details = []
    if scan.funnel_length_mm is not None:
        details.append(f"length {scan.funnel_length_mm:.1f} mm")
    if scan.funnel_width_mm is not None:
        details.append(f"width {scan.funnel_width_mm:.1f} mm")
    if scan.funnel_shape is not None:
        details.append(f"shape {scan.funnel_shape.value}")
    return f" ({', '.join(details)})" if details else ""


def scan_due(spec: ScanDueRule, context: PatientContext) -> Finding | None:
    """any.scan-due: the next surveillance scan falls due within the look-ahead (inclusive)."""
    due = context.due
    if due is None or not context.as_of <= due.on <= context.as_of + _look_ahead(context):
        return None
    days = (due.on - context.as_of).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return Finding(
        spec,
        _message(
            f"surveillance scan due {due.on.isoformat()} ({when}); {due.schedule}", note=spec.note
        ),
    )


def scan_overdue(spec: ScanOverdueRule, context: PatientContext) -> Finding | None:
    """any.scan-overdue: the next surveillance scan was due before the review date."""
    due = context.due
    if due is None or due.on >= context.as_of:
        return None
    days = (context.as_of - due.on).days
    plural = "s" if days != 1 else ""
    text = (
        f"surveillance scan overdue since {due.on.isoformat()} ({days} day{plural}); {due.schedule}"
    )
    return Finding(spec, _message(text, note=spec.note))


def _look_ahead(context: PatientContext) -> timedelta:
    return timedelta(days=context.look_ahead_days)


RuleFunction = Callable[[Any, PatientContext], Finding | None]

# The fixed registry: rule entry `kind` -> the function that evaluates it.
RULE_FUNCTIONS: Mapping[str, RuleFunction] = MappingProxyType(
    {
        "qualifying-cl": qualifying_cl,
        "history": history_only,
        "latest-cl": latest_cl,
        "exam": exam_findings,
        "treatment-end": treatment_end,
        "short-outside-window": short_outside_window,
        "measurement-quality": measurement_quality,
        "finding": finding,
        "scan-due": scan_due,
        "scan-overdue": scan_overdue,
    }
)
