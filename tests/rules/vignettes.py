"""The worked examples under tests/data/examples as engine input: CSVs -> PatientHistory."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from cervix_watch.domain.models import Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.problems import build
from cervix_watch.rules import PatientHistory


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        # columns left empty take their defaults, as on import
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]


def _scan(index: int, row: dict[str, str]) -> Scan:
    """scans.csv row -> Scan: the measurements are the non-empty cl1..cl3; scan_id = row index."""
    fields: dict[str, Any] = {k: v for k, v in row.items() if not k.startswith("cl")}
    fields["cl_mm"] = tuple(row[k] for k in ("cl1_mm", "cl2_mm", "cl3_mm") if row.get(k))
    fields["scan_id"] = index + 1
    return build(Scan, fields)


def histories(folder: Path) -> list[PatientHistory]:
    """Every patient of the example set with her records."""
    scans = [_scan(i, row) for i, row in enumerate(_rows(folder, "scans.csv"))]
    exams = [build(Exam, row) for row in _rows(folder, "exams.csv")]
    treatments = [build(Treatment, row) for row in _rows(folder, "treatments.csv")]
    discussions = [build(Discussion, row) for row in _rows(folder, "discussions.csv")]
    return [
        PatientHistory(
            patient=patient,
            scans=tuple(s for s in scans if s.mrn == patient.mrn),
            exams=tuple(e for e in exams if e.mrn == patient.mrn),
            treatments=tuple(t for t in treatments if t.mrn == patient.mrn),
            discussions=tuple(d for d in discussions if d.mrn == patient.mrn),
        )
        for patient in (build(Patient, row) for row in _rows(folder, "patients.csv"))
    ]


def expected(folder: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((folder / "expected.json").read_text("utf-8"))
    return found
