"""The SR fixtures are real structured reports: DCMTK's dsrdump reads every one of them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sr_fixtures import variants
from tests.conftest import dcmtk_tool

NAMES = [v.name for v in variants()]


@pytest.fixture(scope="module")
def dsrdump() -> str:
    """The dsrdump executable, to check the SR fixtures with DCMTK."""
    return dcmtk_tool("dsrdump")


def dump(dsrdump: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dsrdump, "+Pc", "+Pt", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("name", [n for n in NAMES if n != "truncated.dcm"])
def test_dsrdump_reads_each_fixture_without_a_warning(
    dsrdump: str, sr_files: dict[str, Path], name: str
) -> None:
    """dsrdump parses the fixture, exits 0 and prints no warning or error."""
    result = dump(dsrdump, sr_files[name])
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    assert "SR Document" in result.stdout


def test_dsrdump_shows_the_cervix_length_under_pelvis_and_uterus(
    dsrdump: str, sr_files: dict[str, Path]
) -> None:
    """The mm fixture's tree, as DCMTK reads it, has TID 5000's root and the CL NUMs in place."""
    text = dump(dsrdump, sr_files["cl-mm.dcm"]).stdout
    assert '(125000,DCM,"OB-GYN Ultrasound Procedure Report")' in text
    assert "TID 5000 (DCMR)" in text
    assert '(125203,DCM,"Acquisition Protocol")=(54300008,SCT,"Transvaginal ultrasound")' in text
    pelvis = text.split('(125011,DCM,"Pelvis and Uterus")')[1]
    assert '<contains NUM:(11961-0,LN,"Cervix Length")="30.4" (mm,UCUM,"mm")>' in pelvis
    assert '(121401,DCM,"Derivation")=(373098007,SCT,"Mean")' in pelvis


def test_dsrdump_reads_the_legacy_code_and_the_non_ob_report(
    dsrdump: str, sr_files: dict[str, Path]
) -> None:
    """The legacy SRT Mean and the TID 1500 root are what their variants claim to be."""
    assert '=(R-00317,SRT,"Mean")' in dump(dsrdump, sr_files["legacy-mean.dcm"]).stdout
    non_ob = dump(dsrdump, sr_files["non-ob.dcm"]).stdout
    assert '(126000,DCM,"Imaging Measurement Report")' in non_ob
    assert "TID 1500 (DCMR)" in non_ob
    assert "Enhanced SR Document" in dump(dsrdump, sr_files["transabdominal.dcm"]).stdout


def test_dsrdump_refuses_the_truncated_fixture(dsrdump: str, sr_files: dict[str, Path]) -> None:
    """The truncated variant is damaged for DCMTK too, not only for our reader."""
    result = dump(dsrdump, sr_files["truncated.dcm"])
    assert result.returncode != 0
    assert "premature end of stream" in result.stderr


def test_fixtures_name_no_real_identity() -> None:
    """Every fixture carries the one fictional patient name and the made-up UID root."""
    from sr_fixtures import PATIENT_NAME, UID_ROOT

    for variant in variants():
        if variant.dataset is not None:
            assert str(variant.dataset.PatientName) == PATIENT_NAME
            assert variant.dataset.SOPInstanceUID.startswith(UID_ROOT)
