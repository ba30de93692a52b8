#!/usr/bin/env python3
"""The scanner interop figures issue 14 asks for (not part of `make bench`):

    .venv/bin/python bench/interop.py [--count 1000]

1. `import sr` throughput: COUNT SR files (one per patient, fictional, made like the
   test fixtures) imported by the console script in one run; SRs per second of wall
   time from spawn to exit (start-up included).
2. `listen` memory: the receiver's resident memory (VmRSS) after a warm-up of 50 SRs,
   then after COUNT more SRs sent over loopback with pynetdicom, one association each
   batch of 100.
3. `listen` memory under worklist queries (issue 23.4): VmRSS after 50 warm-up Modality
   Worklist C-FINDs, then after COUNT more (pynetdicom, one association per 100), from a
   clinic of 200 patients of whom 50 are due (each query answers 50 items).

4. `listen` memory under mixed reports (issue 23.6): VmRSS after 50 warm-up reports, then
   after COUNT more, of eight kinds in turn: filed; no beam path (held: no route); a
   PatientID that is no MRN (held); the name on the report differing from the record
   (held); not OB-GYN and OB-GYN without a cervix length (both ignored); the filed report
   sent again, the same and with another CL (already present; held: different content).
   Which are held, ignored or refused depends on the receiver (the statuses are counted).

`--only import|listen|worklist|mixed` runs one of them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests" / "interop"), str(HERE.parent)]

import sr_fixtures as fx  # noqa: E402
from listener_harness import send, start  # noqa: E402

CLI = [sys.executable, "-m", "cervix_watch"]
WARM_UP = 50
BATCH = 100


def clinic(folder: Path, count: int) -> Path:
    """A database with patients SR00001.. (LMP 2026-06-07), registered by `import patients`."""
    db = folder / "clinic.sqlite3"
    patients = folder / "patients.csv"
    rows = [f"SR{n:05d},2026-06-07" for n in range(1, count + WARM_UP + 1)]
    patients.write_text("mrn,lmp\n" + "\n".join(rows) + "\n")
    subprocess.run([*CLI, "db", "init", str(db)], check=True)
    subprocess.run([*CLI, "--db", str(db), "import", "patients", str(patients)], check=True)
    return db


def reports(first: int, count: int) -> list:
    return [
        fx.ob_report(fx.cl("31.2"), fx.cl("30.4"), patient_id=f"SR{n:05d}")
        for n in range(first, first + count)
    ]


def throughput(folder: Path, count: int) -> None:
    (folder / "import").mkdir()
    db = clinic(folder / "import", count)
    files = folder / "import" / "sr"
    files.mkdir()
    for number, dataset in enumerate(reports(1, count)):
        dataset.save_as(files / f"{number:05d}.dcm", enforce_file_format=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*CLI, "--db", str(db), "import", "sr", str(files)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Imported {count} scans" in done.stdout, done.stdout[-500:]
    print(
        f"import sr: {count} files in {seconds:.2f} s wall = {count / seconds:.0f} SRs/s "
        f"({cpu:.2f} s CPU = {count / cpu:.0f} SRs per CPU second; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


def memory(folder: Path, count: int) -> None:
    (folder / "listen").mkdir()
    db = clinic(folder / "listen", count)
    listener = start(db, folder / "listen")
    try:
        at_start = listener.rss_kib()
        warm = reports(count + 1, WARM_UP)
        assert set(send(listener.port, warm)) == {0}
        before = listener.rss_kib()
        datasets = reports(1, count)
        started = time.perf_counter()
        marks = []
        for start_at in range(0, count, BATCH):
            assert set(send(listener.port, datasets[start_at : start_at + BATCH])) == {0}
            if (start_at + BATCH) % (count // 4 or BATCH) == 0:
                marks.append(f"{start_at + BATCH}: {listener.rss_kib() / 1024:.1f}")
        seconds = time.perf_counter() - started
        after = listener.rss_kib()
    finally:
        status = listener.stop()
    print(
        f"listen: RSS {at_start / 1024:.1f} MiB at start, {before / 1024:.1f} MiB after "
        f"{WARM_UP} SRs, {after / 1024:.1f} MiB after {count} more "
        f"({(after - before) / 1024:+.1f} MiB; MiB after n SRs: {', '.join(marks)}); "
        f"{count / seconds:.0f} SRs/s received; stopped with status {status}"
    )


WORKLIST_CONFIG = '[scanners."US_ROOM1"]\nhosts = ["127.0.0.1"]\nworklist = true\n'
WORKLIST_FIND = "1.2.840.10008.5.1.4.31"


def due_clinic(folder: Path, patients: int, due: int) -> Path:
    """Patients W00001.. of whom the first `due` are at GA 19+0 today (their single CL
    screen is due) and the others at 12+0 (not yet), all named."""
    db = folder / "clinic.sqlite3"
    today = datetime.date.today()
    rows = []
    for n in range(1, patients + 1):
        ga_days = 19 * 7 if n <= due else 12 * 7
        lmp = today - datetime.timedelta(days=ga_days)
        rows.append(f'W{n:05d},{lmp.isoformat()},"Patient, Number {n}"')
    csv_file = folder / "patients.csv"
    csv_file.write_text("mrn,lmp,name\n" + "\n".join(rows) + "\n")
    subprocess.run([*CLI, "db", "init", str(db)], check=True)
    subprocess.run([*CLI, "--db", str(db), "import", "patients", str(csv_file)], check=True)
    return db


def queries(port: int, count: int) -> set[int]:
    """`count` universal worklist queries over one association: the final statuses."""
    from pydicom.dataset import Dataset
    from pynetdicom import AE

    ae = AE(ae_title="US_ROOM1")
    ae.add_requested_context(WORKLIST_FIND)
    assoc = ae.associate("127.0.0.1", port, ae_title="CERVIXWATCH")
    assert assoc.is_established
    query = Dataset()
    query.PatientName = query.PatientID = query.StudyInstanceUID = ""
    finals = set()
    try:
        for _ in range(count):
            answers = list(assoc.send_c_find(query, WORKLIST_FIND))
            finals.add(int(answers[-1][0].Status))
    finally:
        assoc.release()
    return finals


def worklist_memory(folder: Path, count: int) -> None:
    work = folder / "worklist"
    work.mkdir()
    db = due_clinic(work, 200, 50)
    config = work / "config.toml"
    config.write_text(WORKLIST_CONFIG)
    config.chmod(0o600)
    listener = start(db, work, env={"CERVIX_WATCH_CONFIG": str(config)})
    try:
        at_start = listener.rss_kib()
        assert queries(listener.port, WARM_UP) == {0}
        before = listener.rss_kib()
        started = time.perf_counter()
        marks = []
        for done in range(BATCH, count + 1, BATCH):
            assert queries(listener.port, BATCH) == {0}
            if done % (count // 4 or BATCH) == 0:
                marks.append(f"{done}: {listener.rss_kib() / 1024:.1f}")
        seconds = time.perf_counter() - started
        after = listener.rss_kib()
    finally:
        status = listener.stop()
    print(
        f"listen worklist: RSS {at_start / 1024:.1f} MiB at start, {before / 1024:.1f} MiB "
        f"after {WARM_UP} queries, {after / 1024:.1f} MiB after {count} more "
        f"({(after - before) / 1024:+.1f} MiB; MiB after n queries: {', '.join(marks)}); "
        f"{count / seconds:.1f} queries/s of 50 items; stopped with status {status}"
    )


KINDS = 8  # the mixed reports' kinds, in turn


def mixed_clinic(folder: Path, count: int) -> Path:
    """Patients MX00001.. (LMP 2026-06-07), without a name except every kind-4 patient's."""
    db = folder / "clinic.sqlite3"
    named = '"Other, Person"'
    rows = [
        f"MX{n:05d},2026-06-07,{named if n % KINDS == 3 else ''}" for n in range(count + WARM_UP)
    ]
    patients = folder / "patients.csv"
    patients.write_text("mrn,lmp,name\n" + "\n".join(rows) + "\n")
    subprocess.run([*CLI, "db", "init", str(db)], check=True)
    subprocess.run([*CLI, "--db", str(db), "import", "patients", str(patients)], check=True)
    return db


def mixed_reports(first: int, count: int) -> list:
    """Report `n` is of kind n % KINDS (see the module's docstring), for patient MX<n>."""
    made: list = []
    for n in range(first, first + count):
        mrn, kind = f"MX{n:05d}", n % KINDS
        if kind == 0:
            made.append(fx.ob_report(fx.cl("31.2"), patient_id=mrn))
        elif kind == 1:
            made.append(fx.ob_report(fx.cl("31.2"), patient_id=mrn, route=None))
        elif kind == 2:
            made.append(fx.ob_report(fx.cl("31.2"), patient_id=f"Doe^Jane {n}"))
        elif kind == 3:
            made.append(fx.ob_report(fx.cl("31.2"), patient_id=mrn))  # her name: "Other"
        elif kind == 4:
            root = fx.IMAGING_MEASUREMENT_REPORT
            made.append(fx.report([fx.pelvis(fx.cl("30.0"))], patient_id=mrn, root=root))
        elif kind == 5:  # routine biometry: nothing that could be a cervix length
            biometry = fx.container(fx.FETAL_BIOMETRY, [fx.num(fx.UTERUS_LENGTH, "78")])
            made.append(fx.report([fx.beam(), fx.summary(), biometry], patient_id=mrn))
        else:
            filed = made[-kind] if len(made) >= kind else fx.ob_report(fx.cl("31.2"))
            uid, patient = str(filed.SOPInstanceUID), str(filed.PatientID)
            length = "31.2" if kind == 6 else "18.0"
            made.append(fx.ob_report(fx.cl(length), patient_id=patient, sop_uid=uid))
    for dataset in made:
        dataset.PatientName = ""  # no name: only kind 3's record has one to differ from
    for n, dataset in enumerate(made, start=first):
        if n % KINDS == 3:
            dataset.PatientName = fx.PATIENT_NAME
    return made


def kept(db: Path) -> str:
    """What the mixed run left in the database: scans, held reports by reason, receipts."""
    import re
    import sqlite3
    from collections import Counter

    with sqlite3.connect(db) as conn:
        scans = conn.execute("SELECT count(*) FROM scans").fetchone()[0]
        held = Counter(
            re.sub(r"scan \d+", "scan N", reason)
            for (reason,) in conn.execute("SELECT reason FROM inbox")
        )
        ignored = Counter(r for (r,) in conn.execute("SELECT reason FROM inbox_receipts"))
    conn.close()
    reasons = "; ".join(f"{reason!r} x{n}" for reason, n in sorted(held.items()))
    receipts = "; ".join(f"{reason!r} x{n}" for reason, n in sorted(ignored.items()))
    return f"{scans} scans; held: {reasons}; ignored: {receipts}"


def mixed_memory(folder: Path, count: int) -> None:
    from collections import Counter

    work = folder / "mixed"
    work.mkdir()
    db = mixed_clinic(work, count)
    listener = start(db, work)
    statuses: Counter[str] = Counter()
    try:
        at_start = listener.rss_kib()
        warm = send(listener.port, mixed_reports(count, WARM_UP))
        assert None not in warm, warm
        before = listener.rss_kib()
        datasets = mixed_reports(0, count)
        started = time.perf_counter()
        marks = []
        for start_at in range(0, count, BATCH):
            answered = send(listener.port, datasets[start_at : start_at + BATCH])
            assert None not in answered, answered
            statuses.update(f"{status:04X}" for status in answered if status is not None)
            if (start_at + BATCH) % (count // 4 or BATCH) == 0:
                marks.append(f"{start_at + BATCH}: {listener.rss_kib() / 1024:.1f}")
        seconds = time.perf_counter() - started
        after = listener.rss_kib()
    finally:
        status = listener.stop()
    answers = ", ".join(f"{code} x{n}" for code, n in sorted(statuses.items()))
    print(f"listen mixed: kept {kept(db)}")
    print(
        f"listen mixed: RSS {at_start / 1024:.1f} MiB at start, {before / 1024:.1f} MiB "
        f"after {WARM_UP} reports, {after / 1024:.1f} MiB after {count} more "
        f"({(after - before) / 1024:+.1f} MiB; MiB after n reports: {', '.join(marks)}); "
        f"answers {answers}; {count / seconds:.0f} reports/s; stopped with status {status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--only", choices=("import", "listen", "worklist", "mixed"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "import"):
            throughput(Path(folder), args.count)
        if args.only in (None, "listen"):
            memory(Path(folder), args.count)
        if args.only in (None, "worklist"):
            worklist_memory(Path(folder), args.count)
        if args.only in (None, "mixed"):
            mixed_memory(Path(folder), args.count)


if __name__ == "__main__":
    main()
