"""The rule functions: one per `kind` of rule entry, paired with its model in `kinds.KINDS`.

This module holds the CL, history, treatment and schedule rules; the rules on
the latest scan, exams, symptoms and the patient's record are in
`visit_checks.py` and `urgent_checks.py`.

Each function takes its rule entry (numbers, citation, priority from the
profile) and the patient's review-date context, and returns a `Finding` or
None. The engine has already applied the entry's patient filters (fetuses,
history, unless_history, risk_by_history) and decides afterwards whether
the point was addressed. Messages are meant to be read aloud and carry the
numbers they rest on, taken from the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from operator import le, lt
from types import MappingProxyType

from cervix_watch.domain.enums import TreatmentType
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Discussion
from cervix_watch.rules import visit_checks
from cervix_watch.rules.addressed import TREATMENT_ACTIONS, addressed_at_any_time
from cervix_watch.rules.context import Due, PatientContext, ScanAt
from cervix_watch.rules.findings import (
    Finding,
    history_words,
    message,
    scan_words,
)
from cervix_watch.rules.schema import describe_limit
from cervix_watch.rules.specs import (
    HistoryRule,
    LatestClRule,
    QualifyingClRule,
    ScanDueRule,
    ScanOverdueRule,
    ShortAfterCerclageRule,
    ShortOutsideWindowRule,
    TreatmentEndRule,
    WindowClosedRule,
)
from cervix_watch.rules.visit_specs import ExamRule

# schema.compare as C operators, for loops over scans (the profile's spellings only)
_OPERATORS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType({"lt": lt, "le": le})


def qualifying_cl(spec: QualifyingClRule, context: PatientContext) -> Finding | None:
    """acog.usi-cerclage, smfm.vp-*, nice.choice ...: a short transvaginal CL in the window."""
    scan = context.short_cl(spec)
    if scan is None:
        return None
    # clinical-rules.md, "The treatment window closes": a treatment point is raised only
    # while the review date is inside its window or its grace; any.window-closed takes over
    # (identity, not ==: comparing pydantic models field by field would run per patient)
    if _closed(spec, scan, context) and any(spec is rule for rule in context.closable):
        return None
    text = message(
        f"{scan_words(scan)} ({spec.describe()})", history_words(spec, context), note=spec.note
    )
    return Finding(spec, text, scan=scan)


def _closed(spec: QualifyingClRule, scan: ScanAt, context: PatientContext) -> bool:
    """Past the window's end, and the qualifying scan's grace (open_grace_days) is over."""
    if not spec.window.past_end(context.ga):
        return False
    return context.as_of >= scan.scan.date + timedelta(days=spec.open_grace_days)


def window_closed(spec: WindowClosedRule, context: PatientContext) -> Finding | None:
    """any.window-closed: a short cervix (or an open cervix on exam) whose treatment window
    closed with the point never addressed and no treatment chosen."""
    best: tuple[QualifyingClRule, ScanAt] | None = None
    settled: dict[Discussion, None] = {}
    for rule in context.closable:
        if isinstance(rule, QualifyingClRule) and rule.window.past_end(context.ga):
            scan = context.short_cl(rule)
            if scan is None or not _closed(rule, scan, context):
                continue
            records = _settled(spec, Finding(rule, "", scan=scan), context)
            if records is not None:
                settled.update(dict.fromkeys(records))
            elif best is None or scan.cl_mm < best[1].cl_mm:
                best = rule, scan
    exam_point = _exam_window_closed(spec, context)
    if best is not None:
        rule, scan = best
        closed_at = format_ga(rule.window.end)
        text = message(
            f"short cervix ({scan.cl_mm:.1f} mm at {format_ga(scan.ga)}) not discussed before "
            f"the treatment window closed at {closed_at}",
            note=spec.note,
        )
        scan_point = Finding(spec, text, scan=scan)
        return scan_point if exam_point is None else _both_closed(scan_point, exam_point)
    if exam_point is None and settled:
        # not raised, but the review lists the records that answered the closed points
        return Finding(spec, "", settled=tuple(settled))
    return exam_point


def _both_closed(scan_point: Finding, exam_point: Finding) -> Finding:
    """A closed scan point and a closed exam point: one flag, the later record's first, the
    other's message appended, so that a record addresses it only when it follows both."""
    scan_date = scan_point.basis_date
    assert scan_date is not None  # a qualifying scan
    later, earlier = (
        (exam_point, scan_point)
        if exam_point.exam_date is not None and exam_point.exam_date >= scan_date
        else (scan_point, exam_point)
    )
    return replace(later, message=f"{later.message}; also: {earlier.message}")


def _settled(
    spec: WindowClosedRule, point: Finding, context: PatientContext
) -> tuple[Discussion, ...] | None:
    """None when the closed point is left open: its treatment actions never addressed and
    (v3) no treatment chosen - a cerclage or vaginal progesterone started, or either
    discussion accepted, on or after the qualifying scan. Else the records that settled it."""
    since = point.basis_date
    assert since is not None  # a qualifying scan
    if context.treatment_chosen(since):
        return ()
    chosen = context.accepted(TREATMENT_ACTIONS, since)
    if chosen:
        return chosen
    records: list[Discussion] = []
    for action in point.spec.action:
        if action not in spec.treatment_actions:
            continue
        found = addressed_at_any_time(action, point, context)
        if found is None:
            return None
        records += found
    return tuple(records)


def _exam_window_closed(spec: WindowClosedRule, context: PatientContext) -> Finding | None:
    """An exam (rescue) point never addressed before the review date passed its window."""
    if context.latest_exam is None:  # most patients: no exam
        return None
    for rule in context.closable:
        if not isinstance(rule, ExamRule) or not rule.ga_window.past_end(context.ga):
            continue
        found = visit_checks.exam_point(rule, context)
        if found is None:
            continue
        actions = [a for a in rule.action if a in spec.exam_actions]
        if all(addressed_at_any_time(a, found, context) is not None for a in actions):
            continue
        exam_ga = format_ga(context.patient.ga_on(found.exam_date or context.as_of))
        text = message(
            f"dilation / membranes at the os recorded at {exam_ga}, not addressed before the "
            "rescue window closed",
            note=spec.note,
        )
        return Finding(spec, text, exam_date=found.exam_date)
    return None


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
    if spec.late_from is not None and context.ga >= spec.late_from and spec.late_note:
        # RCOG GTG 75: "should be offered"; the usual timing is not a cut-off
        parts.append(spec.late_note.replace("{ga}", format_ga(context.ga)))
    return Finding(spec, message("; ".join(p for p in parts if p), note=spec.note))


def latest_cl(spec: LatestClRule, context: PatientContext) -> Finding | None:
    """acog.weekly-cl: the latest transvaginal CL in a band, before the window's end."""
    scan = context.latest_tv
    if scan is None or not spec.ga_window.contains(context.ga) or not spec.met(scan.cl_mm):
        return None
    text = message(
        f"latest {scan_words(scan)} ({spec.describe_band()})",
        history_words(spec, context),
        note=spec.note,
    )
    return Finding(spec, text, scan=scan)


def treatment_end(spec: TreatmentEndRule, context: PatientContext) -> Finding | None:
    """acog/nice.cerclage-removal, acog/nice.progesterone-stop: a treatment past its end GA."""
    running = context.running.get(spec.treatment)
    if running is None or context.ga < spec.from_ga or running.kind in spec.except_kinds:
        return None
    kind = "" if running.kind is None else f" ({running.kind.value})"
    if running.type is TreatmentType.CERCLAGE and running.kind is not None:
        kind = f" ({running.kind.value}-indicated)"
    step = spec.escalate
    later = step is not None and context.ga >= step.from_ga
    note = step.note if later and step is not None and step.note else spec.note
    text = message(
        f"{running.type.value}{kind} in place since {running.start.isoformat()};"
        f" GA {format_ga(context.ga)} (due from {format_ga(spec.from_ga)})",
        note=note,
    )
    return Finding(spec, text, priority=step.priority if later and step is not None else None)


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
    text = message(
        f"{scan_words(best)} ({words}) outside the treatment window {spec.window.describe()}",
        note=spec.note,
    )
    return Finding(spec, text, scan=best)


def short_after_cerclage(spec: ShortAfterCerclageRule, context: PatientContext) -> Finding | None:
    """any.short-after-cerclage: a short transvaginal CL with a cerclage in situ."""
    cerclage = context.cerclage
    if cerclage is None:
        return None
    short = _OPERATORS[spec.comparison]
    best: ScanAt | None = None
    for scan in context.tv:
        # spec: "a TV scan dated after the cerclage's start" (the day of placement excluded)
        if (
            scan.scan.date > cerclage.start
            and short(scan.cl_mm, spec.threshold_mm)
            and (best is None or scan.cl_mm < best.cl_mm)
        ):
            best = scan
    if best is None:
        return None
    text = message(
        f"short cervix {best.cl_mm:.1f} mm at {format_ga(best.ga)} with cerclage in situ"
        f" (placed {cerclage.start.isoformat()})",
        note=spec.note,
    )
    return Finding(spec, text, scan=best)


def scan_due(spec: ScanDueRule, context: PatientContext) -> Finding | None:
    """any.scan-due: the next surveillance scan falls due within the look-ahead (inclusive)."""
    due = context.due
    if due is not None and due.single_until is not None:
        return _single_due(spec, due) if due.single == "due" else None
    if due is None or not context.as_of <= due.on <= context.as_of + _look_ahead(context):
        return None
    days = (due.on - context.as_of).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return Finding(
        spec,
        message(
            f"surveillance scan due {due.on.isoformat()} ({when}); {due.schedule}", note=spec.note
        ),
    )


def scan_overdue(spec: ScanOverdueRule, context: PatientContext) -> Finding | None:
    """any.scan-overdue: the next surveillance scan was due before the review date."""
    due = context.due
    if due is not None and due.single_until is not None:
        if due.single != "overdue":
            return None
        text = f"single CL screen missed: window {_single_window(due)}"
        return Finding(spec, message(text, note=spec.note), priority=due.overdue_priority)
    if due is None or due.on >= context.as_of:
        return None
    days = (context.as_of - due.on).days
    plural = "s" if days != 1 else ""
    text = (
        f"surveillance scan overdue since {due.on.isoformat()} ({days} day{plural}); {due.schedule}"
    )
    return Finding(spec, message(text, note=spec.note), priority=due.overdue_priority)


def _single_due(spec: ScanDueRule, due: Due) -> Finding:
    """A single screen inside its window (or the look-ahead before it): due, not overdue."""
    assert due.single_until is not None
    text = f"single CL screen due between {_single_window(due, ' and ')}"
    return Finding(spec, message(f"{text} (by {due.single_until.isoformat()})", note=spec.note))


def _single_window(due: Due, joiner: str = " to ") -> str:
    """ "18+0 to 22+6": the single screen's window, both ends included."""
    first, last = due.single_window
    return f"{format_ga(first)}{joiner}{format_ga(last)}"


def _look_ahead(context: PatientContext) -> timedelta:
    return timedelta(days=context.look_ahead_days)
