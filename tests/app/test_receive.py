"""`app.receive`: one SR received is a value (the DICOM status and the lines to print)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import BytesIO

import pytest
from pydicom.dataset import Dataset
from tests.conftest import TODAY
from tests.interop import sr_fixtures as fx

from cervix_watch.app.intake import Intake
from cervix_watch.app.receive import (
    CANNOT_UNDERSTAND,
    DOES_NOT_MATCH,
    OUT_OF_RESOURCES,
    SUCCESS,
    Received,
    failure,
    sr_name,
)
from cervix_watch.app.receive import receive as receive_one
from cervix_watch.app.srimport import SrImporter
from cervix_watch.domain.errors import DatabaseError
from cervix_watch.domain.models import Patient
from cervix_watch.store.store import Store

AT = datetime(2026, 12, 1, 9, 30)


@pytest.fixture
def intake(db_url: str) -> Iterator[Intake]:
    """An intake on a real database holding the fixtures' patient (EDD 2027-03-14)."""
    store = Store.open(db_url)
    store.add_patient(Patient(mrn=fx.PATIENT_ID, edd=fx.EDD), "tester")
    yield Intake(SrImporter(store, TODAY, "tester", None, "tester", {}))
    store.close()


def receive(intake: Intake, name: str, dataset: Dataset) -> Received:
    """`app.receive.receive` as `listen` calls it, the dataset's bytes as received."""
    data = encoded(dataset)
    return receive_one(intake, name, dataset, data, "US1", AT)


def encoded(dataset: Dataset) -> bytes:
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_a_good_report_is_written_and_answered_success(intake: Intake) -> None:
    """The scan is written; the answer holds it and the profile to print its flags with."""
    received = receive(intake, "SR 1 from US1", fx.ob_report(*fx.THREE_MM))
    assert received.status == SUCCESS
    assert received.errors == ()
    assert received.outcome is not None
    assert received.profile is not None
    [(plan, scan)] = received.outcome.added
    assert plan.name == "SR 1 from US1"
    assert scan.scan_id is not None
    assert scan.recorded_cl_mm == pytest.approx(30.4)


def test_the_same_report_again_is_already_present(intake: Intake) -> None:
    """A report stored before is success again, written once (`present`, not `added`)."""
    report = fx.ob_report(*fx.THREE_MM)
    first = receive(intake, "SR 1", report)
    again = receive(intake, "SR 1", report)
    assert (first.status, again.status) == (SUCCESS, SUCCESS)
    assert again.outcome is not None
    assert again.outcome.added == []
    assert [scan_id for _, scan_id in again.outcome.present] == [1]


def test_a_report_of_a_voided_scan_sent_again_is_held_saying_so(intake: Intake) -> None:
    """The scan a report made was voided; the scanner sends the report again: held for a
    person ("received before as a scan that was voided (scan 1)"), answered 0x0000, not
    "already present" (it was before: the lookup counted the voided scan)."""
    report = fx.ob_report(*fx.THREE_MM)
    assert receive(intake, "SR 1", report).status == SUCCESS
    intake.store.void_scan(1, "keyed to the wrong patient", "tester")
    again = receive(intake, "SR 1", report)
    assert again.status == SUCCESS
    assert again.taken is not None
    assert (again.taken.outcome, again.taken.reason) == (
        "held",
        "received before as a scan that was voided (scan 1)",
    )
    assert intake.store.counts()["inbox"] == 1


def test_an_unknown_patient_is_held_and_answered_success(intake: Intake) -> None:
    """No such MRN: held in the inbox (after its commit), 0x0000; no scan, no error line."""
    received = receive(intake, "SR 2", fx.ob_report(fx.cl("30.0"), patient_id="SR9999"))
    assert received.status == SUCCESS
    assert received.errors == ()
    assert received.taken is not None
    assert (received.taken.outcome, received.taken.reason) == (
        "held",
        "the PatientID matches no stored MRN",
    )
    assert intake.store.counts()["scans"] == 0
    assert intake.store.counts()["inbox"] == 1


def test_a_report_that_is_not_ob_gyn_is_ignored_with_a_receipt(intake: Intake) -> None:
    """Root not OB-GYN: a receipt only, 0x0000."""
    report = fx.report([fx.cl("30")], root=fx.IMAGING_MEASUREMENT_REPORT)
    received = receive(intake, "SR 5", report)
    assert received.status == SUCCESS
    assert received.taken is not None
    assert received.taken.outcome == "ignored"
    assert intake.store.counts()["inbox_receipts"] == 1


def test_a_report_of_another_sop_class_does_not_match(intake: Intake) -> None:
    """A dataset that is not an accepted SR class answers 0xA900 (does not match)."""
    received = receive(intake, "SR 3", fx.ob_report(*fx.THREE_MM, sop_class="1.2.3.4"))
    assert received.status == DOES_NOT_MATCH
    assert len(received.errors) == 1
    assert intake.store.counts()["inbox"] == 0


def test_a_root_that_is_not_a_container_does_not_match(intake: Intake) -> None:
    """The root content item is not a CONTAINER: 0xA900, nothing kept."""
    report = fx.ob_report(*fx.THREE_MM)
    report.ValueType = "TEXT"
    received = receive(intake, "SR 6", report)
    assert received.status == DOES_NOT_MATCH
    assert intake.store.counts()["inbox"] + intake.store.counts()["inbox_receipts"] == 0


def test_failures_become_statuses_and_never_quote_the_error() -> None:
    """A database failure may be retried (0xA700); a bug names only its kind (0xC000)."""
    database = failure("SR 4", DatabaseError("the database is locked"))
    assert database.status == OUT_OF_RESOURCES
    assert database.errors == ("SR 4: database: the database is locked",)
    bug = failure("SR 4", KeyError("Quillfeather"))
    assert bug.status == CANNOT_UNDERSTAND
    assert bug.errors == ("SR 4: internal error (KeyError); nothing written",)


def test_a_received_sr_is_named_by_its_uid_and_calling_ae() -> None:
    """`SR <SOP Instance UID> from <AE>`; a report without a UID says so."""
    report = fx.ob_report(*fx.THREE_MM, sop_uid="1.2.3")
    assert sr_name(report, "US1") == "SR 1.2.3 from US1"
    del report.SOPInstanceUID
    assert sr_name(report, "US1") == "SR (no SOP Instance UID) from US1"
