"""Migrations recorded by name: applied once each, whatever the order they reach a database.

The real databases of numbered releases (schema versions 1 and 4) upgrade in
test_migration_v2.py, test_migration_pre_v3.py and test_chain.py; here a current database
is turned back into what a numbered release left (no `schema_migrations` table, only the
`schema_version` setting) to try every version.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import both_backends

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.store import db, migrations, tables
from cervix_watch.store.store import Store

ALL = [entry.name for entry in migrations.MIGRATIONS]


def _engine(db_url: str) -> sa.Engine:
    return sa.create_engine(db.resolve(db_url).url, poolclass=sa.pool.NullPool)


def _run(db_url: str, *statements: str) -> None:
    engine = _engine(db_url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _stored(db_url: str) -> tuple[list[str], str]:
    """The names in `schema_migrations` (in the order of MIGRATIONS) and `schema_version`."""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(sa.select(tables.schema_migrations.c.name)).scalars())
            number = conn.execute(
                sa.select(tables.settings.c.value).where(
                    tables.settings.c.key == migrations.SCHEMA_KEY
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return [name for name in ALL if name in names] + sorted(names.difference(ALL)), number


def _as_a_numbered_release(db_url: str, version: int) -> None:
    """What a release from before names left: the version setting, no table of names."""
    _run(
        db_url,
        "DROP TABLE schema_migrations",
        f"UPDATE settings SET value = '{version}' WHERE key = 'schema_version'",
    )


def _with_extra(
    monkeypatch: pytest.MonkeyPatch, *names: str, applied: list[str] | None = None
) -> list[str]:
    """This program with migrations `names` added after today's; the names they ran."""
    ran = [] if applied is None else applied
    extra = [migrations.Migration(name, lambda conn, name=name: ran.append(name)) for name in names]
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, *extra])
    return ran


def test_the_registered_names_are_the_numbered_releases_then_the_rest() -> None:
    """The first migrations are those the numbered releases applied, in their order."""
    assert ALL[: len(migrations.LEGACY_NAMES)] == list(migrations.LEGACY_NAMES)
    assert len(set(ALL)) == len(ALL)


def test_a_name_cannot_be_registered_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two migrations of one name would leave one of them never applied: refused."""
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS))
    with pytest.raises(ValueError, match="two migrations are named 'initial'"):
        migrations.migration("initial")(lambda conn: None)


@both_backends
def test_a_new_database_records_every_name_and_their_number(db_url: str) -> None:
    """`db init` applies every migration and records each name, and the count as the version."""
    assert _stored(db_url) == (ALL, str(len(ALL)))


@both_backends
@pytest.mark.parametrize("version", range(1, len(migrations.LEGACY_NAMES) + 1))
def test_a_database_of_each_numbered_release_gets_its_names(db_url: str, version: int) -> None:
    """A database a numbered release left at version N has applied the first N migrations:
    they are recorded by name, the rest applied, and the version is the count."""
    _as_a_numbered_release(db_url, version)
    store = Store.open(db_url)
    store.engine.dispose()
    assert store.found_version == version
    assert _stored(db_url) == (ALL, str(len(ALL)))


@both_backends
def test_a_new_migration_is_applied_once(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration added after a database was made runs on the next open, and never again."""
    ran = _with_extra(monkeypatch, "next_one")
    Store.open(db_url).engine.dispose()
    Store.open(db_url).engine.dispose()
    assert ran == ["next_one"]
    assert _stored(db_url) == ([*ALL, "next_one"], str(len(ALL) + 1))


def test_migrations_are_found_by_name_not_position(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two migrations made on separate branches: a database that applied the second one
    gets only the first, though the first comes before it in the list."""
    url = db_url
    _run(url, "INSERT INTO schema_migrations (name) VALUES ('second')")
    ran = _with_extra(monkeypatch, "first", "second")
    Store.open(url).engine.dispose()
    assert ran == ["first"]
    assert _stored(url)[0] == [*ALL, "first", "second"]


def test_a_failed_migration_leaves_nothing_recorded(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrations run in one transaction: one that fails leaves no name and no column."""
    url = db_url

    def broken(conn: sa.Connection) -> None:
        conn.exec_driver_sql("ALTER TABLE scans ADD COLUMN half_done TEXT")
        raise RuntimeError("half way")

    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, migrations.Migration("broken", broken)]
    )
    with pytest.raises(RuntimeError):
        Store.open(url)
    engine = _engine(url)
    with engine.connect() as conn:
        columns = {column["name"] for column in sa.inspect(conn).get_columns("scans")}
    engine.dispose()
    assert "half_done" not in columns
    assert _stored(url) == (ALL, str(len(ALL)))


@both_backends
def test_a_database_with_an_unknown_migration_is_refused_unchanged(
    db_url: str, db_path: Path
) -> None:
    """A migration name this program does not know means a newer program wrote the database:
    exit 3 naming it, nothing written (SQLite: the same bytes)."""
    _run(db_url, "INSERT INTO schema_migrations (name) VALUES ('from_a_newer_release')")
    before = db_path.read_bytes() if "://" not in db_url else b""
    with pytest.raises(DatabaseError, match="newer than this program") as caught:
        Store.open(db_url)
    assert caught.value.exit_code == 3
    assert "from_a_newer_release" in str(caught.value)
    assert _stored(db_url) == ([*ALL, "from_a_newer_release"], str(len(ALL)))
    if "://" not in db_url:
        assert db_path.read_bytes() == before


@both_backends
def test_a_numbered_version_past_the_last_numbered_release_is_refused(db_url: str) -> None:
    """A numbered database past version 7 was never made by a numbered release: refused as
    newer, as those releases refused it."""
    last = len(migrations.LEGACY_NAMES)
    _as_a_numbered_release(db_url, last + 1)
    with pytest.raises(DatabaseError, match=f"version {last + 1} is newer"):
        Store.open(db_url)
    _run(db_url, f"UPDATE settings SET value = '{last}' WHERE key = 'schema_version'")
    Store.open(db_url).engine.dispose()
    assert _stored(db_url) == (ALL, str(len(ALL)))


@both_backends
def test_added_columns_is_a_new_columns_migration_in_one_line(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`added_columns` registers a migration that adds a declared patient column to a
    database made before it, the stored patient taking its default (no), once."""
    Store.open(db_url).engine.dispose()
    _run(db_url, "INSERT INTO patients " + _a_patient_row())
    newer = tables.patients.to_metadata(sa.MetaData())
    newer.append_column(
        sa.Column("trial_flag", sa.Boolean, nullable=False, server_default=sa.false())
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS))
    added = migrations.added_columns("trial_flag", newer, "trial_flag")
    assert migrations.MIGRATIONS[-1] is added
    Store.open(db_url).engine.dispose()
    Store.open(db_url).engine.dispose()
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            flags = conn.execute(sa.select(newer.c.mrn, newer.c.trial_flag)).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in flags] == [("P1", False)]
    assert _stored(db_url) == ([*ALL, "trial_flag"], str(len(ALL) + 1))


def _a_patient_row() -> str:
    """The columns and VALUES of one stored patient (every NOT NULL column given)."""
    return (
        "(mrn, name, edd, fetuses, painless_loss_count, prior_cerclage, cervical_excision, "
        "uterine_anomaly, intrauterine_adhesions, caesarean_full_dilatation, notes) "
        "VALUES ('P1', '', '2027-03-14', 1, 0, 'no', 'none', false, false, false, '')"
    )
