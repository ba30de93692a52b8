"""`app.records`: adding a record answers with its id, GA, same-day records and flags."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import TODAY, both_backends

from cervix_watch.app import records
from cervix_watch.domain.enums import Action
from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Discussion, Exam, Patient, Scan
from cervix_watch.rules import Profile, load_profile
from cervix_watch.store.store import Store

EDD = date(2027, 3, 14)
ON = date(2026, 10, 13)  # GA 18+2
WHO = "tester"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A real database with patient P1 (EDD 2027-03-14)."""
    opened = Store.open(db_url)
    opened.add_patient(Patient(mrn="P1", edd=EDD), WHO)
    yield opened
    opened.close()


@pytest.fixture
def profile() -> Profile:
    return load_profile("acog-smfm")


def _scan(*cl_mm: float, on: date = ON) -> Scan:
    return Scan(mrn="P1", date=on, cl_mm=cl_mm, route="tv", operator=WHO)


def test_a_short_cervix_scan_answers_its_id_ga_and_flags(store: Store, profile: Profile) -> None:
    """CL 15 mm at 18+2 is saved with its id; the flags resting on it come back."""
    stored, saved = records.add_scan(store, _scan(15.0, 16.0, 17.0), WHO, TODAY, profile)
    assert stored.scan_id == saved.record_id == 1
    assert saved.ga_days == 18 * 7 + 2
    assert saved.same_day == ()
    assert saved.flags
    assert all(flag.basis_scan_id == 1 for flag in saved.flags)


def test_a_long_cervix_raises_no_flag(store: Store, profile: Profile) -> None:
    """CL 40 mm at 18+2: nothing raised by this scan."""
    _, saved = records.add_scan(store, _scan(40.0, 41.0, 42.0), WHO, TODAY, profile)
    assert saved.flags == []


def test_a_second_scan_that_day_names_the_first(store: Store, profile: Profile) -> None:
    """Another scan the same day with other values is saved, and the first one's id given."""
    records.add_scan(store, _scan(40.0, 41.0, 42.0), WHO, TODAY, profile)
    _, saved = records.add_scan(store, _scan(38.0, 39.0, 40.0), WHO, TODAY, profile)
    assert (saved.record_id, saved.same_day) == (2, (1,))


def test_after_the_write_the_patient_is_read_once(store: Store, profile: Profile) -> None:
    """What a scan raised costs one read of the patient (issue 20.1: it was three)."""
    stored, _ = records.add_scan(store, _scan(40.0, 41.0, 42.0), WHO, TODAY, profile)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        records.scan_raised(store, stored, profile)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    from_patients = [s for s in statements if "FROM patients" in s]
    assert len(from_patients) == 1


@both_backends
@pytest.mark.parametrize("group", [200, 2, 1])
def test_scans_raised_answers_as_scan_raised_does_for_each_in_one_read(
    store: Store, profile: Profile, group: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scans_raised` (import sr's answer) gives what `scan_raised` gives scan by scan, for
    scans of several patients (one with two, one short), in the scans' order, reading the
    patients once per group of `_READ_TOGETHER` (200; also 2 and 1, groups that split the
    patients and the first one's two scans)."""
    monkeypatch.setattr(records, "_READ_TOGETHER", group)
    store.add_patient(Patient(mrn="P2", edd=EDD), WHO)
    store.add_patient(Patient(mrn="P3", edd=EDD), WHO)
    scans = [
        records.add_scan(store, scan, WHO, TODAY, profile)[0]
        for scan in (
            _scan(15.0, 16.0, 17.0),
            _scan(40.0, 41.0, 42.0).model_copy(update={"mrn": "P2"}),
            _scan(14.0, 15.0, 16.0, on=date(2026, 10, 20)),
            _scan(39.0, 40.0, 41.0).model_copy(update={"mrn": "P3"}),
        )
    ]
    one_by_one = [records.scan_raised(store, scan, profile) for scan in scans]
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        together = records.scans_raised(store, scans, profile)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert together == one_by_one
    assert one_by_one[0].flags
    assert not one_by_one[1].flags
    assert len([s for s in statements if "FROM patients" in s]) == -(-3 // group)  # 3 patients


def test_an_exam_answers_its_id_and_ga(store: Store, profile: Profile) -> None:
    """An exam is saved with its id and the GA on its date."""
    exam = Exam(mrn="P1", date=ON, dilation_cm=0.0)
    saved = records.add_exam(store, exam, WHO, TODAY, profile)
    assert (saved.record_id, saved.ga_days) == (1, 18 * 7 + 2)


def _discussion(on: date = ON) -> Discussion:
    return Discussion(
        mrn="P1", action=Action.PROGESTERONE_DISCUSSION, date=on, outcome="declined", notes=None
    )


def test_a_point_not_raised_is_said_to_be_so(store: Store, profile: Profile) -> None:
    """No short cervix: a progesterone discussion is not a point she has (False)."""
    records.add_scan(store, _scan(40.0, 41.0, 42.0), WHO, TODAY, profile)
    assert records.check_discussion(store, _discussion(), profile) is False


def test_a_point_raised_is_said_to_be_so(store: Store, profile: Profile) -> None:
    """CL 15 mm at 18+2 raised a progesterone discussion (smfm.vp-short-cervix): True."""
    _, saved = records.add_scan(store, _scan(15.0, 16.0, 17.0), WHO, TODAY, profile)
    if Action.PROGESTERONE_DISCUSSION not in {flag.action for flag in saved.flags}:
        pytest.fail(f"the fixture should raise a progesterone discussion: {saved.flags}")
    assert records.check_discussion(store, _discussion(), profile) is True


def test_the_same_decision_twice_is_refused(store: Store, profile: Profile) -> None:
    """Same point, date and outcome: an InputError naming the discussion; nothing saved."""
    store.add_discussion(_discussion(), WHO, today=TODAY)
    with pytest.raises(InputError, match="already has progesterone-discussion declined"):
        records.check_discussion(store, _discussion(), profile)


def test_an_unregistered_patient_is_no_patient(profile: Profile, db_url: str) -> None:
    """No such patient: the one-line `mrn: no patient` refusal, before anything is written."""
    opened = Store.open(db_url)
    try:
        with pytest.raises(InputError, match="no patient 'P1'"):
            records.check_discussion(opened, _discussion(), profile)
    finally:
        opened.close()


def test_an_amended_scan_says_what_changed(store: Store, profile: Profile) -> None:
    """Only the fields that changed, each as [old, new] in JSON; the scan as it is now."""
    stored, _ = records.add_scan(store, _scan(40.0, 41.0, 42.0), WHO, TODAY, profile)
    assert stored.scan_id is not None
    amended = records.amend_scan(store, stored.scan_id, {"cl_mm": (20.0,)}, "typo", WHO, TODAY)
    assert amended.changed == {"cl_mm": [[40.0, 41.0, 42.0], [20.0]]}
    assert amended.before.recorded_cl_mm == 40.0
    assert amended.after.recorded_cl_mm == 20.0


def test_an_amended_exam_says_what_changed(store: Store, profile: Profile) -> None:
    """An exam's dilation corrected: that one field, old and new."""
    saved = records.add_exam(store, Exam(mrn="P1", date=ON, dilation_cm=0.0), WHO, TODAY, profile)
    amended = records.amend_exam(store, saved.record_id, {"dilation_cm": 1.0}, "typo", WHO, TODAY)
    assert amended.changed == {"dilation_cm": [0.0, 1.0]}
