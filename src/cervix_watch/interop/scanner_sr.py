"""A report read with its machine's settings (interop.md v3, "Scanner settings").

The settings say where the machine puts the MRN (`mrn_from`), what an MRN looks like
(`mrn_pattern`) and which machine it is (`serial`). A report that does not fit them is
refused here with one line (the inbox, where there is one, holds it instead); a
PatientID that cannot be an MRN is shown masked, never whole.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from cervix_watch.interop.dicom_sr import SrContent, SrError
from cervix_watch.interop.identity import masked_patient_id

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from cervix_watch.scanners import Scanner


# The MRN is not where the machine's settings say it is: a person names the patient.
NO_MRN_ON_REPORT = "the report carries no MRN"


def with_scanner(
    content: SrContent,
    dataset: Dataset,
    scanner: Scanner,
    mrn_chosen: bool = False,
    serial_checked: bool = False,
) -> SrContent:
    """`content` with its MRN taken where the machine puts it; SrError when the report
    comes from another serial, or its MRN is missing or not of the machine's pattern.
    `mrn_chosen`: a person named the patient (`inbox file --mrn`): the MRN is theirs.
    `serial_checked`: a person checked that a report from another serial is this
    machine's (`inbox file --serial-differs-ok`)."""
    where = f"scanner settings {scanner.ae_title}"
    other_serial = serial_differs(dataset, scanner)
    if other_serial is not None and not serial_checked:
        raise SrError("serial", other_serial)
    if mrn_chosen:
        return content
    patient_id = content.patient_id
    if scanner.mrn_issuer is not None:
        patient_id = _other_id(dataset, scanner.mrn_issuer, where)
    if not scanner.mrn_allowed(patient_id.strip()):
        raise SrError(
            "patient",
            f"{masked_patient_id(patient_id)} is not an MRN (mrn_pattern of {where})",
        )
    return dataclasses.replace(content, patient_id=patient_id)


def serial_differs(dataset: Dataset, scanner: Scanner) -> str | None:
    """How the report's DeviceSerialNumber differs from the machine's `serial`, or None."""
    serial = str(dataset.get("DeviceSerialNumber", "") or "").strip()
    if scanner.serial is None or serial == scanner.serial:
        return None
    sent = f"serial {serial}" if serial else "no DeviceSerialNumber"
    return f"the report has {sent}, not {scanner.serial} (scanner settings {scanner.ae_title})"


def _other_id(dataset: Dataset, issuer: str, where: str) -> str:
    """The PatientID of the OtherPatientIDsSequence item of `issuer`."""
    for item in dataset.get("OtherPatientIDsSequence", None) or []:
        if str(item.get("IssuerOfPatientID", "") or "").strip() == issuer:
            found = str(item.get("PatientID", "") or "")
            if found.strip():
                return found
    raise SrError(
        "patient",
        f"{NO_MRN_ON_REPORT}: no Other Patient ID of issuer {issuer}, where {where} "
        "read it (mrn_from)",
    )


__all__ = ["NO_MRN_ON_REPORT", "serial_differs", "with_scanner"]
