"""Version-3 rules that make a visit urgent or a course questionable: a stitch in trouble
(any.cerclage-emergency), warning symptoms with a short cervix (any.symptomatic-short-cervix),
and a progesterone formulation no longer recommended (any.progesterone-formulation).

any.cerclage-emergency: ACOG PB 142 (remove a cerclage in preterm labour or with
intraamniotic infection; with P-PROM removal or retention is individualised) and
RCOG GTG 75 - labour against a stitch tears the cervix. any.symptomatic-short-cervix:
NICE NG25 (threatened preterm labour: speculum examination) and ACOG PB 142
(pelvic pressure, backache, changed discharge) - the patient information says "seek
immediate medical care". any.progesterone-formulation: ACOG Practice Advisory (April
2023) and SMFM (2023) no longer recommend 17-OHPC; SMFM #70 and NICE NG25 recommend the
vaginal route.
"""

from __future__ import annotations

from datetime import date

from cervix_watch.domain.enums import TreatmentType
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Treatment
from cervix_watch.domain.symptoms import Symptom
from cervix_watch.rules.context import PatientContext, ScanAt
from cervix_watch.rules.findings import (
    Finding,
    cerclage_words,
    look_back_start,
    message,
)
from cervix_watch.rules.schema import compare
from cervix_watch.rules.visit_specs import (
    CerclageEmergencyRule,
    ProgesteroneFormulationRule,
    SymptomaticShortCervixRule,
)

# An exam's flag and the symptom of the same name are one finding, named once.
_SIGN_WORDS = {
    "membranes_ruptured": "ruptured membranes",
    "contractions": "contractions",
    "bleeding": "bleeding",
    "infection_signs": "infection signs",
}
_LOOK_BACK_SIGNS = ("contractions", "bleeding", "infection_signs")


def cerclage_emergency(spec: CerclageEmergencyRule, context: PatientContext) -> Finding | None:
    """any.cerclage-emergency: a stitch in situ with ruptured membranes, contractions or
    infection; the latest record that shows one is what the point rests on."""
    cerclage = context.cerclage
    if cerclage is None:
        return None
    triggers = _triggers(spec, context, cerclage)
    if triggers is None:
        return None
    found, on, scan = triggers
    when = f"latest {on.isoformat()} at {format_ga(context.patient.ga_on(on))}"
    text = f"{cerclage_words(cerclage)} in situ with {', '.join(found)} ({when})"
    exam_date = None if scan is not None else on
    # a stitch kept for a caesarean birth (transabdominal): acute review, saying so
    kept = cerclage.kind in spec.kept_kinds and spec.kept_action is not None
    actions = (spec.kept_action,) if kept and spec.kept_action is not None else spec.action
    note = spec.kept_note if kept else spec.note
    return Finding(spec, message(text, note=note), scan=scan, exam_date=exam_date, actions=actions)


def _triggers(
    spec: CerclageEmergencyRule, context: PatientContext, cerclage: Treatment
) -> tuple[list[str], date, ScanAt | None] | None:
    """What the records show (each finding once), and the latest record showing any: its
    date and, when it is a scan, the scan (an exam wins a tie: it records the signs)."""
    since = look_back_start(context, spec.look_back_days)
    # the profile's signs and symptoms, in words; an exam flag and the symptom are one finding
    spec_words = {_SIGN_WORDS[s] for s in spec.exam_signs} | {s.value for s in spec.symptoms}
    found: dict[str, None] = {}
    basis: tuple[date, ScanAt | None] | None = None
    for exam in context.exams:
        # P-PROM since the stitch counts at any time; the rest only in the look-back
        words = []
        if exam.membranes_ruptured and exam.date >= cerclage.start:
            words.append(_SIGN_WORDS["membranes_ruptured"])
        if exam.date >= since:
            words += [_SIGN_WORDS[s] for s in _LOOK_BACK_SIGNS if getattr(exam, s)]
            words += [s.value for s in exam.symptoms if s in spec.symptoms]
        words = [w for w in words if w in spec_words]
        if words:
            found.update(dict.fromkeys(words))
            basis = exam.date, None
    for at in context.scans:
        words = [s.value for s in at.scan.symptoms if s in spec.symptoms]
        if words and at.scan.date >= since:
            found.update(dict.fromkeys(words))
            if basis is None or at.scan.date > basis[0]:
                basis = at.scan.date, at
    if basis is None:
        return None
    return list(found), basis[0], basis[1]


def symptomatic_short_cervix(
    spec: SymptomaticShortCervixRule, context: PatientContext
) -> Finding | None:
    """any.symptomatic-short-cervix: watch symptoms in the look-back with a short or funnelled
    cervix on a scan of the same day (the latest such day)."""
    latest = max(
        context.latest_scan.scan.date if context.latest_scan is not None else date.min,
        context.latest_exam.date if context.latest_exam is not None else date.min,
    )
    since = look_back_start(context, spec.look_back_days)
    if latest < since:  # most patients: no visit in the look-back
        return None
    reported: dict[date, dict[Symptom, None]] = {}
    visits = [(s.scan.date, s.scan.symptoms) for s in context.scans]
    visits += [(e.date, e.symptoms) for e in context.exams]
    for on, symptoms in visits:
        hits = [s for s in symptoms if s in spec.symptoms] if on >= since else []
        if hits:
            reported.setdefault(on, {}).update(dict.fromkeys(hits))
    for on in sorted(reported, reverse=True):
        scan = _short_on(spec, context, on)
        if scan is None:
            continue
        names = ", ".join(f"{s.value} ({s.description})" for s in reported[on])
        cervix = f"{scan.cl_mm:.1f} mm at {format_ga(scan.ga)}"
        if scan.scan.funneling:
            cervix += ", funneling"
        return Finding(
            spec,
            message(f"symptoms ({names}) with a short cervix ({cervix})", note=spec.note),
            scan=scan,
        )
    return None


def _short_on(spec: SymptomaticShortCervixRule, context: PatientContext, on: date) -> ScanAt | None:
    """The shortest scan (any route) of that day with a short CL or funneling."""
    best: ScanAt | None = None
    for scan in context.scans:
        if scan.scan.date != on:
            continue
        short = compare(scan.cl_mm, spec.comparison, spec.threshold_mm)
        if (short or (spec.funneling_counts and scan.scan.funneling)) and (
            best is None or scan.cl_mm < best.cl_mm
        ):
            best = scan
    return best


def progesterone_formulation(
    spec: ProgesteroneFormulationRule, context: PatientContext
) -> Finding | None:
    """any.progesterone-formulation: an active 17-OHPC or oral course, before the stop GA."""
    if context.ga >= spec.before_ga:
        return None
    courses = [
        t for t in context.in_situ if t.type is TreatmentType.PROGESTERONE and t.kind in spec.kinds
    ]
    if not courses:
        return None
    course = courses[-1]  # the latest started: a discussion after its start addresses it
    kind = course.kind.value if course.kind is not None else ""
    note = spec.multiple_note if context.patient.fetuses > 1 and spec.multiple_note else spec.note
    text = message(f"progesterone ({kind}) active since {course.start.isoformat()}", note=note)
    return Finding(spec, text, since=course.start)
