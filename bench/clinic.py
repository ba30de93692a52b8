"""Synthetic clinics for the benchmark: the contract's five CSVs, deterministic per size.

Every patient is fictional. The mix is meant to look like a real preterm-birth
surveillance clinic, so the engine does the work it does in practice: most
patients low risk with normal cervical lengths, a minority with a history
(previous preterm birth, excision, twins...) and some short or shortening
cervices, funneling and sludge, a few exams, treatments and recorded
discussions. Each patient has 3 to 7 scans, exactly 5 on average, so the
50,000-patient clinic has 250,000 scans.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cervix_watch.interop.kinds import KINDS

AS_OF = date(2026, 11, 2)  # the review date of every clinic (a Monday)
SEED = 20261102
GENERATOR_VERSION = 4  # bump when the output changes, so cached clinics are rebuilt

# Each row list below is in the order of the contract's columns (interop.kinds), every
# column given (the v2 fields' defaults where this generator has nothing to say); the
# writer checks the length, so a new contract column cannot shift the others silently.


FIRST = ["Amara", "Chloe", "Dana", "Eva", "Fatima", "Grace", "Hana", "Ines", "Jade", "Kemi",
         "Lena", "Maya", "Nora", "Olu", "Priya", "Rosa", "Sara", "Tara", "Uma", "Zoe"]  # fmt: skip
LAST = ["Okafor", "Martin", "Novak", "Silva", "Khan", "Nguyen", "Smith", "Rossi", "Ahmed",
        "Kowalski", "Garcia", "Murphy", "Dubois", "Ito", "Mensah", "O'Brien"]  # fmt: skip
OPERATORS = ["AK", "BN", "CO", "DP", "EM", "FR", "GS", "HT"]
SCAN_NOTES = ["", "", "", "", "", "", "", "", "anatomy scan", "difficult view, retroverted",
              "patient anxious, reassured", "=repeat in 1 week",
              "posterior lip thin, see notes"]  # fmt: skip
ACTIONS = ["progesterone-discussion", "cerclage-discussion", "refer-ptb-clinic",
           "history-cerclage-discussion", "surveillance-increase"]  # fmt: skip


@dataclass(frozen=True)
class ClinicFiles:
    folder: Path
    patients: int
    counts: dict[str, int]

    def csv(self, kind: str) -> Path:
        return self.folder / f"{kind}.csv"


# des_exposure, connective_tissue_disorder, cervical_dilation_procedures, cervical_tear, smoker
NO_OTHER_RISK_FACTORS = ("no", "no", "0", "no", "no")


def _ga_text(days: int) -> str:
    return f"{days // 7}+{days % 7}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.handles = {}
        self.writers = {}
        self.columns = {}
        self.counts = {}
        for kind, csv_kind in KINDS.items():  # the contract's five files, columns in order
            columns = csv_kind.column_names
            handle = (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self.handles[kind], self.writers[kind], self.counts[kind] = handle, writer, 0
            self.columns[kind] = columns

    def row(self, kind: str, values: list[object]) -> None:
        if len(values) != len(self.columns[kind]):
            raise ValueError(f"{kind}: {len(values)} values for columns {self.columns[kind]}")
        self.writers[kind].writerow(values)
        self.counts[kind] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _history(rng: random.Random) -> dict[str, object]:
    """Obstetric history: about one patient in four has a risk factor."""
    sptb = rng.random() < 0.10
    return {
        "fetuses": 2 if rng.random() < 0.025 else (3 if rng.random() < 0.001 else 1),
        "prior_sptb_weeks": _ga_text(rng.randint(16 * 7, 36 * 7 + 6)) if sptb else "",
        "prior_sptb_count": (rng.choice([1, 1, 1, 2, 3]) if sptb else 0),
        "prior_pprom_weeks": _ga_text(rng.randint(18 * 7, 36 * 7)) if rng.random() < 0.03 else "",
        "painless_loss_count": 1 if rng.random() < 0.02 else 0,
        "prior_cerclage": rng.choice(["history", "ultrasound", "exam"])
        if rng.random() < 0.03
        else "no",
        "cervical_excision": rng.choice(
            ["lletz", "lletz", "lletz_deep", "lletz_multiple", "cone", "trachelectomy"]
        )
        if rng.random() < 0.06
        else "none",
        "uterine_anomaly": rng.random() < 0.02,
        "intrauterine_adhesions": rng.random() < 0.005,
        "caesarean_full_dilatation": rng.random() < 0.01,
    }


def _risky(history: dict[str, object]) -> bool:
    return bool(
        history["prior_sptb_weeks"]
        or history["painless_loss_count"]
        or history["prior_cerclage"] != "no"
        or history["cervical_excision"] != "none"
        or history["fetuses"] != 1
    )


def _scan_days(rng: random.Random, ga_now: int, count: int) -> list[int]:
    """GA days of `count` scans, oldest first: every 1-2 weeks, ending by about 24-28 weeks."""
    last = min(ga_now, rng.randint(22 * 7, 28 * 7)) - rng.randint(0, 6)
    spacing = rng.randint(7, 14)
    earliest = 12 * 7
    if last - (count - 1) * spacing < earliest:
        spacing = max(1, (last - earliest) // max(1, count - 1))
    return [last - (count - 1 - i) * spacing for i in range(count)]


def _measurements(rng: random.Random, recorded: float) -> list[str]:
    """1-3 measurements whose shortest is `recorded` (mostly 3, as the standard asks)."""
    n = rng.choices([1, 2, 3], weights=[8, 12, 80])[0]
    values = [recorded] + [round(recorded + rng.uniform(0.2, 3.5), 1) for _ in range(n - 1)]
    rng.shuffle(values)
    return [f"{v:.1f}" for v in values] + [""] * (3 - n)


def _patient(
    out: _Writer, rng: random.Random, number: int, scans: int, ga_now: int
) -> tuple[str, date, list[int], float]:
    mrn = f"B{number:07d}"
    edd = AS_OF + timedelta(days=280 - ga_now)
    history = _history(rng)
    with_lmp = rng.random() < 0.3
    out.row(
        "patients",
        [
            mrn,
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            edd.isoformat(),
            (edd - timedelta(days=280)).isoformat() if with_lmp else "",
            "",  # dating: not recorded
            history["fetuses"],
            history["prior_sptb_weeks"],
            history["prior_sptb_count"],
            history["prior_pprom_weeks"],
            history["painless_loss_count"],
            history["prior_cerclage"],
            history["cervical_excision"],
            _yes(bool(history["uterine_anomaly"])),
            _yes(bool(history["intrauterine_adhesions"])),
            _yes(bool(history["caesarean_full_dilatation"])),
            *NO_OTHER_RISK_FACTORS,
            "booked via PTB clinic" if rng.random() < 0.05 else "",
        ],
    )
    risky = _risky(history)
    # A shortening cervix in about one risky patient in four, one low-risk one in 25.
    shortening = rng.random() < (0.25 if risky else 0.04)
    cl = rng.gauss(37.0, 5.5)
    days = _scan_days(rng, ga_now, scans)
    shortest = 99.0
    for day in days:
        recorded = max(6.0, min(58.0, round(cl, 1)))
        shortest = min(shortest, recorded)
        funnel = (recorded < 25 and rng.random() < 0.4) or rng.random() < 0.01
        shape = rng.choice(["T", "Y", "V", "U"]) if funnel else ""
        out.row(
            "scans",
            [
                "",
                mrn,
                (edd - timedelta(days=280 - day)).isoformat(),
                rng.choices(["tv", "ta", "tp"], weights=[95, 3, 2])[0],
                *_measurements(rng, recorded),
                _yes(funnel),
                f"{rng.uniform(3, 15):.1f}" if funnel and rng.random() < 0.7 else "",
                f"{rng.uniform(3, 12):.1f}" if funnel and rng.random() < 0.5 else "",
                shape,
                _yes(rng.random() < (0.08 if recorded < 25 else 0.015)),
                "",  # symptoms
                rng.choice(OPERATORS),
                "",  # source: typed
                rng.choice(SCAN_NOTES),
            ],
        )
        cl += rng.uniform(-7.0, -1.0) if shortening else rng.uniform(-1.5, 1.0)
    return mrn, edd, days, shortest


def _events(
    out: _Writer, rng: random.Random, mrn: str, edd: date, days: list[int], shortest: float
) -> None:
    ga_now = 280 - (edd - AS_OF).days
    """Exams, treatments and discussions, mostly where the scans give a reason for them."""
    on = lambda ga: (edd - timedelta(days=280 - ga)).isoformat()  # noqa: E731
    last = days[-1]
    if rng.random() < (0.3 if shortest < 20 else 0.01):
        membranes = shortest < 15 and rng.random() < 0.3
        out.row(
            "exams",
            ["", mrn, on(last), f"{rng.choice([0, 0, 1, 2, 3])}", _yes(membranes), "no",
             _yes(rng.random() < 0.1), _yes(rng.random() < 0.05), "no", "", ""],
        )  # fmt: skip
    if shortest < 25 and rng.random() < 0.5:
        kind = rng.choices(["progesterone", "cerclage", "pessary"], weights=[70, 25, 5])[0]
        out.row(
            "treatments",
            [mrn, kind, "ultrasound" if kind == "cerclage" else "", on(last),
             on(last + 14) if last + 14 <= ga_now and rng.random() < 0.1 else "", ""],
        )  # fmt: skip
    if (shortest < 25 and rng.random() < 0.5) or rng.random() < 0.02:
        action = ACTIONS[0] if shortest < 25 else rng.choice(ACTIONS)
        outcome = rng.choices(["accepted", "declined", "deferred"], weights=[70, 20, 10])[0]
        out.row("discussions", [mrn, action, on(last), outcome, ""])


def generate(folder: Path, patients: int, seed: int = SEED) -> ClinicFiles:
    """Write the five CSVs of a clinic of `patients` patients into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 1_000_003 + patients)
    # 3..7 scans, exactly 5 on average: each value equally often, in random order
    scan_counts = [3 + i % 5 for i in range(patients)]
    rng.shuffle(scan_counts)
    out = _Writer(folder)
    try:
        for number, scans in enumerate(scan_counts, start=1):
            # GA on the review date: 16+0 to 41+0 (about 85 % still before 37+0, i.e. active)
            ga_now = rng.randint(16 * 7, 41 * 7)
            mrn, edd, days, shortest = _patient(out, rng, number, scans, ga_now)
            _events(out, rng, mrn, edd, days, shortest)
    finally:
        out.close()
    return ClinicFiles(folder, patients, dict(out.counts))


# -- the "history" clinic ----------------------------------------------------------------
# A shared database collects years of finished pregnancies: the history clinic is the
# 50,000-patient clinic plus HISTORY_CLOSED closed past pregnancies (EDDs over the ten
# years before AS_OF), about 5 scans each, written straight into a copy of its database.
HISTORY_CLOSED = 450_000
HISTORY_YEARS = 10
HISTORY_VERSION = 2  # bump when history_rows changes (numpy draws since 2), to rebuild
OUTCOMES = ("delivered",) * 90 + ("loss",) * 4 + ("transferred",) * 4 + ("other",) * 2


Row = tuple[object, ...]


def history_rows(count: int, seed: int = SEED) -> tuple[Iterator[Row], Iterator[Row]]:
    """Patients and scans of `count` closed past pregnancies, as rows for `patients` and `scans`.

    Patient rows: (mrn, name, edd, fetuses, prior_sptb_weeks, prior_sptb_count,
    prior_pprom_weeks, painless_loss_count, prior_cerclage, cervical_excision,
    uterine_anomaly, intrauterine_adhesions, caesarean_full_dilatation, notes,
    closed_date, close_outcome, close_ga_days); scan rows: (patient number, date,
    route, cl1, cl2, cl3, funneling, sludge, operator, notes). GA in days, as stored.

    Drawn with numpy a column at a time (2.25 million scans in a few seconds, where a
    draw per value took about 20 s of the bench): the same distributions as before
    (EDDs over ten years, 10 % a previous sPTB, 90 % closed at term, 3 to 7 scans every
    1-2 weeks up to 22-28 weeks, a slowly drifting CL).
    """
    import numpy as np

    rng = np.random.default_rng(seed * 7 + count)
    number = np.arange(1, count + 1)
    edd = np.datetime64(AS_OF) - rng.integers(60, HISTORY_YEARS * 365, count, endpoint=True)
    sptb = rng.random(count) < 0.10
    sptb_ga = rng.integers(16 * 7, 36 * 7, count, endpoint=True)
    at_term = rng.random(count) < 0.9
    close_ga = np.where(
        at_term,
        rng.integers(37 * 7, 41 * 7, count, endpoint=True),
        rng.integers(20 * 7, 36 * 7, count, endpoint=True),
    )
    closed = edd - (280 - close_ga)
    outcomes = np.array(OUTCOMES)[rng.integers(0, len(OUTCOMES), count)]
    first = np.array(FIRST)[rng.integers(0, len(FIRST), count)]
    last_name = np.array(LAST)[rng.integers(0, len(LAST), count)]
    patients = zip(
        (f"H{n:07d}" for n in number.tolist()),
        (f"{a} {b}" for a, b in zip(first.tolist(), last_name.tolist(), strict=True)),
        edd.astype(str).tolist(),
        itertools.repeat(1),
        np.where(sptb, sptb_ga, -1).tolist(),  # -1: none, as None below
        np.where(sptb, 1, -1).tolist(),
        itertools.repeat(None),
        itertools.repeat(0),
        itertools.repeat("no"),
        itertools.repeat("none"),
        itertools.repeat(False),
        itertools.repeat(False),
        itertools.repeat(False),
        itertools.repeat(""),
        closed.astype(str).tolist(),
        outcomes.tolist(),
        close_ga.tolist(),
        strict=False,
    )
    patient_rows = (
        (*row[:4], None if row[4] < 0 else row[4], None if row[5] < 0 else row[5], *row[6:])
        for row in patients
    )
    return patient_rows, _history_scans(rng, number, edd, close_ga)


def _history_scans(rng: Any, number: Any, edd: Any, close_ga: Any) -> Iterator[Row]:
    """3 to 7 transvaginal scans per closed pregnancy (as `_scan_days`), CL drifting slowly."""
    import numpy as np

    count = len(number)
    scans = 3 + number % 5
    ga_now = np.minimum(close_ga, 28 * 7)
    last = np.minimum(ga_now, rng.integers(22 * 7, 28 * 7, count, endpoint=True))
    last = last - rng.integers(0, 6, count, endpoint=True)
    spacing = rng.integers(7, 14, count, endpoint=True)
    earliest = 12 * 7
    squeeze = last - (scans - 1) * spacing < earliest
    spacing = np.where(squeeze, np.maximum(1, (last - earliest) // (scans - 1)), spacing)
    owner = np.repeat(np.arange(count), scans)
    start = np.repeat(np.cumsum(scans) - scans, scans)
    index = np.arange(len(owner)) - start  # 0 for each pregnancy's first scan
    day = last[owner] - (scans[owner] - 1 - index) * spacing[owner]
    dates = edd[owner] - (280 - day)
    step = rng.uniform(-1.5, 1.0, len(owner))
    walked = np.cumsum(step) - step  # the drift before each scan, from the clinic's start
    drift = walked - walked[start]
    cl = rng.normal(37.0, 5.5, count)[owner] + drift
    recorded = np.clip(np.round(cl, 1), 6.0, 58.0)
    operators = np.array(OPERATORS)[rng.integers(0, len(OPERATORS), len(owner))]
    return zip(
        number[owner].tolist(),
        dates.astype(str).tolist(),
        itertools.repeat("tv"),
        recorded.tolist(),
        np.round(recorded + 1.2, 1).tolist(),
        np.round(recorded + 2.1, 1).tolist(),
        itertools.repeat(False),
        itertools.repeat(False),
        operators.tolist(),
        itertools.repeat(""),
        strict=False,
    )
