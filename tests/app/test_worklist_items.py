"""`app.worklist`: the items a worklist query is offered, and whose a returning report is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from tests.conftest import TODAY

from cervix_watch.app.clinic import clinic_review, resolve_profile
from cervix_watch.app.srimport import SrImporter
from cervix_watch.app.worklist import (
    WORKLIST_PATIENT_DIFFERS,
    Asker,
    not_offered,
    worklist_items,
    worklist_owner,
)
from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.domain.problems import build
from cervix_watch.interop.worklist import WorklistItem
from cervix_watch.rules import Profile
from cervix_watch.rules.review import recall_status
from cervix_watch.store.store import Store

ASKER = Asker("US_ROOM1")


def _edd_at(weeks: int, days: int = 0) -> str:
    """The EDD of a pregnancy at GA weeks+days on TODAY."""
    return (TODAY + timedelta(days=280 - (weeks * 7 + days))).isoformat()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """Low-risk singletons whose single screen is due now (H1, and H5 without a name),
    due in 5 days (H2), due in 2 weeks (H3); H4 high risk; H6's MRN holds a backslash."""
    opened = Store.open(db_url)
    patients = [
        ("H1", _edd_at(19), "Smith, Mary", {}),
        ("H2", _edd_at(17, 2), "Jones, Ann", {}),
        ("H3", _edd_at(16), "Later, Lucy", {}),
        ("H4", _edd_at(20), "Risk, Rose", {"prior_sptb_weeks": "26+3"}),
        ("H5", _edd_at(19), "", {}),
    ]
    for mrn, edd, name, history in patients:
        record = {"mrn": mrn, "edd": edd, "name": name, **history}
        opened.add_patient(build(Patient, record), "tester")
    yield opened
    opened.close()


@pytest.fixture
def profile(store: Store) -> Profile:
    return resolve_profile(store, None)


def _items(
    store: Store, profile: Profile, asker: Asker = ASKER, on: date = TODAY
) -> dict[str, WorklistItem]:
    return {i.mrn: i for i in worklist_items(store, profile, on, asker, days=7, who="listener")}


def test_the_items_are_the_patients_due_lists(store: Store, profile: Profile) -> None:
    """Every patient due within 7 days with a name is offered; the unnamed one is counted."""
    review, _ = clinic_review(store, TODAY, profile)
    due = {p.mrn for p in review.patients if recall_status(p, TODAY, 7)}
    assert due == {"H1", "H2", "H4", "H5"}
    assert set(_items(store, profile)) == due - {"H5"}
    assert not_offered(store, profile, TODAY, 7) == 1


@pytest.mark.parametrize(("accession", "step_id"), [("none", False), ("step", True)])
def test_accession_number_is_empty_unless_configured(
    store: Store, profile: Profile, accession: str, step_id: bool
) -> None:
    """`worklist_accession`: "none" (the default) leaves AccessionNumber empty (the
    hospital's RIS owns them); "step" gives each item its step's id, CW<n>."""
    found = worklist_items(
        store, profile, TODAY, ASKER, days=7, who="listener", accession=accession
    )
    assert found
    for item in found:
        assert item.accession == (item.step_id if step_id else "")
    default = worklist_items(store, profile, TODAY, ASKER, days=7, who="listener")
    assert {i.accession for i in default} == {""}


def test_start_date_is_the_later_of_due_date_and_today(store: Store, profile: Profile) -> None:
    """H1's screen window opened a week ago: today; H2's opens in 5 days: that day."""
    found = worklist_items(store, profile, TODAY, ASKER, days=7, who="listener")
    by_mrn = {i.mrn: i for i in found}
    assert by_mrn["H1"].start_on == TODAY
    assert by_mrn["H2"].start_on == TODAY + timedelta(days=5)
    assert by_mrn["H1"].station_ae == "US_ROOM1"
    assert by_mrn["H1"].edd == date.fromisoformat(_edd_at(19))


def test_the_look_ahead_bounds_the_items(store: Store, profile: Profile) -> None:
    """With 4 days of look-ahead H2 (due in 5 days) is not offered; with 5 she is."""
    four = worklist_items(store, profile, TODAY, ASKER, days=4, who="listener")
    five = worklist_items(store, profile, TODAY, ASKER, days=5, who="listener")
    assert "H2" not in {i.mrn for i in four}
    assert "H2" in {i.mrn for i in five}


def test_steps_are_issued_once(store: Store, profile: Profile) -> None:
    """A second query, or the next day's, gets the same step and UID for the same due date."""
    first = worklist_items(store, profile, TODAY, ASKER, days=7, who="listener")
    later = worklist_items(store, profile, TODAY + timedelta(days=1), ASKER, days=7, who="listener")
    assert {(i.mrn, i.step_number, i.study_uid) for i in first} == {
        (i.mrn, i.step_number, i.study_uid) for i in later
    }


def test_a_new_due_date_gets_a_new_step(store: Store, profile: Profile) -> None:
    """After H4's scan, her next due date moves: a new step, the old UID still hers."""
    (before,) = [
        i for i in worklist_items(store, profile, TODAY, ASKER, days=7, who="x") if i.mrn == "H4"
    ]
    scan = build(Scan, {"mrn": "H4", "date": TODAY.isoformat(), "cl_mm": (35, 36, 37)})
    store.add_scan(scan, "tester", today=TODAY)
    on = TODAY + timedelta(days=14)
    after = [i for i in worklist_items(store, profile, on, ASKER, days=7, who="x") if i.mrn == "H4"]
    assert after
    assert after[0].study_uid != before.study_uid
    report = Dataset()
    report.StudyInstanceUID = before.study_uid
    owner = worklist_owner(store, report, "H4")
    assert owner is not None
    assert owner.mrn == "H4"


def test_a_patient_named_by_exact_mrn_is_offered(store: Store, profile: Profile) -> None:
    """H3, not due, is offered to a query naming her MRN exactly; not to a wildcard."""
    assert "H3" in _items(store, profile, Asker("US_ROOM1", "H3"))
    assert "H3" not in _items(store, profile, Asker("US_ROOM1", "H*"))
    assert "H3" not in _items(store, profile, Asker("US_ROOM1", "H?"))
    assert "H3" not in _items(store, profile, Asker("US_ROOM1", "H9"))
    assert set(_items(store, profile, Asker("US_ROOM1", "H5"))) == {"H1", "H2", "H4"}


def test_a_backslash_in_the_mrn_is_not_offered(db_url: str) -> None:
    """PatientID is one value: an MRN holding `\\` would be two, so she is not offered."""
    store = Store.open(db_url)
    try:
        patient = build(Patient, {"mrn": "H\\7", "edd": _edd_at(19), "name": "Back, Slash"})
    except Exception:
        pytest.skip("MRNs cannot hold a backslash: nothing to offer")
    store.add_patient(patient, "tester")
    profile = resolve_profile(store, None)
    assert worklist_items(store, profile, TODAY, ASKER, days=7, who="x") == ()
    assert not_offered(store, profile, TODAY, 7) == 1


@pytest.fixture
def issued(store: Store, profile: Profile) -> dict[str, WorklistItem]:
    return _items(store, profile)


def _report(study_uid: str = "1.2.3", **request: str) -> Dataset:
    report = Dataset()
    report.StudyInstanceUID = study_uid
    if request:
        item = Dataset()
        for key, value in request.items():
            setattr(item, key, value)
        report.ReferencedRequestSequence = Sequence([item])
    return report


def test_a_report_with_our_study_uid_is_hers(store: Store, issued: dict[str, WorklistItem]) -> None:
    """Her MRN, or a PatientID matching no MRN: filed to her. Another's MRN: held."""
    uid = issued["H1"].study_uid
    mine = worklist_owner(store, _report(uid), "H1")
    typed_name = worklist_owner(store, _report(uid), "Mary Smith")
    other = worklist_owner(store, _report(uid), "H2")
    assert mine is not None
    assert (mine.mrn, mine.held_reason) == ("H1", None)
    assert typed_name is not None
    assert typed_name.mrn == "H1"
    assert other is not None
    assert (other.mrn, other.held_reason) == (None, WORKLIST_PATIENT_DIFFERS)
    assert other.step.mrn == "H1"


def test_a_report_naming_our_step_in_its_request_is_hers(
    store: Store, issued: dict[str, WorklistItem]
) -> None:
    """Referenced Request Sequence (0040,A370): by Study Instance UID or Requested Procedure ID."""
    step = issued["H2"]
    by_uid = worklist_owner(store, _report(StudyInstanceUID=step.study_uid), "x")
    by_id = worklist_owner(store, _report(RequestedProcedureID=step.step_id), "x")
    assert by_uid is not None
    assert by_uid.mrn == "H2"
    assert by_id is not None
    assert by_id.mrn == "H2"


def test_a_report_without_our_step_is_not_the_worklists(
    store: Store, issued: dict[str, WorklistItem]
) -> None:
    """No UID of ours, no step of ours: None (the usual rules apply)."""
    assert worklist_owner(store, _report(), "H1") is None
    assert worklist_owner(store, _report(RequestedProcedureID="CW999"), "H1") is None
    assert worklist_owner(store, _report(RequestedProcedureID="RIS42"), "H1") is None
    assert worklist_owner(store, Dataset(), "H1") is None


def _sr_back(study_uid: str, patient_id: str) -> Dataset:
    """The machine's report of today's scan, carrying the worklist's Study Instance UID and
    the name the worklist gave."""
    from tests.interop import sr_fixtures as fx

    report = fx.ob_report(fx.cl("31.2"), fx.cl("30.4"), patient_id=patient_id)
    report.StudyInstanceUID = study_uid
    report.PatientName = "Smith^Mary"
    report.StudyDate = report.ContentDate = TODAY.strftime("%Y%m%d")
    return report


def _importer(store: Store) -> SrImporter:
    return SrImporter(store, TODAY, "listener", None, "listener", {})


@pytest.mark.parametrize("patient_id", ["H1", "Mary Smith", "123"])
def test_a_returning_report_is_planned_for_her(
    store: Store, issued: dict[str, WorklistItem], patient_id: str
) -> None:
    """import sr and listen file a report with her step's UID to her: PatientID her MRN, or
    one that is no stored MRN (a name typed on the machine)."""
    plan = _importer(store).plan("SR x", _sr_back(issued["H1"].study_uid, patient_id))
    assert plan.record.mrn == "H1"


def test_a_returning_report_with_another_patients_mrn_is_refused(
    store: Store, issued: dict[str, WorklistItem]
) -> None:
    """Her step's UID with another patient's MRN: refused as the worklist patient differs
    (the inbox holds it), never filed to either."""
    with pytest.raises(InputError) as refused:
        _importer(store).plan("SR x", _sr_back(issued["H1"].study_uid, "H2"))
    (problem,) = refused.value.problems
    assert (problem.field, problem.message) == ("worklist", WORKLIST_PATIENT_DIFFERS)
    assert "H1" not in str(problem)
    assert "H2" not in str(problem)


def test_a_report_not_from_the_worklist_goes_by_its_patient_id(store: Store) -> None:
    """No step of ours: the PatientID decides, as before (her name on the report: the
    name check of interop.md v3 holds a report whose name is another patient's)."""
    report = _sr_back("1.2.826.0.1.3680043.10.1", "H2")
    report.PatientName = "Jones^Ann"
    plan = _importer(store).plan("SR x", report)
    assert plan.record.mrn == "H2"


def test_the_inbox_holds_a_returning_report_of_another_patients_mrn(
    store: Store, issued: dict[str, WorklistItem]
) -> None:
    """Through the intake (listen, import sr --hold): held, "the worklist patient differs";
    her step's report with a typed name is filed to her."""
    from datetime import datetime
    from io import BytesIO

    from cervix_watch.app.intake import Intake

    def take(report: Dataset) -> tuple[str, str]:
        data = BytesIO()
        report.save_as(data, enforce_file_format=True)
        at = datetime(TODAY.year, TODAY.month, TODAY.day, 12)
        taken = Intake(_importer(store)).take("SR x", report, data.getvalue(), "US_ROOM1", at)
        return taken.outcome, taken.reason

    uid = issued["H1"].study_uid
    assert take(_sr_back(uid, "H2")) == ("held", WORKLIST_PATIENT_DIFFERS)
    assert take(_sr_back(uid, "Mary Smith")) == ("filed", "")
