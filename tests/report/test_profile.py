"""`rules show`: every rule with action, priority, condition in words and citation."""

from __future__ import annotations

import pytest

from cervix_watch.report.profile import condition_words
from cervix_watch.rules import load_profile
from tests.conftest import Cli


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_every_rule_is_listed(narrow: Cli, name: str) -> None:
    """Each rule id, risk categories and schedules appear, within 80 columns."""
    result = narrow("rules", "show", name)
    assert result.exit_code == 0, result.output
    text = result.stdout
    for rule in load_profile(name).rules:
        assert rule.id in text
    assert "Risk categories" in text
    assert "Surveillance schedules" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_condition_words_come_from_the_spec() -> None:
    """acog.usi-cerclage reads its window, threshold and history from the profile."""
    profile = load_profile("acog-smfm")
    (rule,) = [r for r in profile.rules if r.id == "acog.usi-cerclage"]
    assert condition_words(rule, profile) == (
        "singleton; prior sPTB before 34+0 (PPROM counted); qualifying transvaginal CL < 25 mm "
        "in 16+0 to before 24+0"
    )


def test_nice_history_bound_reads_inclusive() -> None:
    """nice.choice's history bound is written "at or before 34+0" (v2: inclusive)."""
    profile = load_profile("nice-ng25")
    (rule,) = [r for r in profile.rules if r.id == "nice.choice"]
    assert condition_words(rule, profile).startswith("singleton; prior sPTB at or before 34+0;")
