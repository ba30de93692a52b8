"""One pregnancy's records as one value: what the store returns and the engine reads."""

from __future__ import annotations

from dataclasses import dataclass

from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """Everything recorded for one pregnancy that counts: voided scans and exams left out."""

    patient: Patient
    scans: tuple[Scan, ...] = ()
    exams: tuple[Exam, ...] = ()
    treatments: tuple[Treatment, ...] = ()
    discussions: tuple[Discussion, ...] = ()
    closure: Closure | None = None
