"""Shared fixtures: a real SQLite file (or PostgreSQL database) per test and a CLI runner."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from cervix_watch.cli.app import app
from cervix_watch.domain.kinds import RECORD_KINDS
from tests.clirunner import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
# The console script installed beside the interpreter running the tests (its venv's bin/,
# wherever that venv is): what a sonographer's workstation or a cron job runs.
CONSOLE_SCRIPT = Path(sys.executable).parent / "cervix-watch"
# The worked examples, the project's own copy (tests/data/examples/README.md): a clone with
# nothing beside it has them. tests/test_examples.py checks the copy still equals the spec
# folder's ../shared/examples when that folder is there.
EXAMPLES = REPO / "tests" / "data" / "examples"
# the version-2 worked examples (contract and clinical rules v2)
VIGNETTES = EXAMPLES / "vignettes-v2"

Cli = Callable[..., Result]
BACKENDS = ("sqlite", "postgresql")
# Put on a test (or as a module's `pytestmark`) to run it once per database backend.
both_backends = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

# The day every test runs on, whatever the machine's clock says: the fixtures' patients
# (EDD 2027-03-14, scans in October 2026) are mid-pregnancy on it. Tests that need
# "today" use TODAY (or a date built from it), never the system date.
TODAY = date(2026, 12, 1)
# Put on a test that runs the console script in a subprocess: the child reads the real
# clock, so the test builds its dates from the real date instead (see `system_today`).
system_clock = pytest.mark.system_clock


def at_today() -> time_machine.travel:
    """This process's clock at TODAY (noon UTC, ticking): for a test, and for a module- or
    session-scoped fixture that writes records (it runs outside any one test's clock)."""
    return time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a `slow` test run first, then the rest, most tests first. Under
    `make test` (xdist, one file per worker, `--no-loadscope-reorder` to keep this order) a
    long file started last would leave one core working alone at the end."""
    counts = Counter(item.path for item in items)
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path not in slow, -counts[item.path]))


@pytest.fixture(autouse=True)
def _travel_to_today(request: pytest.FixtureRequest) -> Iterator[None]:
    """Move this process's clock to TODAY for the test."""
    if request.node.get_closest_marker("system_clock"):
        yield
        return
    with at_today():
        yield


@pytest.fixture
def system_today(request: pytest.FixtureRequest) -> date:
    """The machine's real date, for tests marked `system_clock` (their subprocesses see it)."""
    assert request.node.get_closest_marker("system_clock"), "mark the test system_clock"
    return date.today()


@pytest.fixture
def console_script() -> Path:
    """The installed `cervix-watch`; a test that needs it fails without it, never skips."""
    if not CONSOLE_SCRIPT.is_file():
        pytest.fail(f"console script not installed at {CONSOLE_SCRIPT} (pip install -e .)")
    return CONSOLE_SCRIPT


@pytest.fixture(autouse=True)
def no_user_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's own config file: the user config folder is an empty
    one of the test session's (a test may point $XDG_CONFIG_HOME or $CERVIX_WATCH_CONFIG
    elsewhere)."""
    monkeypatch.delenv("CERVIX_WATCH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-config"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database file location inside the test's own temp folder."""
    return tmp_path / "clinic.sqlite3"


def in_ci() -> bool:
    """CI sets CI=true: there a test that cannot run fails instead of skipping."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def dcmtk_tool(name: str) -> str:
    """The path of a DCMTK program (Debian package dcmtk; .ci/run installs it): missing, the
    test fails in CI and skips elsewhere."""
    found = shutil.which(name)
    if found is None:
        if in_ci():
            pytest.fail(f"CI must test with DCMTK's {name}, but it is missing")
        pytest.skip(f"{name} (dcmtk) is not installed")
    return found


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One real PostgreSQL server for the session; skipped where none can start (not in CI)."""
    from tests.pg.pgserver import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as why:
        if in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but no server started: {why}")
        pytest.skip(f"no PostgreSQL server: {why}")
    yield server
    server.stop()


@pytest.fixture
def pg_database(pg_server: object) -> Callable[[], str]:
    """Factory: the URL (superuser, with password) of a new empty database on the server."""
    from tests.pg.pgserver import PgServer

    assert isinstance(pg_server, PgServer)
    return pg_server.new_database


def init_database(url: str) -> str:
    """Create the cervix-watch schema at `url`, as `cervix-watch db init URL` does. A new
    SQLite file is a copy (mode 0600 kept) of one this process made so once with the same
    migrations: the same bytes, without running every migration again for each test."""
    from cervix_watch.store.migrations import MIGRATIONS

    path = Path(url)
    if "://" in url or os.path.lexists(path) or not path.parent.is_dir():
        _create_schema(url)
    else:
        shutil.copy2(_sqlite_template(tuple(entry.name for entry in MIGRATIONS)), path)
    return url


def _create_schema(url: str) -> None:
    from cervix_watch.store.store import Store

    Store.open(url, create=True).engine.dispose()


@functools.cache
def _sqlite_template(migrations: tuple[str, ...]) -> Path:
    """A new database made by `db init` with `migrations`, once per test process (removed at
    its exit)."""
    folder = Path(tempfile.mkdtemp(prefix="cw-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    template = folder / "clinic.sqlite3"
    _create_schema(str(template))
    return template


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """What `--db` gets: a new cervix-watch database (made as `db init` makes it), a SQLite
    file by default, PostgreSQL when parametrised with "postgresql" (see `both_backends`)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return init_database(str(db_path))
    from tests.pg.pgserver import PgServer

    server = request.getfixturevalue("pg_server")
    assert isinstance(server, PgServer)
    return server.new_database(template=request.getfixturevalue("pg_template"))


@pytest.fixture(scope="session")
def pg_template(pg_server: object) -> str:
    """The name of a database on the session's server made as `db init` makes one: a new
    cervix-watch database on PostgreSQL is a copy of it (CREATE DATABASE ... TEMPLATE)."""
    from tests.pg.pgserver import PgServer

    assert isinstance(pg_server, PgServer)
    return init_database(pg_server.new_database()).rsplit("/", 1)[1]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run `cervix-watch --db <tmp file or URL> ARGS...` through typer's CliRunner."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("CERVIX_WATCH_DB", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", db_url, *args], input=input)

    return invoke


@pytest.fixture
def vignettes(tmp_path: Path) -> Path:
    """A writable copy of the version-2 worked examples (tests/data/examples/vignettes-v2)."""
    target = tmp_path / "vignettes"
    shutil.copytree(VIGNETTES, target)
    return target


@pytest.fixture
def loaded(cli: Cli, vignettes: Path) -> Cli:
    """The CLI on a database holding the version-2 worked examples, every kind imported."""
    for kind in RECORD_KINDS:
        result = cli("import", kind, str(vignettes / f"{kind}.csv"))
        assert result.exit_code == 0, f"{kind}: {result.output}"
    return cli


def default_ctrl_c() -> None:
    """In a child before it starts (`preexec_fn`): Ctrl-C interrupts. A shell that starts a
    command in the background (`make test &`, no job control) makes it ignore SIGINT, and a
    child inherits that; the user at a terminal never has it so."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
