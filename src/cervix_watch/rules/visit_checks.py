"""Rules on what a visit recorded (the latest scan's quality and findings, physical exams,
symptoms) and on the patient's record (dating, smoking).

Each function takes its rule entry and the patient's review-date context and
returns a `Finding` or None (see checks.py for the registry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Exam, Scan
from cervix_watch.domain.symptoms import Symptom
from cervix_watch.rules.context import PatientContext, ScanAt
from cervix_watch.rules.findings import (
    Finding,
    cerclage_words,
    look_back_start,
    message,
    scan_date,
)
from cervix_watch.rules.schema import compare, describe_limit
from cervix_watch.rules.visit_specs import (
    AcuteReviewRule,
    ConfirmTvRule,
    DatingRule,
    ExamRule,
    FindingRule,
    MeasurementQualityRule,
    SmokingRule,
    SymptomsRule,
)

T = TypeVar("T")

# Float slack for "(max - min) / min >= 10 %": 22.0 and 24.2 mm differ by
# exactly 10 % but by 0.09999... in binary floating point.
_SPREAD_SLACK = 1e-9


def exam_findings(spec: ExamRule, context: PatientContext) -> Finding | None:
    """acog.exam-cerclage, nice.rescue: the latest physical exam shows an open cervix."""
    # clinical-rules.md v3: the exam point closes with its window on the review date's GA
    # (any.window-closed takes over when it was never addressed)
    if spec.ga_window.past_end(context.ga) and any(spec is rule for rule in context.closable):
        return None
    return exam_point(spec, context)


def exam_point(spec: ExamRule, context: PatientContext) -> Finding | None:
    """The exam rule's point, whether or not its window has closed on the review date."""
    # clinical-rules.md: the latest exam on or before the review date (a later
    # exam without the finding supersedes it), its window on the exam's own GA.
    exam = context.latest_exam
    if exam is None:
        return None
    exam_ga = context.patient.ga_on(exam.date)
    if not spec.ga_window.contains(exam_ga):
        return None
    # P-PROM contraindicates a cerclage: any.acute-review raises the point instead
    if spec.unless_membranes_ruptured and exam.membranes_ruptured:
        return None
    if exam.dilation_cm is None:
        dilated = spec.dilation_unrecorded_counts
    else:
        dilated = compare(exam.dilation_cm, spec.dilation_comparison, spec.dilation_cm)
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
    elif spec.dilation_unrecorded_counts:
        seen.append("dilation not recorded")
    if exam.membranes_visible:
        seen.append("membranes visible")
    ga = format_ga(exam_ga)
    text = message(f"exam {exam.date.isoformat()} at {ga}: {', '.join(seen)}", note=spec.note)
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


def confirm_tv(spec: ConfirmTvRule, context: PatientContext) -> Finding | None:
    """any.confirm-tv: a short CL on a transabdominal or transperineal latest scan."""
    latest = context.latest_scan
    if latest is None or latest.scan.route not in spec.routes:
        return None
    if not compare(latest.cl_mm, spec.comparison, spec.threshold_mm):
        return None
    limit = describe_limit(spec.comparison, spec.threshold_mm)
    text = message(
        f"latest scan {scan_date(latest)} by route {latest.scan.route.value}: "
        f"CL {latest.cl_mm:.1f} mm ({limit})",
        note=spec.note,
    )
    return Finding(spec, text, scan=latest)


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
    text = message(f"latest scan {scan_date(latest)}: {'; '.join(problems)}", note=spec.note)
    return Finding(spec, text, scan=latest)


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
    text = message(f"latest scan {scan_date(latest)}: {words}", note=spec.note)
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


_SIGN_WORDS = {
    "membranes_ruptured": "membranes ruptured",
    "contractions": "contractions",
    "bleeding": "bleeding",
    "infection_signs": "signs of infection",
}


def _symptom_words(symptoms: tuple[Symptom, ...]) -> list[str]:
    return [f"{s.value} ({s.description})" for s in symptoms]


def _urgent_scan(
    context: PatientContext, since: date, urgent: tuple[Symptom, ...]
) -> tuple[ScanAt, list[str]] | None:
    """The latest scan on or after `since` that records an urgent symptom."""
    for scan in reversed(context.scans):  # date order: stop at the look-back's start
        if scan.scan.date < since:
            return None
        reported = scan.scan.symptoms
        hits = tuple(s for s in reported if s in urgent) if reported else ()
        if hits:
            return scan, _symptom_words(hits)
    return None


def _urgent_exam(
    context: PatientContext, since: date, spec: AcuteReviewRule
) -> tuple[Exam, list[str]] | None:
    """The latest exam on or after `since` that records an urgent sign or symptom."""
    for exam in reversed(context.exams):
        if exam.date < since:
            return None
        signs = [sign for sign in spec.exam_signs if getattr(exam, sign)]
        words = [_SIGN_WORDS[sign] for sign in signs]
        # an exam's flag and the symptom of the same name are one finding, listed once
        symptoms = tuple(s for s in exam.symptoms if s in spec.symptoms and s.value not in signs)
        words += _symptom_words(symptoms)
        if words:
            return exam, words
    return None


def acute_review(spec: AcuteReviewRule, context: PatientContext) -> Finding | None:
    """any.acute-review: urgent symptoms or signs at a visit in the look-back (the latest)."""
    since = look_back_start(context, spec.look_back_days)
    scan = _urgent_scan(context, since, spec.symptoms)
    exam = _urgent_exam(context, since, spec)
    if scan is None and exam is None:  # most patients: nothing urgent in the look-back
        return None
    ga = context.patient.ga_on
    # the later record is named (an exam on the same day as a scan: the exam, with its signs)
    # v3: the message names a cerclage in situ (labour or P-PROM against a stitch)
    cerclage = context.cerclage
    stitch = "" if cerclage is None else f"; {cerclage_words(cerclage)} in situ"
    if exam is not None and (scan is None or exam[0].date >= scan[0].scan.date):
        on = exam[0].date
        text = f"exam {on.isoformat()} at {format_ga(ga(on))}: {', '.join(exam[1])}{stitch}"
        return Finding(spec, message(text, note=spec.note), exam_date=on)
    if scan is not None:
        text = f"scan {scan_date(scan[0])}: {', '.join(scan[1])}{stitch}"
        return Finding(spec, message(text, note=spec.note), scan=scan[0])
    return None


def symptoms_noted(spec: SymptomsRule, context: PatientContext) -> Finding | None:
    """any.symptoms: watch symptoms at the latest visit (every scan and exam on that date)."""
    latest_scan, latest_exam = context.latest_scan, context.latest_exam
    dates = [
        r for r in (latest_scan and latest_scan.scan.date, latest_exam and latest_exam.date) if r
    ]
    if not dates:
        return None
    visit = max(dates)
    if visit < look_back_start(context, spec.look_back_days):
        return None
    scans = _on_date(context.scans, visit, lambda s: s.scan.date)
    exams = _on_date(context.exams, visit, lambda e: e.date)
    reported = {s for scan in scans for s in scan.scan.symptoms}
    reported.update(s for exam in exams for s in exam.symptoms)
    watch = tuple(s for s in spec.symptoms if s in reported)
    if not watch:
        return None
    ga = format_ga(context.patient.ga_on(visit))
    text = message(
        f"visit {visit.isoformat()} at {ga}: {', '.join(_symptom_words(watch))}", note=spec.note
    )
    # rests on the scan of that visit when one reported them (scan add prints it), else the exam
    with_scan = next((s for s in scans if set(s.scan.symptoms) & set(watch)), None)
    if with_scan is not None:
        return Finding(spec, text, scan=with_scan)
    return Finding(spec, text, exam_date=visit)


def _on_date(records: tuple[T, ...], on: date, date_of: Callable[[T], date]) -> list[T]:
    """The records dated `on`, the last ones of a date-ordered tuple."""
    found = []
    for record in reversed(records):
        if date_of(record) != on:
            break
        found.append(record)
    return found


def dating_check(spec: DatingRule, context: PatientContext) -> Finding | None:
    """any.dating: the EDD rests on the LMP alone (not confirmed by ultrasound)."""
    dating = context.patient.dating
    if dating is None or dating not in spec.methods:
        return None
    edd = context.patient.edd.isoformat()
    return Finding(spec, message(f"EDD {edd} dated by {dating.value}", note=spec.note))


def smoking(spec: SmokingRule, context: PatientContext) -> Finding | None:
    """any.smoking: the patient smokes."""
    if not context.patient.smoker:
        return None
    return Finding(spec, message("smoker", note=spec.note))
