"""What `scan` and `exam` share: a list of the clinic's records of one kind, and voiding
one (it stays in the record, marked void, with its reason in the audit trail)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from cervix_watch.console import context, output
from cervix_watch.console.output import Column, Format

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

Kind = Literal["scan", "exam"]


def due_dates(state: context.State) -> dict[str, date]:
    """Each patient's EDD by MRN: a listed record's GA is counted from it."""
    return {patient.mrn: patient.edd for patient, _ in state.store().list_patients()}


def listing(
    state: context.State,
    kind: Kind,
    mrn: str | None,
    voided: bool,
    fmt: Format,
    columns: Sequence[Column],
    records: list[list[Any]],
) -> None:
    """`scan list` or `exam list`: the records (a row each, in `columns`' order) of one
    patient (`mrn`) or of the clinic. Without --voided every Void cell says "no": the table
    leaves that column out (JSON and CSV keep it), so the others have room at 80 columns."""
    if not voided:
        columns = [replace(c, in_table=False) if c.key == "voided" else c for c in columns]
    title = f"{kind.capitalize()}s{' for ' + mrn.strip() if mrn else ''}"
    envelope = {"as_of": state.today.isoformat()}
    output.listing(fmt, columns, records, title=title, envelope=envelope, items=f"{kind}s")


def void(
    state: context.State, kind: Kind, record_id: int, reason: str, operator: str | None
) -> None:
    """`scan void` or `exam void`: the record `record_id` voided, with the reason (required)."""
    context.require("reason", reason)
    store = state.store()
    voiding = store.void_scan if kind == "scan" else store.void_exam
    record = voiding(record_id, reason.strip(), context.who(operator))
    output.success(f"Voided {kind} {record_id} ({record.mrn}, {record.date}).")
