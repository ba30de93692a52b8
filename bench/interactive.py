#!/usr/bin/env python3
"""The interactive `scan add` round trip at a pseudo-terminal (issue 25.1), one run.

    python bench/interactive.py CLI DB MRN DATE

Answers every prompt as tests/cli/test_interactive.py does (pexpect), then times from
sending the confirmation of the summary ("Save this scan? [Y/n]") to the saved line.
Prints one JSON line: that round trip, and the child's wall time, peak RSS and CPU from
`wait4` (this small driver starts it, so the RSS is the child's own).
"""

from __future__ import annotations

import json
import os
import sys
import time

import pexpect

# (the prompt's first words, the answer), in the contract's order
ANSWERS = (
    ("Is this the right patient?", "y"),
    ("Scan date", None),  # the DATE argument
    ("CL measurement 1", "24.0"),
    ("CL measurement 2", "25.1"),
    ("CL measurement 3", "26.3"),
    ("Route", ""),
    ("Funneling?", "n"),
    ("Sludge?", "n"),
    ("Symptoms", ""),
    ("Operator", ""),
    ("Note", ""),
)
TIMEOUT_S = 600


def round_trip(cli: str, db: str, mrn: str, on: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"NO_COLOR": "1", "COLUMNS": "80", "LINES": "40"}
    started = time.perf_counter()
    child = pexpect.spawn(
        cli, ["--db", db, "scan", "add"], env=env, encoding="utf-8", timeout=TIMEOUT_S,
        dimensions=(40, 80),
    )  # fmt: skip
    child.expect_exact("MRN: ")
    child.sendline(mrn)
    for prompt, answer in ANSWERS:
        child.expect_exact(prompt)
        child.expect_exact(": ")
        child.sendline(on if answer is None else answer)
    child.expect_exact("Save this scan? [Y/n]: ")
    sent = time.perf_counter()
    child.sendline("y")
    child.expect_exact(f"saved for {mrn}")
    saved = time.perf_counter()
    # reaped here, not by pexpect, to read its rusage (pexpect's waitpid would drop it)
    _, status, usage = os.wait4(child.pid, 0)
    ended = time.perf_counter()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scan add exited {os.waitstatus_to_exitcode(status)}")
    return {
        "round_trip": saved - sent,
        "wall": ended - started,
        "rss_kb": usage.ru_maxrss,
        "cpu": usage.ru_utime + usage.ru_stime,
    }


if __name__ == "__main__":
    print(json.dumps(round_trip(*sys.argv[1:5])))
