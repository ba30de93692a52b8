"""`app.receive`: one SR received is a value (the DICOM status and the lines to print)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.conftest import TODAY
from tests.interop import sr_fixtures as fx

from cervix_watch.app.receive import (
    CANNOT_UNDERSTAND,
    DOES_NOT_MATCH,
    OUT_OF_RESOURCES,
    SUCCESS,
    failure,
    receive,
    sr_name,
)
from cervix_watch.app.srimport import SrImporter
from cervix_watch.domain.errors import DatabaseError
from cervix_watch.domain.models import Patient
from cervix_watch.store.store import Store


@pytest.fixture
def importer(db_url: str) -> Iterator[SrImporter]:
    """An importer on a real database holding the fixtures' patient (EDD 2027-03-14)."""
    store = Store.open(db_url)
    store.add_patient(Patient(mrn=fx.PATIENT_ID, edd=fx.EDD), "tester")
    yield SrImporter(store, TODAY, "tester", None, "tester", {})
    store.close()


def test_a_good_report_is_written_and_answered_success(importer: SrImporter) -> None:
    """The scan is written; the answer holds it and the profile to print its flags with."""
    received = receive(importer, "SR 1 from US1", fx.ob_report(*fx.THREE_MM))
    assert received.status == SUCCESS
    assert received.errors == ()
    assert received.outcome is not None
    assert received.profile is not None
    [(plan, scan)] = received.outcome.added
    assert plan.name == "SR 1 from US1"
    assert scan.scan_id is not None
    assert scan.recorded_cl_mm == pytest.approx(30.4)


def test_the_same_report_again_is_already_present(importer: SrImporter) -> None:
    """A report stored before is success again, written once (`present`, not `added`)."""
    report = fx.ob_report(*fx.THREE_MM)
    first = receive(importer, "SR 1", report)
    again = receive(importer, "SR 1", report)
    assert (first.status, again.status) == (SUCCESS, SUCCESS)
    assert again.outcome is not None
    assert again.outcome.added == []
    assert [scan_id for _, scan_id in again.outcome.present] == [1]


def test_an_unknown_patient_is_refused_with_a_line_naming_the_sr(importer: SrImporter) -> None:
    """No such MRN: 0xC000 and one `NAME: patient: ...` line; nothing is written."""
    received = receive(importer, "SR 2", fx.ob_report(fx.cl("30.0"), patient_id="SR9999"))
    assert received.status == CANNOT_UNDERSTAND
    assert received.errors == ("SR 2: patient: no patient (unmatched id, 6 chars, #1af6)",)
    assert received.outcome is None
    assert importer.store.counts()["scans"] == 0


def test_a_report_of_another_sop_class_does_not_match(importer: SrImporter) -> None:
    """A dataset that is not an accepted SR class answers 0xA900 (does not match)."""
    received = receive(importer, "SR 3", fx.ob_report(*fx.THREE_MM, sop_class="1.2.3.4"))
    assert received.status == DOES_NOT_MATCH
    assert len(received.errors) == 1


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
