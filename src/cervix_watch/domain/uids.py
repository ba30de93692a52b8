"""DICOM UIDs and a scan's source, declared once for the models, the SR reader, FHIR and
de-identification.

DICOM PS3.5 9.1: a UID is numeric components separated by dots, none with a leading
zero unless it is "0" itself, at most 64 characters. A scan imported from a scanner's
report names it as its source: `dicom-sr:<SOP Instance UID>` (empty when typed).
"""

from __future__ import annotations

import re

SOURCE_PREFIX = "dicom-sr:"
MAX_UID = 64
_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")


def is_uid(text: str) -> bool:
    """A DICOM UID as PS3.5 9.1 allows it."""
    return len(text) <= MAX_UID and _UID.fullmatch(text) is not None


def source_of(uid: str) -> str:
    """The source of a scan read from the report `uid`."""
    return f"{SOURCE_PREFIX}{uid}"


def uid_of(source: str) -> str | None:
    """The SOP Instance UID a source names, None for anything else (a typed scan)."""
    uid = source.removeprefix(SOURCE_PREFIX)
    return uid if uid != source and is_uid(uid) else None
