"""`discuss` (issue 21, friction 5): the same decision is not stored twice, a point the
patient does not have on that date is recorded with a notice, and the valid actions are
listed in its help and in its refusal of an unknown one."""

from __future__ import annotations

import json

import pytest
from tests.conftest import Cli

from cervix_watch.domain.enums import Action


@pytest.fixture
def short(cli: Cli) -> Cli:
    """P1, prior sPTB, CL 22 mm at 20+0 (2026-10-31): a cerclage-discussion point."""
    assert cli("patient", "add", "P1", "--edd", "2027-03-14", "--prior-sptb-weeks", "28+0",
               ).exit_code == 0  # fmt: skip
    added = cli("scan", "add", "P1", "--date", "2026-10-31", "--cl", "22", "--no-prompt")
    assert added.exit_code == 0, added.output
    return cli


def _discussions(cli: Cli) -> list[dict[str, str]]:
    shown = json.loads(cli("patient", "show", "P1", "--format", "json").stdout)
    discussions: list[dict[str, str]] = shown["discussions"]
    return discussions


def test_the_same_decision_twice_is_refused_naming_the_stored_one(short: Cli) -> None:
    """Same point, date and outcome (another note): one line, exit 1, nothing stored."""
    first = ("discuss", "P1", "cerclage-discussion", "--outcome", "accepted", "--date",
             "2026-11-02")  # fmt: skip
    assert short(*first).exit_code == 0
    again = short(*first, "--note", "told her again")
    assert again.exit_code == 1
    assert again.stderr == (
        "error: discussion: P1 already has cerclage-discussion accepted on 2026-11-02; "
        "nothing saved\n"
    )
    assert len(_discussions(short)) == 1


def test_another_outcome_or_date_is_a_new_decision(short: Cli) -> None:
    """Deferred on one day, accepted on the next: both are recorded."""
    for outcome, on in (("deferred", "2026-11-02"), ("accepted", "2026-11-03")):
        result = short("discuss", "P1", "cerclage-discussion", "--outcome", outcome, "--date", on)
        assert result.exit_code == 0, result.output
    assert len(_discussions(short)) == 2


def test_a_point_not_raised_is_recorded_with_a_notice(short: Cli) -> None:
    """surveillance-increase is not raised for P1 under acog-smfm on that date (the
    cerclage point is): recorded, exit 0, one notice on stderr naming the profile."""
    raised = short("discuss", "P1", "cerclage-discussion", "--outcome", "declined",
                   "--date", "2026-11-02")  # fmt: skip
    assert raised.exit_code == 0
    assert raised.stderr == ""
    other = short("discuss", "P1", "surveillance-increase", "--outcome", "accepted",
                  "--date", "2026-11-02")  # fmt: skip
    assert other.exit_code == 0, other.output
    assert other.stderr == (
        "note: P1 has no surveillance-increase point on 2026-11-02 under acog-smfm; "
        "recorded all the same.\n"
    )
    assert len(_discussions(short)) == 2


def test_help_and_refusal_list_every_action(cli: Cli) -> None:
    """Every action is in `discuss --help` and in the refusal of an unknown one."""
    shown = " ".join(cli("discuss", "--help").stdout.split()).replace("- ", "-")
    refused = cli("discuss", "P1", "talk", "--outcome", "accepted")
    assert refused.exit_code == 1
    for action in Action:
        assert action.value in shown, action
        assert action.value in refused.stderr, action
