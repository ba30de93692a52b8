"""bench/report.py: figures held against their targets, and a stopped run said so."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from measure import Results
from timing import Timing

import report

BENCH = Path(__file__).resolve().parents[2] / "bench"
FACTS = {"date": "2026-12-01 09:00 UTC", "nproc": "2", "cpu": "test", "python": "3.11",
         "os": "Linux", "load": "0.0"}  # fmt: skip


def _export(fhir_wall: float, fhir_rss_mb: int) -> dict[str, Timing]:
    """`export fhir --ndjson` beside `export scans` (1 s, 50 MB) at one clinic size."""
    fhir = Timing("fhir", walls=[fhir_wall], rss_kb=[fhir_rss_mb * 1024], cpus=[fhir_wall])
    scans = Timing("scans", walls=[1.0], rss_kb=[50 * 1024], cpus=[1.0])
    return {"export fhir --ndjson": fhir, "export scans": scans}


@pytest.mark.parametrize(("wall", "result"), [(3.0, "met"), (3.1, "**missed**")])
def test_the_ndjson_export_within_3x_of_export_scans(wall: float, result: str) -> None:
    """3.0 s against `export scans`' 1.0 s meets the 3x target; 3.1 s misses it."""
    results = Results(by_size={1000: _export(wall, 100)})
    line = report.export_targets(results)[0]
    assert f"= {wall:.2f}x" in line
    assert line.endswith(f"| {result} |")


@pytest.mark.parametrize(("rss_mb", "result"), [(299, "met"), (300, "**missed**")])
def test_the_ndjson_export_peak_rss_under_300_mb(rss_mb: int, result: str) -> None:
    """A peak of 299 MB is under the 300 MB target; 300 MB is not."""
    results = Results(by_size={1000: _export(1.0, rss_mb)})
    assert report.export_targets(results)[1].endswith(f"| {result} |")


@pytest.mark.parametrize(("rss_mb", "result"), [(120, "met"), (121, "**missed**")])
def test_the_ndjson_export_rss_grows_at_most_1_2x(rss_mb: int, result: str) -> None:
    """From 100 MB at 1,000 patients, 120 MB at 10,000 is within 1.2x; 121 MB is not."""
    results = Results(by_size={1000: _export(1.0, 100), 10000: _export(1.0, rss_mb)})
    assert report.export_targets(results)[2].endswith(f"| {result} |")


def test_a_stopped_run_names_the_stage_it_stopped_in() -> None:
    """The report of a run stopped during the floors says so under its first line; a run
    that finished says nothing of the kind."""
    stopped = report.report(Results(interrupted="floors and --help"), FACTS, "make bench")
    assert stopped.splitlines()[1].startswith(
        '**Stopped (Ctrl-C or SIGTERM) during "floors and --help"**'
    )
    assert "Stopped" not in report.report(Results(), FACTS, "make bench")


@pytest.mark.parametrize(("script", "other"), [("focus.py", "run"), ("run.py", "focus")])
def test_focus_and_run_are_separate_scripts(script: str, other: str) -> None:
    """bench/focus.py does not import bench/run.py, nor run.py focus.py: each is a script
    over measure.py and timing.py."""
    tree = ast.parse((BENCH / script).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}  # fmt: skip
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert other not in imported
