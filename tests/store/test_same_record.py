"""One definition of "the same record" (store/duplicates.py): a typed or imported duplicate
is every content value equal; a scanner's corrected report the same but its provenance."""

from __future__ import annotations

import pytest

from cervix_watch.domain.models import Scan
from cervix_watch.domain.problems import build
from cervix_watch.store import tables
from cervix_watch.store.duplicates import (
    PROVENANCE,
    SAME_EXAMINATION,
    content_names,
    same_examination,
)

BASE = {"mrn": "P1", "date": "2026-10-13", "cl_mm": (24.0, 25.5), "operator": "AB"}


def test_the_examination_is_the_record_content_but_its_provenance() -> None:
    """The stored content columns, read as Scan fields, are the examination plus provenance."""
    as_fields = {
        {"patient_id": "mrn", "cl1_mm": "cl_mm", "cl2_mm": "cl_mm", "cl3_mm": "cl_mm"}.get(c, c)
        for c in content_names(tables.scans)
    }
    assert as_fields == set(SAME_EXAMINATION) | PROVENANCE
    assert set(SAME_EXAMINATION) | PROVENANCE | {"scan_id"} == set(Scan.model_fields)


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"source": "dicom-sr:1.2.3", "operator": "CD", "notes": "corrected"}, True),
        ({"cl_mm": (24.0, 25.6)}, False),
        ({"route": "ta"}, False),
        ({"sludge": True}, False),
        ({"date": "2026-10-14"}, False),
        ({"mrn": "P2"}, False),
    ],
)
def test_a_corrected_report_differs_only_in_provenance(
    change: dict[str, object], same: bool
) -> None:
    """Another operator, source or note: the same examination; any finding changed: not."""
    assert same_examination(build(Scan, BASE), build(Scan, {**BASE, **change})) is same
