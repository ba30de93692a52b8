"""The SQLite file itself, checked before anything opens it for writing.

A mistyped path must never open an empty clinic, and a file that is not ours (a browser's
`places.sqlite`, a text file) must be left byte-identical: so the file is looked at with
`lstat` and a read-only SQLite connection first, and created only where the contract
allows it (`db init`, `demo`, the per-user default location). Every refusal is one line
starting `db:` with exit 3 (DatabaseError).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import urllib.parse
from pathlib import Path

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.store import migrations

SQLITE_HEADER = b"SQLite format 3\x00"
PRIVATE = 0o600
_HEADER_BYTES = 100  # SQLite's file header
_WAL_FLAG_BYTE = 18  # the header's "file format write version": 2 means WAL mode
_COMPANIONS = ("-wal", "-shm")  # SQLite's files beside the database: they hold data too


def missing_message(path: Path | str) -> str:
    return f"db: no cervix-watch database at {path} (create one with: cervix-watch db init {path})"


def not_ours_message(path: Path, why: str) -> str:
    return f"db: {path} is not a cervix-watch database ({why}); it was not changed"


def prepare_file(path: Path, create: bool) -> tuple[migrations.Recorded, list[str]]:
    """Check (or, when allowed, create) the database file without writing to an existing one.

    Returns the migrations it records (none for a new or empty file) and warnings for stderr.
    """
    found = _lstat(path)
    if found is None:
        if not create:
            raise DatabaseError(missing_message(path))
        _create_private_file(path)
        return migrations.Recorded(0, None), []
    if stat.S_ISLNK(found.st_mode):
        if not path.exists():
            raise DatabaseError(
                f"db: {path} is a symbolic link to {os.readlink(path)}, which does not exist"
            )
        found = path.stat()
    if stat.S_ISDIR(found.st_mode):
        raise DatabaseError(f"db: {path} is a folder, not a database file")
    if not stat.S_ISREG(found.st_mode):
        raise DatabaseError(f"db: {path} is not a regular file")
    _refuse_unwritable_folder(path)
    found_recorded = _recorded(path, found.st_size, create)
    return found_recorded, _make_private(path, found.st_mode)


def existing_file(path: Path) -> None:
    """For commands that read the file as it is (check, backup): it must be there."""
    found = _lstat(path)
    if found is None:
        raise DatabaseError(missing_message(path))
    if stat.S_ISLNK(found.st_mode) and not path.exists():
        raise DatabaseError(
            f"db: {path} is a symbolic link to {os.readlink(path)}, which does not exist"
        )
    if not path.is_file():
        raise DatabaseError(f"db: {path} is not a regular file")


def refuse_foreign(path: Path) -> None:
    """For `db backup`: the file must be a cervix-watch database (of any schema version)."""
    existing_file(path)
    _recorded(path, path.stat().st_size, create=False)


def _lstat(path: Path) -> os.stat_result | None:
    """The file's own status (a link is not followed), None when nothing is there."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        _refuse_file_as_folder(path)
        return None
    except NotADirectoryError:
        _refuse_file_as_folder(path)
        raise DatabaseError(f"db: cannot reach {path}") from None
    except OSError as error:
        raise DatabaseError(f"db: cannot look at {path}: {error.strerror}") from None


def _refuse_file_as_folder(path: Path) -> None:
    """`clinic.sqlite3/x.sqlite3`: name the part of the path that is a file, not a folder."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise DatabaseError(f"db: {path} is under {parent}, which is a file, not a folder")


def _refuse_unwritable_folder(path: Path) -> None:
    """SQLite in WAL mode keeps `-wal` and `-shm` files beside the database, even to read."""
    folder = path.absolute().parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"db: cannot use {path}: its folder {folder} is not writable (SQLite keeps "
            f"{path.name}-wal and {path.name}-shm there)"
        )


def _create_private_file(path: Path) -> None:
    """Create the file owner-only (0600, in a 0700 folder) whatever the umask; SQLite's
    -wal/-shm files copy its mode."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE)
        os.close(fd)
        os.chmod(path, PRIVATE)
    except FileExistsError:
        return  # another process created it meanwhile: it is checked when opened
    except PermissionError:
        raise DatabaseError(
            f"db: cannot create {path}: permission denied (is the folder writable?)"
        ) from None
    except OSError as error:
        raise DatabaseError(f"db: cannot create {path}: {error.strerror}") from None


def _recorded(path: Path, size: int, create: bool) -> migrations.Recorded:
    """What the file holds, read through a read-only connection: nothing is written."""
    if size == 0:
        if not create:
            raise DatabaseError(
                f"db: {path} is an empty file, not a cervix-watch database "
                f"(create one with: cervix-watch db init {path})"
            )
        return migrations.Recorded(0, None)
    try:
        with open(path, "rb") as handle:
            header = handle.read(_HEADER_BYTES)
    except OSError as error:
        raise DatabaseError(f"db: cannot read {path}: {error.strerror}") from None
    if not header.startswith(SQLITE_HEADER):
        raise DatabaseError(not_ours_message(path, "not a SQLite file"))
    uri = f"file:{urllib.parse.quote(str(path.absolute()))}?{_read_only_mode(path, header)}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30.0)
    except sqlite3.Error as error:
        raise DatabaseError(f"db: cannot open {path}: {error}") from None
    try:
        return _recorded_in(conn, path, create)
    except sqlite3.OperationalError as error:
        raise DatabaseError(f"db: cannot read {path}: {error}") from None
    except sqlite3.DatabaseError as error:
        raise DatabaseError(not_ours_message(path, f"damaged or not SQLite: {error}")) from None
    finally:
        conn.close()


def _read_only_mode(path: Path, header: bytes) -> str:
    """How to look inside without leaving a trace.

    A read-only connection to a WAL-mode file creates `-wal` and `-shm` beside it and,
    being read-only, cannot remove them. When no `-wal` is there, nobody has the file open
    and every committed page is in the file itself, so it is read as immutable (no
    companions made); otherwise (a rollback-journal file, or one in use) plainly read-only.
    """
    in_wal_mode = len(header) > _WAL_FLAG_BYTE and header[_WAL_FLAG_BYTE] == 2
    if in_wal_mode and not path.with_name(path.name + "-wal").exists():
        return "mode=ro&immutable=1"
    return "mode=ro"


def _recorded_in(conn: sqlite3.Connection, path: Path, create: bool) -> migrations.Recorded:
    tables = {
        name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if not tables:
        if not create:
            raise DatabaseError(
                f"db: {path} is an empty SQLite file, not a cervix-watch database "
                f"(create one with: cervix-watch db init {path})"
            )
        return migrations.Recorded(0, None)
    if "settings" not in tables:
        raise DatabaseError(not_ours_message(path, "it has tables but no cervix-watch schema"))
    try:
        row = conn.execute(
            "SELECT value FROM settings WHERE key = ?", (migrations.SCHEMA_KEY,)
        ).fetchone()
    except sqlite3.OperationalError:  # a `settings` table of someone else's design
        raise DatabaseError(
            not_ours_message(path, "it has tables but no cervix-watch schema")
        ) from None
    if row is None:
        raise DatabaseError(not_ours_message(path, "it has tables but no cervix-watch schema"))
    number = migrations.parse_version(row[0], str(path))
    if migrations.NAMES_TABLE not in tables:
        return migrations.Recorded(number, None)
    names = frozenset(
        name for (name,) in conn.execute(f"SELECT name FROM {migrations.NAMES_TABLE}")
    )
    return migrations.Recorded(number, names)


def _make_private(path: Path, mode: int) -> list[str]:
    """An existing database readable by group or others is set to 0600 (and its -wal/-shm)."""
    if not mode & 0o077:
        return []
    try:
        for name in (path, *(path.with_name(path.name + end) for end in _COMPANIONS)):
            if name.exists():
                os.chmod(name, PRIVATE)
    except OSError as error:
        return [
            f"db: {path} is readable by group or others (mode {stat.S_IMODE(mode):04o}) and "
            f"could not be set to 0600: {error.strerror}"
        ]
    return [
        f"db: {path} was readable by group or others (mode {stat.S_IMODE(mode):04o}); "
        "set to 0600 (owner only)"
    ]
