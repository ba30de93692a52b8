"""Interactive `scan add` at a real pseudo-terminal (pexpect): the contract's order, each
answer checked where it is typed, a typo never loses the entry, Ctrl-C writes nothing."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pexpect
import pytest
from tests.conftest import Cli, default_ctrl_c

pytestmark = [pytest.mark.slow, pytest.mark.system_clock]

TODAY = date.today()
# GA today 26+0 whatever day the test runs; the scan is dated yesterday (25+6).
EDD = TODAY + timedelta(days=280 - 26 * 7)
SCAN_DAY = TODAY - timedelta(days=1)
# How long one expect may wait. A passing test never waits it out; it is long because on a
# loaded machine (two `make test` runs on two cores) the child's start-up alone takes seconds.
TIMEOUT_S = 180


@pytest.fixture
def d003_db(cli: Cli, db_path: Path) -> Path:
    """The database file: D003 (Ann Smith) registered at GA 26+0 today, with one earlier scan
    of 26.0 mm."""
    added = cli("patient", "add", "D003", "--edd", EDD.isoformat(), "--name", "Ann Smith")
    assert added.exit_code == 0, added.output
    earlier = (TODAY - timedelta(days=8)).isoformat()
    assert cli("scan", "add", "D003", "--date", earlier, "--cl", "26").exit_code == 0
    return db_path


def _spawn(db: Path, *args: str) -> pexpect.spawn:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NO_COLOR": "1",
        "COLUMNS": "80",
        "LINES": "40",
        "CERVIX_WATCH_OPERATOR": "sono1",
        "HOME": str(db.parent),
    }
    # the child keeps this process's clock (a run under faketime moves both, or neither)
    env |= {k: os.environ[k] for k in ("LD_PRELOAD", "FAKETIME", "TZ") if k in os.environ}
    return pexpect.spawn(
        sys.executable,
        ["-m", "cervix_watch", "--db", str(db), "scan", "add", *args],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        dimensions=(40, 80),
        preexec_fn=default_ctrl_c,
    )


def _at_prompt(child: pexpect.spawn, label: str) -> None:
    """Wait until the prompt starting `label` is written in full (click ends each with ": ",
    the space written by the read itself)."""
    child.expect_exact(label)
    child.expect_exact(": ")


def _reading(child: pexpect.spawn) -> None:
    """Wait, after its prompt, until the child sleeps in its read of the terminal. A Ctrl-C
    that lands between the prompt's write and the read (a loaded machine can pause the child
    there) is only noticed when the read returns, and no answer is coming."""
    stat = Path(f"/proc/{child.pid}/stat")
    if not stat.exists():  # no /proc (not Linux): the prompt is all there is to wait for
        return
    deadline = time.monotonic() + TIMEOUT_S
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":  # the state after "(comm)"
        assert time.monotonic() < deadline, "the child never waited for input"
        time.sleep(0.01)


def _scans(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select date, cl1_mm, cl2_mm, cl3_mm, route, funneling, funnel_shape, sludge, "
            "symptoms, operator, notes from scans order by scan_id"
        ).fetchall()


def test_one_full_entry_with_typos_and_a_wrong_mrn_saves_one_correct_scan(
    d003_db: Path,
) -> None:
    """A wrong MRN and three typos are each refused where typed and asked again; the patient
    is confirmed, a summary shown, and exactly one correct scan is saved."""
    child = _spawn(d003_db)
    seen = io.StringIO()
    child.logfile_read = seen
    child.expect_exact("MRN: ")
    child.sendline("D0O3")  # wrong MRN: refused at once, with the close match
    child.expect_exact("error: mrn: no patient 'D0O3' (did you mean D003?)")
    child.expect_exact("MRN: ")
    child.sendline("D003")
    child.expect_exact("Patient D003: Ann Smith")
    child.expect_exact("GA today 26+0")
    child.expect_exact("Latest CL 26.0 mm")
    child.expect_exact("Open points:")
    child.expect_exact("Is this the right patient? [Y/n]: ")
    child.sendline("y")
    child.expect_exact("Scan date")
    child.sendline(SCAN_DAY.strftime("%d/%m/%Y"))  # typo 1: not ISO
    child.expect_exact("is not a date (use YYYY-MM-DD)")
    child.expect_exact("Scan date")
    child.sendline(SCAN_DAY.isoformat())
    child.expect_exact("Measurement standard (CLEAR/FMF)")
    child.expect_exact("CL measurement 1 (mm): ")
    child.sendline("2l.5")  # typo 2: a letter l for a one
    child.expect_exact("error: cl_mm: '2l.5' is not a number")
    child.expect_exact("CL measurement 1 (mm): ")
    child.sendline("21.5")
    child.expect_exact("CL measurement 2 (mm), blank to finish: ")
    child.sendline("22")
    child.expect_exact("CL measurement 3 (mm), blank to finish: ")
    child.sendline("22.5")
    child.expect_exact("Route (tv/ta/tp) [tv]: ")
    child.sendline("")
    child.expect_exact("Funneling? [y/N]: ")
    child.sendline("y")
    child.expect_exact("Funnel length mm")
    child.sendline("5")
    child.expect_exact("Funnel width mm")
    child.sendline("")
    child.expect_exact("Funnel shape (T/Y/V/U)")
    child.sendline("x")  # typo 3: not a funnel shape
    child.expect_exact("error: funnel_shape:")
    child.expect_exact("Funnel shape (T/Y/V/U)")
    child.sendline("V")
    child.expect_exact("Sludge? [y/N]: ")
    child.sendline("n")
    child.expect_exact("Symptoms reported, blank for none")
    child.sendline("cramps, backache")
    child.expect_exact("Operator [sono1]: ")
    child.sendline("")
    child.expect_exact("Note, blank for none: ")
    child.sendline("follow-up")
    child.expect_exact("Summary:")
    child.expect_exact("CL mm        21.5, 22.0, 22.5 (recorded 21.5)")
    child.expect_exact("Symptoms     backache, cramps")
    child.expect_exact("Save this scan? [Y/n]: ")
    assert _scans(d003_db)[1:] == []  # nothing written before the summary is confirmed
    child.sendline("y")
    child.expect_exact("Scan 2 saved for D003: GA 25+6, recorded CL 21.5 mm")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert seen.getvalue().count("Measurement standard") == 1  # once, not per measurement
    assert _scans(d003_db)[1:] == [
        (
            SCAN_DAY.isoformat(),
            21.5,
            22.0,
            22.5,
            "tv",
            1,
            "V",
            0,
            "backache;cramps",
            "sono1",
            "follow-up",
        )
    ]


@pytest.mark.parametrize("where", ["MRN", "Scan date", "CL measurement 2", "Save this scan?"])
def test_ctrl_c_at_any_prompt_writes_nothing_and_exits_130(d003_db: Path, where: str) -> None:
    """Ctrl-C at the MRN, the date, a measurement or the summary: exit 130, no scan written."""
    before = _scans(d003_db)
    child = _spawn(d003_db)
    answers = [
        ("MRN", "D003"),
        ("Is this the right patient?", "y"),
        ("Scan date", SCAN_DAY.isoformat()),
        ("CL measurement 1", "24"),
        ("CL measurement 2", ""),
        ("Route", ""),
        ("Funneling?", "n"),
        ("Sludge?", "n"),
        ("Symptoms", ""),
        ("Operator", ""),
        ("Note", ""),
        ("Save this scan?", "y"),
    ]
    for prompt, answer in answers:
        _at_prompt(child, prompt)
        if prompt == where:
            _reading(child)
            child.sendintr()
            break
        child.sendline(answer)
    child.expect_exact("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _scans(d003_db) == before


def test_given_options_are_not_asked_again(d003_db: Path) -> None:
    """With --date and --route given, the flow asks only for what is missing."""
    child = _spawn(d003_db, "D003", "--date", SCAN_DAY.isoformat(), "--route", "ta")
    child.expect_exact("Is this the right patient? [Y/n]: ")
    child.sendline("y")
    child.expect_exact("CL measurement 1 (mm): ")
    child.sendline("30")
    child.expect_exact("CL measurement 2")
    child.sendline("")
    child.expect_exact("Funneling? [y/N]: ")  # no route prompt: --route was given
    child.sendline("n")
    child.expect_exact("Sludge?")
    child.sendline("n")
    child.expect_exact("Symptoms")
    child.sendline("?")
    child.expect_exact("pelvic-pressure")
    child.expect_exact("Symptoms")
    assert "error" not in child.before  # `?` asks for the list: no error line after it
    child.sendline("fevr")
    child.expect_exact("error: symptoms: unknown symptom 'fevr'")
    child.expect_exact("Symptoms")
    child.sendline("")
    child.expect_exact("Operator")
    child.sendline("")
    child.expect_exact("Note")
    child.sendline("")
    child.expect_exact("Route        ta")
    child.expect_exact("Save this scan?")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _scans(d003_db)[-1][:5] == (SCAN_DAY.isoformat(), 30.0, None, None, "ta")


def test_without_a_terminal_missing_values_fail_clearly(d003_db: Path, cli: Cli) -> None:
    """No terminal to prompt on: missing MRN, --date or --cl is a usage error naming them."""
    result = cli("scan", "add")
    assert result.exit_code == 2
    assert "MRN and --date and --cl" in result.output
    assert "no terminal to prompt on" in result.output
    result = cli("scan", "add", "D003", "--date", SCAN_DAY.isoformat())
    assert result.exit_code == 2
    assert "--cl" in result.output
