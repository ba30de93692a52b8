"""store/worklist.py: worklist steps issued once, audited, and found again by UID or number."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from tests.conftest import both_backends

from cervix_watch.domain.models import Patient
from cervix_watch.domain.problems import build
from cervix_watch.store import tables
from cervix_watch.store.store import Store
from cervix_watch.store.worklist import new_study_uid, step_numbered, step_of_study, steps_for

DUE = date(2026, 12, 3)


@pytest.fixture
def store(db_url: str) -> Store:
    """A migrated store with two patients, H1 and H2."""
    s = Store.open(db_url)
    for mrn in ("H1", "H2"):
        s.add_patient(build(Patient, {"mrn": mrn, "edd": "2027-03-14", "name": "Ann"}), "tester")
    return s


def _audit_rows(store: Store) -> list[sa.RowMapping]:
    with store.read() as conn:
        query = sa.select(tables.audit).where(tables.audit.c.entity == "worklist step")
        return list(conn.execute(query.order_by(tables.audit.c.audit_id)).mappings())


@both_backends
def test_a_step_is_issued_once(store: Store) -> None:
    """The first query issues the step (with an audit row); later ones get the same step."""
    first = steps_for(store, [("H1", DUE)], "listener")[("H1", DUE)]
    again = steps_for(store, [("H1", DUE), ("H1", DUE)], "listener")[("H1", DUE)]
    assert first == again
    assert re.fullmatch(r"2\.25\.[1-9][0-9]*", first.study_uid)
    (row,) = _audit_rows(store)
    assert (row["action"], row["entity_id"], row["who"]) == ("issue", first.number, "listener")
    assert f'"step": "CW{first.number}"' in row["changes"]


@both_backends
def test_each_patient_and_due_date_has_its_own_step(store: Store) -> None:
    """Another due date, another patient or no due date at all: a step each, UIDs distinct."""
    keys = [("H1", DUE), ("H1", date(2026, 12, 17)), ("H2", DUE), ("H2", None)]
    steps = steps_for(store, keys, "listener")
    assert list(steps) == keys
    assert len({s.number for s in steps.values()}) == 4
    assert len({s.study_uid for s in steps.values()}) == 4
    assert steps_for(store, [("H2", None)], "x")[("H2", None)] == steps[("H2", None)]
    assert len(_audit_rows(store)) == 4


@both_backends
def test_issued_steps_resolve_to_their_patient(store: Store) -> None:
    """A Study Instance UID or a step number we issued names her; others name nobody."""
    step = steps_for(store, [("H2", DUE)], "listener")[("H2", DUE)]
    assert step_of_study(store, f" {step.study_uid} ") == step
    assert step_numbered(store, step.number) == step
    assert step.mrn == "H2"
    assert step_of_study(store, "2.25.1") is None
    assert step_numbered(store, step.number + 1) is None


@both_backends
def test_no_write_when_every_step_exists(store: Store) -> None:
    """A repeated query only reads: no new audit row, no new step."""
    steps_for(store, [("H1", DUE)], "listener")
    before = store.counts()
    steps_for(store, [("H1", DUE)], "listener")
    assert store.counts() == before
    assert before["worklist_steps"] == 1


def test_study_uids_fit_a_ui() -> None:
    """2.25.<uuid as an integer> is at most 64 characters, no leading zero in a component."""
    for _ in range(100):
        uid = new_study_uid()
        assert len(uid) <= 64
        assert re.fullmatch(r"2\.25\.(0|[1-9][0-9]*)", uid)
