"""A patient detail is declared once, as its Patient field with its Fact; the options, the
CSV columns, the table, the words and the rule criteria are derived from it."""

from __future__ import annotations

from pathlib import Path

from cervix_watch.domain import history, patient_options
from cervix_watch.domain.facts import Fact
from cervix_watch.domain.history import PATIENT_FACTS, criteria, grouped
from cervix_watch.domain.models import Patient
from cervix_watch.interop.kinds import PATIENTS
from cervix_watch.report.common import history_flag_words, other_risk_words
from cervix_watch.rules.schema import HistoryCriteria
from cervix_watch.store import tables


def test_every_detail_a_user_gives_has_one_fact() -> None:
    """Each Patient field but the MRN and the notes carries one Fact, read off in its order."""
    assert list(PATIENT_FACTS) == [n for n in Patient.model_fields if n not in {"mrn", "notes"}]
    for name, field in Patient.model_fields.items():
        assert [m for m in field.metadata if isinstance(m, Fact)] == (
            [PATIENT_FACTS[name]] if name in PATIENT_FACTS else []
        )


def test_the_generated_patient_options_are_the_models() -> None:
    """domain/patient_options.py (for a pydantic-free `--help`) is what `make docs` writes
    from the model today: each fact's help and whether it is a yes/no pair."""
    generated = Path(patient_options.__file__).read_text(encoding="utf-8")
    assert generated == history.options_module(), "run make docs"
    assert {
        name: (fact.help, fact.csv == "bool") for name, fact in PATIENT_FACTS.items()
    } == patient_options.PATIENT_OPTIONS


def test_the_csv_columns_and_the_table_cover_every_fact() -> None:
    """patients.csv has a column of each fact's cell type; the table a column of its name."""
    assert {name: PATIENTS.by_name[name].type for name in PATIENT_FACTS} == {
        name: fact.csv for name, fact in PATIENT_FACTS.items()
    }
    assert PATIENTS.column_names[0] == "mrn"
    assert PATIENTS.column_names[-1] == "notes"
    assert set(PATIENT_FACTS) <= set(tables.patients.c.keys())


def test_every_yes_no_history_fact_is_a_rule_criterion_with_its_words() -> None:
    """A profile's `history` may test each yes/no history fact, and its reason is the words."""
    assert set(criteria()) <= set(HistoryCriteria.model_fields)
    for name, fact in criteria().items():
        patient = Patient.model_validate({"mrn": "P1", "edd": "2027-03-14", name: True})
        found = HistoryCriteria.model_validate({name: True})
        assert found.matches(patient)
        assert found.reasons(patient) == [fact.words]
        assert history_flag_words(patient) == [fact.words]
        plain = Patient.model_validate({"mrn": "P1", "edd": "2027-03-14"})
        assert not found.matches(plain)
        assert history_flag_words(plain) == []


def test_the_other_risk_factors_are_said_in_their_words() -> None:
    """Each other risk factor shows its words when yes (a count: "2 ...s"), none when not."""
    other = grouped("other")
    assert other
    given = {name: (2 if fact.csv == "int" else True) for name, fact in other.items()}
    patient = Patient.model_validate({"mrn": "P1", "edd": "2027-03-14", **given})
    assert other_risk_words(patient) == [
        f"2 {fact.words}s" if fact.csv == "int" else fact.words for fact in other.values()
    ]
    assert other_risk_words(Patient.model_validate({"mrn": "P1", "edd": "2027-03-14"})) == []
