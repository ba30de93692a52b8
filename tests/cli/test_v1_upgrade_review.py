"""A version-1 database (tests/fixtures, made by the v1 release) upgrades in place and reviews
as the v1 release reviewed it, except for the flags clinical rules versions 2 and 3 change.

The v1 clinic is the demo clinic plus a few edits (tests/fixtures/make_v1_clinic.sh); its
v1 review JSON was written by the v1 release. Every difference is listed with its reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.clirunner import CliRunner
from tests.conftest import REPO

from cervix_watch.cli.app import app

FIXTURES = REPO / "tests" / "fixtures"
AS_OF = "2026-11-23"
Flag = tuple[str, str, str]  # action, rule, priority

# (profile, mrn) -> (flags no longer raised, flags newly raised, why)
CHANGES: dict[tuple[str, str], tuple[set[Flag], set[Flag], str]] = {
    ("acog-smfm", "D002"): (
        set(),
        {("acute-review", "any.acute-review", "urgent")},
        "v2 change 9: the exam of the review date records contractions",
    ),
    ("acog-smfm", "D005"): (
        set(),
        {("progesterone-discussion", "acog.vp-prior-sptb-short", "high")},
        "v2 change 3: prior sPTB 31+0 and CL 18.3 mm; the progesterone discussion predates "
        "that scan",
    ),
    ("acog-smfm", "D030"): (
        {("scan-overdue", "any.scan-overdue", "high")},
        {("scan-due", "any.scan-due", "routine")},
        "v2 change 12: the low-risk single screen's overdue scan is routine; then v3 change 8: "
        "at 18+6 the single screen is due through its window (18+0 to 22+6), not overdue",
    ),
    ("acog-smfm", "D015"): (
        {("cerclage-removal-due", "acog.cerclage-removal", "high")},
        {("cerclage-removal-due", "acog.cerclage-removal", "urgent")},
        "v3 change 6: cerclage removal is urgent from 37+0 (GA 37+3)",
    ),
    ("nice-ng25", "D015"): (
        {("cerclage-removal-due", "nice.cerclage-removal", "high")},
        {("cerclage-removal-due", "nice.cerclage-removal", "urgent")},
        "v3 change 6: cerclage removal is urgent from 37+0 (GA 37+3)",
    ),
    ("nice-ng25", "D002"): (
        set(),
        {("acute-review", "any.acute-review", "urgent")},
        "v2 change 9: the exam of the review date records contractions",
    ),
    ("nice-ng25", "D016"): (
        {("progesterone-stop-due", "nice.progesterone-stop", "routine")},
        {("progesterone-stop-due", "nice.progesterone-stop", "info")},
        "v2 change 7: 34+0 is a minimum course",
    ),
    ("nice-ng25", "D017"): (
        {("progesterone-stop-due", "nice.progesterone-stop", "routine")},
        {("progesterone-stop-due", "nice.progesterone-stop", "info")},
        "v2 change 7: 34+0 is a minimum course",
    ),
    ("nice-ng25", "D018"): (
        {("short-cervix-noted", "nice.twins-short-cervix", "high")},
        {("progesterone-discussion", "nice.twins-vp", "high")},
        "v2 change 8: NICE NG137 (2024) offers progesterone to twins with a short cervix",
    ),
    ("nice-ng25", "D022"): (
        {("short-cervix-noted", "nice.twins-short-cervix", "high")},
        {("short-cervix-noted", "any.window-closed", "high")},
        "v2 changes 8 and 4: the twins' progesterone point, past 24+0 undiscussed, is senior "
        "review",
    ),
}
# discussions shown or no longer shown: (profile, mrn) -> (gone, added, why)
DISCUSSED_CHANGES: dict[tuple[str, str], tuple[list[tuple[str, str, str]], str]] = {
    ("nice-ng25", "D015"): (
        [("progesterone-discussion", "2026-07-11", "declined")],
        "v3 change 4: nice.choice is one choice, answered by the ultrasound-indicated cerclage "
        "placed after the short scan; the declined progesterone record no longer addresses it",
    ),
}


def _review(db: str, profile: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["--db", db, "review", "--as-of", AS_OF, "--profile", profile, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    review: dict[str, Any] = json.loads(result.stdout)
    return review


def _flags(patient: dict[str, Any]) -> set[Flag]:
    return {(f["action"], f["rule"], f["priority"]) for f in patient["flags"]}


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_upgraded_v1_clinic_reviews_as_before_but_for_the_rule_changes(
    profile: str, tmp_path: Path
) -> None:
    """Same patients, GA, risk, CLs and due dates; flags differ only as CHANGES says."""
    db = tmp_path / "v1-clinic.sqlite3"
    shutil.copy(FIXTURES / "v1-clinic.sqlite3", db)
    db.chmod(0o600)
    before = json.loads((FIXTURES / f"v1-clinic-review-{profile}.json").read_text("utf-8"))
    after = _review(str(db), profile)
    old = {p["mrn"]: p for p in before["patients"]}
    new = {p["mrn"]: p for p in after["patients"]}
    assert set(old) == set(new)
    for mrn, was in old.items():
        now = new[mrn]
        for key in ("ga", "risk", "latest_cl_mm", "shortest_cl_mm"):
            assert now[key] == was[key], (mrn, key)
        # NICE twins (D018, low risk by history, CL <= 25 mm) take the single screen only,
        # which is done: clinical-rules.md v3 schedule, "risk by history (without the CL
        # upgrade)"; every other due date as before
        due = None if (profile, mrn) == ("nice-ng25", "D018") else was["next_scan_due"]
        assert now["next_scan_due"] == due, (mrn, "next_scan_due")
        gone, added, _why = CHANGES.get((profile, mrn), (set(), set(), ""))
        assert _flags(was) - _flags(now) == gone, mrn
        assert _flags(now) - _flags(was) == added, mrn
        discussed = [(d["action"], d["date"], d["outcome"]) for d in now["discussed"]]
        gone_records, _why = DISCUSSED_CHANGES.get((profile, mrn), ([], ""))
        # (v2 listed D015's declined progesterone record under acog-smfm, as it addressed
        # the window-closed point; v3 change 4: the cerclage she chose ends that point, so
        # the list is the v1 one again)
        wanted = [(d["action"], d["date"], d["outcome"]) for d in was["discussed"]]
        assert discussed == [d for d in wanted if d not in gone_records], mrn
