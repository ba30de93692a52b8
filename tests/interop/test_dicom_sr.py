"""Reading and mapping OB-GYN SRs: each fixture variant gives the scan values interop.md states."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sr_fixtures as fx
from pydicom.dataset import Dataset
from pydicom.sr.coding import Code

from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient
from cervix_watch.interop.dicom_sr import SrContent, SrError, content_of, read_file
from cervix_watch.interop.sr_scan import SrScan, check_against, round_mm, scan_from

FUNNEL_CODES = {
    Code("FUNL-L", "99ACME", "Funnel length"): "funnel_length_mm",
    Code("FUNL-W", "99ACME", "Funnel width"): "funnel_width_mm",
}


def mapped(path: Path, route: Route | None = None, codes: dict[Code, str] | None = None) -> SrScan:
    return scan_from(content_of(read_file(path)), path.name, route, "AB", codes or {})


def refusal(path: Path, route: Route | None = None) -> tuple[str, str]:
    with pytest.raises(SrError) as refused:
        mapped(path, route)
    return refused.value.problem.field, refused.value.problem.message


def test_three_mm_measurements_ascending_and_the_mean_ignored(sr_files: dict[str, Path]) -> None:
    """Measured CLs are the measurements, ascending; the machine's Mean is not one of them."""
    scan = mapped(sr_files["cl-mm.dcm"])
    assert scan.values["cl_mm"] == (30.4, 31.2, 32.0)
    assert scan.values["route"] is Route.TV
    assert scan.values["date"] == fx.STUDY_DATE
    assert scan.source == f"dicom-sr:{fx.variants()[0].dataset.SOPInstanceUID}"[:9] + scan.uid
    assert scan.source.startswith("dicom-sr:" + fx.UID_ROOT)


def test_cm_converted_to_mm_rounding_half_up(sr_files: dict[str, Path]) -> None:
    """2.505 cm is 25.1 mm (half-up), 2.61 cm 26.1 mm; the selected mean goes in the note."""
    scan = mapped(sr_files["cl-cm.dcm"])
    assert scan.values["cl_mm"] == (25.1, 26.1, 28.3)
    assert "machine's selected CL 27.2 mm (Mean value chosen)" in scan.notes


@pytest.mark.parametrize(
    ("millimetres", "recorded"),
    [("25.05", 25.1), ("25.04999", 25.0), ("24.95", 25.0), ("24.94", 24.9), ("30", 30.0)],
)
def test_round_half_up_to_a_tenth(millimetres: str, recorded: float) -> None:
    """Rounding is half-up at 0.05 mm, exactly (decimal, not binary floating point)."""
    assert round_mm(Decimal(millimetres)) == recorded


def test_units_in_metres_are_converted(tmp_path: Path) -> None:
    """A CL in m (UCUM) is converted to mm like cm."""
    path = fx.one(tmp_path, fx.ob_report(fx.cl("0.02875", "m")), "metres.dcm")
    assert mapped(path).values["cl_mm"] == (28.8,)


def test_a_foreign_unit_is_refused(tmp_path: Path) -> None:
    """A CL in inches is not guessed at: the file is refused naming the unit."""
    path = fx.one(tmp_path, fx.ob_report(fx.cl("1.1", "[in_i]")), "inches.dcm")
    assert refusal(path) == (
        "cervix_length",
        "unit '[in_i]' is not cm, mm or m (UCUM) at OB-GYN Ultrasound Procedure Report > "
        "Pelvis and Uterus",
    )


def test_legacy_srt_mean_alone_is_the_single_measurement(sr_files: dict[str, Path]) -> None:
    """Only an SRT R-00317 Mean (= SCT 373098007): it is the one measurement, noted as derived."""
    scan = mapped(sr_files["legacy-mean.dcm"])
    assert scan.values["cl_mm"] == (28.4,)
    assert "only derived CL values in the SR; 28.4 mm used" in scan.notes


def test_minimum_is_preferred_over_mean_when_only_derived(sr_files: dict[str, Path]) -> None:
    """Mean 27.0 and Minimum 25.5 only: Minimum is the measurement."""
    assert mapped(sr_files["derived-only.dcm"]).values["cl_mm"] == (25.5,)


def test_a_maximum_alone_is_refused(tmp_path: Path) -> None:
    """Only a Maximum would overstate the shortest CL: refused, not recorded."""
    maximum = ("56851009", "SCT", "Maximum")
    path = fx.one(tmp_path, fx.ob_report(fx.cl("33", "mm", maximum)), "max.dcm")
    field, message = refusal(path)
    assert field == "cervix_length"
    assert message.startswith("only derived values (Maximum) and no measurement")


def test_more_than_three_keep_the_three_shortest(sr_files: dict[str, Path]) -> None:
    """Five measurements: the three shortest are kept and the note says five were found."""
    scan = mapped(sr_files["many-cl.dcm"])
    assert scan.values["cl_mm"] == (29.8, 30.1, 31.5)
    assert "5 CL measurements in the SR; the 3 shortest kept" in scan.notes


def test_no_beam_path_needs_route(sr_files: dict[str, Path]) -> None:
    """Without a beam path the route is never assumed: --route is required, then used."""
    assert refusal(sr_files["no-beam-path.dcm"]) == (
        "route",
        "the report records no beam path: give --route tv|ta|tp",
    )
    assert mapped(sr_files["no-beam-path.dcm"], Route.TP).values["route"] is Route.TP


def test_transabdominal_beam_path_and_a_contradicting_route(sr_files: dict[str, Path]) -> None:
    """A transabdominal beam path gives route ta; --route tv against it refuses the file."""
    assert mapped(sr_files["transabdominal.dcm"]).values["route"] is Route.TA
    assert mapped(sr_files["transabdominal.dcm"], Route.TA).values["route"] is Route.TA
    assert refusal(sr_files["transabdominal.dcm"], Route.TV) == (
        "route",
        "--route tv contradicts the report's beam path (ta)",
    )


def test_no_cervix_length_is_refused_never_zero(sr_files: dict[str, Path]) -> None:
    """An SR without a CL is refused ("no cervix length in FILE"), and so is a NUM without value."""
    assert refusal(sr_files["no-cl.dcm"]) == ("cervix_length", "no cervix length in no-cl.dcm")
    assert refusal(sr_files["cl-no-value.dcm"]) == (
        "cervix_length",
        "'Cervix Length' has no value (at OB-GYN Ultrasound Procedure Report > Pelvis and Uterus)",
    )


def test_cl_outside_pelvis_and_uterus_is_accepted_with_a_warning(
    sr_files: dict[str, Path],
) -> None:
    """A CL under Fetal Biometry is taken, with a warning naming where it was."""
    scan = mapped(sr_files["cl-outside.dcm"])
    assert scan.values["cl_mm"] == (29.0,)
    assert scan.warnings == [
        "cervix_length: found at OB-GYN Ultrasound Procedure Report > Fetal Biometry, "
        "not under Pelvis and Uterus"
    ]


def test_non_ob_and_basic_text_reports_are_refused(sr_files: dict[str, Path]) -> None:
    """A TID 1500 report and a Basic Text SR are refused with the reason."""
    assert refusal(sr_files["non-ob.dcm"]) == (
        "report",
        "(126000, DCM, 'Imaging Measurement Report') is not an OB-GYN ultrasound report",
    )
    field, message = refusal(sr_files["basic-text.dcm"])
    assert (field, message) == (
        "sop_class",
        "1.2.840.10008.5.1.4.1.1.88.11 is not an SR class that holds measurements",
    )


def test_truncated_file_is_refused_at_every_cut(sr_files: dict[str, Path], tmp_path: Path) -> None:
    """Cut anywhere (every 23rd byte), the file is refused as not readable whole."""
    assert refusal(sr_files["truncated.dcm"])[0] == "file"
    whole = sr_files["cl-mm.dcm"].read_bytes()
    cut = tmp_path / "cut.dcm"
    accepted = []
    for length in range(0, len(whole) - 1, 23):
        cut.write_bytes(whole[:length])
        try:
            mapped(cut)
        except SrError:
            continue
        accepted.append(length)
    assert accepted == []


def test_not_a_dicom_file(tmp_path: Path) -> None:
    """A text file is refused as not DICOM."""
    path = tmp_path / "notes.txt"
    path.write_text("not an SR\n")
    assert refusal(path) == ("file", "not a DICOM file")


def test_private_funnel_codes_map_through_the_table(sr_files: dict[str, Path]) -> None:
    """With the unit's table, the 99ACME codes fill funnel length and width (and funneling)."""
    plain = mapped(sr_files["cl-mm.dcm"])
    assert [n.concept.value for n in plain.unmapped] == ["11842-8", "FUNL-L", "FUNL-W"]
    assert "funneling" not in plain.values
    scan = mapped(sr_files["cl-mm.dcm"], codes=FUNNEL_CODES)
    assert scan.values["funnel_length_mm"] == 9.5
    assert scan.values["funnel_width_mm"] == 6.0
    assert scan.values["funneling"] is True
    assert [n.concept.value for n in scan.unmapped] == ["11842-8"]


def patient(**kw: object) -> Patient:
    return Patient.model_validate({"mrn": fx.PATIENT_ID, "edd": fx.EDD, "lmp": fx.LMP, **kw})


def test_edd_differing_from_the_stored_one_warns_and_notes(sr_files: dict[str, Path]) -> None:
    """The SR's EDD a week later: a warning naming both dates and a note; nothing else changes."""
    path = sr_files["edd-differs.dcm"]
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert scan.warnings == [
        "edd: the report's EDD 2027-03-21 differs from the stored EDD 2027-03-14 "
        "(the stored one is kept)"
    ]
    assert scan.notes == ["SR EDD 2027-03-21"]


def test_matching_edd_and_lmp_raise_nothing(sr_files: dict[str, Path]) -> None:
    """The usual report's EDD and LMP equal the stored ones: no warning, no note."""
    path = sr_files["cl-mm.dcm"]
    content = content_of(read_file(path))
    assert content.edds == [fx.EDD]
    assert content.lmps == [fx.LMP]
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert (scan.warnings, scan.notes) == ([], [])


def test_lmp_differing_warns(sr_files: dict[str, Path]) -> None:
    """A stored LMP a day off the SR's: warned, stored one kept."""
    path = sr_files["cl-mm.dcm"]
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(lmp=date(2026, 6, 8), edd=None), content, scan)
    assert any(w.startswith("lmp: the report's LMP 2026-06-07 differs") for w in scan.warnings)


def test_twins_for_a_singleton_patient_warn(sr_files: dict[str, Path]) -> None:
    """Two Fetus IDs against a singleton patient: a warning; none for a twin pregnancy."""
    path = sr_files["twins.dcm"]
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert scan.warnings == [
        "fetus: the report lists 2 fetuses (A, B) for a patient registered as a singleton"
    ]
    twins = scan_from(content, path.name, None, "AB", {})
    check_against(patient(fetuses=2), content, twins)
    assert twins.warnings == []


def test_us_pelvis_root_and_no_template_are_accepted(tmp_path: Path) -> None:
    """A root of (24869-0, LN) "US Pelvis" without TID 5000 identification is an OB-GYN SR."""
    report = fx.report(
        [fx.beam(), fx.pelvis(fx.cl("30.0"))],
        root=("24869-0", "LN", "US Pelvis"),
        template=None,
    )
    assert mapped(fx.one(tmp_path, report, "pelvis.dcm")).values["cl_mm"] == (30.0,)


def test_a_long_running_process_never_pauses_or_freezes_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After bulk.long_running (listen), collector_paused leaves the collector on, unfrozen."""
    import gc

    from cervix_watch import bulk

    monkeypatch.setitem(bulk._PROCESS, "long_running", False)  # noqa: SLF001 (a test of this project's own private helper)
    with bulk.collector_paused():
        assert not gc.isenabled()  # a command's bulk work pauses it
    gc.unfreeze()
    bulk.long_running()
    with bulk.collector_paused():
        assert gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


SAMSUNG_CL: fx.Triple = ("99005-07", "99SMS", "Cervix length")


def test_a_private_code_mapped_to_cl_is_the_cervix_length(tmp_path: Path) -> None:
    """A machine that sends its CL under a private code: mapped to "cl" ([sr.codes] or a
    scanner's codes) it is the measurement; unmapped, the report has no cervix length."""
    dataset = fx.ob_report(fx.num(SAMSUNG_CL, "2.61", "cm"), fx.num(SAMSUNG_CL, "2.505", "cm"))
    path = fx.one(tmp_path, dataset, "samsung.dcm")
    scan = mapped(path, codes={Code("99005-07", "99SMS", "Cervix length"): "cl"})
    assert scan.values["cl_mm"] == (25.1, 26.1)
    assert scan.unmapped == []
    assert refusal(path) == ("cervix_length", "no cervix length in samsung.dcm")


# interop.md v3: what real machines send.
NUMBER_OF_FETUSES = ("11878-6", "LN", "Number of Fetuses by US")
FINDINGS = ("121070", "DCM", "Findings")
FINDING_SITE = ("363698007", "SCT", "Finding Site")
CERVIX = ("71252005", "SCT", "Cervix uteri structure")
OVARY = ("15497006", "SCT", "Ovarian structure")


def findings(site: fx.Triple | None, *items: Dataset) -> Dataset:
    modifiers = [fx.code(FINDING_SITE, site)] if site is not None else []
    return fx.container(FINDINGS, [*modifiers, *items])


def test_no_cervix_length_is_said_before_no_route(tmp_path: Path) -> None:
    """A report with neither a CL nor a beam path says "no cervix length", not "--route"."""
    path = fx.one(tmp_path, fx.ob_report(fx.num(fx.UTERUS_LENGTH, "78"), route=None), "n.dcm")
    assert refusal(path) == ("cervix_length", "no cervix length in n.dcm")
    with_cl = fx.one(tmp_path, fx.ob_report(fx.cl("30.0"), route=None), "r.dcm")
    assert refusal(with_cl)[0] == "route"


@pytest.mark.parametrize(
    ("concept", "date_text", "warning"),
    [
        (fx.LMP_CODE, "", "lmp: the report's 'LMP' item is empty: ignored"),
        (
            fx.LMP_CODE,
            "20261345",
            "lmp: the report's 'LMP' item holds '20261345', not a date: ignored",
        ),
        (
            fx.EDD_CODE,
            "2027-03-14",
            "edd: the report's 'EDD' item holds '2027-03-14', not a date: ignored",
        ),
        (
            ("11781-2", "LN", "EDD from average ultrasound age"),
            "",
            "edd: the report's 'EDD from average ultrasound age' item is empty: ignored",
        ),
    ],
)
def test_an_unreadable_lmp_or_edd_is_ignored_with_a_warning(
    tmp_path: Path, concept: fx.Triple, date_text: str, warning: str
) -> None:
    """An LMP or EDD that cannot be read does not refuse the CL: a warning, nothing compared."""
    item = fx.date_item(concept, fx.EDD)
    item.Date = date_text
    report = fx.report([fx.beam(), fx.container(fx.SUMMARY, [item]), fx.pelvis(fx.cl("30.0"))])
    path = fx.one(tmp_path, report, "d.dcm")
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert scan.values["cl_mm"] == (30.0,)
    assert scan.warnings == [warning]
    assert (content.edds, content.edds_from_ultrasound, content.lmps) == ([], [], [])


def test_a_readable_date_beside_an_unreadable_one_is_still_compared(tmp_path: Path) -> None:
    """Only the unreadable item is passed over: a readable EDD a week off still warns."""
    empty = fx.date_item(fx.LMP_CODE, fx.LMP)
    empty.Date = ""
    late = fx.date_item(fx.EDD_CODE, date(2027, 3, 21))
    report = fx.report([fx.beam(), fx.container(fx.SUMMARY, [empty, late]), fx.pelvis(fx.cl("30"))])
    path = fx.one(tmp_path, report, "d.dcm")
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert [w.split(":")[0] for w in scan.warnings] == ["lmp", "edd"]


def us_edd_report(tmp_path: Path, days: int) -> SrContent:
    item = fx.date_item(("11781-2", "LN", "EDD from average ultrasound age"), fx.EDD)
    item.Date = (fx.EDD + timedelta(days=days)).strftime("%Y%m%d")
    report = fx.report([fx.beam(), fx.container(fx.SUMMARY, [item]), fx.pelvis(fx.cl("30.0"))])
    return content_of(read_file(fx.one(tmp_path, report, f"us{days}.dcm")))


@pytest.mark.parametrize(
    ("days", "warned"), [(-8, True), (-7, False), (0, False), (3, False), (7, False), (8, True)]
)
def test_an_edd_from_ultrasound_age_within_seven_days_gives_no_warning(
    tmp_path: Path, days: int, warned: bool
) -> None:
    """An EDD from average ultrasound age up to 7 days off the stored EDD is no difference;
    8 days off warns (and is noted); the report is never refused for it."""
    content = us_edd_report(tmp_path, days)
    scan = scan_from(content, "us.dcm", None, "AB", {})
    check_against(patient(), content, scan)
    assert bool(scan.warnings) is warned
    assert bool(scan.notes) is warned
    assert scan.values["cl_mm"] == (30.0,)


@pytest.mark.parametrize(("tolerance", "warned"), [(2, True), (3, False)])
def test_the_ultrasound_edd_tolerance_is_a_setting(
    tmp_path: Path, tolerance: int, warned: bool
) -> None:
    """3 days off warns under a 2-day tolerance, not under a 3-day one."""
    content = us_edd_report(tmp_path, 3)
    scan = scan_from(content, "us.dcm", None, "AB", {})
    check_against(patient(), content, scan, ultrasound_edd_tolerance_days=tolerance)
    assert bool(scan.warnings) is warned


def test_a_plain_edd_one_day_off_still_warns(tmp_path: Path) -> None:
    """The tolerance is for ultrasound-age EDDs only: a dating EDD a day off warns."""
    report = fx.report([fx.beam(), fx.summary(edd=date(2027, 3, 15)), fx.pelvis(fx.cl("30"))])
    path = fx.one(tmp_path, report, "e.dcm")
    content = content_of(read_file(path))
    scan = scan_from(content, path.name, None, "AB", {})
    check_against(patient(), content, scan)
    assert scan.notes == ["SR EDD 2027-03-15"]


def test_issuer_of_patient_id_is_never_read_as_the_patient(tmp_path: Path) -> None:
    """IssuerOfPatientID holding a stored MRN does not make it the report's patient."""
    report = fx.ob_report(fx.cl("30.0"), patient_id="SOMEONE ELSE")
    report.IssuerOfPatientID = fx.PATIENT_ID
    content = content_of(read_file(fx.one(tmp_path, report, "i.dcm")))
    assert content.patient_id == "SOMEONE ELSE"
    bare = fx.ob_report(fx.cl("30.0"), patient_id="")
    bare.IssuerOfPatientID = fx.PATIENT_ID
    with pytest.raises(SrError, match="the report has no PatientID"):
        content_of(read_file(fx.one(tmp_path, bare, "b.dcm")))


def test_number_of_fetuses_and_other_counts_are_not_unmapped_lengths(tmp_path: Path) -> None:
    """A Number of Fetuses NUM (and any NUM not in a length unit) under Pelvis and Uterus is
    not listed as unmapped; a private length is."""
    items = (
        fx.cl("30.0"),
        fx.num(NUMBER_OF_FETUSES, "1", "{fetuses}"),
        fx.num(("X-RATIO", "99ACME", "Some ratio"), "0.4", "{ratio}"),
        fx.num(fx.FUNNEL_LENGTH_PRIVATE, "9.5"),
    )
    scan = mapped(fx.one(tmp_path, fx.ob_report(*items), "f.dcm"))
    assert [n.concept.value for n in scan.unmapped] == ["FUNL-L"]
    assert scan.warnings == []


@pytest.mark.parametrize(
    ("where", "warning"),
    [
        ("findings-cervix", None),
        ("pelvis-uterus", None),
        ("findings-ovary", "Findings"),
        ("findings-no-site", "Findings"),
    ],
)
def test_cervix_length_under_cervix_findings_or_uterus_is_in_place(
    tmp_path: Path, where: str, warning: str | None
) -> None:
    """Under Findings with Finding Site cervix, or Pelvis and Uterus > Uterus: found, no
    warning. Findings of another site (or none): found with a warning naming the path."""
    uterus = ("35039007", "SCT", "Uterus")
    container = {
        "findings-cervix": findings(CERVIX, fx.cl("31.0")),
        "pelvis-uterus": fx.pelvis(fx.container(uterus, [fx.cl("31.0")])),
        "findings-ovary": findings(OVARY, fx.cl("31.0")),
        "findings-no-site": findings(None, fx.cl("31.0")),
    }[where]
    report = fx.report([fx.beam(), fx.summary(), container])
    path = fx.one(tmp_path, report, f"{where}.dcm")
    scan = mapped(path)
    assert scan.values["cl_mm"] == (31.0,)
    if warning is None:
        assert scan.warnings == []
    else:
        assert scan.warnings == [
            f"cervix_length: found at OB-GYN Ultrasound Procedure Report > {warning}, "
            "not under Pelvis and Uterus"
        ]
    assert content_of(read_file(path)).cervix_containers == (1 if warning is None else 0)


def test_funnel_codes_under_cervix_findings_are_mapped(tmp_path: Path) -> None:
    """The unit's funnel codes are read under cervix Findings as under Pelvis and Uterus."""
    container = findings(CERVIX, fx.cl("31.0"), fx.num(fx.FUNNEL_LENGTH_PRIVATE, "9.5"))
    report = fx.report([fx.beam(), container])
    scan = mapped(fx.one(tmp_path, report, "f.dcm"), codes=FUNNEL_CODES)
    assert scan.values["funnel_length_mm"] == 9.5
    assert scan.values["funneling"] is True


def without_charset(folder: Path, patient_id: str, charset: str) -> Path:
    """A report whose PatientID is encoded in `charset`, written with no (0008,0005)."""
    from pydicom.charset import convert_encodings

    encoded = patient_id.encode(convert_encodings(charset)[0])
    # pydicom writes text without a character set as Latin-1, one byte per character
    report = fx.ob_report(fx.cl("30.0"), patient_id=encoded.decode("latin-1"))
    return fx.one(folder, report, f"bare-{charset}.dcm")


def test_a_report_without_a_character_set_is_decoded_with_the_scanners() -> None:
    """No (0008,0005): Latin-1 (ISO_IR 100) by default, the scanner's `charset` when given;
    a report that names its own character set keeps it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = without_charset(Path(folder), "ИВАНОВА", "ISO_IR 144")
        assert content_of(read_file(path, "ISO_IR 144")).patient_id == "ИВАНОВА"
        assert content_of(read_file(path)).patient_id != "ИВАНОВА"
        latin = without_charset(Path(folder), "JÖRGENSDÓTTIR", "ISO_IR 100")
        assert content_of(read_file(latin)).patient_id == "JÖRGENSDÓTTIR"
        report = fx.ob_report(fx.cl("30.0"), patient_id="ИВАНОВА")
        report.SpecificCharacterSet = "ISO_IR 192"
        declared = fx.one(Path(folder), report, "utf8.dcm")
        assert content_of(read_file(declared, "ISO_IR 144")).patient_id == "ИВАНОВА"


SETTINGS_NOTE = "route tv from scanner settings US_ROOM1"


def test_a_given_route_stands_in_only_for_a_missing_beam_path(tmp_path: Path) -> None:
    """No beam path: the given route is used, the scan says so and notes where it came
    from. A beam path: it is the route, the given one unused and nothing noted."""
    bare = fx.one(tmp_path, fx.ob_report(*fx.THREE_MM, route=None), "no-beam.dcm")
    scan = scan_from(content_of(read_file(bare)), "no-beam.dcm", Route.TV, "AB", {}, SETTINGS_NOTE)
    assert scan.values["route"] is Route.TV
    assert scan.route_given
    assert SETTINGS_NOTE in scan.notes
    beamed = fx.one(tmp_path, fx.ob_report(*fx.THREE_MM), "tv-beam.dcm")
    scan = scan_from(
        content_of(read_file(beamed)), "tv-beam.dcm", Route.TV, "AB", {}, SETTINGS_NOTE
    )
    assert scan.values["route"] is Route.TV
    assert not scan.route_given
    assert SETTINGS_NOTE not in scan.notes


def test_a_given_route_that_contradicts_the_beam_path_refuses(tmp_path: Path) -> None:
    """A transabdominal beam path with a given tv: refused, as --route always was."""
    ta = fx.one(tmp_path, fx.ob_report(*fx.THREE_MM, route=fx.TRANSABDOMINAL), "ta.dcm")
    with pytest.raises(SrError, match="contradicts the report's beam path"):
        scan_from(content_of(read_file(ta)), "ta.dcm", Route.TV, "AB", {}, SETTINGS_NOTE)


@pytest.mark.parametrize(("uid", "accepted"), [("1.2.30", True), ("1.2.030", False)])
def test_the_report_uid_is_checked_as_a_scan_source_is(
    sr_files: dict[str, Path], uid: str, accepted: bool
) -> None:
    """A SOP Instance UID with a leading zero in a component (PS3.5 9.1) is refused here, as
    the scan model would refuse its source: one pattern, domain/uids.py."""
    path = sr_files["cl-mm.dcm"]
    content = dataclasses.replace(content_of(read_file(path)), sop_instance_uid=uid)
    if accepted:
        assert scan_from(content, path.name, None, "AB", {}).source == f"dicom-sr:{uid}"
    else:
        with pytest.raises(SrError, match="is not a valid DICOM UID"):
            scan_from(content, path.name, None, "AB", {})
