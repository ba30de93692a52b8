"""The store's speed layer (`store.speed`) gives exactly what its plain paths give."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends

from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Record, Scan, Treatment
from cervix_watch.domain.problems import build
from cervix_watch.store import speed, tables
from cervix_watch.store.store import Store

TEXTS = ["", "a, b", 'quo"te', "back\\slash", "tab\there", "new\nline", "é 漢", "'=1+1"]


@pytest.fixture
def store(db_url: str) -> Store:
    """A migrated store with one patient (SQLite unless the test asks for `both_backends`)."""
    s = Store.open(db_url)
    s.add_patient(build(Patient, {"mrn": "P01", "edd": "2027-03-14", "name": "Ann"}), "tester")
    return s


def _scan_rows(patient_id: int) -> list[dict[str, Any]]:
    """Scan rows with every kind of value the importer writes: text, NULL, bool, date, float."""
    batch = []
    for n, text in enumerate(TEXTS * 3):
        batch.append(
            {
                "patient_id": patient_id,
                "date": date(2026, 10, 1 + n),
                "route": "tv",
                "cl1_mm": 20.0 + n / 10,
                "cl2_mm": None if n % 2 else 31.5,
                "cl3_mm": None,
                "funneling": n % 3 == 0,
                "funnel_length_mm": 4.5 if n % 3 == 0 else None,
                "funnel_width_mm": None,
                "funnel_shape": "V" if n % 3 == 0 else None,
                "sludge": n % 2 == 1,
                "symptoms": "",
                "operator": text,
                "source": "",
                "notes": text * 2,
            }
        )
    return batch


def _stored(conn: sa.Connection, ids: list[int]) -> list[tuple[Any, ...]]:
    scans = tables.scans
    query = sa.select(scans).where(scans.c.scan_id.in_(ids)).order_by(scans.c.scan_id)
    return [tuple(row) for row in conn.execute(query)]


@both_backends
def test_insert_rows_stores_what_the_plain_path_stores_with_the_same_ids(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same batch written by the fast and the plain path gives the same rows, ids in order."""
    with store.write() as conn:
        patient_id = conn.execute(sa.select(tables.patients.c.patient_id)).scalar_one()
        batch = _scan_rows(patient_id)
        if conn.dialect.name == "sqlite":  # the fast path must not fall back to the plain one
            with monkeypatch.context() as patch:
                patch.setattr(speed, "plain_insert_rows", pytest.fail)
                fast_ids = speed.insert_rows(conn, tables.scans, batch)
        else:
            fast_ids = speed.insert_rows(conn, tables.scans, batch)
        plain_ids = speed.insert_rows(conn, tables.scans, batch, plain=True)
        fast, plain = _stored(conn, fast_ids), _stored(conn, plain_ids)
    assert len(fast_ids) == len(plain_ids) == len(batch)
    assert fast_ids == sorted(fast_ids)
    assert plain_ids == sorted(plain_ids)
    assert [row[0] for row in fast] == fast_ids
    assert [row[0] for row in plain] == plain_ids
    assert [row[1:] for row in fast] == [row[1:] for row in plain]
    assert fast[0][tables.scans.c.keys().index("operator")] == TEXTS[0]
    assert fast[1][tables.scans.c.keys().index("notes")] == TEXTS[1] * 2


@both_backends
def test_audit_rows_written_fast_are_the_plain_paths_rows(store: Store) -> None:
    """An import's audit rows (one timestamp object for all) are stored as the plain path does."""
    at = datetime(2026, 11, 2, 9, 30, 15, 123456)
    batch = [
        {"at": at, "who": text or "AK", "action": "import", "entity": "scan", "entity_id": n,
         "patient_id": 1, "reason": "import from scans.csv", "changes": f'{{"notes": "{n}"}}'}
        for n, text in enumerate(TEXTS)
    ]  # fmt: skip
    audit = tables.audit
    with store.write() as conn:
        fast_ids = speed.insert_rows(conn, audit, batch)
        plain_ids = speed.insert_rows(conn, audit, batch, plain=True)
        query = sa.select(audit).where(audit.c.audit_id.in_(fast_ids + plain_ids))
        stored = {row[0]: tuple(row)[1:] for row in conn.execute(query.order_by(audit.c.audit_id))}
    assert [stored[i] for i in fast_ids] == [stored[i] for i in plain_ids]
    assert {row[0] for row in stored.values()} == {at}


def test_insert_rows_after_rows_were_deleted_inside_the_transaction(store: Store) -> None:
    """With gaps below the largest rowid the new ids still follow the largest, as RETURNING says."""
    with store.write() as conn:
        patient_id = conn.execute(sa.select(tables.patients.c.patient_id)).scalar_one()
        first = speed.insert_rows(conn, tables.scans, _scan_rows(patient_id))
        conn.execute(sa.delete(tables.scans).where(tables.scans.c.scan_id == first[1]))
        second = speed.insert_rows(conn, tables.scans, _scan_rows(patient_id)[:3])
        stored = _stored(conn, second)
    assert second == [first[-1] + 1, first[-1] + 2, first[-1] + 3]
    assert [row[0] for row in stored] == second


def test_insert_rows_with_uneven_rows_takes_the_plain_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that do not all name the same columns are left to SQLAlchemy (which refuses them)."""
    taken: list[int] = []
    plain = speed.plain_insert_rows

    def counted(conn: sa.Connection, table: sa.Table, batch: list[dict[str, Any]]) -> list[int]:
        taken.append(len(batch))
        return plain(conn, table, batch)

    monkeypatch.setattr(speed, "plain_insert_rows", counted)
    with store.write() as conn:
        patient_id = conn.execute(sa.select(tables.patients.c.patient_id)).scalar_one()
        batch = _scan_rows(patient_id)[:2]
        del batch[1]["notes"]
        with pytest.raises(sa.exc.StatementError):
            speed.insert_rows(conn, tables.scans, batch)
        conn.rollback()
    assert taken == [2]


def _records() -> list[Record]:
    return [
        build(Patient, {"mrn": "P01", "edd": "2027-03-14", "name": "Ann", "dating": "ivf"}),
        build(Scan, {"mrn": "P01", "date": "2026-10-13", "cl_mm": (21, 22), "scan_id": 4}),
        build(Exam, {"mrn": "P01", "date": "2026-10-13", "dilation_cm": "1"}),
        build(Treatment, {"mrn": "P01", "type": "cerclage", "kind": "history",
                          "start": "2026-10-13"}),
        build(Discussion, {"mrn": "P01", "action": "refer-ptb-clinic", "date": "2026-10-13",
                           "outcome": "accepted"}),
        build(Closure, {"date": "2026-12-01", "outcome": "delivered", "ga_days": "37+2"}),
    ]  # fmt: skip


@pytest.mark.parametrize("record", _records(), ids=lambda r: type(r).__name__)
def test_trusted_is_model_construct(record: Record) -> None:
    """`trusted` builds the model `model_construct` builds: fields, fields set, extra, private."""
    cls, values = type(record), dict(record.__dict__)
    fast, plain = speed.trusted(cls, dict(values)), speed.plain_trusted(cls, values)
    assert type(fast) is type(plain) is cls
    assert fast == plain == record
    assert fast.__dict__ == plain.__dict__
    assert fast.model_fields_set == plain.model_fields_set == set(cls.model_fields)
    assert fast.__pydantic_extra__ == plain.__pydantic_extra__
    assert fast.__pydantic_private__ == plain.__pydantic_private__
    assert fast.model_dump() == plain.model_dump()
    assert hash(fast) == hash(plain)
    with pytest.raises(Exception, match="frozen"):
        fast.notes = "changed"  # type: ignore[misc]


def test_trusted_records_share_one_fields_set_that_nothing_changes() -> None:
    """Records `trusted` builds with every field share their class's fields set; a changed
    copy gets its own, and a frozen record refuses the change that would add to it."""
    values = dict(_records()[1].__dict__)
    first, second = speed.trusted(Scan, dict(values)), speed.trusted(Scan, dict(values))
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    changed = first.model_copy(update={"notes": "changed"})
    assert changed.__pydantic_fields_set__ is not first.__pydantic_fields_set__
    with pytest.raises(Exception, match="frozen"):
        first.notes = "changed"  # type: ignore[misc]
    assert first.model_fields_set == set(Scan.model_fields)
    del values["notes"]  # not every field: a set of its own, as model_construct's
    partial = speed.trusted(Scan, values)
    assert partial.model_fields_set == speed.plain_trusted(Scan, values).model_fields_set
    assert partial.__pydantic_fields_set__ is not first.__pydantic_fields_set__


def test_records_read_back_are_the_records_stored(store: Store) -> None:
    """A scan stored and read back through `rows` (built with `trusted`) equals the one stored."""
    scan = build(
        Scan,
        {"mrn": "P01", "date": "2026-10-13", "cl_mm": (21, 22.5, 23), "funneling": "yes",
         "funnel_shape": "U", "symptoms": "cramps", "operator": "AK", "notes": TEXTS[3]},
    )  # fmt: skip
    store.add_scan(scan, "tester", today=TODAY)
    ((stored,),) = [f.scans for f in store.patient_files("P01")]
    assert stored == scan.model_copy(update={"scan_id": stored.scan_id})
    assert stored.model_fields_set == set(Scan.model_fields)


@pytest.mark.parametrize("fails", [False, True])
def test_the_collector_runs_again_after_a_bulk_block(fails: bool) -> None:
    """After `collector_paused` (even one that raised) the collector is on, nothing frozen."""
    import gc

    from cervix_watch.bulk import collector_paused

    frozen_before = gc.get_freeze_count()
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext(), collector_paused():
        assert not gc.isenabled()
        cycle: list[object] = []
        cycle.append(cycle)
        if fails:
            raise RuntimeError("a failed review")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def _typeable(text: str) -> str:
    """`text` as an operator (no control character, not empty), else initials."""
    return text if text.isprintable() and text.strip() == text != "" else "AK"


@both_backends
def test_an_imports_audit_json_is_json_dumps_of_the_record(store: Store) -> None:
    """Each imported scan's audit row holds json.dumps of the scan as pydantic dumps it to
    JSON, with the id it was given (the form `scan add` writes), byte for byte."""
    import json

    from cervix_watch.store.importer import import_records

    scans = [
        build(Scan, {"mrn": "P01", "date": f"2026-10-{10 + n}", "cl_mm": (21 + n, 22.5),
                     "operator": _typeable(text), "notes": text * 2, "funneling": "yes",
                     "funnel_length_mm": "4.5"})
        for n, text in enumerate(TEXTS)
    ]  # fmt: skip
    chunk = ([], [(line, scan) for line, scan in enumerate(scans, start=2)])
    import_records(store, "scans", [chunk], source="scans.csv", who="AK", today=TODAY)
    with store.read() as conn:
        audit = tables.audit
        stored = conn.execute(
            sa.select(audit.c.changes, audit.c.reason)
            .where(audit.c.entity == "scan")
            .order_by(audit.c.audit_id)
        ).all()
    expected = [
        json.dumps({**scan.model_dump(mode="json"), "scan_id": scan_id}, sort_keys=True,
                   ensure_ascii=False)
        for scan_id, scan in enumerate(scans, start=1)
    ]  # fmt: skip
    assert [changes for changes, _ in stored] == expected
    assert {reason for _, reason in stored} == {"import from scans.csv"}
