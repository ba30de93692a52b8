"""The worked examples (version 2): each vignette's GA, flag actions and the priorities
version 2 sets, under both built-in profiles."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

import pytest
from tests.conftest import VIGNETTES

from cervix_watch.domain.models import Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.problems import build
from cervix_watch.rules import PatientHistory, builtin_profile_names, load_profile, review_clinic


def _rows(name: str) -> list[dict[str, str]]:
    with (VIGNETTES / name).open(encoding="utf-8", newline="") as handle:
        # columns left empty take their defaults, as on import
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]


def _scan(index: int, row: dict[str, str]) -> Scan:
    """scans.csv row -> Scan: the measurements are the non-empty cl1..cl3; scan_id = row index."""
    fields: dict[str, Any] = {k: v for k, v in row.items() if not k.startswith("cl")}
    fields["cl_mm"] = tuple(row[k] for k in ("cl1_mm", "cl2_mm", "cl3_mm") if row.get(k))
    fields["scan_id"] = index + 1
    return build(Scan, fields)


def _histories() -> list[PatientHistory]:
    scans = [_scan(i, row) for i, row in enumerate(_rows("scans.csv"))]
    exams = [build(Exam, row) for row in _rows("exams.csv")]
    treatments = [build(Treatment, row) for row in _rows("treatments.csv")]
    discussions = [build(Discussion, row) for row in _rows("discussions.csv")]
    return [
        PatientHistory(
            patient=patient,
            scans=tuple(s for s in scans if s.mrn == patient.mrn),
            exams=tuple(e for e in exams if e.mrn == patient.mrn),
            treatments=tuple(t for t in treatments if t.mrn == patient.mrn),
            discussions=tuple(d for d in discussions if d.mrn == patient.mrn),
        )
        for patient in (build(Patient, row) for row in _rows("patients.csv"))
    ]


def _expected() -> dict[str, Any]:
    expected: dict[str, Any] = json.loads((VIGNETTES / "expected.json").read_text("utf-8"))
    return expected


@pytest.mark.parametrize("profile", builtin_profile_names())
def test_vignettes_match_expected(profile: str) -> None:
    """Every vignette patient has the expected GA, set of flag actions and priorities."""
    expected = _expected()
    assert json.loads((VIGNETTES / "actions.json").read_text("utf-8")) == []  # no voids/closures
    as_of = date.fromisoformat(expected["as_of"])
    result = review_clinic(_histories(), as_of, load_profile(profile)).to_json_dict()
    got = {
        entry["mrn"]: (
            entry["ga"],
            sorted({flag["action"] for flag in entry["flags"]}),
            {flag["action"]: flag["priority"] for flag in entry["flags"]},
        )
        for entry in result["patients"]
    }
    want = {
        mrn: (case["ga"], sorted(case[profile]), case.get("priority", {}).get(profile, {}))
        for mrn, case in expected["patients"].items()
    }
    assert {mrn: (ga, acts) for mrn, (ga, acts, _) in got.items()} == {
        mrn: (ga, acts) for mrn, (ga, acts, _) in want.items()
    }
    for mrn, (_, _, priorities) in want.items():
        for action, priority in priorities.items():
            assert got[mrn][2][action] == priority, (mrn, action)
