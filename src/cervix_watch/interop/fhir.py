"""The FHIR export: a Bundle (type `collection`) of Patient and cervical-length Observations,
or the same resources as FHIR Bulk Data NDJSON lines, patient by patient (`ndjson_lines`,
`bulk_manifest`; the files are written by `console.bulkfiles`).

Built with `fhir.resources.R4B` (FHIR 4.3.0; its Patient and Observation are
wire-compatible with R4 4.0.1), following IHE PCC mAPS `CervixLengthUltrasound`
as interop.md details. Every resource is validated by its model and checked to
round-trip through its JSON; the models do not check code bindings, so the
codes are the constants below and the tests compare them one by one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from cervix_watch.bulk import collect_young, collector_paused
from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.uids import uid_of
from cervix_watch.interop.fhirlines import LayoutChecked, checked_line, cleaned, fhir_text

DEFAULT_MRN_SYSTEM = "urn:cervix-watch:mrn"
SCAN_ID_SYSTEM = "urn:cervix-watch:scan"
DICOM_UID_SYSTEM = "urn:dicom:uid"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Funnel length and width have no LOINC code: local codes of ours (docs/user-guide.md).
LOCAL_CODES = "urn:cervix-watch:code"

CERVIX_LENGTH = {"system": LOINC, "code": "11961-0", "display": "Cervix [Length] by US"}
EXAM = {"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}
ULTRASOUND_METHOD = {
    "system": SNOMED,
    "code": "278292003",
    "display": "Ultrasound imaging - action",
}
CERVIX_UTERI = {"system": SNOMED, "code": "71252005", "display": "Cervix uteri structure"}
FUNNEL_LENGTH = {"system": LOCAL_CODES, "code": "funnel-length", "display": "Funnel length"}
FUNNEL_WIDTH = {"system": LOCAL_CODES, "code": "funnel-width", "display": "Funnel width"}
ROUTE_WORDS = {Route.TA: "transabdominal", Route.TP: "transperineal", Route.TV: "transvaginal"}
# Resource ids: name-based UUIDs of the MRN and the scan id, the same on every export.
_NAMESPACE = uuid.UUID("1f0c8e62-5d0b-4d51-9a57-7a3c1e0e5b1a")


@dataclass(frozen=True)
class ExportedScan:
    scan: Scan
    amended: bool


def patient_url(mrn: str) -> str:
    return f"urn:uuid:{name_uuid(mrn)}"


def scan_url(scan: Scan) -> str:
    return f"urn:uuid:{name_uuid(f'scan {scan.scan_id}')}"


_NAMESPACE_BYTES = _NAMESPACE.bytes
# RFC 4122 variant: the top two bits of byte 8 (hex digit 16 of the hash) are 10
_VARIANT = {f"{n:x}": f"{n & 0x3 | 0x8:x}" for n in range(16)}


def name_uuid(name: str) -> str:
    """`str(uuid.uuid5(_NAMESPACE, name))` (`plain_name_uuid`) from the SHA-1 hex digest
    directly, without a `UUID` object: half the cost of a resource id, one per resource of
    the export (tests/interop/test_fhir.py compares the two)."""
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def plain_name_uuid(name: str) -> str:
    """The plain path of `name_uuid`."""
    return str(uuid.uuid5(_NAMESPACE, name))


def _validated(model: Any, data: dict[str, Any]) -> Any:
    """The resource built by its R4B model from its cleaned data (`cleaned`), checked to
    round-trip through its JSON."""
    resource = model.model_validate(cleaned(data))
    again = model.model_validate_json(resource.model_dump_json())
    if again != resource:
        raise ValueError(f"{data['resourceType']} does not round-trip through fhir.resources")
    return resource


def patient_resource(patient: Patient, mrn_system: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_url(patient.mrn).removeprefix("urn:uuid:"),
        "identifier": [{"system": mrn_system, "value": patient.mrn}],
    }
    if patient.name:
        data["name"] = [{"text": patient.name}]
    return data


def _quantity(value_mm: float) -> dict[str, Any]:
    return {"value": value_mm, "unit": "mm", "system": UCUM, "code": "mm"}


def observation_resource(exported: ExportedScan, subject: str | None = None) -> dict[str, Any]:
    """One scan as a `CervixLengthUltrasound` Observation: the recorded (shortest) CL in mm;
    its subject `subject`, else the patient's `urn:uuid:` (as in the Bundle)."""
    scan = exported.scan
    identifiers = [{"system": SCAN_ID_SYSTEM, "value": str(scan.scan_id)}]
    source = str(getattr(scan, "source", "") or "")
    uid = uid_of(source)
    if uid is not None:
        identifiers.append({"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{uid}"})
    # in FHIR's element order, as the model writes them (`fhirlines` compares the lines)
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": scan_url(scan).removeprefix("urn:uuid:"),
        "identifier": identifiers,
        "status": "amended" if exported.amended else "final",
        "category": [{"coding": [EXAM]}],
        "code": {"coding": [CERVIX_LENGTH], "text": "Cervical length"},
        "subject": {"reference": subject or patient_url(scan.mrn)},
        "effectiveDateTime": scan.date.isoformat(),
    }
    if scan.operator:
        data["performer"] = [{"display": scan.operator}]
    data["valueQuantity"] = _quantity(scan.recorded_cl_mm)
    if scan.route is not Route.TV:
        data["note"] = [{"text": f"Route: {ROUTE_WORDS[scan.route]} (not transvaginal)."}]
    data["bodySite"] = {"coding": [CERVIX_UTERI]}
    data["method"] = {"coding": [ULTRASOUND_METHOD]}
    components = [
        {"code": {"coding": [code]}, "valueQuantity": _quantity(value)}
        for code, value in (
            (FUNNEL_LENGTH, scan.funnel_length_mm),
            (FUNNEL_WIDTH, scan.funnel_width_mm),
        )
        if value is not None
    ]
    if components:
        data["component"] = components
    return data


def bundle(
    patients: Iterable[tuple[Patient, Sequence[ExportedScan]]],
    *,
    mrn_system: str = DEFAULT_MRN_SYSTEM,
    timestamp: datetime | None = None,
) -> Bundle:
    """The collection Bundle: each patient, then her scans' Observations, all validated.

    A patient given twice is a broken caller (the Bundle's fullUrls must be unique, bdl-7):
    ValueError. The CLI asks for each patient once."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for patient, scans in patients:
        if patient.mrn in seen:
            raise ValueError("a patient is given twice; each is exported once")
        seen.add(patient.mrn)
        resource = _validated(FhirPatient, patient_resource(patient, mrn_system))
        entries.append({"fullUrl": patient_url(patient.mrn), "resource": resource})
        for exported in scans:
            observation = _validated(Observation, observation_resource(exported))
            entries.append({"fullUrl": scan_url(exported.scan), "resource": observation})
    data: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    if timestamp is not None:
        data["timestamp"] = timestamp.isoformat()
    result: Bundle = Bundle.model_validate(data)
    return result


def to_json(resource: Bundle) -> str:
    return str(resource.model_dump_json(indent=2, exclude_none=True)) + "\n"


# FHIR Bulk Data (NDJSON): one file per resource type, one resource a line, in this order.
BULK_TYPES = ("Patient", "Observation")


def ndjson_lines(
    patient: Patient,
    scans: Iterable[ExportedScan],
    *,
    mrn_system: str = DEFAULT_MRN_SYSTEM,
    lines: LayoutChecked | None = None,
) -> dict[str, list[str]]:
    """One patient's resources as NDJSON lines by resource type (`BULK_TYPES`), each checked
    by its R4B model as in the Bundle: every one (`checked_line`), or, given the export's
    `lines`, each distinct layout once (`fhirlines.LayoutChecked`, the same lines).

    Outside a Bundle a `urn:uuid:` reference resolves to nothing, so an Observation's
    subject is the relative `Patient/<id>` Bulk Data files use."""
    line = checked_line if lines is None else lines.line
    data = patient_resource(patient, mrn_system)
    subject = f"Patient/{data['id']}"
    return {
        "Patient": [line(FhirPatient, data)],
        "Observation": [line(Observation, observation_resource(e, subject)) for e in scans],
    }


_COLLECT_EVERY = 1000  # patients between collections of the young generations


def ndjson_stream(
    patients: Iterable[tuple[Patient, Iterable[tuple[Scan, bool]]]],
    *,
    mrn_system: str,
    lines: LayoutChecked,
) -> Iterator[dict[str, list[str]]]:
    """`ndjson_lines` of each patient (with her scans and whether each was amended), in
    turn, with the cyclic garbage collector paused (`bulk.collector_paused`): its passes
    cost a third of the export's CPU, and the resources hold no cycles. The young
    generations are collected every 1,000 patients, so cyclic garbage stays bounded.

    A generator given is closed when this one ends, failed too: its read of the store
    ends then, not when the failure's traceback is freed (after the store is closed)."""
    try:
        with collector_paused():
            for number, (patient, scans) in enumerate(patients, start=1):
                exported = [ExportedScan(scan, amended) for scan, amended in scans]
                yield ndjson_lines(patient, exported, mrn_system=mrn_system, lines=lines)
                if number % _COLLECT_EVERY == 0:
                    collect_young()
    finally:
        if isinstance(patients, Generator):
            patients.close()


def bulk_manifest(
    transaction_time: datetime, request: str, counts: dict[str, int]
) -> dict[str, Any]:
    """The Bulk Data export manifest: each non-empty resource type's file, by relative name.

    There is no server, so `url` is the file's name beside the manifest (the spec wants an
    absolute URL from a server) and `request` is the command that made the files."""
    return {
        "transactionTime": transaction_time.isoformat(),
        "request": request,
        "requiresAccessToken": False,
        "output": [
            {"type": kind, "url": f"{kind}.ndjson", "count": counts[kind]}
            for kind in BULK_TYPES
            if counts.get(kind)
        ],
        "error": [],
    }


__all__ = [
    "BULK_TYPES",
    "DEFAULT_MRN_SYSTEM",
    "ExportedScan",
    "bulk_manifest",
    "bundle",
    "fhir_text",
    "name_uuid",
    "ndjson_lines",
    "ndjson_stream",
    "observation_resource",
    "to_json",
]
