"""The Modality Worklist's steps: issued once, each with its audit row, never recomputed.

A step is one patient's scheduled scan for one due date (interop.md "Modality Worklist").
Its number n gives the SPS ID and Requested Procedure ID `CW<n>`; its Study Instance UID
is `2.25.<uuid4 as an integer>` (PS3.5 B.2). Both stay with her for good, so a report that
comes back carrying them is hers, whatever the machine typed as PatientID.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cervix_watch.store import tables as t

if TYPE_CHECKING:
    from cervix_watch.store.store import Store

# One step per patient and due date; None: asked for by her MRN while no scan was due.
Wanted = tuple[str, date | None]


@dataclass(frozen=True)
class Step:
    """An issued step: its number (CW<n>), whose it is, the due date it was issued for."""

    number: int
    mrn: str
    due_on: date | None
    study_uid: str


def new_study_uid() -> str:
    """A Study Instance UID of the 2.25 root: a random UUID as one integer (at most 44
    characters of the 64 a UI allows)."""
    return f"2.25.{uuid.uuid4().int}"


def steps_for(store: Store, wanted: Iterable[Wanted], who: str) -> dict[Wanted, Step]:
    """The step of each (MRN, due date), issuing those not issued yet in one transaction,
    an audit row each. Only a read when every one exists (the usual query)."""
    wanted = list(dict.fromkeys(wanted))
    with store.read() as conn:
        found = _existing(conn, wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        with store.write() as conn:
            found = _existing(conn, wanted)  # another writer may have issued some meanwhile
            for key in (key for key in wanted if key not in found):
                found[key] = _issue(store, conn, key, who)
    return {key: found[key] for key in wanted if key in found}


def _existing(conn: sa.Connection, wanted: list[Wanted]) -> dict[Wanted, Step]:
    mrns = sorted({mrn for mrn, _ in wanted})
    found: dict[Wanted, Step] = {}
    for chunk in (mrns[i : i + 500] for i in range(0, len(mrns), 500)):
        query = _steps().where(t.patients.c.mrn.in_(chunk)).order_by(t.worklist_steps.c.step_id)
        for step in (_step(row) for row in conn.execute(query)):
            found.setdefault((step.mrn, step.due_on), step)  # the first issued stays
    return found


def _issue(store: Store, conn: sa.Connection, key: Wanted, who: str) -> Step:
    mrn, due_on = key
    patient_id = conn.execute(
        sa.select(t.patients.c.patient_id).where(t.patients.c.mrn == mrn)
    ).scalar_one()
    uid = new_study_uid()
    inserted = conn.execute(
        t.worklist_steps.insert().values(
            patient_id=patient_id, due_on=due_on, study_uid=uid, issued_at=store.clock.now()
        )
    ).inserted_primary_key
    assert inserted is not None
    number = int(inserted[0])
    changes = {
        "step": f"CW{number}",
        "study_uid": uid,
        "due_on": due_on.isoformat() if due_on else None,
    }
    store.audit(conn, who, "issue", "worklist step", number, patient_id, changes)
    return Step(number, mrn, due_on, uid)


def _steps() -> sa.Select[Any]:
    s, p = t.worklist_steps.c, t.patients.c
    return sa.select(s.step_id, p.mrn, s.due_on, s.study_uid).join_from(
        t.worklist_steps, t.patients, s.patient_id == p.patient_id
    )


def _step(row: Sequence[Any]) -> Step:
    return Step(int(row[0]), str(row[1]), row[2], str(row[3]))


def step_of_study(store: Store, study_uid: str) -> Step | None:
    """The step that issued this Study Instance UID, or None when it is not one of ours."""
    with store.read() as conn:
        row = conn.execute(
            _steps().where(t.worklist_steps.c.study_uid == study_uid.strip())
        ).first()
    return _step(row) if row is not None else None


def any_issued(store: Store) -> bool:
    """Whether any step was ever issued (a clinic without the worklist has none)."""
    with store.read() as conn:
        return conn.execute(sa.select(t.worklist_steps.c.step_id).limit(1)).first() is not None


def step_numbered(store: Store, number: int) -> Step | None:
    """Step CW<number>, or None when none was issued under it."""
    with store.read() as conn:
        row = conn.execute(_steps().where(t.worklist_steps.c.step_id == number)).first()
    return _step(row) if row is not None else None


__all__ = [
    "Step",
    "Wanted",
    "any_issued",
    "new_study_uid",
    "step_numbered",
    "step_of_study",
    "steps_for",
]
