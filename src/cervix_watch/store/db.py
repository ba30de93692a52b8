"""Opening a database: where it lives, how SQLite is tuned, and migration on first use.

Selection (contract.md): `--db`, else `CERVIX_WATCH_DB`, else the config file's `db`
(applied by `cervix_watch.settings`), else the per-user default under platformdirs.
A plain path is SQLite; a `postgresql://` URL is PostgreSQL. New SQLite files are
created 0600 inside a 0700 folder.
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

from cervix_watch.domain.errors import DatabaseError, InputError, Problem
from cervix_watch.store import dbfile, migrations, urlmask
from cervix_watch.store.seal import WRITE_LOCK_KEY

BUSY_TIMEOUT_S = 30.0


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir()) / "cervix-watch" / "cervix-watch.sqlite3"


@dataclass(frozen=True)
class Location:
    """Where the database is: a SQLite file path, or a server URL.

    `default` marks the per-user default location, the one place (besides `db init` and
    `demo`) where a database is created on first use.
    """

    url: str | sa.engine.URL
    path: Path | None
    default: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        """For messages: the file path, or the URL as typed with every secret masked."""
        if self.path is not None:
            return str(self.path)
        return hide_password(str(self.url))

    def mask(self, text: str) -> str:
        """`text` (a driver's message) with every secret of this URL written `***`."""
        return text if self.path is not None else urlmask.mask_secrets(text, str(self.url))


def hide_password(url: str) -> str:
    """The URL as the user wrote it (`postgresql://`), every secret masked (`urlmask`)."""
    return urlmask.mask_url(url.replace("postgresql+psycopg://", "postgresql://", 1))


def resolve(option: str | None) -> Location:
    """Where `option` (a path or URL) points; None is the per-user default location. The
    CLI's settings have already applied the selection rule (`cervix_watch.settings`: --db,
    $CERVIX_WATCH_DB, the config file). An empty `option` is refused (the CLI makes it a
    usage error)."""
    if option is not None and not option.strip():
        raise InputError(Problem("db", "is empty; give a file path or a postgresql:// URL"))
    value = option
    if not value:
        path = default_path()
        return Location(url=sqlite_url(path), path=path, default=True)
    if value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        url = value.replace("postgres://", "postgresql://", 1)
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        return Location(url=url, path=None)
    if "://" in value:
        raise DatabaseError(f"unsupported database URL scheme in {value.split('://')[0]!r}")
    path = Path(value).expanduser()
    return Location(url=sqlite_url(path), path=path)


def sqlite_url(path: Path) -> sa.engine.URL:
    """The SQLite URL of a file path, built without parsing: `?`, `#`, `%` and spaces stay
    part of the file name. Absolute, so a file named `:memory:` is a file."""
    return sa.engine.URL.create(drivername="sqlite", database=str(path.absolute()))


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


def create_engine(location: Location, pooled: bool = False) -> sa.Engine:
    """An engine for an already checked location (see `dbfile.prepare_file` for SQLite).

    No pool for a command (it lives for seconds and should leave no idle server sessions
    behind); with `pooled`, for many transactions in one process (`import sr`, `listen`,
    which runs for days), a small pool whose connections are checked before use and
    renewed hourly.
    """
    pool: dict[str, Any] = (
        {"pool_size": 2, "max_overflow": 2, "pool_pre_ping": True, "pool_recycle": 3600}
        if pooled
        else {"poolclass": sa.pool.NullPool}
    )
    if location.path is not None:
        engine = sa.create_engine(
            sqlite_url(location.path), connect_args={"timeout": BUSY_TIMEOUT_S}, **pool
        )
        _tune_sqlite(engine)
        return engine
    try:
        return sa.create_engine(location.url, **pool)
    except ModuleNotFoundError:
        raise DatabaseError(
            "the PostgreSQL driver is not installed: pip install 'cervix-watch[postgres]'"
        ) from None
    except (sa.exc.ArgumentError, ValueError):
        # the parser's message may quote the URL, password included
        raise DatabaseError(f"invalid database URL: {location.describe()}") from None


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


def prepare(engine: sa.Engine, location: Location, create: bool = False) -> int:
    """Create (only when `create`) or upgrade the schema; refuse a newer one, or a database
    with tables of its own, without touching it. Returns the schema version found (the
    number of migrations applied; 0: created)."""
    with translate_errors(location), engine.connect() as conn:
        found = migrations.recorded(conn)
        foreign = found.number == 0 and found.names is None and _has_tables(conn)
        conn.rollback()
    if foreign:
        raise DatabaseError(
            f"db: {location.describe()} is not a cervix-watch database (it has tables but "
            "no cervix-watch schema); it was not changed"
        )
    names = found.applied()
    if not names and not create:
        raise DatabaseError(dbfile.missing_message(location.describe()))
    migrations.check_not_newer(names)
    if found.up_to_date:
        return len(names)
    if names:
        _backup_before_migration(location, len(names))
    with write_transaction(engine, location) as conn:
        # re-read under the write lock: another process may have migrated meanwhile
        migrations.upgrade(conn)
    return len(names)


def _has_tables(conn: sa.Connection) -> bool:
    """Tables in the schema cervix-watch would use (SQLite: the file; PostgreSQL: the
    search path's first schema)."""
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table'").first()
        return found is not None
    return bool(sa.inspect(conn).get_table_names())


@contextmanager
def write_transaction(engine: sa.Engine, location: Location) -> Iterator[sa.Connection]:
    """One all-or-nothing transaction that holds the database's write lock from its start."""
    with translate_errors(location), engine.connect() as plain:
        conn = plain.execution_options(cw_write=True)
        with conn.begin():
            if not location.is_sqlite:
                _lock_postgresql_writers(conn)
            yield conn


def _lock_postgresql_writers(conn: sa.Connection) -> None:
    """Serialise writers: check-then-write steps (idempotent import, void once) stay correct.

    Row locks alone would not cover "this row does not exist yet". Waiting is bounded like
    SQLite's busy timeout; the lock is released at commit or rollback.
    """
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(BUSY_TIMEOUT_S * 1000)}ms'")
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))


def sync_sequence(conn: sa.Connection, column: sa.Column[Any]) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past the largest id.

    Otherwise the next insert without an id would be given one already taken. SQLite needs
    nothing: it picks max(rowid) + 1 itself.
    """
    if conn.dialect.name != "postgresql":
        return
    table = column.table
    largest = sa.select(sa.func.max(column)).scalar_subquery()
    sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
    conn.execute(
        sa.select(sa.func.setval(sequence, sa.func.coalesce(largest, 1), largest.is_not(None)))
    )


@contextmanager
def translate_errors(location: Location) -> Iterator[None]:
    """Database failures become DatabaseError (exit 3) with no data and no password in them."""
    try:
        yield
    except sa.exc.IntegrityError:
        # A constraint caught a conflicting concurrent write. The server's text quotes the
        # key value (patient data), so it is not repeated.
        raise InputError(
            Problem("record", "conflicts with a record stored meanwhile; nothing was written")
        ) from None
    except sa.exc.OperationalError as error:
        text = _first_line(error, location)
        if "locked" in text or "busy" in text or "lock timeout" in text:
            raise DatabaseError(
                f"database is locked by another process (waited {BUSY_TIMEOUT_S:.0f} s): "
                f"{location.describe()}"
            ) from None
        raise DatabaseError(f"cannot use database {location.describe()}: {text}") from None
    except sa.exc.DBAPIError as error:
        text = _first_line(error, location)
        raise DatabaseError(f"cannot use database {location.describe()}: {text}") from None


def _first_line(error: sa.exc.DBAPIError, location: Location) -> str:
    """The driver's first line (later lines may quote data), never showing the password."""
    lines = str(error.orig).strip().splitlines() if error.orig else []
    text = lines[0] if lines else type(error).__name__
    return location.mask(text)
