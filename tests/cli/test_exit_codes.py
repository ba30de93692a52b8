"""Exit statuses the user guide documents for review and demo (issue 21.6): `--format html`
without `--out` is one line and exit 1; a demo whose reader goes away ends with 141."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Cli

CONSOLE_SCRIPT = Path(sys.executable).with_name("cervix-watch")


def test_review_html_without_out_is_one_line_and_exit_1(cli: Cli) -> None:
    """The guide's "exit status 1, one line": no usage block, nothing on stdout."""
    result = cli("review", "--format", "html")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: out: --format html writes a file: give --out FILE\n"


def test_demo_whose_reader_went_away_exits_141(tmp_path: Path) -> None:
    """`demo --html F 2>&1 | head -3`: the last note meets a closed pipe; exit 141 (it was
    1), nothing on the way out, and the report written in full.

    Deterministic: stdout is a one-page pipe not read until stderr is closed, so the demo
    is still printing its review when its reader goes away.
    """
    page = tmp_path / "demo.html"
    review_r, review_w = os.pipe()
    fcntl.fcntl(review_w, fcntl.F_SETPIPE_SZ, 4096)
    with subprocess.Popen(
        [str(CONSOLE_SCRIPT), "demo", "--html", str(page)],
        stdout=review_w,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    ) as demo:
        os.close(review_w)
        assert demo.stderr is not None
        assert demo.stderr.readline().startswith(b"Demo clinic loaded")
        demo.stderr.close()
        with os.fdopen(review_r, "rb") as review:
            assert review.read().startswith(b"Weekly review as of")
        status = demo.wait(timeout=120)
    assert status == 141
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
