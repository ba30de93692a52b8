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
    # A new database gets today's tables at once; the later migrations then find their
    # columns present and add nothing (each adds only what is missing).
    tables.metadata.create_all(conn)


# Version 2 (contract version 2): the new fields, each with the default a v1 record takes.
_V2_COLUMNS = {
    "patients": (
        "dating",
        "des_exposure",
        "connective_tissue_disorder",
        "cervical_dilation_procedures",
        "cervical_tear",
        "smoker",
    ),
    "scans": ("symptoms", "source"),
    "exams": ("membranes_ruptured", "symptoms"),
}


def _v2_fields(conn: sa.Connection) -> None:
    """Dating, the other risk factors, symptoms, ruptured membranes and a scan's source.

    Added in place with ALTER TABLE (no table is rebuilt, no row rewritten by us): every
    stored record keeps its values and takes the column's default (empty, no, 0). The
    column definitions are the ones in `tables`, so a new and an upgraded database are
    alike. The cerclage kind `transabdominal` needs no change: `kind` is a plain string.
    """
    for table_name, names in _V2_COLUMNS.items():
        _add_missing_columns(conn, tables.metadata.tables[table_name], names)


def _add_missing_columns(conn: sa.Connection, table: sa.Table, names: tuple[str, ...]) -> None:
    present = {column["name"] for column in sa.inspect(conn).get_columns(table.name)}
    quote = conn.dialect.identifier_preparer.quote
    for name in names:
        if name in present:
            continue
        definition = sa.schema.CreateColumn(table.c[name]).compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {quote(table.name)} ADD COLUMN {definition}")


def _v3_active_index(conn: sa.Connection) -> None:
    """Index patients by EDD: the review selects active pregnancies in SQL (issue 16).

    A new database has it from `create_all` already; an older one gets it here.
    """
    tables.patients_edd_index.create(conn, checkfirst=True)


def _v4_text_names(conn: sa.Connection) -> None:
    """Patient names become TEXT: the domain allows MAX_NAME (10,000) characters, and the
    old VARCHAR(200) made PostgreSQL refuse a 201-character name that SQLite kept.

    SQLite does not enforce VARCHAR lengths, so only PostgreSQL changes (in place, no
    row lost: widening a VARCHAR to TEXT keeps every value). A new database is TEXT
    from `create_all` already, where this changes nothing.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE patients ALTER COLUMN name TYPE TEXT")


def _v5_audit_chain(conn: sa.Connection) -> None:
    """The audit trail made tamper-evident and append-only (issue 24): the `row_hash`
    column, the chain built over the existing rows in audit_id order, then the triggers
    of `seal` (which from then on refuse any UPDATE of an audit row, so they come last).
    """
    from cervix_watch.store import chain, seal

    _add_missing_columns(conn, tables.audit, ("row_hash",))
    chain.rebuild(conn)
    seal.install(conn)


def _v6_exam_voids(conn: sa.Connection) -> None:
    """Exams can be voided (contract v3, `exam void`: ruptured membranes keyed in error).

    Two nullable columns added in place: every stored exam stays current (not voided).
    """
    _add_missing_columns(conn, tables.exams, ("voided_at", "void_reason"))


def _v7_inbox(conn: sa.Connection) -> None:
    """The scanner-report inbox (issue 23): held reports, their versions, ignored receipts.

    New tables only (`checkfirst`: a new database has them from `create_all`).
    """
    for table in tables.INBOX_TABLES:
        table.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_fields,
    _v3_active_index,
    _v4_text_names,
    _v5_audit_chain,
    _v6_exam_voids,
    _v7_inbox,
)
CURRENT_VERSION = len(MIGRATIONS)


def schema_version(conn: sa.Connection) -> int:
    """The version recorded in the database, 0 for an empty one."""
    if not _has_settings_table(conn):
        return 0
    value = conn.execute(
        sa.select(tables.settings.c.value).where(tables.settings.c.key == SCHEMA_KEY)
    ).scalar_one_or_none()
    return parse_version(value, "the database") if value is not None else 0


def parse_version(value: str, where: str) -> int:
    """The stored schema version as a number; anything else is a damaged record (exit 3)."""
    text = str(value).strip()
    if not text.isdecimal() or int(text) < 1:
        raise DatabaseError(
            f"db: {where} has a damaged schema version record ({text[:20]!r}); it was not changed"
        )
    return int(text)


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
