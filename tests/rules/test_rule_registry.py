"""One declaration per rule kind (kinds.KINDS), everything else derived from it and agreeing;
the engine's history cache key derived from the Patient model; the context frozen."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import get_type_hints

import pytest
from pydantic import ValidationError
from rules_factories import AS_OF, history, patient

from cervix_watch.domain.models import Patient
from cervix_watch.report.profile import condition_words
from cervix_watch.rules import builtin_profile_names, kinds, load_profile
from cervix_watch.rules.engine import (
    HISTORY_FIELDS,
    NOT_HISTORY_FIELDS,
    _Compiled,
    history_key,
    open_context,
)
from cervix_watch.rules.kinds import (
    KINDS,
    KNOWN_RULE_IDS,
    RULE_CLASSES,
    RULE_FUNCTIONS,
    RULE_KINDS,
    kind_of,
)
from cervix_watch.rules.rule_base import KNOWN_IDS_CONTEXT, RuleBase


def test_every_rule_kind_has_exactly_its_function() -> None:
    """RULE_FUNCTIONS has one function per kind of the union, taking that kind's model."""
    assert set(RULE_FUNCTIONS) == set(RULE_KINDS)
    assert len(RULE_KINDS) == len(set(RULE_KINDS)) == len(RULE_CLASSES)
    for model in RULE_CLASSES:
        function = RULE_FUNCTIONS[kind_of(model)]
        first = next(iter(inspect.signature(function).parameters))
        assert get_type_hints(function)[first] is model, function.__name__


def test_known_rule_ids_are_declared_by_their_kind() -> None:
    """Every known rule id maps to the kind whose row declares it, and to no other."""
    declared = [rule_id for entry in KINDS for rule_id in entry.ids]
    assert len(declared) == len(set(declared))
    for entry in KINDS:
        for rule_id in entry.ids:
            assert KNOWN_RULE_IDS[rule_id] == kind_of(entry.model)


def test_the_profile_checks_rule_ids_a_rule_model_alone_does_not() -> None:
    """A rule model validated alone takes any id; validated in a profile (with the known ids
    as context) a built-in id must keep its kind and any other id be local.*."""
    rule = load_profile("acog-smfm").rules[0]
    data, model = rule.model_dump(mode="json"), type(rule)
    context = {KNOWN_IDS_CONTEXT: KNOWN_RULE_IDS}
    assert model.model_validate({**data, "id": "made.up"}).id == "made.up"
    assert model.model_validate({**data, "id": "local.made-up"}, context=context)
    with pytest.raises(ValidationError, match=r"'made\.up' is not a built-in rule id"):
        model.model_validate({**data, "id": "made.up"}, context=context)
    other_kind = next(rule_id for rule_id, kind in KNOWN_RULE_IDS.items() if kind != rule.kind)
    with pytest.raises(ValidationError, match=f"rule {other_kind} is a"):
        model.model_validate({**data, "id": other_kind}, context=context)


def test_the_rule_models_do_not_import_the_table_of_kinds() -> None:
    """The models and their base import neither kinds.py nor the functions: no import cycle
    (rule_base <-> specs <-> visit_specs was one)."""
    import ast

    folder = Path(kinds.__file__).parent
    for name in ("rule_base", "specs", "visit_specs", "schema"):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        }
        later = {f"cervix_watch.rules.{m}" for m in ("kinds", "checks", "visit_checks", "profile")}
        assert not imported & later, name
        if name == "rule_base":
            assert not {"cervix_watch.rules.specs", "cervix_watch.rules.visit_specs"} & imported


def test_every_kind_describes_its_condition() -> None:
    """Each kind's model overrides condition_words (rules show and the docs read it)."""
    for model in RULE_CLASSES:
        assert model.condition_words is not RuleBase.condition_words, model.__name__


@pytest.mark.parametrize("name", builtin_profile_names())
def test_every_builtin_rule_is_described_and_registered(name: str) -> None:
    """Every rule of a built-in profile has words and a registered function."""
    profile = load_profile(name)
    for rule in profile.rules:
        assert rule.kind in RULE_FUNCTIONS
        assert condition_words(rule, profile)


def test_history_key_covers_every_patient_field_but_identity() -> None:
    """Each Patient field is either in the cache key or named as not history; none is forgotten."""
    fields = set(Patient.model_fields)
    assert set(HISTORY_FIELDS) | NOT_HISTORY_FIELDS == fields
    assert not set(HISTORY_FIELDS) & NOT_HISTORY_FIELDS
    assert {"mrn", "name", "edd", "lmp", "notes"} == NOT_HISTORY_FIELDS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fetuses", 2),
        ("prior_sptb_weeks", "30+0"),
        ("prior_pprom_weeks", "30+0"),
        ("painless_loss_count", 1),
        ("prior_cerclage", "exam"),
        ("cervical_excision", "cone"),
        ("uterine_anomaly", True),
        ("caesarean_full_dilatation", True),
    ],
)
def test_history_key_changes_with_each_history_field(field: str, value: object) -> None:
    """Two patients differing in one history field never share a cached rule list."""
    base = patient("20+0")
    other = Patient.model_validate({**base.model_dump(), field: value})
    assert history_key(base) != history_key(other)
    assert history_key(base) == history_key(patient("20+0", mrn="P2"))


def test_patient_context_is_frozen() -> None:
    """The engine builds the review-date facts once; a rule cannot change them."""
    p = patient("17+0")
    opened = open_context(history(p), AS_OF, _Compiled(load_profile("acog-smfm"), 7))
    assert opened is not None
    context, _ = opened
    assert context.due is not None
    assert context.look_ahead_days == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.risk = context.risk  # type: ignore[misc]
