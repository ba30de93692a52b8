"""Chart data: lines and window read from the profile; points from the records up to the date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cervix_watch.domain.enums import CerclageKind, Route, TreatmentType
from cervix_watch.domain.models import Patient, Scan, Treatment
from cervix_watch.report.chart import chart_data, profile_thresholds, treatment_window
from cervix_watch.report.plot import CHART_HEIGHT, chart_key, terminal_chart
from cervix_watch.rules import PatientHistory, load_profile


def patient_date(patient: Patient, ga_days: int) -> date:
    """The date on which the patient is at `ga_days`."""
    return patient.edd - timedelta(days=280 - ga_days)


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


def _line_rows(text: str) -> dict[float, int]:
    """Threshold value -> text row of its labelled line (`25┼┈┈...`)."""
    rows = {}
    for index, line in enumerate(text.splitlines()):
        label, _, rest = line.partition("┼")
        if rest.startswith("┈") and label.strip():
            rows[float(label)] = index
    return rows


def _label_row(text: str, label: str) -> int:
    (row,) = [i for i, line in enumerate(text.splitlines()) if label in line]
    return row


NEAR_THRESHOLDS = (19.1, 19.9, 20.1, 20.9, 24.1, 24.2, 24.9, 25.1, 25.9, 29.1, 29.9, 30.1, 30.9)


@pytest.mark.parametrize("cl_mm", NEAR_THRESHOLDS)
def test_terminal_chart_draws_values_near_a_line_on_their_side(cl_mm: float) -> None:
    """A CL within 1 mm of a profile line is drawn on its own side of it (24.2 below 25)."""
    patient = Patient(mrn="C1", edd=date(2027, 2, 25))
    scan = Scan(mrn="C1", date=date(2026, 10, 1), cl_mm=(cl_mm,))
    profile = load_profile("acog-smfm")
    history = PatientHistory(patient=patient, scans=(scan,))
    text = terminal_chart(chart_data(history, profile, date(2026, 10, 15)))
    lines = _line_rows(text)
    assert sorted(lines) == [20.0, 25.0, 30.0]
    row = _label_row(text, f"{cl_mm:.1f}")
    for threshold, line_row in lines.items():
        if abs(cl_mm - threshold) <= 1.0:
            # rows count downward: a shorter cervix is drawn lower (a larger row index)
            assert (row > line_row) if cl_mm < threshold else (row < line_row), threshold


def test_terminal_chart_keeps_its_size_without_a_terminal() -> None:
    """The chart has its own fixed height even when no terminal answers (a pipe, a test)."""
    patient = Patient(mrn="C1", edd=date(2027, 2, 25))
    history = PatientHistory(
        patient=patient, scans=(Scan(mrn="C1", date=date(2026, 10, 1), cl_mm=(30.0,)),)
    )
    text = terminal_chart(chart_data(history, load_profile("acog-smfm"), date(2026, 10, 15)))
    assert len(text.splitlines()) == CHART_HEIGHT


def test_chart_range_spans_every_record_and_the_review_date() -> None:
    """A cerclage from 13+0 and a review date at 37+3 both lie inside the drawn GA range."""
    patient = Patient(mrn="C1", edd=date(2026, 12, 1))
    cerclage = Treatment(
        mrn="C1", type=TreatmentType.CERCLAGE, kind=CerclageKind.HISTORY,
        start=patient_date(patient, 13 * 7),
    )  # fmt: skip
    as_of = patient_date(patient, 37 * 7 + 3)
    data = chart_data(
        PatientHistory(patient=patient, treatments=(cerclage,)), load_profile("acog-smfm"), as_of
    )
    assert data.ga_range == (13 * 7, 37 * 7 + 3)
    plain = chart_data(PatientHistory(patient=patient), load_profile("acog-smfm"), as_of)
    assert plain.ga_range[0] == 14 * 7  # no earlier record: the usual 14+0 start


def test_chart_range_starts_at_a_review_date_before_14_weeks() -> None:
    """A patient reviewed at 12+0 (flagged by history, no scan yet) has her review-date
    line inside the chart: the range starts at 12+0, and at 14+0 from 14+0 on."""
    patient = Patient(mrn="C1", edd=date(2026, 12, 1))
    profile = load_profile("acog-smfm")
    early = chart_data(PatientHistory(patient=patient), profile, patient_date(patient, 12 * 7))
    assert early.ga_range == (12 * 7, 37 * 7)
    on_time = chart_data(PatientHistory(patient=patient), profile, patient_date(patient, 14 * 7))
    assert on_time.ga_range == (14 * 7, 37 * 7)


def test_threshold_words_name_what_the_line_prompts() -> None:
    """Each line is described in words (the actions), its rule ids kept apart for a tooltip."""
    by_mm = {t.cl_mm: t for t in profile_thresholds(load_profile("acog-smfm"))}
    assert by_mm[30.0].words == "30 mm: surveillance increase, shorter scan interval"
    assert "acog.weekly-cl" in by_mm[30.0].rules
    assert "acog." not in by_mm[25.0].words
    assert by_mm[25.0].words.startswith("25 mm: cerclage discussion")


def test_symptoms_and_ruptured_membranes_are_drawn() -> None:
    """Reported symptoms are diamonds (filled when urgent), ruptured membranes a red line,
    each with its words, and the legend names all three."""
    from cervix_watch.domain.models import Exam
    from cervix_watch.report.svg import cl_chart

    patient = Patient(mrn="C1", edd=date(2027, 2, 25))
    scans = (Scan(mrn="C1", date=date(2026, 10, 1), cl_mm=(30.0,), symptoms="backache"),)
    exams = (
        Exam(mrn="C1", date=date(2026, 10, 10), symptoms="fluid;cramps", membranes_ruptured=True),
        Exam(mrn="C1", date=date(2026, 10, 20), symptoms="fever"),  # after the review date
    )
    data = chart_data(
        PatientHistory(patient=patient, scans=scans, exams=exams),
        load_profile("acog-smfm"),
        date(2026, 10, 15),
    )
    assert [(m.urgent, m.label) for m in data.symptoms] == [
        (False, "scan 2026-10-01 at 19+0: new-onset backache"),
        (True, "exam 2026-10-10 at 20+2: fluid draining from the vagina, menstrual-like cramps"),
    ]
    assert [m.label for m in data.ruptured] == ["membranes ruptured, exam 2026-10-10 at 20+2"]
    svg = str(cl_chart(data, "C1"))
    assert svg.count('class="symptom watch"') == 1
    assert svg.count('class="symptom urgent"') == 1
    assert svg.count('class="ruptured"') == 1
    for words in ("urgent symptom (acute review)", "watch symptom", "membranes ruptured"):
        assert f">{words}</text>" in svg
    text, key = terminal_chart(data), chart_key(data)
    assert all(marker in text for marker in ("!", "?", "R"))
    assert "! urgent symptom  ? watch symptom  R membranes ruptured" in key
    assert "symptom" not in chart_key(
        chart_data(PatientHistory(patient=patient), load_profile("acog-smfm"), date(2026, 10, 15))
    )
