"""Clinical rules version 2: each change of clinical-rules.md "Changes in version 2", both sides
of every new boundary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rules_factories import (
    AS_OF,
    actions,
    discussion,
    exam,
    flag,
    patient,
    review,
    scan,
    treatment,
)

from cervix_watch.domain.enums import Priority
from cervix_watch.domain.symptoms import URGENT_SYMPTOMS, WATCH_SYMPTOMS
from cervix_watch.rules import load_profile

SPTB_26 = {"prior_sptb_weeks": "26+3"}
ALL_PROFILES = ["acog-smfm", "nice-ng25"]


# --- 1. PPROM counts as a prior sPTB under acog-smfm -----------------------------------


@pytest.mark.parametrize(
    ("history", "raised"),
    [
        ({"prior_pprom_weeks": "30+0"}, True),
        ({"prior_pprom_weeks": "33+6"}, True),
        ({"prior_pprom_weeks": "34+0"}, False),
        ({"prior_sptb_weeks": "33+6"}, True),
        ({"prior_sptb_weeks": "34+0"}, False),
        # the earlier of the two counts
        ({"prior_sptb_weeks": "35+0", "prior_pprom_weeks": "33+6"}, True),
    ],
)
def test_acog_prior_sptb_before_34_counts_pprom(history: dict[str, Any], raised: bool) -> None:
    """ACOG: a prior PPROM before 34+0 is a prior sPTB for acog.usi-cerclage (33+6 vs 34+0)."""
    p = patient("20+0", **history)
    result = review(p, scan(p, "20+0", 20.0))
    assert ("cerclage-discussion" in actions(result)) is raised
    if raised:
        assert flag(result, "cerclage-discussion").rule == "acog.usi-cerclage"


def test_pprom_counted_is_named_in_the_message() -> None:
    """The message says the prior sPTB is a PPROM counted as one."""
    p = patient("20+0", prior_pprom_weeks="30+0")
    message = flag(review(p, scan(p, "20+0", 20.0)), "cerclage-discussion").message
    assert "prior PPROM (counted as sPTB) at 30+0" in message


def test_nice_does_not_count_pprom_as_sptb() -> None:
    """NICE keeps PPROM as its own criterion: nice.cerclage-pprom-trauma, not nice.choice."""
    p = patient("20+0", prior_pprom_weeks="30+0")
    result = review(p, scan(p, "20+0", 20.0), profile="nice-ng25")
    assert flag(result, "cerclage-discussion").rule == "nice.cerclage-pprom-trauma"


# --- 2. NICE history bound inclusive ----------------------------------------------------


@pytest.mark.parametrize(("prior", "rule"), [("34+0", "nice.choice"), ("34+1", None)])
def test_nice_prior_sptb_at_34_0_is_included(prior: str, rule: str | None) -> None:
    """NICE "at or before 34+0": 34+0 gets nice.choice, 34+1 does not (no cerclage point)."""
    p = patient("20+0", prior_sptb_weeks=prior)
    result = review(p, scan(p, "20+0", 20.0), profile="nice-ng25")
    if rule is None:
        assert "cerclage-discussion" not in actions(result)
    else:
        assert flag(result, "cerclage-discussion").rule == rule


# --- 3. acog.vp-prior-sptb-short --------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "cl", "rule", "priority"),
    [
        (SPTB_26, 24.9, "acog.vp-prior-sptb-short", Priority.HIGH),
        (SPTB_26, 25.0, "smfm.vp-prior-sptb", Priority.ROUTINE),
        ({"prior_sptb_weeks": "33+6"}, 20.0, "acog.vp-prior-sptb-short", Priority.HIGH),
        ({"prior_sptb_weeks": "34+0"}, 20.0, "smfm.vp-short-cervix", Priority.HIGH),
    ],
)
def test_acog_progesterone_with_prior_sptb_and_short_cervix(
    history: dict[str, Any], cl: float, rule: str, priority: Priority
) -> None:
    """Prior sPTB before 34+0 and CL < 25 mm: a high progesterone point beside cerclage."""
    p = patient("20+0", **history)
    point = flag(review(p, scan(p, "20+0", cl)), "progesterone-discussion")
    assert (point.rule, point.priority) == (rule, priority)
    if rule == "acog.vp-prior-sptb-short":
        assert "combined with or chosen instead of cerclage" in point.message


# --- 4. any.window-closed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "at", "closed"),
    [
        ("acog-smfm", "23+6", False),
        ("acog-smfm", "24+0", True),
        ("nice-ng25", "24+0", False),
        ("nice-ng25", "24+1", True),
    ],
)
def test_treatment_point_turns_into_senior_review_past_its_window(
    profile: str, at: str, closed: bool
) -> None:
    """On the window's last day the treatment points stand; one day past, any.window-closed."""
    p = patient(at, **SPTB_26)
    result = review(p, scan(p, "22+0", 20.0), profile=profile)
    if closed:
        assert actions(result) & {"cerclage-discussion", "progesterone-discussion"} == set()
        point = flag(result, "short-cervix-noted")
        assert (point.rule, point.priority) == ("any.window-closed", Priority.HIGH)
        assert point.message.startswith(
            "short cervix (20.0 mm at 22+0) not discussed before the treatment window closed "
            "at 24+0"
        )
        assert "senior review" in point.message
    else:
        assert {"cerclage-discussion", "progesterone-discussion"} <= actions(result)
        assert "short-cervix-noted" not in actions(result)


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_window_closed_not_raised_when_the_points_were_discussed(profile: str) -> None:
    """Discussions of both treatment points on or after the scan: nothing past the window."""
    p = patient("25+0", **SPTB_26)
    records = [
        scan(p, "22+0", 20.0),
        discussion(p, "cerclage-discussion", "22+1"),
        discussion(p, "progesterone-discussion", "22+1"),
    ]
    assert "short-cervix-noted" not in actions(review(p, *records, profile=profile))
    only_one = records[:2]
    assert "short-cervix-noted" in actions(review(p, *only_one, profile=profile))


def test_window_closed_not_raised_after_a_cerclage_that_was_removed() -> None:
    """A cerclage placed, then removed, addressed the point while in place: no window-closed."""
    p = patient("36+2", **SPTB_26)
    records = [
        scan(p, "22+0", 20.0),
        treatment(p, "cerclage", "22+2", "36+1", kind="ultrasound"),
        treatment(p, "progesterone", "22+1", "36+0"),
    ]
    assert "short-cervix-noted" not in actions(review(p, *records))


def test_window_closed_is_addressed_by_its_own_discussion() -> None:
    """A short-cervix-noted discussion on or after the scan addresses the senior-review point."""
    p = patient("25+0", **SPTB_26)
    short = scan(p, "22+0", 20.0)
    assert "short-cervix-noted" in actions(review(p, short))
    done = review(p, short, discussion(p, "short-cervix-noted", "24+6"))
    assert "short-cervix-noted" not in actions(done)


def test_refer_ptb_clinic_stays_past_the_window() -> None:
    """refer-ptb-clinic is not a treatment: it stays raised after 24+0 until addressed."""
    p = patient("26+0")
    result = review(p, scan(p, "22+0", 20.0), profile="nice-ng25")
    assert flag(result, "refer-ptb-clinic").rule == "nice.incidental-short"
    assert flag(result, "short-cervix-noted").rule == "any.window-closed"


# --- 5. any.short-after-cerclage --------------------------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(("cl", "raised"), [(25.0, True), (25.1, False)])
def test_short_cervix_after_cerclage(profile: str, cl: float, raised: bool) -> None:
    """CL 25.0 mm on a scan after the cerclage's start raises senior review; 25.1 mm does not."""
    p = patient("26+0")
    records = [treatment(p, "cerclage", "20+0", kind="history"), scan(p, "25+0", cl)]
    result = review(p, *records, profile=profile)
    assert ("short-cervix-noted" in actions(result)) is raised
    if raised:
        point = flag(result, "short-cervix-noted")
        assert (point.rule, point.priority) == ("any.short-after-cerclage", Priority.HIGH)
        assert point.message.startswith("short cervix 25.0 mm at 25+0 with cerclage in situ")


def test_short_cervix_on_the_day_of_placement_is_not_after_the_cerclage() -> None:
    """The scan must be dated after the cerclage's start: one on the same day does not count."""
    p = patient("26+0")
    records = [treatment(p, "cerclage", "25+0", kind="ultrasound"), scan(p, "25+0", 12.0)]
    result = review(p, *records, profile="nice-ng25")
    assert "any.short-after-cerclage" not in {f.rule for f in result.flags}


def test_short_cervix_after_a_removed_cerclage_is_not_this_rule() -> None:
    """Only a cerclage in situ: once removed, the rule is silent."""
    p = patient("26+0")
    records = [treatment(p, "cerclage", "20+0", "24+0", kind="history"), scan(p, "25+0", 12.0)]
    assert "any.short-after-cerclage" not in {f.rule for f in review(p, *records).flags}


# --- 6. nice.rescue ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "fields", "raised"),
    [
        ("nice-ng25", {"membranes_visible": True}, True),
        ("nice-ng25", {"membranes_visible": True, "dilation_cm": 0.0}, False),
        ("nice-ng25", {}, False),
        ("acog-smfm", {"membranes_visible": True}, True),
    ],
)
def test_rescue_with_membranes_visible_and_dilation_not_recorded(
    profile: str, fields: dict[str, Any], raised: bool
) -> None:
    """NICE: membranes visible with the dilation left blank raise the rescue review."""
    p = patient("20+0")
    result = review(p, exam(p, "20+0", **fields), profile=profile)
    assert ("rescue-cerclage-review" in actions(result)) is raised


# v3 change 3: the rescue point closes with its window on the review date (past 27+6 it
# becomes any.window-closed), so an exam at 27+6 is reviewed at 27+6, not at 28+2 as in v2
@pytest.mark.parametrize(
    ("exam_at", "review_at", "raised"), [("27+6", "27+6", True), ("28+0", "28+2", False)]
)
def test_rescue_window_is_on_the_exam_own_ga(exam_at: str, review_at: str, raised: bool) -> None:
    """The exam rule's window applies to the exam's own GA: an exam at 28+0 raises nothing."""
    p = patient(review_at)
    findings = exam(p, exam_at, dilation_cm=1.0, membranes_visible=True)
    result = review(p, findings, profile="nice-ng25")
    assert ("rescue-cerclage-review" in actions(result)) is raised
    assert "short-cervix-noted" not in actions(result)


# --- 7. nice.progesterone-stop is info --------------------------------------------------


def test_nice_progesterone_stop_is_information() -> None:
    """At 34+0 with progesterone running: info, "minimum course reached"."""
    p = patient("34+0", **SPTB_26)
    point = flag(
        review(p, treatment(p, "progesterone", "20+0"), profile="nice-ng25"),
        "progesterone-stop-due",
    )
    assert point.priority is Priority.INFO
    assert "minimum course reached: stop or continue per local protocol" in point.message


# --- 8. NICE twins (NG137, 2024) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "due"),
    # v3 change 8: missed, the twins' screen stays overdue (next_scan_due its start) until
    # the treatment window closes at 24+0 (version 2: nothing from 20+1)
    [("15+4", "16+0"), ("19+6", "16+0"), ("20+0", "16+0"), ("24+0", "16+0"), ("24+1", None)],
)
def test_nice_twins_get_one_scan_16_to_20_weeks(at: str, due: str | None) -> None:
    """NICE twins, low risk: one scan 16+0 to 20+0; missed, overdue to 24+0, then nothing."""
    p = patient(at, fetuses=2)
    result = review(p, profile="nice-ng25")
    if due is None:
        assert result.next_scan_due is None
    else:
        assert result.next_scan_due == scan(p, due).date
        assert actions(result) & {"scan-due", "scan-overdue"}


def test_nice_twins_single_scan_done() -> None:
    """A scan from 16+0 satisfies the twins' single scan."""
    p = patient("18+0", fetuses=2)
    assert review(p, scan(p, "17+0", 35.0), profile="nice-ng25").next_scan_due is None


def test_nice_high_risk_twins_keep_the_serial_schedule() -> None:
    """Twins whose risk category gives the serial schedule follow it (every 14 days to 24+0)."""
    p = patient("21+0", fetuses=2, **SPTB_26)
    result = review(p, scan(p, "20+0", 35.0), profile="nice-ng25")
    assert result.next_scan_due == scan(p, "22+0").date


def test_acog_twins_have_no_schedule() -> None:
    """SMFM #40: no routine CL screening in multiple pregnancy."""
    assert review(patient("17+0", fetuses=2)).next_scan_due is None


# --- 12. scan-overdue priority per schedule ---------------------------------------------


@pytest.mark.parametrize(
    ("profile", "history", "at", "priority"),
    [
        # v3 change 8: a single screen is overdue only after its window (version 2: 19+0
        # and 17+0 were overdue): the single-screen cases moved past their window's end
        ("acog-smfm", {}, "23+0", Priority.ROUTINE),
        ("acog-smfm", SPTB_26, "17+0", Priority.HIGH),
        ("nice-ng25", SPTB_26, "17+0", Priority.HIGH),
        ("nice-ng25", {"cervical_excision": "cone"}, "22+1", Priority.ROUTINE),
        ("nice-ng25", {"fetuses": 2}, "20+1", Priority.ROUTINE),
    ],
)
def test_scan_overdue_priority_is_the_schedule(
    profile: str, history: dict[str, Any], at: str, priority: Priority
) -> None:
    """Serial schedules: overdue is high; single screens (low risk, intermediate, twins) routine."""
    p = patient(at, **history)
    assert flag(review(p, profile=profile), "scan-overdue").priority is priority


# --- 10. confirm a short transabdominal CL ----------------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(
    ("route", "cl", "priority", "rule"),
    [
        ("ta", 25.0, Priority.HIGH, "any.confirm-tv"),
        ("ta", 25.1, Priority.INFO, "any.measurement-quality"),
        ("tp", 25.0, Priority.HIGH, "any.confirm-tv"),
    ],
)
def test_short_transabdominal_cl_asks_for_transvaginal_confirmation(
    profile: str, route: str, cl: float, priority: Priority, rule: str
) -> None:
    """A TA/TP latest scan with CL <= 25 mm: measurement-quality at high; 25.1 mm stays info."""
    p = patient("20+0")
    point = flag(
        review(p, scan(p, "20+0", cl, route=route), profile=profile), "measurement-quality"
    )
    assert (point.rule, point.priority) == (rule, priority)
    if rule == "any.confirm-tv":
        assert "confirm by transvaginal scan" in point.message


# --- 9. symptoms, acute review, ruptured membranes ----------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(("days_before", "raised"), [(0, True), (6, True), (7, False)])
def test_urgent_symptom_at_a_scan_in_the_last_7_days(
    profile: str, days_before: int, raised: bool
) -> None:
    """A scan 6 days before the review date with fluid raises acute-review; 7 days before not."""
    p = patient("22+0")
    visit = scan(p, "21+0", 35.0, symptoms="fluid")
    visit = visit.model_copy(update={"date": AS_OF - timedelta(days=days_before)})
    result = review(p, visit, profile=profile)
    assert ("acute-review" in actions(result)) is raised
    if raised:
        point = flag(result, "acute-review")
        assert (point.rule, point.priority) == ("any.acute-review", Priority.URGENT)
        assert "fluid (fluid draining from the vagina)" in point.message
        assert point.message.endswith("assess now: preterm labour, P-PROM, infection")
        assert point.basis_scan_id == visit.scan_id


@pytest.mark.parametrize(
    ("fields", "raised"),
    [
        ({"membranes_ruptured": True}, True),
        ({"contractions": True}, True),
        ({"bleeding": True}, True),
        ({"infection_signs": True}, True),
        ({"symptoms": "fever"}, True),
        ({"symptoms": "cramps"}, False),
        ({"membranes_visible": True}, False),
    ],
)
def test_exam_signs_that_call_for_an_acute_review(fields: dict[str, Any], raised: bool) -> None:
    """Ruptured membranes, contractions, bleeding, infection signs or an urgent symptom."""
    p = patient("22+0")
    result = review(p, exam(p, "21+6", **fields))
    assert ("acute-review" in actions(result)) is raised
    if raised:
        assert flag(result, "acute-review").basis_exam_date == exam(p, "21+6").date


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_ruptured_membranes_raise_no_rescue_flag(profile: str) -> None:
    """P-PROM contraindicates a cerclage: acute-review instead of rescue-cerclage-review."""
    p = patient("20+0")
    open_cervix = {"dilation_cm": 2.0, "membranes_visible": True}
    assert "rescue-cerclage-review" in actions(
        review(p, exam(p, "20+0", **open_cervix), profile=profile)
    )
    ruptured = review(p, exam(p, "20+0", **open_cervix, membranes_ruptured=True), profile=profile)
    assert "rescue-cerclage-review" not in actions(ruptured)
    assert "acute-review" in actions(ruptured)


def test_acute_review_is_not_addressed_by_a_discussion() -> None:
    """acute-review lasts while its visit is in the look-back, whatever was recorded."""
    p = patient("22+0")
    records = [exam(p, "22+0", contractions=True), discussion(p, "acute-review", "22+0")]
    assert "acute-review" in actions(review(p, *records))


def test_acute_review_names_the_latest_record() -> None:
    """Two visits in the look-back: the message and basis are the later one's."""
    p = patient("22+0")
    earlier = scan(p, "21+2", 35.0, symptoms="bleeding")
    later = exam(p, "21+5", membranes_ruptured=True)
    point = flag(review(p, earlier, later), "acute-review")
    assert point.basis_exam_date == later.date
    assert "membranes ruptured" in point.message


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(("days_before", "raised"), [(0, True), (13, True), (14, False)])
def test_watch_symptoms_at_the_latest_visit_in_the_last_14_days(
    profile: str, days_before: int, raised: bool
) -> None:
    """Watch symptoms 13 days before the review date are noted; 14 days before are not."""
    p = patient("24+0")
    visit = exam(p, "22+0", symptoms="pelvic-pressure;cramps")
    visit = visit.model_copy(update={"date": AS_OF - timedelta(days=days_before)})
    result = review(p, visit, profile=profile)
    assert ("symptoms-noted" in actions(result)) is raised
    assert "acute-review" not in actions(result)
    if raised:
        point = flag(result, "symptoms-noted")
        assert (point.rule, point.priority) == ("any.symptoms", Priority.ROUTINE)
        assert "pelvic-pressure (pelvic pressure), cramps (menstrual-like cramps)" in point.message


def test_symptoms_read_only_the_latest_visit() -> None:
    """A later visit without watch symptoms supersedes an earlier one that had them."""
    p = patient("24+0")
    earlier = exam(p, "23+0", symptoms="backache")
    assert "symptoms-noted" in actions(review(p, earlier))
    assert "symptoms-noted" not in actions(review(p, earlier, scan(p, "23+2", 35.0)))


def test_symptoms_of_every_record_on_the_latest_date_count() -> None:
    """A scan and an exam on the same latest date: the exam's watch symptoms are noted."""
    p = patient("24+0")
    same_day = [scan(p, "23+6", 35.0), exam(p, "23+6", symptoms="spotting")]
    assert "spotting" in flag(review(p, *same_day), "symptoms-noted").message


# --- 10. transabdominal cerclage ---------------------------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(("kind", "raised"), [("transabdominal", False), ("history", True)])
def test_no_removal_prompt_for_a_transabdominal_cerclage(
    profile: str, kind: str, raised: bool
) -> None:
    """A transabdominal cerclage stays in: no cerclage-removal-due at 36+0."""
    p = patient("36+0")
    result = review(p, treatment(p, "cerclage", "12+0", kind=kind), profile=profile)
    assert ("cerclage-removal-due" in actions(result)) is raised


# --- 11, 13. dating and smoking ---------------------------------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(
    ("dating", "raised"), [("lmp", True), ("ultrasound", False), (None, False)]
)
def test_lmp_only_dating_is_noted(profile: str, dating: str | None, raised: bool) -> None:
    """dating = lmp raises dating-check (info); ultrasound or not recorded raise nothing."""
    p = patient("20+0", dating=dating)
    result = review(p, scan(p, "20+0", 35.0), profile=profile)
    assert ("dating-check" in actions(result)) is raised
    if raised:
        point = flag(result, "dating-check")
        assert (point.rule, point.priority) == ("any.dating", Priority.INFO)
        assert (
            "ACOG Committee Opinion 700: confirm or revise the EDD by ultrasound" in point.message
        )


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize(("smoker", "raised"), [(True, True), (False, False)])
def test_smoking_raises_a_stop_smoking_referral(profile: str, smoker: bool, raised: bool) -> None:
    """smoker = yes raises smoking-cessation (routine)."""
    p = patient("20+0", smoker=smoker)
    result = review(p, scan(p, "20+0", 35.0), profile=profile)
    assert ("smoking-cessation" in actions(result)) is raised
    if raised:
        point = flag(result, "smoking-cessation")
        assert (point.rule, point.priority) == ("any.smoking", Priority.ROUTINE)
        assert "offer referral to a stop-smoking service" in point.message


def test_profile_symptom_classes_are_the_domain_ones() -> None:
    """The built-in profiles' urgent and watch lists are the fixed classes of the names."""
    for name in ALL_PROFILES:
        rules = {r.id: r for r in load_profile(name).rules}
        acute, watch = rules["any.acute-review"], rules["any.symptoms"]
        assert set(acute.symptoms) == URGENT_SYMPTOMS
        assert set(watch.symptoms) == WATCH_SYMPTOMS
