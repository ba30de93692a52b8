"""Clinical rules version 3: each change of clinical-rules.md "Changes in version 3", both sides
of every new boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rules_factories import (
    AS_OF,
    actions,
    discussion,
    exam,
    flag,
    history,
    on,
    patient,
    review,
    scan,
    treatment,
)

from cervix_watch.domain.enums import Priority
from cervix_watch.rules import evaluate, load_profile

# --- the review's state: rupture date and the treatments active on the review date -------


def test_review_carries_the_first_rupture_exam_date() -> None:
    """membranes_ruptured is the earliest exam on or before the review date recording it."""
    p = patient("22+0")
    intact = review(p, scan(p, "20+0"), exam(p, "21+0"))
    assert intact.membranes_ruptured is None
    ruptured = review(
        p,
        exam(p, "20+2", membranes_ruptured=True),
        exam(p, "21+0", membranes_ruptured=True),
        exam(p, "21+3"),  # a later exam without it does not end the state
    )
    assert ruptured.membranes_ruptured == on(p, "20+2")


def test_review_lists_the_treatments_active_on_the_review_date() -> None:
    """Treatments started by the review date and not ended by it, in order of start."""
    p = patient("24+0")
    cerclage = treatment(p, "cerclage", "14+0", kind="history")
    course = treatment(p, "progesterone", "18+0", kind="vaginal")
    ended = treatment(p, "pessary", "16+0", "23+6")
    ends_later = treatment(p, "pessary", "17+0", "24+1")
    result = review(p, cerclage, course, ended, ends_later)
    assert result.treatments == (cerclage, ends_later, course)


SPTB_26 = {"prior_sptb_weeks": "26+3"}


# --- 1. post-rupture state ----------------------------------------------------------------


@pytest.mark.parametrize(("review_at", "ruptured"), [("20+1", False), ("20+2", True)])
def test_post_rupture_from_the_rupture_exam_own_date(review_at: str, ruptured: bool) -> None:
    """On the rupture exam's own date only the post-rupture rules run and no scan is due; the
    day before, the short cervix raises its treatment points and the schedule runs."""
    p = patient(review_at, **SPTB_26)
    records = (
        scan(p, "20+0", 20.0),
        exam(p, "20+2", membranes_ruptured=True),
        treatment(p, "progesterone", "17+0", "18+0"),
    )
    result = review(p, *records)
    if ruptured:
        assert actions(result) == {"acute-review"}
        assert result.next_scan_due is None
        assert result.membranes_ruptured == on(p, "20+2")
    else:
        assert {"cerclage-discussion", "progesterone-discussion"} <= actions(result)
        assert result.next_scan_due is not None
        assert result.membranes_ruptured is None


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_post_rupture_keeps_treatment_end_and_smoking_and_no_scan(profile: str) -> None:
    """After rupture the progesterone stop and smoking points still run; a later exam without
    ruptured membranes does not end the state; no scan-due or scan-overdue."""
    p = patient("36+1", **SPTB_26, smoker=True)
    result = review(
        p,
        exam(p, "30+0", membranes_ruptured=True),
        exam(p, "31+0"),
        treatment(p, "progesterone", "18+0", kind="vaginal"),
        profile=profile,
    )
    assert actions(result) == {"progesterone-stop-due", "smoking-cessation"}
    assert result.next_scan_due is None


# --- 2. any.cerclage-emergency --------------------------------------------------------------


@pytest.mark.parametrize(("exam_at", "raised"), [("30+1", True), ("30+0", False)])
def test_contractions_against_a_stitch_look_back_7_days(exam_at: str, raised: bool) -> None:
    """Contractions 6 days before the review (in the look-back) raise the removal decision;
    7 days before, nothing."""
    p = patient("31+0")
    stitch = treatment(p, "cerclage", "14+0", kind="history")
    result = review(p, stitch, exam(p, exam_at, contractions=True, symptoms=("contractions",)))
    assert ("cerclage-removal-due" in actions(result)) is raised
    if raised:
        point = flag(result, "cerclage-removal-due")
        assert (point.rule, point.priority) == ("any.cerclage-emergency", Priority.URGENT)
        assert point.message.count("contractions") == 1
        acute = flag(result, "acute-review")
        assert "history-indicated cerclage (placed" in acute.message
        assert acute.message.count("contractions") == 1


@pytest.mark.parametrize(("placed_at", "raised"), [("20+0", True), ("20+3", False)])
def test_ruptured_membranes_since_the_stitch_at_any_time(placed_at: str, raised: bool) -> None:
    """Ruptured membranes recorded on or after the cerclage's start raise the point however
    long ago (here 20 days); recorded before its start, not."""
    p = patient("23+0")
    stitch = treatment(p, "cerclage", placed_at, kind="ultrasound")
    result = review(p, stitch, exam(p, "20+1", membranes_ruptured=True))
    assert ("cerclage-removal-due" in actions(result)) is raised


def test_a_transabdominal_stitch_raises_acute_review_for_a_caesarean() -> None:
    """A transabdominal cerclage is not removed: acute-review saying birth by caesarean."""
    p = patient("30+0")
    stitch = treatment(p, "cerclage", "12+0", kind="transabdominal")
    result = review(p, stitch, exam(p, "30+0", infection_signs=True))
    assert "cerclage-removal-due" not in actions(result)
    point = flag(result, "acute-review")
    assert point.rule == "any.cerclage-emergency"
    assert "transabdominal cerclage in situ: birth by caesarean" in point.message
    assert "also: " in point.message  # any.acute-review's message, appended on the tie


@pytest.mark.parametrize(
    ("talk_at", "later_exam", "raised"),
    [("30+0", False, False), ("29+6", False, True), ("30+0", True, True)],
)
def test_retaining_the_stitch_is_a_removal_discussion(
    talk_at: str, later_exam: bool, raised: bool
) -> None:
    """A cerclage-removal-due record on or after the triggering exam addresses the emergency
    point; a later triggering record raises it again."""
    p = patient("30+2")
    records = [
        treatment(p, "cerclage", "14+0", kind="history"),
        exam(p, "30+0", membranes_ruptured=True),
        discussion(p, "cerclage-removal-due", talk_at, "declined"),
    ]
    if later_exam:
        records.append(exam(p, "30+2", contractions=True))
    assert ("cerclage-removal-due" in actions(review(p, *records))) is raised


def test_the_ga_removal_point_is_not_addressed_by_a_discussion() -> None:
    """From 36+0 the removal point is addressed only by ending the cerclage."""
    p = patient("36+2")
    stitch = treatment(p, "cerclage", "14+0", kind="history")
    talk = discussion(p, "cerclage-removal-due", "36+1", "declined")
    assert flag(review(p, stitch, talk), "cerclage-removal-due").rule == "acog.cerclage-removal"


# --- 3. grace, exam windows, deferrals ----------------------------------------------------


@pytest.mark.parametrize(("days_after", "open_"), [(13, True), (14, False)])
def test_acog_progesterone_point_open_14_days_after_a_late_scan(
    days_after: int, open_: bool
) -> None:
    """SMFM #70: a CL found at 23+6 keeps its progesterone point 13 days after the scan; from
    14 days it is any.window-closed."""
    p = patient("23+6")
    short = scan(p, "23+6", 18.0)
    result = review(p, short, as_of=short.date + timedelta(days=days_after))
    assert ("progesterone-discussion" in actions(result)) is open_
    assert ("short-cervix-noted" in actions(result)) is not open_


@pytest.mark.parametrize(("review_at", "open_"), [("23+6", True), ("24+0", False)])
def test_an_early_scan_grace_ends_before_24_0(review_at: str, open_: bool) -> None:
    """A CL found at 20+0 (grace to 22+0) closes with the window at 24+0, as in version 2."""
    p = patient(review_at)
    result = review(p, scan(p, "20+0", 18.0))
    assert ("progesterone-discussion" in actions(result)) is open_
    assert ("short-cervix-noted" in actions(result)) is not open_


@pytest.mark.parametrize(("review_at", "open_"), [("24+0", True), ("24+1", False)])
def test_nice_progesterone_point_closes_after_24_0(review_at: str, open_: bool) -> None:
    """nice-ng25 has no grace: a CL at 23+6 is raised at 24+0 and window-closed at 24+1."""
    p = patient(review_at)
    result = review(p, scan(p, "23+6", 18.0), profile="nice-ng25")
    assert ("progesterone-discussion" in actions(result)) is open_
    assert ("short-cervix-noted" in actions(result)) is not open_


def test_cerclage_point_has_no_grace_but_progesterone_has() -> None:
    """At 24+0 after a CL at 23+6 with prior sPTB: the cerclage point is window-closed, the
    progesterone point still raised (acog-smfm)."""
    p = patient("24+0", **SPTB_26)
    result = review(p, scan(p, "23+6", 20.0))
    assert "cerclage-discussion" not in actions(result)
    assert flag(result, "short-cervix-noted").rule == "any.window-closed"
    assert flag(result, "progesterone-discussion").rule == "acog.vp-prior-sptb-short"


@pytest.mark.parametrize(
    ("profile", "review_at", "open_"),
    [("acog-smfm", "23+6", True), ("acog-smfm", "24+0", False), ("nice-ng25", "27+6", True)],
)
def test_exam_points_close_with_their_window(profile: str, review_at: str, open_: bool) -> None:
    """acog.exam-cerclage closes at 24+0 (nice.rescue past 27+6): never addressed, it becomes
    any.window-closed."""
    p = patient(review_at)
    result = review(p, exam(p, "23+0", dilation_cm=2.0, membranes_visible=True), profile=profile)
    assert ("rescue-cerclage-review" in actions(result)) is open_
    if not open_:
        point = flag(result, "short-cervix-noted")
        assert point.rule == "any.window-closed"
        assert "not addressed before the rescue window closed" in point.message


def test_nice_rescue_closes_past_27_6() -> None:
    """nice.rescue at 28+0 after an exam at 27+0: window-closed, not rescue."""
    p = patient("28+0")
    result = review(
        p, exam(p, "27+0", dilation_cm=2.0, membranes_visible=True), profile="nice-ng25"
    )
    assert "rescue-cerclage-review" not in actions(result)
    assert flag(result, "short-cervix-noted").rule == "any.window-closed"


@pytest.mark.parametrize(
    ("outcome", "days_after", "addressed"),
    [("deferred", 6, True), ("deferred", 7, False), ("declined", 30, True), ("accepted", 30, True)],
)
def test_a_deferral_lasts_defer_days(outcome: str, days_after: int, addressed: bool) -> None:
    """A deferred discussion addresses its point for 6 days, not 7; declined and accepted for
    good."""
    p = patient("20+0")
    short = scan(p, "19+0", 22.0)
    talk = discussion(p, "refer-ptb-clinic", "19+0", outcome)
    result = review(
        p, short, talk, profile="nice-ng25", as_of=talk.date + timedelta(days=days_after)
    )
    assert ("refer-ptb-clinic" not in actions(result)) is addressed


def test_defer_days_is_profile_data() -> None:
    """A clinic's profile with defer_days = 14 keeps a deferral 13 days."""
    p = patient("20+0")
    talk = discussion(p, "refer-ptb-clinic", "19+0", "deferred")
    profile = load_profile("nice-ng25").model_copy(update={"defer_days": 14})
    result = review(
        p, scan(p, "19+0", 22.0), talk, profile=profile, as_of=talk.date + timedelta(days=13)
    )
    assert "refer-ptb-clinic" not in actions(result)


# --- 4. a chosen treatment; nice.choice as one choice ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "closed"), [("vaginal", False), ("", False), ("im-17ohpc", True), ("oral", True)]
)
def test_a_chosen_treatment_ends_window_closed(kind: str, closed: bool) -> None:
    """Prior sPTB, CL 20 mm at 18+0, progesterone from 18+3, reviewed at 34+0: vaginal (or not
    recorded) progesterone is a chosen treatment, no senior review; 17-OHPC / oral is not."""
    p = patient("34+0", **SPTB_26)
    course = treatment(p, "progesterone", "18+3", kind=kind)
    result = review(p, scan(p, "18+0", 20.0), course)
    assert ("short-cervix-noted" in actions(result)) is closed


def test_an_accepted_discussion_is_a_chosen_treatment() -> None:
    """A progesterone discussion accepted after the scan ends the cerclage point's window-closed."""
    p = patient("25+0", **SPTB_26)
    talk = discussion(p, "progesterone-discussion", "19+0", "accepted")
    assert "short-cervix-noted" not in actions(review(p, scan(p, "18+0", 20.0), talk))


@pytest.mark.parametrize(
    ("record", "raised"),
    [
        ("cerclage", set()),
        ("accepted", set()),
        ("declined", {"cerclage-discussion"}),
        ("deferred", {"cerclage-discussion"}),
    ],
)
def test_nice_choice_is_one_choice(record: str, raised: set[str]) -> None:
    """A cerclage started, or progesterone accepted, answers both nice.choice points; declined
    or deferred progesterone answers only its own."""
    p = patient("20+0", **SPTB_26)
    extra = (
        treatment(p, "cerclage", "19+3", kind="ultrasound")
        if record == "cerclage"
        else discussion(p, "progesterone-discussion", "19+3", record)
    )
    result = review(p, scan(p, "19+0", 20.0), extra, profile="nice-ng25")
    assert actions(result) & {"cerclage-discussion", "progesterone-discussion"} == raised


# --- 5. progesterone formulation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "kind", "review_at", "raised"),
    [
        ("acog-smfm", "im-17ohpc", "35+6", True),
        ("acog-smfm", "im-17ohpc", "36+0", False),
        ("acog-smfm", "oral", "20+0", True),
        ("acog-smfm", "vaginal", "20+0", False),
        ("nice-ng25", "oral", "33+6", True),
        ("nice-ng25", "oral", "34+0", False),
    ],
)
def test_progesterone_formulation_until_the_stop_ga(
    profile: str, kind: str, review_at: str, raised: bool
) -> None:
    """17-OHPC / oral raise a high progesterone point until the profile's stop GA."""
    p = patient(review_at)
    result = review(p, treatment(p, "progesterone", "18+0", kind=kind), profile=profile)
    found = [f for f in result.flags if f.rule == "any.progesterone-formulation"]
    assert bool(found) is raised
    if raised:
        assert found[0].priority is Priority.HIGH
        assert "not recommended to prevent preterm birth" in found[0].message


@pytest.mark.parametrize(("talk_at", "addressed"), [("18+0", True), ("17+6", False)])
def test_formulation_addressed_by_a_discussion_after_the_course_start(
    talk_at: str, addressed: bool
) -> None:
    """A progesterone-discussion on or after the 17-OHPC course's start addresses the point."""
    p = patient("20+0")
    course = treatment(p, "progesterone", "18+0", kind="im-17ohpc")
    result = review(p, course, discussion(p, "progesterone-discussion", talk_at, "declined"))
    assert ("progesterone-discussion" not in actions(result)) is addressed


def test_formulation_in_twins_under_acog_says_discuss_stopping() -> None:
    """A multiple pregnancy under acog-smfm gets the ACOG PB 231 message."""
    p = patient("22+0", fetuses=2)
    result = review(p, treatment(p, "progesterone", "18+0", kind="im-17ohpc"))
    assert (
        "not recommended in multiple pregnancy (ACOG PB 231)"
        in flag(result, "progesterone-discussion").message
    )


def test_17ohpc_does_not_address_a_short_cervix_point() -> None:
    """The smfm.vp-short-cervix point is not addressed by a running 17-OHPC course."""
    p = patient("21+0")
    result = review(
        p, scan(p, "20+0", 18.0), treatment(p, "progesterone", "20+3", kind="im-17ohpc")
    )
    point = flag(result, "progesterone-discussion")
    assert point.rule == "any.progesterone-formulation"
    assert "also: CL 18.0 mm" in point.message


# --- 6. active while on progesterone; priorities past 37+0 --------------------------------


@pytest.mark.parametrize(
    ("profile", "at", "priority"),
    [
        ("acog-smfm", "36+6", Priority.ROUTINE),
        ("acog-smfm", "37+0", Priority.HIGH),
        ("nice-ng25", "37+0", Priority.INFO),
    ],
)
def test_progesterone_stop_priority_turns_at_37_0(
    profile: str, at: str, priority: Priority
) -> None:
    """Still on progesterone: active at 37+0; the ACOG stop point is high from 37+0."""
    p = patient(at)
    result = review(p, treatment(p, "progesterone", "18+0", kind="vaginal"), profile=profile)
    assert flag(result, "progesterone-stop-due").priority is priority


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
@pytest.mark.parametrize(("at", "priority"), [("36+6", Priority.HIGH), ("37+0", Priority.URGENT)])
def test_cerclage_removal_urgent_from_37_0(profile: str, at: str, priority: Priority) -> None:
    """Cerclage removal is high from 36+0 and urgent from 37+0, saying it is overdue."""
    p = patient(at)
    result = review(p, treatment(p, "cerclage", "14+0", kind="history"), profile=profile)
    point = flag(result, "cerclage-removal-due")
    assert point.priority is priority
    assert ("overdue: remove at 36+0 to 37+0" in point.message) is (at == "37+0")


def test_an_ended_course_does_not_keep_her_active() -> None:
    """Past 37+0 with the course ended the day before: not reviewed."""
    p = patient("37+1")
    course = treatment(p, "progesterone", "18+0", "37+0", kind="vaginal")
    assert evaluate(history(p, course), AS_OF, load_profile("acog-smfm")) is None


# --- 7. any.symptomatic-short-cervix ------------------------------------------------------


@pytest.mark.parametrize(
    ("symptom_at", "cl_mm", "funneling", "raised"),
    [
        ("20+0", 24.0, False, True),
        ("20+1", 24.0, False, False),  # the symptom the next day
        ("20+0", 26.0, False, False),
        ("20+0", 30.0, True, True),  # funnelled
    ],
)
def test_symptoms_with_a_short_cervix_the_same_day(
    symptom_at: str, cl_mm: float, funneling: bool, raised: bool
) -> None:
    """Watch symptoms on the day of a scan with CL <= 25 mm or funneling are urgent; a symptom
    the next day is not matched with that scan."""
    p = patient("20+2")
    records = (
        scan(p, "20+0", cl_mm, funneling=funneling),
        exam(p, symptom_at, symptoms=("pelvic-pressure",)),
    )
    result = review(p, *records)
    acute = [f for f in result.flags if f.rule == "any.symptomatic-short-cervix"]
    assert bool(acute) is raised
    if raised:
        assert acute[0].priority is Priority.URGENT
        assert "examine now (speculum)" in acute[0].message


# --- 8 and 9. single screens (see test_rule_schedule); history cerclage to 24+0 ----------


@pytest.mark.parametrize(("at", "late"), [("15+6", False), ("16+0", True), ("23+6", True)])
def test_history_cerclage_says_the_usual_timing_from_16_0(at: str, late: bool) -> None:
    """From 16+0 the history-cerclage point names the usual timing and the GA now."""
    p = patient(at, painless_loss_count=1)
    message = flag(review(p), "history-cerclage-discussion").message
    assert (f"usually placed at 13-14 weeks; now {at}" in message) is late


# --- 10. citations ------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "text"), [("acog-smfm", "807"), ("nice-ng25", "NG209")])
def test_smoking_citation_per_profile(profile: str, text: str) -> None:
    """any.smoking cites ACOG CO 807 or NICE NG209, not NG25 1.1."""
    citation = flag(
        review(patient("20+0", smoker=True), profile=profile), "smoking-cessation"
    ).citation
    assert text in citation
    assert "NG25 1.1" not in citation


def test_twins_short_cervix_cites_acog_pb_231() -> None:
    """acog.twins-short-cervix cites ACOG Practice Bulletin 231."""
    p = patient("21+0", fetuses=2)
    point = flag(review(p, scan(p, "21+0", 17.0)), "short-cervix-noted")
    assert "Practice Bulletin 231" in point.citation


# --- equal priority: the fixed order ------------------------------------------------------


def test_equal_priority_fixed_order_and_messages_appended() -> None:
    """Urgent symptoms and watch symptoms with a short cervix: any.symptomatic-short-cervix wins
    over any.acute-review, whose message is appended."""
    p = patient("20+0")
    result = review(p, scan(p, "20+0", 15.0, symptoms=("pelvic-pressure", "bleeding")))
    point = flag(result, "acute-review")
    assert point.rule == "any.symptomatic-short-cervix"
    assert "; also: scan " in point.message


# --- history-indicated cerclage against the scan-based point --------------------------------


def test_history_cerclage_not_raised_while_the_cerclage_discussion_is() -> None:
    """A painless loss with a prior sPTB and a short CL at 20+0: the cerclage discussion only."""
    p = patient("20+0", painless_loss_count=1, **SPTB_26)
    result = review(p, scan(p, "20+0", 20.0))
    assert "cerclage-discussion" in actions(result)
    assert "history-cerclage-discussion" not in actions(result)


@pytest.mark.parametrize(
    "record",
    ["ended cerclage", "history-cerclage-discussion", "cerclage-discussion"],
)
def test_history_cerclage_addressed_by_any_cerclage_or_either_record(record: str) -> None:
    """Any cerclage of this pregnancy (ended too) or a record of either cerclage action
    addresses the history-cerclage point."""
    p = patient("18+0", painless_loss_count=1)
    if record == "ended cerclage":
        extra = treatment(p, "cerclage", "13+0", "17+0", kind="history")
    else:
        extra = discussion(p, record, "13+0", "declined")
    assert "history-cerclage-discussion" in actions(review(p))
    assert "history-cerclage-discussion" not in actions(review(p, extra))


def test_closed_points_answered_list_their_records() -> None:
    """Both treatment points declined before the window closed: no senior review, and the
    review lists the two records that addressed them."""
    p = patient("26+0", **SPTB_26)
    talks = (
        discussion(p, "cerclage-discussion", "20+1", "declined"),
        discussion(p, "progesterone-discussion", "20+1", "declined"),
    )
    result = review(p, scan(p, "20+0", 20.0), *talks)
    assert "short-cervix-noted" not in actions(result)
    assert set(result.discussed) == set(talks)


# --- review of the v3 engine against the spec: three readings fixed -----------------------


@pytest.mark.parametrize(
    ("course_end", "closed"), [("19+6", True), ("20+0", True), ("20+1", False)]
)
def test_a_course_stopped_before_the_scan_does_not_answer_it(course_end: str, closed: bool) -> None:
    """No prior sPTB; vaginal progesterone 16+0 to course_end; CL 18 mm at 20+0, never
    discussed; reviewed at 24+0. A course that ended on or before the scan's day was not in
    place for the point it raised: window-closed asks for senior review ("nothing is
    silently dropped"). A course still running after the scan answered it."""
    p = patient("24+0")
    course = treatment(p, "progesterone", "16+0", course_end, kind="vaginal")
    result = review(p, course, scan(p, "20+0", 18.0))
    assert ("short-cervix-noted" in actions(result)) is closed


def test_a_cerclage_removed_before_the_scan_does_not_answer_it() -> None:
    """Prior sPTB; a cerclage 14+0 to 18+0; CL 20 mm at 20+0 never discussed; at 24+3 the
    closed cerclage and progesterone points ask for senior review."""
    p = patient("24+3", **SPTB_26)
    removed = treatment(p, "cerclage", "14+0", "18+0", kind="history")
    result = review(p, removed, scan(p, "20+0", 20.0))
    assert "short-cervix-noted" in actions(result)


def test_a_closed_exam_point_is_not_lost_beside_a_closed_scan_point() -> None:
    """Prior sPTB; CL 20 mm at 20+0 and 2 cm dilation at 22+0, neither addressed; at 24+1 the
    one window-closed flag names both; a short-cervix-noted record between the two addresses
    neither, one after both addresses it."""
    p = patient("24+1", **SPTB_26)
    records = (scan(p, "20+0", 20.0), exam(p, "22+0", dilation_cm=2.0))
    closed = flag(review(p, *records), "short-cervix-noted")
    assert closed.rule == "any.window-closed"
    assert "rescue window closed" in closed.message
    assert "also: short cervix (20.0 mm at 20+0)" in closed.message
    between = discussion(p, "short-cervix-noted", "21+0")
    assert "short-cervix-noted" in actions(review(p, *records, between))
    after = discussion(p, "short-cervix-noted", "22+1")
    assert "short-cervix-noted" not in actions(review(p, *records, after))


@pytest.mark.parametrize(("history_", "serial"), [({}, False), (SPTB_26, True)])
def test_nice_twins_serial_only_by_history_not_by_the_cl_upgrade(
    history_: dict[str, str], serial: bool
) -> None:
    """NICE twins, CL 24 mm at 17+0 (the single screen, done; the CL upgrade makes her high
    risk): at 20+0 no scan is due and nothing is overdue unless her history alone gives the
    serial schedule (a prior sPTB: due 14 days after the scan)."""
    p = patient("20+0", fetuses=2, **history_)
    result = review(p, scan(p, "17+0", 24.0), profile="nice-ng25")
    assert "nice.twins-vp" in {f.rule for f in result.flags}
    if serial:
        assert result.next_scan_due == on(p, "19+0")
        assert "scan-overdue" in actions(result)
    else:
        assert result.next_scan_due is None
        assert not {"scan-due", "scan-overdue"} & actions(result)
