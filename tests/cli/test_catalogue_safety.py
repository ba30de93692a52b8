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


@pytest.fixture
def fhir_clinic(hostile: Cli) -> Cli:
    """P01 (format characters in her name) with one scan; H1 named with ESC and BEL."""
    name = "Hana\x1b[31m\x07 Bell"
    assert hostile("patient", "add", "H1", "--edd", "2027-03-14", "--name", name).exit_code == 0
    added = hostile("scan", "add", "P01", "--date", "2026-10-13", "--cl", "18")
    assert added.exit_code == 0, added.output
    return hostile


def strings(value: object) -> list[str]:
    """Every string in a parsed JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


@pytest.mark.parametrize(
    "mrns", [["H1", "H1"], ["P01", "H1", "P01"], ["H1", "P01", "H1", "P01"], []], ids=str
)
def test_export_fhir_writes_each_patient_once(
    fhir_clinic: Cli, db_path: Path, tmp_path: Path, mrns: list[str]
) -> None:
    """`export fhir H1 H1`: her Patient once, every fullUrl unique (bdl-7), in the order
    first named; no string holds a control character FHIR forbids; database unchanged."""
    before = dump(db_path)
    out = tmp_path / "bundle.json"
    result = fhir_clinic("export", "fhir", *mrns, "--out", str(out))
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    order = list(dict.fromkeys(mrns)) or ["H1", "P01"]
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(urls) == len(set(urls)) == len(order) + ("P01" in order)  # P01 has one scan
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert [p["identifier"][0]["value"] for p in patients] == order
    forbidden = [s for s in strings(bundle) if any(ord(c) < 32 and c not in "\t\r\n" for c in s)]
    assert forbidden == []
    if "H1" in order:
        assert "Hana[31m Bell" in strings(bundle)
    if "P01" in order:
        assert NAME in strings(bundle)  # format characters are FHIR strings: kept, as data
    assert dump(db_path) == before


# (case id, [fhir] mrn_system as TOML writes it, the problem named)
MRN_SYSTEMS = [
    ("ESC", '"urn:oid:1.2\\u001b[8m"', "contains the control or format character U+001B"),
    ("RLO", '"urn:oid:1.2\\u202e"', "contains the control or format character U+202E"),
    ("space", '"urn:oid:1.2 3"', "contains a space"),
    ("no scheme", '"hospital-mrn"', "no scheme"),
    ("scheme only", '"urn:"', "no scheme"),
    ("digit first", '"1urn:x"', "no scheme"),
]


@pytest.mark.parametrize(
    ("value", "problem"), [c[1:] for c in MRN_SYSTEMS], ids=[c[0] for c in MRN_SYSTEMS]
)
def test_a_mrn_system_that_is_no_uri_is_refused(
    fhir_clinic: Cli,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    problem: str,
) -> None:
    """Exit 1, one line naming the file and `fhir.mrn_system`; no Bundle written."""
    config = tmp_path / "config.toml"
    config.write_text(f"[fhir]\nmrn_system = {value}\n", encoding="utf-8")
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(config))
    out = tmp_path / "bundle.json"
    before = dump(db_path)
    result = fhir_clinic("export", "fhir", "--out", str(out))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"error: config: {config}: fhir.mrn_system: must be a URI: {problem}"
    )
    assert not out.exists()
    assert dump(db_path) == before


@pytest.mark.parametrize(
    "system", ["urn:oid:2.16.840.1.113883.2.1.4.1", "https://hospital.example/mrn"]
)
def test_a_mrn_system_that_is_a_uri_is_used(
    fhir_clinic: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str
) -> None:
    """The other side: a URI with a scheme names the MRNs' system in the Bundle."""
    config = tmp_path / "config.toml"
    config.write_text(f'[fhir]\nmrn_system = "{system}"\n', encoding="utf-8")
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(config))
    result = fhir_clinic("export", "fhir", "H1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entry"][0]["resource"]["identifier"][0]["system"] == system


@pytest.mark.parametrize(
    "command", ["--help", "patient list", "review md", "export fhir", "scan add"]
)
def test_a_stdout_closed_by_the_caller_is_a_closed_pipe(
    hostile: Cli, db_path: Path, console_script: Path, command: str
) -> None:
    """`cervix-watch ... >&-`: exit 141 and nothing on stderr, no internal error, as under
    `| true`; the database is not opened on the stdout's number (it stays intact) and a
    writing command has saved its record."""
    args, written = CLOSED_PIPE_COMMANDS[command]
    before = dump(db_path)
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" >&-', str(console_script), "--db", str(db_path), *args],
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (141, b"")
    after = dump(db_path)
    assert [row for row in before if row not in after] == []
    assert len(after) == len(before) + (0 if written is None else 2)


def test_a_closed_stderr_keeps_the_exit_status(
    hostile: Cli, db_path: Path, console_script: Path
) -> None:
    """`cervix-watch ... 2>&-` refusing bad input: still exit 1, the database unchanged."""
    before = dump(db_path)
    bad_scan = ["scan", "add", "P01", "--date", "2026-10-13", "--cl", "1000"]
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" 2>&-', str(console_script), "--db", str(db_path), *bad_scan],
        stdout=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, b"")
    assert dump(db_path) == before
