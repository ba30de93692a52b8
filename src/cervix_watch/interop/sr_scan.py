"""From an SR's content to one scan record's values: the rules of interop.md's import.

Which cervix-length values are the measurements (derivation), the route (beam
path against `--route`), funneling from the unit's code table, and the checks
against the stored patient (EDD, LMP, fetuses) that warn but never overwrite.
Pure: the caller looks the patient up and writes the scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydicom.sr.coding import Code

from cervix_watch.config import DEFAULT_US_EDD_TOLERANCE_DAYS
from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient
from cervix_watch.domain.uids import SOURCE_PREFIX, is_uid, source_of
from cervix_watch.interop.dicom_sr import (
    BEAM_PATHS,
    CERVIX_LENGTH,
    MM_PER_UNIT,
    NUMBER_OF_FETUSES,
    Numeric,
    SrContent,
    SrError,
    in_cervix_container,
)

MEASURED = Code("258104002", "SCT", "Measured")
# When the machine stored only derived values, one stands in as the single measurement, in
# this order (interop.md): the shortest-leaning first, as the recorded CL is the shortest.
STAND_IN_ORDER = (
    Code("255605001", "SCT", "Minimum"),
    Code("371912002", "SCT", "Best value"),
    Code("373098007", "SCT", "Mean"),
)
YES = Code("373066001", "SCT", "Yes")
NO = Code("373067005", "SCT", "No")
MAX_MEASUREMENTS = 3  # the scan record holds up to three (contract.md)
# interop.md v3: up to this many days an "EDD from average ultrasound age" gives no warning
# (`[sr] ultrasound_edd_tolerance_days`; the one default is config.py's).
ULTRASOUND_EDD_TOLERANCE_DAYS = DEFAULT_US_EDD_TOLERANCE_DAYS
_TENTH = Decimal("0.1")


def round_mm(value: Decimal) -> float:
    """Millimetres rounded half-up to 0.1 mm (2.505 cm = 25.05 mm -> 25.1 mm)."""
    return float(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


@dataclass
class SrScan:
    """One report's scan values, what to warn about, and what could not be mapped."""

    uid: str
    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmapped: list[Numeric] = field(default_factory=list)
    # the route given to the import (--route, a scanner's settings) stood in for a beam path
    route_given: bool = False

    @property
    def source(self) -> str:
        return source_of(self.uid)

    def record_values(self) -> dict[str, Any]:
        """The values for `Scan`: the SR's, its source, and every note joined."""
        return {**self.values, "source": self.source, "notes": "; ".join(self.notes)}


def scan_from(
    content: SrContent,
    name: str,
    route: Route | None,
    operator: str,
    codes: Mapping[Code, str],
    route_note: str | None = None,
) -> SrScan:
    """The scan an accepted SR describes (before the patient checks); SrError if none.

    `route` stands in only for a missing (or unknown) beam path; when it does, the scan
    says so (`route_given`) and its note gets `route_note` ("route tv from scanner
    settings US_ROOM1": a route nobody typed is recorded with where it came from)."""
    uid = content.sop_instance_uid
    if not is_uid(uid):
        raise SrError("sop_instance_uid", "is not a valid DICOM UID")
    scan = SrScan(uid, {"date": content.exam_date, "operator": operator})
    scan.warnings.extend(content.warnings)
    # No cervix length is said before no route (interop.md v3): `--route` cannot help a
    # report without a CL, so it is not asked for first.
    scan.values["cl_mm"] = cervix_lengths(content, name, scan, codes)
    scan.values["route"] = route_of(content, route)
    if route is not None and beam_route(content) is None:
        scan.route_given = True
        if route_note:
            scan.notes.append(route_note)
    scan.values.update(mapped_findings(content, codes, scan))
    return scan


def route_of(content: SrContent, given: Route | None) -> Route:
    """The beam path's route; `--route` only where the file has none (never a silent tv)."""
    beam = content.beam_path
    if beam is None:
        if given is None:
            raise SrError("route", "the report records no beam path: give --route tv|ta|tp")
        return given
    found = beam_route(content)
    if found is None:
        if given is None:
            raise SrError(
                "route",
                f"beam path ({beam.value}, {beam.scheme_designator}) {beam.meaning!r} is neither "
                "transvaginal nor transabdominal: give --route",
            )
        return given
    if given is not None and given is not found:
        raise SrError(
            "route", f"--route {given.value} contradicts the report's beam path ({found.value})"
        )
    return found


def beam_route(content: SrContent) -> Route | None:
    """The route the report's beam path records; None without one, or for one that is
    neither transvaginal nor transabdominal."""
    beam = content.beam_path
    if beam is None:
        return None
    return next((route for route, code in BEAM_PATHS.items() if code == beam), None)


def cervix_lengths(
    content: SrContent, name: str, scan: SrScan, codes: Mapping[Code, str] | None = None
) -> tuple[float, ...]:
    """The measurements, ascending: measured values, else one derived stand-in. A
    machine's private code mapped to "cl" (`[sr.codes]`, a scanner's `codes`) is one too."""
    found = [n for n in content.numerics if is_cervix_length(n.concept, codes or {})]
    if not found:
        raise SrError("cervix_length", f"no cervix length in {name}")
    for numeric in found:
        numeric.mm()  # a NUM without a value, or in a foreign unit, refuses the file
        if not in_cervix_container(numeric.path):
            scan.warnings.append(
                f"cervix_length: found at {numeric.where()}, not under Pelvis and Uterus"
            )
    measured = [n for n in found if n.derivation is None or n.derivation == MEASURED]
    if measured:
        values = sorted(round_mm(n.mm()) for n in measured)
    else:
        values = [round_mm(_stand_in(found).mm())]
        scan.notes.append(f"only derived CL values in the SR; {values[0]:.1f} mm used")
    if len(values) > MAX_MEASUREMENTS:
        scan.notes.append(
            f"{len(values)} CL measurements in the SR; the {MAX_MEASUREMENTS} shortest kept"
        )
        values = values[:MAX_MEASUREMENTS]
    for chosen in (n for n in found if n.selection is not None):
        assert chosen.selection is not None
        scan.notes.append(
            f"machine's selected CL {round_mm(chosen.mm()):.1f} mm ({chosen.selection.meaning})"
        )
    return tuple(values)


def _stand_in(derived: list[Numeric]) -> Numeric:
    """Minimum, else Best value, else Mean. A Maximum or Median alone would overstate the
    shortest CL, so it is refused rather than recorded."""
    for wanted in STAND_IN_ORDER:
        for numeric in derived:
            if numeric.derivation == wanted:
                return numeric
    kinds = sorted({n.derivation.meaning for n in derived if n.derivation is not None})
    raise SrError(
        "cervix_length",
        f"only derived values ({', '.join(kinds)}) and no measurement, Minimum, Best value or Mean",
    )


def mapped_findings(content: SrContent, codes: Mapping[Code, str], scan: SrScan) -> dict[str, Any]:
    """Funneling from the unit's `[sr.codes]` table; other lengths under Pelvis and Uterus
    (or cervix Findings) are listed as unmapped (for `--dry-run`, so a unit can add its
    machine's codes). A count, such as the Number of Fetuses some machines put in every
    section, is not a length and not listed."""
    values: dict[str, Any] = {}
    for numeric in content.in_cervix_containers():
        if numeric.concept == NUMBER_OF_FETUSES or is_cervix_length(numeric.concept, codes):
            continue
        target = _lookup(codes, numeric.concept)
        if target is None:
            if numeric.value is None or numeric.unit in MM_PER_UNIT:
                scan.unmapped.append(numeric)
        elif target == "funneling":
            values["funneling"] = numeric.value is not None and numeric.value != 0
        else:
            values[target] = round_mm(numeric.mm())
    for concept, value, path in content.codes:
        if in_cervix_container(path) and _lookup(codes, concept) == "funneling":
            if value not in (YES, NO):
                raise SrError("funneling", f"{value.meaning!r} is not Yes or No")
            values["funneling"] = value == YES
    if ("funnel_length_mm" in values or "funnel_width_mm" in values) and "funneling" not in values:
        values["funneling"] = True  # funnel measurements imply funneling, as in `scan add`
    return values


def is_cervix_length(concept: Code, codes: Mapping[Code, str]) -> bool:
    """LOINC's Cervix Length, or a private code the unit or the machine maps to "cl"."""
    return concept == CERVIX_LENGTH or _lookup(codes, concept) == "cl"


def _lookup(codes: Mapping[Code, str], concept: Code) -> str | None:
    return next((target for code, target in codes.items() if code == concept), None)


def check_against(
    patient: Patient,
    content: SrContent,
    scan: SrScan,
    ultrasound_edd_tolerance_days: int = ULTRASOUND_EDD_TOLERANCE_DAYS,
) -> None:
    """EDD, LMP and fetuses in the SR against the stored patient: warnings and notes, the
    stored values are kept (never written over). An EDD from ultrasound age within the
    tolerance of the stored EDD is no difference; no difference ever refuses a report."""
    tolerance = ultrasound_edd_tolerance_days
    differing = [edd for edd in content.edds if edd != patient.edd] + [
        edd for edd in content.edds_from_ultrasound if abs((edd - patient.edd).days) > tolerance
    ]
    for edd in sorted(set(differing)):
        scan.warnings.append(
            f"edd: the report's EDD {edd} differs from the stored EDD {patient.edd} "
            "(the stored one is kept)"
        )
        scan.notes.append(f"SR EDD {edd}")
    for lmp in sorted(set(content.lmps)):
        if patient.lmp is not None and lmp != patient.lmp:
            scan.warnings.append(
                f"lmp: the report's LMP {lmp} differs from the stored LMP {patient.lmp} "
                "(the stored one is kept)"
            )
            scan.notes.append(f"SR LMP {lmp}")
    fetuses = sorted({f for f in content.fetus_ids if f})
    if len(fetuses) > 1 and patient.fetuses == 1:
        scan.warnings.append(
            f"fetus: the report lists {len(fetuses)} fetuses ({', '.join(fetuses)}) for a "
            "patient registered as a singleton"
        )
        scan.notes.append(f"SR lists {len(fetuses)} fetuses")


__all__ = [
    "SOURCE_PREFIX",
    "ULTRASOUND_EDD_TOLERANCE_DAYS",
    "SrScan",
    "beam_route",
    "cervix_lengths",
    "check_against",
    "is_cervix_length",
    "mapped_findings",
    "round_mm",
    "route_of",
    "scan_from",
]
