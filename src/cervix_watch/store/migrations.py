"""Schema migrations, recorded by name (sqlite-utils' `migrations.py` is the model).

Each migration is a function registered with `@migration("name")`; they are applied in
the order they appear in this module, each once, all in the caller's transaction. The
names applied are the rows of the `schema_migrations` table: `pending(applied(conn))` is
what is left to do. A database that has applied a migration this program does not know
was written by a newer cervix-watch and is refused (exit 3) without being changed.
Nothing here drops data.

How to add a migration:
1. Change `tables` first: a new database gets today's tables at once from `initial`.
2. Add a function after the last registered migration (before LEGACY_NAMES), registered
   under a new name that says what it does (`@migration("inbox_table")`). It must do
   only what is missing, since a new database already has it: `table.create(conn,
   checkfirst=True)`, or for new columns of a table the one line `added_columns("name",
   tables.patients, "column", ...)` in place of a function. It runs on SQLite and
   PostgreSQL alike.
3. Test it on a database made before it (tests/store/test_migrations.py shows how).
Never rename, reorder or remove a registered migration: its name is stored in every
clinic's database.

Databases from before names (the `schema_version` setting 1-7, no `schema_migrations`
table) have applied the first N of LEGACY_NAMES. The `schema_version` setting is still
written, as the number of migrations applied: `db info` shows it, and releases from
before names compare it with their own count to refuse a database newer than them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.store import tables

SCHEMA_KEY = "schema_version"
NAMES_TABLE = tables.schema_migrations.name


Apply = Callable[[sa.Connection], None]


@dataclass(frozen=True)
class Migration:
    name: str  # stored in every database that applied it: never renamed
    apply: Apply


MIGRATIONS: list[Migration] = []  # in the order they are applied


def migration(name: str) -> Callable[[Apply], Apply]:
    """Register the decorated function as the migration `name`, after those above it."""

    def register(function: Apply) -> Apply:
        if any(known.name == name for known in MIGRATIONS):
            raise ValueError(f"two migrations are named {name!r}")
        MIGRATIONS.append(Migration(name, function))
        return function

    return register


@migration("initial")
def _initial(conn: sa.Connection) -> None:
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


@migration("v2_fields")
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


def added_columns(name: str, table: sa.Table, *columns: str) -> Migration:
    """Register the migration `name` that adds `columns`, as `table` declares them, to a
    database made before them; a new database has them from `initial` already.

    A new patient detail's migration is this one line (its column comes from the model):
    `added_columns("smoking_history", tables.patients, "smoking_history")`.
    """

    def apply(conn: sa.Connection) -> None:
        _add_missing_columns(conn, table, columns)

    migration(name)(apply)
    return MIGRATIONS[-1]


@migration("active_index")
def _active_index(conn: sa.Connection) -> None:
    """Index patients by EDD: the review selects active pregnancies in SQL (issue 16).

    A new database has it from `create_all` already; an older one gets it here.
    """
    tables.patients_edd_index.create(conn, checkfirst=True)


@migration("text_names")
def _text_names(conn: sa.Connection) -> None:
    """Patient names become TEXT: the domain allows MAX_NAME (10,000) characters, and the
    old VARCHAR(200) made PostgreSQL refuse a 201-character name that SQLite kept.

    SQLite does not enforce VARCHAR lengths, so only PostgreSQL changes (in place, no
    row lost: widening a VARCHAR to TEXT keeps every value). A new database is TEXT
    from `create_all` already, where this changes nothing.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE patients ALTER COLUMN name TYPE TEXT")


@migration("audit_chain")
def _audit_chain(conn: sa.Connection) -> None:
    """The audit trail made tamper-evident and append-only (issue 24): the `row_hash`
    column, the chain built over the existing rows in audit_id order, then the triggers
    of `seal` (which from then on refuse any UPDATE of an audit row, so they come last).
    """
    from cervix_watch.store import chain, seal

    _add_missing_columns(conn, tables.audit, ("row_hash",))
    chain.rebuild(conn)
    seal.install(conn)


@migration("exam_voids")
def _exam_voids(conn: sa.Connection) -> None:
    """Exams can be voided (contract v3, `exam void`: ruptured membranes keyed in error).

    Two nullable columns added in place: every stored exam stays current (not voided).
    """
    _add_missing_columns(conn, tables.exams, ("voided_at", "void_reason"))


@migration("inbox")
def _inbox(conn: sa.Connection) -> None:
    """The scanner-report inbox (issue 23): held reports, their versions, ignored receipts.

    New tables only (`checkfirst`: a new database has them from `create_all`).
    """
    for table in tables.INBOX_TABLES:
        table.create(conn, checkfirst=True)


@migration("worklist_steps")
def _worklist_steps(conn: sa.Connection) -> None:
    """The Modality Worklist's steps (issue 23.4): a new table, no stored row touched."""
    tables.worklist_steps.create(conn, checkfirst=True)


@migration("audit_one_format")
def _audit_one_format(conn: sa.Connection) -> None:
    """The audit rows of added and imported records in the one format of
    `store.auditjson` (issue 20.2), the chain rebuilt over them: `store.auditformat`.
    A new database has no such row, and this changes nothing.
    """
    from cervix_watch.store import auditformat

    auditformat.upgrade(conn)


# The scanner whose settings a held report was read with (issue 23: `import sr --hold
# --scanner NAME` records the calling AE "file import", so the row names the scanner).
added_columns("inbox_scanner", tables.inbox, "scanner")


# The migrations of the builds that numbered them (the schema_version setting 1-7, no
# schema_migrations table), in that order. Releases went up to 6.
LEGACY_NAMES = (
    "initial",
    "v2_fields",
    "active_index",
    "text_names",
    "audit_chain",
    "exam_voids",
    "inbox",
)


@dataclass(frozen=True)
class Recorded:
    """What a database says it has applied: the `schema_version` setting (0: none) and the
    rows of `schema_migrations` (None: no such table, a database of a numbered release)."""

    number: int
    names: frozenset[str] | None

    def applied(self) -> list[str]:
        """The names applied: known ones in the order of MIGRATIONS, unknown ones after."""
        if self.names is None:
            return legacy_names(self.number)
        known = [entry.name for entry in MIGRATIONS if entry.name in self.names]
        return known + sorted(self.names.difference(known))

    @property
    def up_to_date(self) -> bool:
        return self.names is not None and not pending(self.applied())


def recorded(conn: sa.Connection) -> Recorded:
    """What this database has recorded; Recorded(0, None) for an empty one."""
    if not _has_table(conn, tables.settings.name):
        return Recorded(0, None)
    value = conn.execute(
        sa.select(tables.settings.c.value).where(tables.settings.c.key == SCHEMA_KEY)
    ).scalar_one_or_none()
    number = parse_version(value, "the database") if value is not None else 0
    if not _has_table(conn, NAMES_TABLE):
        return Recorded(number, None)
    return Recorded(
        number, frozenset(conn.execute(sa.select(tables.schema_migrations.c.name)).scalars())
    )


def applied(conn: sa.Connection) -> list[str]:
    """The names of the migrations applied to this database, [] for an empty one."""
    return recorded(conn).applied()


def legacy_names(number: int) -> list[str]:
    """What a database of a numbered release has applied (refused past the last number)."""
    if number > len(LEGACY_NAMES):
        raise DatabaseError(
            f"database schema version {number} is newer than this program understands "
            f"({len(LEGACY_NAMES)}); upgrade cervix-watch. The file was not changed."
        )
    return list(LEGACY_NAMES[:number])


def pending(names: Iterable[str]) -> list[Migration]:
    """The registered migrations not among `names`, in the order they are applied."""
    done = set(names)
    return [entry for entry in MIGRATIONS if entry.name not in done]


def schema_version(conn: sa.Connection) -> int:
    """How many migrations the database has applied, 0 for an empty one (`db info`)."""
    return len(applied(conn))


def parse_version(value: str, where: str) -> int:
    """The stored schema version as a number; anything else is a damaged record (exit 3)."""
    text = str(value).strip()
    if not text.isdecimal() or int(text) < 1:
        raise DatabaseError(
            f"db: {where} has a damaged schema version record ({text[:20]!r}); it was not changed"
        )
    return int(text)


def _has_table(conn: sa.Connection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        # Every command asks this on open: SQLite's catalogue answers it directly, where
        # `sa.inspect` would first import SQLAlchemy's whole reflection layer.
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).first()
        return found is not None
    return sa.inspect(conn).has_table(name)


def check_not_newer(names: Iterable[str]) -> None:
    """Refuse a database that has applied a migration this program does not know."""
    unknown = set(names).difference(entry.name for entry in MIGRATIONS)
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise DatabaseError(
            f"database schema is newer than this program understands (it has migration "
            f"{listed}); upgrade cervix-watch. The file was not changed."
        )


def upgrade(conn: sa.Connection) -> list[str]:
    """Apply every pending migration inside the caller's transaction; their names."""
    found = recorded(conn)
    names = found.applied()
    check_not_newer(names)
    tables.schema_migrations.create(conn, checkfirst=True)
    if found.names is None:  # a database of a numbered release: its names, recorded once
        for name in names:
            _record(conn, name)
    done = pending(names)
    for entry in done:
        entry.apply(conn)
        _record(conn, entry.name)
    _record_number(conn, len(names) + len(done))
    return [entry.name for entry in done]


def _record(conn: sa.Connection, name: str) -> None:
    conn.execute(tables.schema_migrations.insert().values(name=name))


def _record_number(conn: sa.Connection, number: int) -> None:
    setting = tables.settings
    updated = conn.execute(
        setting.update().where(setting.c.key == SCHEMA_KEY).values(value=str(number))
    )
    if updated.rowcount == 0:
        conn.execute(setting.insert().values(key=SCHEMA_KEY, value=str(number)))
