"""The user guide's captures equal what the program prints (tests/guide_captures.py;
`make docs` rewrites them), so the guide's demo cannot go stale again (issue 21.7)."""

from __future__ import annotations

from pathlib import Path

from tests.guide_captures import CAPTURE, GUIDE, demo_runner, parts, regenerated, rewrite


def test_every_capture_in_the_user_guide_is_current(tmp_path: Path) -> None:
    """Each `<!-- capture: ... -->` block is the command's output now (run `make docs`)."""
    text = GUIDE.read_text(encoding="utf-8")
    assert CAPTURE.search(text), "the guide has no capture left to check"
    assert rewrite(text, demo_runner(tmp_path)) == text, "stale capture: run `make docs`"


def test_a_capture_keeps_its_parts_and_finds_changed_counts() -> None:
    """A part starts at its first line even when a count in it changed, and keeps its length;
    the `...` between parts (and at the end) stays."""
    output = "Title\nINFO (8 patients)\nrow 1\nrow 2\nrow 3\n"
    body = "Title\n...\nINFO (7 patients)\nrow 1\n...\n"
    assert parts(body) == [["Title"], ["INFO (7 patients)", "row 1"]]
    assert regenerated(body, output) == "Title\n...\nINFO (8 patients)\nrow 1\n...\n"
