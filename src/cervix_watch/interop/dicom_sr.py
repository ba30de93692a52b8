"""Reading an OB-GYN ultrasound structured report (DICOM SR, PS3.16 TID 5000).

What the machine measured is pulled out of the SR's content tree here, with
where each item sat (its path of containers); `interop.sr_scan` then decides
which values make the scan. Codes compare with pydicom's `Code` equality,
which treats the legacy SRT codes as their SNOMED CT equivalents
(interop.md). Nothing here prints or keeps the patient's name.

A file that cannot be read whole is refused: pydicom reads some truncated
files without an error and fails only when a deeper item is touched, so every
element is converted (and every length checked) before anything is used.
"""

from __future__ import annotations

import logging
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydicom import config, dcmread
from pydicom.charset import convert_encodings
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sr.coding import Code
from pydicom.uid import DeflatedExplicitVRLittleEndian

from cervix_watch.domain.enums import Route
from cervix_watch.domain.errors import Problem

# interop.md: the SR classes that can hold measurements (Basic Text SR cannot).
SR_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
    "1.2.840.10008.5.1.4.1.1.88.35": "Extensible SR",
}
OB_GYN_REPORT = Code("125000", "DCM", "OB-GYN Ultrasound Procedure Report")
US_PELVIS = Code("24869-0", "LN", "US Pelvis")
PELVIS_AND_UTERUS = Code("125011", "DCM", "Pelvis and Uterus")
SUMMARY = Code("121111", "DCM", "Summary")
FETUS_SUMMARY = Code("125008", "DCM", "Fetus Summary")
CERVIX_LENGTH = Code("11961-0", "LN", "Cervix Length")
DERIVATION = Code("121401", "DCM", "Derivation")
SELECTION_STATUS = Code("121404", "DCM", "Selection Status")
ACQUISITION_PROTOCOL = Code("125203", "DCM", "Acquisition Protocol")
FETUS_ID = Code("11951-1", "LN", "Fetus ID")
EDD_FROM_ULTRASOUND = Code("11781-2", "LN", "EDD from average ultrasound age")
EDD_CODES = (Code("11778-8", "LN", "EDD"), Code("11779-6", "LN", "EDD from LMP"))
LMP_CODES = (Code("8665-2", "LN", "LMP"), Code("11955-2", "LN", "LMP"))
BEAM_PATHS = {
    Route.TV: Code("54300008", "SCT", "Transvaginal ultrasound"),
    Route.TA: Code("66739002", "SCT", "Transabdominal ultrasound"),
}
# Other vendors put the CL under Findings with a Finding Site of the cervix (interop.md
# v3): such a container is a place of the CL as Pelvis and Uterus is, named in the path by
# this code of ours (a Findings container elsewhere keeps its own code).
FINDINGS = Code("121070", "DCM", "Findings")
FINDING_SITE = Code("363698007", "SCT", "Finding Site")
CERVIX = Code("71252005", "SCT", "Cervix uteri structure")
CERVIX_FINDINGS = Code("cervix-findings", "99CW", "Findings (Finding Site: cervix)")
CERVIX_CONTAINERS = (PELVIS_AND_UTERUS, CERVIX_FINDINGS)
# A count in every section of some machines' reports, never a length of the cervix.
NUMBER_OF_FETUSES = Code("11878-6", "LN", "Number of Fetuses by US")
_UNNAMED = Code("unnamed", "99CW", "(unnamed container)")
# UCUM length units a machine uses for a CL, as a factor to millimetres.
MM_PER_UNIT = {"mm": Decimal(1), "cm": Decimal(10), "m": Decimal(1000)}
# No length measured by ultrasound comes near this; beyond it a value would overflow the
# arithmetic (1e308 cannot be rounded to 0.1 mm), so it is refused as out of range.
MAX_LENGTH_VALUE = Decimal(1_000_000)
# interop.md "Limits of the receiver": content trees are walked to this depth (containers
# below the root) and this many items at most. A tree nested thousands deep would exhaust
# Python's recursion (issue 24).
MAX_CONTENT_DEPTH = 32
MAX_CONTENT_ITEMS = 20_000
# The largest report read (interop.md "Limits of the receiver": 8 MiB; `listen` can set
# its own): a file, or the dataset a deflated file inflates to. pydicom inflates a
# deflated dataset whole, with no bound, so a few KiB could become gigabytes (issue 24).
MAX_DATASET_BYTES = 8 * 1024 * 1024
# Sequences inside sequences: a content level nests two or three (content, concept name,
# measured value, units), so this bounds the whole file's nesting well above any report.
MAX_SEQUENCE_DEPTH = 2 * MAX_CONTENT_DEPTH + 8


def quiet_libraries() -> None:
    """Keep pydicom's and pynetdicom's own warnings off stderr.

    Their messages can quote element values (a malformed PatientName among them),
    and with no logging set up Python prints warnings to stderr; cervix-watch prints
    its own one-line messages instead. Value checks on reading are left to ours.
    """
    config.settings.reading_validation_mode = config.IGNORE
    for name in ("pydicom", "pynetdicom"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


@contextmanager
def captured_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Collect the library warnings raised inside, instead of printing them.

    pydicom warns (to stderr, with element values and file names in its words) about a
    report that is not quite valid DICOM; the caller turns the count into its own line
    (`warning_line`). Not thread-safe (Python's warning filters are global): the receiver
    calls it under its lock.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def warning_line(caught: list[warnings.WarningMessage]) -> str:
    """Our one line for the reader's warnings (their own text can quote patient data): how
    many different things it passed over (it repeats one for each value it decodes)."""
    count = len({(w.category, str(w.message)) for w in caught})
    places = "1 place" if count == 1 else f"{count} places"
    return f"file: not valid DICOM in {places} (read as far as possible; details not shown)"


class SrError(Exception):
    """The report cannot be used: one Problem naming the field and why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.problem = Problem(field_name, message)


@dataclass(frozen=True)
class Numeric:
    """A NUM content item: its concept, value in its units, modifiers, and where it sat."""

    concept: Code
    value: Decimal | None
    unit: str | None
    path: tuple[Code, ...]
    derivation: Code | None = None
    selection: Code | None = None

    def where(self) -> str:
        return where(self.path)

    def mm(self) -> Decimal:
        """The value in millimetres (unrounded); SrError for a missing value or a foreign unit."""
        meaning = self.concept.meaning
        if self.value is None:
            raise SrError(_field(meaning), f"'{meaning}' has no value (at {self.where()})")
        if self.unit not in MM_PER_UNIT:
            raise SrError(
                _field(meaning), f"unit {self.unit!r} is not cm, mm or m (UCUM) at {self.where()}"
            )
        if abs(self.value) > MAX_LENGTH_VALUE:
            raise SrError(
                _field(meaning),
                f"{self.value} {self.unit} is out of range for a length (at {self.where()})",
            )
        return self.value * MM_PER_UNIT[self.unit]


def where(path: tuple[Code, ...]) -> str:
    """A path of containers as a person reads it: "OB-GYN Ultrasound Procedure Report > ..."."""
    return " > ".join(code.meaning or code.value for code in path)


def _field(meaning: str) -> str:
    return meaning.strip().lower().replace(" ", "_") or "measurement"


@dataclass
class SrContent:
    """What the report holds that the scan record can use, before any choice is made."""

    sop_instance_uid: str
    patient_id: str
    exam_date: date
    beam_path: Code | None
    numerics: list[Numeric] = field(default_factory=list)
    codes: list[tuple[Code, Code, tuple[Code, ...]]] = field(default_factory=list)
    edds: list[date] = field(default_factory=list)
    edds_from_ultrasound: list[date] = field(default_factory=list)
    lmps: list[date] = field(default_factory=list)
    fetus_ids: list[str] = field(default_factory=list)
    cervix_containers: int = 0  # Pelvis and Uterus, or Findings with Finding Site cervix
    # Items passed over with a warning (an LMP or EDD that cannot be read: they are only
    # compared with the record, so they never refuse the measurement).
    warnings: list[str] = field(default_factory=list)

    def under_pelvis(self) -> list[Numeric]:
        return [n for n in self.numerics if PELVIS_AND_UTERUS in n.path[1:]]

    def in_cervix_containers(self) -> list[Numeric]:
        """The NUMs in a Pelvis and Uterus container or a cervix Findings container."""
        return [n for n in self.numerics if in_cervix_container(n.path)]


def in_cervix_container(path: tuple[Code, ...]) -> bool:
    """Whether a path (root first) runs through Pelvis and Uterus or cervix Findings."""
    return any(code in CERVIX_CONTAINERS for code in path[1:])


def apply_charset(dataset: Dataset, charset: str | None) -> Dataset:
    """Decode a report that has no Specific Character Set (0008,0005) with `charset` (a
    scanner's setting, interop.md v3); a report that declares one keeps its own.

    Call it before anything reads the dataset: a sequence's items take their character
    set from the dataset when the sequence is first read.
    """
    if charset and not dataset.get("SpecificCharacterSet"):
        dataset.SpecificCharacterSet = charset
        # pydicom decodes what it read with the character set it read, ahead of the
        # element: both must name the scanner's.
        implicit_vr, little_endian = dataset.original_encoding
        dataset.set_original_encoding(implicit_vr, little_endian, convert_encodings(charset))
    return dataset


def read_file(path: Path, charset: str | None = None) -> Dataset:
    """The whole dataset of an SR file, or SrError (not DICOM, unreadable, truncated);
    `charset` decodes it when it names none (`apply_charset`)."""
    quiet_libraries()
    try:
        check_size(path)
        dataset = apply_charset(dcmread(path), charset)
        check_whole(dataset)
    except InvalidDicomError:
        raise SrError("file", "not a DICOM file") from None
    except SrError:
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        struct.error,
    ) as error:
        if isinstance(error, OSError) and error.filename is not None:
            raise SrError("file", f"cannot be read ({error.strerror})") from None
        raise SrError("file", "cannot be read whole (truncated or damaged)") from None
    return dataset


def check_size(path: Path, limit: int = MAX_DATASET_BYTES) -> None:
    """SrError for a file larger than `limit`, or a deflated one whose dataset inflates past
    it (inflated here at most `limit` + 1 bytes, before pydicom would inflate it whole)."""
    if path.stat().st_size > limit:
        raise SrError("file", f"larger than {limit:,} bytes: refused")
    data = path.read_bytes()
    start, syntax = _file_meta(data)
    if syntax != DeflatedExplicitVRLittleEndian:
        return
    try:
        inflated = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[start:], limit + 1)
    except zlib.error:
        raise SrError("file", "cannot be read whole (truncated or damaged)") from None
    if len(inflated) > limit:
        raise SrError("file", f"inflates to more than {limit:,} bytes: refused")


# Explicit VR elements whose length takes 4 bytes after 2 reserved ones (PS3.5 7.1.2).
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT"}


def _file_meta(data: bytes) -> tuple[int, str | None]:
    """Where the file meta group (explicit VR little endian, after the preamble and DICM)
    ends, and its transfer syntax; (0, None) for a file without one (dcmread decides)."""
    if data[128:132] != b"DICM":
        return 0, None
    offset, syntax = 132, None
    while offset + 8 <= len(data):
        group, element = struct.unpack_from("<HH", data, offset)
        if group != 0x0002:
            break
        vr = data[offset + 4 : offset + 6]
        if vr in _LONG_VRS:
            (length,) = struct.unpack_from("<I", data, offset + 8)
            value_at = offset + 12
        else:
            (length,) = struct.unpack_from("<H", data, offset + 6)
            value_at = offset + 8
        if element == 0x0010:
            syntax = data[value_at : value_at + length].rstrip(b"\0 ").decode("ascii", "replace")
        offset = value_at + length
    return offset, syntax


def check_whole(dataset: Dataset, depth: int = 0) -> None:
    """Check every element's length and parse every sequence (SrError where a value is
    shorter than its length says, or sequences nest too deep); other values are converted
    only when used."""
    if depth > MAX_SEQUENCE_DEPTH:
        raise SrError("file", f"sequences nested more than {MAX_SEQUENCE_DEPTH} deep: refused")
    for tag in list(dataset.keys()):
        raw = dataset.get_item(tag)
        if isinstance(raw, RawDataElement):
            if raw.value is not None and raw.length != 0xFFFFFFFF and len(raw.value) != raw.length:
                raise SrError("file", "cannot be read whole (truncated or damaged)")
            if raw.VR is not None and raw.VR not in ("SQ", "UN"):
                continue  # a plain value: its length is all a cut can spoil
        element = dataset[tag]
        if element.VR == "SQ":
            for item in element.value:
                check_whole(item, depth + 1)


def content_of(dataset: Dataset) -> SrContent:
    """The usable content of an accepted OB-GYN SR; SrError for anything else."""
    sop_class = str(dataset.get("SOPClassUID", ""))
    if sop_class not in SR_CLASSES:
        raise SrError(
            "sop_class", f"{sop_class or 'none'} is not an SR class that holds measurements"
        )
    if dataset.get("ValueType") != "CONTAINER":
        raise SrError("report", "the root content item is not a container")
    root = _concept(dataset)
    if root is None or root not in (OB_GYN_REPORT, US_PELVIS):
        shown = f"({root.value}, {root.scheme_designator}, {root.meaning!r})" if root else "none"
        raise SrError("report", f"{shown} is not an OB-GYN ultrasound report")
    uid = str(dataset.get("SOPInstanceUID", "")).strip()
    if not uid:
        raise SrError("sop_instance_uid", "is missing")
    patient_id = str(dataset.get("PatientID", ""))
    if not patient_id.strip():
        raise SrError("patient", "the report has no PatientID")
    content = SrContent(uid, patient_id, _exam_date(dataset), _beam_path(dataset))
    if "ContentSequence" not in dataset:
        raise SrError("report", "has no content")
    for count, (item, path) in enumerate(_walk(dataset, (root,)), start=1):
        if count > MAX_CONTENT_ITEMS:
            raise SrError("file", f"more than {MAX_CONTENT_ITEMS:,} content items: refused")
        if item.get("ValueType") == "CONTAINER" and _container_code(item) in CERVIX_CONTAINERS:
            content.cervix_containers += 1
        _collect(content, item, path)
    return content


def _exam_date(dataset: Dataset) -> date:
    """StudyDate (the day of the examination), else ContentDate."""
    for keyword in ("StudyDate", "ContentDate"):
        text = str(dataset.get(keyword, "") or "").strip()
        if text:
            return _date(text, keyword)
    raise SrError("date", "the report has neither StudyDate nor ContentDate")


def _date(text: str, what: str) -> date:
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise SrError("date", f"{what} {text!r} is not a date") from None


def _beam_path(dataset: Dataset) -> Code | None:
    """The root's HAS ACQ CONTEXT Acquisition Protocol, when the machine recorded one."""
    for item in dataset.get("ContentSequence", []):
        if (
            item.get("RelationshipType") == "HAS ACQ CONTEXT"
            and _concept(item) == ACQUISITION_PROTOCOL
        ):
            value = _code_value(item)
            if value is None:
                raise SrError("route", "the Acquisition Protocol item has no code")
            return value
    return None


def _walk(dataset: Dataset, path: tuple[Code, ...]) -> Iterator[tuple[Dataset, tuple[Code, ...]]]:
    """Every content item below `dataset` with its path of containers (root first)."""
    if len(path) > MAX_CONTENT_DEPTH + 1:  # the path starts with the root
        raise SrError("file", f"content nested more than {MAX_CONTENT_DEPTH} deep: refused")
    for item in dataset.get("ContentSequence", []):
        yield item, path
        if item.get("ValueType") == "CONTAINER":
            yield from _walk(item, (*path, _container_code(item)))


def _container_code(item: Dataset) -> Code:
    """A container's concept in a path: cervix Findings marked as such, unnamed ones too."""
    concept = _concept(item)
    if concept is None:
        return _UNNAMED
    if concept == FINDINGS and any(
        m.get("RelationshipType") == "HAS CONCEPT MOD"
        and _concept(m) == FINDING_SITE
        and _code_value(m) == CERVIX
        for m in item.get("ContentSequence", [])
    ):
        return CERVIX_FINDINGS
    return concept


def _collect(content: SrContent, item: Dataset, path: tuple[Code, ...]) -> None:
    value_type = item.get("ValueType")
    concept = _concept(item)
    if concept is None or value_type == "CONTAINER":
        return
    if value_type == "NUM":
        content.numerics.append(_numeric(item, concept, path))
    elif value_type == "CODE":
        value = _code_value(item)
        if value is not None:
            content.codes.append((concept, value, path))
    elif value_type == "DATE" and SUMMARY in path:
        _collect_date(content, item, concept)
    elif value_type == "TEXT" and concept == FETUS_ID and FETUS_SUMMARY in path:
        content.fetus_ids.append(str(item.get("TextValue", "")).strip())


def _collect_date(content: SrContent, item: Dataset, concept: Code) -> None:
    """An EDD or LMP of the Summary; one that cannot be read is passed over with a warning
    (interop.md v3: they are only compared with the record)."""
    if concept == EDD_FROM_ULTRASOUND:
        found, field_name = content.edds_from_ultrasound, "edd"
    elif concept in EDD_CODES:
        found, field_name = content.edds, "edd"
    elif concept in LMP_CODES:
        found, field_name = content.lmps, "lmp"
    else:
        return
    text = str(item.get("Date", "") or "").strip()
    try:
        found.append(_date(text, concept.meaning))
    except SrError:
        problem = "is empty" if not text else f"holds {text!r}, not a date"
        content.warnings.append(
            f"{field_name}: the report's {concept.meaning!r} item {problem}: ignored"
        )


def _numeric(item: Dataset, concept: Code, path: tuple[Code, ...]) -> Numeric:
    value: Decimal | None = None
    unit: str | None = None
    measured = item.get("MeasuredValueSequence") or []
    if measured:
        text = str(measured[0].get("NumericValue", "")).strip()
        try:
            value = Decimal(text) if text else None
        except InvalidOperation:
            raise SrError(_field(concept.meaning), f"{text!r} is not a number") from None
        if value is not None and not value.is_finite():
            raise SrError(_field(concept.meaning), f"{text!r} is not a finite number")
        units = measured[0].get("MeasurementUnitsCodeSequence") or []
        if units and units[0].get("CodingSchemeDesignator") == "UCUM":
            unit = str(units[0].get("CodeValue", ""))
        elif units:
            unit = f"{units[0].get('CodeValue', '')} ({units[0].get('CodingSchemeDesignator')})"
    modifiers = [
        (_concept(m), _code_value(m))
        for m in item.get("ContentSequence", [])
        if m.get("RelationshipType") == "HAS CONCEPT MOD" and m.get("ValueType") == "CODE"
    ]
    derivation = next((v for k, v in modifiers if k == DERIVATION), None)
    selection = next((v for k, v in modifiers if k == SELECTION_STATUS), None)
    return Numeric(concept, value, unit, path, derivation, selection)


def _code(entry: Any) -> Code | None:
    value = entry.get("CodeValue") or entry.get("LongCodeValue") or entry.get("URNCodeValue")
    scheme = entry.get("CodingSchemeDesignator") or ("URN" if "URNCodeValue" in entry else None)
    if not value or not scheme:
        return None
    return Code(str(value), str(scheme), str(entry.get("CodeMeaning", "")))


def _concept(item: Dataset) -> Code | None:
    names = item.get("ConceptNameCodeSequence") or []
    return _code(names[0]) if names else None


def _code_value(item: Dataset) -> Code | None:
    values = item.get("ConceptCodeSequence") or []
    return _code(values[0]) if values else None


__all__ = [
    "CERVIX_CONTAINERS",
    "SR_CLASSES",
    "Numeric",
    "SrContent",
    "SrError",
    "apply_charset",
    "captured_warnings",
    "check_size",
    "check_whole",
    "content_of",
    "in_cervix_container",
    "quiet_libraries",
    "read_file",
    "warning_line",
    "where",
]
