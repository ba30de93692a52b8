"""`app.srimport`: the scans a run commits carry the ids their write gave them (issue 20.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends
from tests.interop import sr_fixtures as fx

from cervix_watch.app.srimport import SrImporter
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.store.store import Store


@pytest.fixture
def importer(db_url: str) -> Iterator[SrImporter]:
    """An importer on a database holding the fixtures' patient and a typed scan of hers."""
    store = Store.open(db_url)
    store.add_patient(Patient(mrn=fx.PATIENT_ID, edd=fx.EDD), "tester")
    typed = Scan(mrn=fx.PATIENT_ID, date=fx.STUDY_DATE, cl_mm=(35.0,), operator="tester")
    store.add_scan(typed, "tester", today=TODAY)
    yield SrImporter(store, TODAY, "tester", None, "tester", {})
    store.close()


@both_backends
def test_committed_scans_are_the_stored_scans_with_their_ids(importer: SrImporter) -> None:
    """Two reports in one run: each added scan has the id it was stored under (after the
    typed scan's), and equals the scan read back by that id."""
    reports = [
        ("first.dcm", fx.ob_report(fx.cl("30.0"))),
        ("second.dcm", fx.ob_report(fx.cl("28.0"), fx.cl("28.5"))),
    ]
    plans, problems = importer.plan_all(reports)
    assert problems == []
    outcome = importer.commit(plans)
    added = [(plan.name, scan.scan_id) for plan, scan in outcome.added]
    assert added == [("first.dcm", 2), ("second.dcm", 3)]
    for _, scan in outcome.added:
        assert scan.scan_id is not None
        stored, voided = importer.store.get_scan(scan.scan_id)
        assert not voided
        assert stored == scan


def test_a_dry_run_gives_the_planned_scans_without_ids(importer: SrImporter) -> None:
    """Nothing is written, so no scan has an id."""
    plans, _ = importer.plan_all([("first.dcm", fx.ob_report(fx.cl("30.0")))])
    outcome = importer.commit(plans, dry_run=True)
    assert [scan.scan_id for _, scan in outcome.added] == [None]
    assert importer.store.counts()["scans"] == 1


def test_without_worklist_steps_no_report_is_looked_up_in_them(importer: SrImporter) -> None:
    """A clinic that never issued a worklist step: a run of three reports asks the steps
    table once (were any issued?), not once per report, and files them as before."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    reports = [(f"{n}.dcm", fx.ob_report(fx.cl(f"{30 + n}.0"))) for n in range(3)]
    sa.event.listen(importer.store.engine, "before_cursor_execute", seen)
    try:
        plans, problems = importer.plan_all(reports)
    finally:
        sa.event.remove(importer.store.engine, "before_cursor_execute", seen)
    assert problems == []
    assert len(plans) == 3
    assert len([s for s in statements if "worklist_steps" in s]) == 1
