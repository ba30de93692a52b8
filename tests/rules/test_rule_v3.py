"""Clinical rules version 3: each change of clinical-rules.md "Changes in version 3", both sides
of every new boundary."""

from __future__ import annotations

from rules_factories import exam, on, patient, review, scan, treatment

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
