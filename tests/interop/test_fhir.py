"""The FHIR export: a valid R4B collection Bundle whose codes, systems and units are mAPS's."""

from __future__ import annotations

import gc
import json
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import Cli

from cervix_watch.domain.models import Patient, Scan
from cervix_watch.interop.fhir import (
    ExportedScan,
    bundle,
    fhir_text,
    name_uuid,
    ndjson_lines,
    ndjson_stream,
    plain_name_uuid,
    to_json,
)
from cervix_watch.interop.fhirlines import LayoutChecked

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


def patient(mrn: str = "H1", name: str = "Ann Example") -> Patient:
    return Patient.model_validate({"mrn": mrn, "edd": date(2027, 3, 14), "name": name})


def scan(scan_id: int = 1, **kw: object) -> Scan:
    values = {"scan_id": scan_id, "mrn": "H1", "date": date(2026, 10, 13), "cl_mm": (23.5, 22.0)}
    return Scan.model_validate({**values, **kw})


def exported(*scans: ExportedScan, who: Patient | None = None) -> dict:
    return json.loads(to_json(bundle([(who or patient(), list(scans))])))


def observation(data: dict) -> dict:
    return next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
    )


def test_bundle_is_a_valid_r4b_collection() -> None:
    """The JSON parses back through fhir.resources R4B as a collection of Patient + Observation."""
    data = exported(ExportedScan(scan(), amended=False))
    parsed = Bundle.model_validate(data)
    assert parsed.type == "collection"
    assert [e.resource.get_resource_type() for e in parsed.entry] == ["Patient", "Observation"]
    assert isinstance(parsed.entry[1].resource, Observation)


def test_observation_codes_systems_and_units() -> None:
    """LOINC 11961-0, UCUM mm, SNOMED method 278292003 and body site 71252005, category exam."""
    obs = observation(exported(ExportedScan(scan(operator="AB"), amended=False)))
    assert obs["status"] == "final"
    assert obs["code"]["coding"] == [
        {"system": LOINC, "code": "11961-0", "display": "Cervix [Length] by US"}
    ]
    assert obs["valueQuantity"] == {"value": 22.0, "unit": "mm", "system": UCUM, "code": "mm"}
    assert obs["method"]["coding"][0]["system"] == SNOMED
    assert obs["method"]["coding"][0]["code"] == "278292003"
    assert obs["bodySite"]["coding"][0]["system"] == SNOMED
    assert obs["bodySite"]["coding"][0]["code"] == "71252005"
    category = obs["category"][0]["coding"][0]
    assert category["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
    assert category["code"] == "exam"
    assert obs["effectiveDateTime"] == "2026-10-13"
    assert obs["performer"] == [{"display": "AB"}]
    assert obs["identifier"] == [{"system": "urn:cervix-watch:scan", "value": "1"}]
    assert "note" not in obs
    assert "component" not in obs


def test_subject_is_the_patient_entry_with_the_mrn_identifier() -> None:
    """The Observation's subject is the Patient's fullUrl; the Patient carries MRN and name."""
    data = exported(ExportedScan(scan(), amended=False))
    first = data["entry"][0]
    assert first["resource"]["identifier"] == [{"system": "urn:cervix-watch:mrn", "value": "H1"}]
    assert first["resource"]["name"] == [{"text": "Ann Example"}]
    assert observation(data)["subject"] == {"reference": first["fullUrl"]}
    assert first["fullUrl"].startswith("urn:uuid:")


def test_patient_without_a_name_has_no_name() -> None:
    """Name only if present."""
    data = exported(who=patient(name=""))
    assert "name" not in data["entry"][0]["resource"]


def test_amended_scan_sr_uid_funnel_components_and_route_note() -> None:
    """Amended status, the SR UID as urn:oid identifier, funnel components in mm, route note."""
    record = scan(
        route="ta",
        funneling=True,
        funnel_length_mm=9.5,
        funnel_width_mm=6,
    )
    record = record.model_copy(update={"source": "dicom-sr:1.2.826.0.1.3680043.10.1411.7"})
    obs = observation(exported(ExportedScan(record, amended=True)))
    assert obs["status"] == "amended"
    assert {"system": "urn:dicom:uid", "value": "urn:oid:1.2.826.0.1.3680043.10.1411.7"} in obs[
        "identifier"
    ]
    assert obs["component"] == [
        {
            "code": {
                "coding": [
                    {
                        "system": "urn:cervix-watch:code",
                        "code": "funnel-length",
                        "display": "Funnel length",
                    }
                ]
            },
            "valueQuantity": {"value": 9.5, "unit": "mm", "system": UCUM, "code": "mm"},
        },
        {
            "code": {
                "coding": [
                    {
                        "system": "urn:cervix-watch:code",
                        "code": "funnel-width",
                        "display": "Funnel width",
                    }
                ]
            },
            "valueQuantity": {"value": 6.0, "unit": "mm", "system": UCUM, "code": "mm"},
        },
    ]
    assert obs["note"] == [{"text": "Route: transabdominal (not transvaginal)."}]


def test_mrn_system_comes_from_the_config() -> None:
    """Another identifier system for MRNs is used as given."""
    data = json.loads(
        to_json(bundle([(patient(), [])], mrn_system="urn:oid:2.16.840.1.113883.2.1.4.1"))
    )
    assert (
        data["entry"][0]["resource"]["identifier"][0]["system"]
        == "urn:oid:2.16.840.1.113883.2.1.4.1"
    )


def test_export_fhir_command_leaves_voided_scans_out_and_marks_amended(
    cli: Cli, tmp_path: Path
) -> None:
    """`export fhir --out`: one Observation per current scan, amended ones `amended`, file 0600."""
    assert cli("patient", "add", "H1", "--edd", "2027-03-14").exit_code == 0
    assert cli("patient", "add", "H2", "--edd", "2027-04-01").exit_code == 0
    for cl in ("30", "28", "26"):
        assert cli("scan", "add", "H1", "--date", "2026-10-13", "--cl", cl).exit_code == 0
    assert cli("scan", "amend", "2", "--cl", "27.5", "--reason", "caliper slip").exit_code == 0
    assert cli("scan", "void", "3", "--reason", "wrong patient").exit_code == 0
    out = tmp_path / "bundle.json"
    result = cli("export", "fhir", "H1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    data = json.loads(out.read_text())
    Bundle.model_validate(data)
    observations = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert [
        (o["identifier"][0]["value"], o["status"], o["valueQuantity"]["value"])
        for o in observations
    ] == [
        ("1", "final", 30.0),
        ("2", "amended", 27.5),
    ]
    patients = [e for e in data["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 1
    everyone = json.loads(cli("export", "fhir").stdout)
    assert sum(e["resource"]["resourceType"] == "Patient" for e in everyone["entry"]) == 2


def test_export_fhir_unknown_mrn(cli: Cli) -> None:
    """An MRN that is not registered: one line naming it, exit 1."""
    result = cli("export", "fhir", "NOPE")
    assert result.exit_code == 1
    assert "mrn: no patient 'NOPE'" in result.output


# Every control character FHIR's string type forbids (below 32 but tab, CR, LF), and the
# ones kept out with them (DEL, C1); tab, CR and LF are FHIR's own and stay.
FORBIDDEN_CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\r\n"]


@pytest.mark.parametrize("control", FORBIDDEN_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_fhir_forbids_is_dropped(control: str) -> None:
    """ESC, BEL ... in a name or an operator (one an older release stored) are dropped: the
    string is what FHIR allows."""
    stored = scan().model_copy(update={"operator": f"A{control}B"})
    data = exported(
        ExportedScan(stored, amended=False),
        who=patient().model_copy(update={"name": f"Ann{control} Example"}),
    )
    assert data["entry"][0]["resource"]["name"] == [{"text": "Ann Example"}]
    assert observation(data)["performer"] == [{"display": "AB"}]


def test_tab_cr_and_lf_are_fhir_strings_and_stay() -> None:
    """The other side of the bound: FHIR's string allows tab, CR and LF, so they are kept."""
    assert fhir_text("a\tb\r\nc") == "a\tb\r\nc"


def test_a_patient_given_twice_is_a_broken_caller() -> None:
    """The Bundle's fullUrls are unique (bdl-7): the same patient twice is a ValueError."""
    with pytest.raises(ValueError, match="given twice"):
        bundle([(patient(), []), (patient(), [])])


@given(st.text())
def test_a_resource_id_is_the_uuid5_of_its_name(name: str) -> None:
    """`name_uuid` (the fast path) is `str(uuid.uuid5(namespace, name))` for any name."""
    assert name_uuid(name) == plain_name_uuid(name)


def test_the_stream_writes_each_patients_lines_and_gives_the_collector_back() -> None:
    """`ndjson_stream` gives each patient's `ndjson_lines`, in turn, past a young-generation
    collection (every 1,000 patients); the cyclic collector runs again after it."""
    patients = [
        (patient(f"H{n:04d}"), [(scan(n * 2 + k + 1, mrn=f"H{n:04d}"), k == 1) for k in range(2)])
        for n in range(1001)
    ]
    expected = [
        ndjson_lines(who, [ExportedScan(s, amended) for s, amended in scans], mrn_system="urn:x")
        for who, scans in patients
    ]
    assert gc.isenabled()
    stream = ndjson_stream(patients, mrn_system="urn:x", lines=LayoutChecked())
    assert list(stream) == expected
    assert gc.isenabled()
