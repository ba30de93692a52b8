"""The guideline engine: patient records + review date + profile -> risk, schedule, flags.

Pure: no database, no terminal, no I/O. The pipeline per patient is
context (records as of the review date) -> active? -> risk -> schedule ->
rule entries in profile order -> addressed points dropped -> one flag per
action (clinical-rules.md, Definitions).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cervix_watch.domain.enums import Action, Priority, Risk, TreatmentType
from cervix_watch.domain.models import Discussion, Patient
from cervix_watch.rules.checks import RULE_FUNCTIONS, Finding, RuleFunction
from cervix_watch.rules.context import PatientContext, PatientHistory, open_context
from cervix_watch.rules.profile import Profile
from cervix_watch.rules.review import (
    PRIORITY_RANK,
    Flag,
    PatientReview,
    Review,
    flag_order,
    patient_order,
)
from cervix_watch.rules.risk import risk_by_history, risk_category
from cervix_watch.rules.schedule import next_scan_due
from cervix_watch.rules.specs import RuleBase

# The discussion actions a clinician can address (clinical-rules.md, Addressed),
# with the treatment that, while running, also addresses them. None: any
# treatment recorded addresses it ("refer-ptb-clinic is also addressed once any
# treatment is recorded").
# spec: rescue-cerclage-review is not among them, so it stands while the latest
# exam shows the finding and the GA is in the window, even after a cerclage.
ADDRESSABLE: dict[Action, TreatmentType | None] = {
    Action.CERCLAGE_DISCUSSION: TreatmentType.CERCLAGE,
    Action.HISTORY_CERCLAGE_DISCUSSION: TreatmentType.CERCLAGE,
    Action.PROGESTERONE_DISCUSSION: TreatmentType.PROGESTERONE,
    Action.REFER_PTB_CLINIC: None,
}

_Rules = tuple[tuple[RuleBase, RuleFunction], ...]


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
    return Review(as_of=as_of, profile=profile.name, patients=tuple(patients))


def _look_ahead(profile: Profile, override: int | None) -> int:
    """`due --within DAYS` overrides the profile's look-ahead."""
    return profile.look_ahead_days if override is None else override


class _Compiled:
    """A profile prepared for many patients: rule functions looked up once, and the
    rules that apply to each distinct obstetric history remembered.

    A rule's patient filters (fetuses, history, unless_history, risk by
    history) read only the fields in `history_key`, so patients with the same
    key share the list of applicable rules and the risk by history.
    """

    __slots__ = ("look_ahead", "profile", "rules", "seen")

    def __init__(self, profile: Profile, look_ahead: int) -> None:
        self.profile = profile
        self.look_ahead = look_ahead
        self.rules: _Rules = tuple((spec, RULE_FUNCTIONS[spec.kind]) for spec in profile.rules)
        self.seen: dict[tuple[object, ...], tuple[Risk, _Rules]] = {}

    def for_patient(self, patient: Patient) -> tuple[Risk, _Rules]:
        key = history_key(patient)
        found = self.seen.get(key)
        if found is None:
            by_history = risk_by_history(self.profile, patient)
            rules = tuple(pair for pair in self.rules if _applies(pair[0], patient, by_history))
            found = self.seen[key] = (by_history, rules)
        return found


def history_key(patient: Patient) -> tuple[object, ...]:
    """Every Patient field that HistoryCriteria and the fetuses filter read."""
    return (
        patient.fetuses == 1,
        patient.prior_sptb_weeks,
        patient.prior_sptb_count,
        patient.painless_loss_count,
        patient.prior_cerclage,
        patient.prior_pprom_weeks,
        patient.cervical_excision,
        patient.uterine_anomaly,
        patient.intrauterine_adhesions,
        patient.caesarean_full_dilatation,
    )


def _evaluate(history: PatientHistory, as_of: date, compiled: _Compiled) -> PatientReview | None:
    profile = compiled.profile
    context = open_context(history, as_of, profile.active_before)
    if context is None:
        return None
    context.risk_by_history, rules = compiled.for_patient(context.patient)
    context.risk = risk_category(profile, context, context.risk_by_history)
    context.due = next_scan_due(profile, context)
    context.look_ahead_days = compiled.look_ahead
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
    )


def _applies(spec: RuleBase, patient: Patient, by_history: Risk) -> bool:
    """The rule entry's patient filters: fetuses, history, unless_history, risk by history."""
    singleton = patient.fetuses == 1
    if (spec.fetuses == "singleton" and not singleton) or (
        spec.fetuses == "multiple" and singleton
    ):
        return False
    if spec.history is not None and not spec.history.matches(patient):
        return False
    if spec.unless_history is not None and spec.unless_history.matches(patient):
        return False
    return not spec.risk_by_history or by_history in spec.risk_by_history


def _resolve(
    findings: list[Finding], context: PatientContext
) -> tuple[tuple[Flag, ...], tuple[Discussion, ...]]:
    """Drop addressed points; one flag per action at the highest priority (first rule on a tie)."""
    if not findings:  # most patients: nothing to resolve
        return (), ()
    best: dict[Action, Flag] = {}
    discussed: dict[Discussion, None] = {}
    for found in findings:
        for action in found.spec.action:
            records = _addressed(action, found, context)
            if records is not None:
                discussed.update(dict.fromkeys(records))
                continue
            flag = _flag(action, found)
            current = best.get(action)
            if current is None or _rank(flag.priority) < _rank(current.priority):
                best[action] = flag
    flags = tuple(sorted(best.values(), key=flag_order)) if len(best) > 1 else tuple(best.values())
    if not discussed:
        return flags, ()
    return flags, tuple(sorted(discussed, key=lambda d: (d.date, d.action.value)))


def _addressed(
    action: Action, found: Finding, context: PatientContext
) -> tuple[Discussion, ...] | None:
    """None when the point stands, else the discussions that addressed it (empty: a treatment)."""
    if action not in ADDRESSABLE:
        return None
    treatment = ADDRESSABLE[action]
    if treatment is None and context.treatment_recorded:
        return ()
    if treatment is not None and treatment in context.running:
        return ()
    # A rule on history alone is addressed by any discussion of the action; one
    # resting on a scan or exam only by a discussion on or after that date, so a
    # newer, shorter CL (a new basis scan) raises the point again.
    records = context.discussed(action, found.basis_date)
    return records or None


def _flag(action: Action, found: Finding) -> Flag:
    spec = found.spec
    return Flag(
        action=action,
        rule=spec.id,
        priority=spec.priority,
        message=found.message,
        citation=spec.citation,
        basis_scan_id=None if found.scan is None else found.scan.scan.scan_id,
        basis_exam_date=found.exam_date,
    )


def _rank(priority: Priority) -> int:
    return PRIORITY_RANK[priority]
