"""The version-2 fields of the domain records: symptoms, dating, other risk factors, source."""

from __future__ import annotations

from typing import Any

import pytest

from cervix_watch.domain.enums import CerclageKind, Dating
from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Exam, Patient, Scan, Treatment
from cervix_watch.domain.problems import build
from cervix_watch.domain.symptoms import (
    URGENT_SYMPTOMS,
    WATCH_SYMPTOMS,
    Symptom,
    SymptomClass,
    format_symptoms,
    parse_symptoms,
)

PATIENT = {"mrn": "P01", "edd": "2027-03-14"}
SCAN = {"mrn": "P01", "date": "2026-10-13", "cl_mm": ("21",)}
EXAM = {"mrn": "P01", "date": "2026-10-13"}


def problems(model: type[Any], data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as caught:
        build(model, data)
    return caught.value.lines()


def test_symptom_names_and_classes_are_those_of_the_rules() -> None:
    """The ten fixed names, five urgent and five watch, exactly as clinical-rules.md lists them."""
    assert {s.value for s in URGENT_SYMPTOMS} == {
        "fluid",
        "contractions",
        "bleeding",
        "foul-discharge",
        "fever",
    }
    assert {s.value for s in WATCH_SYMPTOMS} == {
        "pelvic-pressure",
        "backache",
        "cramps",
        "discharge-change",
        "spotting",
    }
    assert Symptom.FEVER.symptom_class is SymptomClass.URGENT
    assert Symptom.SPOTTING.symptom_class is SymptomClass.WATCH
    assert not Symptom.CRAMPS.urgent
    assert all(s.description for s in Symptom)


def test_symptoms_are_parsed_trimmed_deduplicated_and_ordered() -> None:
    """`Cramps; fever;;cramps` is (fever, cramps): case and spaces ignored, repeats kept once,
    definition order, so the same set is always stored alike."""
    assert parse_symptoms(" Cramps; fever;;cramps ") == (Symptom.FEVER, Symptom.CRAMPS)
    assert parse_symptoms(["spotting", Symptom.FLUID]) == (Symptom.FLUID, Symptom.SPOTTING)
    assert parse_symptoms("") == ()
    assert parse_symptoms(None) == ()
    assert format_symptoms(parse_symptoms("cramps;fever")) == "fever;cramps"


def test_unknown_symptoms_are_named_in_one_line() -> None:
    """Every unknown name is named, with the known ones, in a single problem on `symptoms`."""
    lines = problems(Scan, {**SCAN, "symptoms": "fever;headache;itch"})
    assert len(lines) == 1
    assert lines[0].startswith("symptoms: unknown symptoms 'headache', 'itch' (known: fluid,")
    assert "spotting" in lines[0]


def test_scan_and_exam_take_symptoms_and_default_to_none() -> None:
    """Scans and exams hold a symptom list (empty by default); exams hold ruptured membranes."""
    assert build(Scan, SCAN).symptoms == ()
    assert build(Scan, {**SCAN, "symptoms": "fluid"}).symptoms == (Symptom.FLUID,)
    exam = build(Exam, {**EXAM, "symptoms": ["backache"], "membranes_ruptured": "yes"})
    assert exam.symptoms == (Symptom.BACKACHE,)
    assert exam.membranes_ruptured is True
    assert build(Exam, EXAM).membranes_ruptured is False
    assert problems(Exam, {**EXAM, "membranes_ruptured": "perhaps"})[0].startswith(
        "membranes_ruptured:"
    )


@pytest.mark.parametrize(
    "source",
    ["", "dicom-sr:1.2.840.10008.5.1.4.1.1.88.33", "dicom-sr:0", "dicom-sr:" + "1" * 64],
)
def test_scan_source_accepts_empty_or_a_dicom_sr_uid(source: str) -> None:
    """A source is empty (typed scan) or `dicom-sr:` with a valid UID of up to 64 characters."""
    assert build(Scan, {**SCAN, "source": source}).source == source


@pytest.mark.parametrize(
    "source",
    [
        "dicom-sr:",
        "dicom-sr:1.02.3",  # a UID component has no leading zero
        "dicom-sr:1..2",
        "dicom-sr:1.2.a",
        "dicom-sr:" + "1" * 65,
        "1.2.3",
        "pacs:1.2.3",
    ],
)
def test_scan_source_refuses_anything_else(source: str) -> None:
    """Any other source is one problem naming `source`."""
    lines = problems(Scan, {**SCAN, "source": source})
    assert len(lines) == 1
    assert lines[0].startswith("source: ")


def test_patient_dating_and_other_risk_factors() -> None:
    """Dating is ultrasound, ivf, lmp or empty (not recorded); the other risk factors are
    booleans and a count, all defaulting to none."""
    blank = build(Patient, PATIENT)
    assert blank.dating is None
    assert not any(
        (blank.des_exposure, blank.connective_tissue_disorder, blank.cervical_tear, blank.smoker)
    )
    assert blank.cervical_dilation_procedures == 0
    full = build(
        Patient,
        {
            **PATIENT,
            "dating": "lmp",
            "des_exposure": "yes",
            "connective_tissue_disorder": "1",
            "cervical_dilation_procedures": "3",
            "cervical_tear": "true",
            "smoker": "yes",
        },
    )
    assert full.dating is Dating.LMP
    assert full.des_exposure
    assert full.connective_tissue_disorder
    assert full.cervical_tear
    assert full.smoker
    assert full.cervical_dilation_procedures == 3
    assert build(Patient, {**PATIENT, "dating": ""}).dating is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dating": "scan"}, "dating"),
        ({"cervical_dilation_procedures": "-1"}, "cervical_dilation_procedures"),
        ({"cervical_dilation_procedures": "51"}, "cervical_dilation_procedures"),
        ({"cervical_dilation_procedures": "two"}, "cervical_dilation_procedures"),
        ({"smoker": "sometimes"}, "smoker"),
    ],
)
def test_bad_patient_v2_values_name_their_field(change: dict[str, str], field: str) -> None:
    """A bad dating, count or boolean is one problem naming its field."""
    lines = problems(Patient, {**PATIENT, **change})
    assert len(lines) == 1
    assert lines[0].startswith(f"{field}: ")


def test_transabdominal_cerclage_is_a_kind() -> None:
    """`transabdominal` is a cerclage kind; no other treatment takes it."""
    cerclage = {"mrn": "P01", "type": "cerclage", "start": "2026-04-17"}
    made = build(Treatment, {**cerclage, "kind": "transabdominal"})
    assert made.kind is CerclageKind.TRANSABDOMINAL
    lines = problems(Treatment, {**cerclage, "type": "progesterone", "kind": "transabdominal"})
    assert lines[0].startswith("kind: ")
