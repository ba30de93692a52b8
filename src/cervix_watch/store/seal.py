"""The audit trail's protection inside the database, for whoever reaches it without the program.

- SQLite: triggers refuse UPDATE and DELETE of audit rows (the file itself is owner-only).
- PostgreSQL: the same refusal (TRUNCATE too), and a trigger on every clinical table that
  writes an audit row for each UPDATE or DELETE, naming the database login
  (`session_user`), chained like every other row (`store.chain`). `db roles` grants the
  audit table INSERT and SELECT only.

Why a trigger rather than writes through functions: the program logs in as the clinician's
own database login, so whatever the program may do, the same login may do from psql; only
the database itself can record what that login changed. The trigger therefore records
every change, the program's included (its row stands beside the program's own, which
carries the operator and the reason). The store's SQL stays as it is on both backends.

Installed by the migration `audit_chain`, after the chain is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from cervix_watch.store import chain
from cervix_watch.store import tables as t

# Any fixed 64-bit number: every cervix-watch writer on a PostgreSQL database takes this
# transaction-level advisory lock (`store.db`), so writes are serialised as SQLite's BEGIN
# IMMEDIATE does; the audit trigger takes it too, so the chain has one order.
WRITE_LOCK_KEY = 0x6365727669780001

APPEND_ONLY_MESSAGE = "audit rows cannot be changed or removed"

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
]

# Each field as chain._field builds it: `<byte length>:<UTF-8 text>`, or `-` for NULL.
_PG_FIELD = """
CREATE OR REPLACE FUNCTION {s}.cervix_audit_field(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN value IS NULL THEN convert_to('-', 'UTF8')
    ELSE convert_to(octet_length(convert_to(value, 'UTF8'))::text || ':' || value, 'UTF8')
  END
$$"""

_PG_HASH = """
CREATE OR REPLACE FUNCTION {s}.cervix_audit_hash(
  previous text, at timestamp, who text, action text, entity text, entity_id integer,
  patient_id integer, reason text, changes text
) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT encode(sha256(
    convert_to(previous, 'UTF8')
    || {s}.cervix_audit_field(to_char(at, 'YYYY-MM-DD HH24:MI:SS.US'))
    || {s}.cervix_audit_field(who) || {s}.cervix_audit_field(action)
    || {s}.cervix_audit_field(entity) || {s}.cervix_audit_field(entity_id::text)
    || {s}.cervix_audit_field(patient_id::text) || {s}.cervix_audit_field(reason)
    || {s}.cervix_audit_field(changes)
  ), 'hex')
$$"""

# SECURITY DEFINER: the row is written even for a login with UPDATE but no INSERT on audit;
# the fixed search_path keeps a temporary table named `audit` from catching it.
_PG_RECORD = """
CREATE OR REPLACE FUNCTION {s}.cervix_record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_row jsonb := to_jsonb(OLD);
  changed jsonb;
  stamp timestamp := date_trunc('second', timezone('UTC', now()));
  login text := session_user;
  what text := 'db-delete';
  patient integer := (to_jsonb(OLD) ->> 'patient_id')::integer;
  previous text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(o.key, jsonb_build_array(o.value, n.value)) INTO changed
      FROM jsonb_each(old_row) o JOIN jsonb_each(to_jsonb(NEW)) n USING (key)
      WHERE o.value IS DISTINCT FROM n.value;
    IF changed IS NULL THEN RETURN NULL; END IF;
    what := 'db-update';
  ELSE
    changed := old_row;
    IF TG_TABLE_NAME = 'patients' THEN patient := NULL; END IF;
  END IF;
  PERFORM pg_advisory_xact_lock({lock});
  SELECT row_hash INTO previous FROM {s}.audit ORDER BY audit_id DESC LIMIT 1;
  INSERT INTO {s}.audit (at, who, action, entity, entity_id, patient_id, reason, changes,
                         row_hash)
  VALUES (stamp, login, what, TG_ARGV[0], (old_row ->> TG_ARGV[1])::integer, patient, NULL,
          changed::text,
          {s}.cervix_audit_hash(coalesce(previous, '{genesis}'), stamp, login, what,
            TG_ARGV[0], (old_row ->> TG_ARGV[1])::integer, patient, NULL, changed::text));
  RETURN NULL;
END
$$"""

_PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {s}.cervix_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
END
$$"""

CLINICAL_TABLES = (t.patients, t.scans, t.exams, t.treatments, t.discussions)


def install(conn: sa.Connection) -> None:
    """Create (or replace) the triggers of this backend; safe to run twice."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
        return
    for statement in _postgresql(conn):
        conn.exec_driver_sql(statement)


@contextmanager
def lifted(conn: sa.Connection) -> Iterator[None]:
    """The refusal of an UPDATE of audit rows lifted for a migration that rewrites them
    (`auditformat`), inside its transaction, and put back before it ends: no other
    connection sees the trail unguarded. On an error the transaction is rolled back,
    the dropped trigger with it."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
    else:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS cervix_audit_append_only ON {_audit(conn)}")
    yield
    install(conn)


def _schema(conn: sa.Connection) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return quote(str(conn.execute(sa.select(sa.func.current_schema())).scalar_one()))


def _audit(conn: sa.Connection) -> str:
    return f"{_schema(conn)}.audit"


def _postgresql(conn: sa.Connection) -> list[str]:
    quote = conn.dialect.identifier_preparer.quote
    schema = _schema(conn)
    audit = f"{schema}.audit"
    statements = [
        _PG_FIELD.format(s=schema),
        _PG_HASH.format(s=schema),
        _PG_RECORD.format(s=schema, lock=WRITE_LOCK_KEY, genesis=chain.GENESIS),
        _PG_APPEND_ONLY.format(s=schema, message=APPEND_ONLY_MESSAGE),
        f"DROP TRIGGER IF EXISTS cervix_audit_append_only ON {audit}",
        f"CREATE TRIGGER cervix_audit_append_only BEFORE UPDATE OR DELETE ON {audit} "
        f"FOR EACH ROW EXECUTE FUNCTION {schema}.cervix_audit_append_only()",
        f"DROP TRIGGER IF EXISTS cervix_audit_no_truncate ON {audit}",
        f"CREATE TRIGGER cervix_audit_no_truncate BEFORE TRUNCATE ON {audit} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.cervix_audit_append_only()",
    ]
    for table in CLINICAL_TABLES:
        entity = table.name.removesuffix("s")
        (id_column,) = table.primary_key.columns
        name = f"{schema}.{quote(table.name)}"
        statements += [
            f"DROP TRIGGER IF EXISTS cervix_record_change ON {name}",
            f"CREATE TRIGGER cervix_record_change AFTER UPDATE OR DELETE ON {name} "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.cervix_record_change"
            f"('{entity}', '{id_column.name}')",
        ]
    return statements


def missing(conn: sa.Connection) -> list[str]:
    """The triggers of this backend that are gone or disabled (for `db check`): whoever
    removed one could change the trail, or a record, without leaving a row behind."""
    if conn.dialect.name == "sqlite":
        expected = {("audit", "audit_no_update"), ("audit", "audit_no_delete")}
        found = conn.exec_driver_sql(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
        ).all()
    else:
        expected = {("audit", "cervix_audit_append_only"), ("audit", "cervix_audit_no_truncate")}
        expected |= {(table.name, "cervix_record_change") for table in CLINICAL_TABLES}
        found = conn.exec_driver_sql(
            "SELECT c.relname, g.tgname FROM pg_catalog.pg_trigger g "
            "JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND NOT g.tgisinternal AND g.tgenabled <> 'D'"
        ).all()
    gone = sorted(expected - {(str(table), str(name)) for table, name in found})
    return [f"trigger {name} on {table} is missing or disabled" for table, name in gone]
