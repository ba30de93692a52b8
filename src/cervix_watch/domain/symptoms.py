"""The fixed symptom names of clinical-rules.md, each with its class: urgent or watch.

This is the one definition: the rules (any.acute-review looks at urgent symptoms,
any.symptoms at watch symptoms), the CLI's `--symptom`, the CSV `symptoms`
column and every output take the names and classes from here.

The names come from the patient information the rules were built from: "seek
immediate care" (urgent) and "keep an eye out" (watch).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

# How a list of symptoms is written in one CSV cell or one text column.
SEPARATOR = ";"


class SymptomClass(StrEnum):
    URGENT = "urgent"  # any.acute-review: assess now
    WATCH = "watch"  # any.symptoms: noted for the reviewer


class Symptom(StrEnum):
    """A symptom reported at a scan or exam; the value is its CSV/CLI spelling."""

    FLUID = "fluid"
    CONTRACTIONS = "contractions"
    BLEEDING = "bleeding"
    FOUL_DISCHARGE = "foul-discharge"
    FEVER = "fever"
    PELVIC_PRESSURE = "pelvic-pressure"
    BACKACHE = "backache"
    CRAMPS = "cramps"
    DISCHARGE_CHANGE = "discharge-change"
    SPOTTING = "spotting"

    @property
    def symptom_class(self) -> SymptomClass:
        return _CLASS[self]

    @property
    def urgent(self) -> bool:
        return _CLASS[self] is SymptomClass.URGENT

    @property
    def description(self) -> str:
        """Plain words for help text and documents."""
        return _DESCRIPTION[self]


_CLASS = {
    Symptom.FLUID: SymptomClass.URGENT,
    Symptom.CONTRACTIONS: SymptomClass.URGENT,
    Symptom.BLEEDING: SymptomClass.URGENT,
    Symptom.FOUL_DISCHARGE: SymptomClass.URGENT,
    Symptom.FEVER: SymptomClass.URGENT,
    Symptom.PELVIC_PRESSURE: SymptomClass.WATCH,
    Symptom.BACKACHE: SymptomClass.WATCH,
    Symptom.CRAMPS: SymptomClass.WATCH,
    Symptom.DISCHARGE_CHANGE: SymptomClass.WATCH,
    Symptom.SPOTTING: SymptomClass.WATCH,
}
_DESCRIPTION = {
    Symptom.FLUID: "fluid draining from the vagina",
    Symptom.CONTRACTIONS: "regular contractions",
    Symptom.BLEEDING: "vaginal bleeding",
    Symptom.FOUL_DISCHARGE: "foul-smelling vaginal discharge",
    Symptom.FEVER: "fever",
    Symptom.PELVIC_PRESSURE: "pelvic pressure",
    Symptom.BACKACHE: "new-onset backache",
    Symptom.CRAMPS: "menstrual-like cramps",
    Symptom.DISCHARGE_CHANGE: "a change in vaginal discharge",
    Symptom.SPOTTING: "spotting",
}

URGENT_SYMPTOMS = frozenset(s for s in Symptom if s.urgent)
WATCH_SYMPTOMS = frozenset(s for s in Symptom if not s.urgent)
_ORDER = {symptom: position for position, symptom in enumerate(Symptom)}
_BY_NAME = {symptom.value: symptom for symptom in Symptom}


def known_names() -> str:
    """'fluid, contractions, ...' for messages: urgent names first, as defined."""
    return ", ".join(s.value for s in Symptom)


def parse_symptoms(value: Any) -> tuple[Symptom, ...]:
    """Symptoms from a CSV cell (`fever;cramps`), a list of names or of Symptoms.

    Names are matched case-insensitively and trimmed; empty items are ignored
    (`fever;`), repeats are kept once, and the result is in definition order, so
    one set of symptoms is always stored and written the same way. Unknown names
    raise ValueError naming every one of them and the known names.
    """
    if value is None:
        return ()
    items: Iterable[Any] = value.split(SEPARATOR) if isinstance(value, str) else value
    found: set[Symptom] = set()
    unknown: list[str] = []
    for item in items:
        if isinstance(item, Symptom):
            found.add(item)
            continue
        name = str(item).strip().lower()
        if not name:
            continue
        symptom = _BY_NAME.get(name)
        if symptom is None:
            unknown.append(str(item).strip())
        else:
            found.add(symptom)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        noun = "symptom" if len(unknown) == 1 else "symptoms"
        raise ValueError(f"unknown {noun} {names} (known: {known_names()})")
    return tuple(sorted(found, key=_ORDER.__getitem__))


def format_symptoms(symptoms: Iterable[Symptom]) -> str:
    """The stored and exported spelling: names joined by `;`, empty for none."""
    return SEPARATOR.join(s.value for s in symptoms)


__all__ = [
    "SEPARATOR",
    "URGENT_SYMPTOMS",
    "WATCH_SYMPTOMS",
    "Symptom",
    "SymptomClass",
    "format_symptoms",
    "known_names",
    "parse_symptoms",
]
