"""Shared fixtures: a real SQLite file per test and a CLI runner bound to it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cervix_watch.cli.app import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VIGNETTES = SHARED / "examples" / "vignettes"

Cli = Callable[..., Result]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database file location inside the test's own temp folder."""
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def cli(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run `cervix-watch --db <tmp file> ARGS...` through typer's CliRunner."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("CERVIX_WATCH_DB", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", str(db_path), *args], input=input)

    return invoke


@pytest.fixture
def vignettes(tmp_path: Path) -> Path:
    """A writable copy of the shared worked examples (skips when ../shared is absent)."""
    if not VIGNETTES.is_dir():
        pytest.skip(f"shared examples not found at {VIGNETTES}")
    target = tmp_path / "vignettes"
    shutil.copytree(VIGNETTES, target)
    return target
