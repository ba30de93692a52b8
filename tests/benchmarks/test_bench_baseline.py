"""bench/baseline.py: the before/after table flags a figure more than 10% worse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import baseline
from timing import Timing


def _compared(label: str, after: float, before: float) -> Timing:
    """A command whose wall, CPU and RSS are `after` and its baseline's `before`."""
    timing = Timing(label, walls=[after], rss_kb=[int(after * 1024)], cpus=[after])
    timing.before = Timing(label, walls=[before], rss_kb=[int(before * 1024)], cpus=[before])
    return timing


@pytest.mark.parametrize(("after", "flagged"), [(11.0, False), (11.1, True)])
def test_a_figure_more_than_10_percent_worse_is_flagged(after: float, flagged: bool) -> None:
    """11.0 against 10.0 (1.10x) is not flagged; 11.1 (1.11x) is, in wall, CPU and RSS."""
    timing = _compared("review", after, 10.0)
    expected = [f"review (wall {after / 10:.2f}x, CPU {after / 10:.2f}x, RSS 1.11x)"]
    assert list(baseline.flagged([timing])) == (expected if flagged else [])
    assert ("**worse**" in baseline.ratio_cell(after, 10.0)) is flagged


def test_the_table_lists_compared_commands_only_and_names_the_worse() -> None:
    """A command without a baseline run is left out; the last line names the worse ones."""
    by_size = {1000: {"review": _compared("review", 5.0, 10.0),
                      "scan add": _compared("scan add", 2.0, 1.0),
                      "floor": Timing("floor", walls=[1.0], rss_kb=[1], cpus=[1.0])}}  # fmt: skip
    lines = baseline.table("437b9db", "437b9db58f7f00", by_size)
    assert [line.split(" | ")[1] for line in lines if line.startswith("| 1,000")] == [
        "`review`", "`scan add`"
    ]  # fmt: skip
    assert "| 0.50x |" in lines[-4]
    assert lines[-1] == "More than 10% worse: scan add (wall 2.00x, CPU 2.00x, RSS 2.00x)."
