"""Progress bars (`console.progress`): on a terminal's stderr for long work, never into a pipe."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pexpect
import pytest
from tests.conftest import Cli, init_database

from cervix_watch.app.transfer import line_count
from cervix_watch.console import output, progress

# The CLI with every bar shown at once (no second's grace), so a small import stands for a
# long one and the test does not depend on how fast the machine is.
RUN_WITHOUT_GRACE = (
    "import sys\n"
    "from cervix_watch.console import progress\n"
    "progress.SHOW_AFTER_S = 0\n"
    "from cervix_watch.cli.app import main\n"
    "sys.argv = ['cervix-watch', *sys.argv[1:]]\n"
    "main()\n"
)
TIMEOUT_S = 180  # a loaded machine (two test runs on two cores) starts a child slowly


@pytest.fixture(autouse=True)
def _consoles_of_this_test() -> Iterator[None]:
    """The bar's console (`output.err`) is made in the test, on the stderr it patches: a CLI
    run earlier in this process (another test file's CliRunner) leaves its console made on
    a stream that is not a terminal, which would never show a bar."""
    output.set_width(None)
    yield
    output.set_width(None)


def _patients_csv(folder: Path, count: int, today: date) -> Path:
    """`count` patients, each due in 100 days from `today`."""
    edd = (today + timedelta(days=100)).isoformat()
    rows = "".join(f"P{n:05d},Patient {n},{edd}\n" for n in range(count))
    path = folder / "patients.csv"
    path.write_text("mrn,name,edd\n" + rows, encoding="utf-8")
    return path


def test_tracked_yields_every_item_and_counts_nothing_off_a_terminal() -> None:
    """Off a terminal (pytest captures stderr) `tracked` hands over every item unchanged."""
    assert list(progress.tracked(iter(["a", "b", "c"]), "Testing", 3)) == ["a", "b", "c"]


def test_a_total_given_as_a_function_is_not_called_off_a_terminal() -> None:
    """The total's function (a file's line count) is only worth calling when a bar may show."""

    def total() -> int:
        raise AssertionError("counted for nobody")

    with progress.bar("Testing", total) as advance:
        advance(1)


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, keeping what is written to it."""

    def isatty(self) -> bool:
        return True


def test_a_long_step_without_advances_still_shows_the_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Work that outlasts the grace inside one step (the write after the last line is
    checked) gets its bar from the timer, and the bar is erased afterwards."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.05)
    with progress.bar("Writing", 1):
        deadline = time.monotonic() + 30
        while "Writing" not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "Writing" in terminal.getvalue()
    assert "\x1b[2K" in terminal.getvalue()  # transient: the line is cleared at the end


def test_work_shorter_than_the_grace_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, work that ends within the grace never draws a bar."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 60)
    assert list(progress.tracked(range(3), "Quick", 3)) == [0, 1, 2]
    assert terminal.getvalue() == ""


@pytest.mark.parametrize(
    ("content", "lines"), [(b"", 0), (b"a\n", 1), (b"a\nb", 2), (b"a\nb\n", 2), (b"a\r\nb\r\n", 2)]
)
def test_line_count_counts_a_last_line_without_newline(
    tmp_path: Path, content: bytes, lines: int
) -> None:
    """A CSV's progress total counts its lines, the last one with or without a newline."""
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    assert line_count(path) == lines


def test_import_through_cli_runner_writes_nothing_to_stderr(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import whose stderr is not a terminal prints its result and no bar, even with no
    second's grace."""
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0)
    result = cli("import", "patients", str(_patients_csv(tmp_path, 50, date.today())))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Imported 50 patients" in result.stdout


@pytest.mark.system_clock
def test_import_into_a_pipe_writes_nothing_to_stderr(tmp_path: Path, system_today: date) -> None:
    """A subprocess whose stderr is a pipe gets no bar, not a byte, for a large import."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    csv_file = _patients_csv(tmp_path, 2000, system_today)
    args = ["--db", db, "import", "patients", str(csv_file)]
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_OPERATOR": "it"}
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_GRACE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Imported 2000 patients" in done.stdout


def at_terminal(tmp_path: Path, *args: str) -> pexpect.spawn:
    """`cervix-watch ARGS...` (no second's grace) with stdout and stderr a pseudo-terminal."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NO_COLOR": "1",
        "CERVIX_WATCH_OPERATOR": "it",
        "HOME": str(tmp_path),
    }
    env |= {k: os.environ[k] for k in ("LD_PRELOAD", "FAKETIME", "TZ") if k in os.environ}
    return pexpect.spawn(
        sys.executable,
        ["-c", RUN_WITHOUT_GRACE, *args],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        dimensions=(40, 100),
    )


def finished(child: pexpect.spawn) -> int | None:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.mark.slow
@pytest.mark.system_clock
def test_import_at_a_terminal_shows_a_bar(tmp_path: Path, system_today: date) -> None:
    """At a pseudo-terminal an import draws a bar on stderr (label, lines checked of the
    file's) and the result line follows."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    csv_file = _patients_csv(tmp_path, 200, system_today)
    child = at_terminal(tmp_path, "--db", db, "import", "patients", str(csv_file))
    child.expect_exact("Importing patients")
    child.expect_exact("201/201")
    child.expect_exact("Imported 200 patients")
    assert finished(child) == 0


@pytest.mark.slow
@pytest.mark.system_clock
@pytest.mark.parametrize("target", ["--out", "--ndjson"])
def test_export_fhir_at_a_terminal_shows_a_bar(
    tmp_path: Path, system_today: date, target: str
) -> None:
    """At a pseudo-terminal `export fhir` (Bundle or Bulk Data) draws a bar counting
    patients, then says what it wrote."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    imported = at_terminal(
        tmp_path, "--db", db, "import", "patients", str(_patients_csv(tmp_path, 30, system_today))
    )
    assert finished(imported) == 0
    out = tmp_path / ("bundle.json" if target == "--out" else "bulk")
    child = at_terminal(tmp_path, "--db", db, "export", "fhir", target, str(out))
    child.expect_exact("Exporting FHIR")
    child.expect_exact("30/30")
    child.expect_exact("of 30 patients")
    assert finished(child) == 0


@pytest.mark.slow
@pytest.mark.system_clock
def test_review_at_a_terminal_shows_a_bar(tmp_path: Path, system_today: date) -> None:
    """At a pseudo-terminal the review draws a bar counting the patients it reviews, then
    writes the review (into a file: no pager can wait for a key)."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    imported = at_terminal(
        tmp_path, "--db", db, "import", "patients", str(_patients_csv(tmp_path, 30, system_today))
    )
    assert finished(imported) == 0
    out = tmp_path / "review.json"
    child = at_terminal(tmp_path, "--db", db, "review", "--format", "json", "--out", str(out))
    child.expect_exact("Reviewing patients")
    child.expect_exact("30/30")
    assert finished(child) == 0
    assert out.is_file()


@pytest.mark.system_clock
def test_patient_list_at_a_terminal_shows_a_bar(tmp_path: Path, system_today: date) -> None:
    """`patient list` reviews every patient to give her risk and state: at a terminal that
    work is counted on a bar, as the review's is (issue 21.5)."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    imported = at_terminal(
        tmp_path, "--db", db, "import", "patients", str(_patients_csv(tmp_path, 30, system_today))
    )
    assert finished(imported) == 0
    child = at_terminal(tmp_path, "--no-pager", "--db", db, "patient", "list", "--format", "json")
    child.expect_exact("Reviewing patients")
    child.expect_exact("30/30")
    child.expect_exact('"as_of"')
    assert finished(child) == 0


@pytest.mark.system_clock
def test_scan_list_at_a_terminal_shows_a_bar(tmp_path: Path, system_today: date) -> None:
    """`scan list` reads every scan of the clinic: at a terminal a bar shows meanwhile."""
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    imported = at_terminal(
        tmp_path, "--db", db, "import", "patients", str(_patients_csv(tmp_path, 1, system_today))
    )
    assert finished(imported) == 0
    scan_day = (system_today - timedelta(days=1)).isoformat()
    added = at_terminal(
        tmp_path, "--db", db, "scan", "add", "P00000", "--date", scan_day, "--cl", "27"
    )
    assert finished(added) == 0
    child = at_terminal(tmp_path, "--no-pager", "--db", db, "scan", "list", "--format", "json")
    child.expect_exact("Reading scans")
    child.expect_exact('"as_of"')
    assert finished(child) == 0
