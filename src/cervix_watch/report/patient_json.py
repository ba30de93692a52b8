"""`patient show --format json`: the same PatientView the terminal layout reads, as JSON.

Flags and the review fields are the engine's (`PatientReview.to_json_dict()`,
the contract's review shape), so scripts see one vocabulary in `review` and
`patient show`.
"""

from __future__ import annotations

from typing import Any

from cervix_watch.domain.ga import format_ga
from cervix_watch.report.common import other_risk_words
from cervix_watch.report.patient import PatientView, status_words
from cervix_watch.rules.identity import identity_json


def _scan(view: PatientView, scan: Any) -> dict[str, Any]:
    ga = view.patient.ga_on(scan.date)
    return {
        **scan.model_dump(mode="json"),
        "ga": format_ga(ga),
        "ga_days": ga,
        "recorded_cl_mm": scan.recorded_cl_mm,
    }


def _patient(view: PatientView) -> dict[str, Any]:
    """The patient's fields; previous-birth GAs spelled w+d as in patients.csv."""
    values = view.patient.model_dump(mode="json")
    for name in ("prior_sptb_weeks", "prior_pprom_weeks"):
        if values[name] is not None:
            values[name] = format_ga(values[name])
    return values


def patient_json(view: PatientView) -> dict[str, Any]:
    """Everything `patient show` prints, as plain JSON values."""
    patient = view.patient
    return {
        "as_of": view.as_of.isoformat(),
        **identity_json(view.profile, view.profile_sha256),
        "patient": _patient(view),
        "ga_today": format_ga(patient.ga_on(view.as_of)),
        "status": status_words(view),
        "closure": None if view.closure is None else view.closure.model_dump(mode="json"),
        "risk": view.risk_category,
        "risk_by_history_only": view.review is None,
        "risk_reasons": list(view.risk_reasons),
        # recorded, shown, and used by no risk category (clinical-rules.md)
        "other_risk_factors": other_risk_words(patient),
        "review": None if view.review is None else view.review.to_json_dict(),
        "scans": [_scan(view, s) for s in view.scans],
        "voided_scans": [
            {**_scan(view, v.scan), "voided_at": v.voided_at.isoformat(), "reason": v.reason}
            for v in view.voided
        ],
        "exams": [e.model_dump(mode="json") for e in view.exams],
        "treatments": [t.model_dump(mode="json") for t in view.treatments],
        "discussions": [d.model_dump(mode="json") for d in view.discussions],
        "audit": [
            {
                "at": a.at.isoformat(),
                "who": a.who,
                "action": a.action,
                "entity": a.entity,
                "entity_id": a.entity_id,
                "reason": a.reason,
                "changes": a.changes,
            }
            for a in view.audit
        ],
    }
