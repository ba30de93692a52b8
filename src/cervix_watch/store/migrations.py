"""Schema versions as registered functions, applied in order and recorded in `settings`.

A migration is safe to apply once per version; `upgrade` refuses a database
whose schema is newer than this program (exit 3) and never drops data.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.store import tables

Migration = Callable[[sa.Connection], None]
SCHEMA_KEY = "schema_version"


def _v1_initial(conn: sa.Connection) -> None:
    tables.metadata.create_all(conn)


MIGRATIONS: tuple[Migration, ...] = (_v1_initial,)
CURRENT_VERSION = len(MIGRATIONS)


def schema_version(conn: sa.Connection) -> int:
    """The version recorded in the database, 0 for an empty one."""
    if not _has_settings_table(conn):
        return 0
    value = conn.execute(
        sa.select(tables.settings.c.value).where(tables.settings.c.key == SCHEMA_KEY)
    ).scalar_one_or_none()
    return int(value) if value is not None else 0


def _has_settings_table(conn: sa.Connection) -> bool:
    if conn.dialect.name == "sqlite":
        # Every command asks this on open: SQLite's catalogue answers it directly, where
        # `sa.inspect` would first import SQLAlchemy's whole reflection layer.
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'"
        ).first()
        return found is not None
    return sa.inspect(conn).has_table("settings")


def check_not_newer(version: int) -> None:
    if version > CURRENT_VERSION:
        raise DatabaseError(
            f"database schema version {version} is newer than this program understands "
            f"({CURRENT_VERSION}); upgrade cervix-watch. The file was not changed."
        )


def upgrade(conn: sa.Connection, version: int) -> None:
    """Apply every migration after `version`, inside the caller's transaction."""
    check_not_newer(version)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        migration(conn)
        _record_version(conn, number)


def _record_version(conn: sa.Connection, number: int) -> None:
    setting = tables.settings
    updated = conn.execute(
        setting.update().where(setting.c.key == SCHEMA_KEY).values(value=str(number))
    )
    if updated.rowcount == 0:
        conn.execute(setting.insert().values(key=SCHEMA_KEY, value=str(number)))
