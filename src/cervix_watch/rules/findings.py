"""What a rule function returns (`Finding`), and the words every message is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cervix_watch.domain.enums import Action, Priority
from cervix_watch.domain.ga import format_ga
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
    # any.window-closed: the treatment actions it stands for; addressed when all of
    # them were addressed at some time (or by a discussion of its own action)
    covers: tuple[Action, ...] = ()

    @property
    def basis_date(self) -> date | None:
        """The date of the scan or exam it rests on; None for a rule on history alone."""
        if self.scan is not None:
            return self.scan.scan.date
        return self.exam_date


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
