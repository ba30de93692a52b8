"""The scanner-report inbox in the database (interop.md version 3, "Nothing received is lost").

Held reports keep the bytes received (each different version, with its sha256) and the
PatientID as received, one row per SOP Instance UID while it is open (held or rejected);
they are filed or rejected, never deleted. Ignored reports leave a receipt only (no
patient data), purged after `receipt_days`: the one deletion the spec asks for.

Every change is one transaction with its audit row (entity `inbox` or `receipt`). Times
are passed in by the caller: nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cervix_watch.config import DEFAULT_RECEIPT_DAYS
from cervix_watch.domain.errors import InputError, NotFoundError, Problem
from cervix_watch.store import tables as t

if TYPE_CHECKING:
    from cervix_watch.domain.models import Scan
    from cervix_watch.store.store import Store

HELD, FILED, REJECTED = "held", "filed", "rejected"
OPEN_STATES = (HELD, REJECTED)  # a UID with such a row is not evaluated again
MAX_HELD_BYTES = 4 * 1024 * 1024  # interop.md: a held report keeps at most 4 MiB
# receipts of ignored reports are deleted after this many days (`[inbox] receipt_days`)
RECEIPT_DAYS = DEFAULT_RECEIPT_DAYS
MAX_INBOX_ID = 2_147_483_647


@dataclass(frozen=True)
class Arrival:
    """One received report as the inbox keeps it (the caller read `received_at`)."""

    received_at: datetime
    calling_ae: str
    sop_instance_uid: str
    study_instance_uid: str
    study_date: date | None
    patient_id: str
    data: bytes
    scanner: str | None = None  # the scanner settings it was read with, if any

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Version:
    """One version of a held report's bytes (a re-send with different bytes is a new one)."""

    number: int
    received_at: datetime
    calling_ae: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Entry:
    """An inbox row: a report held for a person, or how it was resolved."""

    inbox_id: int
    received_at: datetime
    calling_ae: str
    sop_instance_uid: str
    study_instance_uid: str
    study_date: date | None
    patient_id: str
    reason: str
    state: str
    receipts: int
    versions: tuple[Version, ...] = ()
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    scan_id: int | None = None
    scanner: str | None = None  # the scanner settings it was read with (`Arrival.scanner`)


@dataclass(frozen=True)
class Held:
    """What `hold` did: the row, whether it is new, and whether these bytes were new."""

    entry: Entry
    new_row: bool
    new_version: bool


def hold(store: Store, arrival: Arrival, reason: str, who: str) -> Held:
    """Hold a report, or count it on the open row its UID already has (held or rejected:
    no new row; different bytes are kept as a new version, flagged in the listing)."""
    if len(arrival.data) > MAX_HELD_BYTES:
        raise InputError(
            Problem("file", f"larger than {MAX_HELD_BYTES:,} bytes: too large to hold")
        )
    with store.write() as conn:
        row = _open_row(conn, arrival.sop_instance_uid)
        if row is None:
            inbox_id = _insert_row(conn, arrival, reason)
            _add_version(conn, inbox_id, arrival)
            added = {"sop_instance_uid": arrival.sop_instance_uid, "reason": reason}
            added |= {"calling_ae": arrival.calling_ae, "sha256": arrival.sha256}
            store.audit(conn, who, "hold", "inbox", inbox_id, None, added)
            return Held(_entry(conn, inbox_id), new_row=True, new_version=True)
        inbox_id = int(row["inbox_id"])
        known = {v.sha256 for v in _versions(conn, inbox_id)}
        new_version = arrival.sha256 not in known
        if new_version:
            _add_version(conn, inbox_id, arrival)
        conn.execute(
            t.inbox.update()
            .where(t.inbox.c.inbox_id == inbox_id)
            .values(receipts=t.inbox.c.receipts + 1)
        )
        changes: dict[str, Any] = {"receipts": [row["receipts"], row["receipts"] + 1]}
        if new_version:
            changes["sha256"] = [None, arrival.sha256]
        store.audit(conn, who, "receive", "inbox", inbox_id, None, changes)
        return Held(_entry(conn, inbox_id), new_row=False, new_version=new_version)


def open_entry(store: Store, sop_instance_uid: str) -> Entry | None:
    """The held or rejected row of this UID, if it has one."""
    with store.read() as conn:
        row = _open_row(conn, sop_instance_uid)
        return None if row is None else _entry(conn, int(row["inbox_id"]))


def entry(store: Store, inbox_id: int) -> Entry:
    """One inbox row with its versions; NotFoundError naming the id."""
    _check_id(inbox_id)
    with store.read() as conn:
        return _entry(conn, inbox_id)


def report_bytes(store: Store, inbox_id: int) -> bytes:
    """The bytes of the row's latest version (what `inbox file` parses again)."""
    _check_id(inbox_id)
    with store.read() as conn:
        data = conn.execute(
            sa.select(t.inbox_versions.c.data)
            .where(t.inbox_versions.c.inbox_id == inbox_id)
            .order_by(t.inbox_versions.c.version_id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if data is None:
        raise NotFoundError(Problem("id", f"no inbox report {inbox_id}"))
    return bytes(data)


def entries(store: Store, states: Sequence[str] = (HELD,)) -> list[Entry]:
    """The rows in these states, newest first (by first receipt, then id)."""
    with store.read() as conn:
        ids = conn.execute(
            sa.select(t.inbox.c.inbox_id)
            .where(t.inbox.c.state.in_(list(states)))
            .order_by(t.inbox.c.received_at.desc(), t.inbox.c.inbox_id.desc())
        ).scalars()
        return [_entry(conn, int(i)) for i in ids]


def waiting(store: Store) -> int:
    """How many reports wait for a person (held)."""
    with store.read() as conn:
        query = sa.select(sa.func.count()).select_from(t.inbox).where(t.inbox.c.state == HELD)
        return int(conn.execute(query).scalar_one())


def record_shown(store: Store, inbox_id: int, who: str) -> Entry:
    """`inbox show`: the row, and an audit row saying who saw the unmatched PatientID."""
    _check_id(inbox_id)
    with store.write() as conn:
        found = _entry(conn, inbox_id)
        store.audit(conn, who, "show", "inbox", inbox_id, None, {"patient_id": "(shown)"})
        return found


def reject(store: Store, inbox_id: int, reason: str, who: str, at: datetime) -> Entry:
    """Mark a held report rejected (kept, never deleted)."""
    _check_id(inbox_id)
    with store.write() as conn:
        found = _entry(conn, inbox_id)
        _check_held(found)
        _resolve(conn, inbox_id, REJECTED, who, at, resolution=reason)
        changes = {"state": [HELD, REJECTED]}
        store.audit(conn, who, "reject", "inbox", inbox_id, None, changes, reason)
        return _entry(conn, inbox_id)


def close_filed(
    store: Store,
    filed: Sequence[tuple[str, int]],
    who: str,
    at: datetime | None = None,
    inbox_id: int | None = None,
) -> list[int]:
    """The held rows of these UIDs, now filed as (uid, scan_id), are closed: any path that
    files a UID (`import sr`, `listen`, `inbox file`) closes its inbox row. `inbox_id`: the
    row being filed by `inbox file`. Rejected rows stay rejected. `at`: the store's clock
    (the moment of the filing, as its audit row) unless given."""
    at = at or store.clock.now()
    with store.write() as conn:
        return close_filed_in(conn, store, filed, who, at, inbox_id)


def close_filed_in(
    conn: sa.Connection,
    store: Store,
    filed: Sequence[tuple[str, int]],
    who: str,
    at: datetime,
    inbox_id: int | None = None,
) -> list[int]:
    """`close_filed` in the caller's transaction: the one that files the scans."""
    closed: list[int] = []
    for uid, scan_id in filed:
        query = sa.select(t.inbox.c.inbox_id).where(
            t.inbox.c.sop_instance_uid == uid, t.inbox.c.state == HELD
        )
        ids = set(conn.execute(query).scalars())
        if inbox_id is not None:
            ids &= {inbox_id}
        patient_id = conn.execute(
            sa.select(t.scans.c.patient_id).where(t.scans.c.scan_id == scan_id)
        ).scalar_one_or_none()
        for found in sorted(ids):
            _resolve(conn, found, FILED, who, at, scan_id=scan_id)
            changes = {"state": [HELD, FILED], "scan_id": scan_id}
            store.audit(conn, who, "file", "inbox", found, patient_id, changes)
            closed.append(found)
    return closed


@dataclass(frozen=True)
class FiledScan:
    """A scan a report made, and whether it was voided since (a voided scan is no earlier
    copy of a re-sent report: it is not "already present", nor its route the report's)."""

    scan: Scan
    voided: bool


def filed_scans(store: Store, source: str) -> list[FiledScan]:
    """Every scan, voided too (each saying so), whose source is `source` (`dicom-sr:UID`),
    in id order: a corrected re-send filed by `inbox file` shares its UID with the scan it
    corrects."""
    from cervix_watch.store.rows import scan_from_row

    with store.read() as conn:
        query = (
            sa.select(t.scans, t.patients.c.mrn)
            .join(t.patients)
            .where(t.scans.c.source == source)
            .order_by(t.scans.c.scan_id)
        )
        return [
            FiledScan(scan_from_row(r, r["mrn"]), r["voided_at"] is not None)
            for r in conn.execute(query).mappings()
        ]


# -- receipts of ignored reports ------------------------------------------------------------
@dataclass(frozen=True)
class UnmappedCount:
    """`inbox --all`: a scanner sent an unmapped length code in this many ignored reports."""

    calling_ae: str
    code: str  # "SCHEME:VALUE"
    unit: str
    reports: int


def add_receipt(
    store: Store,
    at: datetime,
    calling_ae: str,
    sop_instance_uid: str,
    reason: str,
    unmapped: Sequence[tuple[str, str, str]],
    who: str,
    keep_days: int = RECEIPT_DAYS,
) -> int:
    """Record an ignored report (no patient data) and purge receipts older than `keep_days`."""
    codes = sorted(set(unmapped))
    with store.write() as conn:
        key = conn.execute(
            t.inbox_receipts.insert().values(
                received_at=at,
                calling_ae=calling_ae,
                sop_instance_uid=sop_instance_uid,
                reason=reason,
                unmapped=json.dumps([list(c) for c in codes]),
            )
        ).inserted_primary_key
        assert key is not None
        receipt_id = int(key[0])
        changes: dict[str, Any] = {"sop_instance_uid": sop_instance_uid, "reason": reason}
        store.audit(conn, who, "ignore", "receipt", receipt_id, None, changes)
        purged = conn.execute(
            t.inbox_receipts.delete().where(
                t.inbox_receipts.c.received_at < at - timedelta(days=keep_days)
            )
        ).rowcount
        if purged:
            gone = {"receipts": purged, "older_than_days": keep_days}
            store.audit(conn, who, "purge", "receipt", None, None, gone)
        return receipt_id


def unmapped_counts(store: Store) -> list[UnmappedCount]:
    """Per scanner and code: in how many kept receipts it appeared, most first."""
    counts: Counter[tuple[str, str, str]] = Counter()
    with store.read() as conn:
        query = sa.select(t.inbox_receipts.c.calling_ae, t.inbox_receipts.c.unmapped)
        for calling_ae, unmapped in conn.execute(query):
            for scheme, value, unit in json.loads(unmapped):
                counts[(calling_ae, f"{scheme}:{value}", unit)] += 1
    return [
        UnmappedCount(ae, code, unit, n)
        for (ae, code, unit), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def receipt_count(store: Store) -> int:
    with store.read() as conn:
        query = sa.select(sa.func.count()).select_from(t.inbox_receipts)
        return int(conn.execute(query).scalar_one())


# -- rows -----------------------------------------------------------------------------------
def _check_id(inbox_id: int) -> None:
    if not 1 <= inbox_id <= MAX_INBOX_ID:
        raise InputError(Problem("id", f"{inbox_id} is not an inbox id (1-{MAX_INBOX_ID})"))


def _check_held(found: Entry) -> None:
    if found.state == FILED:
        raise InputError(
            Problem("id", f"inbox report {found.inbox_id} is already filed (scan {found.scan_id})")
        )
    if found.state == REJECTED:
        raise InputError(Problem("id", f"inbox report {found.inbox_id} was rejected"))


def _open_row(conn: sa.Connection, uid: str) -> sa.RowMapping | None:
    query = (
        sa.select(t.inbox)
        .where(t.inbox.c.sop_instance_uid == uid, t.inbox.c.state.in_(OPEN_STATES))
        .order_by(t.inbox.c.inbox_id.desc())
        .limit(1)
    )
    return conn.execute(query).mappings().one_or_none()


def _insert_row(conn: sa.Connection, arrival: Arrival, reason: str) -> int:
    key = conn.execute(
        t.inbox.insert().values(
            received_at=arrival.received_at,
            calling_ae=arrival.calling_ae,
            sop_instance_uid=arrival.sop_instance_uid,
            study_instance_uid=arrival.study_instance_uid,
            study_date=arrival.study_date,
            patient_id=arrival.patient_id,
            reason=reason,
            state=HELD,
            receipts=1,
            scanner=arrival.scanner,
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def _add_version(conn: sa.Connection, inbox_id: int, arrival: Arrival) -> None:
    conn.execute(
        t.inbox_versions.insert().values(
            inbox_id=inbox_id,
            received_at=arrival.received_at,
            calling_ae=arrival.calling_ae,
            sha256=arrival.sha256,
            data=arrival.data,
        )
    )


def _resolve(
    conn: sa.Connection,
    inbox_id: int,
    state: str,
    who: str,
    at: datetime,
    *,
    resolution: str | None = None,
    scan_id: int | None = None,
) -> None:
    conn.execute(
        t.inbox.update()
        .where(t.inbox.c.inbox_id == inbox_id)
        .values(
            state=state, resolved_by=who, resolved_at=at, resolution=resolution, scan_id=scan_id
        )
    )


def _versions(conn: sa.Connection, inbox_id: int) -> tuple[Version, ...]:
    v = t.inbox_versions.c
    query = (
        sa.select(v.received_at, v.calling_ae, v.sha256, sa.func.length(v.data))
        .where(v.inbox_id == inbox_id)
        .order_by(v.version_id)
    )
    return tuple(
        Version(number, at, ae, sha, int(size))
        for number, (at, ae, sha, size) in enumerate(conn.execute(query), start=1)
    )


def _entry(conn: sa.Connection, inbox_id: int) -> Entry:
    row = conn.execute(sa.select(t.inbox).where(t.inbox.c.inbox_id == inbox_id)).mappings()
    found = row.one_or_none()
    if found is None:
        raise NotFoundError(Problem("id", f"no inbox report {inbox_id}"))
    return Entry(
        inbox_id=int(found["inbox_id"]),
        received_at=found["received_at"],
        calling_ae=found["calling_ae"],
        sop_instance_uid=found["sop_instance_uid"],
        study_instance_uid=found["study_instance_uid"],
        study_date=found["study_date"],
        patient_id=found["patient_id"],
        reason=found["reason"],
        state=found["state"],
        receipts=int(found["receipts"]),
        versions=_versions(conn, inbox_id),
        resolved_at=found["resolved_at"],
        resolved_by=found["resolved_by"],
        resolution=found["resolution"],
        scan_id=found["scan_id"],
        scanner=found["scanner"],
    )


__all__ = [
    "FILED",
    "HELD",
    "MAX_HELD_BYTES",
    "REJECTED",
    "Arrival",
    "Entry",
    "FiledScan",
    "Held",
    "UnmappedCount",
    "Version",
    "add_receipt",
    "close_filed",
    "close_filed_in",
    "entries",
    "entry",
    "filed_scans",
    "hold",
    "open_entry",
    "record_shown",
    "reject",
    "report_bytes",
    "unmapped_counts",
    "waiting",
]
