"""`app.patients.patient_list`: each patient's state today, from the engine's review."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from tests.conftest import TODAY

from cervix_watch.app.patients import patient_list
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.rules import load_profile
from cervix_watch.store.store import Store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """P1 mid-pregnancy on TODAY with one scan; P2 at 38+5 on TODAY (past 37+0)."""
    opened = Store.open(db_url)
    opened.add_patient(Patient(mrn="P1", edd=date(2027, 3, 14)), "t")
    opened.add_patient(Patient(mrn="P2", edd=date(2026, 12, 10)), "t")
    scan = Scan(mrn="P1", date=date(2026, 10, 13), cl_mm=(30.0, 31.0, 32.0), route="tv")
    opened.add_scan(scan, "t", today=TODAY)
    yield opened
    opened.close()


def test_every_patient_with_her_status(store: Store) -> None:
    """--all: both, by MRN; the one past 37+0 is not reviewed (no risk)."""
    rows = patient_list(store, TODAY, load_profile("acog-smfm"), active=False, risk=None)
    assert [(r.patient.mrn, r.status, r.scans, r.latest_cl_mm) for r in rows] == [
        ("P1", "active", 1, 30.0),
        ("P2", "past 37+0", 0, None),
    ]
    assert rows[0].risk is not None
    assert rows[1].risk is None


def test_active_only_leaves_out_a_pregnancy_past_37_weeks(store: Store) -> None:
    """--active: P2 (38+5) is left out."""
    rows = patient_list(store, TODAY, load_profile("acog-smfm"), active=True, risk=None)
    assert [r.patient.mrn for r in rows] == ["P1"]


def test_a_risk_filter_keeps_only_that_category(store: Store) -> None:
    """--risk keeps the patients of that category (any case), and no one else."""
    [p1] = patient_list(store, TODAY, load_profile("acog-smfm"), active=True, risk=None)
    assert p1.risk is not None
    profile = load_profile("acog-smfm")
    same = patient_list(store, TODAY, profile, active=False, risk=p1.risk.upper())
    assert [r.patient.mrn for r in same] == ["P1"]
    assert patient_list(store, TODAY, profile, active=False, risk="no-such-risk") == []


@pytest.mark.parametrize(
    ("ga_today_days", "accepted"),
    [(-1, False), (0, True), (44 * 7, True), (44 * 7 + 1, False)],
)
def test_register_takes_a_ga_today_from_0_to_44_weeks(
    db_url: str, ga_today_days: int, accepted: bool
) -> None:
    """GA today 0+0 and 44+0 register; a day outside either is refused under the field."""
    from cervix_watch.app.patients import register
    from cervix_watch.domain.errors import InputError

    store = Store.open(db_url)
    edd = TODAY + timedelta(days=280 - ga_today_days)
    try:
        if accepted:
            register(store, Patient(mrn="N1", edd=edd), "t", TODAY, "lmp")
            assert store.get_patient("N1")[0].edd == edd
        else:
            with pytest.raises(InputError) as refused:
                register(store, Patient(mrn="N1", edd=edd), "t", TODAY, "lmp")
            assert [p.field for p in refused.value.problems] == ["lmp"]
            assert store.counts()["patients"] == 0
    finally:
        store.close()


def test_a_new_edd_against_her_lmp_says_how_to_re_date_her(db_url: str) -> None:
    """A patient dated by her LMP given another EDD: the refusal adds 'clear the LMP too'."""
    from cervix_watch.app.patients import amend_patient
    from cervix_watch.domain.errors import InputError

    store = Store.open(db_url)
    try:
        store.add_patient(Patient(mrn="L1", lmp=date(2026, 6, 7)), "t")
        with pytest.raises(InputError, match="clear the LMP too: --lmp ''"):
            amend_patient(store, "L1", {"edd": date(2027, 3, 20)}, "scan dating", "t", TODAY)
    finally:
        store.close()
