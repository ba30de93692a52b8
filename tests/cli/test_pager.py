"""The pager at a real pseudo-terminal (pexpect), as git has one: tall output goes through
$PAGER, output that fits the screen, `--no-pager` and a pipe never do; a pager quit early
ends the command quietly with 0."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from tests.conftest import CONSOLE_SCRIPT, default_ctrl_c

from cervix_watch.console import output, pager

pytestmark = [pytest.mark.slow, pytest.mark.system_clock]

# A pager that says it ran, then shows what it is given: deterministic, unlike less.
MARKER = "PAGER-STARTED"
MARKING_PAGER = f"sh -c 'echo {MARKER}; cat'"
TIMEOUT_S = 180


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo clinic (41 patients) in a database file of its own."""
    db = tmp_path_factory.mktemp("pager") / "demo.sqlite3"
    loaded = subprocess.run(
        [str(CONSOLE_SCRIPT), "--db", str(db), "demo"],
        capture_output=True,
        text=True,
        env=_env(db, rows=40, pager=MARKING_PAGER),
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    return db


def _env(db: Path, rows: int, pager: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NO_COLOR": "1",
        "COLUMNS": "80",
        "LINES": str(rows),
        "HOME": str(db.parent),
        "XDG_CONFIG_HOME": str(db.parent / "no-config"),
    }
    if pager is not None:
        env["PAGER"] = pager
    return env


def _at_terminal(
    db: Path, *args: str, rows: int, pager: str | None, interrupt_after: str | None = None
) -> tuple[str, int]:
    """What `cervix-watch --db DB ARGS` shows at a terminal `rows` lines tall, and its status
    (with Ctrl-C typed once `interrupt_after` is shown)."""
    child = pexpect.spawn(
        str(CONSOLE_SCRIPT),
        ["--db", str(db), *args],
        env=_env(db, rows, pager),
        encoding="utf-8",
        timeout=TIMEOUT_S,
        dimensions=(rows, 80),
        preexec_fn=default_ctrl_c,
    )
    if interrupt_after is not None:
        child.expect_exact(interrupt_after)
        child.sendintr()
    shown = child.read()
    child.close()
    assert child.exitstatus is not None, f"ended by signal {child.signalstatus}"
    return shown, child.exitstatus


@pytest.mark.parametrize("args", [("patient", "list"), ("review", "--as-of", "2026-11-23")])
def test_tall_output_at_a_terminal_goes_through_the_pager(demo_db: Path, args: tuple[str]) -> None:
    """A listing taller than the screen is handed to $PAGER, whole, and the command exits 0."""
    shown, status = _at_terminal(demo_db, *args, rows=10, pager=MARKING_PAGER)
    assert status == 0, shown
    assert shown.startswith(MARKER), shown[:200]
    assert "D041" in shown or "Weekly review" in shown


def test_output_that_fits_the_screen_is_not_paged(demo_db: Path) -> None:
    """The same listing on a screen taller than it is written straight to the terminal."""
    shown, status = _at_terminal(demo_db, "patient", "list", rows=200, pager=MARKING_PAGER)
    assert status == 0, shown
    assert MARKER not in shown
    assert "D041" in shown


def test_no_pager_option_writes_to_the_terminal(demo_db: Path) -> None:
    """`--no-pager` (a root option, as git's) keeps tall output out of the pager."""
    shown, status = _at_terminal(
        demo_db, "--no-pager", "patient", "list", rows=10, pager=MARKING_PAGER
    )
    assert status == 0, shown
    assert MARKER not in shown
    assert "D041" in shown


@pytest.mark.parametrize("pager", ["", "cat"])
def test_empty_or_cat_pager_means_none(demo_db: Path, pager: str) -> None:
    """PAGER='' or PAGER=cat says "no pager", as it does to git."""
    shown, status = _at_terminal(demo_db, "patient", "list", rows=10, pager=pager)
    assert status == 0, shown
    assert "D041" in shown


def test_piped_output_is_never_paged(demo_db: Path) -> None:
    """Tall output to a pipe is written to the pipe, never through the pager."""
    piped = subprocess.run(
        [str(CONSOLE_SCRIPT), "--db", str(demo_db), "patient", "list"],
        capture_output=True,
        text=True,
        env=_env(demo_db, rows=10, pager=MARKING_PAGER),
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert MARKER not in piped.stdout
    assert "D041" in piped.stdout


@pytest.mark.parametrize("args", [("patient", "list"), ("review", "--as-of", "2026-11-23")])
def test_a_pager_quit_early_ends_quietly_with_0(demo_db: Path, args: tuple[str]) -> None:
    """A reader who quits the pager after one line (`q`) ends the command with 0 and says
    nothing: no traceback, no error line."""
    shown, status = _at_terminal(demo_db, *args, rows=10, pager="head -n 1")
    assert status == 0, shown
    assert "Traceback" not in shown
    assert "error" not in shown
    assert len(shown.splitlines()) == 1, shown


def test_a_pager_that_cannot_start_is_no_pager(demo_db: Path) -> None:
    """A $PAGER that is not installed: the listing is written to the terminal instead."""
    shown, status = _at_terminal(
        demo_db, "patient", "list", rows=10, pager="no-such-pager-anywhere -x"
    )
    assert status == 0, shown
    assert "D041" in shown


def test_a_pager_gone_while_output_is_written_stops_it_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Output far larger than a pipe holds, to a pager that reads none of it: the writing
    stops without an exception and the console writes nothing more."""
    monkeypatch.setenv("PAGER", "true")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    output.set_width(None)  # this invocation's consoles, made for this stdout
    console = output.out
    with pager.paging(console):
        for number in range(20_000):
            console.print(f"line {number} " + "x" * 70)
    assert console.quiet
    output.set_width(None)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [(None, ["less", "-FRX"]), ("most -s", ["most", "-s"]), ("", None), ("cat", None)],
)
def test_pager_command(
    monkeypatch: pytest.MonkeyPatch, configured: str | None, expected: list[str] | None
) -> None:
    """$PAGER as a shell splits it; unset means `less -FRX`; empty or `cat` mean none."""
    if configured is None:
        monkeypatch.delenv("PAGER", raising=False)
    else:
        monkeypatch.setenv("PAGER", configured)
    assert pager.command() == expected


def test_docs_share_the_pager_and_its_no_pager_option(demo_db: Path) -> None:
    """`docs TOPIC` goes through the same pager, and `--no-pager` keeps it out of it too."""
    paged, status = _at_terminal(demo_db, "docs", "scanner", rows=10, pager=MARKING_PAGER)
    assert status == 0, paged
    assert paged.startswith(MARKER), paged[:200]
    plain, status = _at_terminal(
        demo_db, "--no-pager", "docs", "scanner", rows=10, pager=MARKING_PAGER
    )
    assert status == 0, plain
    assert MARKER not in plain
    assert "DICOM" in plain


def test_ctrl_c_in_the_pager_is_the_pagers(demo_db: Path) -> None:
    """Ctrl-C typed while the pager shows the output does not end the command under it: the
    command waits for the pager to finish and exits 0, saying nothing."""
    waiting = "sh -c 'trap \"\" INT; cat >/dev/null; echo PAGER-WAITING; sleep 1; echo PAGER-DONE'"
    shown, status = _at_terminal(
        demo_db, "patient", "list", rows=10, pager=waiting, interrupt_after="PAGER-WAITING"
    )
    assert "PAGER-DONE" in shown
    assert "interrupted" not in shown
    assert status == 0, shown
