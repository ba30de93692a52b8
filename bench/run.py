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

This file is the driver: its options, the order of the stages (`run_all`), the time each
stage took (`stage`), Ctrl-C and SIGTERM, and the docs block. measure.py holds the clinics
and the timed commands, report.py the table and its targets.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import clinic
import seams
from measure import (
    CACHE,
    ROOT,
    SIZES,
    Results,
    counted,
    measure_data_floors,
    measure_floors,
    measure_history,
    measure_postgres,
    measure_size,
    prepare_clinic,
)
from timing import CHILD_CPU, CLI, PYTHON, byte_compile, compare_with, measure, stop_spawner

from report import machine, report

DOCS = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
MAKE_BASELINE = "437b9db"  # the Makefile's BASELINE: the commit before issue 20's work
BASELINE_SIZES = (1_000, 10_000)  # see docs/performance.md, 'How long make bench takes'


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
    # stop, and report what was measured so far (see report.interrupted_line)
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
