"""The issue-16 figures of `make bench`: the history clinic, the audit, raw-sqlite3 and
PostgreSQL beside SQLite.

- History clinic: the 50,000-patient clinic plus 450,000 closed past pregnancies
  (`clinic.history_rows`, ~5 scans each), built once into the cache. Those rows are
  written with sqlite3 `executemany` into a copy of the 50,000-patient database (the
  CLI's import of 2.25 million rows would add minutes to every clean-clone run; the
  review and the audit only read them).
- `review --format json` and `scan add` on it, against the 50,000-patient figures.
- `audit` of the quarter ending on the review date, on it, against a pandas floor:
  the same rows (patients with an EDD in range, their scans, treatments and
  discussions) read with sqlite3 into DataFrames.
- `import scans` (250,000 rows) against a raw sqlite3 `executemany` of the same rows
  into the same table (no validation, no audit rows), measured in the same run.
- PostgreSQL: `import scans` and `review --format json` against a local throw-away
  server (tests/pg/pgserver.py), beside SQLite.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import clinic

QUARTER_DAYS = 91

AUDIT_FLOOR = """
import sqlite3, sys
import pandas as pd
con = sqlite3.connect(sys.argv[1])
low, high, as_of = sys.argv[2:5]
ids = "select patient_id from patients where edd between ? and ?"
queries = (
    ("select * from patients where edd between ? and ?", (low, high)),
    ("select patient_id, date, route, cl1_mm, cl2_mm, cl3_mm from scans where patient_id in ("
     + ids + ") and voided_at is null and date <= ?", (low, high, as_of)),
    ("select patient_id, type, kind, start from treatments where patient_id in (" + ids
     + ") and start <= ?", (low, high, as_of)),
    ("select patient_id, action, date from discussions where patient_id in (" + ids
     + ") and date <= ?", (low, high, as_of)),
)
frames = []
for query, args in queries:
    cur = con.execute(query, args)
    columns = [d[0] for d in cur.description]
    frames.append(pd.DataFrame.from_records(cur.fetchall(), columns=columns))
print(*(len(f) for f in frames))
"""

RAW_IMPORT_FLOOR = """
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
ids = dict(con.execute("select mrn, patient_id from patients"))
num = lambda v: float(v) if v else None
with open(sys.argv[2], newline="", encoding="utf-8") as handle:
    rows = [
        (ids[r["mrn"]], r["date"], r["route"] or "tv", float(r["cl1_mm"]), num(r["cl2_mm"]),
         num(r["cl3_mm"]), r["funneling"] == "yes", num(r["funnel_length_mm"]),
         num(r["funnel_width_mm"]), r["funnel_shape"] or None, r["sludge"] == "yes",
         r["operator"], r["notes"])
        for r in csv.DictReader(handle)
    ]
with con:
    con.executemany(
        "insert into scans (patient_id, date, route, cl1_mm, cl2_mm, cl3_mm, funneling, "
        "funnel_length_mm, funnel_width_mm, funnel_shape, sludge, operator, notes) "
        "values (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
print(len(rows))
"""


def audit_period() -> tuple[str, str]:
    """The quarter ending on the clinics' review date."""
    to = clinic.AS_OF
    return (to - timedelta(days=QUARTER_DAYS - 1)).isoformat(), to.isoformat()


def build_history_db(full_db: Path, target: Path) -> None:
    """The 50k clinic's database plus the closed past pregnancies, built once.

    A cache build, never a clinic's database: one transaction with no journal and no
    fsync (`journal_mode = OFF`, `synchronous = OFF`: a crash leaves a `.building` file
    that the next run overwrites), rows streamed from the generator into `executemany`,
    then back to WAL as the CLI expects.
    """
    if target.exists():
        return
    scratch = target.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(full_db, scratch)
    patients, scans = clinic.history_rows(clinic.HISTORY_CLOSED)
    con = sqlite3.connect(scratch, isolation_level=None)
    try:
        pragmas = ("journal_mode = DELETE", "journal_mode = OFF", "synchronous = OFF")
        for pragma in (*pragmas, "cache_size = -200000"):
            con.execute(f"pragma {pragma}")
        con.execute("begin")
        first = con.execute("select coalesce(max(patient_id), 0) from patients").fetchone()[0]
        con.executemany(
            "insert into patients (patient_id, mrn, name, edd, fetuses, prior_sptb_weeks, "
            "prior_sptb_count, prior_pprom_weeks, painless_loss_count, prior_cerclage, "
            "cervical_excision, uterine_anomaly, intrauterine_adhesions, "
            "caesarean_full_dilatation, notes, closed_date, close_outcome, close_ga_days) "
            "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((first + n, *row) for n, row in enumerate(patients, start=1)),
        )
        con.executemany(
            "insert into scans (patient_id, date, route, cl1_mm, cl2_mm, cl3_mm, funneling, "
            "sludge, operator, notes) values (?,?,?,?,?,?,?,?,?,?)",
            ((first + row[0], *row[1:]) for row in scans),
        )
        con.execute("commit")
        # statistics from a sample of each index: seconds rather than a minute
        con.execute("pragma analysis_limit = 1000")
        con.execute("analyze")
        con.execute("pragma journal_mode = WAL")
    finally:
        con.close()
    scratch.rename(target)


def counts(db: Path) -> tuple[int, int, int]:
    """(patients, closed, scans) in a database."""
    with sqlite3.connect(db) as con:
        p = con.execute("select count(*) from patients").fetchone()[0]
        closed = con.execute("select count(*) from patients where closed_date is not null")
        s = con.execute("select count(*) from scans").fetchone()[0]
        return p, closed.fetchone()[0], s


def start_postgres() -> Any | None:
    """A throw-away local PostgreSQL server, or None (with the reason printed)."""
    import sys

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    try:
        from tests.pg.pgserver import ServerUnavailable, start_server
    except ImportError as error:
        print(f"  PostgreSQL: skipped ({error})")
        return None
    try:
        return start_server()
    except ServerUnavailable as why:
        print(f"  PostgreSQL: skipped ({why})")
        return None
