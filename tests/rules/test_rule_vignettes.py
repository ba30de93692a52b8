"""The version-2 worked examples (tests/data/examples/vignettes-v2, whose P04 carries the
version-3 update): each vignette's GA, flag actions and the priorities version 2 sets, under
both built-in profiles."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.conftest import VIGNETTES
from vignettes import expected, histories

from cervix_watch.rules import builtin_profile_names, load_profile, review_clinic


@pytest.mark.parametrize("profile", builtin_profile_names())
def test_vignettes_match_expected(profile: str) -> None:
    """Every vignette patient has the expected GA, set of flag actions and priorities."""
    wanted = expected(VIGNETTES)
    assert json.loads((VIGNETTES / "actions.json").read_text("utf-8")) == []  # no voids/closures
    as_of = date.fromisoformat(wanted["as_of"])
    result = review_clinic(histories(VIGNETTES), as_of, load_profile(profile)).to_json_dict()
    got = {
        entry["mrn"]: (
            entry["ga"],
            sorted({flag["action"] for flag in entry["flags"]}),
            {flag["action"]: flag["priority"] for flag in entry["flags"]},
        )
        for entry in result["patients"]
    }
    want = {
        mrn: (case["ga"], sorted(case[profile]), case.get("priority", {}).get(profile, {}))
        for mrn, case in wanted["patients"].items()
    }
    assert {mrn: (ga, acts) for mrn, (ga, acts, _) in got.items()} == {
        mrn: (ga, acts) for mrn, (ga, acts, _) in want.items()
    }
    for mrn, (_, _, priorities) in want.items():
        for action, priority in priorities.items():
            assert got[mrn][2][action] == priority, (mrn, action)
