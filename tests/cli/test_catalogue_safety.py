"""The output catalogue of issue 24 (reproductions 12 and 13): format characters outside
the old escaper's list, a closed stdout in every command, and the FHIR export's
duplicates, control characters and URI.

Each case states its exit status and what reaches stdout/stderr, and checks that the
database and every file the command named are unchanged (or, for a saved scan, that the
scan was saved).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from tests.conftest import Cli

AS_OF = "2026-10-15"
# What the second review found printed raw by `patient list`: Arabic letter mark, word
# joiner, BOM/ZWNBSP, tag characters, soft hyphen, line separator, national digit shapes,
# interlinear annotation anchor; then a paragraph separator and a noncharacter.
FORMAT_CHARACTERS = "\u061c\u2060\ufeff\U000e0041\U000e007f\u00ad\u2028\u206e\ufff9\u2029\ufdd0"
NAME = f"Eve{FORMAT_CHARACTERS}Z"


def dump(db_path: Path) -> list[tuple[object, ...]]:
    """Every row of every table: what 'the database is unchanged' compares."""
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *row) for t in sorted(tables) for row in conn.execute(f'SELECT * FROM "{t}"')]


@pytest.fixture
def hostile(cli: Cli) -> Cli:
    """P01 named with every format character of the reproduction."""
    added = cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", NAME)
    assert added.exit_code == 0, added.output
    return cli


ESCAPE_COMMANDS = {
    "patient list": ["patient", "list", "--all"],
    "patient list csv": ["patient", "list", "--all", "--format", "csv"],
    "patient list json": ["patient", "list", "--all", "--format", "json"],
    "patient show": ["patient", "show", "P01", "--as-of", AS_OF],
    "review md": ["review", "--as-of", AS_OF, "--format", "md"],
    "due csv": ["due", "--as-of", AS_OF, "--within", "400", "--format", "csv"],
}


@pytest.mark.parametrize("command", list(ESCAPE_COMMANDS))
def test_format_characters_never_reach_stdout_raw(
    hostile: Cli, db_path: Path, command: str
) -> None:
    """Exit 0; none of the characters' bytes on stdout, each shown as its escape; JSON
    parses back to the very name; the database unchanged."""
    before = dump(db_path)
    result = hostile(*ESCAPE_COMMANDS[command])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert [f"U+{ord(c):04X}" for c in FORMAT_CHARACTERS if c.encode() in raw] == []
    if command.endswith("json"):
        assert NAME in [p["name"] for p in json.loads(result.stdout)["patients"]]
    else:
        assert b"\\u061c\\u2060\\ufeff\\U000e0041\\U000e007f\\xad\\u2028" in raw
    assert dump(db_path) == before


def run_into_closed_pipe(script: Path, *args: str) -> tuple[int, bytes]:
    """`cervix-watch ARGS | true` made certain: the pipe's reading end is closed before the
    command starts, so its first write to stdout meets EPIPE. Returns (status, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [str(script), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


# (command, what it writes: stdout is closed, so the write is all that is left of it)
CLOSED_PIPE_COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "--help": (["--help"], None),
    "--version": (["--version"], None),
    "scan --help": (["scan", "--help"], None),
    "patient list": (["patient", "list", "--all"], None),
    "review md": (["review", "--as-of", AS_OF, "--format", "md"], None),
    "due json": (["due", "--as-of", AS_OF, "--format", "json"], None),
    "config show": (["config", "show"], None),
    "db info": (["db", "info"], None),
    "export fhir": (["export", "fhir"], None),
    "patient add": (["patient", "add", "P02", "--edd", "2027-03-20"], "patients"),
    "scan add": (["scan", "add", "P01", "--date", "2026-10-13", "--cl", "18"], "scans"),
}


@pytest.mark.parametrize("command", list(CLOSED_PIPE_COMMANDS))
def test_a_closed_stdout_is_exit_141_in_every_command(
    hostile: Cli, db_path: Path, console_script: Path, command: str
) -> None:
    """`... | true`: exit 141 and nothing on stderr, never exit 1 (which says "nothing
    written"); a reading command leaves the database as it was, a writing one has saved
    its record (one more row, one more audit row)."""
    args, written = CLOSED_PIPE_COMMANDS[command]
    before = dump(db_path)
    status, errors = run_into_closed_pipe(console_script, "--db", str(db_path), *args)
    assert (status, errors) == (141, b"")
    after = dump(db_path)
    if written is None:
        assert after == before
    else:
        added = [row[0] for row in after if row not in before]
        assert sorted(set(added)) == sorted({written, "audit"}), added
