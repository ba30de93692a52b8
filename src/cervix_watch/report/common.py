"""Shared wording of every review renderer: priority labels, groups, counts, number formats.

Grouping uses the engine's own order (`PatientReview.top_rank`): a patient sits
in the group of her most pressing flag, and the review's patient order is
kept within each group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cervix_watch.domain.enums import Priority
from cervix_watch.domain.history import Fact, criteria, grouped
from cervix_watch.domain.models import Patient
from cervix_watch.domain.words import counted, treatment_words
from cervix_watch.rules import PatientReview, Review

NO_FLAGS = "no flags"
# Text labels carry the meaning; colour (terminal, HTML) only repeats it.
PRIORITY_LABEL = {priority: priority.value.upper() for priority in Priority}
GROUP_KEYS: tuple[str, ...] = (*(p.value for p in Priority), NO_FLAGS)


@dataclass(frozen=True, slots=True)
class Group:
    """The patients whose most pressing point has this priority (or none)."""

    key: str
    patients: tuple[PatientReview, ...]

    @property
    def title(self) -> str:
        word = "patient" if len(self.patients) == 1 else "patients"
        head = "No discussion points" if self.key == NO_FLAGS else self.key.upper()
        return f"{head} ({len(self.patients)} {word})"


def groups(review: Review) -> list[Group]:
    """Non-empty groups in the order urgent, high, routine, info, no flags."""
    by_key: dict[str, list[PatientReview]] = {key: [] for key in GROUP_KEYS}
    for patient in review.patients:
        key = patient.flags[0].priority.value if patient.flags else NO_FLAGS
        by_key[key].append(patient)
    return [Group(key, tuple(found)) for key, found in by_key.items() if found]


def patient_counts(review: Review) -> dict[str, int]:
    """Patients per group key (by most pressing point), every key present."""
    counts = dict.fromkeys(GROUP_KEYS, 0)
    for group in groups(review):
        counts[group.key] = len(group.patients)
    return counts


def flag_counts(review: Review) -> dict[str, int]:
    """Discussion points per priority, every priority present."""
    counts = {priority.value: 0 for priority in Priority}
    for patient in review.patients:
        for flag in patient.flags:
            counts[flag.priority.value] += 1
    return counts


def counts_line(review: Review) -> str:
    """`40 active patients; by most pressing point: urgent 2, high 9, ... no flags 8`."""
    patients = patient_counts(review)
    parts = ", ".join(f"{key} {patients[key]}" for key in GROUP_KEYS)
    if review.priority_at_least is not None and review.active_count is not None:
        shown = (
            f"{counted(len(review.patients), 'patient')} with a point at "
            f"{review.priority_at_least.value} or above, of "
            f"{counted(review.active_count, 'active patient')}"
        )
        return f"{shown}; by most pressing point: {parts}"
    return f"{counted(len(review.patients), 'active patient')}; by most pressing point: {parts}"


def nobody_words(review: Review) -> str:
    """What a review without patients says: none active, or none at `--priority`."""
    if review.priority_at_least is not None:
        return f"No patient has a point at {review.priority_at_least.value} or above."
    return "No active patients on this date."


def points_line(review: Review) -> str:
    flags = flag_counts(review)
    total = sum(flags.values())
    parts = ", ".join(f"{key} {count}" for key, count in flags.items())
    return f"{total} discussion points: {parts}"


def mm(value: float | None) -> str:
    """A length with one decimal (contract: "millimetres, one decimal shown"); '-' when none."""
    return "-" if value is None else f"{value:.1f}"


def mm_unit(value: float | None) -> str:
    """`22.1 mm`, or `none` when no scan has been recorded."""
    return "none" if value is None else f"{value:.1f} mm"


def cl_pair(patient: PatientReview) -> str:
    return f"{mm(patient.latest_cl_mm)} / {mm(patient.shortest_cl_mm)}{route_aside(patient)}"


def route_aside(patient: PatientReview) -> str:
    """` (route tv from scanner settings US_ROOM1)` when the latest scan's route was the
    machine's setting, not the report's; else nothing."""
    return f" ({patient.latest_cl_route})" if patient.latest_cl_route else ""


def due_text(due: date | None) -> str:
    return "-" if due is None else due.isoformat()


def name_or_dash(name: str) -> str:
    return name if name.strip() else "-"


def state_lines(patient: PatientReview) -> list[str]:
    """What is in place for her (contract v3), in every review format: the rupture of the
    membranes and each treatment active on the review date, with their dates and GAs."""
    lines = []
    if patient.membranes_ruptured is not None:
        on = patient.membranes_ruptured
        lines.append(f"Membranes ruptured on {on.isoformat()} ({patient.ga_on(on)})")
    for t in patient.treatments:
        what = treatment_words(t.type.value, None if t.kind is None else t.kind.value)
        lines.append(f"In place: {what} since {t.start.isoformat()} ({patient.ga_on(t.start)})")
    return lines


def discussed_text(patient: PatientReview) -> list[str]:
    """`cerclage-discussion: declined 2026-11-05` for each discussion that addressed a point."""
    return [f"{d.action.value}: {d.outcome.value} {d.date.isoformat()}" for d in patient.discussed]


def other_risk_words(p: Patient) -> list[str]:
    """The risk factors no risk category uses (clinical-rules.md), shown so the clinician
    sees them: DES, collagen disorders, surgical dilations, cervical tear, smoking."""
    return _phrases(p, grouped("other"))


def history_flag_words(p: Patient) -> list[str]:
    """The yes/no facts of her obstetric history that hold: "uterine anomaly", ..."""
    return _phrases(p, criteria())


def _phrases(p: Patient, facts: dict[str, Fact]) -> list[str]:
    """The words of those details that hold for her, in the model's order."""
    phrases = (fact.phrase(getattr(p, name)) for name, fact in facts.items())
    return [phrase for phrase in phrases if phrase is not None]
