"""Reading and mapping OB-GYN SRs: each fixture variant gives the scan values interop.md states."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sr_fixtures as fx
from pydicom.sr.coding import Code

from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient
from cervix_watch.interop.dicom_sr import SrError, content_of, read_file
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
