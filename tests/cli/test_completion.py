"""Shell completion of values (issue 21, honest options): profiles, actions, outcomes,
routes, symptoms, treatment types and kinds, each from the vocabulary the command reads."""

from __future__ import annotations

import pytest
from tests.clirunner import CliRunner

from cervix_watch.cli.app import app
from cervix_watch.domain.enums import Action, CloseOutcome, Outcome, Route
from cervix_watch.domain.symptoms import Symptom
from cervix_watch.rules import builtin_profile_names


def _complete(words: str) -> list[str]:
    """What bash completion offers for the last (possibly empty) word of `words`."""
    line = f"cervix-watch {words}"
    env = {
        "_CERVIX_WATCH_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - (0 if line.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="cervix-watch")
    return result.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("discuss D1 ", [a.value for a in Action]),
        ("discuss D1 cerclage-discussion --outcome ", [o.value for o in Outcome]),
        ("patient close D1 --outcome ", [o.value for o in CloseOutcome]),
        ("review --profile ", builtin_profile_names()),
        ("scan add D1 --route ", [r.value for r in Route]),
        ("scan add D1 --symptom ", [s.value for s in Symptom]),
        ("treatment add D1 ", ["cerclage", "progesterone", "pessary"]),
    ],
)
def test_completion_offers_the_vocabulary(words: str, offered: list[str]) -> None:
    """Every value the option takes, in the vocabulary's order."""
    assert _complete(words) == offered


def test_completion_narrows_to_the_typed_start() -> None:
    """`discuss D1 cerclage-r` completes to the one action starting so."""
    assert _complete("discuss D1 cerclage-r") == ["cerclage-removal-due"]
    assert "im-17ohpc" in _complete("treatment add D1 progesterone --kind ")
