"""Database administration: what is there (info), is it sound (check), a consistent copy of a
SQLite file (backup), and the PostgreSQL roles a shared clinic database should be used with.

`check` and `backup` open the database as it is, without migrating it, so they still work
on a file that a newer program wrote or that is damaged.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from cervix_watch.domain.errors import DatabaseError, InputError, Problem
from cervix_watch.store import db, dbfile, migrations
from cervix_watch.store import tables as t

WRITER_ROLE = "cervix_writer"
READER_ROLE = "cervix_reader"


@dataclass(frozen=True)
class DatabaseInfo:
    backend: str
    location: str
    schema_version: int
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)  # for stderr (a loose file mode fixed)


@dataclass(frozen=True)
class CheckReport:
    """Counts per table and every problem found; `problems` empty means the database is sound."""

    backend: str
    location: str
    counts: dict[str, int]
    checks: list[str]  # what was checked, for the reader of the report
    problems: list[str] = field(default_factory=list)
    chain_head: str | None = None  # the newest audit row and its hash, when the chain holds

    @property
    def ok(self) -> bool:
        return not self.problems


def backend_name(location: db.Location) -> str:
    return "sqlite" if location.is_sqlite else "postgresql"


# -- info -----------------------------------------------------------------------------------
def info(location: db.Location) -> DatabaseInfo:
    """Open (creating and migrating, like every command) and describe the database."""
    from cervix_watch.store.store import Store

    store = Store(location)
    with store.read() as conn:
        version = migrations.schema_version(conn)
    return DatabaseInfo(
        backend_name(location), location.describe(), version, store.counts(), store.warnings
    )


# -- counts and foreign keys, both backends ---------------------------------------------------
def table_counts(conn: sa.Connection) -> dict[str, int]:
    return {
        table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        for table in t.DATA_TABLES
        if sa.inspect(conn).has_table(table.name)
    }


def orphans(conn: sa.Connection) -> list[str]:
    """Rows whose foreign key names a parent row that does not exist."""
    problems = []
    for table in t.DATA_TABLES:
        for key in table.foreign_keys:
            child, parent = key.parent, key.column
            query = (
                sa.select(sa.func.count())
                .select_from(table.outerjoin(parent.table, child == parent))
                .where(child.is_not(None), parent.is_(None))
            )
            missing = int(conn.execute(query).scalar_one())
            if missing:
                problems.append(
                    f"{table.name}.{child.name}: {missing} row(s) name a missing "
                    f"{parent.table.name} row"
                )
    return problems


# -- check ----------------------------------------------------------------------------------
def check(location: db.Location) -> CheckReport:
    """SQLite: integrity_check and foreign_key_check; PostgreSQL: counts and orphan rows;
    both: the audit trail's hash chain."""
    if location.path is not None:
        return _check_sqlite(location, location.path)
    engine = db.create_engine(location)
    with db.translate_errors(location), engine.connect() as conn:
        counts = table_counts(conn)
        problems = orphans(conn)
        checked, chain_problems, head = audit_chain(conn)
    checks = ["foreign keys (orphan rows)", checked, "server-side page checks: use pg_amcheck"]
    problems += chain_problems
    return CheckReport("postgresql", location.describe(), counts, checks, problems, head)


def audit_chain(conn: sa.Connection) -> tuple[str, list[str], str | None]:
    """Verify the audit trail's hash chain: what was checked, the break (if any), and the
    chain's head, to note down and compare later (a removed newest row leaves no break)."""
    from cervix_watch.store import chain, seal

    inspector = sa.inspect(conn)
    if not inspector.has_table("audit"):
        return "audit hash chain: no audit table", [], None
    columns = {column["name"] for column in inspector.get_columns("audit")}
    if "row_hash" not in columns:
        return "audit hash chain: not built yet (any command upgrades the database)", [], None
    report = chain.verify(conn)
    checked = f"audit hash chain ({report.rows} rows) and its triggers"
    problems = [f"audit guard: {gone}" for gone in seal.missing(conn)]
    if report.first_break is not None:
        problems.append(
            f"audit chain: audit row {report.first_break} {report.why} "
            "(changed, or a row before it removed, outside cervix-watch)"
        )
        return checked, problems, None
    if report.head_hash is None:
        return checked, problems, None
    # a 16-digit prefix is enough to compare by eye with the head noted at the last backup
    return checked, problems, f"audit row {report.head_id}, sha256 {report.head_hash[:16]}"


def _check_sqlite(location: db.Location, path: Path) -> CheckReport:
    dbfile.existing_file(path)
    # Plain sqlite3, not the tuned engine: a check must not switch journal modes or migrate.
    conn = sqlite3.connect(path, timeout=db.BUSY_TIMEOUT_S)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        problems = [] if integrity == ["ok"] else [f"integrity_check: {m}" for m in integrity]
        problems += [
            f"foreign_key_check: {table} row {rowid} names a missing {parent} row"
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check")
        ]
        engine = sa.create_engine("sqlite://", creator=lambda: conn, poolclass=sa.pool.StaticPool)
        with engine.connect() as sa_conn:
            counts = table_counts(sa_conn)
            checked, chain_problems, head = audit_chain(sa_conn)
        problems += chain_problems
    except sqlite3.DatabaseError as error:
        # damage bad enough that the checks themselves cannot run
        raise DatabaseError(f"database {path} is damaged: {error}") from None
    except sa.exc.DBAPIError as error:
        raise DatabaseError(f"database {path} is damaged: {error.orig}") from None
    finally:
        conn.close()
    checks = ["PRAGMA integrity_check", "PRAGMA foreign_key_check", checked]
    return CheckReport("sqlite", location.describe(), counts, checks, problems, head)


# -- backup ---------------------------------------------------------------------------------
def backup(location: db.Location, out: Path) -> int:
    """Copy a SQLite database through SQLite's online backup API; returns the file's size.

    The copy is one read transaction, so it is consistent even while others write (WAL lets
    them carry on). The file is created owner-only and must not exist yet.
    """
    if location.path is None:
        raise InputError(
            Problem(
                "db",
                "backup of a PostgreSQL database is pg_dump's job: "
                f"pg_dump --format=custom --file=FILE '{location.describe()}' "
                "(restoring it: cervix-watch docs deployment)",
            )
        )
    dbfile.refuse_foreign(location.path)
    _create_private(out)
    try:
        _sqlite_backup(location.path, out)
    except BaseException:
        out.unlink(missing_ok=True)  # never leave a half-written backup that looks complete
        raise
    return out.stat().st_size


def _create_private(out: Path) -> None:
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(Problem("out", f"{out} already exists; choose a new file")) from None
    except OSError as error:
        raise InputError(Problem("out", f"cannot create {out}: {error.strerror}")) from None
    os.close(fd)
    os.chmod(out, 0o600)  # whatever the umask


def _sqlite_backup(source_path: Path, out: Path) -> None:
    source = sqlite3.connect(source_path, timeout=db.BUSY_TIMEOUT_S)
    target = sqlite3.connect(out)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
        result = [row[0] for row in target.execute("PRAGMA integrity_check")]
    except sqlite3.Error as error:
        raise DatabaseError(f"backup of {source_path} failed: {error}") from None
    finally:
        target.close()
        source.close()
    if result != ["ok"]:
        raise DatabaseError(f"the backup of {source_path} fails integrity_check: {result[0]}")


# -- roles ----------------------------------------------------------------------------------
def roles_sql(location: db.Location) -> list[str]:
    """The statements that create the two roles (if missing) and grant exactly their rights."""
    from cervix_watch.store.store import Store

    if location.is_sqlite:
        raise InputError(
            Problem(
                "db",
                "database roles exist on PostgreSQL only; a SQLite file is protected by its "
                "owner-only file permissions",
            )
        )
    store = Store(location)  # the tables (and their sequences) must exist to be granted
    with store.read() as conn:
        database, schema = conn.execute(
            sa.select(sa.func.current_database(), sa.func.current_schema())
        ).one()
        sequences = _sequences(conn)
        quote = conn.dialect.identifier_preparer.quote
    return _grants(quote(database), quote(schema), sequences, quote)


def _sequences(conn: sa.Connection) -> list[str]:
    names = []
    for table in t.DATA_TABLES:
        for column in table.primary_key.columns:
            if isinstance(column.type, sa.Integer):
                name = conn.execute(
                    sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
                ).scalar_one()
                if name is not None:
                    names.append(str(name))  # already quoted and schema-qualified
    return names


def _grants(
    database: str, schema: str, sequences: list[str], quote: Callable[[str], str]
) -> list[str]:
    tables = ", ".join(quote(table.name) for table in t.DATA_TABLES)
    applied = quote(t.schema_migrations.name)
    records = ", ".join(quote(table.name) for table in t.DATA_TABLES if table is not t.audit)
    both = f"{WRITER_ROLE}, {READER_ROLE}"
    statements = [_create_role(WRITER_ROLE), _create_role(READER_ROLE)]
    statements += [
        # every login of the server may otherwise connect (and make temporary tables)
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {both}",
        f"GRANT USAGE ON SCHEMA {schema} TO {both}",
        # start from nothing so that applying twice, or after a hand-made GRANT, ends the same
        f"REVOKE ALL ON TABLE {tables}, {applied} FROM PUBLIC, {both}",
        # no DELETE or TRUNCATE: records are amended, voided or closed, never deleted
        f"GRANT SELECT, INSERT, UPDATE ON TABLE {records} TO {WRITER_ROLE}",
        # the audit trail is only ever added to (its triggers refuse UPDATE and DELETE too)
        f"GRANT SELECT, INSERT ON TABLE {quote(t.audit.name)} TO {WRITER_ROLE}",
        f"GRANT SELECT ON TABLE {tables} TO {READER_ROLE}",
        # the one deletion the spec asks for: receipts of ignored reports (no patient data)
        # go after `receipt_days` (store.inbox.purge_receipts)
        f"GRANT DELETE ON TABLE {quote(t.inbox_receipts.name)} TO {WRITER_ROLE}",
        # every command reads which migrations were applied; only the owner migrates
        f"GRANT SELECT ON TABLE {applied} TO {both}",
    ]
    if sequences:
        names = ", ".join(sequences)
        statements += [
            f"REVOKE ALL ON SEQUENCE {names} FROM {both}",
            # UPDATE as well as USAGE: importing exported scans keeps their scan_id and then
            # moves the sequence on with setval(), which needs UPDATE
            f"GRANT USAGE, UPDATE ON SEQUENCE {names} TO {WRITER_ROLE}",
        ]
    return statements


def _create_role(role: str) -> str:
    # CREATE ROLE has no IF NOT EXISTS; roles are cluster-wide and may exist from another db.
    # Made by a superuser beforehand (docs/deployment.md), the owner needs no CREATEROLE.
    return (
        "DO $$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN\n"
        f"    CREATE ROLE {role} NOLOGIN;\n"
        "  END IF;\n"
        "END $$"
    )


def apply_roles(location: db.Location) -> list[str]:
    """Run `roles_sql` in one transaction (needs the owner of the tables or a superuser)."""
    statements = roles_sql(location)
    engine = db.create_engine(location)
    with db.write_transaction(engine, location) as conn:
        _refuse_missing_roles(conn)
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements


def _refuse_missing_roles(conn: sa.Connection) -> None:
    """A login that may not create roles, with the roles missing: say who should make them
    (the server's own "permission denied to create role" names neither)."""
    roles = (WRITER_ROLE, READER_ROLE)
    found = set(
        conn.execute(
            sa.text("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN (:w, :r)"),
            {"w": WRITER_ROLE, "r": READER_ROLE},
        ).scalars()
    )
    missing = [role for role in roles if role not in found]
    may_create = conn.exec_driver_sql(
        "SELECT rolsuper OR rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user"
    ).scalar_one()
    if missing and not may_create:
        creates = " ".join(f"CREATE ROLE {role} NOLOGIN;" for role in missing)
        raise DatabaseError(
            f"db roles: {', '.join(missing)} missing and this login may not create roles; "
            f"as a superuser run: {creates} (docs/deployment.md, step 1); nothing was changed"
        )
