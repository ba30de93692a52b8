"""Shared fixtures: a real SQLite file (or PostgreSQL database) per test and a CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cervix_watch.cli.app import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VIGNETTES = SHARED / "examples" / "vignettes"

Cli = Callable[..., Result]
BACKENDS = ("sqlite", "postgresql")
# Put on a test (or as a module's `pytestmark`) to run it once per database backend.
both_backends = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database file location inside the test's own temp folder."""
    return tmp_path / "clinic.sqlite3"


def in_ci() -> bool:
    """CI sets CI=true: there a test that cannot run fails instead of skipping."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
    """Create the cervix-watch schema at `url`, as `cervix-watch db init URL` does."""
    from cervix_watch.store.store import Store

    Store.open(url, create=True).engine.dispose()
    return url


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """What `--db` gets: a new cervix-watch database (made as `db init` makes it), a SQLite
    file by default, PostgreSQL when parametrised with "postgresql" (see `both_backends`)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return init_database(str(db_path))
    new_database: Callable[[], str] = request.getfixturevalue("pg_database")
    return init_database(new_database())


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
    """A writable copy of the shared worked examples (skips when ../shared is absent)."""
    if not VIGNETTES.is_dir():
        if in_ci():
            pytest.fail(f"CI must run the worked examples, but {VIGNETTES} is missing")
        pytest.skip(f"shared examples not found at {VIGNETTES}")
    target = tmp_path / "vignettes"
    shutil.copytree(VIGNETTES, target)
    return target
