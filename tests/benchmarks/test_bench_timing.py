"""bench/timing.py: the baseline side's command lines and paths, and alternate runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import timing


def test_the_baseline_side_maps_our_console_script_clinics_and_scratch_files(
    tmp_path: Path,
) -> None:
    """Our console script, our clinic databases and anything in the run's work folder
    become the baseline's; inputs (CSVs, SR files) and other words stay."""
    work, cache = tmp_path / "work", tmp_path / "cache"
    side = timing.Side(
        cli=tmp_path / "base" / "cervix-watch",
        ours=work,
        work=work / "before",
        paths={cache / "full.sqlite3": tmp_path / "base" / "full.sqlite3"},
    )
    ours = [*timing.cli(cache / "full.sqlite3", "review", "--out", str(work / "r.json"))]
    ours += [str(cache / "scans.csv"), str(work)]
    assert side.argv(ours) == [
        str(tmp_path / "base" / "cervix-watch"), "--db", str(tmp_path / "base" / "full.sqlite3"),
        "review", "--out", str(work / "before" / "r.json"), str(cache / "scans.csv"), str(work),
    ]  # fmt: skip
    assert side.path(work / "before" / "x") == work / "before" / "x"


def _logging_script(path: Path, log: Path, side: str) -> Path:
    """A stand-in console script: logs its side and the first line of its --db file."""
    path.write_text(f'#!/bin/sh\necho "{side} $(head -n 1 "$2")" >> {log}\n')
    path.chmod(0o755)
    return path


def test_a_compared_command_runs_before_and_after_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a side to compare, runs alternate (before, after, before, after), each side on
    a fresh copy of its own clinic; a floor (not our console script) is not compared."""
    log, work = tmp_path / "log", tmp_path / "work"
    ours = _logging_script(tmp_path / "ours", log, "after")
    monkeypatch.setattr(timing, "CLI", ours)
    clinic, base_clinic = tmp_path / "clinic", tmp_path / "base-clinic"
    clinic.write_text("our clinic\n")
    base_clinic.write_text("their clinic\n")
    side = timing.Side(_logging_script(tmp_path / "base", log, "before"), work, work / "before")
    side.paths[clinic] = base_clinic
    fresh = timing.Fresh(to=work / "db", copy_from=clinic)
    timing.compare_with(side)
    try:
        both = timing.measure("both", timing.cli(work / "db"), 2, fresh=fresh)
        floor = timing.measure("floor", ["true"], 1)
    finally:
        timing.compare_with(None)
    assert log.read_text().splitlines() == [
        "before their clinic", "after our clinic", "before their clinic", "after our clinic"
    ]  # fmt: skip
    assert both.before is not None
    assert (len(both.walls), len(both.before.walls)) == (2, 2)
    assert floor.before is None
