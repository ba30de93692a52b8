"""Timing whole processes: medians of runs of one command, and the same command of a
baseline revision run alternately with it (`run.py --baseline REV`).

Every child is started by the spawner (spawn.py), so its peak RSS is its own. A command
that is compared runs before, after, before, after...: load that drifts during the run
hits both sides alike.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import spawn

BIN = Path(sys.executable).parent
CLI = BIN / "cervix-watch"
PYTHON = BIN / "python"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A normal install has byte-compiled modules; don't time compiling our sources each run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("CERVIX_WATCH_DB", None)
    env.update(CERVIX_WATCH_OPERATOR="bench", NO_COLOR="1", COLUMNS="120")
    return env


ENV = _env()


def byte_compile(python: Path, tree: Path) -> None:
    """Every module of `tree` byte-compiled by `python`, untimed, as an installed wheel's are.

    Warming up by running one command is not enough: the modules it does not import would be
    compiled inside the first timed run of a command that does (a few tenths of a second of
    CPU, which the median of two runs keeps)."""
    subprocess.run(
        [str(python), "-m", "compileall", "-q", str(tree)],
        env=ENV, stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip


@dataclass
class Timing:
    """Medians of several whole-process runs of one command (and of its baseline's)."""

    label: str
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + system CPU seconds of each run
    before: Timing | None = None  # the baseline revision's runs of the same command

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def rss_mb(self) -> float:
        return statistics.median(self.rss_kb) / 1024

    def add(self, run: spawn.Run) -> None:
        self.walls.append(run.wall)
        self.rss_kb.append(run.rss_kb)
        self.cpus.append(run.cpu)


@dataclass(frozen=True)
class Fresh:
    """What each run starts from: a copy of a database at `to`, or a new empty one there
    (`copy_from` None), and/or a folder removed first."""

    to: Path | None = None
    copy_from: Path | None = None
    remove: Path | None = None


@dataclass
class Side:
    """The baseline revision: its console script, its clinics' databases in place of ours
    (`paths`), and its own scratch folder `work` in place of the run's work folder `ours`."""

    cli: Path
    ours: Path
    work: Path
    paths: dict[Path, Path] = field(default_factory=dict)

    def path(self, mine: Path) -> Path:
        if mine in self.paths:
            return self.paths[mine]
        if mine.is_relative_to(self.ours) and not mine.is_relative_to(self.work):
            return self.work / mine.relative_to(self.ours)
        return mine

    def argv(self, mine: list[str]) -> list[str]:
        """Our command line with the baseline's console script and paths in place of ours."""
        mapped = {str(CLI): str(self.cli)} | {str(k): str(v) for k, v in self.paths.items()}
        return [
            mapped.get(word)
            or (str(self.path(Path(word))) if word.startswith(f"{self.ours}{os.sep}") else word)
            for word in mine
        ]


MIN_PAIRS = 2  # a compared command runs at least before, after, before, after

# The baseline side while the sizes it was built for are timed (None: nothing compared).
_COMPARE: list[Side | None] = [None]


def compare_with(side: Side | None) -> None:
    _COMPARE[0] = side


def cli(db: Path | str, *args: str) -> list[str]:
    return [str(CLI), "--db", str(db), *args]


def run_once(
    argv: list[str], stdout: Path | None = None, env: dict[str, str] | None = None
) -> spawn.Run:
    """Run a child to completion through the spawner. Fails loudly."""
    if not _SPAWNER:
        _SPAWNER.append(spawn.Spawner())
    done = _SPAWNER[0].run(argv, env or ENV, stdout)
    CHILD_CPU[0] += done.cpu
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    return done


_SPAWNER: list[spawn.Spawner] = []
# CPU seconds of every child run so far, builds included: what the bench costs an idle
# machine, whatever the load (docs/performance.md, "How long make bench takes")
CHILD_CPU = [0.0]


def stop_spawner() -> None:
    """After an interrupt: the command being timed is ended with the spawner."""
    while _SPAWNER:
        _SPAWNER.pop().stop()


def copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    # Flushed to disk here, untimed: otherwise the timed command's first checkpoint (an
    # fsync at its connection's close) writes the whole fresh copy out, 0.3 s of a 1 s
    # `scan add` into the history clinic, which a database long on disk never costs.
    with Path(target).open("rb+") as handle:
        os.fsync(handle.fileno())


def new_db(path: Path, console: Path = CLI) -> None:
    """A new empty database at `path` (`db init`: commands no longer create a missing one)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    run_once([str(console), "db", "init", str(path)])


def _prepare(fresh: Fresh | None, side: Side | None) -> None:
    if fresh is None:
        return
    where = side.path if side else (lambda p: p)
    if fresh.remove is not None:
        shutil.rmtree(where(fresh.remove), ignore_errors=True)
    if fresh.to is not None and fresh.copy_from is not None:
        copy_db(where(fresh.copy_from), where(fresh.to))
    elif fresh.to is not None:
        new_db(where(fresh.to), side.cli if side else CLI)


Reader = Callable[[spawn.Run, Path], spawn.Run]


def measure(
    label: str,
    argv: list[str],
    runs: int,
    fresh: Fresh | None = None,
    stdout: Path | None = None,
    env: dict[str, str] | None = None,
    read: Reader | None = None,
    compare: bool = True,
) -> Timing:
    """Median of `runs` runs; alternately with the baseline's when one is compared, the
    command is ours (floors are not) and `compare` is left true. `read` turns a driver's
    run and its stdout file into the figure (the interactive round trip)."""
    side = _COMPARE[0] if compare and str(CLI) in argv else None
    timing = Timing(label, before=Timing(label) if side else None)
    for _ in range(max(runs, MIN_PAIRS) if side else runs):
        if side is not None and timing.before is not None:
            _prepare(fresh, side)
            out = side.path(stdout) if stdout else None
            done = run_once(side.argv(argv), out, env)
            timing.before.add(read(done, out) if read and out else done)
        _prepare(fresh, None)
        done = run_once(argv, stdout, env)
        timing.add(read(done, stdout) if read and stdout else done)
    print(f"  {label:<44} {_figures(timing)}", flush=True)
    if timing.before is not None:
        print(f"  {'  before:':<44} {_figures(timing.before)}", flush=True)
    return timing


def _figures(t: Timing) -> str:
    runs = ", ".join(f"{w:.2f}" for w in t.walls)
    return f"{t.wall:7.3f} s {t.cpu:7.3f} s CPU {t.rss_mb:6.0f} MB  (runs: {runs})"


def driver_figure(done: spawn.Run, stdout: Path) -> spawn.Run:
    """The figure a driver printed as one JSON line (bench/interactive.py)."""
    figure = json.loads(stdout.read_text())
    return spawn.Run(figure["round_trip"], figure["rss_kb"], figure["cpu"], 0, done.stderr)
