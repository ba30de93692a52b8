"""What a rule function returns (`Finding`), and the words every message is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cervix_watch.domain.enums import Action, CerclageKind, Priority
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Discussion, Treatment
from cervix_watch.rules.context import PatientContext, ScanAt
from cervix_watch.rules.rule_base import RuleBase


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's raw result, before addressing and one-flag-per-action."""

    spec: RuleBase
    message: str
    scan: ScanAt | None = None
    exam_date: date | None = None
    # set when the priority comes from elsewhere than the rule entry (the schedule's)
    priority: Priority | None = None
    # the actions raised, when the rule picks among its entry's (any.cerclage-emergency)
    actions: tuple[Action, ...] = ()
    # the date of another record it rests on (a progesterone course's start)
    since: date | None = None
    # any.window-closed with every closed point answered: nothing raised, these records
    # listed as having addressed a point
    settled: tuple[Discussion, ...] | None = None

    @property
    def raised(self) -> tuple[Action, ...]:
        return self.actions or self.spec.action

    @property
    def basis_date(self) -> date | None:
        """The date of the record it rests on; None for a rule on history alone."""
        if self.scan is not None:
            return self.scan.scan.date
        return self.exam_date if self.exam_date is not None else self.since


RuleFunction = Callable[[Any, PatientContext], Finding | None]


def message(*parts: str, note: str = "") -> str:
    text = " ".join(part for part in parts if part)
    return f"{text}; {note}" if note else text


def scan_words(scan: ScanAt) -> str:
    return f"CL {scan.cl_mm:.1f} mm at {format_ga(scan.ga)}"


def scan_date(scan: ScanAt) -> str:
    return f"{scan.scan.date.isoformat()} at {format_ga(scan.ga)}"


def history_words(spec: RuleBase, context: PatientContext) -> str:
    history = spec.history
    pprom = context.pprom_counts_as_sptb
    reasons = (
        [] if history is None else history.reasons(context.patient, pprom_counts_as_sptb=pprom)
    )
    fetuses = context.patient.fetuses
    if fetuses > 1:
        reasons.append(f"{fetuses} fetuses")
    return f"with {', '.join(reasons)}" if reasons else ""


def look_back_start(context: PatientContext, look_back_days: int) -> date:
    """The first day of a look-back that includes the review date (7 days: review date - 6)."""
    return context.as_of - timedelta(days=look_back_days - 1)


def cerclage_words(cerclage: Treatment) -> str:
    """ "history-indicated cerclage (placed 2026-07-22)"."""
    kind = cerclage.kind
    if kind is CerclageKind.TRANSABDOMINAL:
        named = "transabdominal cerclage"
    elif kind is not None:
        named = f"{kind.value}-indicated cerclage"
    else:
        named = "cerclage"
    return f"{named} (placed {cerclage.start.isoformat()})"
