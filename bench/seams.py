"""What each kept speed trick earns against its plain path, measured on this machine.

    .venv/bin/python bench/seams.py      # prints one JSON line: [[label, fast s, plain s], ...]

`bench/run.py` runs this as a child process (so the bench's own memory stays small) and
puts the figures in the table. CPU time, best of three (five for start-up): the fast path
against its plain path, on the same work, back to back. Each trick has an equivalence test
against its plain path (named below).

- `store.speed.insert_rows`: 20,000 scan rows into a new SQLite database (the import's
  write; each run inside a transaction that is rolled back) against SQLAlchemy Core insert
  RETURNING (tests/store/test_speed.py).
- `store.speed.trusted`: 20,000 stored scans rebuilt as domain records (a review's read)
  against pydantic's `model_construct` (tests/store/test_speed.py).
- `bulk.collector_paused`: 20,000 stored scans rebuilt and kept, then as many rows made from
  them (a read, then its rendering), against the same with the collector running
  (tests/test_bulk.py).
- `interop.fhir.name_uuid`: 20,000 resource ids (`export fhir`'s uuid5 of each name)
  against `str(uuid.uuid5(...))` (tests/interop/test_fhir.py).
- `interop.fhirlines.LayoutChecked.line`: 1,000 Observations as NDJSON lines, each layout
  checked by fhir.resources once, against every one through the model (`checked_line`;
  tests/interop/test_fhirlines.py).
- `console.escapes.plain_ascii`: 20,000 FHIR Observation lines escaped for output (nothing to
  escape in them) against the regular-expression pass it skips (tests/cli/test_escapes.py).
- `cli.app.command_tree` and `cli.app.skip_pydantic_plugin_scan`: the CPU time of a whole
  `patient list --format json` process on an empty database, against the whole command
  tree and against pydantic's plugin scan (tests/cli/test_startup.py).
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


def _stored_scans() -> list[dict[str, Any]]:
    from cervix_watch.domain.enums import Route

    rng = random.Random(2)
    return [
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


def trusted_figures() -> tuple[float, float]:
    from cervix_watch.domain.models import Scan
    from cervix_watch.store import speed

    values = _stored_scans()
    fast = _best(lambda: [speed.trusted(Scan, dict(v)) for v in values])
    plain = _best(lambda: [speed.plain_trusted(Scan, dict(v)) for v in values])
    return fast, plain


def collector_figures() -> tuple[float, float]:
    import gc

    from cervix_watch import bulk
    from cervix_watch.domain.models import Scan
    from cervix_watch.store import speed

    values = _stored_scans()

    def read_and_render() -> None:
        records = [speed.trusted(Scan, dict(v)) for v in values]
        rows = [[r.mrn, r.date.isoformat(), r.cl_mm, r.notes] for r in records]
        assert len(rows) == ROWS

    def paused() -> None:
        with bulk.collector_paused():
            records = [speed.trusted(Scan, dict(v)) for v in values]
        rows = [[r.mrn, r.date.isoformat(), r.cl_mm, r.notes] for r in records]
        assert len(rows) == ROWS

    gc.collect()
    return _best(paused), _best(read_and_render)


FHIR_LINES = 1_000  # the plain path costs about a millisecond an Observation


def fhir_figures() -> dict[str, tuple[float, float]]:
    """`export fhir`'s two tricks against their plain paths."""
    from fhir.resources.R4B.observation import Observation

    from cervix_watch.domain.models import Scan
    from cervix_watch.interop import fhir
    from cervix_watch.interop.fhirlines import LayoutChecked, checked_line

    names = [f"scan {n}" for n in range(1, ROWS + 1)]
    uuids = (
        _best(lambda: [fhir.name_uuid(n) for n in names]),
        _best(lambda: [fhir.plain_name_uuid(n) for n in names]),
    )
    rng = random.Random(3)
    data = [
        fhir.observation_resource(
            fhir.ExportedScan(
                Scan.model_validate(
                    {
                        "scan_id": n,
                        "mrn": "S1",
                        "date": date(2026, 5, 1) + timedelta(days=n % 180),
                        "cl_mm": (round(rng.uniform(10, 50), 1),),
                        "operator": rng.choice(["AK", "BN", "CO"]),
                    }
                ),
                amended=False,
            ),
            "Patient/S1",
        )
        for n in range(1, FHIR_LINES + 1)
    ]

    def layout_checked() -> None:
        checker = LayoutChecked()  # a new export's: each layout checked by the model again
        for observation in data:
            checker.line(Observation, observation)

    lines = _best(layout_checked), _best(lambda: [checked_line(Observation, d) for d in data])
    return {"uuid": uuids, "lines": lines, "escape": _escape_figures(data)}


def _escape_figures(data: list[dict[str, Any]]) -> tuple[float, float]:
    from pydantic_core import to_json

    from cervix_watch.console import escapes

    texts = [to_json(d).decode() + "\n" for d in data] * (ROWS // len(data))

    def regex_pass(text: str) -> str:
        return escapes._CANDIDATES.sub(lambda run: run.group(), text)  # noqa: SLF001

    fast = _best(lambda: [escapes.escape_json(t) for t in texts])
    return fast, _best(lambda: [regex_pass(t) for t in texts])


STARTUP = """
import os, sys
from cervix_watch.cli import app
if sys.argv[1] == "whole":
    app.command_named = lambda args: None
if sys.argv[1] != "plugins":
    app.skip_pydantic_plugin_scan()
sys.argv = ["cervix-watch", *sys.argv[2:]]
app.main()
"""


def startup_figures(folder: Path) -> dict[str, float]:
    """Best CPU time (user + system) of a whole `patient list` process, three ways."""
    import os
    import resource
    import subprocess
    import sys

    from cervix_watch.store.store import Store

    db = str(folder / "startup.sqlite3")
    Store.open(db, create=True).engine.dispose()
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    argv = ["--db", db, "patient", "list", "--format", "json"]
    best = {}
    for way in ("fast", "whole", "plugins"):
        times = []
        for _ in range(5):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-c", STARTUP, way, *argv],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        best[way] = min(times)
    return best


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
        "The speed tricks against their plain paths (bench/seams.py), CPU time:",
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
        startup = startup_figures(Path(tmp))
    trusted_fast, trusted_plain = trusted_figures()
    paused, running = collector_figures()
    fhir = fhir_figures()
    print(
        json.dumps(
            [
                [f"speed.insert_rows, {ROWS:,} scan rows (SQLite)", insert_fast, insert_plain],
                [f"speed.trusted, {ROWS:,} stored scans", trusted_fast, trusted_plain],
                [f"bulk.collector_paused, {ROWS:,} scans read and rendered", paused, running],
                [f"fhir.name_uuid, {ROWS:,} resource ids", *fhir["uuid"]],
                [f"fhirlines.LayoutChecked, {FHIR_LINES:,} Observation lines", *fhir["lines"]],
                [f"escapes.plain_ascii, {ROWS:,} NDJSON lines escaped", *fhir["escape"]],
                [
                    "cli.app.command_tree, `patient list` process (one command's tree)",
                    startup["fast"],
                    startup["whole"],
                ],
                [
                    "cli.app.skip_pydantic_plugin_scan, `patient list` process",
                    startup["fast"],
                    startup["plugins"],
                ],
            ]
        )
    )


if __name__ == "__main__":
    main()
