"""What the engine returns: flags per patient and the clinic review (contract.md, "Review output").

Plain frozen dataclasses: a clinic review builds one per active patient, and
renderers (report/) only read them. `Review.to_json_dict()` is the contract's
JSON; the patient's name stays on `PatientReview` for on-screen renderers
but is not part of the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from cervix_watch.domain import ga as gestation
from cervix_watch.domain.enums import Action, Priority, Risk
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Discussion, Treatment

NO_FLAGS_RANK = len(Priority)  # a patient without a point sorts after info


@dataclass(frozen=True, slots=True)
class Flag:
    """One discussion point: the action, the rule that raised it, and the record it rests on."""

    action: Action
    rule: str
    priority: Priority
    message: str
    citation: str
    basis_scan_id: int | None = None
    basis_exam_date: date | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "rule": self.rule,
            "priority": self.priority.value,
            "message": self.message,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class PatientReview:
    """One active patient on the review date."""

    mrn: str
    name: str
    ga_days: int
    risk: Risk
    latest_cl_mm: float | None
    shortest_cl_mm: float | None
    next_scan_due: date | None
    flags: tuple[Flag, ...]
    discussed: tuple[Discussion, ...]
    # clinical-rules.md v3: the post-rupture state (the earliest exam on or before
    # the review date recording ruptured membranes), None when there is none
    membranes_ruptured: date | None = None
    # the treatments active (in situ) on the review date, in order of start
    treatments: tuple[Treatment, ...] = ()
    # for the GA of those dates on screen (not in the JSON, as the name)
    edd: date | None = None
    # the latest scan's route came from a scanner's settings, not the report: its note
    # ("route tv from scanner settings US_ROOM1"), shown beside the latest CL
    latest_cl_route: str | None = None

    def ga_on(self, on: date) -> str:
        """The GA (w+d) on a date of her record, e.g. the rupture's or a treatment's start."""
        if self.edd is None:  # a review built by hand without the EDD (tests): not known
            return "GA ?"
        return format_ga(gestation.ga_days(self.edd, on))

    @property
    def ga(self) -> str:
        return format_ga(self.ga_days)

    @property
    def top_rank(self) -> int:
        """Rank of the most pressing flag (0 = urgent); after info when there is none."""
        return self.flags[0].priority.rank if self.flags else NO_FLAGS_RANK

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "mrn": self.mrn,
            "name": self.name or None,  # as CSV and Markdown carry it; null when not recorded
            "ga": self.ga,
            "ga_days": self.ga_days,
            "risk": self.risk.value,
            "latest_cl_mm": self.latest_cl_mm,
            "shortest_cl_mm": self.shortest_cl_mm,
            "next_scan_due": None if self.next_scan_due is None else self.next_scan_due.isoformat(),
            "flags": [flag.to_json_dict() for flag in self.flags],
            "discussed": [
                {"action": d.action.value, "date": d.date.isoformat(), "outcome": d.outcome.value}
                for d in self.discussed
            ],
            # contract v3: the post-rupture state and the treatments in place
            "membranes_ruptured": (
                None if self.membranes_ruptured is None else self.membranes_ruptured.isoformat()
            ),
            "treatments": [
                {
                    "type": t.type.value,
                    "kind": None if t.kind is None else t.kind.value,
                    "start": t.start.isoformat(),
                    "treatment_id": t.treatment_id,
                }
                for t in self.treatments
            ],
        }


@dataclass(frozen=True, slots=True)
class Review:
    """A clinic's review on one date under one profile; patients most pressing first."""

    as_of: date
    profile: str
    patients: tuple[PatientReview, ...]
    # the profile's identity (rules/identity.py): None for a built-in as shipped
    profile_sha256: str | None = None
    # `review --priority`: only patients with a point at this priority or above are kept,
    # of `active_count` active patients
    priority_at_least: Priority | None = None
    active_count: int | None = None
    # scanner reports held in the inbox for a person (contract v3: the header says so)
    inbox_waiting: int = 0

    def at_or_above(self, priority: Priority) -> Review:
        """The review of the patients with a point at `priority` or above (contract v3)."""
        kept = tuple(p for p in self.patients if p.top_rank <= priority.rank)
        return replace(
            self, patients=kept, priority_at_least=priority, active_count=len(self.patients)
        )

    def to_json_dict(self) -> dict[str, Any]:
        from cervix_watch.rules.identity import identity_json

        return {
            "as_of": self.as_of.isoformat(),
            **identity_json(self.profile, self.profile_sha256),
            "inbox_waiting": self.inbox_waiting,
            "patients": [patient.to_json_dict() for patient in self.patients],
        }


_SCAN_ACTIONS = frozenset({Action.SCAN_DUE, Action.SCAN_OVERDUE})


def recall_status(patient: PatientReview, on: date, horizon_days: int) -> str | None:
    """The status "overdue" or "due" when `due` and the worklist list her on `on`, looking
    `horizon_days` ahead; None when they do not.

    A scan-due or scan-overdue flag decides (clinical-rules.md v3: a single screen's date,
    its window's start, may lie in the past while it is only due); else the date does."""
    if patient.next_scan_due is None:
        return None
    days = (patient.next_scan_due - on).days
    flagged = {flag.action for flag in patient.flags} & _SCAN_ACTIONS
    if Action.SCAN_OVERDUE in flagged:
        return "overdue"
    if days > horizon_days:
        return None
    if flagged:
        return "due"
    return "overdue" if days < 0 else "due"


def flag_order(flag: Flag) -> tuple[int, str]:
    """Within a patient: priority (urgent first), then action."""
    return flag.priority.rank, flag.action.value


def patient_order(patient: PatientReview) -> tuple[int, str]:
    """Across patients: highest flag priority (urgent first, none last), then MRN."""
    return patient.top_rank, patient.mrn


def flags_raised_by_scan(review: PatientReview, scan_id: int) -> list[Flag]:
    """Flags resting on this scan, including the latest-scan findings when it is the latest."""
    return [flag for flag in review.flags if flag.basis_scan_id == scan_id]


def flags_raised_by_exam(review: PatientReview, exam_date: date) -> list[Flag]:
    """Flags resting on the exam recorded on this date."""
    return [flag for flag in review.flags if flag.basis_exam_date == exam_date]
