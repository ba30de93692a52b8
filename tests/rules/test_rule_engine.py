"""Engine semantics: active patients, as-of, addressed points, one flag per action, output."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rules_factories import (
    AS_OF,
    actions,
    closure,
    discussion,
    exam,
    flag,
    history,
    patient,
    review,
    scan,
    treatment,
)

from cervix_watch.domain.enums import Priority, Risk
from cervix_watch.rules import (
    evaluate,
    flags_raised_by_exam,
    flags_raised_by_scan,
    load_profile,
    review_clinic,
)

ACOG = load_profile("acog-smfm")
SPTB_26 = {"prior_sptb_weeks": "26+3"}


# --- active patients -------------------------------------------------------------


@pytest.mark.parametrize(("at", "active"), [("36+6", True), ("37+0", False)])
def test_active_until_37_weeks(at: str, active: bool) -> None:
    """A pregnancy is reviewed while GA < 37+0."""
    p = patient(at)
    assert (evaluate(history(p), AS_OF, ACOG) is not None) is active


def test_cerclage_in_situ_keeps_patient_active_past_37_weeks() -> None:
    """A cerclage still in situ at 37+2 keeps the patient in the review, with removal due."""
    p = patient("37+2")
    result = review(p, treatment(p, "cerclage", "14+0", kind="history"))
    assert result.ga == "37+2"
    assert "cerclage-removal-due" in actions(result)
    assert result.next_scan_due is None


def test_removed_cerclage_does_not_keep_patient_active() -> None:
    """After removal, a pregnancy past 37+0 leaves the review."""
    p = patient("37+2")
    records = history(p, treatment(p, "cerclage", "14+0", end="36+2"))
    assert evaluate(records, AS_OF, ACOG) is None


def test_closed_patient_is_not_reviewed() -> None:
    """A closure dated on or before the review date removes the patient."""
    p = patient("30+0")
    assert evaluate(history(p, closure(p, "30+0")), AS_OF, ACOG) is None


def test_closure_after_review_date_is_ignored() -> None:
    """Reviewing an earlier date shows the pregnancy as it was then."""
    p = patient("30+0")
    earlier = AS_OF - timedelta(days=7)
    assert evaluate(history(p, closure(p, "30+0")), earlier, ACOG) is not None


# --- as of the review date ----------------------------------------------------------


def test_records_after_review_date_are_ignored() -> None:
    """A scan, exam, treatment or discussion dated after the review date does not count."""
    p = patient("20+0", **SPTB_26)
    later = [
        scan(p, "20+1", 15.0),
        exam(p, "20+1", dilation_cm=3.0),
        treatment(p, "cerclage", "20+1"),
    ]
    result = review(p, *later)
    assert result.latest_cl_mm is None
    assert actions(result) == {"progesterone-discussion", "scan-overdue"}


def test_voided_scan_left_out_by_caller_does_not_count() -> None:
    """The caller excludes voided scans; without the short scan there is no flag."""
    p = patient("20+0", **SPTB_26)
    short = scan(p, "19+0", 20.0)
    normal = scan(p, "18+0", 35.0)
    assert "cerclage-discussion" in actions(review(p, normal, short))
    assert "cerclage-discussion" not in actions(review(p, normal))


def test_transabdominal_scans_never_trigger_cl_thresholds() -> None:
    """A short ta or tp CL raises no treatment, short-cervix or risk-upgrade point."""
    p = patient("20+0", **SPTB_26)
    for route in ("ta", "tp"):
        result = review(p, scan(p, "20+0", 15.0, route=route), profile="nice-ng25")
        assert actions(result) & {"cerclage-discussion", "short-cervix-noted"} == set()
        assert flag(result, "progesterone-discussion").rule == "nice.vp-history"
    low = patient("20+0")
    assert review(low, scan(low, "20+0", 15.0, route="ta"), profile="nice-ng25").risk is Risk.LOW


def test_transabdominal_scan_counts_for_the_schedule() -> None:
    """A ta scan resets the serial schedule like any other scan."""
    p = patient("20+0", **SPTB_26)
    result = review(p, scan(p, "19+5", 35.0, route="ta"))
    assert result.next_scan_due == AS_OF + timedelta(days=12)


# --- addressed points ----------------------------------------------------------------


def test_discussion_on_or_after_the_scan_addresses_it() -> None:
    """A cerclage discussion dated on the qualifying scan's date addresses the point."""
    p = patient("20+0", **SPTB_26)
    short = scan(p, "18+0", 21.0)
    talk = discussion(p, "cerclage-discussion", "18+0", "declined")
    result = review(p, short, talk)
    assert "cerclage-discussion" not in actions(result)
    assert result.discussed == (talk,)


def test_discussion_before_the_scan_does_not_address_it() -> None:
    """A discussion dated before the qualifying scan leaves the point raised."""
    p = patient("20+0", **SPTB_26)
    result = review(p, scan(p, "18+0", 21.0), discussion(p, "cerclage-discussion", "17+6"))
    assert "cerclage-discussion" in actions(result)
    assert result.discussed == ()


def test_newer_shorter_scan_raises_the_point_again() -> None:
    """After a discussion, a newer scan with a shorter CL raises the point again."""
    p = patient("21+0", **SPTB_26)
    records = (scan(p, "18+0", 21.0), discussion(p, "cerclage-discussion", "18+1"))
    newer = scan(p, "20+0", 19.5)
    assert "cerclage-discussion" not in actions(review(p, *records))
    raised = flag(review(p, *records, newer), "cerclage-discussion")
    assert raised.basis_scan_id == newer.scan_id
    assert "19.5" in raised.message


def test_newer_equal_or_longer_scan_stays_addressed() -> None:
    """A newer scan that is not shorter does not re-raise an addressed point."""
    p = patient("21+0", **SPTB_26)
    records = (scan(p, "18+0", 21.0), discussion(p, "cerclage-discussion", "18+1"))
    for cl in (21.0, 24.0):
        assert "cerclage-discussion" not in actions(review(p, *records, scan(p, "20+0", cl)))


def test_longer_later_scan_does_not_clear_an_unaddressed_point() -> None:
    """A short cervix once seen in the window keeps its point until addressed."""
    p = patient("21+0", **SPTB_26)
    result = review(p, scan(p, "18+0", 21.0), scan(p, "20+0", 38.0))
    assert flag(result, "cerclage-discussion").message.startswith("CL 21.0 mm at 18+0")


@pytest.mark.parametrize(
    ("kind", "action"),
    [("cerclage", "cerclage-discussion"), ("progesterone", "progesterone-discussion")],
)
def test_running_treatment_addresses_its_discussion(kind: str, action: str) -> None:
    """Cerclage in situ addresses cerclage points; active progesterone addresses progesterone."""
    p = patient("20+0", **SPTB_26)
    short = scan(p, "19+0", 21.0)
    assert action in actions(review(p, short))
    assert action not in actions(review(p, short, treatment(p, kind, "19+2")))


def test_history_rule_is_addressed_by_any_discussion() -> None:
    """A rule on history alone is addressed by a discussion of that action on any date."""
    p = patient("18+0", **SPTB_26)
    # v3 change 3: a `deferred` record lapses after defer_days, so this one is declined
    talk = discussion(p, "progesterone-discussion", "12+0", "declined")
    result = review(p, talk)
    assert "progesterone-discussion" not in actions(result)
    assert result.discussed == (talk,)


def test_scan_rule_still_raised_when_only_the_history_point_was_discussed() -> None:
    """An old history discussion does not address a newer short-cervix progesterone point."""
    p = patient("20+0", prior_sptb_weeks="35+0")
    talk = discussion(p, "progesterone-discussion", "16+0")
    result = review(p, talk, scan(p, "19+0", 18.0))
    assert flag(result, "progesterone-discussion").rule == "smfm.vp-short-cervix"
    assert result.discussed == (talk,)


@pytest.mark.parametrize("kind", ["cerclage", "progesterone", "pessary"])
def test_refer_ptb_clinic_addressed_by_any_treatment(kind: str) -> None:
    """refer-ptb-clinic is addressed once any treatment is recorded."""
    p = patient("20+0")
    short = scan(p, "19+0", 22.0)
    assert "refer-ptb-clinic" in actions(review(p, short, profile="nice-ng25"))
    result = review(p, short, treatment(p, kind, "19+1"), profile="nice-ng25")
    assert "refer-ptb-clinic" not in actions(result)


def test_rescue_review_is_addressed_by_a_discussion_on_or_after_the_exam() -> None:
    """v2: a rescue-cerclage-review discussion dated on or after the exam addresses it."""
    p = patient("20+0")
    findings = exam(p, "19+6", dilation_cm=2.0)
    before = review(p, findings, discussion(p, "rescue-cerclage-review", "19+5"))
    assert "rescue-cerclage-review" in actions(before)
    after = review(p, findings, discussion(p, "rescue-cerclage-review", "19+6"))
    assert "rescue-cerclage-review" not in actions(after)


@pytest.mark.parametrize(
    ("kind", "start", "addressed"),
    [
        ("exam", "19+6", True),
        ("exam", "19+5", False),
        ("history", "19+6", False),
    ],
)
def test_rescue_review_is_addressed_by_a_rescue_cerclage(
    kind: str, start: str, addressed: bool
) -> None:
    """v2: only an exam-indicated cerclage started on or after the exam addresses rescue."""
    p = patient("20+0")
    findings = exam(p, "19+6", dilation_cm=2.0)
    result = review(p, findings, treatment(p, "cerclage", start, kind=kind))
    assert ("rescue-cerclage-review" not in actions(result)) is addressed


def test_latest_exam_supersedes_earlier_findings() -> None:
    """A later normal exam clears the rescue point of an earlier one."""
    p = patient("20+0")
    first = exam(p, "19+0", dilation_cm=2.0)
    assert "rescue-cerclage-review" in actions(review(p, first))
    assert "rescue-cerclage-review" not in actions(review(p, first, exam(p, "19+5")))


# --- one flag per action, twins ---------------------------------------------------


def test_one_flag_per_action_at_highest_priority() -> None:
    """Two rules raising progesterone-discussion show once, at the higher priority's rule."""
    p = patient("20+0", prior_sptb_weeks="35+0")
    result = review(p, scan(p, "20+0", 18.0))
    raised = flag(result, "progesterone-discussion")
    assert raised.rule == "smfm.vp-short-cervix"
    assert raised.priority is Priority.HIGH


def test_nice_choice_raises_both_discussions() -> None:
    """nice.choice raises cerclage- and progesterone-discussion from one rule."""
    p = patient("20+0", **SPTB_26)
    result = review(p, scan(p, "20+0", 22.0), profile="nice-ng25")
    assert flag(result, "cerclage-discussion").rule == "nice.choice"
    assert flag(result, "progesterone-discussion").rule == "nice.choice"


@pytest.mark.parametrize(("cl", "noted"), [(24.9, True), (25.0, False)])
def test_acog_twins_short_cervix_noted_instead_of_treatment(cl: float, noted: bool) -> None:
    """ACOG twins with a short cervix get short-cervix-noted (high), no treatment point."""
    p = patient("20+0", fetuses=2, **SPTB_26)
    result = review(p, scan(p, "20+0", cl))
    assert (
        actions(result) & {"cerclage-discussion", "progesterone-discussion", "refer-ptb-clinic"}
        == set()
    )
    assert ("short-cervix-noted" in actions(result)) is noted
    if noted:
        raised = flag(result, "short-cervix-noted")
        assert raised.priority is Priority.HIGH
        assert "multiple pregnancy" in raised.message


@pytest.mark.parametrize(("cl", "raised"), [(25.0, True), (25.1, False)])
def test_nice_twins_get_progesterone_for_a_short_cervix(cl: float, raised: bool) -> None:
    """v2 (NICE NG137, 2024): twins with CL <= 25 mm get nice.twins-vp, never cerclage."""
    p = patient("20+0", fetuses=2, **SPTB_26)
    result = review(p, scan(p, "20+0", cl), profile="nice-ng25")
    assert (
        actions(result) & {"cerclage-discussion", "refer-ptb-clinic", "short-cervix-noted"} == set()
    )
    assert ("progesterone-discussion" in actions(result)) is raised
    if raised:
        point = flag(result, "progesterone-discussion")
        assert (point.rule, point.priority) == ("nice.twins-vp", Priority.HIGH)


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_twins_still_get_rescue_and_treatment_end(profile: str) -> None:
    """Exam rules and treatment-end rules apply to twins."""
    p = patient("20+0", fetuses=2)
    assert "rescue-cerclage-review" in actions(
        review(p, exam(p, "20+0", dilation_cm=2.0, membranes_visible=True), profile=profile)
    )
    late = patient("36+1", fetuses=2)
    result = review(late, treatment(late, "cerclage", "20+0"), profile=profile)
    assert "cerclage-removal-due" in actions(result)


# --- risk ----------------------------------------------------------------------------

RISK_CASES = [
    ("acog-smfm", {}, Risk.LOW),
    ("acog-smfm", {"prior_sptb_weeks": "36+6"}, Risk.HIGH),
    # v2: a preterm PPROM counts as a prior sPTB under ACOG (PB 130/234)
    ("acog-smfm", {"prior_pprom_weeks": "30+0"}, Risk.HIGH),
    ("acog-smfm", {"prior_pprom_weeks": "36+6"}, Risk.HIGH),
    ("acog-smfm", {"painless_loss_count": 1}, Risk.HIGH),
    ("acog-smfm", {"prior_cerclage": "history"}, Risk.HIGH),
    ("acog-smfm", {"cervical_excision": "cone"}, Risk.LOW),
    ("nice-ng25", {}, Risk.LOW),
    ("nice-ng25", {"prior_sptb_weeks": "33+6"}, Risk.HIGH),
    # v2: NICE's "at or before 34+0" is inclusive
    ("nice-ng25", {"prior_sptb_weeks": "34+0"}, Risk.HIGH),
    ("nice-ng25", {"prior_sptb_weeks": "34+1"}, Risk.LOW),
    ("nice-ng25", {"prior_pprom_weeks": "33+6"}, Risk.HIGH),
    ("nice-ng25", {"prior_pprom_weeks": "34+0"}, Risk.LOW),
    ("nice-ng25", {"prior_cerclage": "ultrasound"}, Risk.HIGH),
    ("nice-ng25", {"uterine_anomaly": True}, Risk.HIGH),
    ("nice-ng25", {"intrauterine_adhesions": True}, Risk.HIGH),
    ("nice-ng25", {"cervical_excision": "trachelectomy"}, Risk.HIGH),
    ("nice-ng25", {"caesarean_full_dilatation": True}, Risk.INTERMEDIATE),
    ("nice-ng25", {"cervical_excision": "lletz_deep"}, Risk.INTERMEDIATE),
    ("nice-ng25", {"cervical_excision": "lletz_multiple"}, Risk.INTERMEDIATE),
    ("nice-ng25", {"cervical_excision": "cone"}, Risk.INTERMEDIATE),
    ("nice-ng25", {"cervical_excision": "lletz"}, Risk.LOW),
    ("nice-ng25", {"painless_loss_count": 1}, Risk.HIGH),
]


@pytest.mark.parametrize(("profile", "history_fields", "risk"), RISK_CASES)
def test_risk_category_by_history(
    profile: str, history_fields: dict[str, object], risk: Risk
) -> None:
    """Each profile's risk definition puts the history in the expected category."""
    assert review(patient("14+0", **history_fields), profile=profile).risk is risk


@pytest.mark.parametrize(("cl", "risk"), [(25.0, Risk.HIGH), (25.1, Risk.LOW)])
def test_nice_risk_upgrade_on_any_recorded_short_cl(cl: float, risk: Risk) -> None:
    """NICE: any transvaginal CL <= 25 mm already recorded makes the risk high, at any GA."""
    p = patient("30+0")
    assert review(p, scan(p, "28+0", cl), profile="nice-ng25").risk is risk


# --- output --------------------------------------------------------------------------


def test_review_json_matches_the_contract() -> None:
    """to_json_dict has exactly the contract's keys (the name included, as CSV and Markdown
    carry it), ISO dates and 'w+d' GA."""
    p = patient("18+4", mrn="P01", **SPTB_26)
    records = history(p, scan(p, "16+2", 31.0, 31.5, 32.0), scan(p, "18+2", 21.0, 21.5, 22.0))
    result = review_clinic([records], AS_OF, ACOG).to_json_dict()
    assert set(result) == {"as_of", "profile", "inbox_waiting", "patients"}  # contract v3
    assert result["inbox_waiting"] == 0  # the engine knows no inbox; the CLI fills it in
    assert result["as_of"] == "2026-10-15"
    assert result["profile"] == "acog-smfm"
    (entry,) = result["patients"]
    assert list(entry) == [
        "mrn",
        "name",
        "ga",
        "ga_days",
        "risk",
        "latest_cl_mm",
        "shortest_cl_mm",
        "next_scan_due",
        "flags",
        "discussed",
        "membranes_ruptured",  # contract v3
        "treatments",  # contract v3: the active ones
    ]
    assert entry["membranes_ruptured"] is None
    assert entry["treatments"] == []
    assert entry["ga"] == "18+4"
    assert entry["ga_days"] == 130
    assert entry["latest_cl_mm"] == 21.0
    assert entry["shortest_cl_mm"] == 21.0
    assert entry["next_scan_due"] == "2026-10-20"
    assert [f["action"] for f in entry["flags"]] == [
        "cerclage-discussion",
        "progesterone-discussion",
        "scan-due",
    ]
    assert set(entry["flags"][0]) == {"action", "rule", "priority", "message", "citation"}
    json.dumps(result)  # serialisable as is


def test_message_reads_aloud_with_numbers_from_the_profile() -> None:
    """The usi-cerclage message names the CL, its GA, the threshold, window and prior sPTB."""
    p = patient("18+4", **SPTB_26)
    raised = flag(review(p, scan(p, "18+2", 21.0)), "cerclage-discussion")
    assert (
        raised.message
        == "CL 21.0 mm at 18+2 (< 25 mm in 16+0 to before 24+0) with prior sPTB at 26+3"
    )
    assert raised.citation == "ACOG Practice Bulletin 142 (2014)"


def test_patients_sorted_by_top_priority_then_mrn() -> None:
    """Urgent first, patients without flags last, MRN breaks ties."""
    calm_b, calm_a = patient("30+0", mrn="B"), patient("30+0", mrn="A")
    urgent = patient("20+0", mrn="Z")
    high = patient("36+1", mrn="Y")
    histories = [
        history(calm_b),
        history(high, treatment(high, "cerclage", "14+0")),
        history(calm_a),
        history(urgent, exam(urgent, "20+0", dilation_cm=3.0)),
    ]
    result = review_clinic(histories, AS_OF, ACOG)
    assert [p.mrn for p in result.patients] == ["Z", "Y", "A", "B"]


def test_flags_sorted_by_priority_then_action() -> None:
    """Within a patient: urgent before high before routine before info, then by action."""
    p = patient("20+0", **SPTB_26)
    records = (
        scan(p, "20+0", 21.0, 23.5, sludge=True, funneling=True),
        exam(p, "20+0", dilation_cm=2.0),
    )
    result = review(p, *records)
    ranks = [(f.priority.rank, f.action.value) for f in result.flags]
    assert ranks == sorted(ranks)
    assert result.flags[0].action.value == "rescue-cerclage-review"


def test_flags_raised_by_scan_and_exam() -> None:
    """The CLI helpers return flags resting on that scan (with latest-scan findings) or exam."""
    p = patient("20+0", **SPTB_26)
    old, latest = scan(p, "17+0", 22.0), scan(p, "20+0", 30.0, 30.5, sludge=True)
    findings = exam(p, "19+6", membranes_visible=True)
    result = review(p, old, latest, findings)
    assert {f.action.value for f in flags_raised_by_scan(result, old.scan_id or 0)} == {
        "cerclage-discussion",
        "progesterone-discussion",
    }
    assert {f.action.value for f in flags_raised_by_scan(result, latest.scan_id or 0)} == {
        "measurement-quality",
        "sludge-noted",
    }
    assert [f.action.value for f in flags_raised_by_exam(result, findings.date)] == [
        "rescue-cerclage-review"
    ]


def test_findings_read_only_the_latest_scan() -> None:
    """Funneling or sludge on an earlier scan is not reported."""
    p = patient("20+0")
    result = review(p, scan(p, "18+0", 35.0, funneling=True, sludge=True), scan(p, "20+0", 35.0))
    assert actions(result) & {"funneling-noted", "sludge-noted", "measurement-quality"} == set()
    latest = review(
        p, scan(p, "20+0", 35.0, funneling=True, funnel_length_mm=8.0, funnel_shape="U")
    )
    assert "length 8.0 mm" in flag(latest, "funneling-noted").message
