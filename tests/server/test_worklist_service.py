"""`server.worklist`: the C-FIND handler's statuses (who may ask, FF00/FF01, FE00, C000, A700)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from tests.conftest import TODAY

from cervix_watch.domain.models import Patient
from cervix_watch.domain.problems import build
from cervix_watch.scanners import scanners_from
from cervix_watch.server.worklist import NOT_AUTHORISED, WorklistService, worklist_scanners
from cervix_watch.store.store import Store

SCANNERS = scanners_from(
    {
        "scanners": {
            "US_ROOM1": {"hosts": ["10.1.2.3"], "worklist": True},
            "US_ROOM2": {"hosts": ["10.1.2.4"]},
        }
    },
    Path("config.toml"),
)


@dataclass
class Lines:
    """The listener's sink, kept: what the service printed."""

    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def error(self, message: str) -> None:
        self.errors.append(message)


class Event:
    """An EVT_C_FIND event as pynetdicom passes it: the asker, the query, C-CANCEL."""

    def __init__(self, query: Dataset, ae: str = "US_ROOM1", address: str = "10.1.2.3") -> None:
        self.identifier = query
        self.assoc = SimpleNamespace(requestor=SimpleNamespace(ae_title=ae, address=address))
        self.cancel_after: int | None = None
        self.asked = 0

    @property
    def is_cancelled(self) -> bool:
        self.asked += 1
        return self.cancel_after is not None and self.asked > self.cancel_after


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """Three patients whose single CL screen is due today (GA 19+0), one without a name."""
    opened = Store.open(db_url)
    edd = (TODAY + timedelta(days=280 - 19 * 7)).isoformat()
    for mrn, name in (
        ("H1", "Smith, Mary"),
        ("H2", "Jones, Ann"),
        ("H3", "Brown, Eve"),
        ("H4", ""),
    ):
        opened.add_patient(build(Patient, {"mrn": mrn, "edd": edd, "name": name}), "tester")
    yield opened
    opened.close()


@pytest.fixture
def lines() -> Lines:
    return Lines()


@pytest.fixture
def service(store: Store, lines: Lines) -> WorklistService:
    return WorklistService(store, lambda: TODAY, lines, "listener", SCANNERS, 7, threading.Lock())


def _query(**step: Any) -> Dataset:
    query = Dataset()
    query.PatientID = ""
    item = Dataset()
    for key, value in step.items():
        setattr(item, key, value)
    query.ScheduledProcedureStepSequence = Sequence([item])
    return query


def test_the_worklist_scanners() -> None:
    """Only scanners with `worklist = true` are answered; none listed: the service is off."""
    assert worklist_scanners(SCANNERS) == ["US_ROOM1"]
    assert worklist_scanners({}) == []


def test_each_match_is_pending(service: WorklistService, lines: Lines) -> None:
    """Every item pending (FF00), one line naming the asker and the count, no patient."""
    answers = list(service.on_find(Event(_query())))
    assert [status for status, _ in answers] == [0xFF00] * 3
    assert sorted(str(d.PatientID) for _, d in answers if d is not None) == ["H1", "H2", "H3"]
    assert lines.notes == ["worklist query from US_ROOM1 (10.1.2.3): 3 items"]
    assert service.not_offered() == 1


def test_unsupported_keys_are_ff01(service: WorklistService) -> None:
    """A requested key we do not support makes every pending status FF01."""
    answers = list(service.on_find(Event(_query(ScheduledStationName=""))))
    assert [status for status, _ in answers] == [0xFF01] * 3


def test_c_cancel_ends_with_fe00(service: WorklistService, lines: Lines) -> None:
    """A C-CANCEL after the first answer: FE00 and nothing more."""
    event = Event(_query())
    event.cancel_after = 1
    answers = list(service.on_find(event))
    assert [status for status, _ in answers] == [0xFF00, 0xFE00]
    assert answers[-1][1] is None
    assert lines.notes[-1] == "worklist query from US_ROOM1 (10.1.2.3): cancelled"


@pytest.mark.parametrize(
    ("ae", "address"),
    [
        ("US_ROOM1", "10.1.2.9"),  # a worklist scanner's title from another host
        ("US_ROOM2", "10.1.2.4"),  # a scanner without `worklist = true`
        ("INTRUDER", "10.1.2.3"),  # not listed
    ],
)
def test_others_are_not_authorised(
    service: WorklistService, lines: Lines, ae: str, address: str
) -> None:
    """Only a worklist scanner from its hosts is answered; anyone else gets 0x0124."""
    assert list(service.on_find(Event(_query(), ae, address))) == [(NOT_AUTHORISED, None)]
    assert lines.notes == [
        f"warning: worklist query from {ae} ({address}) refused: not a worklist scanner "
        "from its hosts"
    ]


def test_a_query_that_cannot_be_processed_is_c000(service: WorklistService, lines: Lines) -> None:
    """A malformed date: 0xC000 and one line naming the problem.

    pydicom may warn while the test builds the bad query, or not (an in-process `import sr`
    earlier in the run sets its validation to ignore, `dicom_sr.quiet_libraries`): either way
    the answer is the same.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        query = _query(ScheduledProcedureStepStartDate="2026-13-01")
    assert list(service.on_find(Event(query))) == [(0xC000, None)]
    assert lines.errors == [
        "worklist query from US_ROOM1 (10.1.2.3): query: ScheduledProcedureStepStartDate "
        "'2026-13-01': '2026' is not a date (YYYYMMDD)"
    ]


def test_a_database_gone_is_a700(store: Store, lines: Lines) -> None:
    """The database replaced under the listener: 0xA700, nothing written."""
    service = WorklistService(
        store, lambda: TODAY, lines, "x", SCANNERS, 7, threading.Lock(), lambda: "gone"
    )
    assert list(service.on_find(Event(_query()))) == [(0xA700, None)]
    assert lines.errors == ["worklist query from US_ROOM1 (10.1.2.3): database: gone"]
    assert store.counts()["worklist_steps"] == 0
