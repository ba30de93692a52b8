"""Which received reports are not the inbox's business (interop.md v3, "Ignored").

A scanner sends every report of an examination, most of them routine biometry. A
well-formed SR whose root is not OB-GYN, or an OB-GYN report with no Cervix Length item,
no Pelvis and Uterus container and no Findings container with Finding Site cervix (after
the unit's and the machine's code tables), is *ignored*: answered 0x0000, it leaves a
receipt only, listing the codes of its NUMs in a length unit that no table maps, so a
unit that sees one code in every report can map it. Pure: no store, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.sr.coding import Code

from cervix_watch.interop.dicom_sr import (
    MM_PER_UNIT,
    OB_GYN_REPORT,
    SR_CLASSES,
    US_PELVIS,
    SrContent,
    content_of,
    in_cervix_container,
)
from cervix_watch.interop.sr_scan import is_cervix_length

NOT_OB_GYN = "not an OB-GYN report"
NO_CERVIX = "no cervix length item or cervix container (routine biometry)"

# (scheme, value, unit) of a NUM in a length unit that no code table maps
UnmappedCode = tuple[str, str, str]


@dataclass(frozen=True)
class Ignored:
    """Why a report is ignored, and the unmapped length codes its receipt lists."""

    reason: str
    unmapped: tuple[UnmappedCode, ...] = ()


def ignored(dataset: Dataset, codes: Mapping[Code, str]) -> Ignored | None:
    """The receipt's reason when the report is ignored; None when it is for filing or
    holding, or when it is not a well-formed SR at all (`content_of` then says why)."""
    if str(dataset.get("SOPClassUID", "")) not in SR_CLASSES:
        return None
    if dataset.get("ValueType") != "CONTAINER":
        return None
    if _root(dataset) not in (OB_GYN_REPORT, US_PELVIS):
        return Ignored(NOT_OB_GYN)
    content = content_of(dataset)
    if has_cervix_place(content, codes):
        return None
    return Ignored(NO_CERVIX, unmapped_lengths(content, codes))


def has_cervix_place(content: SrContent, codes: Mapping[Code, str]) -> bool:
    """A Cervix Length item (or a code mapped to `cl`), a Pelvis and Uterus container, or a
    Findings container whose Finding Site is the cervix."""
    if any(is_cervix_length(n.concept, codes) for n in content.numerics):
        return True
    paths = [n.path for n in content.numerics] + [path for _, _, path in content.codes]
    return any(in_cervix_container(path) for path in paths)


def unmapped_lengths(content: SrContent, codes: Mapping[Code, str]) -> tuple[UnmappedCode, ...]:
    """The codes of the NUMs in a length unit (cm, mm, m) that no table maps, once each."""
    found: set[UnmappedCode] = set()
    for numeric in content.numerics:
        if numeric.unit not in MM_PER_UNIT or is_cervix_length(numeric.concept, codes):
            continue
        if any(code == numeric.concept for code in codes):
            continue
        concept = numeric.concept
        found.add((concept.scheme_designator, concept.value, str(numeric.unit)))
    return tuple(sorted(found))


def unmapped_text(unmapped: tuple[UnmappedCode, ...]) -> str:
    """`99SMS:99005-07 (mm), LN:11820-8 (mm)`: codes only, as a receipt or a reason lists them."""
    return ", ".join(f"{scheme}:{value} ({unit})" for scheme, value, unit in unmapped)


def _root(dataset: Dataset) -> Code | None:
    names = dataset.get("ConceptNameCodeSequence") or []
    if not names:
        return None
    entry = names[0]
    value, scheme = entry.get("CodeValue"), entry.get("CodingSchemeDesignator")
    if not value or not scheme:
        return None
    return Code(str(value), str(scheme), str(entry.get("CodeMeaning", "")))


__all__ = [
    "NOT_OB_GYN",
    "NO_CERVIX",
    "Ignored",
    "UnmappedCode",
    "has_cervix_place",
    "ignored",
    "unmapped_lengths",
    "unmapped_text",
]
