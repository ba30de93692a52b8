"""Fictional OB-GYN ultrasound structured reports for the `import sr` and `listen` tests.

Run it to write every variant into a folder (`python tests/interop/sr_fixtures.py OUT`);
the tests call `write_all`. No real patient is in here: every name, id and date is made up.

The files follow the shape of DICOM PS3.17 Annex I's OB-GYN examples (PS3.16 TID 5000):

    CONTAINER (125000, DCM, "OB-GYN Ultrasound Procedure Report")   TID 5000
      HAS ACQ CONTEXT  CODE (125203, DCM, "Acquisition Protocol") = (54300008, SCT, ...)
      CONTAINS CONTAINER (121111, DCM, "Summary")                     TID 5002
        CONTAINS DATE (11778-8, LN, "EDD"), DATE (11955-2, LN, "LMP")
      CONTAINS CONTAINER (125008, DCM, "Fetus Summary")               TID 5003
        HAS OBS CONTEXT TEXT (11951-1, LN, "Fetus ID") = "A"
      CONTAINS CONTAINER (125011, DCM, "Pelvis and Uterus")           TID 5015
        CONTAINS NUM (11961-0, LN, "Cervix Length") = 31.2 mm
          HAS CONCEPT MOD CODE (121401, DCM, "Derivation") = Mean ...

DCMTK's `dsrdump` reads each of them (tests/interop/test_sr_fixtures.py checks it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
UID_ROOT = "1.2.826.0.1.3680043.10.1411."  # a made-up organisation root for test UIDs

PATIENT_ID = "SR0001"  # registered by the tests: singleton, EDD 2027-03-14
PATIENT_NAME = "Quillfeather^Zyxandra"  # fictional; must never appear in any output
UNKNOWN_PATIENT_ID = "SR9999"
STUDY_DATE = date(2026, 10, 13)  # GA 18+2 for EDD 2027-03-14
EDD = date(2027, 3, 14)
LMP = date(2026, 6, 7)

Triple = tuple[str, str, str]
OB_GYN_REPORT: Triple = ("125000", "DCM", "OB-GYN Ultrasound Procedure Report")
IMAGING_MEASUREMENT_REPORT: Triple = ("126000", "DCM", "Imaging Measurement Report")
SUMMARY: Triple = ("121111", "DCM", "Summary")
FETUS_SUMMARY: Triple = ("125008", "DCM", "Fetus Summary")
PELVIS_AND_UTERUS: Triple = ("125011", "DCM", "Pelvis and Uterus")
FETAL_BIOMETRY: Triple = ("125002", "DCM", "Fetal Biometry")
CERVIX_LENGTH: Triple = ("11961-0", "LN", "Cervix Length")
UTERUS_LENGTH: Triple = ("11842-8", "LN", "Uterus Length")
FETUS_ID: Triple = ("11951-1", "LN", "Fetus ID")
EDD_CODE: Triple = ("11778-8", "LN", "EDD")
LMP_CODE: Triple = ("11955-2", "LN", "LMP")
ACQUISITION_PROTOCOL: Triple = ("125203", "DCM", "Acquisition Protocol")
TRANSVAGINAL: Triple = ("54300008", "SCT", "Transvaginal ultrasound")
TRANSABDOMINAL: Triple = ("66739002", "SCT", "Transabdominal ultrasound")
DERIVATION: Triple = ("121401", "DCM", "Derivation")
MEAN_SRT: Triple = ("R-00317", "SRT", "Mean")  # the legacy code of SCT 373098007
MEAN: Triple = ("373098007", "SCT", "Mean")
MINIMUM: Triple = ("255605001", "SCT", "Minimum")
SELECTION_STATUS: Triple = ("121404", "DCM", "Selection Status")
MEAN_CHOSEN: Triple = ("121412", "DCM", "Mean value chosen")
# A made-up vendor's private codes for funneling (docs/connecting-the-scanner.md maps them).
FUNNEL_LENGTH_PRIVATE: Triple = ("FUNL-L", "99ACME", "Funnel length")
FUNNEL_WIDTH_PRIVATE: Triple = ("FUNL-W", "99ACME", "Funnel width")


def code_item(triple: Triple) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = triple
    return item


def _content(relationship: str | None, value_type: str, concept: Triple) -> Dataset:
    item = Dataset()
    if relationship is not None:
        item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = DicomSequence([code_item(concept)])
    return item


def container(concept: Triple, children: Iterable[Dataset], rel: str = "CONTAINS") -> Dataset:
    item = _content(rel, "CONTAINER", concept)
    item.ContinuityOfContent = "SEPARATE"
    item.ContentSequence = DicomSequence(list(children))
    return item


def num(
    concept: Triple,
    value: str | None,
    unit: str = "mm",
    modifiers: Sequence[Dataset] = (),
) -> Dataset:
    """A NUM content item; `value=None` is a NUM without a measured value."""
    item = _content("CONTAINS", "NUM", concept)
    measured = []
    if value is not None:
        measured_value = Dataset()
        measured_value.NumericValue = value
        measured_value.MeasurementUnitsCodeSequence = DicomSequence(
            [code_item((unit, "UCUM", unit))]
        )
        measured.append(measured_value)
    item.MeasuredValueSequence = DicomSequence(measured)
    if modifiers:
        item.ContentSequence = DicomSequence(list(modifiers))
    return item


def code(concept: Triple, value: Triple, rel: str = "HAS CONCEPT MOD") -> Dataset:
    item = _content(rel, "CODE", concept)
    item.ConceptCodeSequence = DicomSequence([code_item(value)])
    return item


def date_item(concept: Triple, on: date) -> Dataset:
    item = _content("CONTAINS", "DATE", concept)
    item.Date = on.strftime("%Y%m%d")
    return item


def text(concept: Triple, value: str, rel: str = "HAS OBS CONTEXT") -> Dataset:
    item = _content(rel, "TEXT", concept)
    item.TextValue = value
    return item


def cl(value: str, unit: str = "mm", *derivation: Triple) -> Dataset:
    """A cervix-length NUM, with a derivation modifier when given."""
    return num(CERVIX_LENGTH, value, unit, [code(DERIVATION, d) for d in derivation])


def report(
    children: Sequence[Dataset],
    *,
    patient_id: str = PATIENT_ID,
    sop_uid: str | None = None,
    sop_class: str = COMPREHENSIVE_SR,
    root: Triple = OB_GYN_REPORT,
    template: str | None = "5000",
) -> Dataset:
    """A whole SR dataset with file meta, ready for `save_as(..., enforce_file_format=True)`."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid or generate_uid(UID_ROOT)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(UID_ROOT)
    ds.SeriesInstanceUID = generate_uid(UID_ROOT)
    ds.Modality = "SR"
    ds.Manufacturer = "Fictional Ultrasound Co"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19900101"
    ds.PatientSex = "F"
    ds.StudyDate = ds.ContentDate = STUDY_DATE.strftime("%Y%m%d")
    ds.StudyTime = ds.ContentTime = "101500"
    ds.StudyID = "1"
    ds.SeriesNumber = "1"
    ds.InstanceNumber = "1"
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.ReferencedPerformedProcedureStepSequence = DicomSequence()
    ds.PerformedProcedureCodeSequence = DicomSequence()
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = DicomSequence([code_item(root)])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    if template is not None:
        template_item = Dataset()
        template_item.MappingResource = "DCMR"
        template_item.TemplateIdentifier = template
        ds.ContentTemplateSequence = DicomSequence([template_item])
    ds.ContentSequence = DicomSequence(list(children))
    return ds


def beam(path: Triple = TRANSVAGINAL) -> Dataset:
    return code(ACQUISITION_PROTOCOL, path, rel="HAS ACQ CONTEXT")


def summary(edd: date = EDD, lmp: date = LMP) -> Dataset:
    return container(SUMMARY, [date_item(LMP_CODE, lmp), date_item(EDD_CODE, edd)])


def fetuses(*ids: str) -> list[Dataset]:
    return [container(FETUS_SUMMARY, [text(FETUS_ID, fetus)]) for fetus in ids]


def pelvis(*items: Dataset) -> Dataset:
    return container(PELVIS_AND_UTERUS, items)


def ob_report(*pelvis_items: Dataset, route: Triple | None = TRANSVAGINAL, **kw: object) -> Dataset:
    """The usual OB-GYN report: beam path, summary, one fetus, Pelvis and Uterus."""
    children = [beam(route)] if route is not None else []
    children += [summary(), *fetuses("A"), pelvis(*pelvis_items)]
    return report(children, **kw)  # type: ignore[arg-type]


THREE_MM = (cl("31.2"), cl("30.4"), cl("32.0"), cl("31.2", "mm", MEAN))


@dataclass(frozen=True)
class Variant:
    """One fixture: its file name, what it is, and how to make it."""

    name: str
    what: str
    dataset: Dataset | None  # None: made from another file (truncated)


def variants() -> list[Variant]:
    """Every variant the issue lists, plus the corner cases interop.md names."""
    mm = ob_report(
        *THREE_MM,
        num(UTERUS_LENGTH, "78"),
        num(FUNNEL_LENGTH_PRIVATE, "9.5"),
        num(FUNNEL_WIDTH_PRIVATE, "6"),
    )
    resent = ob_report(*THREE_MM, sop_uid=mm.SOPInstanceUID)
    resent.StudyInstanceUID, resent.SeriesInstanceUID = mm.StudyInstanceUID, mm.SeriesInstanceUID
    chosen = code(SELECTION_STATUS, MEAN_CHOSEN)
    mean_chosen = cl("2.72", "cm", MEAN)
    mean_chosen.ContentSequence.append(chosen)
    return [
        Variant("cl-mm.dcm", "three CL in mm, a Mean, private funnel codes", mm),
        Variant(
            "cl-cm.dcm",
            "three CL in cm, one on a rounding half (2.505 cm = 25.1 mm), mean chosen",
            ob_report(cl("2.505", "cm"), cl("2.61", "cm"), cl("2.83", "cm"), mean_chosen),
        ),
        Variant(
            "legacy-mean.dcm", "only an SRT R-00317 Mean", ob_report(cl("28.4", "mm", MEAN_SRT))
        ),
        Variant(
            "derived-only.dcm",
            "Mean and Minimum only: Minimum is the measurement",
            ob_report(cl("27.0", "mm", MEAN), cl("25.5", "mm", MINIMUM)),
        ),
        Variant(
            "many-cl.dcm",
            "five CL measurements",
            ob_report(*(cl(v) for v in ("33.0", "29.8", "31.5", "30.1", "34.2"))),
        ),
        Variant("no-beam-path.dcm", "no acquisition protocol", ob_report(cl("30.0"), route=None)),
        Variant(
            "transabdominal.dcm",
            "transabdominal beam path",
            ob_report(cl("35.0"), route=TRANSABDOMINAL, sop_class=ENHANCED_SR),
        ),
        Variant(
            "unknown-patient.dcm",
            "PatientID not registered",
            ob_report(cl("30.0"), patient_id=UNKNOWN_PATIENT_ID),
        ),
        Variant("no-cl.dcm", "Pelvis and Uterus without a CL", ob_report(num(UTERUS_LENGTH, "78"))),
        Variant(
            "cl-no-value.dcm",
            "a CL NUM without a value",
            ob_report(cl("30.0"), num(CERVIX_LENGTH, None)),
        ),
        Variant(
            "cl-outside.dcm",
            "a CL under Fetal Biometry, not Pelvis and Uterus",
            report([beam(), summary(), *fetuses("A"), container(FETAL_BIOMETRY, [cl("29.0")])]),
        ),
        Variant(
            "non-ob.dcm",
            "a TID 1500 Imaging Measurement Report",
            report([pelvis(cl("30.0"))], root=IMAGING_MEASUREMENT_REPORT, template="1500"),
        ),
        Variant(
            "basic-text.dcm",
            "a Basic Text SR (cannot hold measurements)",
            report([], sop_class=BASIC_TEXT_SR),
        ),
        Variant("resent.dcm", "cl-mm.dcm's SOP Instance UID sent again", resent),
        Variant(
            "twins.dcm",
            "two Fetus IDs for a singleton patient",
            report([beam(), summary(), *fetuses("A", "B"), pelvis(cl("30.0"))]),
        ),
        Variant(
            "edd-differs.dcm",
            "an EDD a week later than the stored one",
            report([beam(), summary(edd=date(2027, 3, 21)), *fetuses("A"), pelvis(cl("30.0"))]),
        ),
        Variant("truncated.dcm", "cl-mm.dcm cut off half-way", None),
    ]


def write_all(folder: Path) -> dict[str, Path]:
    """Write every variant into `folder`; returns the paths by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for variant in variants():
        path = folder / variant.name
        if variant.dataset is not None:
            variant.dataset.save_as(path, enforce_file_format=True)
        paths[variant.name] = path
    whole = paths["cl-mm.dcm"].read_bytes()
    paths["truncated.dcm"].write_bytes(whole[: len(whole) * 2 // 3])
    return paths


def one(folder: Path, dataset: Dataset, name: str) -> Path:
    """Write one extra dataset (made with the builders above) into `folder`."""
    path = folder / name
    dataset.save_as(path, enforce_file_format=True)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "sr-fixtures")
    for written in write_all(out).values():
        print(written)
