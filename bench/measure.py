"""The clinics of `make bench` and every command it times (run.py calls them in order).

`prepare_clinic` generates a clinic's CSVs (clinic.py) and builds its databases with the
CLI's own `import` commands, once, under bench/.cache/. The `measure_*` functions time the
commands of one clinic size, the floors (what the stack costs before cervix-watch does
anything), the history clinic and PostgreSQL, into `Results`, which report.py turns into
the table. bench/focus.py reuses the clinics and the pandas floor from here.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import clinic
import history
import rows
from timing import CLI, ENV, PYTHON, Fresh, Timing, cli, copy_db, measure, new_db, run_once

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
SIZES = (1_000, 10_000, 50_000)
HEAVY = 10_000  # from this size every command is timed as the imports are: --slow-runs
EVENT_KINDS = ("exams", "treatments", "discussions")


PANDAS_FROM_SQLITE = """
import sqlite3, sys
import pandas as pd
con = sqlite3.connect(sys.argv[1])
frames = []
for query in ("select * from patients", "select * from scans where voided_at is null"):
    cur = con.execute(query)
    columns = [d[0] for d in cur.description]
    frames.append(pd.DataFrame.from_records(cur.fetchall(), columns=columns))
print(*(len(f) for f in frames))
"""
PANDAS_READ_SQL = """
import sys
import pandas as pd
import sqlalchemy as sa
engine = sa.create_engine("sqlite:///" + sys.argv[1])
with engine.connect() as conn:
    frames = [pd.read_sql(sa.text(q), conn) for q in
              ("select * from patients", "select * from scans where voided_at is null")]
print(*(len(f) for f in frames))
"""


def schema_version() -> int:
    """How many migrations a database this program made has applied (names the cached clinics)."""
    from cervix_watch.store import migrations

    return len(migrations.MIGRATIONS)


# -- the clinics -------------------------------------------------------------------------
@dataclass
class Clinic:
    size: int
    files: clinic.ClinicFiles
    patients_db: Path  # patients only: where a timed `import scans` starts
    full_db: Path  # every kind imported: what review and scan add read
    sr: rows.SrSet  # 1,000 SR files of its patients, and the same scans as a CSV


def prepare_clinic(size: int, work: Path) -> Clinic:
    folder = CACHE / f"clinic-{size}-g{clinic.GENERATOR_VERSION}-s{clinic.SEED}"
    manifest = folder / "counts.json"
    if manifest.exists():
        files = clinic.ClinicFiles(folder, size, json.loads(manifest.read_text()))
    else:
        print(f"  generating the {size:,}-patient clinic in {folder} ...", flush=True)
        files = clinic.generate(folder, size)
        manifest.write_text(json.dumps(files.counts))
    schema = schema_version()
    patients_db = folder / f"patients.v{schema}.sqlite3"
    full_db = folder / f"full.v{schema}.sqlite3"
    if not patients_db.exists() or not full_db.exists():
        print(f"  building the {size:,}-patient databases with the CLI ...", flush=True)
        scratch = work / "build.sqlite3"
        new_db(scratch)
        run_once(cli(scratch, "import", "patients", str(files.csv("patients"))))
        copy_db(scratch, patients_db)
        for kind in ("scans", *EVENT_KINDS):
            run_once(cli(scratch, "import", kind, str(files.csv(kind))))
        copy_db(scratch, full_db)
    return Clinic(size, files, patients_db, full_db, rows.prepare_sr(files))


# -- the timed commands ------------------------------------------------------------------
@dataclass
class Results:
    floors: dict[str, Timing] = field(default_factory=dict)
    help: Timing | None = None
    by_size: dict[int, dict[str, Timing]] = field(default_factory=dict)
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    floor_rows: tuple[int, int] = (0, 0)
    # issue 16: the history clinic, the audit, the raw-sqlite3 import floor, PostgreSQL
    extra: dict[str, Timing] = field(default_factory=dict)
    history_counts: tuple[int, int, int] = (0, 0, 0)
    seams: list[list[object]] = field(default_factory=list)  # bench/seams.py's figures
    baseline: tuple[str, str] | None = None  # --baseline REV and its commit, when compared
    unfinished: dict[int, dict[str, Timing]] = field(default_factory=dict)  # an interrupted size
    interrupted: str | None = None  # the stage a Ctrl-C stopped: it and those after are missing
    started: float = field(default_factory=time.perf_counter)


def measure_size(
    c: Clinic, work: Path, counts: tuple[int, int], found: dict[str, Timing]
) -> dict[str, Timing]:
    """Every command at one size, into `found` as each is timed (kept if interrupted)."""
    (runs, slow_runs), size = counts, c.size
    each = runs if size < HEAVY else slow_runs  # see "How long make bench takes" (docs)
    scratch = work / f"timed-{size}.sqlite3"
    found["import patients"] = measure(
        f"{size:>6,}: import patients ({c.files.counts['patients']:,} rows)",
        cli(scratch, "import", "patients", str(c.files.csv("patients"))),
        slow_runs,
        fresh=Fresh(to=scratch),
    )
    found["import scans"] = measure(
        f"{size:>6,}: import scans ({c.files.counts['scans']:,} rows)",
        cli(scratch, "import", "scans", str(c.files.csv("scans"))),
        slow_runs,
        fresh=Fresh(to=scratch, copy_from=c.patients_db),
    )
    review_out = work / f"review-{size}.json"
    found["review --format json"] = measure(
        f"{size:>6,}: review --format json",
        cli(c.full_db, "review", "--as-of", clinic.AS_OF.isoformat(), "--format", "json"),
        each,
        stdout=review_out,
    )
    reviewed = json.loads(review_out.read_text())
    print(f"          ({len(reviewed['patients']):,} active patients in the review)")
    # a fresh copy for every run: the same scan twice is refused as a duplicate
    found["scan add"] = measure(
        f"{size:>6,}: scan add",
        cli(scratch, "scan", "add", "B0000001", "--date", clinic.AS_OF.isoformat(),
            "--cl", "24.0", "--cl", "25.1", "--cl", "26.3", "--no-prompt"),
        each,
        fresh=Fresh(to=scratch, copy_from=c.full_db),
    )  # fmt: skip
    found["scan add, interactive"] = rows.measure_interactive(
        size, c.full_db, "B0000001", work, each
    )
    found.update(rows.measure_sr(size, c.full_db, c.sr, work, each))
    measure_tables(c, each, found)
    measure_exports(c, work, each, found)
    return found


# What people run (issue 25.2): each listing and report in its table format beside the
# same command's JSON (stdout to /dev/null, not a terminal, as a pipe or a pager sees it).
TABLE_PAIRS = {
    "review": ("review", "--as-of", clinic.AS_OF.isoformat()),
    "due": ("due", "--as-of", clinic.AS_OF.isoformat()),
    "patient list": ("patient", "list"),
    "audit": ("audit", "--from", "2026-07-01", "--to", "2026-09-30"),
}
# At a colour terminal (issue 25.2): the review with its colour codes, beside its JSON.
COLOUR = {**ENV, "FORCE_COLOR": "1"}
COLOUR.pop("NO_COLOR")


def measure_exports(c: Clinic, work: Path, runs: int, found: dict[str, Timing]) -> None:
    """Issue 25.3/25.4: `export fhir --ndjson` beside `export scans` of the same clinic."""
    folder = work / f"ndjson-{c.size}"
    found["export scans"] = measure(
        f"{c.size:>6,}: export scans --out F",
        cli(c.full_db, "export", "scans", "--out", str(work / "scans.csv")),
        runs,
    )
    found["export fhir --ndjson"] = measure(
        f"{c.size:>6,}: export fhir --ndjson DIR",
        cli(c.full_db, "export", "fhir", "--ndjson", str(folder)),
        runs,
        fresh=Fresh(remove=folder),
        # 437b9db built every resource through its model: 95 s of CPU at 10,000 patients
        compare=c.size < HEAVY,
    )
    shutil.rmtree(folder, ignore_errors=True)


def measure_tables(c: Clinic, runs: int, found: dict[str, Timing]) -> None:
    for name, args in TABLE_PAIRS.items():
        for fmt in ("table", "json"):
            label = f"{name} --format {fmt}"
            if label != "review --format json":  # timed above
                found[label] = measure(
                    f"{c.size:>6,}: {label}", cli(c.full_db, *args, "--format", fmt), runs
                )
    found["review, colour"] = measure(
        f"{c.size:>6,}: review --format table, FORCE_COLOR=1",
        cli(c.full_db, *TABLE_PAIRS["review"], "--format", "table"),
        runs,
        env=COLOUR,
    )


def measure_floors(results: Results, runs: int, slow_runs: int) -> None:
    py = str(PYTHON)
    for label, code in (
        ("typer+pydantic", "import typer, pydantic"),
        ("+sqlalchemy", "import typer, pydantic, sqlalchemy"),
        ("+pandas", "import typer, pydantic, sqlalchemy, pandas"),
    ):
        results.floors[label] = measure(f"floor: {label}", [py, "-c", code], runs)


def measure_data_floors(results: Results, db: Path, runs: int, slow_runs: int) -> None:
    py = str(PYTHON)
    results.floors["pandas from sqlite3 (50k)"] = measure(
        "floor: pandas from sqlite3", [py, "-c", PANDAS_FROM_SQLITE, str(db)], runs
    )
    results.floors["pandas.read_sql via SQLAlchemy (50k)"] = measure(
        "floor: pandas.read_sql via SQLAlchemy",
        [py, "-c", PANDAS_READ_SQL, str(db)],
        slow_runs,
    )


def counted(db: Path) -> tuple[int, int]:
    """Patients and scans (not voided) in a database: what the data floors read."""
    import sqlite3

    with sqlite3.connect(db) as con:
        return (
            con.execute("select count(*) from patients").fetchone()[0],
            con.execute("select count(*) from scans where voided_at is null").fetchone()[0],
        )


def history_db_path(c: Clinic) -> Path:
    """Where the history clinic built from `c`'s full database is kept (bench/focus.py too)."""
    name = f"history.g{clinic.GENERATOR_VERSION}.h{clinic.HISTORY_VERSION}.v{schema_version()}"
    return c.full_db.with_name(f"{name}.sqlite3")


def measure_history(results: Results, c: Clinic, work: Path, runs: int, slow_runs: int) -> None:
    """Issue 16: review, scan add and audit on the history clinic; the audit and import floors."""
    py, x = str(PYTHON), results.extra
    history_db = history_db_path(c)
    if not history_db.exists():
        # In a child process: the parent would keep the generator's memory, and every child
        # forked after it would report that memory as its own peak RSS (wait4 counts the
        # pages a child has before exec).
        build = "import sys, history; from pathlib import Path; "
        build += "history.build_history_db(Path(sys.argv[1]), Path(sys.argv[2]))"
        bench_dir = str(Path(__file__).resolve().parent)
        argv = [str(PYTHON), "-c", f"import sys; sys.path.insert(0, {bench_dir!r}); {build}"]
        print(f"  building the history clinic ({clinic.HISTORY_CLOSED:,} closed) ...", flush=True)
        run_once([*argv, str(c.full_db), str(history_db)])
    results.history_counts = history.counts(history_db)
    p, closed, s = results.history_counts
    print(f"  history clinic: {p:,} pregnancies ({closed:,} closed), {s:,} scans")
    as_of = clinic.AS_OF.isoformat()
    x["history review"] = measure(
        "history: review --format json",
        cli(history_db, "review", "--as-of", as_of, "--format", "json"),
        runs,
    )
    period_from, period_to = history.audit_period()
    audit = ["audit", "--from", period_from, "--to", period_to, "--format", "json"]
    x["history audit"] = measure("history: audit --format json", cli(history_db, *audit), runs)
    low = period_from
    high = (clinic.AS_OF + timedelta(days=280)).isoformat()
    x["audit floor"] = measure(
        "floor: audit rows, pandas from sqlite3 (history)",
        [py, "-c", history.AUDIT_FLOOR, str(history_db), low, high, period_to],
        runs,
    )
    scratch = work / "history-scan-add.sqlite3"
    x["history scan add"] = measure(
        "history: scan add",
        cli(scratch, "scan", "add", "B0000001", "--date", as_of,
            "--cl", "24.0", "--cl", "25.1", "--cl", "26.3", "--no-prompt"),
        runs,
        fresh=Fresh(to=scratch, copy_from=history_db),
    )  # fmt: skip
    scratch.unlink()
    raw = work / "raw-import.sqlite3"
    x["raw import"] = measure(
        f"floor: raw sqlite3 executemany ({c.files.counts['scans']:,} scans)",
        [py, "-c", history.RAW_IMPORT_FLOOR, str(raw), str(c.files.csv("scans"))],
        slow_runs,
        fresh=Fresh(to=raw, copy_from=c.patients_db),
    )


def measure_postgres(results: Results, c: Clinic, runs: int) -> None:
    """The same import and review against a local PostgreSQL server (no target)."""
    server = history.start_postgres()
    if server is None:
        return
    x = results.extra
    try:
        url = server.new_database()
        pg = [str(CLI), "--db", url]
        run_once([str(CLI), "db", "init", url])
        x["pg import patients"] = measure(
            f"postgresql {c.size:,}: import patients",
            [*pg, "import", "patients", str(c.files.csv("patients"))],
            1,
        )
        x["pg import scans"] = measure(
            f"postgresql {c.size:,}: import scans",
            [*pg, "import", "scans", str(c.files.csv("scans"))],
            1,
        )
        for kind in EVENT_KINDS:
            run_once([*pg, "import", kind, str(c.files.csv(kind))])
        x["pg review"] = measure(
            f"postgresql {c.size:,}: review --format json",
            [*pg, "review", "--as-of", clinic.AS_OF.isoformat(), "--format", "json"],
            runs,
        )
    finally:
        server.stop()
