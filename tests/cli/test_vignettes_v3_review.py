"""The version-3 worked examples (tests/data/examples/vignettes-v3) through the command line:
imported into a fresh database, `review --format json` under both built-in profiles matches
expected.json (actions, priorities, next_scan_due, citations), as the engine-level test
(tests/rules/test_rule_vignettes_v3.py) checks without the store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.conftest import EXAMPLES, Cli

from cervix_watch.domain.kinds import RECORD_KINDS

VIGNETTES = EXAMPLES / "vignettes-v3"
EXPECTED: dict[str, Any] = json.loads((VIGNETTES / "expected.json").read_text("utf-8"))


@pytest.fixture
def reviewed(cli: Cli) -> dict[str, dict[str, dict[str, Any]]]:
    """profile -> MRN -> the patient's review JSON, after importing every file."""
    for kind in RECORD_KINDS:
        result = cli("import", kind, str(VIGNETTES / f"{kind}.csv"))
        assert result.exit_code == 0, f"{kind}: {result.output}"
    found = {}
    for profile in ("acog-smfm", "nice-ng25"):
        args = ("review", "--as-of", EXPECTED["as_of"], "--profile", profile, "--format", "json")
        result = cli(*args)
        assert result.exit_code == 0, result.output
        found[profile] = {p["mrn"]: p for p in json.loads(result.stdout)["patients"]}
    return found


def test_v3_vignettes_review_as_expected(reviewed: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Every patient is reviewed under both profiles with the expected actions, priorities,
    next scan date and citations."""
    for profile, patients in reviewed.items():
        assert sorted(patients) == sorted(EXPECTED["patients"]), profile
        for mrn, case in EXPECTED["patients"].items():
            got = patients[mrn]
            flags = {flag["action"]: flag for flag in got["flags"]}
            where = (profile, mrn, case["why"])
            assert got["ga"] == case["ga"], where
            assert sorted(flags) == sorted(case[profile]), where
            for action, priority in case.get("priority", {}).get(profile, {}).items():
                assert flags[action]["priority"] == priority, (*where, action)
            if "next_scan_due" in case:
                assert got["next_scan_due"] == case["next_scan_due"][profile], where
            for action, text in case.get("citation_contains", {}).get(profile, {}).items():
                assert text in flags[action]["citation"], (*where, action)
