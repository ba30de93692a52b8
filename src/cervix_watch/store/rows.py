"""Conversions between table rows and domain records. Rows read back were validated on the
way in, so they are rebuilt without a second validation (bulk reads stay fast): with
`speed.trusted`, what pydantic's `model_construct` gives for a record whose every field is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from cervix_watch.domain import enums
from cervix_watch.domain.kinds import SCAN_FINDINGS
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.symptoms import Symptom, format_symptoms
from cervix_watch.store.speed import trusted

PATIENT_FIELDS = tuple(Patient.model_fields)


def patient_values(patient: Patient) -> dict[str, Any]:
    return {name: getattr(patient, name) for name in PATIENT_FIELDS}


E = TypeVar("E", bound=enums.Choice)


def _member_of(choice: type[E]) -> Callable[[str], E]:
    """`choice(value)` for a stored value: a dict lookup of the spelling the program wrote
    (a clinic's read makes 100,000 of them), the enum's own lookup for any other."""
    members = {member.value: member for member in choice}

    def member(value: str) -> E:
        found = members.get(value)
        return choice(value) if found is None else found

    return member


_PRIOR_CERCLAGE = _member_of(enums.PriorCerclage)
_CERVICAL_EXCISION = _member_of(enums.CervicalExcision)
_DATING = _member_of(enums.Dating)


def patient_from_row(row: Mapping[Any, Any]) -> Patient:
    values = {name: row[name] for name in PATIENT_FIELDS}
    values["prior_cerclage"] = _PRIOR_CERCLAGE(values["prior_cerclage"])
    values["cervical_excision"] = _CERVICAL_EXCISION(values["cervical_excision"])
    values["dating"] = _DATING(values["dating"]) if values["dating"] else None
    return trusted(Patient, values)


def _symptoms(stored: str) -> tuple[Symptom, ...]:
    """Stored `fever;cramps` back to Symptoms; written by `format_symptoms`, so no checks."""
    return tuple(map(Symptom, stored.split(";"))) if stored else ()


def closure_from_row(row: Mapping[Any, Any]) -> Closure | None:
    if row["closed_date"] is None:
        return None
    return trusted(
        Closure,
        {
            "date": row["closed_date"],
            "outcome": enums.CloseOutcome(row["close_outcome"]),
            "ga_days": row["close_ga_days"],
        },
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
        "symptoms": format_symptoms(scan.symptoms),
        "operator": scan.operator,
        "source": scan.source,
        "notes": scan.notes,
    }


# The scan columns a read needs, in the order `scan_from_columns` takes them.
SCAN_COLUMNS = (
    "patient_id",
    "scan_id",
    "date",
    "route",
    "cl1_mm",
    "cl2_mm",
    "cl3_mm",
    *SCAN_FINDINGS,
    "operator",
    "source",
    "notes",
)
_ROUTES = {member.value: member for member in enums.Route}
_SHAPES: dict[str | None, enums.FunnelShape | None] = {
    shape.value: shape for shape in enums.FunnelShape
}
_SHAPES.update({None: None, "": None})


def scan_from_row(row: Mapping[Any, Any], mrn: str) -> Scan:
    return scan_from_columns([row[name] for name in SCAN_COLUMNS], mrn)


def scan_from_columns(columns: Sequence[Any], mrn: str) -> Scan:
    """A stored scan from its SCAN_COLUMNS values (a bulk read's plain row tuple).

    Measurements are stored from cl1_mm on; an empty one in between is skipped.
    """
    _, scan_id, on, route, cl1, cl2, cl3 = columns[:7]
    funneling, length, width, shape, sludge, symptoms, by, source, notes = columns[7:]
    cl: tuple[float, ...]
    if cl2 is None:
        cl = (cl1,) if cl3 is None else (cl1, cl3)
    else:
        cl = (cl1, cl2) if cl3 is None else (cl1, cl2, cl3)
    return trusted(
        Scan,
        {
            "scan_id": scan_id,
            "mrn": mrn,
            "date": on,
            "route": _ROUTES[route],
            "cl_mm": cl,
            "funneling": bool(funneling),
            "funnel_length_mm": length,
            "funnel_width_mm": width,
            "funnel_shape": _SHAPES[shape],
            "sludge": bool(sludge),
            "symptoms": _symptoms(symptoms),
            "operator": by,
            "source": source,
            "notes": notes,
        },
    )


def exam_values(exam: Exam) -> dict[str, Any]:
    values = exam.model_dump(exclude={"exam_id", "mrn"})
    values["symptoms"] = format_symptoms(exam.symptoms)
    return values


def exam_from_row(row: Mapping[Any, Any], mrn: str) -> Exam:
    return trusted(
        Exam,
        {
            "exam_id": row["exam_id"],
            "mrn": mrn,
            "date": row["date"],
            "dilation_cm": row["dilation_cm"],
            "membranes_visible": bool(row["membranes_visible"]),
            "membranes_ruptured": bool(row["membranes_ruptured"]),
            "contractions": bool(row["contractions"]),
            "bleeding": bool(row["bleeding"]),
            "infection_signs": bool(row["infection_signs"]),
            "symptoms": _symptoms(row["symptoms"]),
            "notes": row["notes"],
        },
    )


def treatment_values(treatment: Treatment) -> dict[str, Any]:
    return {
        "type": treatment.type.value,
        "kind": treatment.kind.value if treatment.kind else None,
        "start": treatment.start,
        "end": treatment.end,
        "notes": treatment.notes,
    }


def _treatment_kind(
    type_: str, kind: str | None
) -> enums.CerclageKind | enums.ProgesteroneKind | None:
    if not kind:
        return None
    if type_ == enums.TreatmentType.PROGESTERONE:
        return enums.ProgesteroneKind(kind)
    return enums.CerclageKind(kind)


def treatment_from_row(row: Mapping[Any, Any], mrn: str) -> Treatment:
    return trusted(
        Treatment,
        {
            "treatment_id": row["treatment_id"],
            "mrn": mrn,
            "type": enums.TreatmentType(row["type"]),
            "kind": _treatment_kind(row["type"], row["kind"]),
            "start": row["start"],
            "end": row["end"],
            "notes": row["notes"],
        },
    )


def discussion_values(discussion: Discussion) -> dict[str, Any]:
    return {
        "action": discussion.action.value,
        "date": discussion.date,
        "outcome": discussion.outcome.value,
        "notes": discussion.notes,
    }


def discussion_from_row(row: Mapping[Any, Any], mrn: str) -> Discussion:
    return trusted(
        Discussion,
        {
            "mrn": mrn,
            "action": enums.Action(row["action"]),
            "date": row["date"],
            "outcome": enums.Outcome(row["outcome"]),
            "notes": row["notes"],
        },
    )
