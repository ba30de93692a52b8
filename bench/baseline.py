"""`run.py --baseline REV`: the same commands at an earlier revision, in the same run.

REV's source is exported with `git archive` into bench/.cache/baseline-SHA/src (never in
the repository's tree, never committed) and installed there, editable, into its own venv.
The venv shares this venv's installed dependencies (a `.pth` naming our site-packages, and
`pip install --no-deps`), so both sides run the same library versions: what differs is
cervix-watch alone. Its clinics are built from the same CSVs by REV's own `db init` and
`import` (the schemas differ), once, into the same cache folder.

timing.measure then runs each of our commands and REV's alternately (before, after,
before, after...), so load that drifts during the run hits both; `table` prints them
side by side with the ratio and flags any figure more than 10% worse.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

import clinic
from timing import Side, Timing, byte_compile, cli, copy_db, new_db, run_once

WORSE = 1.10  # after / before above this is flagged (issue 20.5: no figure 10% worse)
EVENT_KINDS = ("scans", "exams", "treatments", "discussions")


def resolve(root: Path, rev: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", f"{rev}^{{commit}}"],  # noqa: S607
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"--baseline: {rev!r} is not a commit of {root}")
    return done.stdout.strip()


def install(root: Path, sha: str, home: Path) -> Path:
    """REV's console script in its own venv under `home` (made once)."""
    script = home / "venv" / "bin" / "cervix-watch"
    if script.exists():
        return script
    print(f"  installing {sha[:12]} into {home} ...", flush=True)
    for part in ("src", "venv"):  # its clinics, if any, are kept
        shutil.rmtree(home / part, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    archive = subprocess.Popen(
        ["git", "-C", str(root), "archive", sha], stdout=subprocess.PIPE  # noqa: S607
    )  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(home / "src")], stdin=archive.stdout, check=True)  # noqa: S607
    if archive.wait() != 0:
        raise SystemExit(f"git archive {sha} failed")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    python = home / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "bench_shared_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(home / "src")],
        check=True,
    )
    return script


def build_clinic(script: Path, files: clinic.ClinicFiles, folder: Path) -> tuple[Path, Path]:
    """The clinic's databases made by REV's own `import` (patients only; every kind)."""
    patients_db, full_db = folder / "patients.sqlite3", folder / "full.sqlite3"
    if patients_db.exists() and full_db.exists():
        return patients_db, full_db
    print(f"  building the {files.patients:,}-patient databases with the baseline ...", flush=True)
    scratch = folder / "build.sqlite3"
    new_db(scratch, script)
    base_cli = [str(script), *cli(scratch)[1:]]
    run_once([*base_cli, "import", "patients", str(files.csv("patients"))])
    copy_db(scratch, patients_db)
    for kind in EVENT_KINDS:
        run_once([*base_cli, "import", kind, str(files.csv(kind))])
    copy_db(scratch, full_db)
    scratch.unlink()
    return patients_db, full_db


def prepare(root: Path, rev: str, cache: Path, work: Path) -> tuple[str, Side]:
    """REV installed, and the side that maps our paths to its (clinics added by `add`)."""
    sha = resolve(root, rev)
    home = cache / f"baseline-{sha[:12]}"
    script = install(root, sha, home)
    byte_compile(script.with_name("python"), home / "src" / "src")
    return sha, Side(script, work, work / "before")


def add(side: Side, files: clinic.ClinicFiles, patients_db: Path, full_db: Path) -> None:
    home = side.cli.parent.parent.parent
    folder = home / f"clinic-{files.patients}-g{clinic.GENERATOR_VERSION}-s{clinic.SEED}"
    folder.mkdir(parents=True, exist_ok=True)
    side.paths[patients_db], side.paths[full_db] = build_clinic(side.cli, files, folder)


def ratio_cell(after: float, before: float) -> str:
    ratio = after / before
    return f"{ratio:.2f}x" + (" **worse**" if ratio > WORSE else "")


def table(rev: str, sha: str, by_size: dict[int, dict[str, Timing]]) -> list[str]:
    """Before (REV) and after (this tree), per compared command: wall, CPU, peak RSS."""
    compared = [(size, name, t) for size, found in by_size.items() for name, t in found.items()]
    rows = [(size, name, t, t.before) for size, name, t in compared if t.before is not None]
    if not rows:
        return []
    lines = [
        "",
        f"Before and after: `--baseline {rev}` ({sha[:12]}) against this tree, each command "
        "run alternately (before, after, before, after...) on clinics each side built with "
        f"its own `import` from the same CSVs; medians; a ratio above {WORSE:.2f}x is marked "
        "**worse**.",
        "",
        "| patients | command | runs | before s | after s | after/before | CPU before s | "
        "CPU after s | CPU after/before | RSS before MB | RSS after MB | RSS after/before |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, name, after, before in rows:
        lines.append(
            f"| {size:,} | `{name}` | {len(after.walls)} | {before.wall:.3f} | {after.wall:.3f} "
            f"| {ratio_cell(after.wall, before.wall)} | {before.cpu:.2f} | {after.cpu:.2f} "
            f"| {ratio_cell(after.cpu, before.cpu)} | {before.rss_mb:.0f} | {after.rss_mb:.0f} "
            f"| {ratio_cell(after.rss_mb, before.rss_mb)} |"
        )
    worse = list(flagged(t for _, _, t, _ in rows))
    lines += ["", f"More than 10% worse: {', '.join(worse) if worse else 'none'}."]
    return lines


def flagged(timings: Iterable[Timing]) -> Iterable[str]:
    """'label (wall 1.23x)' for each figure of each compared command more than 10% worse."""
    for t in timings:
        if t.before is None:
            continue
        pairs = (("wall", t.wall, t.before.wall), ("CPU", t.cpu, t.before.cpu),
                 ("RSS", t.rss_mb, t.before.rss_mb))  # fmt: skip
        worse = [f"{what} {a / b:.2f}x" for what, a, b in pairs if a / b > WORSE]
        if worse:
            yield f"{t.label.strip()} ({', '.join(worse)})"
