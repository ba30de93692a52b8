"""The version-3 worked examples (tests/data/examples/vignettes-v3, one patient per change of
clinical-rules.md version 3): actions, priorities, next_scan_due and citations under both
built-in profiles."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from tests.conftest import EXAMPLES
from vignettes import expected, histories

from cervix_watch.rules import builtin_profile_names, load_profile, review_clinic

VIGNETTES = EXAMPLES / "vignettes-v3"


def _review(profile: str) -> dict[str, dict[str, Any]]:
    as_of = date.fromisoformat(expected(VIGNETTES)["as_of"])
    result = review_clinic(histories(VIGNETTES), as_of, load_profile(profile)).to_json_dict()
    return {entry["mrn"]: entry for entry in result["patients"]}


def _cases() -> list[tuple[str, str]]:
    return [
        (profile, mrn)
        for profile in builtin_profile_names()
        for mrn in expected(VIGNETTES)["patients"]
    ]


@pytest.mark.parametrize(("profile", "mrn"), _cases())
def test_v3_vignette_matches_expected(profile: str, mrn: str) -> None:
    """The patient's GA, actions, listed priorities, next scan due and citations are as expected."""
    assert json.loads((VIGNETTES / "actions.json").read_text("utf-8")) == []  # no voids/closures
    case = expected(VIGNETTES)["patients"][mrn]
    got = _review(profile)[mrn]
    flags = {flag["action"]: flag for flag in got["flags"]}
    assert got["ga"] == case["ga"]
    assert sorted(flags) == sorted(case[profile]), case["why"]
    for action, priority in case.get("priority", {}).get(profile, {}).items():
        assert flags[action]["priority"] == priority, (action, case["why"])
    if "next_scan_due" in case:
        assert got["next_scan_due"] == case["next_scan_due"][profile], case["why"]
    for action, text in case.get("citation_contains", {}).get(profile, {}).items():
        assert text in flags[action]["citation"], (action, case["why"])


def test_every_v3_patient_is_reviewed() -> None:
    """All eleven patients are active on the review date under both profiles."""
    for profile in builtin_profile_names():
        assert sorted(_review(profile)) == sorted(expected(VIGNETTES)["patients"])
