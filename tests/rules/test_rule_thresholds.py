"""Both sides of every CL threshold and GA window bound, rule by rule (clinical-rules.md)."""

from __future__ import annotations

from typing import Any

import pytest
from rules_factories import actions, exam, flag, only_rule, patient, review, scan, treatment

from cervix_watch.domain.enums import Priority, Route

NO_HISTORY: dict[str, Any] = {}
SPTB_26 = {"prior_sptb_weeks": "26+3"}
SPTB_35 = {"prior_sptb_weeks": "35+0"}
PPROM_30 = {"prior_pprom_weeks": "30+0"}
TWINS = {"fetuses": 2}

# (profile, history, review GA, [(scan GA, CL mm)], action, rule that raises it or None)
SCAN_CASES = [
    # acog.usi-cerclage: prior sPTB before 34+0, CL < 25 mm in 16+0 to before 24+0
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 24.9)], "cerclage-discussion", "acog.usi-cerclage"),
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 25.0)], "cerclage-discussion", None),
    ("acog-smfm", SPTB_26, "15+6", [("15+6", 20.0)], "cerclage-discussion", None),
    ("acog-smfm", SPTB_26, "16+0", [("16+0", 20.0)], "cerclage-discussion", "acog.usi-cerclage"),
    ("acog-smfm", SPTB_26, "23+6", [("23+6", 20.0)], "cerclage-discussion", "acog.usi-cerclage"),
    ("acog-smfm", SPTB_26, "24+0", [("24+0", 20.0)], "cerclage-discussion", None),
    (
        "acog-smfm",
        {"prior_sptb_weeks": "33+6"},
        "20+0",
        [("20+0", 20.0)],
        "cerclage-discussion",
        "acog.usi-cerclage",
    ),
    (
        "acog-smfm",
        {"prior_sptb_weeks": "34+0"},
        "20+0",
        [("20+0", 20.0)],
        "cerclage-discussion",
        None,
    ),
    # smfm.vp-short-cervix: no prior sPTB before 34+0, CL <= 20 mm -> high
    (
        "acog-smfm",
        NO_HISTORY,
        "20+0",
        [("20+0", 20.0)],
        "progesterone-discussion",
        "smfm.vp-short-cervix",
    ),
    (
        "acog-smfm",
        {"prior_sptb_weeks": "34+0"},
        "20+0",
        [("20+0", 20.0)],
        "progesterone-discussion",
        "smfm.vp-short-cervix",
    ),
    ("acog-smfm", NO_HISTORY, "15+6", [("15+6", 15.0)], "progesterone-discussion", None),
    (
        "acog-smfm",
        NO_HISTORY,
        "16+0",
        [("16+0", 15.0)],
        "progesterone-discussion",
        "smfm.vp-short-cervix",
    ),
    (
        "acog-smfm",
        NO_HISTORY,
        "23+6",
        [("23+6", 15.0)],
        "progesterone-discussion",
        "smfm.vp-short-cervix",
    ),
    ("acog-smfm", NO_HISTORY, "24+0", [("24+0", 15.0)], "progesterone-discussion", None),
    # smfm.vp-shared-decision: 20.1-25.0 mm -> routine
    (
        "acog-smfm",
        NO_HISTORY,
        "20+0",
        [("20+0", 20.1)],
        "progesterone-discussion",
        "smfm.vp-shared-decision",
    ),
    (
        "acog-smfm",
        NO_HISTORY,
        "20+0",
        [("20+0", 25.0)],
        "progesterone-discussion",
        "smfm.vp-shared-decision",
    ),
    ("acog-smfm", NO_HISTORY, "20+0", [("20+0", 25.1)], "progesterone-discussion", None),
    # its own window, 16+0 to before 24+0 (22 mm: above vp-short-cervix's 20 mm)
    ("acog-smfm", NO_HISTORY, "15+6", [("15+6", 22.0)], "progesterone-discussion", None),
    (
        "acog-smfm",
        NO_HISTORY,
        "16+0",
        [("16+0", 22.0)],
        "progesterone-discussion",
        "smfm.vp-shared-decision",
    ),
    (
        "acog-smfm",
        NO_HISTORY,
        "23+6",
        [("23+6", 22.0)],
        "progesterone-discussion",
        "smfm.vp-shared-decision",
    ),
    ("acog-smfm", NO_HISTORY, "24+0", [("24+0", 22.0)], "progesterone-discussion", None),
    # acog.weekly-cl: prior sPTB, latest CL 25.0-29.9 mm, GA before 24+0
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 24.9)], "surveillance-increase", None),
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 25.0)], "surveillance-increase", "acog.weekly-cl"),
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 29.9)], "surveillance-increase", "acog.weekly-cl"),
    ("acog-smfm", SPTB_26, "20+0", [("20+0", 30.0)], "surveillance-increase", None),
    ("acog-smfm", SPTB_26, "23+6", [("23+6", 28.0)], "surveillance-increase", "acog.weekly-cl"),
    ("acog-smfm", SPTB_26, "24+0", [("23+6", 28.0)], "surveillance-increase", None),
    ("acog-smfm", SPTB_26, "20+0", [("18+0", 28.0), ("20+0", 31.0)], "surveillance-increase", None),
    # any.short-outside-window, acog-smfm: CL <= 25 mm outside 16+0 to before 24+0
    # (the safer of the spec's two spellings, "at or below" vs "< 25": see the profile)
    (
        "acog-smfm",
        NO_HISTORY,
        "24+0",
        [("24+0", 25.0)],
        "short-cervix-noted",
        "any.short-outside-window",
    ),
    ("acog-smfm", NO_HISTORY, "24+0", [("24+0", 25.1)], "short-cervix-noted", None),
    (
        "acog-smfm",
        NO_HISTORY,
        "15+6",
        [("15+6", 24.9)],
        "short-cervix-noted",
        "any.short-outside-window",
    ),
    ("acog-smfm", NO_HISTORY, "16+0", [("16+0", 24.9)], "short-cervix-noted", None),
    ("acog-smfm", NO_HISTORY, "23+6", [("23+6", 24.9)], "short-cervix-noted", None),
    # nice.choice: prior sPTB at or before 34+0 (v2: inclusive), CL <= 25 mm in 16+0 to 24+0
    # (both ends included)
    ("nice-ng25", SPTB_26, "20+0", [("20+0", 25.0)], "cerclage-discussion", "nice.choice"),
    ("nice-ng25", SPTB_26, "20+0", [("20+0", 25.0)], "progesterone-discussion", "nice.choice"),
    ("nice-ng25", SPTB_26, "20+0", [("20+0", 25.1)], "cerclage-discussion", None),
    ("nice-ng25", SPTB_26, "15+6", [("15+6", 20.0)], "cerclage-discussion", None),
    ("nice-ng25", SPTB_26, "16+0", [("16+0", 20.0)], "cerclage-discussion", "nice.choice"),
    ("nice-ng25", SPTB_26, "24+0", [("24+0", 20.0)], "cerclage-discussion", "nice.choice"),
    ("nice-ng25", SPTB_26, "24+1", [("24+1", 20.0)], "cerclage-discussion", None),
    (
        "nice-ng25",
        {"prior_sptb_weeks": "34+0"},
        "20+0",
        [("20+0", 20.0)],
        "cerclage-discussion",
        "nice.choice",
    ),
    (
        "nice-ng25",
        {"prior_sptb_weeks": "34+1"},
        "20+0",
        [("20+0", 20.0)],
        "cerclage-discussion",
        None,
    ),
    # nice.vp-history: prior sPTB at or before 34+0 (v2: inclusive), GA 16+0 to 24+0,
    # no qualifying CL <= 25 mm
    ("nice-ng25", SPTB_26, "15+6", [], "progesterone-discussion", None),
    ("nice-ng25", SPTB_26, "16+0", [], "progesterone-discussion", "nice.vp-history"),
    ("nice-ng25", SPTB_26, "24+0", [], "progesterone-discussion", "nice.vp-history"),
    ("nice-ng25", SPTB_26, "24+1", [], "progesterone-discussion", None),
    ("nice-ng25", SPTB_26, "20+0", [("20+0", 25.1)], "progesterone-discussion", "nice.vp-history"),
    # nice.vp-short-cervix: no prior sPTB at or before 34+0 (v2: inclusive), CL <= 25 mm -> high
    (
        "nice-ng25",
        NO_HISTORY,
        "20+0",
        [("20+0", 25.0)],
        "progesterone-discussion",
        "nice.vp-short-cervix",
    ),
    ("nice-ng25", NO_HISTORY, "20+0", [("20+0", 25.1)], "progesterone-discussion", None),
    (
        "nice-ng25",
        NO_HISTORY,
        "24+0",
        [("24+0", 25.0)],
        "progesterone-discussion",
        "nice.vp-short-cervix",
    ),
    ("nice-ng25", NO_HISTORY, "24+1", [("24+1", 25.0)], "progesterone-discussion", None),
    ("nice-ng25", NO_HISTORY, "15+6", [("15+6", 25.0)], "progesterone-discussion", None),
    (
        "nice-ng25",
        NO_HISTORY,
        "16+0",
        [("16+0", 25.0)],
        "progesterone-discussion",
        "nice.vp-short-cervix",
    ),
    # nice.cerclage-pprom-trauma: prior PPROM or a cervical excision, CL <= 25 mm
    (
        "nice-ng25",
        {"prior_pprom_weeks": "30+0"},
        "20+0",
        [("20+0", 25.0)],
        "cerclage-discussion",
        "nice.cerclage-pprom-trauma",
    ),
    (
        "nice-ng25",
        {"cervical_excision": "lletz"},
        "20+0",
        [("20+0", 25.0)],
        "cerclage-discussion",
        "nice.cerclage-pprom-trauma",
    ),
    (
        "nice-ng25",
        {"cervical_excision": "lletz"},
        "20+0",
        [("20+0", 25.1)],
        "cerclage-discussion",
        None,
    ),
    ("nice-ng25", NO_HISTORY, "20+0", [("20+0", 25.0)], "cerclage-discussion", None),
    # its window, 16+0 to 24+0 (both included)
    ("nice-ng25", PPROM_30, "15+6", [("15+6", 25.0)], "cerclage-discussion", None),
    (
        "nice-ng25",
        PPROM_30,
        "16+0",
        [("16+0", 25.0)],
        "cerclage-discussion",
        "nice.cerclage-pprom-trauma",
    ),
    (
        "nice-ng25",
        PPROM_30,
        "24+0",
        [("24+0", 25.0)],
        "cerclage-discussion",
        "nice.cerclage-pprom-trauma",
    ),
    ("nice-ng25", PPROM_30, "24+1", [("24+1", 25.0)], "cerclage-discussion", None),
    # nice.incidental-short: risk by history low or intermediate, CL <= 25 mm
    (
        "nice-ng25",
        NO_HISTORY,
        "20+0",
        [("20+0", 25.0)],
        "refer-ptb-clinic",
        "nice.incidental-short",
    ),
    (
        "nice-ng25",
        {"cervical_excision": "cone"},
        "20+0",
        [("20+0", 25.0)],
        "refer-ptb-clinic",
        "nice.incidental-short",
    ),
    (
        "nice-ng25",
        {"prior_pprom_weeks": "30+0"},
        "20+0",
        [("20+0", 25.0)],
        "refer-ptb-clinic",
        None,
    ),
    ("nice-ng25", NO_HISTORY, "20+0", [("20+0", 25.1)], "refer-ptb-clinic", None),
    # its window, 16+0 to 24+0 (both included)
    ("nice-ng25", NO_HISTORY, "15+6", [("15+6", 25.0)], "refer-ptb-clinic", None),
    (
        "nice-ng25",
        NO_HISTORY,
        "16+0",
        [("16+0", 25.0)],
        "refer-ptb-clinic",
        "nice.incidental-short",
    ),
    (
        "nice-ng25",
        NO_HISTORY,
        "24+0",
        [("24+0", 25.0)],
        "refer-ptb-clinic",
        "nice.incidental-short",
    ),
    ("nice-ng25", NO_HISTORY, "24+1", [("24+1", 25.0)], "refer-ptb-clinic", None),
    # any.short-outside-window, nice-ng25: CL <= 25 mm outside 16+0 to 24+0
    (
        "nice-ng25",
        NO_HISTORY,
        "24+1",
        [("24+1", 25.0)],
        "short-cervix-noted",
        "any.short-outside-window",
    ),
    ("nice-ng25", NO_HISTORY, "24+1", [("24+1", 25.1)], "short-cervix-noted", None),
    ("nice-ng25", NO_HISTORY, "24+0", [("24+0", 25.0)], "short-cervix-noted", None),
    (
        "nice-ng25",
        NO_HISTORY,
        "15+6",
        [("15+6", 25.0)],
        "short-cervix-noted",
        "any.short-outside-window",
    ),
]


def _case_id(case: tuple[Any, ...]) -> str:
    profile, history, at, scans, action, rule = case
    cls = ",".join(f"{cl}@{when}" for when, cl in scans) or "no-scan"
    hist = ",".join(f"{k}={v}" for k, v in history.items()) or "-"
    return f"{profile}:{action}:{rule or 'none'}:{hist}:{at}:{cls}"


@pytest.mark.parametrize("case", SCAN_CASES, ids=[_case_id(c) for c in SCAN_CASES])
def test_scan_thresholds_and_windows(case: tuple[Any, ...]) -> None:
    """Each CL threshold and window bound raises the action on one side only, with its rule id."""
    profile, history, at, scans, action, rule = case
    p = patient(at, **history)
    result = review(p, *(scan(p, when, cl) for when, cl in scans), profile=profile)
    raised = {f.action.value: f for f in result.flags}
    if rule is None:
        assert action not in raised
    else:
        assert action in raised
        assert raised[action].rule == rule


# (profile, rule, history, review GA, [(scan GA, CL mm)], raised?): bounds where another rule
# raises the same action at the same priority and, first on the tie, hides this rule's flag
# (nice.choice over nice.vp-short-cervix and nice.cerclage-pprom-trauma; any.short-outside-window
# over the twin rules outside their window). The profile keeps only the rule under test.
RULE_ONLY_CASES = [
    # nice.vp-short-cervix: no prior sPTB at or before 34+0 (v2: inclusive)
    (
        "nice-ng25",
        "nice.vp-short-cervix",
        {"prior_sptb_weeks": "34+0"},
        "20+0",
        [("20+0", 20.0)],
        False,
    ),
    (
        "nice-ng25",
        "nice.vp-short-cervix",
        {"prior_sptb_weeks": "34+1"},
        "20+0",
        [("20+0", 20.0)],
        True,
    ),
    # nice.cerclage-pprom-trauma: no prior sPTB at or before 34+0 (v2: inclusive)
    (
        "nice-ng25",
        "nice.cerclage-pprom-trauma",
        {**PPROM_30, "prior_sptb_weeks": "34+0"},
        "20+0",
        [("20+0", 20.0)],
        False,
    ),
    (
        "nice-ng25",
        "nice.cerclage-pprom-trauma",
        {**PPROM_30, "prior_sptb_weeks": "34+1"},
        "20+0",
        [("20+0", 20.0)],
        True,
    ),
    # acog.twins-short-cervix: fetuses >= 2, CL < 25 mm before 24+0
    ("acog-smfm", "acog.twins-short-cervix", TWINS, "23+6", [("23+6", 24.9)], True),
    ("acog-smfm", "acog.twins-short-cervix", TWINS, "24+0", [("24+0", 24.9)], False),
    # nice.twins-vp (v2, NG137 2024): fetuses >= 2, CL <= 25 mm in 16+0 to 24+0 (both included)
    ("nice-ng25", "nice.twins-vp", TWINS, "15+6", [("15+6", 25.0)], False),
    ("nice-ng25", "nice.twins-vp", TWINS, "16+0", [("16+0", 25.0)], True),
    ("nice-ng25", "nice.twins-vp", TWINS, "20+0", [("20+0", 25.1)], False),
    ("nice-ng25", "nice.twins-vp", TWINS, "24+0", [("24+0", 25.0)], True),
    ("nice-ng25", "nice.twins-vp", TWINS, "24+1", [("24+1", 25.0)], False),
]


def _rule_only_id(case: tuple[Any, ...]) -> str:
    profile, rule, history, at, scans, raised = case
    cls = ",".join(f"{cl}@{when}" for when, cl in scans) or "no-scan"
    hist = ",".join(f"{k}={v}" for k, v in history.items()) or "-"
    return f"{profile}:{rule}:{'raised' if raised else 'not-raised'}:{hist}:{at}:{cls}"


@pytest.mark.parametrize("case", RULE_ONLY_CASES, ids=[_rule_only_id(c) for c in RULE_ONLY_CASES])
def test_masked_rule_bounds(case: tuple[Any, ...]) -> None:
    """A bound another rule hides in the review: the rule alone raises on one side only."""
    profile, rule, history, at, scans, raised = case
    p = patient(at, **history)
    result = review(p, *(scan(p, when, cl) for when, cl in scans), profile=only_rule(profile, rule))
    assert ({f.rule for f in result.flags} == {rule}) is raised
    assert {f.rule for f in result.flags} <= {rule}


# (profile, history, review GA, action, rule or None): rules on history and GA alone
HISTORY_CASES = [
    ("acog-smfm", SPTB_26, "15+6", "progesterone-discussion", None),
    ("acog-smfm", SPTB_26, "16+0", "progesterone-discussion", "smfm.vp-prior-sptb"),
    ("acog-smfm", SPTB_26, "23+6", "progesterone-discussion", "smfm.vp-prior-sptb"),
    ("acog-smfm", SPTB_26, "24+0", "progesterone-discussion", None),
    (
        "acog-smfm",
        {"prior_sptb_weeks": "36+6"},
        "20+0",
        "progesterone-discussion",
        "smfm.vp-prior-sptb",
    ),
    (
        "acog-smfm",
        {"painless_loss_count": 1},
        "15+6",
        "history-cerclage-discussion",
        "acog.history-cerclage",
    ),
    # v3 change 9: history-indicated cerclage points stay until 24+0 (v2: ended at 16+0)
    (
        "acog-smfm",
        {"painless_loss_count": 1},
        "23+6",
        "history-cerclage-discussion",
        "acog.history-cerclage",
    ),
    ("acog-smfm", {"painless_loss_count": 1}, "24+0", "history-cerclage-discussion", None),
    (
        "acog-smfm",
        {"prior_cerclage": "exam"},
        "12+0",
        "history-cerclage-discussion",
        "acog.history-cerclage",
    ),
    ("acog-smfm", {"prior_cerclage": "history"}, "12+0", "history-cerclage-discussion", None),
    # acog.history-cerclage at 15+6, the last day of its window: only with a qualifying history
    ("acog-smfm", NO_HISTORY, "15+6", "history-cerclage-discussion", None),
    (
        "acog-smfm",
        {"prior_cerclage": "exam"},
        "15+6",
        "history-cerclage-discussion",
        "acog.history-cerclage",
    ),
    (
        "acog-smfm",
        {"painless_loss_count": 1, "fetuses": 2},
        "12+0",
        "history-cerclage-discussion",
        None,
    ),
    (
        "nice-ng25",
        {"prior_sptb_weeks": "20+0", "prior_sptb_count": 3},
        "15+6",
        "history-cerclage-discussion",
        "rcog.history-cerclage",
    ),
    # v3 change 9: raised until before 24+0 (v2: ended at 16+0)
    (
        "nice-ng25",
        {"prior_sptb_weeks": "20+0", "prior_sptb_count": 3},
        "23+6",
        "history-cerclage-discussion",
        "rcog.history-cerclage",
    ),
    (
        "nice-ng25",
        {"prior_sptb_weeks": "20+0", "prior_sptb_count": 3},
        "24+0",
        "history-cerclage-discussion",
        None,
    ),
    (
        "nice-ng25",
        {"prior_sptb_weeks": "20+0", "prior_sptb_count": 2},
        "15+6",
        "history-cerclage-discussion",
        None,
    ),
    # rcog.history-cerclage is singleton only (clinical-rules.md, nice-ng25 table)
    (
        "nice-ng25",
        {"prior_sptb_weeks": "20+0", "prior_sptb_count": 3, "fetuses": 2},
        "15+6",
        "history-cerclage-discussion",
        None,
    ),
    # nice.vp-history: prior sPTB at or before 34+0 (v2: inclusive)
    (
        "nice-ng25",
        {"prior_sptb_weeks": "34+0"},
        "20+0",
        "progesterone-discussion",
        "nice.vp-history",
    ),
    ("nice-ng25", {"prior_sptb_weeks": "34+1"}, "20+0", "progesterone-discussion", None),
]


@pytest.mark.parametrize(("profile", "history", "at", "action", "rule"), HISTORY_CASES)
def test_history_rules(
    profile: str, history: dict[str, Any], at: str, action: str, rule: str | None
) -> None:
    """History-only rules fire inside their review-date GA window and not outside it."""
    result = review(patient(at, **history), profile=profile)
    raised = {f.action.value: f.rule for f in result.flags}
    assert raised.get(action) == rule


def test_prior_sptb_before_37_is_the_bound_of_vp_prior_sptb() -> None:
    """A prior sPTB at 37+0 is not a prior sPTB (the domain refuses it; the criterion says no)."""
    from cervix_watch.domain.errors import InputError
    from cervix_watch.domain.models import Patient
    from cervix_watch.domain.problems import build
    from cervix_watch.rules import load_profile

    with pytest.raises(InputError):
        build(Patient, {"mrn": "X", "edd": "2027-03-01", "prior_sptb_weeks": "37+0"})
    criteria = next(
        r for r in load_profile("acog-smfm").rules if r.id == "smfm.vp-prior-sptb"
    ).history
    assert criteria is not None
    at_37 = Patient.model_construct(**{**patient().model_dump(), "prior_sptb_weeks": 259})
    at_36_6 = Patient.model_construct(**{**patient().model_dump(), "prior_sptb_weeks": 258})
    assert not criteria.matches(at_37)
    assert criteria.matches(at_36_6)


# (profile, review GA, exam fields, raised?)
EXAM_CASES = [
    ("acog-smfm", "20+0", {"dilation_cm": 1.0}, True),
    ("acog-smfm", "20+0", {"dilation_cm": 0.9}, False),
    ("acog-smfm", "20+0", {"membranes_visible": True}, True),
    ("acog-smfm", "15+6", {"dilation_cm": 2.0}, False),
    ("acog-smfm", "16+0", {"dilation_cm": 2.0}, True),
    ("acog-smfm", "23+6", {"dilation_cm": 2.0}, True),
    ("acog-smfm", "24+0", {"dilation_cm": 2.0}, False),
    ("nice-ng25", "20+0", {"dilation_cm": 0.5, "membranes_visible": True}, True),
    ("nice-ng25", "20+0", {"dilation_cm": 0.0, "membranes_visible": True}, False),
    ("nice-ng25", "20+0", {"dilation_cm": 2.0}, False),
    ("nice-ng25", "15+6", {"dilation_cm": 1.0, "membranes_visible": True}, False),
    ("nice-ng25", "16+0", {"dilation_cm": 1.0, "membranes_visible": True}, True),
    ("nice-ng25", "27+6", {"dilation_cm": 1.0, "membranes_visible": True}, True),
    ("nice-ng25", "28+0", {"dilation_cm": 1.0, "membranes_visible": True}, False),
]


@pytest.mark.parametrize(("profile", "at", "fields", "raised"), EXAM_CASES)
def test_rescue_cerclage_bounds(
    profile: str, at: str, fields: dict[str, Any], raised: bool
) -> None:
    """acog.exam-cerclage (dilation >= 1 cm or membranes) and nice.rescue (> 0 cm and membranes)."""
    p = patient(at)
    result = review(p, exam(p, at, **fields), profile=profile)
    assert ("rescue-cerclage-review" in actions(result)) is raised


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_rescue_contraindications_named_and_still_urgent(profile: str) -> None:
    """Contractions, bleeding and infection signs are named in the message; it stays urgent."""
    p = patient("20+0")
    fields = {
        "dilation_cm": 2.0,
        "membranes_visible": True,
        "bleeding": True,
        "infection_signs": True,
    }
    result = review(p, exam(p, "20+0", **fields), profile=profile)
    rescue = flag(result, "rescue-cerclage-review")
    assert rescue.priority is Priority.URGENT
    assert "WITH BLEEDING, SIGNS OF INFECTION:" in rescue.message
    assert "contractions" in rescue.message  # from the profile's contraindication note


# (profile, treatment, review GA, raised action or None)
TREATMENT_END_CASES = [
    ("acog-smfm", "cerclage", "35+6", None),
    ("acog-smfm", "cerclage", "36+0", "cerclage-removal-due"),
    ("acog-smfm", "progesterone", "35+6", None),
    ("acog-smfm", "progesterone", "36+0", "progesterone-stop-due"),
    ("nice-ng25", "cerclage", "35+6", None),
    ("nice-ng25", "cerclage", "36+0", "cerclage-removal-due"),
    ("nice-ng25", "progesterone", "33+6", None),
    ("nice-ng25", "progesterone", "34+0", "progesterone-stop-due"),
]


@pytest.mark.parametrize(("profile", "kind", "at", "action"), TREATMENT_END_CASES)
def test_treatment_end_bounds(profile: str, kind: str, at: str, action: str | None) -> None:
    """Cerclage removal from 36+0; progesterone stop from 36+0 (ACOG) or 34+0 (NICE)."""
    p = patient(at)
    result = review(p, treatment(p, kind, "16+0"), profile=profile)
    ends = actions(result) & {"cerclage-removal-due", "progesterone-stop-due"}
    assert ends == ({action} if action else set())


def test_ended_treatment_raises_no_end_flag() -> None:
    """A cerclage already removed raises no removal flag."""
    p = patient("36+3")
    result = review(p, treatment(p, "cerclage", "14+0", end="36+1"))
    assert "cerclage-removal-due" not in actions(result)


# (route, measurements, flagged?): any.measurement-quality on the latest scan
QUALITY_CASES = [
    ("tv", (20.0, 21.9, 21.9), False),
    ("tv", (20.0, 22.0, 22.0), True),
    ("tv", (22.0, 24.2, 23.0), True),  # exactly 10 % in decimal, 9.99... % in binary
    ("tv", (20.0, 20.5), True),
    ("tv", (20.0,), True),
    ("ta", (30.0, 30.0, 30.0), True),
    ("tp", (30.0, 30.0, 30.0), True),
]


@pytest.mark.parametrize(("route", "measurements", "flagged"), QUALITY_CASES)
def test_measurement_quality(route: str, measurements: tuple[float, ...], flagged: bool) -> None:
    """Fewer than 3 measurements, a spread of 10 % or more, or a non-tv route is flagged."""
    p = patient("30+0")
    recorded = scan(p, "30+0").model_copy(update={"cl_mm": measurements, "route": Route(route)})
    result = review(p, recorded)
    assert ("measurement-quality" in actions(result)) is flagged
