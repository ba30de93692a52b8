"""Every choice value is read case-insensitively and stored in its one spelling (contract v3:
`LLETZ` is `lletz`), through the one place choices are parsed: `domain.enums.Choice`."""

from __future__ import annotations

import pytest

from cervix_watch.domain import enums
from cervix_watch.domain.models import Discussion, Patient, Scan, Treatment
from cervix_watch.domain.problems import build

CHOICES = [
    value
    for value in vars(enums).values()
    if isinstance(value, type) and issubclass(value, enums.Choice) and value is not enums.Choice
]


def test_every_vocabulary_is_a_choice() -> None:
    """Each closed vocabulary of the domain is a Choice (none is read case-sensitively)."""
    assert {c.__name__ for c in CHOICES} >= {
        "Route",
        "FunnelShape",
        "PriorCerclage",
        "Dating",
        "CervicalExcision",
        "TreatmentType",
        "CerclageKind",
        "Outcome",
        "CloseOutcome",
        "Action",
    }


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: c.__name__)
def test_any_case_and_surrounding_spaces_give_the_member(choice: type[enums.Choice]) -> None:
    """Upper, lower, title case and padded spellings all read as the member."""
    for member in choice:
        for spelling in (member.value.upper(), member.value.lower(), member.value.title()):
            assert choice(spelling) is member
            assert choice(f"  {spelling} ") is member


@pytest.mark.parametrize("given", ["lletz ", "LLETZ", "Lletz"])
def test_a_patient_keeps_the_one_spelling(given: str) -> None:
    """`LLETZ` is stored and written as `lletz`."""
    patient = build(Patient, {"mrn": "P1", "edd": "2027-03-14", "cervical_excision": given})
    assert patient.model_dump(mode="json")["cervical_excision"] == "lletz"


def test_events_take_any_case() -> None:
    """Route, funnel shape, treatment type and kind, action and outcome in any case."""
    scan = build(
        Scan,
        {"mrn": "P1", "date": "2026-11-01", "cl_mm": ("20",), "route": "TA", "funnel_shape": "u"}
        | {"funneling": "Yes"},
    )
    assert (scan.route, scan.funnel_shape) == (enums.Route.TA, enums.FunnelShape.U)
    treatment = build(
        Treatment, {"mrn": "P1", "type": "Cerclage", "kind": "HISTORY", "start": "2026-11-01"}
    )
    assert (treatment.type.value, treatment.kind) == ("cerclage", enums.CerclageKind.HISTORY)
    discussion = build(
        Discussion,
        {
            "mrn": "P1",
            "action": "Cerclage-Removal-Due",
            "date": "2026-11-01",
            "outcome": "DEFERRED",
        },
    )
    assert discussion.model_dump(mode="json")["action"] == "cerclage-removal-due"
    assert discussion.outcome is enums.Outcome.DEFERRED


@pytest.mark.parametrize("given", ["lletzz", "", "l-letz", "LLETZ DEEP"])
def test_a_word_that_is_no_choice_is_still_refused(given: str) -> None:
    """Case-insensitive is not fuzzy: anything else is refused, naming the choices."""
    with pytest.raises(ValueError, match="is not a valid CervicalExcision"):
        enums.CervicalExcision(given)


def test_a_non_text_value_is_refused() -> None:
    """A number is not a choice (no lookup by position)."""
    with pytest.raises(ValueError, match="is not a valid Route"):
        enums.Route(1)  # type: ignore[arg-type]
