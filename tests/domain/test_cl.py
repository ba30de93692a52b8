"""The recorded CL is declared once (domain/cl.py): the scan, the engine and the audit agree."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cervix_watch.domain.cl import recorded_cl_column, recorded_cl_mm
from cervix_watch.domain.models import Scan
from cervix_watch.domain.problems import build
from cervix_watch.rules.context import dated_scans

MEASURED = [(25.0,), (21.5, 21.0, 22.0), (30.4, 31.2), (18.0, 18.0, 18.0)]


def test_the_recorded_cl_is_the_shortest_measurement() -> None:
    """One measurement is itself; of several, the shortest (both sides of the minimum)."""
    assert [recorded_cl_mm(cl) for cl in MEASURED] == [25.0, 21.0, 30.4, 18.0]


def test_the_scan_the_engine_and_the_audit_read_the_same_recorded_cl() -> None:
    """Scan.recorded_cl_mm, the engine's dated scans and the audit's column give equal values."""
    scans = tuple(
        build(Scan, {"mrn": "P1", "date": f"2026-10-{10 + day}", "cl_mm": cl})
        for day, cl in enumerate(MEASURED)
    )
    expected = [recorded_cl_mm(cl) for cl in MEASURED]
    assert [scan.recorded_cl_mm for scan in scans] == expected
    engine = dated_scans(scans, date(2027, 3, 14), date(2026, 12, 1)).scans
    assert [scan.cl_mm for scan in engine] == expected
    frame = pd.DataFrame(
        [cl + (None,) * (3 - len(cl)) for cl in MEASURED], columns=["cl1_mm", "cl2_mm", "cl3_mm"]
    )
    assert recorded_cl_column(frame).tolist() == expected
