"""Where the database is without --db: the default location (owner-only), the fallback
without $XDG_DATA_HOME, --db over $CERVIX_WATCH_DB; --version opens none."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result

from cervix_watch.cli.app import app


def run(*args: str) -> Result:
    """The CLI with no --db: the database comes from the environment or the default."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in the test's temp folder, no $XDG_DATA_HOME and no $CERVIX_WATCH_DB."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("CERVIX_WATCH_DB", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return home


def test_default_database_is_in_the_user_data_dir_and_owner_only(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db or $CERVIX_WATCH_DB the database is <user data dir>/cervix-watch/
    cervix-watch.sqlite3 (platformdirs, so $XDG_DATA_HOME on Linux), created 0600 in a 0700
    folder even under a permissive umask, and used again by the next command."""
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    from platformdirs import user_data_dir

    expected = Path(user_data_dir()) / "cervix-watch" / "cervix-watch.sqlite3"
    if sys.platform == "linux":
        assert expected == data / "cervix-watch" / "cervix-watch.sqlite3"
    assert not expected.exists()
    old = os.umask(0)
    try:
        result = run("patient", "add", "P01", "--edd", "2027-03-14")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert expected.is_file()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
    rows = json.loads(run("patient", "list", "--format", "json").stdout)["patients"]
    assert [r["mrn"] for r in rows] == ["P01"]
    info = json.loads(run("db", "info", "--format", "json").stdout)
    assert info["location"] == str(expected)


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG fallback is Linux's rule")
def test_default_database_falls_back_to_home_local_share(home: Path) -> None:
    """With no $XDG_DATA_HOME the default lives in ~/.local/share/cervix-watch/."""
    result = run("patient", "add", "P01", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    path = home / ".local" / "share" / "cervix-watch" / "cervix-watch.sqlite3"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_db_option_overrides_the_environment(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db wins over $CERVIX_WATCH_DB; without --db the variable wins over the default."""
    from_env = tmp_path / "env.sqlite3"
    from_option = tmp_path / "option.sqlite3"
    monkeypatch.setenv("CERVIX_WATCH_DB", str(from_env))
    assert run("db", "init", str(from_option)).exit_code == 0
    result = run("--db", str(from_option), "patient", "add", "OPT", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    assert from_option.is_file()
    assert not from_env.exists()
    assert run("db", "init").exit_code == 0  # without --db, the variable names the database
    assert from_env.is_file()
    result = run("patient", "add", "ENV", "--edd", "2027-03-14")
    assert result.exit_code == 0, result.output
    listed = {
        str(where): [r["mrn"] for r in json.loads(out.stdout)["patients"]]
        for where, out in (
            (from_env, run("patient", "list", "--format", "json")),
            (from_option, run("--db", str(from_option), "patient", "list", "--format", "json")),
        )
    }
    assert listed == {str(from_env): ["ENV"], str(from_option): ["OPT"]}
    assert not (home / ".local").exists()  # the per-user default was never touched


def test_version_prints_the_installed_version_and_opens_no_database(home: Path) -> None:
    """--version prints `cervix-watch X.Y.Z` (the installed distribution's version), exits 0
    and creates no database."""
    from importlib.metadata import version

    import cervix_watch

    result = run("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"cervix-watch {version('cervix-watch')}\n"
    assert cervix_watch.__version__ == version("cervix-watch")
    assert not (home / ".local").exists()
