"""Ignored reports: not OB-GYN, or OB-GYN with no place a cervix length could be."""

from __future__ import annotations

from pydicom.sr.coding import Code
from tests.interop.sr_fixtures import (
    FETAL_BIOMETRY,
    IMAGING_MEASUREMENT_REPORT,
    UTERUS_LENGTH,
    beam,
    cl,
    code,
    container,
    num,
    ob_report,
    report,
    summary,
)

from cervix_watch.interop.sr_triage import NO_CERVIX, NOT_OB_GYN, Ignored, ignored, unmapped_text

BPD = ("11820-8", "LN", "Biparietal Diameter")
PRIVATE_CL = ("99005-07", "99SMS", "Cervix")
FINDINGS = ("121070", "DCM", "Findings")
FINDING_SITE = ("363698007", "SCT", "Finding Site")
CERVIX = ("71252005", "SCT", "Cervix uteri structure")
CERVIX_SRT = ("T-83200", "SRT", "Cervix uteri")
NO_CODES: dict[Code, str] = {}


def biometry(*items: object) -> object:
    """An OB-GYN report of fetal biometry only: no cervix anywhere."""
    return report([beam(), summary(), container(FETAL_BIOMETRY, items)])  # type: ignore[arg-type]


def test_a_report_whose_root_is_not_ob_gyn_is_ignored() -> None:
    """Root not OB-GYN: ignored, "not an OB-GYN report"."""
    found = ignored(report([cl("30")], root=IMAGING_MEASUREMENT_REPORT), NO_CODES)
    assert found == Ignored(NOT_OB_GYN)


def test_routine_biometry_is_ignored_and_lists_its_unmapped_length_codes() -> None:
    """OB-GYN without a cervix: ignored; the receipt lists length NUMs no table maps."""
    found = ignored(biometry(num(BPD, "45.1"), num(PRIVATE_CL, "3.1", "cm")), NO_CODES)
    assert found is not None
    assert found.reason == NO_CERVIX
    assert unmapped_text(found.unmapped) == "99SMS:99005-07 (cm), LN:11820-8 (mm)"


def test_a_count_is_not_a_length() -> None:
    """A NUM in another unit (a count of fetuses) is not listed as an unmapped length."""
    found = ignored(biometry(num(("11878-6", "LN", "Number of Fetuses"), "1", "{fetuses}")), {})
    assert found == Ignored(NO_CERVIX)


def test_a_code_mapped_to_cl_is_a_cervix_length() -> None:
    """The same private code mapped to "cl" by a table: not ignored."""
    codes = {Code("99005-07", "99SMS", "x"): "cl"}
    assert ignored(biometry(num(PRIVATE_CL, "3.1", "cm")), codes) is None


def test_a_code_mapped_to_a_finding_is_not_listed() -> None:
    """A code mapped to a funnel finding is not "unmapped"."""
    codes = {Code("99005-07", "99SMS", "x"): "funnel_length_mm"}
    found = ignored(biometry(num(PRIVATE_CL, "3.1", "cm")), codes)
    assert found == Ignored(NO_CERVIX)


def test_a_cervix_length_anywhere_is_not_ignored() -> None:
    """A Cervix Length item, even outside Pelvis and Uterus: for filing, not ignored."""
    assert ignored(biometry(cl("31.0")), NO_CODES) is None
    assert ignored(ob_report(cl("31.0")), NO_CODES) is None


def test_a_pelvis_and_uterus_container_without_cl_is_not_ignored() -> None:
    """Pelvis and Uterus without a CL: held later ("no recognised cervix length")."""
    assert ignored(ob_report(num(UTERUS_LENGTH, "70")), NO_CODES) is None


def test_findings_with_finding_site_cervix_are_not_ignored() -> None:
    """A Findings container whose Finding Site is the cervix (SCT or legacy SRT code)."""
    for site in (CERVIX, CERVIX_SRT):
        findings = container(FINDINGS, [code(FINDING_SITE, site), num(PRIVATE_CL, "3.1", "cm")])
        assert ignored(report([beam(), findings]), NO_CODES) is None
    other = container(FINDINGS, [code(FINDING_SITE, ("64033007", "SCT", "Kidney"))])
    assert ignored(report([beam(), other]), NO_CODES) == Ignored(NO_CERVIX)


def test_a_dataset_that_is_not_an_sr_class_is_left_to_the_reader() -> None:
    """Not an SR class, or a root that is not a container: None (refused elsewhere)."""
    assert ignored(report([cl("30")], sop_class="1.2.840.10008.5.1.4.1.1.88.11"), {}) is None
    dataset = ob_report(cl("30"))
    dataset.ValueType = "TEXT"
    assert ignored(dataset, NO_CODES) is None
