"""Modality Worklist answers: one item's attributes, matching a C-FIND query, the response.

interop.md "Modality Worklist: the right patient at the machine". pynetdicom does no
matching, so this module does it, as PS3.4 C.2.2.2 and K.2.2 say:
- an empty value, or `*` alone, is universal;
- `*` and `?` are wildcards on PN, LO, SH, AE and CS; PN is matched case-insensitively,
  per component group (alphabetic=ideographic=phonetic); other strings exactly;
- DA and TM take ranges `D1-D2`, `-D2`, `D1-` (inclusive);
- StudyInstanceUID takes a list of UIDs (`uid1\\uid2`);
- a sequence key's one item is matched as a whole (an empty item is universal);
- a stored empty value never matches a non-universal key.
A requested key this module does not support is left out of the answer and makes each
pending status FF01 (`Answer.unsupported`).

Nothing here reads the clock or the store: the items come from `app.worklist`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from cervix_watch.domain.ga import date_at_ga

MODALITY_WORKLIST_FIND = "1.2.840.10008.5.1.4.31"
PENDING = 0xFF00
PENDING_UNSUPPORTED_KEYS = 0xFF01  # matches continue; an optional key was not supported
CANCELLED = 0xFE00
UNABLE_TO_PROCESS = 0xC000
PROCEDURE = "Cervical length surveillance (transvaginal)"
DEFINITELY_PREGNANT = 3  # PregnancyStatus (0010,21C0): 1 not, 2 possibly, 3 definitely, 4 unknown
ALL_DAY = "000000"  # ScheduledProcedureStepStartTime of an all-day step
MAX_PN_GROUP = 64  # characters in one PN component group (PS3.5 6.2)
STEP_PREFIX = "CW"  # SPS ID and Requested Procedure ID: CW<n>, at most 16 characters (SH)
STEP_SEQUENCE = "ScheduledProcedureStepSequence"
_WILDCARD_VRS = frozenset({"PN", "LO", "SH", "AE", "CS"})
_NOT_KEYS = frozenset({"SpecificCharacterSet"})  # in a query, not a key to match


class QueryError(ValueError):
    """A query this SCP cannot process (a malformed date or time, two step items)."""


@dataclass(frozen=True)
class WorklistItem:
    """One scheduled procedure step as offered to the machine that asked."""

    mrn: str
    name: str  # as stored in the record
    edd: date
    step_number: int
    study_uid: str
    start_on: date  # the later of the due date and today
    station_ae: str  # the calling AE
    accession: str = ""

    @property
    def step_id(self) -> str:
        return step_id(self.step_number)


def step_id(number: int) -> str:
    return f"{STEP_PREFIX}{number}"


def step_number(text: str) -> int | None:
    """n of `CW<n>`, or None when `text` is not one of our step ids."""
    found = re.fullmatch(rf"{STEP_PREFIX}([1-9][0-9]{{0,13}})", text.strip())
    return int(found.group(1)) if found else None


def person_name(stored: str) -> str:
    """The stored name as a DICOM PN: "Family, Given" -> `Family^Given`, else the whole name
    as the family component; `\\` and `=` removed (they would split the value); at most 64
    characters."""
    cleaned = " ".join(stored.replace("\\", " ").replace("=", " ").split())
    family, comma, given = cleaned.partition(",")
    parts = [family.strip(), given.strip()] if comma else [cleaned]
    name = "^".join(part for part in parts if part) if parts[0] else ""
    return name[:MAX_PN_GROUP].rstrip(" ^")


def offerable(name: str, mrn: str) -> bool:
    """Whether a patient can be an item: PatientName and PatientID are Type 1, and an MRN
    holding `\\` would be two values."""
    return bool(person_name(name)) and "\\" not in mrn and bool(mrn.strip())


def _da(on: date) -> str:
    return on.strftime("%Y%m%d")


def attributes(item: WorklistItem) -> dict[str, Any]:
    """Every key this SCP answers, with its value ("" for Type 2 empty); the step item is a
    mapping of its own keys."""
    step = {
        "ScheduledStationAETitle": item.station_ae,
        "ScheduledProcedureStepStartDate": _da(item.start_on),
        "ScheduledProcedureStepStartTime": ALL_DAY,
        "Modality": "US",
        "ScheduledProcedureStepID": item.step_id,
        "ScheduledProcedureStepDescription": PROCEDURE,
        "ScheduledPerformingPhysicianName": "",
    }
    return {
        "PatientName": person_name(item.name),
        "PatientID": item.mrn,
        "PatientBirthDate": "",
        "PatientSex": "",
        "PregnancyStatus": DEFINITELY_PREGNANT,
        "LastMenstrualDate": _da(date_at_ga(item.edd, 0)),  # the machine's GA is the record's
        "StudyInstanceUID": item.study_uid,
        "RequestedProcedureID": item.step_id,
        "RequestedProcedureDescription": PROCEDURE,
        "AccessionNumber": item.accession,
        "ReferencedStudySequence": [],
        "ReferringPhysicianName": "",
        STEP_SEQUENCE: step,
    }


@dataclass(frozen=True)
class Answer:
    """The matching items' identifiers and the requested keys this SCP does not support."""

    identifiers: tuple[Dataset, ...]
    unsupported: tuple[str, ...]

    @property
    def pending_status(self) -> int:
        return PENDING_UNSUPPORTED_KEYS if self.unsupported else PENDING


def answer(query: Dataset, items: Iterable[WorklistItem]) -> Answer:
    """The identifiers of the items matching `query`, each with the requested keys only.

    Raises QueryError for a query that cannot be processed."""
    keys = _query_keys(query)
    unsupported = unsupported_keys(keys)
    identifiers = []
    for item in items:
        values = attributes(item)
        if all(_matches(key, wanted, values) for key, wanted in keys.items()):
            identifiers.append(_identifier(keys, values))
    return Answer(tuple(identifiers), unsupported)


# The keys answered, at the top level and in the step item (every item has them all).
_SHAPE = attributes(WorklistItem("-", "-", date(2000, 1, 1), 1, "2.25.1", date(2000, 1, 1), "-"))
SUPPORTED_KEYS = frozenset(_SHAPE)
SUPPORTED_STEP_KEYS = frozenset(_SHAPE[STEP_SEQUENCE])


def unsupported_keys(keys: Mapping[str, Any]) -> tuple[str, ...]:
    """The requested keys this SCP neither matches nor returns (`Sequence>Key` inside the
    step item)."""
    found = [key for key in keys if key not in SUPPORTED_KEYS]
    asked = _one_item(STEP_SEQUENCE, keys.get(STEP_SEQUENCE))
    if asked is not None:
        inner = _query_keys(asked)
        found += [f"{STEP_SEQUENCE}>{key}" for key in inner if key not in SUPPORTED_STEP_KEYS]
    return tuple(found)


def _query_keys(query: Dataset) -> dict[str, Any]:
    """{keyword: the query's value} for every key asked; private and unknown tags under
    their tag, so they count as unsupported."""
    keys: dict[str, Any] = {}
    for element in query:
        if element.tag.element == 0 or element.keyword in _NOT_KEYS:
            continue  # group lengths
        keyword = element.keyword or keyword_for_tag(element.tag) or str(element.tag)
        keys[keyword] = element.value
    return keys


def _identifier(keys: Mapping[str, Any], values: Mapping[str, Any]) -> Dataset:
    """The answer for one item: each requested key with its value; the step item with the
    keys the query's item asked for (all of them for an empty or absent item)."""
    found = Dataset()
    for key, wanted in keys.items():
        if key not in values:
            continue  # unsupported: left out (FF01)
        if key == STEP_SEQUENCE:
            asked = _one_item(key, wanted)
            step = values[key]
            chosen = _query_keys(asked) if asked is not None and len(asked) else step
            found.ScheduledProcedureStepSequence = Sequence([_step_dataset(chosen, step)])
        elif key == "ReferencedStudySequence":
            found.ReferencedStudySequence = Sequence([])
        else:
            setattr(found, key, values[key])
    if any(not _ascii(value) for value in _texts(found)):
        found.SpecificCharacterSet = _charset(found)
    return found


def _step_dataset(chosen: Iterable[str], step: Mapping[str, Any]) -> Dataset:
    item = Dataset()
    for key in chosen:
        if key in step:
            setattr(item, key, step[key])
    return item


def _one_item(key: str, wanted: Any) -> Dataset | None:
    """A sequence key's one item, None for none; two or more cannot be processed."""
    if not isinstance(wanted, Sequence) or len(wanted) == 0:
        return None
    if len(wanted) > 1:
        raise QueryError(f"{key} holds {len(wanted)} items (one at most)")
    item: Dataset = wanted[0]
    return item


def _texts(found: Dataset) -> Iterator[str]:
    for element in found.iterall():
        if element.VR in ("PN", "LO", "SH", "AE", "CS", "LT", "ST", "UC") and element.value:
            yield str(element.value)


def _ascii(text: str) -> bool:
    return text.isascii()


def _charset(found: Dataset) -> str:
    """ISO_IR 100 (Latin-1, what older machines read) when every value fits, else UTF-8."""
    try:
        for text in _texts(found):
            text.encode("latin-1")
    except UnicodeEncodeError:
        return "ISO_IR 192"
    return "ISO_IR 100"


# -- matching ---------------------------------------------------------------------------
def _matches(key: str, wanted: Any, values: Mapping[str, Any]) -> bool:
    if key not in values:
        return True  # an unsupported key is not matched (FF01 says so)
    if key == STEP_SEQUENCE:
        asked = _one_item(key, wanted)
        step: Mapping[str, Any] = values[key]
        return asked is None or all(
            _matches(sub, value, step) for sub, value in _query_keys(asked).items()
        )
    if key == "ReferencedStudySequence":  # stored empty: only an item of universal keys
        asked = _one_item(key, wanted)
        return asked is None or all(_universal(value) for value in _query_keys(asked).values())
    try:
        return matches_value(dictionary_VR(key), _text(wanted), values[key])
    except QueryError as bad:
        raise QueryError(f"{key} {_text(wanted)!r}: {bad}") from None


def _text(value: Any) -> str:
    """A query value as its DICOM string (`\\` between values)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value)


def _universal(value: Any) -> bool:
    text = _text(value).strip()
    return text in ("", "*")


def matches_value(vr: str, wanted: str, stored: Any) -> bool:
    """Whether a stored value matches a query's value of that VR (PS3.4 C.2.2.2)."""
    wanted = wanted.strip()
    if wanted in ("", "*"):
        return True
    stored_text = "" if stored is None else str(stored).strip()
    if not stored_text:
        return False  # a stored empty value never matches a non-universal key
    if vr == "UI":
        return stored_text in {uid.strip() for uid in wanted.split("\\")}
    if vr == "DA":
        return _in_range(wanted, stored_text, _date_bounds)
    if vr == "TM":
        return _in_range(wanted, stored_text, _time_bounds)
    if vr == "PN":
        return _person_name_matches(wanted, stored_text)
    if vr in _WILDCARD_VRS:
        return _wildcard(wanted).fullmatch(stored_text) is not None
    return wanted == stored_text


def _wildcard(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), flags | re.DOTALL)


def _person_name_matches(wanted: str, stored: str) -> bool:
    """Each component group the query gives (alphabetic=ideographic=phonetic) must match
    the stored group, case-insensitively, with wildcards; trailing `^` do not count."""
    stored_groups = stored.split("=")
    for index, asked in enumerate(wanted.split("=")):
        pattern = asked.rstrip("^ ")
        if pattern in ("", "*"):
            continue
        have = stored_groups[index].rstrip("^ ") if index < len(stored_groups) else ""
        if not have or not _wildcard(pattern, re.IGNORECASE).fullmatch(have):
            return False
    return True


def _in_range(wanted: str, stored: str, bounds: Any) -> bool:
    """A single value, or an inclusive range `A-B`, `-B`, `A-`."""
    low_text, dash, high_text = wanted.partition("-")
    if not dash:
        low, high = bounds(wanted, False), bounds(wanted, True)
        value = bounds(stored, False)
        return bool(low <= value <= high)
    if not low_text.strip() and not high_text.strip():
        raise QueryError(f"{wanted!r} is not a range")
    value = bounds(stored, False)
    if low_text.strip() and value < bounds(low_text.strip(), False):
        return False
    return not (high_text.strip() and value > bounds(high_text.strip(), True))


def _date_bounds(text: str, _upper: bool) -> str:
    text = text.strip().replace(".", "")
    if not re.fullmatch(r"[0-9]{8}", text):
        raise QueryError(f"{text!r} is not a date (YYYYMMDD)")
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise QueryError(f"{text!r} is not a date (YYYYMMDD)") from None
    return text


_TIME = re.compile(r"([01][0-9]|2[0-3])([0-5][0-9])?([0-5][0-9]|60)?(\.[0-9]{1,6})?")


def _time_bounds(text: str, upper: bool) -> str:
    """A TM as `HHMMSS.ffffff`; the parts a value leaves out are its lowest (or, as the
    upper bound of a range, its highest) values."""
    text = text.strip().replace(":", "")
    found = _TIME.fullmatch(text)
    if not found:
        raise QueryError(f"{text!r} is not a time (HHMMSS)")
    fill = "9" if upper else "0"
    hours, minutes, seconds, fraction = found.groups()
    minutes = minutes or fill * 2
    seconds = seconds or fill * 2
    fraction = (fraction or ".")[1:].ljust(6, fill)
    return f"{hours}{minutes}{seconds}.{fraction}"
