"""Structured reports with the traits of real machines (issue 23.5, interop.md v3), kept
apart from the tidy fixtures of sr_fixtures.py.

Run it to write them into a folder (`python tests/interop/sr_real.py OUT`); the tests call
`write_all`. Every name, id and date is made up. The traits are those of the one real
OB-GYN SR found from a current scanner (Canon Aplio family, TID 5000, archived by a
dcm4che PACS), and of what public parsers for other vendors expect:

- Canon-like (`canon()`): no Acquisition Protocol (beam path); one value per
  measurement in cm with two decimals, with Selection Status "Most recent value chosen",
  or a Mean with "Mean value chosen"; a "Number of Fetuses" NUM in every section;
  IssuerOfPatientID holding an archive hash; no LMP/EDD, or an "EDD from average
  ultrasound age"; in one, the patient's name in PatientID (Latin-1 in another, declared
  as a real machine declares it, ISO_IR 100); an LMP item that cannot be read (the
  issue's "empty LMP item": an empty Type 1 Date is itself invalid DICOM, so the value
  here is well-formed for the DA VR yet no calendar day, 30 February);
- other vendors: the CL under Findings with Finding Site cervix, under Pelvis and
  Uterus > Uterus, and a Samsung-style private code for the CL ("99SMS", "99005-07").

DCMTK's `dsrdump` reads each without a warning (tests/interop/test_real_traits.py).
Apart from the set, `undeclared_charset()` is the Latin-1 report with no Specific
Character Set (0008,0005), for the scanners' `charset` setting: DCMTK rightly warns
about it, so it is not one of the traits.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sr_fixtures as fx
from pydicom.dataset import Dataset

# Fictional, as everything here. The name sits in PatientID of the "name" fixtures.
NAME_IN_PATIENT_ID = "QUILLFEATHER ZYXANDRA"
LATIN1_PATIENT_ID = "JÖRGENSDÓTTIR ÅSA"
LATIN1_NAME = "Jörgensdóttir^Åsa"
ARCHIVE_ISSUER = "5d41402abc4b2a76b9719d911017c592"  # a dcm4che archive's hash, not an MRN
US_EDD = fx.EDD + timedelta(days=3)  # "EDD from average ultrasound age", 3 days off
NO_CALENDAR_DAY = "20260230"  # eight digits, as DA wants, but no day of any calendar

Triple = fx.Triple
NUMBER_OF_FETUSES: Triple = ("11878-6", "LN", "Number of Fetuses by US")
MOST_RECENT_CHOSEN: Triple = ("121411", "DCM", "Most recent value chosen")
MEAN_CHOSEN: Triple = ("121412", "DCM", "Mean value chosen")
EDD_FROM_US: Triple = ("11781-2", "LN", "EDD from average ultrasound age")
LMP: Triple = ("11955-2", "LN", "LMP")
FINDINGS: Triple = ("121070", "DCM", "Findings")
FINDING_SITE: Triple = ("G-C0E3", "SRT", "Finding Site")  # legacy SRT, as machines send
CERVIX: Triple = ("T-83200", "SRT", "Cervix uteri")
UTERUS: Triple = ("T-83000", "SRT", "Uterus")
SAMSUNG_CL: Triple = ("99005-07", "99SMS", "Cervix Length")  # made up, Samsung-style


def fetus_count() -> Dataset:
    """The "Number of Fetuses" NUM a Canon machine puts in every section."""
    return fx.num(NUMBER_OF_FETUSES, "1", "{fetuses}")


def cl_cm(value: str, *, mean: bool = False, concept: Triple = fx.CERVIX_LENGTH) -> Dataset:
    """One CL in cm with two decimals, "Most recent value chosen", or a Mean "Mean value
    chosen"."""
    modifiers = [fx.code(fx.DERIVATION, fx.MEAN)] if mean else []
    modifiers.append(fx.code(fx.SELECTION_STATUS, MEAN_CHOSEN if mean else MOST_RECENT_CHOSEN))
    return fx.num(concept, value, "cm", modifiers)


def unreadable_date(concept: Triple) -> Dataset:
    """A DATE item whose value has the DA form (8 digits: DCMTK reads it without a
    warning) but is no calendar day, so it cannot be compared with the record."""
    item = fx.date_item(concept, fx.EDD)
    item.Date = NO_CALENDAR_DAY
    return item


def canon(
    *pelvis_items: Dataset,
    summary: Sequence[Dataset] = (),
    patient_id: str = fx.PATIENT_ID,
    patient_name: str = fx.PATIENT_NAME,
) -> Dataset:
    """A Canon-like report: no beam path, a Number of Fetuses in every section."""
    children = [
        fx.container(fx.SUMMARY, [*summary, fetus_count()]),
        fx.container(fx.FETUS_SUMMARY, [fx.text(fx.FETUS_ID, "A"), fetus_count()]),
        fx.pelvis(*pelvis_items, fetus_count()),
    ]
    report = fx.report(children, patient_id=patient_id)
    report.PatientName = patient_name
    report.IssuerOfPatientID = ARCHIVE_ISSUER
    report.Manufacturer = "Fictional Medical Systems"
    report.ManufacturerModelName = "Fictional Aplio-like"
    return report


def other_vendor(*children: Dataset) -> Dataset:
    """Another vendor's report: a beam path, the summary, one fetus, and `children`."""
    return fx.report([fx.beam(), fx.summary(), *fx.fetuses("A"), *children])


def latin1(dataset: Dataset) -> Dataset:
    """The report with a Latin-1 name in PatientID, declared ISO_IR 100 (0008,0005) as a
    real machine writing Latin-1 declares it."""
    dataset.PatientID = LATIN1_PATIENT_ID
    dataset.PatientName = LATIN1_NAME
    dataset.SpecificCharacterSet = "ISO_IR 100"
    return dataset


UNDECLARED_CHARSET = "latin1-undeclared-charset.dcm"


def undeclared_charset() -> Trait:
    """Not one of the traits: the Latin-1 report with no Specific Character Set (0008,0005)
    (pydicom writes text without one in its default, ISO_IR 100), for the `charset`
    setting a scanner that declares none needs. DCMTK warns about its characters."""
    dataset = latin1(canon(cl_cm("2.95")))
    del dataset.SpecificCharacterSet
    return Trait(UNDECLARED_CHARSET, "a Latin-1 PatientID, no (0008,0005)", dataset)


@dataclass(frozen=True)
class Trait:
    """One real-machine fixture: its file name, the trait, and the dataset."""

    name: str
    trait: str
    dataset: Dataset


def traits() -> list[Trait]:
    """Every trait issue 23.5 lists, one file each."""
    finding_site = fx.code(FINDING_SITE, CERVIX)
    return [
        Trait(
            "most-recent-cm.dcm",
            "no beam path; one CL 2.95 cm, Most recent value chosen",
            canon(cl_cm("2.95")),
        ),
        Trait(
            "mean-only.dcm",
            "no beam path; only a Mean 2.87 cm, Mean value chosen",
            canon(cl_cm("2.87", mean=True)),
        ),
        Trait(
            "name-in-patient-id.dcm",
            "the patient's name in PatientID, an archive hash in IssuerOfPatientID",
            canon(cl_cm("2.95"), patient_id=NAME_IN_PATIENT_ID),
        ),
        Trait(
            "latin1-patient-id.dcm",
            "a Latin-1 name in PatientID, declared ISO_IR 100",
            latin1(canon(cl_cm("2.95"))),
        ),
        Trait(
            "edd-from-ultrasound.dcm",
            "an EDD from average ultrasound age 3 days after the stored EDD",
            canon(cl_cm("2.95"), summary=[fx.date_item(EDD_FROM_US, US_EDD)]),
        ),
        Trait(
            "broken-lmp.dcm",
            "an LMP item in the summary that is no calendar day (20260230)",
            canon(cl_cm("2.95"), summary=[unreadable_date(LMP)]),
        ),
        Trait(
            "findings-cervix.dcm",
            "the CL under Findings with Finding Site cervix",
            other_vendor(fx.container(FINDINGS, [finding_site, fx.cl("31.0")])),
        ),
        Trait(
            "pelvis-uterus.dcm",
            "the CL under Pelvis and Uterus > Uterus",
            other_vendor(fx.pelvis(fx.container(UTERUS, [fx.cl("31.5")]))),
        ),
        Trait(
            "samsung-private-cl.dcm",
            "the CL under a Samsung-style private code (99SMS, 99005-07)",
            other_vendor(fx.pelvis(fx.num(SAMSUNG_CL, "31.0"))),
        ),
    ]


def write_all(folder: Path) -> dict[str, Path]:
    """Write every trait's file into `folder`; returns the paths by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {t.name: fx.one(folder, t.dataset, t.name) for t in traits()}


# The day every trait was examined, and the stored patient's EDD and LMP (sr_fixtures).
STUDY_DATE: date = fx.STUDY_DATE

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "sr-real")
    for written in write_all(out).values():
        print(written)
