"""The guideline engine: patient records + review date + profile -> risk, schedule, flags.

Pure: no database, no terminal, no I/O. The pipeline per patient is
active? -> facts (records as of the review date, risk, schedule, frozen in a
`PatientContext`) -> rule entries in profile order -> addressed points
dropped -> one flag per action (clinical-rules.md, Definitions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from operator import attrgetter

from cervix_watch.domain.enums import Action, Risk, TreatmentType
from cervix_watch.domain.ga import ga_days
from cervix_watch.domain.models import Discussion, Patient
from cervix_watch.domain.pregnancy import PatientHistory
from cervix_watch.domain.route_notes import settings_route
from cervix_watch.rules.addressed import addressed
from cervix_watch.rules.context import (
    PatientContext,
    active_running,
    dated_exams,
    dated_scans,
    running_on,
    ruptured_on,
)
from cervix_watch.rules.findings import Finding, RuleFunction
from cervix_watch.rules.kinds import RULE_FUNCTIONS
from cervix_watch.rules.profile import Profile
from cervix_watch.rules.review import (
    Flag,
    PatientReview,
    Review,
    flag_order,
    patient_order,
)
from cervix_watch.rules.risk import risk_by_history, risk_category
from cervix_watch.rules.rule_base import RuleBase
from cervix_watch.rules.schedule import next_scan_due
from cervix_watch.rules.specs import QualifyingClRule, WindowClosedRule
from cervix_watch.rules.visit_specs import ExamRule

# clinical-rules.md, One flag per action: on equal priority the first of this order
# wins, then the order of the profile's rule tables.
EQUAL_PRIORITY_ORDER = (
    "any.cerclage-emergency",
    "any.symptomatic-short-cervix",
    "any.acute-review",
    "any.progesterone-formulation",
    "any.short-after-cerclage",
    "any.window-closed",
)
_TIE_RANK = {rule_id: rank for rank, rule_id in enumerate(EQUAL_PRIORITY_ORDER)}

_Rules = tuple[tuple[RuleBase, RuleFunction], ...]

# Patient fields that are not obstetric history: no rule filter reads them.
# Every other field is part of `history_key`, so a new history field is in the
# key by default (a wrong key would share a wrong rule list between patients).
NOT_HISTORY_FIELDS = frozenset({"mrn", "name", "edd", "lmp", "notes"})
HISTORY_FIELDS = tuple(name for name in Patient.model_fields if name not in NOT_HISTORY_FIELDS)
history_key = attrgetter(*HISTORY_FIELDS)
"""Every Patient field the rule filters and the risk by history may read (derived)."""


def evaluate(
    history: PatientHistory, as_of: date, profile: Profile, *, look_ahead_days: int | None = None
) -> PatientReview | None:
    """One patient's review on `as_of`, or None when she is not active on that date."""
    return _evaluate(history, as_of, _Compiled(profile, _look_ahead(profile, look_ahead_days)))


def review_clinic(
    histories: Iterable[PatientHistory],
    as_of: date,
    profile: Profile,
    *,
    look_ahead_days: int | None = None,
) -> Review:
    """Every active patient's review in one pass, most pressing first, then by MRN."""
    compiled = _Compiled(profile, _look_ahead(profile, look_ahead_days))
    reviews = [_evaluate(history, as_of, compiled) for history in histories]
    patients = sorted((r for r in reviews if r is not None), key=patient_order)
    return Review(
        as_of=as_of, profile=profile.name, patients=tuple(patients), profile_sha256=profile.sha256
    )


def _look_ahead(profile: Profile, override: int | None) -> int:
    """`due --within DAYS` overrides the profile's look-ahead."""
    return profile.look_ahead_days if override is None else override


class _PatientRules:
    """What a profile applies to one obstetric history: risk by history, rules, closable rules."""

    __slots__ = ("after_rupture", "by_history", "closable", "rules")

    def __init__(
        self,
        by_history: Risk,
        rules: _Rules,
        closable: tuple[QualifyingClRule | ExamRule, ...],
    ) -> None:
        self.by_history = by_history
        self.rules = rules
        self.closable = closable
        # post-rupture, only these run (clinical-rules.md v3)
        self.after_rupture = tuple(pair for pair in rules if pair[0].runs_after_rupture)


class _Compiled:
    """A profile prepared for many patients: rule functions looked up once, and the
    rules that apply to each distinct obstetric history remembered.

    A rule's patient filters (fetuses, history, unless_history, risk by
    history) read only history fields (`history_key`), so patients with the
    same key share the list of applicable rules and the risk by history.
    """

    __slots__ = ("closing", "look_ahead", "profile", "rules", "seen")

    def __init__(self, profile: Profile, look_ahead: int) -> None:
        self.profile = profile
        self.look_ahead = look_ahead
        self.rules: _Rules = tuple((spec, RULE_FUNCTIONS[spec.kind]) for spec in profile.rules)
        self.closing = next(
            (spec for spec in profile.rules if isinstance(spec, WindowClosedRule)), None
        )
        self.seen: dict[object, _PatientRules] = {}

    def for_patient(self, patient: Patient) -> _PatientRules:
        key = history_key(patient)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = self._select(patient)
        return found

    def _select(self, patient: Patient) -> _PatientRules:
        profile = self.profile
        by_history = risk_by_history(profile, patient)
        pprom = profile.pprom_counts_as_sptb
        rules = tuple(pair for pair in self.rules if _applies(pair[0], patient, by_history, pprom))
        closing = self.closing
        closable: tuple[QualifyingClRule | ExamRule, ...] = ()
        if closing is not None and any(spec is closing for spec, _ in rules):
            treatment, exam = set(closing.treatment_actions), set(closing.exam_actions)
            closable = tuple(
                spec
                for spec, _ in rules
                if (isinstance(spec, QualifyingClRule) and treatment.intersection(spec.action))
                or (isinstance(spec, ExamRule) and exam.intersection(spec.action))
            )
        return _PatientRules(by_history, rules, closable)


def open_context(
    history: PatientHistory, as_of: date, compiled: _Compiled
) -> tuple[PatientContext, _Rules] | None:
    """The patient's frozen review-date facts and the rules that apply, or None when inactive."""
    profile = compiled.profile
    running = active_running(history, as_of, profile.active_before)
    if running is None:
        return None
    patient = history.patient
    selected = compiled.for_patient(patient)
    ga = ga_days(patient.edd, as_of)
    scans = dated_scans(history.scans, patient.edd, as_of)
    risk = risk_category(profile, scans.tv, selected.by_history)
    exams = dated_exams(history.exams, as_of)
    ruptured = ruptured_on(exams)
    treatments = tuple(t for t in history.treatments if t.start <= as_of)
    discussions = history.discussions
    context = PatientContext(
        patient=patient,
        as_of=as_of,
        ga=ga,
        scans=scans.scans,
        tv=scans.tv,
        latest_scan=scans.latest_scan,
        latest_tv=scans.latest_tv,
        exams=exams,
        latest_exam=exams[-1] if exams else None,
        treatments=treatments,
        running=running,
        # most patients have no discussion: skip building the empty list
        discussions=tuple([d for d in discussions if d.date <= as_of]) if discussions else (),
        risk_by_history=selected.by_history,
        risk=risk,
        due=next_scan_due(
            profile,
            patient,
            ga,
            risk,
            scans,
            by_history=selected.by_history,
            cerclage_in_situ=TreatmentType.CERCLAGE in running,
            post_rupture=ruptured is not None,
            as_of=as_of,
            look_ahead_days=compiled.look_ahead,
        ),
        look_ahead_days=compiled.look_ahead,
        pprom_counts_as_sptb=profile.pprom_counts_as_sptb,
        closable=selected.closable,
        ruptured=ruptured,
        in_situ=running_on(treatments, as_of) if treatments else (),
        defer_days=profile.defer_days,
    )
    # post-rupture (P-PROM): treatment, rescue, surveillance and finding rules are silent
    return context, selected.rules if ruptured is None else selected.after_rupture


def _evaluate(history: PatientHistory, as_of: date, compiled: _Compiled) -> PatientReview | None:
    opened = open_context(history, as_of, compiled)
    if opened is None:
        return None
    context, rules = opened
    findings = [found for spec, function in rules if (found := function(spec, context)) is not None]
    flags, discussed = _resolve(findings, context)
    scans = context.scans
    return PatientReview(
        mrn=context.patient.mrn,
        name=context.patient.name,
        ga_days=context.ga,
        risk=context.risk,
        # spec: display values over every route (the flags say when a CL is not tv)
        latest_cl_mm=scans[-1].cl_mm if scans else None,
        shortest_cl_mm=min([s.cl_mm for s in scans]) if scans else None,
        next_scan_due=None if context.due is None else context.due.on,
        flags=flags,
        discussed=discussed,
        membranes_ruptured=context.ruptured,
        treatments=context.in_situ,
        edd=context.patient.edd,
        latest_cl_route=settings_route(scans[-1].scan.notes) if scans else None,
    )


def _applies(spec: RuleBase, patient: Patient, by_history: Risk, pprom_is_sptb: bool) -> bool:
    """The rule entry's patient filters: fetuses, history, unless_history, risk by history."""
    singleton = patient.fetuses == 1
    if (spec.fetuses == "singleton" and not singleton) or (
        spec.fetuses == "multiple" and singleton
    ):
        return False
    if spec.history is not None and not spec.history.matches(
        patient, pprom_counts_as_sptb=pprom_is_sptb
    ):
        return False
    if spec.unless_history is not None and spec.unless_history.matches(
        patient, pprom_counts_as_sptb=pprom_is_sptb
    ):
        return False
    if spec.risk_by_history and by_history not in spec.risk_by_history:
        return False
    return spec.applies_to(patient)


def _resolve(
    findings: list[Finding], context: PatientContext
) -> tuple[tuple[Flag, ...], tuple[Discussion, ...]]:
    """Drop addressed points; one flag per action at the highest priority, the fixed order
    on a tie, the other rules' messages appended ("also: ...") so none is lost."""
    if not findings:  # most patients: nothing to resolve
        return (), ()
    if len(findings) > 1:
        findings = sorted(findings, key=_tie_rank)  # stable: profile order after the fixed one
    raised: dict[Action, list[Flag]] = {}
    discussed: dict[Discussion, None] = {}
    for found in findings:
        if found.settled is not None:
            discussed.update(dict.fromkeys(found.settled))
            continue
        for action in found.raised:
            records = addressed(action, found, context)
            if records is not None:
                discussed.update(dict.fromkeys(records))
                continue
            raised.setdefault(action, []).append(_flag(action, found))
    if Action.CERCLAGE_DISCUSSION in raised:
        # the history-indicated cerclage point is not raised while the scan-based one is
        raised.pop(Action.HISTORY_CERCLAGE_DISCUSSION, None)
    best = [_one_flag(flags) for flags in raised.values()]
    flags = tuple(sorted(best, key=flag_order)) if len(best) > 1 else tuple(best)
    if not discussed:
        return flags, ()
    return flags, tuple(sorted(discussed, key=lambda d: (d.date, d.action.value)))


def _tie_rank(found: Finding) -> int:
    return _TIE_RANK.get(found.spec.id, len(_TIE_RANK))


def _one_flag(flags: list[Flag]) -> Flag:
    """The first flag of the highest priority, with the others' messages appended."""
    winner = min(flags, key=lambda flag: flag.priority.rank)  # min keeps the first on a tie
    others = [flag.message for flag in flags if flag is not winner and flag.message]
    if not others:
        return winner
    also = "; ".join(f"also: {text}" for text in dict.fromkeys(others))
    return replace(winner, message=f"{winner.message}; {also}" if winner.message else also)


def _flag(action: Action, found: Finding) -> Flag:
    spec = found.spec
    return Flag(
        action=action,
        rule=spec.id,
        priority=found.priority or spec.priority,
        message=found.message,
        citation=spec.citation,
        basis_scan_id=None if found.scan is None else found.scan.scan.scan_id,
        basis_exam_date=found.exam_date,
    )
