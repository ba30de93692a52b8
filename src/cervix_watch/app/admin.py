"""The `db` commands' use cases: where the database is, its schema version, info, check,
backup, copy and the PostgreSQL roles. Each returns a value for the caller to show.

The CLI reaches the store's administration through here only (issue 20: `cli/` imports
no `store/` internals); the value types it shows are re-exported for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cervix_watch.store import admin, db, migrations
from cervix_watch.store.admin import CheckReport, DatabaseInfo
from cervix_watch.store.copy import TableCopy, copy_database
from cervix_watch.store.db import Location

if TYPE_CHECKING:
    from cervix_watch.store.store import Store


def locate(option: str | None) -> Location:
    """The database a `--db` value (or its absence) names: flag, environment, else default."""
    return db.resolve(option)


def schema_version(store: Store) -> int:
    """The schema version the open database now has."""
    with store.read() as conn:
        return migrations.schema_version(conn)


def info(location: Location) -> DatabaseInfo:
    return admin.info(location)


def check(location: Location) -> CheckReport:
    return admin.check(location)


def backup(location: Location, out: Path) -> int:
    """Write a consistent copy of a SQLite database to `out`; its size in bytes."""
    return admin.backup(location, out)


def copy(source: Location, target: Location) -> list[TableCopy]:
    """Copy every table into the empty `target`, verified by counts and checksums."""
    return copy_database(source, target)


def roles(location: Location, *, apply: bool) -> list[str]:
    """The SQL for the PostgreSQL roles; run against the database when `apply`."""
    return admin.apply_roles(location) if apply else admin.roles_sql(location)


__all__ = [
    "CheckReport",
    "DatabaseInfo",
    "Location",
    "TableCopy",
    "backup",
    "check",
    "copy",
    "info",
    "locate",
    "roles",
    "schema_version",
]
