"""When a raised point is addressed (clinical-rules.md, Definitions: "Addressed").

A discussion point is not shown once the matching treatment is active, or a
discussion record of its action is dated on or after the record the point
rests on (a `deferred` one only for the profile's `defer_days`). Some kinds
are addressed by a discussion record only (`RuleBase.addressed_only_by_discussion`):
the urgent removal point of any.cerclage-emergency (the team decided to
retain the stitch) and any.progesterone-formulation (the running course is
the problem, not an answer). Pure functions of a rule's `Finding` and the
patient's review-date context.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cervix_watch.domain.enums import Action, CerclageKind, TreatmentType
from cervix_watch.domain.models import Discussion
from cervix_watch.rules.context import PatientContext
from cervix_watch.rules.findings import Finding

# The discussion actions a running treatment addresses: the cerclage actions by a
# cerclage in situ, progesterone by an active vaginal (or not recorded) course.
# refer-ptb-clinic is addressed by any treatment recorded.
ADDRESSED_BY_RUNNING: Mapping[Action, TreatmentType] = {
    Action.CERCLAGE_DISCUSSION: TreatmentType.CERCLAGE,
    Action.HISTORY_CERCLAGE_DISCUSSION: TreatmentType.CERCLAGE,
    Action.PROGESTERONE_DISCUSSION: TreatmentType.PROGESTERONE,
}
# Actions a discussion record (`discuss MRN ACTION`) addresses, whatever rule raised
# them. acute-review is not among them: it lasts as long as its visit is in the
# look-back; cerclage-removal-due only when any.cerclage-emergency raised it (the
# GA-based removal point is addressed only by ending the cerclage).
DISCUSSABLE = frozenset(
    {
        *ADDRESSED_BY_RUNNING,
        Action.REFER_PTB_CLINIC,
        Action.RESCUE_CERCLAGE_REVIEW,
        Action.SHORT_CERVIX_NOTED,
    }
)
# The two treatment points of a short cervix: "a chosen treatment" answers both.
TREATMENT_ACTIONS = frozenset({Action.CERCLAGE_DISCUSSION, Action.PROGESTERONE_DISCUSSION})


def addressed(
    action: Action, found: Finding, context: PatientContext
) -> tuple[Discussion, ...] | None:
    """None when the point stands, else the discussions that addressed it (empty: a treatment)."""
    since = found.basis_date
    if action in found.spec.addressed_only_by_discussion:
        return context.discussed(action, since) or None
    if action not in DISCUSSABLE:
        return None
    if action is Action.HISTORY_CERCLAGE_DISCUSSION:
        return _history_cerclage_addressed(since, context)
    if treatment_addresses(action, found, context):
        return ()
    if getattr(found.spec, "choice", False) and action in TREATMENT_ACTIONS and since is not None:
        # nice.choice, "a choice of either": either treatment started, or either action
        # accepted, on or after the qualifying scan answers both points
        if context.treatment_chosen(since):
            return ()
        chosen = context.accepted(TREATMENT_ACTIONS, since)
        if chosen:
            return chosen
    # A rule on history alone is addressed by any discussion of the action; one
    # resting on a scan or exam only by a discussion on or after that date, so a
    # newer, shorter CL (a new basis scan) raises the point again.
    return context.discussed(action, since) or None


def _history_cerclage_addressed(
    since: date | None, context: PatientContext
) -> tuple[Discussion, ...] | None:
    """Any cerclage recorded in this pregnancy (in situ or ended), or a record for either
    cerclage action, addresses the history-cerclage point."""
    if context.treated_with(TreatmentType.CERCLAGE):
        return ()
    records = context.discussed(Action.HISTORY_CERCLAGE_DISCUSSION, since)
    records += context.discussed(Action.CERCLAGE_DISCUSSION, since)
    return records or None


def treatment_addresses(action: Action, found: Finding, context: PatientContext) -> bool:
    """A treatment answers the point: the matching one in situ, any one for a referral, a
    rescue cerclage for the rescue point."""
    running = ADDRESSED_BY_RUNNING.get(action)
    if running is not None:
        return context.running_addresses(running)
    if action is Action.REFER_PTB_CLINIC:
        return context.treatment_recorded
    if action is Action.RESCUE_CERCLAGE_REVIEW:
        # a rescue (exam-indicated) cerclage started on or after the qualifying exam
        since = found.basis_date
        return any(
            t.type is TreatmentType.CERCLAGE
            and t.kind is CerclageKind.EXAM
            and (since is None or t.start >= since)
            for t in context.treatments
        )
    return False


def addressed_at_any_time(
    action: Action, found: Finding, context: PatientContext
) -> tuple[Discussion, ...] | None:
    """Like `addressed`, but a matching treatment in place at any time after the qualifying
    record counts ("never addressed" is what any.window-closed asks).

    A cerclage removed at 36+0 addressed the cerclage point while it was in
    place: the window-closed point must not appear once it is out. A course stopped before
    the qualifying scan addressed nothing that scan raised.
    """
    running = ADDRESSED_BY_RUNNING.get(action)
    if running is not None and context.treated_with(running, since=found.basis_date):
        return ()
    return addressed(action, found, context)
