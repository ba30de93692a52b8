#!/usr/bin/env python3
"""Write the synthetic cervix-watch demo clinic into data/ (stdlib only).

    python data/make_demo.py

Writes patients.csv, scans.csv, exams.csv, treatments.csv, discussions.csv
(columns exactly as in the contract) and demo-as-of.txt next to this script.
Every patient is fictional. Each pregnancy is described below by its
gestational age (GA) at the review date, and every event by the GA on which
it happened, so the scenarios read the way a clinician would describe them;
dates are derived from the EDD (GA days = 280 - (EDD - date)).

The output is deterministic: a fixed random seed (only used for the spread of
repeated measurements and the sonographer's initials), rows sorted, `\\n`
line endings. Running the script twice gives byte-identical files.
See data/README.md for what each patient demonstrates.
"""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 11, 23)  # a Monday: the weekly review date of the demo
SEED = 20261123
OUT = Path(__file__).resolve().parent
# The installed package ships a copy (cervix-watch demo works outside the source tree);
# tests/cli/test_demo_package.py checks that the two stay byte-identical.
PACKAGE_COPY = OUT.parent / "src" / "cervix_watch" / "demo_data"
FILES = ("patients.csv", "scans.csv", "exams.csv", "treatments.csv", "discussions.csv")

PATIENT_COLUMNS = [
    "mrn", "name", "edd", "lmp", "fetuses", "prior_sptb_weeks", "prior_sptb_count",
    "prior_pprom_weeks", "painless_loss_count", "prior_cerclage", "cervical_excision",
    "uterine_anomaly", "intrauterine_adhesions", "caesarean_full_dilatation", "notes",
]  # fmt: skip
SCAN_COLUMNS = [
    "scan_id", "mrn", "date", "route", "cl1_mm", "cl2_mm", "cl3_mm", "funneling",
    "funnel_length_mm", "funnel_width_mm", "funnel_shape", "sludge", "operator", "notes",
]  # fmt: skip
EXAM_COLUMNS = [
    "mrn", "date", "dilation_cm", "membranes_visible", "contractions", "bleeding",
    "infection_signs", "notes",
]  # fmt: skip
TREATMENT_COLUMNS = ["mrn", "type", "kind", "start", "end", "notes"]
DISCUSSION_COLUMNS = ["mrn", "action", "date", "outcome", "notes"]

OPERATORS = ["AK", "BN", "CO", "DP", "EM", "FR"]


def ga(text: str) -> int:
    """`20+3` -> 143 days."""
    weeks, days = text.split("+")
    return int(weeks) * 7 + int(days)


@dataclass
class Scan:
    ga: str
    cl: float  # the recorded (shortest) CL in mm
    n: int = 3  # number of measurements
    route: str = "tv"
    cls: tuple[float, ...] | None = None  # explicit measurements (overrides cl/n)
    funnel: tuple[str, float, float] | None = None  # shape, length mm, width mm
    sludge: bool = False
    note: str = ""


@dataclass
class Exam:
    ga: str
    dilation: float = 0.0
    membranes: bool = False
    contractions: bool = False
    bleeding: bool = False
    infection: bool = False
    note: str = ""


@dataclass
class Treatment:
    type: str
    start: str
    end: str | None = None
    kind: str = ""
    note: str = ""


@dataclass
class Talk:
    action: str
    ga: str
    outcome: str
    note: str = ""


@dataclass
class Patient:
    mrn: str
    name: str
    ga_now: str  # GA at AS_OF
    fetuses: int = 1
    sptb: str = ""  # prior_sptb_weeks
    sptb_count: int | None = None
    pprom: str = ""
    painless: int = 0
    prior_cerclage: str = "no"
    excision: str = "none"
    anomaly: bool = False
    adhesions: bool = False
    cfd: bool = False
    with_lmp: bool = False
    notes: str = ""
    scans: list[Scan] = field(default_factory=list)
    exams: list[Exam] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    talks: list[Talk] = field(default_factory=list)

    @property
    def edd(self) -> date:
        return AS_OF + timedelta(days=280 - ga(self.ga_now))

    def on(self, at: str) -> date:
        """The date on which this pregnancy was at GA `at`."""
        day = self.edd - timedelta(days=280 - ga(at))
        if day > AS_OF:
            raise SystemExit(f"{self.mrn}: event at {at} ({day}) is after {AS_OF}")
        if day < self.edd - timedelta(days=280):
            raise SystemExit(f"{self.mrn}: event at {at} is before the LMP")
        return day


P = Patient  # short name: the clinic below reads like a table


# --------------------------------------------------------------------------
# The clinic. Comments give the intended flags (acog-smfm / nice-ng25) as of
# AS_OF; data/README.md has the same table with the reasoning.
# --------------------------------------------------------------------------
# fmt: off
CLINIC: list[Patient] = [
    # urgent: painless dilation at 21 weeks, membranes at the os
    P("D001", "Amara Okafor", "21+2", notes="booked low risk",
      scans=[Scan("19+3", 34.2, note="anatomy scan")],
      exams=[Exam("21+2", dilation=2, membranes=True,
                  note="pelvic pressure; membranes visible at the external os")]),
    # urgent with contraindication: dilation + membranes + contractions
    P("D002", "Chloe Martin", "22+4", sptb="30+0",
      scans=[Scan("16+1", 36.4), Scan("18+1", 33.1), Scan("20+1", 31.3), Scan("22+1", 30.2)],
      exams=[Exam("22+4", dilation=3, membranes=True, contractions=True,
                  note="regular tightenings every 5 minutes")],
      treatments=[Treatment("progesterone", "16+2", note="vaginal progesterone 200 mg nightly")],
      talks=[Talk("progesterone-discussion", "16+1", "accepted")]),
    # high: prior sPTB < 34 and CL 22 at 19+4 -> cerclage discussion; weekly scan due tomorrow
    P("D003", "Priya Sharma", "20+3", sptb="28+0",
      scans=[Scan("16+4", 37.0), Scan("18+4", 29.6, funnel=("T", 5.0, 4.0)), Scan("19+4", 22.1)],
      treatments=[Treatment("progesterone", "16+5")],
      talks=[Talk("progesterone-discussion", "16+4", "accepted")]),
    # addressed: cerclage declined after the 23 mm scan; now 26 mm -> weekly scans
    P("D004", "Hannah Schmidt", "19+5", sptb="26+0",
      scans=[Scan("16+2", 33.4), Scan("18+2", 23.0), Scan("19+2", 26.1)],
      treatments=[Treatment("progesterone", "16+3")],
      talks=[Talk("progesterone-discussion", "16+2", "accepted"),
             Talk("cerclage-discussion", "18+4", "declined",
                  "counselled on ultrasound-indicated cerclage;"
                  " prefers progesterone and weekly scans")]),
    # re-raised: cerclage deferred at 24 mm, since shortened to 18 mm with a V funnel
    P("D005", "Fatima Haddad", "20+4", sptb="31+0",
      scans=[Scan("16+0", 33.0), Scan("18+0", 24.2), Scan("19+0", 21.4),
             Scan("20+0", 18.3, funnel=("V", 10.0, 8.0))],
      talks=[Talk("cerclage-discussion", "18+1", "deferred", "review after next scan"),
             Talk("progesterone-discussion", "18+1", "declined")]),
    # incidental CL 17 mm at the anatomy scan, no history
    P("D006", "Sofia Rossi", "20+5",
      scans=[Scan("20+2", 17.4, note="incidental at anatomy scan, confirmed transvaginally")]),
    # incidental CL 23.4 mm (shared-decision band)
    P("D007", "Grace Mensah", "20+6",
      scans=[Scan("20+0", 23.4)]),
    # prior sPTB 35+2 (acog high, NICE low), CL 27 -> weekly
    P("D008", "Emily Clarke", "19+1", sptb="35+2",
      scans=[Scan("16+1", 34.5), Scan("18+1", 27.2)],
      exams=[Exam("18+1", note="speculum: cervix closed, no pooling")]),
    # overdue: last scan 24 days ago
    P("D009", "Nguyen Thi Lan", "21+3", sptb="32+4", sptb_count=2,
      scans=[Scan("16+2", 0, cls=(38.9, 38.1)), Scan("18+0", 36.0)],
      treatments=[Treatment("progesterone", "16+3")],
      talks=[Talk("progesterone-discussion", "16+2", "accepted")]),
    # due today: fortnightly scan
    P("D010", "Olivia Brown", "18+2", prior_cerclage="ultrasound",
      notes="previous pregnancy: ultrasound-indicated cerclage, delivered at term",
      scans=[Scan("16+2", 35.3)]),
    # early GA with a previous painless mid-trimester loss
    P("D011", "Zainab Bello", "13+2", sptb="19+3", painless=1,
      notes="previous loss at 19+3 after painless dilation"),
    # three previous preterm births/losses, not painless (RCOG history cerclage)
    P("D012", "Maria Fernández", "12+4", sptb="22+0", sptb_count=3,
      notes="losses at 22 and 25 weeks, preterm birth at 30 weeks"),
    # history cerclage in situ and progesterone declined: nothing outstanding
    P("D013", "Aisling Murphy", "17+3", sptb="21+0", painless=1, prior_cerclage="exam",
      treatments=[Treatment("cerclage", "13+2", kind="history", note="McDonald suture")],
      talks=[Talk("history-cerclage-discussion", "12+6", "accepted"),
             Talk("progesterone-discussion", "16+1", "declined")]),
    # history cerclage at 36+2 -> removal due; progesterone ended at 34+0
    P("D014", "Leila Ahmadi", "36+2", sptb="24+5", sptb_count=2, painless=2,
      prior_cerclage="history", with_lmp=True,
      scans=[Scan("20+0", 30.4)],
      treatments=[Treatment("cerclage", "13+0", kind="history"),
                  Treatment("progesterone", "16+0", end="34+0")],
      talks=[Talk("history-cerclage-discussion", "12+5", "accepted")]),
    # ultrasound-indicated cerclage still in situ at 37+3 (active only because of it)
    P("D015", "Rebecca Cohen", "37+3", sptb="29+0",
      scans=[Scan("16+0", 33.8), Scan("18+0", 21.2)],
      treatments=[Treatment("cerclage", "18+3", kind="ultrasound")],
      talks=[Talk("cerclage-discussion", "18+1", "accepted"),
             Talk("progesterone-discussion", "18+1", "declined")]),
    # progesterone for a short cervix, now 36+3 -> stop due (both profiles)
    P("D016", "Yuki Tanaka", "36+3",
      scans=[Scan("20+1", 18.2), Scan("22+1", 20.4)],
      treatments=[Treatment("progesterone", "20+4")],
      talks=[Talk("progesterone-discussion", "20+3", "accepted")]),
    # progesterone for prior sPTB, now 34+5 -> stop due under NICE only
    P("D017", "Ana Souza", "34+5", sptb="32+0",
      scans=[Scan("16+1", 36.1), Scan("18+1", 35.0), Scan("20+1", 33.2), Scan("22+1", 34.0)],
      treatments=[Treatment("progesterone", "16+1")],
      talks=[Talk("progesterone-discussion", "16+1", "accepted")]),
    # dichorionic twins, CL 18 mm today
    P("D018", "Isabella García", "21+4", fetuses=2, notes="DCDA twins",
      scans=[Scan("18+2", 33.5), Scan("21+4", 18.4)]),
    # twins, normal CL
    P("D019", "Mei Ling Chen", "20+1", fetuses=2, notes="DCDA twins",
      scans=[Scan("18+0", 38.2)]),
    # twins at 33 weeks, last CL transperineal
    P("D020", "Charlotte Evans", "33+1", fetuses=2, notes="MCDA twins",
      scans=[Scan("20+0", 36.3), Scan("28+0", 31.0, route="tp",
                                       note="transperineal: patient declined TV")]),
    # triplets, transabdominal CL today
    P("D021", "Adaeze Nwosu", "19+3", fetuses=3, notes="trichorionic triplets",
      scans=[Scan("19+3", 35.1, route="ta")]),
    # twins with a short cervix at 21 weeks, pessary
    P("D022", "Kateryna Kovalenko", "26+0", fetuses=2, notes="DCDA twins",
      scans=[Scan("18+0", 31.2), Scan("21+0", 19.1)],
      exams=[Exam("21+2", bleeding=True, note="light spotting, cervix closed")],
      treatments=[Treatment("pessary", "21+2", note="Arabin pessary")]),
    # wide spread between measurements
    P("D023", "Sarah Thompson", "20+0",
      scans=[Scan("19+4", 0, cls=(34.0, 36.5, 31.0), note="poor view, full bladder")]),
    # single measurement; previous LLETZ
    P("D024", "Jessica Walker", "20+3", excision="lletz",
      scans=[Scan("20+0", 0, cls=(36.2,))]),
    # funneling with a functional CL of 28 mm
    P("D025", "Ayesha Khan", "21+1",
      scans=[Scan("20+6", 28.4, funnel=("Y", 8.0, 6.0))]),
    # sludge; previous cone biopsy
    P("D026", "Emma Johansson", "19+6", excision="cone",
      scans=[Scan("19+0", 33.0, sludge=True)]),
    # short cervix 14 mm with U funnel and sludge; cerclage now in situ
    P("D027", "Tamar Levi", "22+1", sptb="23+2", painless=1,
      scans=[Scan("16+0", 30.4), Scan("18+0", 27.3), Scan("19+0", 24.1), Scan("20+0", 19.2),
             Scan("21+0", 14.0, funnel=("U", 20.0, 15.0), sludge=True)],
      treatments=[Treatment("progesterone", "16+0"),
                  Treatment("cerclage", "21+2", kind="ultrasound")],
      talks=[Talk("history-cerclage-discussion", "13+0", "declined"),
             Talk("progesterone-discussion", "16+0", "accepted"),
             Talk("cerclage-discussion", "21+0", "accepted")]),
    # ultrasound-indicated cerclage at 19+4, progesterone, now 28+3
    P("D028", "Naledi Dlamini", "28+3", sptb="27+0",
      scans=[Scan("16+1", 32.6), Scan("18+1", 28.5), Scan("19+1", 21.7)],
      treatments=[Treatment("progesterone", "16+2"),
                  Treatment("cerclage", "19+4", kind="ultrasound")],
      talks=[Talk("progesterone-discussion", "16+1", "accepted"),
             Talk("cerclage-discussion", "19+2", "accepted")]),
    # previous caesarean at full dilatation: single scan due this week
    P("D029", "Lucy Wilson", "17+4", cfd=True),
    # low risk, anatomy/CL scan missed
    P("D030", "Mariam Yusuf", "21+5", notes="missed anatomy scan appointment"),
    # deep LLETZ, incidental 22.5 mm
    P("D031", "Niamh Kelly", "19+2", excision="lletz_deep",
      scans=[Scan("18+4", 22.5)]),
    # previous PPROM at 33+1, delivered 34+1
    P("D032", "Roxana Popescu", "16+5", sptb="34+1", pprom="33+1",
      scans=[Scan("16+1", 35.4)]),
    # radical trachelectomy: NICE high risk, fortnightly scans lapsed
    P("D033", "Ingrid Larsen", "23+2", excision="trachelectomy",
      scans=[Scan("16+2", 29.3, route="tp"), Scan("18+2", 28.6), Scan("20+2", 27.9)]),
    # first trimester, no risk factors
    P("D034", "王秀英", "12+1", with_lmp=True),
    # third trimester, normal anatomy-scan CL
    P("D035", "Siobhán O'Neill", "30+2",
      scans=[Scan("20+1", 38.0)]),
    # 38+1, no cerclage: no longer active, not in the review
    P("D036", "Eleni Papadopoulou", "38+1", with_lmp=True,
      scans=[Scan("20+0", 40.1)]),
    # prior late preterm birth, 16+0 today
    P("D037", "Joanna Kowalska", "16+0", sptb="34+3"),
    # prior sPTB 27+0, 15+3: first scan at 16+0 this week
    P("D038", "Kemi Adeyemi", "15+3", sptb="27+0"),
    # Asherman syndrome (intrauterine adhesions)
    P("D039", "Carmen López", "17+6", adhesions=True),
    # short cervix after the treatment window
    P("D040", "Hye-jin Park", "27+1",
      scans=[Scan("20+2", 35.6), Scan("26+3", 21.0, note="seen for pelvic pressure")],
      exams=[Exam("26+3", note="speculum: os closed")]),
    # unicornuate uterus: NICE high risk
    P("D041", "Aaliyah Robinson", "18+6", anomaly=True, notes="unicornuate uterus",
      scans=[Scan("16+6", 32.3)]),
]
# fmt: on


def yn(value: bool) -> str:
    return "yes" if value else "no"


def mm(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def measurements(rng: random.Random, scan: Scan) -> list[float]:
    """The shortest is `scan.cl`; the others lie within 1-7 % above it (CLEAR: < 10 %)."""
    if scan.cls is not None:
        return list(scan.cls)
    values = [scan.cl]
    for _ in range(scan.n - 1):
        values.append(round(scan.cl * (1 + rng.uniform(0.01, 0.07)), 1))
    rng.shuffle(values)
    return values


def build() -> dict[str, list[list[str]]]:
    rng = random.Random(SEED)
    rows: dict[str, list[list[str]]] = {
        "patients": [], "scans": [], "exams": [], "treatments": [], "discussions": [],
    }  # fmt: skip
    for p in CLINIC:
        edd = p.edd
        lmp = edd - timedelta(days=280)
        count = p.sptb_count if p.sptb_count is not None else (1 if p.sptb else 0)
        rows["patients"].append([
            p.mrn, p.name, edd.isoformat(), lmp.isoformat() if p.with_lmp else "",
            str(p.fetuses), p.sptb, str(count), p.pprom, str(p.painless), p.prior_cerclage,
            p.excision, yn(p.anomaly), yn(p.adhesions), yn(p.cfd), p.notes,
        ])  # fmt: skip
        for s in p.scans:
            cls = measurements(rng, s)
            if not 1 <= len(cls) <= 3 or not all(0 < v <= 80 for v in cls):
                raise SystemExit(f"{p.mrn}: bad measurements {cls}")
            cls3 = [*cls, None, None][:3]
            shape, flen, fwid = s.funnel if s.funnel else ("", None, None)
            rows["scans"].append([
                "", p.mrn, p.on(s.ga).isoformat(), s.route, mm(cls3[0]), mm(cls3[1]),
                mm(cls3[2]), yn(s.funnel is not None), mm(flen), mm(fwid), shape,
                yn(s.sludge), rng.choice(OPERATORS), s.note,
            ])  # fmt: skip
        for e in p.exams:
            rows["exams"].append([
                p.mrn, p.on(e.ga).isoformat(), f"{e.dilation:g}", yn(e.membranes),
                yn(e.contractions), yn(e.bleeding), yn(e.infection), e.note,
            ])  # fmt: skip
        for t in p.treatments:
            end = p.on(t.end).isoformat() if t.end else ""
            if t.kind and t.type != "cerclage":
                raise SystemExit(f"{p.mrn}: kind is only for a cerclage")
            rows["treatments"].append(
                [p.mrn, t.type, t.kind, p.on(t.start).isoformat(), end, t.note]
            )
        for d in p.talks:
            rows["discussions"].append([p.mrn, d.action, p.on(d.ga).isoformat(), d.outcome, d.note])
    return rows


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(sorted(rows))


def main() -> None:
    rows = build()
    write("patients", PATIENT_COLUMNS, rows["patients"])
    write("scans", SCAN_COLUMNS, rows["scans"])  # scan_id is empty: sorts by mrn, date
    write("exams", EXAM_COLUMNS, rows["exams"])
    write("treatments", TREATMENT_COLUMNS, rows["treatments"])
    write("discussions", DISCUSSION_COLUMNS, rows["discussions"])
    (OUT / "demo-as-of.txt").write_text(AS_OF.isoformat() + "\n", encoding="utf-8")
    PACKAGE_COPY.mkdir(exist_ok=True)
    for name in (*FILES, "demo-as-of.txt"):
        shutil.copyfile(OUT / name, PACKAGE_COPY / name)
    print(
        f"wrote {len(rows['patients'])} patients, {len(rows['scans'])} scans, "
        f"{len(rows['exams'])} exams, {len(rows['treatments'])} treatments, "
        f"{len(rows['discussions'])} discussions; as-of {AS_OF} -> {OUT} and {PACKAGE_COPY}"
    )


if __name__ == "__main__":
    main()
