"""Small builders for engine tests: patients at a GA on the review date, records at a GA."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from cervix_watch.domain.enums import Action
from cervix_watch.domain.ga import date_at_ga, parse_ga
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.rules import Flag, PatientHistory, PatientReview, Profile, evaluate, load_profile

AS_OF = date(2026, 10, 15)
_ids = itertools.count(1)


def ga(text: str) -> int:
    """ "18+2" -> 128 days."""
    return parse_ga(text)


def patient(at: str = "20+0", mrn: str = "P1", **history: Any) -> Patient:
    """A patient whose GA on AS_OF is `at`."""
    edd = AS_OF + timedelta(days=280 - ga(at))
    return Patient(mrn=mrn, name=f"Test {mrn}", edd=edd, **history)


def on(p: Patient, at: str) -> date:
    """The calendar date on which patient `p` is at GA `at`."""
    return date_at_ga(p.edd, ga(at))


def scan(p: Patient, at: str, *cl_mm: float, **fields: Any) -> Scan:
    """A scan of `p` at GA `at` (default three equal measurements of 35 mm)."""
    measurements = cl_mm or (35.0,)
    if len(measurements) == 1:
        measurements = (measurements[0],) * 3
    fields.setdefault("scan_id", next(_ids))
    return Scan(mrn=p.mrn, date=on(p, at), cl_mm=measurements, **fields)


def exam(p: Patient, at: str, **fields: Any) -> Exam:
    return Exam(mrn=p.mrn, date=on(p, at), **fields)


def treatment(
    p: Patient, type_: str, start: str, end: str | None = None, **fields: Any
) -> Treatment:
    return Treatment(
        mrn=p.mrn,
        type=type_,
        start=on(p, start),
        end=None if end is None else on(p, end),
        **fields,
    )


def discussion(p: Patient, action: str, at: str, outcome: str = "declined") -> Discussion:
    return Discussion(mrn=p.mrn, action=Action(action), date=on(p, at), outcome=outcome)


def closure(p: Patient, at: str, outcome: str = "delivered") -> Closure:
    return Closure(date=on(p, at), outcome=outcome)


def history(p: Patient, *records: Scan | Exam | Treatment | Discussion | Closure) -> PatientHistory:
    """Sort loose records into a PatientHistory."""
    return PatientHistory(
        patient=p,
        scans=tuple(r for r in records if isinstance(r, Scan)),
        exams=tuple(r for r in records if isinstance(r, Exam)),
        treatments=tuple(r for r in records if isinstance(r, Treatment)),
        discussions=tuple(r for r in records if isinstance(r, Discussion)),
        closure=next((r for r in records if isinstance(r, Closure)), None),
    )


def review(
    p: Patient,
    *records: Scan | Exam | Treatment | Discussion | Closure,
    profile: str | Profile = "acog-smfm",
    as_of: date = AS_OF,
) -> PatientReview:
    """The patient's review; fails the test when she is unexpectedly inactive."""
    loaded = load_profile(profile) if isinstance(profile, str) else profile
    result = evaluate(history(p, *records), as_of, loaded)
    assert result is not None, "patient unexpectedly inactive"
    return result


def actions(result: PatientReview) -> set[str]:
    return {flag.action.value for flag in result.flags}


def flag(result: PatientReview, action: str) -> Flag:
    found = [f for f in result.flags if f.action.value == action]
    assert len(found) == 1, f"expected one {action} flag, got {[f.action for f in result.flags]}"
    return found[0]


def only_rule(profile: str, rule_id: str) -> Profile:
    """Built-in `profile` keeping only `rule_id`: sees a rule that another one masks in the review.

    One flag per action keeps the first rule on a tie, so e.g. nice.choice hides
    nice.vp-short-cervix; with the rule alone, its flag shows whether it was raised.
    """
    loaded = load_profile(profile)
    kept = tuple(r for r in loaded.rules if r.id == rule_id)
    assert len(kept) == 1, f"no rule {rule_id} in {profile}"
    return loaded.model_copy(update={"rules": kept})
