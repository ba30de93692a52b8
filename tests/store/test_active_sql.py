"""The review's active patients are selected in SQL, and that selection is the engine's.

Active (clinical-rules.md): not closed by the review date, and GA below the
profile's `active_before` (37+0) on it, or a cerclage in situ or (v3) a progesterone
course active on it. The SQL filter
(`store.reads.active_patient_ids`) must pick exactly the pregnancies the
engine's Python check (`rules.context.active_running`) keeps, on both backends,
on each day around every boundary.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends

from cervix_watch.domain.enums import CerclageKind, CloseOutcome, TreatmentType
from cervix_watch.domain.ga import parse_ga
from cervix_watch.domain.models import Closure, Patient, Treatment
from cervix_watch.rules import load_profile
from cervix_watch.rules.context import active_running
from cervix_watch.store import db, migrations
from cervix_watch.store.reads import ActiveOn
from cervix_watch.store.store import Store

pytestmark = both_backends

ON = date(2026, 6, 30)
WHO = "test"
ACTIVE_BEFORE = parse_ga("37+0")


def _patient(store: Store, mrn: str, ga_on: str) -> date:
    edd = ON + timedelta(days=280 - parse_ga(ga_on))
    store.add_patient(Patient(mrn=mrn, edd=edd), WHO)
    return edd


def _cerclage(store: Store, mrn: str, start: date, end: date | None = None) -> None:
    treatment = Treatment(
        mrn=mrn, type=TreatmentType.CERCLAGE, kind=CerclageKind.HISTORY, start=start, end=end
    )
    store.add_treatment(treatment, WHO, today=TODAY)


def _clinic(store: Store) -> set[str]:
    """Pregnancies on each side of every boundary; returns the MRNs active on ON."""
    _patient(store, "GA-36+6", "36+6")
    _patient(store, "GA-37+0", "37+0")
    _patient(store, "GA-10+0", "10+0")
    _patient(store, "CERCLAGE-IN-SITU", "38+2")
    _cerclage(store, "CERCLAGE-IN-SITU", ON - timedelta(days=120))
    _patient(store, "CERCLAGE-ENDED-ON", "38+2")
    _cerclage(store, "CERCLAGE-ENDED-ON", ON - timedelta(days=120), end=ON)
    _patient(store, "CERCLAGE-ENDS-NEXT-DAY", "38+2")
    _cerclage(store, "CERCLAGE-ENDS-NEXT-DAY", ON - timedelta(days=120), ON + timedelta(days=1))
    _patient(store, "CERCLAGE-STARTS-NEXT-DAY", "37+3")
    _cerclage(store, "CERCLAGE-STARTS-NEXT-DAY", ON + timedelta(days=1))
    _patient(store, "PROGESTERONE-ONLY", "37+3")
    progesterone = Treatment(
        mrn="PROGESTERONE-ONLY", type=TreatmentType.PROGESTERONE, start=ON - timedelta(days=60)
    )
    store.add_treatment(progesterone, WHO, today=TODAY)
    _patient(store, "PROGESTERONE-ENDED-ON", "37+3")
    ended = progesterone.model_copy(update={"mrn": "PROGESTERONE-ENDED-ON", "end": ON})
    store.add_treatment(ended, WHO, today=TODAY)
    _patient(store, "PROGESTERONE-ENDS-NEXT-DAY", "37+3")
    ends_later = ended.model_copy(
        update={"mrn": "PROGESTERONE-ENDS-NEXT-DAY", "end": ON + timedelta(days=1)}
    )
    store.add_treatment(ends_later, WHO, today=TODAY)
    _patient(store, "CLOSED-ON", "30+0")
    store.close_patient(
        "CLOSED-ON", Closure(date=ON, outcome=CloseOutcome.DELIVERED), WHO, None, today=TODAY
    )
    _patient(store, "CLOSED-NEXT-DAY", "30+0")
    closure = Closure(date=ON + timedelta(days=1), outcome=CloseOutcome.DELIVERED)
    store.close_patient("CLOSED-NEXT-DAY", closure, WHO, None, today=TODAY)
    _patient(store, "CLOSED-WITH-CERCLAGE", "30+0")
    _cerclage(store, "CLOSED-WITH-CERCLAGE", ON - timedelta(days=90))
    store.close_patient(
        "CLOSED-WITH-CERCLAGE", Closure(date=ON, outcome=CloseOutcome.LOSS), WHO, None, today=TODAY
    )
    return {
        "GA-36+6",
        "GA-10+0",
        "CERCLAGE-IN-SITU",
        "CERCLAGE-ENDS-NEXT-DAY",
        # clinical rules v3 change 6: a progesterone course active keeps her under review
        "PROGESTERONE-ONLY",
        "PROGESTERONE-ENDS-NEXT-DAY",
        "CLOSED-NEXT-DAY",
    }


def _python_filter(store: Store, on: date, before: int) -> set[str]:
    """What the engine keeps: every patient read, then `active_running` decides."""
    return {
        history.patient.mrn
        for history in store.patient_files()
        if active_running(history, on, before) is not None
    }


def _sql_filter(store: Store, on: date, before: int) -> set[str]:
    return {f.patient.mrn for f in store.patient_files(active=ActiveOn(on, before))}


def test_sql_selects_exactly_the_active_patients(db_url: str) -> None:
    """On the review date the SQL filter keeps the expected pregnancies, as the engine does."""
    store = Store.open(db_url)
    expected = _clinic(store)
    assert _sql_filter(store, ON, ACTIVE_BEFORE) == expected
    assert _python_filter(store, ON, ACTIVE_BEFORE) == expected


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_sql_equals_the_python_filter_on_every_day_around_the_boundaries(
    db_url: str, profile: str
) -> None:
    """For each day from a week before to a week after, both filters pick the same patients."""
    store = Store.open(db_url)
    _clinic(store)
    before = load_profile(profile).active_before
    for offset in range(-7, 8):
        on = ON + timedelta(days=offset)
        assert _sql_filter(store, on, before) == _python_filter(store, on, before), on


def test_active_filter_with_an_mrn_returns_nobody_for_an_inactive_patient(db_url: str) -> None:
    """One inactive patient asked for with the active filter: no file (she is not reviewed)."""
    store = Store.open(db_url)
    _clinic(store)
    assert store.patient_files("GA-37+0", active=ActiveOn(ON, ACTIVE_BEFORE)) == []
    (found,) = store.patient_files("GA-36+6", active=ActiveOn(ON, ACTIVE_BEFORE))
    assert found.patient.mrn == "GA-36+6"


def test_migration_adds_the_edd_index_to_an_older_database(db_url: str) -> None:
    """A database without the migration `active_index` (no EDD index) gets the index on open."""
    Store.open(db_url).engine.dispose()
    engine = sa.create_engine(db.resolve(db_url).url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_patients_edd"))
            conn.execute(sa.text("DELETE FROM schema_migrations WHERE name = 'active_index'"))
        Store.open(db_url).engine.dispose()
        with engine.connect() as conn:
            names = {ix["name"] for ix in sa.inspect(conn).get_indexes("patients")}
            version = conn.execute(
                sa.text("SELECT value FROM settings WHERE key = 'schema_version'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert "ix_patients_edd" in names
    assert int(version) == len(migrations.MIGRATIONS)
