"""Conversions between table rows and domain records. Rows read back were validated on the
way in, so they are rebuilt with `model_construct` (no second validation: bulk reads stay fast).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cervix_watch.domain.enums import (
    Action,
    CerclageKind,
    CervicalExcision,
    CloseOutcome,
    FunnelShape,
    Outcome,
    PriorCerclage,
    Route,
    TreatmentType,
)
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment

PATIENT_FIELDS = tuple(Patient.model_fields)


def patient_values(patient: Patient) -> dict[str, Any]:
    return {name: getattr(patient, name) for name in PATIENT_FIELDS}


def patient_from_row(row: Mapping[Any, Any]) -> Patient:
    values = {name: row[name] for name in PATIENT_FIELDS}
    values["prior_cerclage"] = PriorCerclage(values["prior_cerclage"])
    values["cervical_excision"] = CervicalExcision(values["cervical_excision"])
    return Patient.model_construct(**values)


def closure_from_row(row: Mapping[Any, Any]) -> Closure | None:
    if row["closed_date"] is None:
        return None
    return Closure.model_construct(
        date=row["closed_date"],
        outcome=CloseOutcome(row["close_outcome"]),
        ga_days=row["close_ga_days"],
    )


def scan_values(scan: Scan) -> dict[str, Any]:
    cl = [*scan.cl_mm, None, None]
    return {
        "date": scan.date,
        "route": scan.route.value,
        "cl1_mm": cl[0],
        "cl2_mm": cl[1],
        "cl3_mm": cl[2],
        "funneling": scan.funneling,
        "funnel_length_mm": scan.funnel_length_mm,
        "funnel_width_mm": scan.funnel_width_mm,
        "funnel_shape": scan.funnel_shape.value if scan.funnel_shape else None,
        "sludge": scan.sludge,
        "operator": scan.operator,
        "notes": scan.notes,
    }


def scan_from_row(row: Mapping[Any, Any], mrn: str) -> Scan:
    cl = tuple(v for v in (row["cl1_mm"], row["cl2_mm"], row["cl3_mm"]) if v is not None)
    shape = row["funnel_shape"]
    return Scan.model_construct(
        scan_id=row["scan_id"],
        mrn=mrn,
        date=row["date"],
        route=Route(row["route"]),
        cl_mm=cl,
        funneling=bool(row["funneling"]),
        funnel_length_mm=row["funnel_length_mm"],
        funnel_width_mm=row["funnel_width_mm"],
        funnel_shape=FunnelShape(shape) if shape else None,
        sludge=bool(row["sludge"]),
        operator=row["operator"],
        notes=row["notes"],
    )


def exam_values(exam: Exam) -> dict[str, Any]:
    return exam.model_dump(exclude={"mrn"})


def exam_from_row(row: Mapping[Any, Any], mrn: str) -> Exam:
    return Exam.model_construct(
        mrn=mrn,
        date=row["date"],
        dilation_cm=row["dilation_cm"],
        membranes_visible=bool(row["membranes_visible"]),
        contractions=bool(row["contractions"]),
        bleeding=bool(row["bleeding"]),
        infection_signs=bool(row["infection_signs"]),
        notes=row["notes"],
    )


def treatment_values(treatment: Treatment) -> dict[str, Any]:
    return {
        "type": treatment.type.value,
        "kind": treatment.kind.value if treatment.kind else None,
        "start": treatment.start,
        "end": treatment.end,
        "notes": treatment.notes,
    }


def treatment_from_row(row: Mapping[Any, Any], mrn: str) -> Treatment:
    return Treatment.model_construct(
        treatment_id=row["treatment_id"],
        mrn=mrn,
        type=TreatmentType(row["type"]),
        kind=CerclageKind(row["kind"]) if row["kind"] else None,
        start=row["start"],
        end=row["end"],
        notes=row["notes"],
    )


def discussion_values(discussion: Discussion) -> dict[str, Any]:
    return {
        "action": discussion.action.value,
        "date": discussion.date,
        "outcome": discussion.outcome.value,
        "notes": discussion.notes,
    }


def discussion_from_row(row: Mapping[Any, Any], mrn: str) -> Discussion:
    return Discussion.model_construct(
        mrn=mrn,
        action=Action(row["action"]),
        date=row["date"],
        outcome=Outcome(row["outcome"]),
        notes=row["notes"],
    )
