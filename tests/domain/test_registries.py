"""One definition per concept: the registries keyed by record kind, and the constants the
code once restated (280 days, the operator limit, the priority ranking), all agree."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from cervix_watch.domain.enums import Priority
from cervix_watch.domain.errors import InputError
from cervix_watch.domain.ga import PREGNANCY_DAYS, edd_from_lmp, ga_days
from cervix_watch.domain.kinds import EVENT_KINDS, RECORD_KINDS, RecordKind
from cervix_watch.domain.models import MAX_OPERATOR, Patient, Scan
from cervix_watch.interop.kinds import KINDS
from cervix_watch.report.common import GROUP_KEYS
from cervix_watch.store.bulkwrite import STORED_KINDS


def test_every_registry_lists_the_record_kinds_in_order() -> None:
    """The CSV kinds and the stored kinds are exactly the record kinds, in import order."""
    assert tuple(KINDS) == RECORD_KINDS
    assert tuple(STORED_KINDS) == RECORD_KINDS
    assert RECORD_KINDS[0] is RecordKind.PATIENTS  # events name their patient: she comes first
    assert set(EVENT_KINDS) == set(RECORD_KINDS) - {RecordKind.PATIENTS}


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_each_kind_names_one_model_one_table_one_date(kind: RecordKind) -> None:
    """A kind's CSV model, table and dated field are the ones its RecordKind names."""
    assert KINDS[kind].model is kind.model
    assert STORED_KINDS[kind].table.name == kind.value
    assert kind.model.__name__.lower() == kind.entity
    if kind.is_event:
        assert kind.date_field in kind.model.model_fields
        assert kind.date_field in STORED_KINDS[kind].table.c
    else:
        assert kind.date_field == ""


def test_kind_registry_entries_are_plain_frozen_data() -> None:
    """A stored kind is its table and its row function, nothing else to keep in step."""
    assert [f.name for f in fields(next(iter(STORED_KINDS.values())))] == ["table", "values"]


def test_pregnancy_length_is_one_number() -> None:
    """EDD = LMP + 280, GA 280 on the EDD, and a patient's LMP falls back to EDD - 280."""
    lmp = date(2026, 6, 7)
    edd = edd_from_lmp(lmp)
    assert (edd - lmp).days == PREGNANCY_DAYS
    assert ga_days(edd, edd) == PREGNANCY_DAYS
    assert Patient(mrn="P1", edd=edd).lmp_date == lmp


def test_operator_limit_is_the_models() -> None:
    """The audit trail's operator and a scan's operator share one limit."""
    from cervix_watch.console.context import who

    assert who("o" * MAX_OPERATOR) == "o" * MAX_OPERATOR
    with pytest.raises(InputError):
        who("o" * (MAX_OPERATOR + 1))
    with pytest.raises(ValueError, match="operator"):
        Scan(mrn="P1", date=date(2026, 10, 1), cl_mm=(30.0,), operator="o" * (MAX_OPERATOR + 1))


def test_priority_ranking_is_the_declaration_order() -> None:
    """Rank 0 is urgent, then high, routine, info; the review's groups follow the same order."""
    assert [p.rank for p in Priority] == list(range(len(Priority)))
    assert sorted(Priority, key=lambda p: p.rank) == list(Priority)
    assert GROUP_KEYS[: len(Priority)] == tuple(p.value for p in Priority)
