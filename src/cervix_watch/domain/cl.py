"""The recorded cervical length, declared once: the shortest of a scan's measurements
(CLEAR; SMFM Consult #40; clinical-rules.md, Definitions).

`Scan.recorded_cl_mm`, the engine's dated scans and the audit's columns all read it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def recorded_cl_mm(measurements: Iterable[float]) -> float:
    """The recorded CL (mm) of one scan: its shortest measurement."""
    return min(measurements)


def recorded_cl_column(measurements: pd.DataFrame) -> pd.Series[Any]:
    """`recorded_cl_mm` row by row over a frame of measurement columns (the audit's
    vectorised read); an empty cell (a scan with fewer measurements) is skipped."""
    return measurements.min(axis=1)
