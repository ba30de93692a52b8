"""`python bench/focus.py review,audit`: a few commands beside their floors, nothing else.

For work on one figure (issue 25.5): the 50,000-patient `review --format json` against
the pandas read floor, and the history clinic's `audit --format json` against its pandas
floor, each pair measured back to back in the same run, with wall time and CPU time
(user + system of the child, from the rusage of its `wait4`): on a loaded machine the CPU
ratio says more than the wall ratio. Prints its lines; docs/performance.md is untouched.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import clinic
import history
from measure import (
    CACHE,
    PANDAS_FROM_SQLITE,
    ROOT,
    SIZES,
    Clinic,
    history_db_path,
    prepare_clinic,
)
from timing import PYTHON, byte_compile, cli, run_once

NAMES = ("review", "audit")  # what the command line may name


@dataclass(frozen=True)
class Pair:
    """A command and its floor, as argv lists for a database."""

    label: str
    command: Callable[[Path], list[str]]
    floor: Callable[[Path], list[str]]
    database: Callable[[Clinic], Path]


def _history_db(c: Clinic) -> Path:
    path = history_db_path(c)
    if not path.exists():
        raise SystemExit(f"no history clinic at {path}: run bench/run.py once first")
    return path


def _audit(db: Path) -> list[str]:
    period_from, period_to = history.audit_period()
    return cli(db, "audit", "--from", period_from, "--to", period_to, "--format", "json")


def _audit_floor(db: Path) -> list[str]:
    low, as_of = history.audit_period()
    high = (clinic.AS_OF + timedelta(days=280)).isoformat()  # as measure.measure_history
    return [str(PYTHON), "-c", history.AUDIT_FLOOR, str(db), low, high, as_of]


PAIRS = {
    "review": Pair(
        "review --format json (50k) / pandas from sqlite3 (50k)",
        lambda db: cli(db, "review", "--as-of", clinic.AS_OF.isoformat(), "--format", "json"),
        lambda db: [str(PYTHON), "-c", PANDAS_FROM_SQLITE, str(db)],
        lambda c: c.full_db,
    ),
    "audit": Pair(
        "history audit --format json / its pandas floor",
        _audit,
        _audit_floor,
        _history_db,
    ),
}


def _timed(argv: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one child run (its own rusage, from the spawner's wait4)."""
    done = run_once(argv)
    return done.wall, done.cpu


def _best(argv: list[str], runs: int) -> tuple[float, float]:
    """The fastest of `runs` runs, wall and CPU each (a loaded machine only adds time)."""
    times = [_timed(argv) for _ in range(runs)]
    return min(w for w, _ in times), min(c for _, c in times)


def measure(names: list[str], runs: int, work: Path) -> list[str]:
    """Lines of `label: command wall/CPU, floor wall/CPU, ratios` for each named pair."""
    largest = prepare_clinic(max(SIZES), work)
    lines = []
    for name in names:
        pair = PAIRS[name]
        db = pair.database(largest)
        run_once(pair.command(db))  # warm the page cache and the byte code, untimed
        wall, cpu = _best(pair.command(db), runs)
        floor_wall, floor_cpu = _best(pair.floor(db), runs)
        lines.append(
            f"{pair.label}: {wall:.2f} s / {floor_wall:.2f} s = {wall / floor_wall:.2f}x wall; "
            f"CPU {cpu:.2f} s / {floor_cpu:.2f} s = {cpu / floor_cpu:.2f}x (best of {runs})"
        )
        print(lines[-1], flush=True)
    return lines


def names(option: str) -> list[str]:
    """`review,audit` as a list, each checked against NAMES."""
    chosen = [name.strip() for name in option.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PAIRS]
    if unknown or not chosen:
        raise SystemExit(f"names: choose from {', '.join(NAMES)} (got {option!r})")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", help=f"comma-separated, from: {','.join(NAMES)}")
    parser.add_argument("--runs", type=int, default=2, help="runs of each; the best counts")
    args = parser.parse_args()
    chosen = names(args.names)
    CACHE.mkdir(exist_ok=True)
    byte_compile(PYTHON, ROOT / "src")
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        measure(chosen, max(1, args.runs), Path(tmp))


if __name__ == "__main__":
    main()
