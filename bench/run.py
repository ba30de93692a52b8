#!/usr/bin/env python3
"""`make bench`: whole-process timings of cervix-watch on synthetic clinics, against floors.

    .venv/bin/python bench/run.py                 # print the table
    .venv/bin/python bench/run.py --write-docs --baseline 437b9db   # what `make bench` runs
    .venv/bin/python bench/run.py --sizes 1000 --runs 1 --no-history --no-postgres --no-seams

Each figure is the median of several runs of the real console script
(`.venv/bin/cervix-watch`) as a child process, started by a small spawner process
(spawn.py) so that `wait4`'s figures are the child's own: wall time from spawn to exit,
CPU time and peak resident memory. The floors (what the chosen stack costs before
cervix-watch does anything) are measured in the same run, so the ratios compare like
with like on a busy machine. `--baseline REV` runs REV's console script alternately
with ours (baseline.py, timing.py) and adds a before/after table.

Clinics of 1,000, 10,000 and 50,000 patients (5 scans each on average, fixed
seed, see clinic.py) are generated once and kept under bench/.cache/, with the
databases built from them by the CLI's own `import` commands, and 1,000 SR files for
each (rows.py). Every timed import runs against a fresh copy, so the cached files are
never changed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import clinic
import history
import rows
import seams
from timing import (
    CHILD_CPU,
    CLI,
    ENV,
    PYTHON,
    Fresh,
    Timing,
    byte_compile,
    cli,
    compare_with,
    copy_db,
    measure,
    new_db,
    run_once,
    stop_spawner,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
DOCS = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SIZES = (1_000, 10_000, 50_000)
MAKE_BASELINE = "437b9db"  # the Makefile's BASELINE: the commit before issue 20's work
BASELINE_SIZES = (1_000, 10_000)  # see docs/performance.md, 'How long make bench takes'
HEAVY = 10_000  # from this size every command is timed as the imports are: --slow-runs
EVENT_KINDS = ("exams", "treatments", "discussions")

# The issue's figures for the floors (2-core machine, medians of whole-process runs).
ISSUE_FLOORS = {
    "typer+pydantic": 0.12,
    "+sqlalchemy": 0.34,
    "+pandas": 0.65,
    "pandas from sqlite3 (50k)": 0.95,
    "pandas.read_sql via SQLAlchemy (50k)": 1.5,
}

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


# -- the run -----------------------------------------------------------------------------
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


def measure_history(results: Results, c: Clinic, work: Path, runs: int, slow_runs: int) -> None:
    """Issue 16: review, scan add and audit on the history clinic; the audit and import floors."""
    py, x = str(PYTHON), results.extra
    schema = schema_version()
    name = f"history.g{clinic.GENERATOR_VERSION}.h{clinic.HISTORY_VERSION}.v{schema}.sqlite3"
    history_db = c.full_db.with_name(name)
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


# -- the report --------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "nproc": subprocess.run(
            ["nproc"], capture_output=True, text=True, check=False  # noqa: S607
        ).stdout.strip(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": load,
    }  # fmt: skip


def _ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def report(results: Results, facts: dict[str, str], command: str) -> str:
    f = results.floors
    lines = [
        f"Measured {facts['date']} on {facts['nproc']} CPUs ({facts['cpu']}), Python "
        f"{facts['python']}, {facts['os']}; load average at the end {facts['load']}. The run "
        f"took {(time.perf_counter() - results.started) / 60:.1f} min of wall time and "
        f"{CHILD_CPU[0] / 60:.1f} min of its children's CPU time.",
        *interrupted_line(results),
        f"Command: `{command}`. Medians of whole-process runs (wall time from spawn to exit; "
        "CPU time (user + system) and peak RSS of the child from `wait4`, each child started "
        "by a small spawner process, so its RSS is its own). The interactive `scan add` row's "
        "time is the round trip from the confirmed summary to the saved line; its CPU and RSS "
        "are the whole process's.",
        "",
        "Floors (measured in the same run):",
        "",
        "| floor | median s | CPU s | peak RSS MB | issue's figure s |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, timing in f.items():
        lines.append(
            f"| {label} | {timing.wall:.3f} | {timing.cpu:.2f} | {timing.rss_mb:.0f} "
            f"| {ISSUE_FLOORS[label]:.2f} |"
        )
    if results.floor_rows != (0, 0):
        p, s = results.floor_rows
        lines.append("")
        lines.append(f"The data floors read the largest database: {p:,} patients, {s:,} scans.")
    lines += [
        "",
        "| patients | command | runs | median s | min-max s | CPU s | peak RSS MB | rows/s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    if results.help is not None:
        h = results.help
        lines.append(
            f"| - | `--help` | {len(h.walls)} | {h.wall:.3f} | "
            f"{min(h.walls):.2f}-{max(h.walls):.2f} | {h.cpu:.2f} | {h.rss_mb:.0f} | |"
        )
    for size, timings in (results.by_size | results.unfinished).items():
        for name, t in timings.items():
            rate = ""
            if name in ("import patients", "import scans"):
                rows = results.counts[size][name.split()[1]]
                rate = f"{rows / t.wall:,.0f}"
            lines.append(
                f"| {size:,} | `{name}` | {len(t.walls)} | {t.wall:.3f} | "
                f"{min(t.walls):.2f}-{max(t.walls):.2f} | {t.cpu:.2f} | {t.rss_mb:.0f} | {rate} |"
            )
    lines += history_rows(results)
    lines += seams.table(results.seams)
    lines += ["", *targets(results)]
    if results.baseline is not None:
        lines += baseline.table(*results.baseline, results.by_size | results.unfinished)
    return "\n".join(lines)


def interrupted_line(results: Results) -> list[str]:
    if results.interrupted is None:
        return []
    return [
        f'**Stopped (Ctrl-C or SIGTERM) during "{results.interrupted}"**: the figures of that '
        "part (but the commands of a clinic size already timed) and of every part after it "
        "(in order: floors, the data floors, the clinic sizes, the history clinic, "
        "PostgreSQL, the speed layer) are missing below."
    ]


def history_rows(results: Results) -> list[str]:
    """The history clinic, audit, raw-import floor and PostgreSQL timings (issue 16)."""
    if not results.extra:
        return []
    p, closed, s = results.history_counts
    lines = [
        "",
        f"History clinic: {p:,} pregnancies ({closed:,} closed), {s:,} scans. "
        f"Audit period {' to '.join(history.audit_period())}.",
        "",
        "| figure | runs | median s | min-max s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in results.extra.values():
        lines.append(
            f"| {t.label.strip()} | {len(t.walls)} | {t.wall:.3f} | "
            f"{min(t.walls):.2f}-{max(t.walls):.2f} | {t.cpu:.2f} | {t.rss_mb:.0f} |"
        )
    return lines


def _ratio_line(what: str, value: Timing | None, floor: Timing | None, limit: float) -> str:
    if value is None or floor is None:
        return f"| {what} | not measured | - |"
    ratio = value.wall / floor.wall
    figure = f"{value.wall:.3f} s / {floor.wall:.3f} s = {ratio:.2f}x"
    return f"| {what} | {figure} | {_ok(ratio <= limit)} |"


def history_targets(results: Results, big: dict[str, Timing], size: int) -> list[str]:
    x, f = results.extra, results.floors
    out = [
        _ratio_line(f"`review --format json` ({size:,}) within 1.5x of pandas-from-sqlite3 "
                    "(2x at the very least)", big.get("review --format json"),
                    f.get("pandas from sqlite3 (50k)"), 1.5),
    ]  # fmt: skip
    if not x:
        return out
    out += [
        _ratio_line(f"history clinic `review --format json` within 1.2x of the {size:,} clinic",
                    x.get("history review"), big.get("review --format json"), 1.2),
        _ratio_line("`scan add` into the history clinic within 1.5x of +sqlalchemy",
                    x.get("history scan add"), f.get("+sqlalchemy"), 1.5),
        _ratio_line(f"`import scans` ({results.counts[size]['scans']:,} rows) within 5x of a raw "
                    "sqlite3 executemany", big.get("import scans"), x.get("raw import"), 5.0),
        _ratio_line("history clinic `audit` within 2x of its pandas floor",
                    x.get("history audit"), x.get("audit floor"), 2.0),
    ]  # fmt: skip
    if "pg review" in x:
        sqlite_review, sqlite_import = big["review --format json"], big["import scans"]
        out.append(
            f"| PostgreSQL beside SQLite (no target) | review {x['pg review'].wall:.2f} s vs "
            f"{sqlite_review.wall:.2f} s; import scans {x['pg import scans'].wall:.2f} s vs "
            f"{sqlite_import.wall:.2f} s | - |"
        )
    return out


def targets(results: Results) -> list[str]:
    f, out = results.floors, ["| target | figure | result |", "|---|---|---|"]
    if results.help is not None and "typer+pydantic" in f:
        ratio = results.help.wall / f["typer+pydantic"].wall
        out.append(
            f"| `--help` within 1.5x of typer+pydantic | {ratio:.2f}x | {_ok(ratio <= 1.5)} |"
        )
    sizes = sorted(results.by_size)
    if not sizes:
        return out
    big = results.by_size[sizes[-1]]
    if "+sqlalchemy" in f:
        ratio = big["scan add"].wall / f["+sqlalchemy"].wall
        out.append(
            f"| `scan add` ({sizes[-1]:,} patients) within 1.5x of +sqlalchemy | {ratio:.2f}x "
            f"| {_ok(ratio <= 1.5)} |"
        )
    scan_rows = results.counts[sizes[-1]]["scans"]
    rate = scan_rows / big["import scans"].wall
    out.append(
        f"| `import scans` ({scan_rows:,} rows) at least 50,000 rows/s | {rate:,.0f} rows/s "
        f"| {_ok(rate >= 50_000)} |"
    )
    first = results.by_size[sizes[0]]
    out.append(
        f"| `import scans` memory bounded | peak {first['import scans'].rss_mb:.0f} MB "
        f"({results.counts[sizes[0]]['scans']:,} rows) -> {big['import scans'].rss_mb:.0f} MB "
        f"({scan_rows:,} rows) | see notes |"
    )
    review = big["review --format json"].wall
    out.append(
        f"| `review --format json` ({sizes[-1]:,}) under 2 s | {review:.2f} s "
        f"| {_ok(review < 2.0)} |"
    )
    out += table_targets(big, sizes[-1])
    out += export_targets(results)
    out += rows.targets(results.by_size)
    out += history_targets(results, big, sizes[-1])
    if len(sizes) > 1:
        points = [(s, results.by_size[s]["review --format json"].wall) for s in sizes]
        steps = list(itertools.pairwise(points))
        growth = ", ".join(
            f"{b:,}/{a:,}: {wb / wa:.2f}x time for {b / a:.0f}x patients"
            for (a, wa), (b, wb) in steps
        )
        slopes = ", ".join(
            f"{(wb - wa) / (b - a) * 1000:.3f} s per 1,000 patients ({a:,}->{b:,})"
            for (a, wa), (b, wb) in steps
        )
        out.append(f"| `review` grows linearly | {growth}; marginal {slopes} | see notes |")
    return out


def table_targets(big: dict[str, Timing], size: int) -> list[str]:
    """Each table within 1.5x of the same command's JSON, in time and in peak RSS."""
    out = []
    pairs = {name: f"{name} --format table" for name in TABLE_PAIRS}
    pairs["review (colour terminal)"] = "review, colour"
    for name, table_label in pairs.items():
        json_label = f"{name.split(' (')[0]} --format json"
        table, as_json = big.get(table_label), big.get(json_label)
        if table is None or as_json is None:
            continue
        ratio, memory = table.wall / as_json.wall, table.rss_mb / as_json.rss_mb
        out.append(
            f"| `{name}` table ({size:,}) within 1.5x of its JSON, time and peak RSS "
            f"| {table.wall:.2f} s / {as_json.wall:.2f} s = {ratio:.2f}x, {memory:.2f}x RSS "
            f"| {_ok(ratio <= 1.5 and memory <= 1.5)} |"
        )
    return out


def export_targets(results: Results) -> list[str]:
    """Issue 25.3/25.4: the NDJSON export against `export scans`, and its memory."""
    sizes = sorted(results.by_size)
    big = results.by_size[sizes[-1]]
    fhir, scans = big.get("export fhir --ndjson"), big.get("export scans")
    if fhir is None or scans is None:
        return []
    out = [
        _ratio_line(f"`export fhir --ndjson` ({sizes[-1]:,}) within 3x of `export scans`",
                    fhir, scans, 3.0),
        f"| `export fhir --ndjson` ({sizes[-1]:,}) peak RSS under 300 MB | "
        f"{fhir.rss_mb:.0f} MB | {_ok(fhir.rss_mb < 300)} |",
    ]  # fmt: skip
    smaller = [s for s in sizes if s < sizes[-1] and "export fhir --ndjson" in results.by_size[s]]
    if smaller:
        before = results.by_size[smaller[-1]]["export fhir --ndjson"]
        growth = fhir.rss_mb / before.rss_mb
        out.append(
            f"| `export fhir --ndjson` peak RSS at {sizes[-1]:,} within 1.2x of {smaller[-1]:,} "
            f"| {fhir.rss_mb:.0f} MB / {before.rss_mb:.0f} MB = {growth:.2f}x "
            f"| {_ok(growth <= 1.2)} |"
        )
    return out


@contextmanager
def stage(results: Results, what: str) -> Iterator[None]:
    """Print how long a part of the bench took, so where its own time goes is visible."""
    start = time.perf_counter()
    try:
        yield
    except KeyboardInterrupt:
        results.interrupted = what
        raise
    now = time.perf_counter()
    print(
        f"  [{what}: {now - start:.0f} s; {now - results.started:.0f} s so far, "
        f"{CHILD_CPU[0]:.0f} s of the children's CPU]",
        flush=True,
    )


def write_docs(table: str) -> None:
    block = f"{BEGIN}\n{table}\n{END}"
    if DOCS.exists():
        text = DOCS.read_text()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            DOCS.write_text(head + block + tail)
            return
        DOCS.write_text(text.rstrip() + "\n\n" + block + "\n")
        return
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(f"# Performance\n\n{block}\n")


def run_all(
    results: Results,
    args: argparse.Namespace,
    work: Path,
    sizes: list[int],
    counts: tuple[int, int],
) -> None:
    """Every figure, in order: clinics (cached), floors, data floors, sizes, history,
    PostgreSQL, seams."""
    runs, slow_runs = counts
    byte_compile(PYTHON, ROOT / "src")
    with stage(results, "clinics generated and built (cached)"):
        clinics = [prepare_clinic(size, work) for size in sizes]
    print("floors:")
    with stage(results, "floors and --help"):
        measure_floors(results, runs + 2, slow_runs)
        results.help = measure("cervix-watch --help", [str(CLI), "--help"], runs + 2)
    with stage(results, "data floors"):  # before the sizes: a run stopped early keeps them
        measure_data_floors(results, clinics[-1].full_db, runs, slow_runs)
        results.floor_rows = counted(clinics[-1].full_db)
    side = None
    if args.baseline:
        with stage(results, f"baseline {args.baseline} installed and its clinics built (cached)"):
            sha, side = baseline.prepare(ROOT, args.baseline, CACHE, work)
            for c in clinics:
                if c.size in args.baseline_sizes:
                    baseline.add(side, c.files, c.patients_db, c.full_db)
        results.baseline = (args.baseline, sha)
    for c in clinics:
        results.counts[c.size] = c.files.counts
        compare_with(side if c.size in args.baseline_sizes else None)
        with stage(results, f"{c.size:,}-patient clinic"):
            found = results.unfinished.setdefault(c.size, {})
            results.by_size[c.size] = measure_size(c, work, counts, found)
            del results.unfinished[c.size]
    compare_with(None)
    largest = clinics[-1]
    if not args.no_history:
        with stage(results, "history clinic, audit, raw import floor"):
            measure_history(results, largest, work, slow_runs, slow_runs)
    if not args.no_postgres:
        with stage(results, "PostgreSQL"):
            measure_postgres(results, largest, slow_runs)
    if not args.no_seams:
        with stage(results, "speed layer (bench/seams.py)"):
            results.seams = seams.measured_in_child(PYTHON)


def counted(db: Path) -> tuple[int, int]:
    """Patients and scans (not voided) in a database: what the data floors read."""
    import sqlite3

    with sqlite3.connect(db) as con:
        return (
            con.execute("select count(*) from patients").fetchone()[0],
            con.execute("select count(*) from scans where voided_at is null").fetchone()[0],
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--runs", type=int, default=2, help="runs below 10,000 patients (min 1)")
    parser.add_argument(
        "--slow-runs", type=int, default=1, help="runs of imports, and from 10,000 patients"
    )
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite the table in {DOCS}")
    parser.add_argument("--no-history", action="store_true", help="skip the history clinic")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-seams", action="store_true", help="skip bench/seams.py")
    parser.add_argument(
        "--baseline", metavar="REV", help="time REV's console script alternately with ours"
    )
    parser.add_argument(
        "--baseline-sizes", default=",".join(map(str, BASELINE_SIZES)),
        help="the clinic sizes at which REV is compared",
    )  # fmt: skip
    args = parser.parse_args()
    args.baseline_sizes = {int(s) for s in args.baseline_sizes.split(",")}
    sizes = sorted(int(s) for s in args.sizes.split(","))
    runs, slow_runs = max(1, args.runs), max(1, args.slow_runs)
    if datetime.now(UTC).date() < clinic.AS_OF:
        raise SystemExit(f"the clinics' review date {clinic.AS_OF} is in the future")
    CACHE.mkdir(exist_ok=True)
    results = Results()
    # Ctrl-C or SIGTERM (also when started in the background, where SIGINT is ignored):
    # stop, and report what was measured so far (see interrupted_line)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, _interrupt)
    facts = machine()
    print(f"cervix-watch bench: {facts['nproc']} CPUs, {facts['cpu']}, Python {facts['python']}")
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        try:
            run_all(results, args, Path(tmp), sizes, (runs, slow_runs))
        except KeyboardInterrupt:  # report what was measured (--write-docs too), say what not
            stop_spawner()
            print(f"\ninterrupted during: {results.interrupted or 'the start'}")
    facts["load"] = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    default = sys.argv[1:] in ([], ["--write-docs"], ["--write-docs", "--baseline", MAKE_BASELINE])
    command = "make bench" if default else "python bench/run.py " + " ".join(sys.argv[1:])
    table = report(results, facts, command)
    print()
    print(table)
    print(
        f"\n(benchmark took {time.perf_counter() - results.started:.0f} s, "
        f"{CHILD_CPU[0]:.0f} s of its children's CPU; load average {facts['load']})"
    )
    if args.write_docs:
        write_docs(table)
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
