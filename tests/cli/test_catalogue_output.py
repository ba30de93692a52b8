"""The output catalogue (red team, issue 11): `--out` onto what is not a regular file, a
full disk, a closed pipe, control characters in the data and an unprotected CSV cell.

Each refusal exits with its status and one line naming `out`, and leaves the database
and every file the command named byte-identical. The escape cases read stdout as bytes:
no ESC or bidi control from the data reaches it, only its escaped spelling.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.conftest import Cli, in_ci

AS_OF = "2026-10-15"
ESC_NAME = "Amy\x1b[8m\u202eX"  # hides the rest of the screen, then reverses it
ESC_NOTE = "note\x1b]0;owned\x07\u2066\x9b31m"  # retitles the terminal, isolates, C1 CSI
ESC_OPERATOR = "op\x1b[2J\u200b"  # clears the screen (imported: typed, C0 is refused)
# What must not reach stdout raw: ESC, BEL, CSI (C1) and the bidi/zero-width controls.
FORBIDDEN = [b"\x1b", b"\x07", "\x9b".encode(), *(c.encode() for c in "\u202e\u2066\u200b")]


@pytest.fixture
def clinic(cli: Cli, db_path: Path, tmp_path: Path) -> Cli:
    """P01 with hostile name, note and operator typed; P02 with a hostile name imported."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", ESC_NAME).exit_code == 0
    added = cli(
        "scan",
        "add",
        "P01",
        "--date",
        "2026-10-13",
        "--cl",
        "18",
        "--note",
        ESC_NOTE,
        "--operator",
        "AB",  # typed operators with control or format characters are refused at entry
    )
    assert added.exit_code == 0, added.output
    patients, scans = tmp_path / "imported-patients.csv", tmp_path / "imported-scans.csv"
    # P03 (15+0 on the review day, no scan yet) is on the recall list
    patients.write_text(
        f"mrn,name,edd\nP02,{ESC_NAME},2027-02-01\nP03,{ESC_NAME},2027-04-08\n", encoding="utf-8"
    )
    scans.write_text(
        f"mrn,date,cl1_mm,operator,notes\nP02,2026-10-12,30,CD,{ESC_NOTE}\n",
        encoding="utf-8",
    )
    for kind, path in (("patients", patients), ("scans", scans)):
        imported = cli("import", kind, str(path))
        assert imported.exit_code == 0, imported.output
    # Entry now refuses control characters in an operator; a database an older release
    # wrote may still hold one.
    conn = sqlite3.connect(db_path)
    conn.execute("update scans set operator = ? where operator = 'CD'", (ESC_OPERATOR,))
    conn.commit()
    conn.execute("pragma wal_checkpoint(TRUNCATE)")  # the main file holds it: bytes compare
    conn.close()
    return cli


def snapshot(paths: list[Path]) -> dict[Path, tuple[int, bytes | None]]:
    """Each path's mode and (for a regular file, not followed through links) its bytes."""
    found: dict[Path, tuple[int, bytes | None]] = {}
    for path in paths:
        if not os.path.lexists(path):
            found[path] = (0, None)
            continue
        mode = os.lstat(path).st_mode
        found[path] = (mode, path.read_bytes() if stat.S_ISREG(mode) else None)
    return found


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted write would leave behind."""
    return [p.name for p in folder.iterdir() if p.name.startswith(".cervix-watch-")]


# (case id, makes the target in tmp_path and returns it with the files to keep, command)
Target = Callable[[Path], tuple[Path, list[Path]]]


def _victim(tmp: Path) -> Path:
    victim = tmp / "victim.txt"
    victim.write_bytes(b"someone's .bashrc\n")
    victim.chmod(0o644)
    return victim


def symlink_to_file(tmp: Path) -> tuple[Path, list[Path]]:
    link = tmp / "report.out"
    link.symlink_to(_victim(tmp))
    return link, [link, tmp / "victim.txt"]


def dangling_symlink(tmp: Path) -> tuple[Path, list[Path]]:
    link = tmp / "report.out"
    link.symlink_to(tmp / "not-yet.txt")
    return link, [link, tmp / "not-yet.txt"]


def folder(tmp: Path) -> tuple[Path, list[Path]]:
    target = tmp / "reports"
    target.mkdir()
    return target, [target]


def fifo(tmp: Path) -> tuple[Path, list[Path]]:
    target = tmp / "pipe"
    os.mkfifo(target)
    return target, [target]


def dev_null(_tmp: Path) -> tuple[Path, list[Path]]:
    return Path("/dev/null"), [Path("/dev/null")]


def proc_status(_tmp: Path) -> tuple[Path, list[Path]]:
    return Path("/proc/self/status"), []


def missing_folder(tmp: Path) -> tuple[Path, list[Path]]:
    return tmp / "no" / "such" / "x.csv", [tmp / "no"]


OUT_TARGETS: dict[str, tuple[Target, str]] = {
    "symlink to a file": (symlink_to_file, "is a symbolic link"),
    "dangling symlink": (dangling_symlink, "is a symbolic link"),
    "folder": (folder, "is a folder"),
    "fifo": (fifo, "is not a regular file"),
    "device /dev/null": (dev_null, "is not a regular file"),
    "/proc/self/status": (proc_status, "cannot write"),
    "missing folder": (missing_folder, "cannot write"),
}
OUT_COMMANDS: dict[str, list[str]] = {
    "review html": ["review", "--as-of", AS_OF, "--format", "html"],
    "review md": ["review", "--as-of", AS_OF, "--format", "md"],
    "review table": ["review", "--as-of", AS_OF],
    "export patients": ["export", "patients"],
    "export scans": ["export", "scans"],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
@pytest.mark.parametrize("target_case", list(OUT_TARGETS))
def test_out_refuses_what_is_not_a_regular_file(
    clinic: Cli, db_path: Path, tmp_path: Path, target_case: str, command: str
) -> None:
    """Exit 1 with one line naming out; database, link, its target and device unchanged."""
    make, fragment = OUT_TARGETS[target_case]
    target, kept = make(tmp_path)
    before = snapshot([db_path, *kept])
    result = clinic(*OUT_COMMANDS[command], "--out", str(target))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: out: "), lines
    assert fragment in lines[0]
    assert snapshot([db_path, *kept]) == before
    assert leftovers(tmp_path) == []


def test_out_replaces_a_regular_file_owner_only(clinic: Cli, tmp_path: Path) -> None:
    """A regular file is replaced whole, mode 0600, no temporary file left beside it."""
    target = tmp_path / "old.csv"
    target.write_bytes(b"old content\n")
    target.chmod(0o644)
    assert clinic("export", "patients", "--out", str(target)).exit_code == 0
    assert target.read_bytes().startswith(b"mrn,name,edd,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted for the test (root); skipped where none can be mounted."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        if in_ci():
            pytest.fail(f"CI must run the disk-full case, but mount failed: {done.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("command", ["export patients", "review html"])
def test_full_disk_leaves_the_old_file_whole(
    clinic: Cli, db_path: Path, tmp_path: Path, full_disk: Path, command: str
) -> None:
    """ENOSPC half-way: exit 1, one line naming out, old file byte-identical, no temp left."""
    many = tmp_path / "many.csv"
    rows = "".join(f"Q{i:05d},{'N' * 60},2027-02-01\n" for i in range(2000))
    many.write_text("mrn,name,edd\n" + rows, encoding="utf-8")
    assert clinic("import", "patients", str(many)).exit_code == 0
    old = full_disk / "old.out"
    old.write_bytes(b"last week's report\n" * 100)
    before = snapshot([db_path, old])
    result = clinic(*OUT_COMMANDS[command], "--out", str(old))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: out: cannot write"), lines
    assert "No space left on device" in lines[0]
    assert snapshot([db_path, old]) == before
    assert leftovers(full_disk) == []


def test_closed_pipe_ends_quietly(clinic: Cli, db_path: Path, tmp_path: Path) -> None:
    """`export patients | head -c 100`: nothing on stderr, no traceback, database unchanged."""
    many = tmp_path / "many.csv"
    many.write_text(
        "mrn,edd\n" + "".join(f"Q{i:05d},2027-02-01\n" for i in range(5000)), encoding="utf-8"
    )
    assert clinic("import", "patients", str(many)).exit_code == 0
    script = Path(sys.executable).with_name("cervix-watch")
    before = snapshot([db_path])
    with subprocess.Popen(
        [str(script), "--db", str(db_path), "export", "patients"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        head = process.stdout.read(100)
        process.stdout.close()
        errors = process.stderr.read()
        status = process.wait(timeout=60)
    assert head.startswith(b"mrn,name,edd,")
    assert errors == b"", errors
    assert status == 141
    assert snapshot([db_path]) == before


def hostile_profile(tmp_path: Path) -> Path:
    """A copy of the default profile whose title carries an escape sequence."""
    from importlib.resources import files

    text = files("cervix_watch.rules").joinpath("profiles/acog-smfm.toml").read_text("utf-8")
    title_line = next(line for line in text.splitlines() if line.startswith("title = "))
    hostile = 'title = "Evil \\u001b[8m profile \\u202e"'
    path = tmp_path / "hostile.toml"
    path.write_text(
        text.replace(title_line, hostile).replace('name = "acog-smfm"', 'name = "evil"')
    )
    return path


NAME_SHOWN = b"Amy\\x1b[8m\\u202eX"
OPERATOR_SHOWN = b"op\\x1b[2J\\u200b"
# command -> what it prints of the hostile data, escaped
ESCAPE_COMMANDS: dict[str, tuple[list[str], bytes]] = {
    "patient list": (["patient", "list", "--all"], NAME_SHOWN),
    "patient list csv": (["patient", "list", "--all", "--format", "csv"], NAME_SHOWN),
    "patient show": (["patient", "show", "P01", "--as-of", AS_OF], NAME_SHOWN),
    "patient show imported": (["patient", "show", "P02", "--as-of", AS_OF], OPERATOR_SHOWN),
    "scan list": (["scan", "list"], OPERATOR_SHOWN),
    "scan list csv": (["scan", "list", "--format", "csv"], OPERATOR_SHOWN),
    "due": (["due", "--as-of", AS_OF, "--within", "400"], NAME_SHOWN),
    "due csv": (["due", "--as-of", AS_OF, "--within", "400", "--format", "csv"], NAME_SHOWN),
    "review": (["review", "--as-of", AS_OF], NAME_SHOWN),
    "review md": (["review", "--as-of", AS_OF, "--format", "md"], NAME_SHOWN),
    "review csv": (["review", "--as-of", AS_OF, "--format", "csv"], NAME_SHOWN),
}


@pytest.mark.parametrize("command", list(ESCAPE_COMMANDS))
def test_control_characters_in_the_data_never_reach_stdout(
    clinic: Cli, db_path: Path, command: str
) -> None:
    """Names, notes and operators with ESC/bidi controls are printed escaped, as `\\x1b`."""
    args, shown = ESCAPE_COMMANDS[command]
    before = snapshot([db_path])
    result = clinic(*args)
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert [c for c in FORBIDDEN if c in raw] == []
    assert shown in raw.replace(b"\\[", b"[")  # Markdown escapes the bracket
    assert snapshot([db_path]) == before


def test_profile_title_is_escaped(clinic: Cli, tmp_path: Path) -> None:
    """A profile title with an escape sequence is shown escaped by the review and `rules show`."""
    profile = str(hostile_profile(tmp_path))
    for args in (["review", "--as-of", AS_OF, "--profile", profile], ["rules", "show", profile]):
        result = clinic(*args)
        assert result.exit_code == 0, result.output
        assert [c for c in FORBIDDEN if c in result.stdout_bytes] == []
        assert b"Evil \\x1b[8m profile \\u202e" in result.stdout_bytes


def strings(value: object) -> list[str]:
    """Every string in a parsed JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


# command -> a hostile text its JSON must carry exactly (the review JSON names no one)
JSON_COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "patient list": (["patient", "list", "--all", "--format", "json"], ESC_NAME),
    "scan list": (["scan", "list", "--format", "json"], ESC_OPERATOR),
    "review": (["review", "--as-of", AS_OF, "--format", "json"], None),
    "patient show": (["patient", "show", "P02", "--as-of", AS_OF, "--format", "json"], ESC_NOTE),
}


@pytest.mark.parametrize("command", list(JSON_COMMANDS))
def test_json_escapes_controls_and_keeps_the_data(clinic: Cli, command: str) -> None:
    """JSON carries the controls as \\u escapes: nothing raw on stdout, the same text parsed."""
    args, carried = JSON_COMMANDS[command]
    result = clinic(*args)
    assert result.exit_code == 0, result.output
    assert [c for c in FORBIDDEN if c in result.stdout_bytes] == []
    found = strings(json.loads(result.stdout))
    assert carried is None or carried in found


def test_html_escapes_markup_and_keeps_the_text(clinic: Cli, tmp_path: Path) -> None:
    """HTML is written as its template escaped it: the name's text is there, not a tag."""
    page = tmp_path / "review.html"
    result = clinic("review", "--as-of", AS_OF, "--format", "html", "--out", str(page))
    assert result.exit_code == 0, result.output
    assert "Amy" in page.read_text(encoding="utf-8")


def test_export_to_a_file_keeps_the_data_for_reimport(clinic: Cli, tmp_path: Path) -> None:
    """Export is data, not a screen: the file keeps the name exactly, so it re-imports as is."""
    target = tmp_path / "patients.csv"
    assert clinic("export", "patients", "--out", str(target)).exit_code == 0
    assert ESC_NAME in target.read_text(encoding="utf-8")


def test_review_csv_protects_a_negative_ga_cell(cli: Cli) -> None:
    """A negative GA (a review date long before the pregnancy) is written `'-6597+2`: a
    spreadsheet never reads it as a formula."""
    assert cli("patient", "add", "P09", "--edd", "2027-03-14").exit_code == 0
    result = cli("review", "--as-of", "1900-01-02", "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.stdout.splitlines() if ",P09," in line]
    assert row.split(",")[4] == "'-6597+2"


def test_listing_csv_quotes_a_lone_carriage_return(cli: Cli) -> None:
    """A cell holding a CR is quoted (and the CR escaped), never a bare CR that splits a row."""
    name = "a\rb,c"
    assert cli("patient", "add", "P03", "--edd", "2027-03-14", "--name", name).exit_code == 0
    result = cli("patient", "list", "--all", "--format", "csv")
    assert result.exit_code == 0
    assert b'P03,"a\\x0db,c",2027-03-14' in result.stdout_bytes
    assert b"\r" not in result.stdout_bytes
