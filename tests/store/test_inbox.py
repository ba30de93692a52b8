"""The inbox's storage on both backends: held rows, versions, resolution, receipts."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends

from cervix_watch.domain.errors import InputError, NotFoundError
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.store import inbox, tables
from cervix_watch.store.store import Store

pytestmark = both_backends
AT = datetime(2026, 12, 1, 9, 30)


@pytest.fixture
def store(db_url: str) -> Store:
    """A migrated store (SQLite file or a real PostgreSQL database)."""
    return Store.open(db_url)


def arrival(data: bytes = b"report one", uid: str = "1.2.3.4", **change: object) -> inbox.Arrival:
    values: dict[str, object] = {
        "received_at": AT,
        "calling_ae": "US_ROOM1",
        "sop_instance_uid": uid,
        "study_instance_uid": "1.2.3",
        "study_date": date(2026, 11, 30),
        "patient_id": "Jane Doe",
        "data": data,
        **change,
    }
    return inbox.Arrival(**values)  # type: ignore[arg-type]


def _audit(store: Store) -> list[tuple[str, str, int | None]]:
    with store.read() as conn:
        query = sa.select(tables.audit.c.action, tables.audit.c.entity, tables.audit.c.entity_id)
        return [tuple(r) for r in conn.execute(query.order_by(tables.audit.c.audit_id))]  # type: ignore[misc]


def test_a_held_report_keeps_its_bytes_sha256_and_patient_id(store: Store) -> None:
    """hold: one row with the PatientID as received, one version with the bytes and sha256."""
    held = inbox.hold(store, arrival(), "no recognised cervix length", "listen")
    assert held.new_row
    assert held.new_version
    entry = held.entry
    assert (entry.state, entry.receipts, entry.patient_id) == ("held", 1, "Jane Doe")
    assert entry.versions[0].sha256 == hashlib.sha256(b"report one").hexdigest()
    assert entry.versions[0].size == len(b"report one")
    assert inbox.report_bytes(store, entry.inbox_id) == b"report one"
    assert inbox.waiting(store) == 1
    assert _audit(store)[-1] == ("hold", "inbox", entry.inbox_id)


def test_the_same_uid_again_is_counted_and_new_bytes_are_a_new_version(store: Store) -> None:
    """Already held: no new row; the same bytes count a receipt, other bytes add a version."""
    first = inbox.hold(store, arrival(), "why", "listen").entry
    again = inbox.hold(store, arrival(), "why", "listen")
    assert not again.new_row
    assert not again.new_version
    changed = inbox.hold(store, arrival(b"report one, corrected"), "why", "listen")
    assert not changed.new_row
    assert changed.new_version
    assert changed.entry.inbox_id == first.inbox_id
    assert changed.entry.receipts == 3
    assert [v.number for v in changed.entry.versions] == [1, 2]
    assert inbox.report_bytes(store, first.inbox_id) == b"report one, corrected"
    assert inbox.waiting(store) == 1


def test_rejected_stays_rejected_and_is_never_deleted(store: Store) -> None:
    """reject keeps the row; the UID received again counts on it and stays rejected."""
    held = inbox.hold(store, arrival(), "why", "listen").entry
    rejected = inbox.reject(store, held.inbox_id, "test image", "midwife", AT)
    assert (rejected.state, rejected.resolution, rejected.resolved_by) == (
        "rejected",
        "test image",
        "midwife",
    )
    again = inbox.hold(store, arrival(), "why", "listen").entry
    assert (again.inbox_id, again.state, again.receipts) == (held.inbox_id, "rejected", 2)
    assert inbox.waiting(store) == 0
    assert [e.inbox_id for e in inbox.entries(store, ("rejected",))] == [held.inbox_id]
    with pytest.raises(InputError, match="was rejected"):
        inbox.reject(store, held.inbox_id, "again", "midwife", AT)


def test_filing_a_uid_closes_its_held_row_only(store: Store) -> None:
    """close_filed: the held row of a filed UID is closed with the scan id; others stay."""
    one = inbox.hold(store, arrival(uid="1.2.3.4"), "why", "listen").entry
    two = inbox.hold(store, arrival(uid="1.2.3.5"), "why", "listen").entry
    store.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14"}), "t")
    scan = build(
        Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": [30], "source": "dicom-sr:1.2.3.4"}
    )
    scan_id = store.add_scan(scan, "t", today=TODAY).id
    closed = inbox.close_filed(store, [("1.2.3.4", scan_id)], "midwife", AT)
    assert closed == [one.inbox_id]
    assert inbox.entry(store, one.inbox_id).scan_id == scan_id
    [filed] = inbox.filed_scans(store, "dicom-sr:1.2.3.4")
    assert (filed.scan.scan_id, filed.scan.mrn, filed.voided) == (scan_id, "P01", False)
    store.void_scan(scan_id, "entered in error", "t")
    assert [f.voided for f in inbox.filed_scans(store, "dicom-sr:1.2.3.4")] == [True]
    assert inbox.entry(store, one.inbox_id).state == "filed"
    assert inbox.entry(store, two.inbox_id).state == "held"
    with pytest.raises(InputError, match="already filed"):
        inbox.reject(store, one.inbox_id, "x", "midwife", AT)


def test_listing_is_newest_first(store: Store) -> None:
    """entries: held rows, the most recently received first."""
    old = inbox.hold(store, arrival(uid="1.1"), "a", "listen").entry
    new = inbox.hold(store, arrival(uid="1.2", received_at=AT + timedelta(hours=1)), "b", "x")
    assert [e.inbox_id for e in inbox.entries(store)] == [new.entry.inbox_id, old.inbox_id]


def test_showing_is_audited(store: Store) -> None:
    """record_shown: the row, and an audit row naming who saw it (not the PatientID)."""
    held = inbox.hold(store, arrival(), "why", "listen").entry
    shown = inbox.record_shown(store, held.inbox_id, "midwife")
    assert shown.patient_id == "Jane Doe"
    assert _audit(store)[-1] == ("show", "inbox", held.inbox_id)
    with store.read() as conn:
        changes = conn.execute(sa.select(tables.audit.c.changes)).scalars().all()
    assert not any("Jane" in c for c in changes)


@pytest.mark.parametrize("inbox_id", [0, 2_147_483_648])
def test_an_id_out_of_range_is_bad_input(store: Store, inbox_id: int) -> None:
    """An id outside 1-2147483647 is bad input, never a database error."""
    with pytest.raises(InputError, match="not an inbox id"):
        inbox.entry(store, inbox_id)


def test_an_unknown_id_is_not_found(store: Store) -> None:
    """An id with no row: NotFoundError naming it."""
    with pytest.raises(NotFoundError, match="no inbox report 9"):
        inbox.entry(store, 9)


def test_held_bytes_are_limited_to_4_mib(store: Store) -> None:
    """4 MiB is held; one byte more is refused and nothing is written."""
    inbox.hold(store, arrival(b"x" * inbox.MAX_HELD_BYTES), "why", "listen")
    with pytest.raises(InputError, match="too large to hold"):
        inbox.hold(store, arrival(b"x" * (inbox.MAX_HELD_BYTES + 1), uid="9.9"), "why", "x")
    assert inbox.waiting(store) == 1


def test_receipts_count_unmapped_codes_and_expire(store: Store) -> None:
    """Receipts: unmapped codes counted per scanner; those older than 90 days are purged."""
    code = ("99SMS", "99005-07", "mm")
    inbox.add_receipt(store, AT - timedelta(days=91), "US_ROOM1", "1.1", "r", [code], "listen")
    inbox.add_receipt(store, AT - timedelta(days=90), "US_ROOM1", "1.2", "r", [code], "listen")
    assert inbox.receipt_count(store) == 2
    inbox.add_receipt(store, AT, "US_ROOM1", "1.3", "r", [code, code], "listen")
    assert inbox.receipt_count(store) == 2  # the one 91 days before AT went; 90 days stays
    assert inbox.unmapped_counts(store) == [
        inbox.UnmappedCount("US_ROOM1", "99SMS:99005-07", "mm", 2)
    ]
    assert ("purge", "receipt", None) in _audit(store)
