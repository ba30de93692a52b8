"""What each kept fast path of `cervix_watch.store.speed` earns, measured in-process.

    .venv/bin/python bench/seams.py      # prints one JSON line: [[label, fast s, plain s], ...]

`bench/run.py` runs this as a child process (so the bench's own memory stays small) and
puts the figures in the table. CPU time (`time.process_time`), best of three, on 20,000
rows: the fast path against its plain path, on the same rows, back to back.

- `insert_rows`: 20,000 scan rows into a new SQLite database (the import's write; each
  run inside a transaction that is rolled back) against SQLAlchemy Core insert RETURNING.
- `trusted`: 20,000 stored scans rebuilt as domain records (a review's read) against
  pydantic's `model_construct`.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROWS = 20_000
RUNS = 3


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _scan_rows(rng: random.Random, patient_id: int) -> list[dict[str, Any]]:
    first = date(2026, 5, 1)
    return [
        {
            "patient_id": patient_id,
            "date": first + timedelta(days=n % 180),
            "route": "tv",
            "cl1_mm": round(rng.uniform(10, 50), 1),
            "cl2_mm": round(rng.uniform(10, 50), 1) if n % 2 else None,
            "cl3_mm": None,
            "funneling": n % 20 == 0,
            "funnel_length_mm": None,
            "funnel_width_mm": None,
            "funnel_shape": None,
            "sludge": n % 50 == 0,
            "symptoms": "",
            "operator": rng.choice(["AK", "BN", "CO"]),
            "source": "",
            "notes": "" if n % 7 else "difficult view, retroverted",
        }
        for n in range(ROWS)
    ]


def insert_figures(folder: Path) -> tuple[float, float]:
    import sqlalchemy as sa

    from cervix_watch.domain.models import Patient
    from cervix_watch.domain.problems import build
    from cervix_watch.store import speed, tables
    from cervix_watch.store.store import Store

    store = Store.open(str(folder / "seams.sqlite3"), create=True)
    store.add_patient(build(Patient, {"mrn": "S1", "edd": "2026-12-01"}), "bench")
    batch = _scan_rows(random.Random(1), 1)

    def insert(plain: bool) -> Callable[[], object]:
        def work() -> None:
            with store.engine.connect() as conn, conn.begin() as transaction:
                ids = speed.insert_rows(conn, tables.scans, batch, plain=plain)
                assert len(ids) == ROWS
                assert conn.execute(sa.select(sa.func.count()).select_from(tables.scans)).scalar()
                transaction.rollback()

        return work

    figures = _best(insert(False)), _best(insert(True))
    store.engine.dispose()
    return figures


def trusted_figures() -> tuple[float, float]:
    from cervix_watch.domain.enums import Route
    from cervix_watch.domain.models import Scan
    from cervix_watch.store import speed

    rng = random.Random(2)
    values = [
        {
            "scan_id": n,
            "mrn": "S1",
            "date": date(2026, 5, 1) + timedelta(days=n % 180),
            "route": Route.TV,
            "cl_mm": (round(rng.uniform(10, 50), 1),),
            "funneling": False,
            "funnel_length_mm": None,
            "funnel_width_mm": None,
            "funnel_shape": None,
            "sludge": False,
            "symptoms": (),
            "operator": "AK",
            "source": "",
            "notes": "",
        }
        for n in range(ROWS)
    ]
    fast = _best(lambda: [speed.trusted(Scan, dict(v)) for v in values])
    plain = _best(lambda: [speed.plain_trusted(Scan, dict(v)) for v in values])
    return fast, plain


def measured_in_child(python: Path) -> list[list[Any]]:
    """This module's figures, from a child process (the bench's own memory stays small)."""
    import subprocess

    out = subprocess.run([str(python), __file__], check=True, capture_output=True, text=True).stdout
    figures: list[list[Any]] = json.loads(out.strip().splitlines()[-1])
    return figures


def table(figures: list[list[Any]]) -> list[str]:
    """The table rows of `make bench`: what each kept fast path earns against its plain path."""
    if not figures:
        return []
    lines = [
        "",
        "The speed layer (`store.speed`), in-process CPU time, best of three:",
        "",
        "| fast path | fast s | plain path s | plain / fast |",
        "|---|---:|---:|---:|",
    ]
    for label, fast, plain in figures:
        lines.append(f"| {label} | {fast:.3f} | {plain:.3f} | {plain / fast:.2f}x |")
    return lines


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cw-seams-") as tmp:
        insert_fast, insert_plain = insert_figures(Path(tmp))
    trusted_fast, trusted_plain = trusted_figures()
    print(
        json.dumps(
            [
                [f"speed.insert_rows, {ROWS:,} scan rows (SQLite)", insert_fast, insert_plain],
                [f"speed.trusted, {ROWS:,} stored scans", trusted_fast, trusted_plain],
            ]
        )
    )


if __name__ == "__main__":
    main()
