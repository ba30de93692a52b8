"""The SR-input catalogue (issue 24, points 10-12): what a hostile report file, folder or
file name did to `import sr`, each with its exit status, its one line, and the database
and the named files byte-identical afterwards.

- a CL of 1e308 or 9.9e99, NaN and infinities (an internal `InvalidOperation` before);
- sequences nested 3,000 deep (`RecursionError`), content trees past the walk's bounds;
- an unreadable sub-folder (skipped silently, "1 scan would be added") and file;
- a file name holding a newline (it forged "Imported 1 scan from 1 file" on its own line);
- pydicom's warnings (printed raw to stderr) become one line of ours.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import warnings
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
import sr_fixtures as fx
from pydicom.dataset import Dataset
from pydicom.uid import DeflatedExplicitVRLittleEndian
from tests.conftest import Cli, system_clock

from cervix_watch.interop.dicom_sr import (
    MAX_CONTENT_DEPTH,
    MAX_CONTENT_ITEMS,
    MAX_DATASET_BYTES,
    MAX_SEQUENCE_DEPTH,
)


@pytest.fixture
def clinic(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Patient SR0001 (LMP 2026-06-07), the fixtures' patient."""
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    result = cli("patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
    assert result.exit_code == 0, result.output
    return cli


def snapshot(*paths: Path) -> dict[Path, bytes]:
    """Each path's bytes (none where there is no file: an empty -wal is no write either)."""
    return {p: p.read_bytes() if p.is_file() else b"" for p in paths}


def database_files(db_path: Path) -> list[Path]:
    return [db_path, db_path.with_name(db_path.name + "-wal")]


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


# --- hostile values and trees ---------------------------------------------------------------


def _element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
    """One explicit VR little endian element (SQ and UT with their 4-byte length)."""
    if vr in (b"SQ", b"UT"):
        return struct.pack("<HH2sHI", group, number, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", group, number, vr, len(value)) + value


def _item(body: bytes) -> bytes:
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(body)) + body


def nested(depth: int, value_type: str) -> bytes:
    """A ContentSequence of one item holding one item ... `depth` items deep, as bytes:
    pydicom would need `depth` levels of recursion to write it."""
    kind = value_type.encode().ljust(len(value_type) + len(value_type) % 2)
    concept = _element(0x0008, 0x0100, b"SH", b"T1") + _element(0x0008, 0x0102, b"SH", b"99")
    concept += _element(0x0008, 0x0104, b"LO", b"nest")
    body = b""
    for _ in range(depth):
        inner = _element(0x0040, 0xA010, b"CS", b"CONTAINS")
        inner += _element(0x0040, 0xA040, b"CS", kind)
        inner += _element(0x0040, 0xA043, b"SQ", _item(concept))
        if value_type == "TEXT":
            inner += _element(0x0040, 0xA160, b"UT", b"x ")
        if body:
            inner += _element(0x0040, 0xA730, b"SQ", body)
        body = _item(inner)
    return _element(0x0040, 0xA730, b"SQ", body)


def with_content(folder: Path, name: str, content: bytes) -> Path:
    """An OB-GYN report whose ContentSequence is `content` (its last element: the highest tag)."""
    dataset = fx.ob_report(fx.cl("30.0"))
    del dataset.ContentSequence
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    path = folder / name
    path.write_bytes(buffer.getvalue() + content)
    return path


def many_items(count: int) -> Dataset:
    """A good report plus `count` - 4 TEXT items beside it: `count` content items in all
    (beam path, Summary and its 2 dates, Fetus Summary and its id, Pelvis and Uterus and its
    CL make 8)."""
    report = fx.ob_report(fx.cl("30.0"))
    filler = fx.text(fx.FETUS_ID, "x", rel="CONTAINS")
    report.ContentSequence.extend(filler for _ in range(count - 8))
    return report


def value_file(value: str, unit: str = "mm") -> Callable[[Path], Path]:
    return lambda folder: fx.one(folder, fx.ob_report(fx.cl(value, unit)), f"cl-{value}.dcm")


AT = "(at OB-GYN Ultrasound Procedure Report > Pelvis and Uterus)"
# (case, makes the file, the one line after "error: FILE: ")
REFUSED: list[tuple[str, Callable[[Path], Path], str]] = [
    ("1e308", value_file("1e308"), f"cervix_length: 1E+308 mm is out of range for a length {AT}"),
    (
        "9.9e99 cm",
        value_file("9.9e99", "cm"),
        f"cervix_length: 9.9E+99 cm is out of range for a length {AT}",
    ),
    (
        "over the bound",
        value_file("1000001"),
        f"cervix_length: 1000001 mm is out of range for a length {AT}",
    ),
    ("NaN", value_file("NaN"), "cervix_length: 'NaN' is not a finite number"),
    ("Infinity", value_file("Infinity"), "cervix_length: 'Infinity' is not a finite number"),
    ("-inf", value_file("-inf"), "cervix_length: '-inf' is not a finite number"),
    (
        "3,000 deep",
        lambda f: with_content(f, "deep.dcm", nested(3000, "CONTAINER")),
        f"file: sequences nested more than {MAX_SEQUENCE_DEPTH} deep: refused",
    ),
    (
        "sequences one past the bound",
        lambda f: with_content(f, "seq.dcm", nested(MAX_SEQUENCE_DEPTH, "TEXT")),
        f"file: sequences nested more than {MAX_SEQUENCE_DEPTH} deep: refused",
    ),
    (
        "containers one past the bound",
        lambda f: with_content(f, "tree.dcm", nested(MAX_CONTENT_DEPTH + 1, "CONTAINER")),
        f"file: content nested more than {MAX_CONTENT_DEPTH} deep: refused",
    ),
]


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_hostile_report_is_one_line_and_nothing_changes(
    clinic: Cli, db_path: Path, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    """A hostile value or tree: exit 1, one line naming the file and field, nothing written."""
    path = make(tmp_path)
    before = snapshot(path, *database_files(db_path))
    for extra in ([], ["--dry-run"]):
        result = clinic("import", "sr", str(path), *extra)
        assert result.exit_code == 1, result.output
        assert errors(result.stderr) == [f"error: {path}: {message}"]
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
    assert snapshot(path, *database_files(db_path)) == before


# The other side of each bound: read through to the next check (or saved).
WITHIN: list[tuple[str, Callable[[Path], Path], str]] = [
    ("at the value bound", value_file("1000000"), "cl_mm: "),
    ("a tiny value", value_file("1e-30"), "cl_mm: "),
    (
        "sequences at the bound",
        lambda f: with_content(f, "seq.dcm", nested(MAX_SEQUENCE_DEPTH - 1, "TEXT")),
        "cervix_length: no cervix length in",
    ),
    (
        "containers at the bound",
        lambda f: with_content(f, "tree.dcm", nested(MAX_CONTENT_DEPTH, "CONTAINER")),
        "cervix_length: no cervix length in",
    ),
]


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in WITHIN], ids=[c[0] for c in WITHIN])
def test_within_each_bound_the_report_is_read_through(
    clinic: Cli, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    """At each bound the report is read whole and refused (or saved) for its content."""
    path = make(tmp_path)
    result = clinic("import", "sr", "--route", "tv", str(path))
    assert result.exit_code == 1, result.output
    [line] = errors(result.stderr)
    assert line.startswith(f"error: {path}: {message}"), line


# The item bound is the spec's 20,000; reading that many items takes pydicom ~10 s, so the
# two sides of it are tested at a bound of 40 (the walk reads the module's value).
SMALL_BOUND = 40


def test_the_item_bound_is_the_specs() -> None:
    """interop.md "Limits of the receiver": 20,000 content items at most, depth 32."""
    assert (MAX_CONTENT_ITEMS, MAX_CONTENT_DEPTH) == (20_000, 32)


@pytest.mark.parametrize(("items", "refused"), [(SMALL_BOUND, False), (SMALL_BOUND + 1, True)])
def test_content_items_on_both_sides_of_the_bound(
    clinic: Cli,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    items: int,
    refused: bool,
) -> None:
    """At the bound a report is imported; one item more is refused in one line, nothing written."""
    monkeypatch.setattr("cervix_watch.interop.dicom_sr.MAX_CONTENT_ITEMS", SMALL_BOUND)
    path = fx.one(tmp_path, many_items(items), "many.dcm")
    before = snapshot(path, *database_files(db_path))
    result = clinic("import", "sr", str(path))
    if not refused:
        assert result.exit_code == 0, result.output
        assert "Imported 1 scan from 1 file" in result.stdout
        return
    assert result.exit_code == 1
    assert errors(result.stderr) == [
        f"error: {path}: file: more than {SMALL_BOUND:,} content items: refused"
    ]
    assert snapshot(path, *database_files(db_path)) == before


# --- unreadable folders and files -----------------------------------------------------------


def as_unprivileged(*command: str) -> list[str]:
    """`command` without the power to read what its mode forbids. Tests run as root in CI, and
    root reads a mode-000 folder (CAP_DAC_OVERRIDE): there, setpriv drops that capability and
    CAP_DAC_READ_SEARCH from the bounding set; the process stays root and owns its files."""
    if os.geteuid() != 0:
        return list(command)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root, the unreadable-folder tests need setpriv (util-linux)")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


@pytest.fixture
def usb(sr_files: dict[str, Path], tmp_path: Path) -> Path:
    """A stick with one good report, and a locked sub-folder holding another."""
    folder = tmp_path / "usb"
    (folder / "locked").mkdir(parents=True)
    shutil.copy(sr_files["cl-mm.dcm"], folder / "cl-mm.dcm")
    shutil.copy(sr_files["transabdominal.dcm"], folder / "locked" / "ta.dcm")
    return folder


def run_import(console_script: Path, db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = as_unprivileged(str(console_script), "--db", str(db_path), "import", "sr", *args)
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_OPERATOR": "tester"}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


@system_clock
@pytest.mark.slow
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_an_unreadable_folder_fails_the_run(
    clinic: Cli, console_script: Path, db_path: Path, usb: Path, dry_run: bool
) -> None:
    """A locked sub-folder is named, and the run fails with nothing written."""
    (usb / "locked").chmod(0)
    try:
        before = snapshot(usb / "cl-mm.dcm", *database_files(db_path))
        result = run_import(console_script, db_path, str(usb), *(["--dry-run"] if dry_run else []))
        assert snapshot(usb / "cl-mm.dcm", *database_files(db_path)) == before
    finally:
        (usb / "locked").chmod(0o755)
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors(result.stderr) == [
        f"error: {usb / 'locked'}: folder: cannot be read (Permission denied)"
    ]
    assert result.stdout == ""


@system_clock
@pytest.mark.slow
def test_an_unreadable_file_fails_the_run(
    clinic: Cli, console_script: Path, db_path: Path, usb: Path
) -> None:
    """A report file without read permission is named like any bad file."""
    locked = usb / "locked" / "ta.dcm"
    locked.chmod(0)
    try:
        before = snapshot(*database_files(db_path))
        result = run_import(console_script, db_path, str(usb))
        assert snapshot(*database_files(db_path)) == before
    finally:
        locked.chmod(0o644)
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors(result.stderr) == [f"error: {locked}: file: cannot be read (Permission denied)"]


def test_the_same_folder_readable_imports_both(clinic: Cli, usb: Path) -> None:
    """The control: with the sub-folder readable, both reports are imported."""
    result = clinic("import", "sr", str(usb))
    assert result.exit_code == 0, result.output
    assert "Imported 2 scans from 2 files" in result.stdout


def test_a_path_that_is_neither_file_nor_folder(clinic: Cli, tmp_path: Path) -> None:
    """A FIFO named on the command line is refused in one line (and never opened)."""
    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    result = clinic("import", "sr", str(fifo))
    assert result.exit_code == 1
    assert errors(result.stderr) == [f"error: {fifo}: file: is not a regular file or a folder"]


# --- file names and library warnings --------------------------------------------------------

FORGED = "Imported 9 scans from 9 files (0 already present)."


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_a_newline_in_a_file_name_cannot_forge_a_line(
    clinic: Cli, sr_files: dict[str, Path], tmp_path: Path, dry_run: bool
) -> None:
    """Names with a newline, a CR, a tab or U+2028 are printed escaped: one line per report."""
    folder = tmp_path / "names"
    folder.mkdir()
    shutil.copy(sr_files["cl-mm.dcm"], folder / f"a\n{FORGED}\n.dcm")
    shutil.copy(sr_files["no-cl.dcm"], folder / "b\r\terror: none\u2028.dcm")
    result = clinic("import", "sr", str(folder), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1
    assert errors(result.stderr) == [
        f"error: {folder}/b\\x0d\\x09error: none\\u2028.dcm: cervix_length: no cervix length in "
        f"{folder}/b\\x0d\\x09error: none\\u2028.dcm"
    ]
    (folder / "b\r\terror: none\u2028.dcm").unlink()
    result = clinic("import", "sr", str(folder), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert FORGED not in lines
    assert sum(line.startswith(("Imported", "Dry run")) for line in lines) == 1
    assert lines[0].startswith(f"{folder}/a\\x0a{FORGED}\\x0a.dcm: "), lines[0]
    assert "\u2028" not in result.output


def test_reader_warnings_become_one_line_of_ours(clinic: Cli, tmp_path: Path) -> None:
    """A report pydicom warns about (an unknown character set, once per text it decodes):
    saved, with our one warning line and none of pydicom's words."""
    report = fx.ob_report(*fx.THREE_MM)
    report.SpecificCharacterSet = "ISO_IR 999"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns on writing it too
        path = fx.one(tmp_path, report, "odd-charset.dcm")
    result = clinic("import", "sr", str(path))
    assert result.exit_code == 0, result.output
    assert errors(result.stderr) == [
        f"warning: {path}: file: not valid DICOM in 1 place (read as far as possible; details "
        "not shown)"
    ]
    assert "ISO_IR" not in result.output
    assert "Imported 1 scan from 1 file" in result.stdout


# --- size: a file, and what a deflated one inflates to ---------------------------------------


def padded(dataset: Dataset, folder: Path, name: str, file_size: int) -> Path:
    """`dataset` written to `name` with a private OB element making the file `file_size` bytes."""
    dataset.add_new(0x00090010, "LO", "CERVIXTEST")
    dataset.add_new(0x00091000, "OB", b"")
    path = fx.one(folder, dataset, name)
    dataset[0x00091000].value = b"\0" * (file_size - path.stat().st_size)
    path = fx.one(folder, dataset, name)
    assert path.stat().st_size == file_size
    return path


def deflated(dataset: Dataset, folder: Path, name: str, padding: int) -> Path:
    """`dataset` with `padding` zero bytes in a private element, written deflated."""
    dataset.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    dataset.add_new(0x00090010, "LO", "CERVIXTEST")
    dataset.add_new(0x00091000, "OB", b"\0" * padding)
    return fx.one(folder, dataset, name)


@pytest.mark.parametrize(
    ("size", "refused"),
    [(MAX_DATASET_BYTES, False), (MAX_DATASET_BYTES + 2, True)],
    ids=["at the bound", "over it"],
)
def test_file_size_on_both_sides_of_the_bound(
    clinic: Cli, db_path: Path, tmp_path: Path, size: int, refused: bool
) -> None:
    """A report file of 8 MiB is read; larger is refused in one line, nothing written."""
    path = padded(fx.ob_report(fx.cl("30.0")), tmp_path, "big.dcm", size)
    before = snapshot(path, *database_files(db_path))
    result = clinic("import", "sr", str(path))
    if not refused:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert errors(result.stderr) == [
        f"error: {path}: file: larger than {MAX_DATASET_BYTES:,} bytes: refused"
    ]
    assert snapshot(path, *database_files(db_path)) == before


def test_a_deflated_bomb_is_refused_before_it_inflates(
    clinic: Cli, db_path: Path, tmp_path: Path
) -> None:
    """A deflated report of a few KiB that inflates past 8 MiB: one line, nothing written
    (pydicom would inflate it whole); a deflated report within the bound is imported."""
    bomb = deflated(fx.ob_report(fx.cl("30.0")), tmp_path, "bomb.dcm", MAX_DATASET_BYTES)
    assert bomb.stat().st_size < 64 * 1024
    before = snapshot(bomb, *database_files(db_path))
    result = clinic("import", "sr", str(bomb))
    assert result.exit_code == 1
    assert errors(result.stderr) == [
        f"error: {bomb}: file: inflates to more than {MAX_DATASET_BYTES:,} bytes: refused"
    ]
    assert snapshot(bomb, *database_files(db_path)) == before
    small = deflated(fx.ob_report(fx.cl("30.0")), tmp_path, "small.dcm", 1024)
    result = clinic("import", "sr", str(small))
    assert result.exit_code == 0, result.output
    assert "Imported 1 scan from 1 file" in result.stdout


def test_an_error_naming_a_database_path_with_a_newline_stays_one_line(tmp_path: Path) -> None:
    """Every error line goes out with its newlines escaped: here a --db path that holds one."""
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    path = tmp_path / "clinic\nerror: forged line.sqlite3"
    result = CliRunner().invoke(app, ["--db", str(path), "patient", "list"], env={"NO_COLOR": "1"})
    assert result.exit_code == 3, result.output
    [line] = errors(result.stderr)
    assert line.startswith("error: db: no cervix-watch database at ")
    assert "clinic\\x0aerror: forged line.sqlite3" in line
    assert not path.exists()
