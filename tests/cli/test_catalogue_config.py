"""The settings catalogue (issue 24, reproductions 8, 9 and the config items of 11): a
config file someone else could have written, an empty $CERVIX_WATCH_DB, a config file
that is not UTF-8 or holds a value of the wrong type.

Each case exits with its status and one line (naming the file and key, or the variable),
and leaves the database, the config file and the folder byte-identical: nothing is
created, not even the per-user default database.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import in_ci, init_database

from cervix_watch.cli.app import app

OTHER_USER = 12345


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder`: owner, mode and bytes of files, folders by name."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            content = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
            found[str(path.relative_to(folder))] = (info.st_uid, info.st_mode, content)
    return found


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the user's clinic, the config file's path, and the per-user data
    folder (where an unchecked setting would make a new database)."""
    folder = tmp_path / "scene"
    folder.mkdir()
    init_database(str(folder / "clinic.sqlite3"))
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(folder / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("CERVIX_WATCH_DB", "CERVIX_WATCH_OPERATOR"):
        monkeypatch.delenv(name, raising=False)
    return folder


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def one_error(result: Result) -> str:
    """The one line on stderr, checked to be an error line and the only output."""
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    assert "internal error" not in lines[0]
    return lines[0]


def write_config(folder: Path, text: str | bytes, mode: int = 0o600) -> Path:
    path = folder / "config.toml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(mode)
    return path


# What a planted file would do: send the writes elsewhere, under another name.
PLANTED = 'db = "{folder}/other.sqlite3"\noperator = "dr_someone_else"\n'
ADD = ("patient", "add", "H9", "--edd", "2027-03-14")


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o620, 0o602, 0o660])
def test_a_config_file_others_can_write_is_refused(scene: Path, mode: int) -> None:
    """Writable by group or others: exit 2, one line naming the file, its mode and the
    chmod that fixes it; nothing is written anywhere."""
    config = write_config(scene, PLANTED.format(folder=scene), mode)
    before = snapshot(scene)
    result = run("--db", str(scene / "clinic.sqlite3"), *ADD)
    assert result.exit_code == 2, result.output
    line = one_error(result)
    assert line == (
        f"error: config: {config}: is writable by group or others (mode {mode:04o}), "
        f"so it is not trusted; fix with: chmod 600 {config}"
    )
    assert snapshot(scene) == before


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o400])
def test_a_config_file_only_its_owner_can_write_is_used(scene: Path, mode: int) -> None:
    """The other side of the bound: the owner's file, read by others or not, is trusted."""
    write_config(scene, 'operator = "dr_own"\n', mode)
    result = run("--db", str(scene / "clinic.sqlite3"), *ADD)
    assert result.exit_code == 0, result.output


def test_a_config_file_owned_by_another_user_is_refused(scene: Path) -> None:
    """Owned by another user (even 0600): exit 2, one line naming the file and the chown."""
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("CI runs as root to give a file to another user")
        pytest.skip("only root can give a file to another user")
    config = write_config(scene, PLANTED.format(folder=scene))
    os.chown(config, OTHER_USER, OTHER_USER)
    before = snapshot(scene)
    result = run("--db", str(scene / "clinic.sqlite3"), *ADD)
    assert result.exit_code == 2, result.output
    assert one_error(result) == (
        f"error: config: {config}: is owned by another user (uid {OTHER_USER}), so it is "
        f"not trusted; fix with: chown root {config}"
    )
    assert snapshot(scene) == before


@pytest.mark.parametrize("given", ["", " ", "\t"])
def test_an_empty_cervix_watch_db_is_a_usage_error(scene: Path, given: str) -> None:
    """`CERVIX_WATCH_DB=` is refused like `--db ''` (exit 2, one line naming the variable);
    the per-user default database is not created."""
    before = snapshot(scene)
    result = run(*ADD, env={"CERVIX_WATCH_DB": given})
    assert result.exit_code == 2, result.output
    assert one_error(result) == (
        "error: CERVIX_WATCH_DB: is set but empty; unset it, or give a file path or a "
        "postgresql:// URL"
    )
    assert snapshot(scene) == before
    assert not (scene / "data").exists()


def test_an_empty_cervix_watch_db_under_a_db_flag_is_not_used(scene: Path) -> None:
    """--db wins over the variable, so an empty one beside it changes nothing."""
    result = run("--db", str(scene / "clinic.sqlite3"), *ADD, env={"CERVIX_WATCH_DB": ""})
    assert result.exit_code == 0, result.output


def test_an_empty_cervix_watch_db_is_refused_before_the_file_db(scene: Path) -> None:
    """The variable comes before the file's `db`: empty, it is refused, not skipped."""
    write_config(scene, f'db = "{scene / "clinic.sqlite3"}"\n')
    result = run(*ADD, env={"CERVIX_WATCH_DB": ""})
    assert result.exit_code == 2, result.output


# (case id, file content, command, the message after "error: config: PATH: ")
SETTINGS_CASES: list[tuple[str, bytes, tuple[str, ...], str]] = [
    (
        "latin-1 operator",
        b'operator = "M\xfcller"\n',
        ADD,
        "not UTF-8 text (byte 0xfc at offset 13)",
    ),
    ("a UTF-16 file", '\ufeffdb = "x"\n'.encode("utf-16"), ADD, "not UTF-8 text (byte 0xff"),
    (
        'sr = "x"',
        b'sr = "x"\n',
        ("config", "show"),
        "sr: must be a table ([sr.codes]), not a string",
    ),
    ("sr = 3", b"sr = 3\n", ADD, "sr: must be a table ([sr.codes]), not a whole number"),
    (
        "sr = [1]",
        b"sr = [1]\n",
        ("import", "sr", "."),
        "sr: must be a table ([sr.codes]), not a list",
    ),
    ("fhir = 3", b"fhir = 3\n", ADD, "fhir: must be a table ([fhir]), not a whole number"),
    (
        "fhir = true",
        b"fhir = true\n",
        ("export", "fhir"),
        "fhir: must be a table ([fhir]), not true/false",
    ),
    (
        "sr.codes = 3",
        b"[sr]\ncodes = 3\n",
        ("config", "show"),
        "sr.codes: must be a table ([sr.codes]), not a whole number",
    ),
    (
        "unknown [sr] key",
        b"[sr]\ncode = 3\n",
        ADD,
        "sr.code: unknown key (known: codes, ultrasound_edd_tolerance_days)",
    ),
    (
        "unknown [fhir] key",
        b'[fhir]\nmrn_sytem = "urn:x:y"\n',
        ADD,
        "fhir.mrn_sytem: unknown key (known: mrn_system)",
    ),
    (
        "mrn_system = 3",
        b"[fhir]\nmrn_system = 3\n",
        ("export", "fhir"),
        "fhir.mrn_system: must be a URI: a whole number, not a string",
    ),
]


@pytest.mark.parametrize(
    ("text", "command", "message"),
    [case[1:] for case in SETTINGS_CASES],
    ids=[case[0] for case in SETTINGS_CASES],
)
def test_a_bad_config_value_is_one_line_naming_file_and_key(
    scene: Path, text: bytes, command: tuple[str, ...], message: str
) -> None:
    """Wrong encoding or wrong type: exit 1, one line naming the file and the key, never an
    internal error; nothing written."""
    config = write_config(scene, text)
    before = snapshot(scene)
    result = run("--db", str(scene / "clinic.sqlite3"), *command)
    assert result.exit_code == 1, result.output
    assert one_error(result).startswith(f"error: config: {config}: {message}")
    assert snapshot(scene) == before


def test_dev_null_is_no_config(scene: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`CERVIX_WATCH_CONFIG=/dev/null` (mode 0666, but a device nobody can plant a setting
    in) means no settings, as a missing file does; another device or a folder is refused."""
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", os.devnull)
    assert run("--db", str(scene / "clinic.sqlite3"), *ADD).exit_code == 0
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(scene))
    before = snapshot(scene)
    result = run("--db", str(scene / "clinic.sqlite3"), "patient", "list")
    assert result.exit_code == 2, result.output
    assert one_error(result) == f"error: config: {scene}: is not a regular file"
    assert snapshot(scene) == before
