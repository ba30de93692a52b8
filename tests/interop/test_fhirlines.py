"""NDJSON lines with each resource layout checked once (`interop.fhirlines`): the same lines
as the plain path (every resource through fhir.resources), and the check never skipped."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.interop.fhir import ExportedScan, ndjson_lines
from cervix_watch.interop.fhirlines import LayoutChecked, checked_line, layout_of

# Text as people and machines type it: plain words, accents, quotes, edge and double
# spaces, tabs and newlines, control characters FHIR forbids, a backslash, an emoji.
TEXTS = ["Ann Example", "Zoë  Ünal", " AK", "AK ", 'O"Brien', "a\\b", "x\ty\nz", "\x01BN",
         "\x7fCO", "DP\u2028", "😀", "Ann", "B"]  # fmt: skip


def _scan(n: int, **values: Any) -> Scan:
    given_values = {
        "scan_id": n + 1,
        "mrn": "H1",
        "date": date(2026, 5, 1) + timedelta(days=n % 170),
        "cl_mm": (10.0 + (n % 400) / 10, 30.0),
    }
    return Scan.model_validate(given_values | values)


def _plain(patient: Patient, scans: list[ExportedScan]) -> dict[str, list[str]]:
    return ndjson_lines(patient, scans, mrn_system="urn:x")


def _fast(
    patient: Patient, scans: list[ExportedScan], lines: LayoutChecked
) -> dict[str, list[str]]:
    return ndjson_lines(patient, scans, mrn_system="urn:x", lines=lines)


def test_a_clinic_is_written_as_the_plain_path_writes_it_with_few_model_checks() -> None:
    """400 patients of 5 scans each: every line equals the plain path's; only one resource
    of each distinct layout went through fhir.resources."""
    lines = LayoutChecked()
    resources = 0
    for p in range(400):
        patient = Patient.model_validate(
            {"mrn": f"B{p:07d}", "edd": date(2027, 1, 1), "name": "" if p % 7 else "Ann Smith"}
        )
        scans = [
            ExportedScan(
                _scan(
                    p * 5 + k,
                    mrn=patient.mrn,
                    operator=["AK", "BN", ""][k % 3],
                    route=[Route.TV, Route.TA][(p + k) % 9 == 0],
                    funneling=k == 4,
                    funnel_length_mm=12.5 if k == 4 else None,
                    source=f"dicom-sr:1.2.826.0.1.{p}.{k}" if p % 11 == 0 else "",
                ),
                amended=k == 2,
            )
            for k in range(5)
        ]
        assert _fast(patient, scans, lines) == _plain(patient, scans)
        resources += 6
    assert lines.checked < 40 < resources


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.sampled_from(TEXTS), min_size=1, max_size=6),
    operators=st.lists(st.sampled_from(TEXTS), min_size=1, max_size=6),
    cls=st.lists(
        st.integers(min_value=1, max_value=800).map(lambda t: t / 10), min_size=1, max_size=6
    ),
)
def test_any_text_and_value_gives_the_plain_paths_line(
    names: list[str], operators: list[str], cls: list[float]
) -> None:
    """Names, operators and CLs of every kind: each line is the plain path's line."""
    lines = LayoutChecked()
    for n, (name, operator, cl) in enumerate(zip(names, operators, cls, strict=False)):
        # as stored by any release: copied in without the domain's checks of today
        patient = Patient.model_validate({"mrn": f"P{n}", "edd": date(2027, 1, 1)})
        patient = patient.model_copy(update={"name": name})
        scan = _scan(n, mrn=f"P{n}", cl_mm=(cl,)).model_copy(update={"operator": operator})
        scans = [ExportedScan(scan, False)]
        assert _fast(patient, scans, lines) == _plain(patient, scans)


def test_a_character_fhir_forbids_is_dropped_after_its_layout_passed() -> None:
    """DEL (ASCII, which JSON does not escape) in a value of a checked layout: dropped, as
    the plain path drops it (hypothesis found it written as it was)."""
    patient = Patient.model_validate({"mrn": "P1", "edd": date(2027, 1, 1)})
    lines = LayoutChecked()
    for operator in ("AK", "\x7fCO", "CO\x85"):
        scan = _scan(1, mrn="P1").model_copy(update={"operator": operator})
        assert _fast(patient, [ExportedScan(scan, False)], lines) == _plain(
            patient, [ExportedScan(scan, False)]
        )


def test_a_value_the_model_refuses_is_refused_however_often_its_layout_passed() -> None:
    """An empty string (not a FHIR string) has a layout of its own: the model refuses it,
    even after many resources of the same shape were written."""
    lines = LayoutChecked()
    good = {"resourceType": "Patient", "id": "a1", "name": [{"text": "Ann"}]}
    for n in range(20):
        lines.line(FhirPatient, good | {"id": f"a{n}"})
    with pytest.raises(ValueError, match="String should match pattern"):
        lines.line(FhirPatient, good | {"name": [{"text": ""}]})
    with pytest.raises(ValueError, match="String should match pattern"):
        checked_line(FhirPatient, good | {"name": [{"text": ""}]})


def test_a_layout_the_model_writes_differently_stays_on_the_plain_path() -> None:
    """A decimal with an exponent (which the model writes in full) is the model's line."""
    lines = LayoutChecked()
    data = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Cervical length"},
        "valueQuantity": {"value": 1e16},
    }
    for _ in range(3):
        assert lines.line(Observation, data) == checked_line(Observation, data)
    assert lines.checked == 3


@pytest.mark.parametrize(
    ("value", "layout"),
    [
        ("2026-10-13", "d"),
        ("539b517f-7eb2-5532-a51d-43edba09bf1a", "t"),
        ("http://loinc.org", "u"),
        ("Cervix [Length] by US", "s"),
        ("two  spaces", '"two  spaces"'),
        (" edge", '" edge"'),
        ("", '""'),
        ("2026-13-01", "t"),
    ],
)
def test_string_values_are_classed_or_kept(value: str, layout: str) -> None:
    """Dates, id-safe tokens, text without spaces and single-spaced words are classes; any
    other string stays in the layout as it is."""
    assert layout_of(f'{{"k":"{value}"}}') == f"k\x1f{layout}\x1e{{|:|}}"


def test_numbers_and_keys_in_the_layout() -> None:
    """Keys stay; a number is its shape (each digit `9`); an exponent keeps the numbers
    literal."""
    assert layout_of('{"a":24.5,"b":[3,-2.25]}') == "a\x1fb\x1e{|:99.9,|:[9,-9.99]}"
    assert layout_of('{"a":31.2}') == layout_of('{"a":10.0}') != layout_of('{"a":5.0}')
    assert layout_of('{"a":1e-07}') == "a\x1e{|:1e-07}"
    assert layout_of('{"a":"x"}') != layout_of('{"b":"x"}')
