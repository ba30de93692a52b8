"""What a patient's record shows besides its current records: the audit trail and the
voided scans. Plain frozen data, read by the store and shown by the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cervix_watch.domain.models import Scan


@dataclass(frozen=True)
class AuditEntry:
    """One audit row: who changed what, when (UTC) and why."""

    at: datetime
    who: str
    action: str
    entity: str
    entity_id: int | None
    reason: str | None
    changes: dict[str, Any]


@dataclass(frozen=True)
class VoidedScan:
    """A scan that no longer counts, kept with when and why it was voided."""

    scan: Scan
    voided_at: datetime
    reason: str


__all__ = ["AuditEntry", "VoidedScan"]
