"""The database-selection catalogue (issue 11; contract "Database selection" and "Exit
status and errors"): every hostile `--db` / `$CERVIX_WATCH_DB` case the red team threw,
with its exit status, its one-line message, and proof that the database and every named
file are byte-identical afterwards and nothing new appeared (not even a folder).
Plus the privacy and round-trip cases: ids out of range, de-identified order, no record
lost on export -> import, on both backends."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import Cli, both_backends, init_database

from cervix_watch.cli.app import app

BIN = Path(sys.executable).parent / "cervix-watch"
KINDS = ("patients", "scans", "exams", "treatments", "discussions")


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder`: file bytes and mode, link targets, folders (not followed)."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            where = str(path.relative_to(folder))
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink():
                found[where] = ("link", os.readlink(path))
            elif path.is_dir():
                found[where] = ("folder", mode)
            else:
                found[where] = ("file", mode, path.read_bytes())
    return found


def run(*args: str, env_db: str | None = None) -> Result:
    """The CLI with $CERVIX_WATCH_DB set to `env_db` (or unset), colour off."""
    env = {"NO_COLOR": "1", "COLUMNS": "200", "CERVIX_WATCH_DB": env_db}
    return CliRunner().invoke(app, list(args), env=env)  # type: ignore[arg-type]


def _sqlite(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _cervix_watch(path: Path, *statements: str) -> None:
    """A real cervix-watch database, then changed behind the program's back."""
    init_database(str(path))
    _sqlite(path, *statements)


# Each maker builds the scene in a folder and returns what `--db` gets.
def missing(folder: Path) -> str:
    return str(folder / "typo-clinc.sqlite3")


def missing_folder(folder: Path) -> str:
    return str(folder / "nonexistent" / "dir" / "x.sqlite3")


def question_mark(folder: Path) -> str:
    return str(folder / "clinic?v2.sqlite3")


def percent_escape(folder: Path) -> str:
    return str(folder / "c%41t.sqlite3")


def places_sqlite(folder: Path) -> str:
    path = folder / "places.sqlite"
    _sqlite(
        path,
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)",
        "INSERT INTO moz_places VALUES (1, 'https://example.org/')",
    )
    return str(path)


def own_patients_table(folder: Path) -> str:
    path = folder / "other.sqlite3"
    _sqlite(
        path,
        "CREATE TABLE patients (patient_id INTEGER PRIMARY KEY, mrn TEXT)",
        "INSERT INTO patients VALUES (1, 'H1')",
    )
    return str(path)


def own_settings_table(folder: Path) -> str:
    path = folder / "settings.sqlite3"
    _sqlite(path, "CREATE TABLE settings (colour TEXT, size INTEGER)")
    return str(path)


def empty_sqlite(folder: Path) -> str:
    path = folder / "blank.sqlite3"
    _sqlite(path, "PRAGMA user_version = 7")  # a header page, no tables
    return str(path)


def text_file(folder: Path) -> str:
    path = folder / "notes.txt"
    path.write_text("not a database\n")
    return str(path)


def zero_bytes(folder: Path) -> str:
    path = folder / "clinic.sqlite3"
    path.touch()
    return str(path)


def dangling_link(folder: Path) -> str:
    link = folder / "clinic.sqlite3"
    link.symlink_to(folder / "moved-away.sqlite3")
    return str(link)


def under_a_file(folder: Path) -> str:
    (folder / "notes.txt").write_text("a file, not a folder\n")
    return str(folder / "notes.txt" / "x.sqlite3")


def a_folder(folder: Path) -> str:
    (folder / "clinic.sqlite3").mkdir()
    return str(folder / "clinic.sqlite3")


def garbage_version(folder: Path) -> str:
    path = folder / "clinic.sqlite3"
    _cervix_watch(path, "UPDATE settings SET value = 'abc' WHERE key = 'schema_version'")
    return str(path)


def no_version_record(folder: Path) -> str:
    path = folder / "clinic.sqlite3"
    _cervix_watch(path, "DELETE FROM settings WHERE key = 'schema_version'")
    return str(path)


def newer_schema(folder: Path) -> str:
    path = folder / "clinic.sqlite3"
    _cervix_watch(path, "INSERT INTO schema_migrations (name) VALUES ('from_a_newer_release')")
    return str(path)


def newer_numbered_schema(folder: Path) -> str:
    """A database a numbered release (before migrations by name) says is at version 999."""
    path = folder / "clinic.sqlite3"
    _cervix_watch(
        path,
        "DROP TABLE schema_migrations",
        "UPDATE settings SET value = '999' WHERE key = 'schema_version'",
    )
    return str(path)


NOT_OURS = "is not a cervix-watch database"
MISSING = "no cervix-watch database at {db} (create one with: cervix-watch db init {db})"
WRITE = ("scan", "void", "1", "--reason", "typo")  # a writing command, independent of today
READ = ("patient", "list")
REVIEW = ("review", "--as-of", "2026-11-23")

# (case id, scene, command, exit status, expected message fragment; {db} is the path)
DB_CASES: list[tuple[str, Callable[[Path], str], tuple[str, ...], int, str]] = [
    ("mistyped path, writing", missing, WRITE, 3, MISSING),
    ("mistyped path, review", missing, REVIEW, 3, MISSING),
    ("missing folder", missing_folder, READ, 3, MISSING),
    ("? in a missing path", question_mark, WRITE, 3, MISSING),
    ("%41 in a missing path", percent_escape, WRITE, 3, MISSING),
    ("browser places.sqlite", places_sqlite, WRITE, 3, NOT_OURS),
    ("foreign patients table", own_patients_table, WRITE, 3, NOT_OURS),
    ("foreign settings table", own_settings_table, READ, 3, NOT_OURS),
    ("sqlite file with no tables", empty_sqlite, WRITE, 3, "create one with: cervix-watch db init"),
    ("not sqlite", text_file, WRITE, 3, "(not a SQLite file); it was not changed"),
    ("zero-byte file", zero_bytes, READ, 3, "is an empty file, not a cervix-watch database"),
    ("dangling symlink", dangling_link, WRITE, 3, "is a symbolic link to"),
    ("path under a regular file", under_a_file, WRITE, 3, "which is a file, not a folder"),
    ("a folder", a_folder, READ, 3, "is a folder, not a database file"),
    ("garbage schema_version", garbage_version, WRITE, 3, "damaged schema version record ('abc')"),
    ("no schema record", no_version_record, WRITE, 3, NOT_OURS),
    ("newer schema", newer_schema, WRITE, 3, "is newer than this program"),
    ("newer numbered schema", newer_numbered_schema, WRITE, 3, "is newer than this program"),
    ("db info on a mistyped path", missing, ("db", "info"), 3, MISSING),
    ("db check on a mistyped path", missing, ("db", "check"), 3, MISSING),
    ("db backup on a foreign file", places_sqlite, ("db", "backup", "--out", "{out}"), 3, NOT_OURS),
    ("db init on a foreign file", places_sqlite, ("db", "init", "{db}"), 3, NOT_OURS),
    ("db init on a text file", text_file, ("db", "init", "{db}"), 3, "not a SQLite file"),
    ("export on a foreign file", own_patients_table, ("export", "patients"), 3, NOT_OURS),
]


def _args(command: tuple[str, ...], db: str, folder: Path) -> list[str]:
    return [part.format(db=db, out=folder / "backup.sqlite3") for part in command]


@pytest.mark.parametrize(
    ("scene", "command", "code", "fragment"),
    [case[1:] for case in DB_CASES],
    ids=[case[0] for case in DB_CASES],
)
@pytest.mark.parametrize("how", ["--db", "CERVIX_WATCH_DB", "--debug --db"])
def test_database_case_is_refused_and_changes_nothing(
    tmp_path: Path,
    scene: Callable[[Path], str],
    command: tuple[str, ...],
    code: int,
    fragment: str,
    how: str,
) -> None:
    """Exit status as catalogued, the one-line message, every file byte-identical, nothing
    created; --debug adds a traceback and keeps the status."""
    folder = tmp_path / "scene"
    folder.mkdir()
    db = scene(folder)
    before = snapshot(folder)
    args = _args(command, db, folder)
    via_env = how == "CERVIX_WATCH_DB"
    result = run(*args, env_db=db) if via_env else run(*how.split(), db, *args)
    assert result.exit_code == code, result.output
    assert snapshot(folder) == before
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    assert fragment.format(db=db) in lines[0]
    assert "internal error" not in result.stderr
    if "--debug" in how:
        assert "Traceback" in result.stderr
    else:
        assert result.stderr == lines[0] + "\n"


def test_the_missing_database_message_is_the_contracts(tmp_path: Path) -> None:
    """A mistyped $CERVIX_WATCH_DB: exactly the contract's line, and no file or folder."""
    db = tmp_path / "typo" / "clinc.sqlite3"
    result = run("review", env_db=str(db))
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: db: no cervix-watch database at {db} "
        f"(create one with: cervix-watch db init {db})\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("given", ["", " "])
def test_empty_db_option_is_a_usage_error(tmp_path: Path, given: str) -> None:
    """`--db ''` is a usage error (exit 2) naming --db; it never falls back to the variable."""
    fallback = tmp_path / "env.sqlite3"
    init_database(str(fallback))
    before = snapshot(tmp_path)
    result = run("--db", given, "scan", "void", "1", "--reason", "typo", env_db=str(fallback))
    assert result.exit_code == 2, result.output
    assert "--db" in result.stderr
    assert "is empty" in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "name", ["clinic?v2.sqlite3", "a#b.sqlite3", "c%41t.sqlite3", "with space.sqlite3", ":memory:"]
)
def test_a_plain_path_is_the_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """`?`, `#`, `%xx`, spaces and `:memory:` are part of the file name: db init makes exactly
    that file (0600), the records go into it, and no other file appears."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    patients = tmp_path / "patients.csv"
    patients.write_text("mrn,edd\nP01,2025-03-14\n")
    monkeypatch.chdir(folder)  # the name relative, as typed
    assert run("db", "init", name).exit_code == 0
    imported = run("--db", name, "import", "patients", str(patients))
    assert imported.exit_code == 0, imported.output
    assert [p.name for p in folder.iterdir()] == [name]
    assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    with sqlite3.connect(folder / name) as conn:
        assert conn.execute("SELECT mrn FROM patients").fetchall() == [("P01",)]
    info = run("--db", name, "db", "info", "--format", "json")
    assert f'"location": "{name}"' in info.stdout


def test_db_init_creates_once_and_then_changes_nothing(tmp_path: Path) -> None:
    """db init makes a 0600 database (and its 0700 folder); a second db init leaves it as is."""
    db = tmp_path / "new" / "clinic.sqlite3"
    first = run("db", "init", str(db))
    assert first.exit_code == 0, first.output
    assert "Created a new cervix-watch database" in first.stdout
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    before = db.read_bytes()
    again = run("db", "init", str(db))
    assert again.exit_code == 0
    assert "already a cervix-watch database" in again.stdout
    assert db.read_bytes() == before


def test_a_loose_database_file_is_made_owner_only_with_a_warning(tmp_path: Path) -> None:
    """An existing 0644 database (and its -wal) is set to 0600 on open, with one warning."""
    db = tmp_path / "clinic.sqlite3"
    init_database(str(db))
    db.chmod(0o644)
    result = run("--db", str(db), "patient", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: db: {db} was readable by group or others (mode 0644); set to 0600 (owner only)"
    ]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert run("--db", str(db), "patient", "list").stderr == ""


def _unprivileged(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script without the power to write anywhere. As root it keeps its user but
    drops every capability (setpriv), so file modes bind it like any user's, while it still
    reaches the clone and its venv wherever they are (a `nobody` could not below a 0700
    folder). As another user it runs as that user."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CERVIX_WATCH_DB", None)
    env["XDG_CONFIG_HOME"] = "/nonexistent/cervix-watch-test-config"
    done = subprocess.run(
        [*prefix, str(script), *args], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode in (0, 1, 2, 3), f"cervix-watch did not run: {done.stderr[:300]}"
    return done


def test_an_unwritable_folder_is_one_line_exit_3(console_script: Path, tmp_path: Path) -> None:
    """db init into a read-only folder, and an existing database in one: each its own line,
    exit 3, nothing created or changed."""
    locked = tmp_path / "locked"
    locked.mkdir()
    db = locked / "clinic.sqlite3"
    assert _unprivileged(console_script, "db", "init", str(db)).returncode == 0
    locked.chmod(0o555)
    before = snapshot(locked)
    used = _unprivileged(console_script, "--db", str(db), "patient", "list")
    assert used.returncode == 3, used.stderr
    assert used.stderr == (
        f"error: db: cannot use {db}: its folder {locked} is not writable "
        "(SQLite keeps clinic.sqlite3-wal and clinic.sqlite3-shm there)\n"
    )
    new = locked / "new.sqlite3"
    made = _unprivileged(console_script, "db", "init", str(new))
    assert made.returncode == 3, made.stderr
    assert made.stderr == (
        f"error: db: cannot create {new}: permission denied (is the folder writable?)\n"
    )
    assert snapshot(locked) == before
    locked.chmod(0o755)  # so pytest can clear its temp folder


# -- ids: 1..2147483647 on both backends ----------------------------------------------------

ID_CASES: list[tuple[str, list[str], str]] = [
    ("scan_id 2**31", ["scan", "void", "2147483648", "--reason", "x"], "scan_id: 2147483648 "),
    (
        "23-digit scan_id",
        ["scan", "amend", "12345678901234567890123", "--cl", "20", "--reason", "x"],
        "scan_id: 12345678901234567890123 ",
    ),
    ("scan_id 0", ["scan", "void", "0", "--reason", "x"], "scan_id: 0 "),
    ("negative scan_id", ["scan", "void", "--reason", "x", "--", "-5"], "scan_id: -5 "),
    (
        "treatment_id 2**31",
        ["treatment", "end", "2147483648", "--date", "2026-10-13"],
        "treatment_id: 2147483648 ",
    ),
]


@both_backends
@pytest.mark.parametrize(
    ("args", "fragment"), [c[1:] for c in ID_CASES], ids=[c[0] for c in ID_CASES]
)
def test_out_of_range_ids_are_bad_input(
    cli: Cli, db_url: str, args: list[str], fragment: str
) -> None:
    """An id outside 1..2147483647: exit 1, one line naming the id field, nothing written."""
    from tests.store.test_admin import digests

    before = digests(db_url)
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: {fragment}is not a record id (ids are 1 to 2147483647)\n"), (
        result.stderr
    )
    assert digests(db_url) == before


@both_backends
def test_out_of_range_scan_id_in_a_csv_is_bad_input(cli: Cli, db_url: str, tmp_path: Path) -> None:
    """A scans.csv with scan_id 2147483648: exit 1 naming file:line: scan_id, nothing written,
    the file unchanged."""
    from tests.store.test_admin import digests

    patients = tmp_path / "patients.csv"
    patients.write_text("mrn,edd\nP01,2025-03-14\n")
    assert cli("import", "patients", str(patients)).exit_code == 0
    scans = tmp_path / "scans.csv"
    scans.write_text("scan_id,mrn,date,cl1_mm\n2147483648,P01,2024-10-13,22\n")
    before, content = digests(db_url), scans.read_bytes()
    result = cli("import", "scans", str(scans))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {scans}:2: scan_id: 2147483648 is not a record id")
    assert digests(db_url) == before
    assert scans.read_bytes() == content


# -- privacy and round trips ----------------------------------------------------------------

# A past pregnancy (import takes those whatever the day), with records that differ only in
# what a de-identified export removes (notes), a second patient, and one of each kind.
CLINIC = {
    "patients": "mrn,name,edd,notes\nZ900,Zoe Last,2025-03-14,\nA100,Ann First,2025-04-20,x\n"
    "M500,Mia Middle,2025-05-01,\n",
    "scans": "mrn,date,cl1_mm,operator,notes\nZ900,2024-10-13,22,AB,first look\n"
    "Z900,2024-10-13,22,AB,second look\nZ900,2024-10-13,22,AB,\nA100,2024-11-01,30,CD,\n"
    "M500,2024-11-02,35,CD,\n",
    "exams": "mrn,date,dilation_cm,notes\nZ900,2024-10-14,1,speculum\nZ900,2024-10-14,1,digital\n",
    "treatments": "mrn,type,start,notes\nZ900,progesterone,2024-10-15,\n",
    "discussions": "mrn,action,date,outcome,notes\nZ900,progesterone-discussion,2024-10-15,"
    "accepted,\n",
}


def _load(cli: Cli, folder: Path, files: dict[str, str]) -> None:
    for kind in KINDS:
        path = folder / f"{kind}.csv"
        path.write_text(files[kind], encoding="utf-8")
        result = cli("import", kind, str(path))
        assert result.exit_code == 0, result.output


def _second(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Cli:
    """A second, empty database on the same backend, and the CLI pointed at it."""
    if "://" in db_url:
        url = init_database(str(request.getfixturevalue("pg_database")()))
    else:
        url = init_database(str(tmp_path / "second.sqlite3"))
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, ["--db", url, *args], input=input)


def _counts(cli: Cli) -> dict[str, int]:
    info = cli("db", "info", "--format", "json")
    assert info.exit_code == 0, info.output
    found: dict[str, int] = json.loads(info.stdout)["counts"]
    return {kind: found[kind] for kind in KINDS}


@both_backends
def test_export_reimports_to_the_same_rows(
    cli: Cli, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Records alike but for their notes survive export -> import into an empty database:
    the same counts and byte-identical exports."""
    _load(cli, tmp_path, CLINIC)
    exported = {kind: cli("export", kind).stdout for kind in KINDS}
    second = _second(request, db_url, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _load(second, out, exported)
    assert (
        _counts(second)
        == _counts(cli)
        == {
            "patients": 3,
            "scans": 5,
            "exams": 2,
            "treatments": 1,
            "discussions": 1,
        }
    )
    assert {kind: second("export", kind).stdout for kind in KINDS} == exported


@both_backends
def test_deidentified_export_reimports_every_record(
    cli: Cli, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """De-identified scans 3 -> 3 (and exams 2 -> 2): records that only their removed notes
    told apart are kept apart, so the import into an empty database loses none."""
    _load(cli, tmp_path, CLINIC)
    exported = {kind: cli("export", kind, "--deidentify").stdout for kind in KINDS}
    for kind in ("scans", "exams"):
        rows = list(csv.DictReader(io.StringIO(exported[kind])))
        assert len({tuple(row.items()) for row in rows}) == len(rows)
    assert "first look" not in exported["scans"]
    assert "speculum" not in exported["exams"]
    second = _second(request, db_url, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _load(second, out, exported)
    assert _counts(second) == _counts(cli)


@both_backends
def test_deidentified_rows_are_in_pseudonym_order(cli: Cli, tmp_path: Path) -> None:
    """patients, scans and exams come out sorted by pseudonym (then date), never by MRN or
    scan id (eight patients: the MRN order matching by chance is 1 in 40,320)."""
    mrns = [f"H{n}" for n in range(1, 9)]
    clinic = dict(CLINIC)
    clinic["patients"] = "mrn,edd\n" + "".join(f"{m},2025-03-14\n" for m in mrns)
    clinic["scans"] = "mrn,date,cl1_mm\n" + "".join(f"{m},2024-10-13,30\n" for m in mrns)
    clinic["exams"] = "mrn,date\n" + "".join(f"{m},2024-10-14\n" for m in mrns)
    clinic["treatments"] = clinic["discussions"] = ""
    for kind in ("patients", "scans", "exams"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(clinic[kind])
        assert cli("import", kind, str(path)).exit_code == 0
    for kind in ("patients", "scans", "exams"):
        rows = list(csv.DictReader(io.StringIO(cli("export", kind, "--deidentify").stdout)))
        order = [(row["mrn"], row.get("date", "")) for row in rows]
        assert len(order) == 8
        assert order == sorted(order), kind


# -- PostgreSQL: the same rules for a server database ---------------------------------------


def _pg_tables(url: str) -> list[str]:
    import sqlalchemy as sa

    from cervix_watch.store import db

    engine = sa.create_engine(db.resolve(url).url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_postgresql_database_gets_its_schema_only_from_db_init(pg_database: Any) -> None:
    """An empty PostgreSQL database: other commands exit 3 with the contract's line and
    create no table; `db init URL` creates the schema; a second `db init` changes nothing."""
    import sqlalchemy as sa

    url = str(pg_database())
    password = sa.engine.make_url(url).password
    result = run("--db", url, "scan", "void", "1", "--reason", "typo")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: db: no cervix-watch database at postgresql://")
    assert "(create one with: cervix-watch db init" in result.stderr
    assert _pg_tables(url) == []
    created = run("db", "init", url)
    assert created.exit_code == 0, created.output
    assert "Created a new cervix-watch database" in created.stdout
    assert "patients" in _pg_tables(url)
    again = run("db", "init", url)
    assert "already a cervix-watch database" in again.stdout
    if password:  # the URL's password is never printed
        assert password not in result.stderr + created.stdout + again.stdout


def test_foreign_postgresql_database_is_refused(pg_database: Any) -> None:
    """A PostgreSQL database with tables of its own and no schema record: exit 3, one line,
    nothing added (db init included)."""
    import psycopg

    url = str(pg_database())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE patients (id integer PRIMARY KEY, mrn text)")
    for args in (("--db", url, "patient", "list"), ("db", "init", url)):
        result = run(*args)
        assert result.exit_code == 3, result.output
        assert NOT_OURS in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert _pg_tables(url) == ["patients"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["scan", "void", "0", "--reason", "x"], 1),
        (["scan", "void", "1", "--reason", "x"], 1),  # no such scan
        (["--db", "", "patient", "list"], 2),
    ],
    ids=["bad id", "unknown scan", "empty --db"],
)
def test_debug_never_changes_the_exit_status(cli: Cli, args: list[str], code: int) -> None:
    """--debug shows a traceback for errors the program reports, and the status stays."""
    plain = cli(*args)
    debug = cli("--debug", *args)
    assert plain.exit_code == debug.exit_code == code, debug.output
    if code != 2:  # a usage error is click's own message, with or without --debug
        assert "Traceback" in debug.stderr
        assert "Traceback" not in plain.stderr


@both_backends
def test_identical_records_typed_twice_survive_the_round_trip(
    cli: Cli, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same exam and scan typed twice (the second is refused as identical) and the
    stored rows, exported, re-import into an empty database to exactly the same rows."""
    _load(cli, tmp_path, {**CLINIC, "scans": "mrn,date,cl1_mm\n", "exams": "mrn,date\n"})
    exam = ("exam", "add", "Z900", "--date", "2024-10-14", "--dilation-cm", "1", "--bleeding")
    scan = ("scan", "add", "Z900", "--date", "2024-10-13", "--cl", "22", "--operator", "AB")
    for command in (exam, exam, scan, scan):
        assert cli(*command).exit_code in (0, 1)
    stored = _counts(cli)
    assert stored["exams"] == stored["scans"] == 1  # the second of each was refused
    exported = {kind: cli("export", kind).stdout for kind in KINDS}
    second = _second(request, db_url, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _load(second, out, exported)
    assert _counts(second) == stored
    assert {kind: second("export", kind).stdout for kind in KINDS} == exported
