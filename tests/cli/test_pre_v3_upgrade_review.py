"""A database written by the release before clinical rules version 3 (tests/fixtures,
made at commit 7f47cf1 by make_pre_v3_demo.sh: the demo clinic and three patients a v3 change
applies to) opens, migrates and reviews as that release reviewed it, except where a v3
change applies. Every difference is listed with the change it comes from."""

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
Discussed = tuple[str, str, str]  # action, date, outcome

POST_RUPTURE = "v3 change 1: P-PROM on 2026-11-20 (post-rupture): no treatment or scan points"
# (profile, mrn) -> (flags no longer raised, flags newly raised, why)
V3_CHANGES: dict[tuple[str, str], tuple[set[Flag], set[Flag], str]] = {
    ("acog-smfm", "V3A"): (
        {
            ("cerclage-discussion", "acog.usi-cerclage", "high"),
            ("progesterone-discussion", "acog.vp-prior-sptb-short", "high"),
            ("scan-due", "any.scan-due", "routine"),
        },
        set(),
        POST_RUPTURE,
    ),
    ("nice-ng25", "V3A"): (
        {
            ("cerclage-discussion", "nice.choice", "high"),
            ("progesterone-discussion", "nice.choice", "high"),
            ("scan-due", "any.scan-due", "routine"),
        },
        set(),
        POST_RUPTURE,
    ),
    ("acog-smfm", "V3B"): (
        set(),
        {("progesterone-discussion", "smfm.vp-short-cervix", "high")},
        "v3 change 3: the deferral of 2026-11-03 lapsed after 7 days",
    ),
    ("nice-ng25", "V3B"): (
        set(),
        {("progesterone-discussion", "nice.vp-short-cervix", "high")},
        "v3 change 3: the deferral of 2026-11-03 lapsed after 7 days",
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
    ("acog-smfm", "D030"): (
        {("scan-overdue", "any.scan-overdue", "routine")},
        {("scan-due", "any.scan-due", "routine")},
        "v3 change 8: the low-risk single screen is due through its window (18+6)",
    ),
}
# patients reviewed only now: (profile, mrn) -> (flags, why)
V3_NEWLY_ACTIVE: dict[tuple[str, str], tuple[set[Flag], str]] = {
    ("acog-smfm", "V3C"): (
        {("progesterone-stop-due", "acog.progesterone-stop", "high")},
        "v3 change 6: active while a progesterone course is (37+2); the stop point high",
    ),
    ("nice-ng25", "V3C"): (
        {("progesterone-stop-due", "nice.progesterone-stop", "info")},
        "v3 change 6: active while a progesterone course is (37+2)",
    ),
}
DEFERRED = ("progesterone-discussion", "2026-11-03", "deferred")
CHOSEN = ("progesterone-discussion", "2026-07-11", "declined")
# discussions no longer listed as addressing a point: (profile, mrn) -> (records, why)
DISCUSSED_GONE: dict[tuple[str, str], tuple[list[Discussed], str]] = {
    ("acog-smfm", "V3B"): ([DEFERRED], "v3 change 3: a deferral addresses for 7 days"),
    ("nice-ng25", "V3B"): ([DEFERRED], "v3 change 3: a deferral addresses for 7 days"),
    ("acog-smfm", "D015"): ([CHOSEN], "v3 change 4: the cerclage she chose ends window-closed"),
    ("nice-ng25", "D015"): ([CHOSEN], "v3 change 4: nice.choice, answered by the cerclage"),
}
# what is compared besides the flags and the discussions
SAME = ("ga", "risk", "latest_cl_mm", "shortest_cl_mm")


# twins, low risk by history, CL <= 25 mm: the single screen only (clinical-rules.md v3,
# schedule: "unless the patient's risk by history (without the CL upgrade) gives the serial
# schedule")
NICE_TWINS = ("nice-ng25", "D018")


def _review(db: str, profile: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["--db", db, "review", "--as-of", AS_OF, "--profile", profile, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    review: dict[str, Any] = json.loads(result.stdout)
    return review


def _flags(patient: dict[str, Any]) -> set[Flag]:
    return {(f["action"], f["rule"], f["priority"]) for f in patient["flags"]}


def _discussed(patient: dict[str, Any]) -> list[Discussed]:
    return [(d["action"], d["date"], d["outcome"]) for d in patient["discussed"]]


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_pre_v3_clinic_reviews_as_before_but_for_the_v3_changes(
    profile: str, tmp_path: Path
) -> None:
    """Same patients (and the newly active), GA, risk and CLs; flags, due dates and the
    discussions differ only as the v3 tables say."""
    db = tmp_path / "pre-v3-demo.sqlite3"
    shutil.copy(FIXTURES / "pre-v3-demo.sqlite3", db)
    db.chmod(0o600)
    before = json.loads((FIXTURES / f"pre-v3-demo-review-{profile}.json").read_text("utf-8"))
    old = {p["mrn"]: p for p in before["patients"]}
    new = {p["mrn"]: p for p in _review(str(db), profile)["patients"]}
    newly = {mrn for (prof, mrn) in V3_NEWLY_ACTIVE if prof == profile}
    assert set(new) == set(old) | newly
    for mrn in newly:
        assert _flags(new[mrn]) == V3_NEWLY_ACTIVE[(profile, mrn)][0]
    for mrn, was in old.items():
        now = new[mrn]
        assert [now[k] for k in SAME] == [was[k] for k in SAME], mrn
        gone, added, _why = V3_CHANGES.get((profile, mrn), (set(), set(), ""))
        assert _flags(was) - _flags(now) == gone, mrn
        assert _flags(now) - _flags(was) == added, mrn
        # post-rupture: no next scan (v3 change 1); D018: NICE twins take serial scans only
        # by history, not by the CL upgrade (schedule section; her single screen is done);
        # elsewhere as before
        due = None if (mrn == "V3A" or (profile, mrn) == NICE_TWINS) else was["next_scan_due"]
        assert now["next_scan_due"] == due, mrn
        records, _why = DISCUSSED_GONE.get((profile, mrn), ([], ""))
        assert _discussed(now) == [d for d in _discussed(was) if d not in records], mrn
