"""Opening a database: where it lives, how SQLite is tuned, and migration on first use.

Selection (contract.md): `--db`, else `CERVIX_WATCH_DB`, else the per-user
default under platformdirs. A plain path is SQLite; a `postgresql://` URL is
PostgreSQL. New SQLite files are created 0600 inside a 0700 folder.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.store import migrations

ENV_VAR = "CERVIX_WATCH_DB"
BUSY_TIMEOUT_S = 30.0


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir()) / "cervix-watch" / "cervix-watch.sqlite3"


@dataclass(frozen=True)
class Location:
    """Where the database is: a SQLite file path, or a server URL."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        """For messages: the file path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)


def resolve(option: str | None) -> Location:
    """Apply the contract's selection rule."""
    value = option or os.environ.get(ENV_VAR) or str(default_path())
    if value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        url = value.replace("postgres://", "postgresql://", 1)
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        return Location(url=url, path=None)
    if "://" in value:
        raise DatabaseError(f"unsupported database URL scheme in {value.split('://')[0]!r}")
    path = Path(value).expanduser()
    return Location(url=f"sqlite:///{path}", path=path)


def _create_private_file(path: Path) -> None:
    """Create the SQLite file owner-only, whatever the umask; SQLite's -wal/-shm copy its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL, busy timeout, foreign keys; writes take the lock at BEGIN (no upgrade deadlocks)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("cw_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_engine(location: Location) -> sa.Engine:
    if location.path is not None:
        _create_private_file(location.path)
        engine = sa.create_engine(
            location.url, connect_args={"timeout": BUSY_TIMEOUT_S}, poolclass=sa.pool.NullPool
        )
        _tune_sqlite(engine)
        return engine
    try:
        return sa.create_engine(location.url, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise DatabaseError(
            "the PostgreSQL driver is not installed: pip install 'cervix-watch[postgres]'"
        ) from None


def _backup_before_migration(location: Location, version: int) -> None:
    if location.path is None:
        return
    backup = location.path.with_name(f"{location.path.name}.v{version}.bak")
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(location.path)
    target = sqlite3.connect(backup)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    shutil.copymode(location.path, backup)


def prepare(engine: sa.Engine, location: Location) -> None:
    """Create or upgrade the schema; refuse a newer one without touching the file."""
    with translate_errors(location), engine.connect() as conn:
        version = migrations.schema_version(conn)
        conn.rollback()
    migrations.check_not_newer(version)
    if version == migrations.CURRENT_VERSION:
        return
    if version > 0:
        _backup_before_migration(location, version)
    with translate_errors(location), engine.connect() as plain:
        conn = plain.execution_options(cw_write=True)
        with conn.begin():
            # re-read under the write lock: another process may have migrated meanwhile
            migrations.upgrade(conn, migrations.schema_version(conn))


@contextmanager
def translate_errors(location: Location) -> Iterator[None]:
    """Database failures become DatabaseError (exit 3) with no data and no password in them."""
    try:
        yield
    except sa.exc.OperationalError as error:
        text = str(error.orig).splitlines()[0] if error.orig else "operational error"
        if "locked" in text or "busy" in text:
            raise DatabaseError(
                f"database is locked by another process (waited {BUSY_TIMEOUT_S:.0f} s): "
                f"{location.describe()}"
            ) from None
        raise DatabaseError(f"cannot use database {location.describe()}: {text}") from None
    except sa.exc.DatabaseError as error:
        text = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
        raise DatabaseError(f"cannot use database {location.describe()}: {text}") from None
