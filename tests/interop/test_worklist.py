"""interop/worklist.py: a worklist item's attributes, PS3.4 C.2.2.2 / K.2.2 matching, answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cervix_watch.interop.worklist import (
    PENDING,
    PENDING_UNSUPPORTED_KEYS,
    PROCEDURE,
    QueryError,
    WorklistItem,
    answer,
    matches_value,
    offerable,
    person_name,
    step_id,
    step_number,
)

# Queries as machines send them, wildcards and malformed values included.
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR")

ITEM = WorklistItem(
    mrn="H100001",
    name="Smith, Mary",
    edd=date(2027, 3, 14),
    step_number=7,
    study_uid="2.25.123456789",
    start_on=date(2026, 12, 3),
    station_ae="US_ROOM1",
)
OTHER = WorklistItem(
    mrn="H100002",
    name="Jones",
    edd=date(2027, 4, 1),
    step_number=8,
    study_uid="2.25.987654321",
    start_on=date(2026, 12, 1),
    station_ae="US_ROOM1",
)


def _query(step: dict[str, Any] | None = None, **keys: Any) -> Dataset:
    query = Dataset()
    for key, value in keys.items():
        setattr(query, key, value)
    if step is not None:
        item = Dataset()
        for key, value in step.items():
            setattr(item, key, value)
        query.ScheduledProcedureStepSequence = Sequence([item])
    return query


def _mrns(query: Dataset, items: tuple[WorklistItem, ...] = (ITEM, OTHER)) -> list[str]:
    """The MRNs of the items matching `query` (PatientID asked for, universally, if not given)."""
    if "PatientID" not in query:
        query.PatientID = ""
    return [str(found.PatientID) for found in answer(query, items).identifiers]


@pytest.mark.parametrize(
    ("stored", "pn"),
    [
        ("Smith, Mary", "Smith^Mary"),
        ("  Smith ,  Mary Ann ", "Smith^Mary Ann"),
        ("Mary Smith", "Mary Smith"),
        ("Smith,", "Smith"),
        ("O\\Brien = Kate", "O Brien Kate"),
        ("x" * 70, "x" * 64),
        ("", ""),
        (", Mary", ""),
    ],
)
def test_person_name(stored: str, pn: str) -> None:
    """ "Family, Given" becomes Family^Given, another name the family component; `\\` and `=`
    go, and a component group keeps at most 64 characters."""
    assert person_name(stored) == pn


@pytest.mark.parametrize(
    ("name", "mrn", "offered"),
    [("Smith, Mary", "H1", True), ("", "H1", False), ("Smith", "H\\1", False), ("=", "H1", False)],
)
def test_offerable(name: str, mrn: str, offered: bool) -> None:
    """A patient without a name (PatientName is Type 1) or with `\\` in her MRN is not offered."""
    assert offerable(name, mrn) is offered


def test_step_ids() -> None:
    """Steps are CW<n>; only that shape reads back as one of ours."""
    assert step_id(12) == "CW12"
    assert step_number("CW12") == 12
    assert step_number(" CW3 ") == 3
    assert [step_number(t) for t in ("CW", "CW0", "CW01", "XW1", "CW1a", "")] == [None] * 6


def test_an_empty_query_returns_only_what_is_asked() -> None:
    """Only requested keys come back; an empty value is universal."""
    found = answer(_query(PatientID=""), (ITEM, OTHER))
    assert [str(d.PatientID) for d in found.identifiers] == ["H100001", "H100002"]
    assert [e.keyword for e in found.identifiers[0]] == ["PatientID"]
    assert found.pending_status == PENDING


def test_every_return_key() -> None:
    """The return keys of interop.md with their values and types."""
    keys = {
        "PatientName": "",
        "PatientID": "",
        "PatientBirthDate": "",
        "PatientSex": "",
        "PregnancyStatus": None,
        "LastMenstrualDate": "",
        "StudyInstanceUID": "",
        "RequestedProcedureID": "",
        "RequestedProcedureDescription": "",
        "AccessionNumber": "",
        "ReferencedStudySequence": Sequence([]),
        "ReferringPhysicianName": "",
        "ScheduledProcedureStepSequence": Sequence([]),
    }
    (found,) = answer(_query(**keys), (ITEM,)).identifiers
    assert str(found.PatientName) == "Smith^Mary"
    assert found.PatientID == "H100001"
    assert found.PatientBirthDate == ""
    assert found.PatientSex == ""
    assert found.PregnancyStatus == 3
    assert found.LastMenstrualDate == "20260607"  # 2027-03-14 - 280 days
    assert found.StudyInstanceUID == "2.25.123456789"
    assert found.RequestedProcedureID == "CW7"
    assert found.RequestedProcedureDescription == PROCEDURE
    assert found.AccessionNumber == ""
    assert len(found.ReferencedStudySequence) == 0
    assert found.ReferringPhysicianName == ""
    assert "SpecificCharacterSet" not in found
    (step,) = found.ScheduledProcedureStepSequence
    assert step.ScheduledStationAETitle == "US_ROOM1"
    assert step.ScheduledProcedureStepStartDate == "20261203"
    assert step.ScheduledProcedureStepStartTime == "000000"
    assert step.Modality == "US"
    assert step.ScheduledProcedureStepID == "CW7"
    assert step.ScheduledProcedureStepDescription == PROCEDURE
    assert step.ScheduledPerformingPhysicianName == ""
    assert found["PregnancyStatus"].VR == "US"
    assert found["LastMenstrualDate"].VR == "DA"


def test_an_empty_step_item_returns_the_whole_item() -> None:
    """A step item with no keys is universal and answers every key of the item."""
    query = _query(PatientID="")
    query.ScheduledProcedureStepSequence = Sequence([Dataset()])
    (found,) = answer(query, (ITEM,)).identifiers
    assert len(found.ScheduledProcedureStepSequence[0]) == 7


def test_the_step_item_returns_only_its_asked_keys() -> None:
    """Inside the step item, as at the top level, only the keys asked come back."""
    (found,) = answer(_query({"Modality": ""}), (ITEM,)).identifiers
    assert [e.keyword for e in found.ScheduledProcedureStepSequence[0]] == ["Modality"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Smith, Mary", None),
        ("Müller, Anna", "ISO_IR 100"),
        ("Ψυχή, Anna", "ISO_IR 192"),
    ],
)
def test_specific_character_set_only_when_not_ascii(name: str, expected: str | None) -> None:
    """(0008,0005) is added when a value is not ASCII: Latin-1 when it fits, else UTF-8."""
    item = WorklistItem("H1", name, ITEM.edd, 1, "2.25.1", ITEM.start_on, "US_ROOM1")
    (found,) = answer(_query(PatientName=""), (item,)).identifiers
    assert found.get("SpecificCharacterSet") == expected


def test_unsupported_keys_give_ff01() -> None:
    """A requested optional key not supported is left out and every pending status is FF01."""
    query = _query({"ScheduledStationName": "", "Modality": ""}, PatientID="", PatientWeight="")
    found = answer(query, (ITEM,))
    assert found.pending_status == PENDING_UNSUPPORTED_KEYS
    assert found.unsupported == (
        "PatientWeight",
        "ScheduledProcedureStepSequence>ScheduledStationName",
    )
    (identifier,) = found.identifiers
    assert "PatientWeight" not in identifier
    assert "ScheduledStationName" not in identifier.ScheduledProcedureStepSequence[0]


@pytest.mark.parametrize(
    ("value", "mrns"),
    [
        ("*", ["H100001", "H100002"]),
        ("smith^mary", ["H100001"]),
        ("SMITH^*", ["H100001"]),
        ("Sm?th*", ["H100001"]),
        ("Smith", []),  # single value: the whole name
        ("Smith^Mary^^^", ["H100001"]),  # trailing empty components do not count
        ("J*", ["H100002"]),
        ("*=*", ["H100001", "H100002"]),
        ("Smith^Mary=Yamada", []),  # an ideographic group we do not hold
        ("X*", []),
    ],
)
def test_patient_name_matching(value: str, mrns: list[str]) -> None:
    """PN: case-insensitive, wildcards, per component group."""
    assert _mrns(_query(PatientName=value)) == mrns


@pytest.mark.parametrize(
    ("value", "mrns"),
    [
        ("H100001", ["H100001"]),
        ("h100001", []),  # LO: exact, case counts
        ("H10000?", ["H100001", "H100002"]),
        ("H*2", ["H100002"]),
        ("H10000", []),
    ],
)
def test_patient_id_matching(value: str, mrns: list[str]) -> None:
    """LO: exact, with `*` and `?` wildcards."""
    assert _mrns(_query(PatientID=value)) == mrns


@pytest.mark.parametrize(
    ("value", "mrns"),
    [
        ("20261203", ["H100001"]),
        ("20261202", []),
        ("20261201-20261202", ["H100002"]),
        ("20261201-20261203", ["H100001", "H100002"]),  # inclusive both ends
        ("20261202-20261203", ["H100001"]),
        ("20261204-", []),
        ("20261203-", ["H100001"]),
        ("-20261202", ["H100002"]),
        ("-20261130", []),
        ("-20261201", ["H100002"]),
    ],
)
def test_start_date_matching(value: str, mrns: list[str]) -> None:
    """DA: a single date or an inclusive range, either end open, inside the step item."""
    assert _mrns(_query({"ScheduledProcedureStepStartDate": value})) == mrns


@pytest.mark.parametrize(
    ("value", "matched"),
    [
        ("000000", True),
        ("0000", True),
        ("00", True),
        ("000001", False),
        ("000000-235959", True),
        ("-000000", True),
        ("000001-", False),
        ("080000-120000", False),
        ("00:00:00", True),
    ],
)
def test_start_time_matching(value: str, matched: bool) -> None:
    """TM: the all-day step's 000000 against single times and ranges."""
    assert bool(_mrns(_query({"ScheduledProcedureStepStartTime": value}), (ITEM,))) is matched


@pytest.mark.parametrize(
    ("value", "mrns"),
    [
        ("2.25.123456789", ["H100001"]),
        ("2.25.987654321\\2.25.123456789", ["H100001", "H100002"]),
        ("2.25.1*", []),  # no wildcards on UIDs
        ("2.25.5", []),
    ],
)
def test_study_uid_list_matching(value: str, mrns: list[str]) -> None:
    """UI: list-of-UID matching on StudyInstanceUID."""
    assert _mrns(_query(StudyInstanceUID=value)) == mrns


@pytest.mark.parametrize(
    ("step", "matched"),
    [
        ({"Modality": "US"}, True),
        ({"Modality": "MR"}, False),
        ({"Modality": "U?"}, True),
        ({"ScheduledStationAETitle": "US_ROOM1"}, True),
        ({"ScheduledStationAETitle": "US_ROOM2"}, False),
        ({"ScheduledStationAETitle": "US_*"}, True),
        ({"Modality": "US", "ScheduledStationAETitle": "OTHER"}, False),  # the item as a whole
        ({"ScheduledProcedureStepID": "CW7"}, True),
        ({"ScheduledPerformingPhysicianName": ""}, True),
        ({"ScheduledPerformingPhysicianName": "*"}, True),
        ({"ScheduledPerformingPhysicianName": "Dr*"}, False),  # stored empty never matches
        ({"ScheduledStationName": "ROOM1"}, True),  # unsupported: not matched (FF01)
    ],
)
def test_step_item_matching(step: dict[str, str], matched: bool) -> None:
    """The query's step item is matched as a whole against ours."""
    assert bool(_mrns(_query(step), (ITEM,))) is matched


@pytest.mark.parametrize(
    ("keys", "matched"),
    [
        ({"PatientSex": ""}, True),
        ({"PatientSex": "F"}, False),
        ({"PatientBirthDate": "19900101-"}, False),
        ({"AccessionNumber": "A*"}, False),
        ({"AccessionNumber": "*"}, True),
        ({"ReferringPhysicianName": "Smith"}, False),
        ({"PregnancyStatus": 3}, True),
        ({"PregnancyStatus": 4}, False),
        ({"RequestedProcedureID": "CW7"}, True),
        ({"RequestedProcedureID": "CW8"}, False),
        ({"LastMenstrualDate": "20260607"}, True),
    ],
)
def test_stored_empty_values_match_only_universal_keys(keys: dict[str, Any], matched: bool) -> None:
    """A Type 2 value we hold empty matches only a universal key; the others match exactly."""
    assert bool(_mrns(_query(**keys), (ITEM,))) is matched


def test_referenced_study_sequence_is_stored_empty() -> None:
    """An item of universal keys in ReferencedStudySequence matches; a real UID does not."""
    universal = Dataset()
    universal.ReferencedSOPInstanceUID = ""
    named = Dataset()
    named.ReferencedSOPInstanceUID = "1.2.3"
    assert _mrns(_query(ReferencedStudySequence=Sequence([universal])), (ITEM,)) == ["H100001"]
    assert _mrns(_query(ReferencedStudySequence=Sequence([named])), (ITEM,)) == []


@pytest.mark.parametrize(
    ("step", "keys"),
    [
        ({"ScheduledProcedureStepStartDate": "2026-12-01"}, {}),
        ({"ScheduledProcedureStepStartDate": "20261301"}, {}),
        ({"ScheduledProcedureStepStartDate": "-"}, {}),
        ({"ScheduledProcedureStepStartTime": "250000"}, {}),
        (None, {"ScheduledProcedureStepSequence": Sequence([Dataset(), Dataset()])}),
    ],
)
def test_queries_that_cannot_be_processed(
    step: dict[str, str] | None, keys: dict[str, Any]
) -> None:
    """A malformed date or time, or two step items, is a QueryError (answered C000)."""
    with pytest.raises(QueryError):
        answer(_query(step, **keys), (ITEM,))


@pytest.mark.parametrize(
    ("vr", "wanted", "stored", "matched"),
    [
        ("CS", "US", "US", True),
        ("CS", "us", "US", False),
        ("SH", "CW*", "CW7", True),
        ("AE", "US_ROOM?", "US_ROOM1", True),
        ("LO", "a.b", "axb", False),  # regex characters are literal
        ("LT", "A*", "ABC", False),  # no wildcards outside PN, LO, SH, AE, CS
        ("LT", "ABC", "ABC", True),
        ("UI", "1.2\\1.3", "1.3", True),
        ("DA", "", "", True),
        ("DA", "20260101", "", False),
    ],
)
def test_matches_value(vr: str, wanted: str, stored: str, matched: bool) -> None:
    """Single-value, wildcard, list and universal matching by VR."""
    assert matches_value(vr, wanted, stored) is matched
