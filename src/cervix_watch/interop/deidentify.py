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
- Scan ids are left empty: they are database keys that could link back.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from typing import Any, TypeVar

from cervix_watch.domain.models import Record

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

    def apply(self, record: R) -> R:
        """The record with pseudonym, shifted dates, no notes and no scan id."""
        mrn: str = record.mrn  # type: ignore[attr-defined]
        shift = self.shift(mrn)
        update: dict[str, Any] = {"mrn": self.pseudonym(mrn)}
        fields = type(record).model_fields
        if "name" in fields:
            update["name"] = f"Patient {update['mrn']}"
        if "notes" in fields:
            update["notes"] = ""
        if "scan_id" in fields:
            update["scan_id"] = None
        for name in _DATE_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, date):
                update[name] = value + shift
        return record.model_copy(update=update)
