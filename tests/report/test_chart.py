"""Chart data: lines and window read from the profile; points from the records up to the date."""

from __future__ import annotations

from datetime import date

from cervix_watch.domain.enums import Route
from cervix_watch.domain.models import Patient, Scan
from cervix_watch.report.chart import chart_data, profile_thresholds, treatment_window
from cervix_watch.report.plot import terminal_chart
from cervix_watch.rules import PatientHistory, load_profile


def test_thresholds_and_window_per_profile() -> None:
    """acog-smfm draws 20, 25 and 30 mm; nice-ng25 draws 25 mm; windows as in the profiles."""
    acog, nice = load_profile("acog-smfm"), load_profile("nice-ng25")
    assert [t.cl_mm for t in profile_thresholds(acog)] == [20.0, 25.0, 30.0]
    assert [t.cl_mm for t in profile_thresholds(nice)] == [25.0]
    acog_window, nice_window = treatment_window(acog), treatment_window(nice)
    assert acog_window is not None
    assert nice_window is not None
    assert (acog_window.start_ga_days, acog_window.end_ga_days) == (112, 168)
    assert nice_window.label == "treatment window 16+0 to 24+0"


def test_points_stop_at_the_review_date_and_keep_the_route() -> None:
    """A scan after the review date is not drawn; a transabdominal scan is not transvaginal."""
    patient = Patient(mrn="C1", edd=date(2027, 2, 25))
    scans = (
        Scan(mrn="C1", date=date(2026, 10, 1), cl_mm=(30.0,), route=Route.TA),
        Scan(mrn="C1", date=date(2026, 10, 15), cl_mm=(22.0, 21.0)),
        Scan(mrn="C1", date=date(2026, 10, 20), cl_mm=(19.0,)),
    )
    data = chart_data(
        PatientHistory(patient=patient, scans=scans), load_profile("acog-smfm"), date(2026, 10, 15)
    )
    assert [(p.cl_mm, p.transvaginal) for p in data.points] == [(30.0, False), (21.0, True)]
    text = terminal_chart(data)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "o" in text
    assert "x" in text
