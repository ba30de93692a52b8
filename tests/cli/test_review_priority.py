"""`review --priority LEVEL` (contract v3, issue 21): only the patients with a discussion
point at LEVEL or above, in every format; the header says how many of how many."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.conftest import Cli

from cervix_watch.domain.enums import Priority

AS_OF = "2026-11-23"  # the demo clinic's day


@pytest.fixture
def demo(cli: Cli) -> Cli:
    """The demo clinic loaded into this test's database."""
    assert cli("demo").exit_code == 0
    return cli


def _review(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("review", "--as-of", AS_OF, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _top(patient: dict[str, Any]) -> int:
    """Rank of the patient's most pressing point (0 urgent); 4 without one."""
    return min((Priority(f["priority"]).rank for f in patient["flags"]), default=4)


@pytest.mark.parametrize("level", list(Priority))
def test_only_patients_with_a_point_at_or_above_the_level(demo: Cli, level: Priority) -> None:
    """Every kept patient has a point at the level or above; every dropped one has none
    (both sides of the bound: a patient whose top point is the level itself stays)."""
    everyone = _review(demo)["patients"]
    kept = _review(demo, "--priority", level.value)["patients"]
    expected = [p["mrn"] for p in everyone if _top(p) <= level.rank]
    assert [p["mrn"] for p in kept] == expected
    assert any(_top(p) == level.rank for p in kept), "the demo has a patient at each level"
    assert len(kept) < len(everyone)


def test_the_header_says_how_many_of_how_many(demo: Cli) -> None:
    """Terminal and Markdown headers: `N patients with a point at high or above, of M`."""
    everyone = _review(demo)["patients"]
    kept = _review(demo, "--priority", "high")["patients"]
    words = (
        f"{len(kept)} patients with a point at high or above, of {len(everyone)} active patients"
    )
    table = demo("review", "--as-of", AS_OF, "--priority", "high").stdout
    assert words in " ".join(table.split())
    assert "ROUTINE (" not in table
    markdown = demo("review", "--as-of", AS_OF, "--priority", "high", "--format", "md").stdout
    assert words in markdown


def test_nobody_at_the_level_says_so(cli: Cli) -> None:
    """A clinic without an urgent point: one sentence, not 'no active patients'."""
    assert cli("patient", "add", "P1", "--edd", "2027-03-14").exit_code == 0
    result = cli("review", "--priority", "urgent")
    assert result.exit_code == 0, result.output
    assert "No patient has a point at urgent or above." in result.stdout


def test_an_unknown_level_is_a_usage_error(cli: Cli) -> None:
    """`--priority soon`: exit 2, naming the option."""
    result = cli("review", "--priority", "soon")
    assert result.exit_code == 2
    assert "--priority" in result.stderr
