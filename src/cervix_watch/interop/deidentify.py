"""De-identified export: records a researcher or auditor can have without identities.

- MRN and name become a stable pseudonym, HMAC-SHA256 of the MRN under a
  secret key kept in the database (the same patient gets the same pseudonym in
  every export from that database; without the key nobody can go back).
- Free-text notes are dropped (they often carry names and dates); the
  sonographer's operator code is staff, not patient, data and is kept.
- Every date of a patient (EDD, LMP, scans, exams, treatments, discussions)
  moves by one per-patient offset derived from the same key, 30 to 395 days
  into the past, so gestational ages and intervals stay exact and no shifted
  date lands in the future (the export re-imports cleanly).
- Scan and exam ids are left empty: they are database keys that could link back.
- Rows come in pseudonym order (then date), never in MRN or id order: a list of the
  clinic's MRNs in order must not zip back onto them.
- No two rows come out identical when the records were not (two scans differing only in
  their notes): the second gets the note "[note removed 2]", so an import of the export
  (which counts an identical row as already present) gives back every record.
- A scan's source `dicom-sr:<SOP Instance UID>` names the study object in the
  hospital's archive, so the UID is replaced by a pseudonymous one under the same
  key (`dicom-sr:2.25.<number>`, the UUID-derived UID form of DICOM PS3.5 B.2):
  that a scan came from the ultrasound machine is kept, the link back is not.
- Symptoms, dating and the risk factors are clinical data and are kept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, TypeVar

from cervix_watch.domain.models import Record
from cervix_watch.domain.uids import SOURCE_PREFIX

MIN_SHIFT_DAYS = 30
SHIFT_SPAN_DAYS = 366
_DATE_FIELDS = ("edd", "lmp", "date", "start", "end")
R = TypeVar("R", bound=Record)


class Deidentifier:
    """Applies one database's pseudonyms and date shifts to records of any kind."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _digest(self, purpose: str, mrn: str) -> bytes:
        return hmac.new(self._key, f"{purpose}:{mrn}".encode(), hashlib.sha256).digest()

    def pseudonym(self, mrn: str) -> str:
        return "X" + self._digest("mrn", mrn).hex()[:12].upper()

    def shift(self, mrn: str) -> timedelta:
        offset = int.from_bytes(self._digest("shift", mrn)[:4], "big") % SHIFT_SPAN_DAYS
        return timedelta(days=-(MIN_SHIFT_DAYS + offset))

    def source(self, source: str) -> str:
        """An SR source with its UID replaced by a pseudonymous `2.25.` UID; empty stays empty."""
        if not source:
            return source
        number = int.from_bytes(self._digest("uid", source)[:16], "big")
        return f"{SOURCE_PREFIX}2.25.{number}"

    def apply(self, record: R) -> R:
        """The record with pseudonym, shifted dates, no notes and no scan or exam id."""
        mrn: str = record.mrn  # type: ignore[attr-defined]
        shift = self.shift(mrn)
        update: dict[str, Any] = {"mrn": self.pseudonym(mrn)}
        fields = type(record).model_fields
        if "name" in fields:
            update["name"] = f"Patient {update['mrn']}"
        if "notes" in fields:
            update["notes"] = ""
        for id_name in ("scan_id", "exam_id"):  # the ids a CSV carries
            if id_name in fields:
                update[id_name] = None
        if "source" in fields:
            update["source"] = self.source(record.source)  # type: ignore[attr-defined]
        for name in _DATE_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, date):
                update[name] = value + shift
        return record.model_copy(update=update)

    def apply_all(self, records: Iterable[R]) -> list[R]:
        """Every record de-identified, in pseudonym order, none identical to another."""
        done = sorted((self.apply(record) for record in records), key=_pseudonym_order)
        return _kept_apart(done)


def _pseudonym_order(record: Record) -> tuple[str, str]:
    when = getattr(record, "date", None) or getattr(record, "start", None)
    return (record.mrn, str(when or ""))  # type: ignore[attr-defined]


def _kept_apart(records: list[R]) -> list[R]:
    """Number the removed notes of records that de-identification made identical."""
    seen: dict[str, int] = {}
    out: list[R] = []
    for record in records:
        key = record.model_dump_json()
        copies = seen[key] = seen.get(key, 0) + 1
        if copies > 1 and "notes" in type(record).model_fields:
            out.append(record.model_copy(update={"notes": f"[note removed {copies}]"}))
        else:
            out.append(record)
    return out
