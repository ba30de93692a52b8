"""Property tests: export is a fixed point of import, and no byte string makes import raise."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cervix_watch.domain.enums import (
    Action,
    CerclageKind,
    CervicalExcision,
    FunnelShape,
    Outcome,
    PriorCerclage,
    Route,
    TreatmentType,
)
from cervix_watch.domain.models import Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.interop import KINDS, read_stream, write_csv
from cervix_watch.interop.cells import protect, unprotect

# Text as a user might type it: any script, formula-ish starts, quotes, commas,
# line breaks; no NUL (refused by the model) and no surrounding spaces (the
# model trims them, so they could not survive any round trip).
_text_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
free_text = st.text(_text_chars, max_size=40).map(str.strip)
# MRNs and operator names hold no control, format or separator character (contract.md)
_IDENTIFIER_REFUSED = ("Cs", "Cc", "Cf", "Zl", "Zp")
operators = st.text(st.characters(exclude_categories=_IDENTIFIER_REFUSED), max_size=40).map(
    str.strip
)
mrns = (
    st.text(
        st.characters(exclude_categories=_IDENTIFIER_REFUSED),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
# An imported EDD lies between 1900-01-01 and today + 280 days; 2027-01-01 is inside on any
# day this test runs (it was written in December 2026).
edds = st.dates(min_value=date(1900, 1, 1), max_value=date(2027, 1, 1))
# Lengths are to 0.1 mm (contract): tenths, as calipers read them.
lengths = st.integers(min_value=1, max_value=800).map(lambda tenths: tenths / 10)
optional_lengths = st.none() | st.integers(min_value=0, max_value=800).map(lambda n: n / 10)


@st.composite
def patients(draw: st.DrawFn) -> Patient:
    edd = draw(edds)
    sptb = draw(st.none() | st.integers(112, 258))
    count = draw(st.none() | st.integers(1 if sptb is not None else 0, 50))
    return Patient(
        mrn=draw(mrns),
        name=draw(free_text),
        edd=edd,
        lmp=draw(st.sampled_from([None, Patient.model_construct(edd=edd).lmp_date])),
        fetuses=draw(st.integers(1, 6)),
        prior_sptb_weeks=sptb,
        prior_sptb_count=count,
        prior_pprom_weeks=draw(st.none() | st.integers(112, 258)),
        painless_loss_count=draw(st.integers(0, 50)),
        prior_cerclage=draw(st.sampled_from(PriorCerclage)),
        cervical_excision=draw(st.sampled_from(CervicalExcision)),
        uterine_anomaly=draw(st.booleans()),
        intrauterine_adhesions=draw(st.booleans()),
        caesarean_full_dilatation=draw(st.booleans()),
        notes=draw(free_text),
    )


@st.composite
def scans(draw: st.DrawFn) -> Scan:
    funneling = draw(st.booleans())
    detail = funneling and draw(st.booleans())
    return Scan(
        scan_id=draw(st.none() | st.integers(1, 2**31 - 1)),
        mrn=draw(mrns),
        date=draw(dates),
        route=draw(st.sampled_from(Route)),
        cl_mm=tuple(draw(st.lists(lengths, min_size=1, max_size=3))),
        funneling=funneling,
        funnel_length_mm=draw(optional_lengths) if detail else None,
        funnel_width_mm=draw(optional_lengths) if detail else None,
        funnel_shape=draw(st.none() | st.sampled_from(FunnelShape)) if detail else None,
        sludge=draw(st.booleans()),
        operator=draw(operators),
        notes=draw(free_text),
    )


exams = st.builds(
    Exam,
    mrn=mrns,
    date=dates,
    dilation_cm=st.none() | st.floats(0.0, 10.0, allow_nan=False),
    membranes_visible=st.booleans(),
    contractions=st.booleans(),
    bleeding=st.booleans(),
    infection_signs=st.booleans(),
    notes=free_text,
)


@st.composite
def treatments(draw: st.DrawFn) -> Treatment:
    kind = draw(st.sampled_from(TreatmentType))
    start = draw(dates)
    return Treatment(
        mrn=draw(mrns),
        type=kind,
        kind=draw(st.none() | st.sampled_from(CerclageKind)) if kind == "cerclage" else None,
        start=start,
        end=draw(st.none() | st.dates(min_value=start, max_value=date(2099, 12, 31))),
        notes=draw(free_text),
    )


discussions = st.builds(
    Discussion,
    mrn=mrns,
    action=st.sampled_from(Action),
    date=dates,
    outcome=st.sampled_from(Outcome),
    notes=free_text,
)

STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "patients": patients(),
    "scans": scans(),
    "exams": exams,
    "treatments": treatments(),
    "discussions": discussions,
}


def _export(kind: str, models: list[Any]) -> str:
    out = io.StringIO()
    write_csv(kind, models, out)
    return out.getvalue()


def _import(kind: str, text: str) -> list[Any]:
    rows = [row for chunk in read_stream(kind, io.BytesIO(text.encode()), "x.csv") for row in chunk]
    assert [p for row in rows for p in row.problems] == []
    return [row.record for row in rows]


def _unique(kind: str, models: list[Any]) -> list[Any]:
    """Drop repeated MRNs / scan_ids: one file may not hold them twice."""
    key = {"patients": "mrn", "scans": "scan_id"}.get(kind)
    if key is None:
        return models
    seen: set[Any] = set()
    kept = []
    for model in models:
        value = getattr(model, key)
        if value is None or value not in seen:
            kept.append(model)
            seen.add(value)
    return kept


@given(st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_export_import_export_is_a_fixed_point(data: st.DataObject) -> None:
    """For generated valid records import(export(x)) == x, and export again gives the same bytes."""
    kind = data.draw(st.sampled_from(sorted(KINDS)))
    models = _unique(kind, data.draw(st.lists(STRATEGIES[kind], max_size=5)))
    first = _export(kind, models)
    back = _import(kind, first)
    assert back == models
    assert _export(kind, back) == first


@given(st.text(st.sampled_from("'=+-@\t\rab"), max_size=8))
def test_unprotect_undoes_protect(text: str) -> None:
    """unprotect(protect(t)) == t for every text, including ones that start with quotes."""
    assert unprotect(protect(text)) == text
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert protect(text) == "'" + text


@given(st.sampled_from(sorted(KINDS)), st.binary(max_size=400))
@settings(max_examples=150)
def test_arbitrary_bytes_give_problems_not_exceptions(kind: str, raw: bytes) -> None:
    """Any byte string imports without raising: every row is a record or has problems."""
    for chunk in read_stream(kind, io.BytesIO(raw), "fuzz.csv", chunk_rows=3):
        for row in chunk:
            assert (row.record is None) == bool(row.problems)
            assert all(p.source == "fuzz.csv" and p.line is not None for p in row.problems)


_header_then_bytes = st.builds(
    lambda kind, tail: (kind, ",".join(KINDS[kind].column_names).encode() + b"\n" + tail),
    st.sampled_from(sorted(KINDS)),
    st.binary(max_size=400)
    | st.text(st.sampled_from(",\"\r\n\x00'=ab1-+2026yes"), max_size=200).map(str.encode),
)


@given(_header_then_bytes)
@settings(max_examples=150)
def test_valid_header_then_arbitrary_bytes_never_raise(case: tuple[str, bytes]) -> None:
    """After a valid header, arbitrary bytes give records or problems, never an exception."""
    kind, raw = case
    for chunk in read_stream(kind, io.BytesIO(raw), "fuzz.csv"):
        for row in chunk:
            assert (row.record is None) == bool(row.problems)


_scan_cells = st.fixed_dictionaries(
    {
        name: st.sampled_from(values)
        for name, values in {
            "scan_id": ["", " 3", "3 ", "-1", "x"],
            "mrn": ["P1", " P1 ", "'=P1", "", " "],
            "date": ["2026-09-29", " 2026-09-29", "2026-09-29 ", "20260929", ""],
            "route": ["tv", " ta", "TV", ""],
            "cl1_mm": ["22.5", " 22.5 ", "1e1", "nan", "", " "],
            "cl2_mm": ["", "30", " 30"],
            "cl3_mm": ["", "31"],
            "funneling": ["no", " yes", "YES", "", "1"],
            "funnel_length_mm": ["", " 5"],
            "funnel_width_mm": ["", "4 "],
            "funnel_shape": ["", " V", "V"],
            "sludge": ["", "no ", "true"],
            "operator": ["", " AB ", "'-x"],
            "notes": ["", "\tn", "'@x"],
        }.items()
    }
)


@given(_scan_cells)
def test_quick_path_agrees_with_trimmed_path(cells: dict[str, str]) -> None:
    """The untrimmed first try never accepts a row differently from the trimmed one."""
    from cervix_watch.interop.validate import RowValidator

    validator = RowValidator(KINDS["scans"], list(cells), "x.csv")
    values = list(cells.values())
    quick, quick_problems = validator._validate(validator._quick_data(values))  # noqa: SLF001 (a test of this project's own private helper)
    full, _ = validator._validate(validator.cells_to_data(values))  # noqa: SLF001 (a test of this project's own private helper)
    if not quick_problems:
        assert quick == full
