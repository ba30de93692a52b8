"""The five kinds of record a clinic holds: the one list, in import order.

contract.md's five CSV files, the store's five record tables, `import`/`export`'s
argument, the demo clinic's files: all of them are these names. A new kind of
record is added here, and the registries keyed by it (`interop.kinds.KINDS`,
`store.bulkwrite.STORED_KINDS`) are checked against this list by a test.

Light on purpose: the CLI builds its `--help` from it without loading the models.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cervix_watch.domain.models import Record


class RecordKind(StrEnum):
    """One kind of record; the value is its CSV file's and its table's name."""

    PATIENTS = "patients"
    SCANS = "scans"
    EXAMS = "exams"
    TREATMENTS = "treatments"
    DISCUSSIONS = "discussions"

    @property
    def entity(self) -> str:
        """The audit trail's word for one record: `patient`, `scan`, ..."""
        return self.value.removesuffix("s")

    @property
    def is_event(self) -> bool:
        """Everything but the patient is an event of her pregnancy, dated within it."""
        return self is not RecordKind.PATIENTS

    @property
    def date_field(self) -> str:
        """The event's date that must fall within the pregnancy (patients: none)."""
        return _DATE_FIELDS.get(self, "")

    @property
    def model(self) -> type[Record]:
        """The domain model one record of this kind is."""
        from cervix_watch.domain import models

        found: type[Record] = getattr(models, self.entity.capitalize())
        return found


# A treatment is dated by its start; every other event by its date.
_DATE_FIELDS = {
    RecordKind.SCANS: "date",
    RecordKind.EXAMS: "date",
    RecordKind.TREATMENTS: "start",
    RecordKind.DISCUSSIONS: "date",
}

# Import order: the events name their patient by MRN.
RECORD_KINDS: tuple[RecordKind, ...] = tuple(RecordKind)
EVENT_KINDS: tuple[RecordKind, ...] = tuple(k for k in RecordKind if k.is_event)


# What a scan records beside its date, route and measurements, in the contract's column order.
# The store's scan columns and "the same examination" of an SR (interop.md) name them from here.
SCAN_FINDINGS = (
    "funneling",
    "funnel_length_mm",
    "funnel_width_mm",
    "funnel_shape",
    "sludge",
    "symptoms",
)
