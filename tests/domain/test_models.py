"""Domain validation: each bad value gives one problem naming its field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from cervix_watch.domain.enums import ProgesteroneKind
from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Patient, Scan, Treatment, check_event_date
from cervix_watch.domain.problems import build

PATIENT = {"mrn": "P01", "edd": "2027-03-14"}
SCAN = {"mrn": "P01", "date": "2026-10-13", "cl_mm": ("21", "21.5", "22.0")}


def problems(model: type[Any], data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as caught:
        build(model, data)
    return caught.value.lines()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"edd": "2027-02-30"}, "edd"),
        ({"edd": None, "lmp": None}, "edd"),
        ({"lmp": "2026-06-08"}, "lmp"),  # gives EDD 2027-03-15, disagrees
        ({"fetuses": "0"}, "fetuses"),
        ({"fetuses": "7"}, "fetuses"),
        ({"prior_sptb_weeks": "45+0"}, "prior_sptb_weeks"),
        ({"prior_sptb_weeks": "15+6"}, "prior_sptb_weeks"),
        ({"prior_sptb_weeks": "37+0"}, "prior_sptb_weeks"),
        ({"prior_cerclage": "maybe"}, "prior_cerclage"),
        ({"cervical_excision": "laser"}, "cervical_excision"),
        ({"uterine_anomaly": "perhaps"}, "uterine_anomaly"),
        ({"mrn": "   "}, "mrn"),
        ({"mrn": "P\x0001"}, "mrn"),
        ({"name": "x" * 10_001}, "name"),
    ],
)
def test_bad_patient_values_name_the_field(change: dict[str, Any], field: str) -> None:
    """A bad patient value is refused with a problem that starts with its field name."""
    lines = problems(Patient, {**PATIENT, **change})
    assert len(lines) == 1
    assert lines[0].startswith(f"{field}: ")


def test_lmp_alone_sets_the_edd() -> None:
    """Only an LMP given: EDD = LMP + 280 days."""
    patient = build(Patient, {"mrn": "P01", "lmp": "2026-06-07"})
    assert patient.edd == date(2027, 3, 14)


def test_defaults_follow_the_contract() -> None:
    """fetuses 1, no prior cerclage, excision none, and sPTB count 1 when weeks are set."""
    patient = build(Patient, {**PATIENT, "prior_sptb_weeks": "26+3", "fetuses": ""})
    assert patient.fetuses == 1
    assert patient.sptb_count == 1
    assert build(Patient, PATIENT).sptb_count == 0


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0.1", True),
        ("80.0", True),
        ("80", True),
        ("0", False),
        ("80.1", False),
        ("-1", False),
        ("nan", False),
        ("inf", False),
        ("abc", False),
        ("22,5", False),
    ],
)
def test_cervical_length_bounds(value: str, ok: bool) -> None:
    """CL must be a finite decimal number above 0 and at most 80.0 mm."""
    data = {**SCAN, "cl_mm": (value,)}
    if ok:
        assert build(Scan, data).recorded_cl_mm == float(value)
    else:
        assert problems(Scan, data)[0].startswith("cl_mm: ")


def test_recorded_cl_is_the_shortest_measurement() -> None:
    """CLEAR: the shortest of the measurements is the recorded CL."""
    assert build(Scan, SCAN).recorded_cl_mm == 21.0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cl_mm": ()}, "cl_mm"),
        ({"cl_mm": ("20", "21", "22", "23")}, "cl_mm"),
        ({"funnel_shape": "Q", "funneling": "yes"}, "funnel_shape"),
        ({"funnel_shape": "U", "funneling": "no"}, "funneling"),
        ({"route": "tx"}, "route"),
        ({"date": "2026-13-01"}, "date"),
    ],
)
def test_bad_scan_values_name_the_field(change: dict[str, Any], field: str) -> None:
    """A bad scan value is refused with a problem naming its field."""
    assert problems(Scan, {**SCAN, **change})[0].startswith(f"{field}: ")


def test_treatment_kind_of_its_type_and_end_after_start() -> None:
    """A progesterone course takes no cerclage kind, a pessary no kind; a treatment cannot end
    before it starts."""
    base = {"mrn": "P01", "type": "progesterone", "start": "2026-10-01"}
    assert problems(Treatment, {**base, "kind": "history"})[0].startswith("kind: ")
    assert problems(Treatment, {**base, "type": "pessary", "kind": "oral"})[0].startswith("kind: ")
    assert problems(Treatment, {**base, "end": "2026-09-30"})[0].startswith("end: ")


@pytest.mark.parametrize("kind", ["vaginal", "im-17ohpc", "oral", ""])
def test_progesterone_formulation_is_its_kind(kind: str) -> None:
    """A progesterone course records its formulation (contract v3); empty is not recorded."""
    base = {"mrn": "P01", "type": "progesterone", "start": "2026-10-01"}
    made = build(Treatment, {**base, "kind": kind})
    assert made.kind == (ProgesteroneKind(kind) if kind else None)
    assert problems(Treatment, {**base, "type": "cerclage", "kind": "oral"})[0].startswith("kind: ")


@pytest.mark.parametrize(
    ("offset_days", "bad"),
    [(-281, True), (-280, False), (0, False), (42, False), (43, True)],
)
def test_event_dates_lie_between_lmp_and_edd_plus_six_weeks(offset_days: int, bad: bool) -> None:
    """Scans before the LMP or more than 6 weeks after the EDD are refused."""
    patient = build(Patient, PATIENT)
    on = patient.edd + timedelta(days=offset_days)
    problem = check_event_date("date", on, patient, today=date(2030, 1, 1))
    assert (problem is not None) == bad


def test_future_dates_are_refused() -> None:
    """A scan dated after today is refused."""
    patient = build(Patient, PATIENT)
    problem = check_event_date("date", date(2026, 11, 2), patient, today=date(2026, 11, 1))
    assert problem is not None
    assert "future" in problem.message
