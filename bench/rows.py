"""The rows issue 25.1 added at every size: `import sr` of 1,000 files against its floor,
and the interactive `scan add` round trip at a pseudo-terminal.

The 1,000 SR files are made once per clinic into its cache folder, with the test
fixtures' builders (tests/interop/sr_fixtures.py): one OB-GYN report each, for the
clinic's patients whose pregnancy is between 16+0 and 33+6 weeks on the scan date (the
review date, then the days before it, until there are 1,000), with the patient's name,
EDD and LMP and two transvaginal cervical lengths. The same 1,000 scans are written as a
scans CSV for the floor's `import scans`.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import clinic
from timing import PYTHON, Fresh, Timing, cli, driver_figure, measure

HERE = Path(__file__).resolve().parent
SR_COUNT = 1_000
SR_VERSION = 1  # bump when the files change, so cached sets are made again
EARLIEST_GA_DAYS, LATEST_GA_DAYS = 16 * 7, 33 * 7 + 6
DCMREAD_FLOOR = """
import sys
from pathlib import Path
import pydicom
print(len([pydicom.dcmread(p) for p in sorted(Path(sys.argv[1]).iterdir())]))
"""


@dataclass(frozen=True)
class SrScan:
    mrn: str
    name: str
    edd: date
    on: date
    cl_mm: tuple[str, str]


def sr_scans(patients_csv: Path, as_of: date, count: int = SR_COUNT) -> list[SrScan]:
    """`count` scans of the clinic's patients within 16+0..33+6 weeks on their date: every
    such patient on `as_of`, then on each day before it, until there are `count`."""
    with patients_csv.open(newline="") as handle:
        patients = [
            (r["mrn"], r["name"], date.fromisoformat(r["edd"])) for r in csv.DictReader(handle)
        ]
    scans: list[SrScan] = []
    for days_back in range(LATEST_GA_DAYS):
        on = as_of - timedelta(days=days_back)
        for mrn, name, edd in patients:
            ga_days = 280 - (edd - on).days
            if EARLIEST_GA_DAYS <= ga_days <= LATEST_GA_DAYS:
                tenths = 250 + len(scans) % 120  # 25.0-36.9 mm
                cl = (f"{tenths / 10:.1f}", f"{(tenths + 7) / 10:.1f}")
                scans.append(SrScan(mrn, name, edd, on, cl))
                if len(scans) == count:
                    return scans
    raise SystemExit(f"{patients_csv}: fewer than {count} scans fit 16+0..33+6 weeks")


def dicom_name(name: str) -> str:
    """'Priya Okafor' as DICOM's PN: 'Okafor^Priya'."""
    given, _, family = name.rpartition(" ")
    return f"{family}^{given}" if given else family


def write_reports(scans: list[SrScan], folder: Path) -> None:
    sys.path.insert(0, str(HERE.parent / "tests" / "interop"))
    import sr_fixtures as fx  # the tests' builders, only when files are made

    folder.mkdir(parents=True)
    for number, scan in enumerate(scans):
        children = [fx.beam(), fx.summary(edd=scan.edd, lmp=scan.edd - timedelta(days=280))]
        children += [*fx.fetuses("A"), fx.pelvis(*(fx.cl(mm) for mm in scan.cl_mm))]
        dataset = fx.report(children, patient_id=scan.mrn)
        dataset.PatientName = dicom_name(scan.name)
        dataset.StudyDate = dataset.ContentDate = scan.on.strftime("%Y%m%d")
        dataset.save_as(folder / f"{number:05d}.dcm", enforce_file_format=True)


def write_scans_csv(scans: list[SrScan], header: list[str], path: Path) -> None:
    """The same scans as rows of the contract's scans CSV (the floor's `import scans`)."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writeheader()
        for scan in scans:
            writer.writerow({"mrn": scan.mrn, "date": scan.on.isoformat(), "route": "tv",
                             "cl1_mm": scan.cl_mm[0], "cl2_mm": scan.cl_mm[1],
                             "funneling": "no", "sludge": "no"})  # fmt: skip


@dataclass(frozen=True)
class SrSet:
    reports: Path
    scans_csv: Path


def prepare_sr(files: clinic.ClinicFiles) -> SrSet:
    folder = files.folder / f"sr-{SR_COUNT}-v{SR_VERSION}"
    done = SrSet(folder / "reports", folder / "scans.csv")
    if not done.scans_csv.exists():
        print(f"  writing {SR_COUNT:,} SR files into {folder} ...", flush=True)
        scans = sr_scans(files.csv("patients"), clinic.AS_OF)
        write_reports(scans, done.reports)
        with files.csv("scans").open(newline="") as handle:
            header = next(csv.reader(handle))
        write_scans_csv(scans, header, done.scans_csv)
    return done


def measure_sr(
    size: int, full_db: Path, sr: SrSet, work: Path, runs: int
) -> Iterator[tuple[str, Timing]]:
    """`import sr` of the 1,000 files into a fresh copy of the clinic; its floor's parts:
    pydicom's `dcmread` of the same files, `import scans` of the same 1,000 rows."""
    scratch = work / f"sr-{size}.sqlite3"
    fresh = Fresh(to=scratch, copy_from=full_db)
    yield "import sr", measure(
        f"{size:>6,}: import sr ({SR_COUNT:,} files)",
        cli(scratch, "import", "sr", str(sr.reports)), runs, fresh=fresh,
    )  # fmt: skip
    yield "floor: dcmread", measure(
        f"{size:>6,}: floor: pydicom dcmread ({SR_COUNT:,} files)",
        [str(PYTHON), "-c", DCMREAD_FLOOR, str(sr.reports)], runs,
    )  # fmt: skip
    yield "floor: import scans", measure(
        f"{size:>6,}: floor: import scans ({SR_COUNT:,} rows)",
        cli(scratch, "import", "scans", str(sr.scans_csv)), runs, fresh=fresh,
    )  # fmt: skip


def measure_interactive(size: int, full_db: Path, mrn: str, work: Path, runs: int) -> Timing:
    """The interactive `scan add` at a pseudo-terminal: from the confirmed summary to the
    saved line (bench/interactive.py drives it; its figure is that round trip)."""
    scratch = work / f"interactive-{size}.sqlite3"
    driver = [str(PYTHON), str(HERE / "interactive.py")]
    return measure(
        f"{size:>6,}: scan add, interactive (confirm -> saved)",
        [*driver, *cli(scratch)[:1], str(scratch), mrn, clinic.AS_OF.isoformat()],
        runs, fresh=Fresh(to=scratch, copy_from=full_db),
        stdout=work / f"interactive-{size}.json", read=driver_figure,
    )  # fmt: skip


def _met(flag: bool) -> str:
    return "met" if flag else "**missed**"


def targets(by_size: dict[int, dict[str, Timing]]) -> list[str]:
    """Issue 25.6's two targets for `import sr`, and the round trip beside `scan add`'s
    whole process (neither the issue nor the contract sets a target for it)."""
    out = []
    for size, found in by_size.items():
        sr, dcm, scans = (
            found.get(k) for k in ("import sr", "floor: dcmread", "floor: import scans")
        )
        if sr is not None and dcm is not None and scans is not None:
            floor = dcm.wall + scans.wall
            out += [
                f"| `import sr` of {SR_COUNT:,} files ({size:,} patients): wall within 1.5x of "
                f"its CPU | {sr.wall:.2f} s / {sr.cpu:.2f} s = {sr.wall / sr.cpu:.2f}x "
                f"| {_met(sr.wall <= 1.5 * sr.cpu)} |",
                f"| `import sr` ({size:,}) within 2x of `dcmread` + `import scans` of the same "
                f"{SR_COUNT:,} | {sr.wall:.2f} s / ({dcm.wall:.2f} + {scans.wall:.2f} s) = "
                f"{sr.wall / floor:.2f}x (CPU: {sr.cpu:.2f} s / ({dcm.cpu:.2f} + "
                f"{scans.cpu:.2f} s) = {sr.cpu / (dcm.cpu + scans.cpu):.2f}x) "
                f"| {_met(sr.wall <= 2 * floor)} |",
            ]
        rt, add = found.get("scan add, interactive"), found.get("scan add")
        if rt is not None and add is not None:
            out.append(
                f"| interactive `scan add` ({size:,}), confirmed summary to saved line (no "
                f"target; beside `scan add --no-prompt`'s whole process) | {rt.wall:.3f} s "
                f"against {add.wall:.3f} s | - |"
            )
    return out
