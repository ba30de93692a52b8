"""Properties over many generated cases (hypothesis): what must hold whatever the numbers."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_factories import AS_OF, actions, exam, patient, review, scan

from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Patient
from cervix_watch.rules.schema import HistoryCriteria, Window

PROFILES = st.sampled_from(["acog-smfm", "nice-ng25"])
TREATMENT_WINDOW_GA = st.integers(min_value=16 * 7, max_value=23 * 7 + 6)


@settings(max_examples=60, deadline=None)
@given(
    profile=PROFILES,
    short_ga=TREATMENT_WINDOW_GA,
    short_cl=st.floats(min_value=5.0, max_value=20.0).map(lambda x: round(x, 1)),
    extra=st.lists(st.floats(min_value=0.1, max_value=30.0), min_size=1, max_size=3),
)
def test_longer_later_scans_never_clear_an_unaddressed_point(
    profile: str, short_ga: int, short_cl: float, extra: list[float]
) -> None:
    """Adding later scans with longer CLs never removes a raised short-cervix discussion point."""
    # reviewed on the last day of both profiles' windows (23+6): past it, any.window-closed
    p = patient("23+6", prior_sptb_weeks="26+3")
    first = scan(p, format_ga(short_ga), short_cl)
    before = actions(review(p, first, profile=profile))
    later_gas = [min(short_ga + 1 + i, 23 * 7 + 6) for i in range(len(extra))]
    later = [
        scan(p, format_ga(g), round(short_cl + d, 1)) for g, d in zip(later_gas, extra, strict=True)
    ]
    after = actions(review(p, first, *later, profile=profile))
    assert "cerclage-discussion" in before
    assert "cerclage-discussion" in after


@settings(max_examples=60, deadline=None)
@given(days=st.integers(min_value=1, max_value=44 * 7 + 6))
def test_profile_ga_round_trips(days: int) -> None:
    """A GA written "w+d" in a profile reads back as the same days and dumps as the same text."""
    window = Window.model_validate({"end": format_ga(days)})
    assert window.end == days
    assert window.model_dump(mode="json")["end"] == format_ga(days)
    assert Window.model_validate(window.model_dump(mode="json")) == window


@settings(max_examples=80, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=200),
    length=st.integers(min_value=1, max_value=60),
    include_end=st.booleans(),
    ga=st.integers(min_value=0, max_value=300),
)
def test_window_contains_and_past_end_agree(
    start: int, length: int, include_end: bool, ga: int
) -> None:
    """A GA is inside, before or past a window, never two of those at once."""
    window = Window.model_validate(
        {"start": format_ga(start), "end": format_ga(start + length), "include_end": include_end}
    )
    states = [window.contains(ga), ga < window.start, window.past_end(ga)]
    assert states.count(True) == 1


@settings(max_examples=100, deadline=None)
@given(
    sptb=st.one_of(st.none(), st.integers(min_value=112, max_value=258)),
    pprom=st.one_of(st.none(), st.integers(min_value=112, max_value=258)),
    losses=st.integers(min_value=0, max_value=3),
    excision=st.sampled_from(["none", "lletz", "lletz_deep", "cone", "trachelectomy"]),
    anomaly=st.booleans(),
    criteria=st.fixed_dictionaries(
        {},
        optional={
            "prior_sptb_before": st.sampled_from(["34+0", "37+0"]),
            "prior_pprom_before": st.sampled_from(["34+0", "37+0"]),
            "painless_loss_count_min": st.integers(min_value=1, max_value=2),
            "cervical_excision": st.just(["cone", "trachelectomy"]),
            "uterine_anomaly": st.just(True),
        },
    ),
)
def test_history_matches_agrees_with_reasons(
    sptb: int | None,
    pprom: int | None,
    losses: int,
    excision: str,
    anomaly: bool,
    criteria: dict[str, object],
) -> None:
    """`matches` (used for filters) is true exactly when `reasons` (the words) is non-empty."""
    if not criteria:
        return
    p = Patient.model_validate(
        {
            "mrn": "H",
            "edd": AS_OF + timedelta(days=100),
            "prior_sptb_weeks": None if sptb is None else format_ga(sptb),
            "prior_pprom_weeks": None if pprom is None else format_ga(pprom),
            "painless_loss_count": losses,
            "cervical_excision": excision,
            "uterine_anomaly": anomaly,
        }
    )
    spec = HistoryCriteria.model_validate(criteria)
    assert spec.matches(p) is bool(spec.reasons(p))


# Version 3: what runs after the membranes rupture (clinical-rules.md, post-rupture state).
POST_RUPTURE_ACTIONS = {
    "acute-review",
    "cerclage-removal-due",
    "progesterone-stop-due",
    "smoking-cessation",
    "dating-check",
}


@settings(max_examples=60, deadline=None)
@given(
    profile=PROFILES,
    review_ga=st.integers(min_value=16 * 7, max_value=36 * 7 + 6),
    rupture_back=st.integers(min_value=0, max_value=20),
    cls=st.lists(st.floats(min_value=5.0, max_value=40.0), min_size=1, max_size=4),
    sptb=st.booleans(),
    smoker=st.booleans(),
)
def test_post_rupture_raises_only_its_own_points(
    profile: str, review_ga: int, rupture_back: int, cls: list[float], sptb: bool, smoker: bool
) -> None:
    """Whatever the scans, after a rupture exam only the post-rupture points are raised and no
    scan is due."""
    history = {"prior_sptb_weeks": "26+3"} if sptb else {}
    p = patient(format_ga(review_ga), smoker=smoker, **history)
    scans = [
        scan(p, format_ga(max(review_ga - 2 * i, 14 * 7)), round(cl, 1)) for i, cl in enumerate(cls)
    ]
    rupture = exam(p, format_ga(review_ga - rupture_back), membranes_ruptured=True)
    result = review(p, *scans, rupture, profile=profile)
    assert actions(result) <= POST_RUPTURE_ACTIONS
    assert result.next_scan_due is None


@settings(max_examples=80, deadline=None)
@given(
    profile=PROFILES,
    review_ga=st.integers(min_value=10 * 7, max_value=26 * 7),
    fetuses=st.integers(min_value=1, max_value=2),
    excision=st.sampled_from(["none", "cone"]),
)
def test_a_screen_is_never_due_and_overdue_at_once(
    profile: str, review_ga: int, fetuses: int, excision: str
) -> None:
    """With no scan, a schedule raises at most one of scan-due and scan-overdue, and a single
    screen's next scan date is always its window's start while either is raised."""
    p = patient(format_ga(review_ga), fetuses=fetuses, cervical_excision=excision)
    result = review(p, profile=profile)
    assert len(actions(result) & {"scan-due", "scan-overdue"}) <= 1
    if actions(result) & {"scan-due", "scan-overdue"}:
        assert result.next_scan_due is not None
