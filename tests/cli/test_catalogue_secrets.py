"""The secrets catalogue (issue 24, reproduction 4): a password in a database URL, in the
userinfo or in any of libpq's secret query options, never appears in a listing
(`config show`, `db info`), an error line or a `--debug` traceback, whichever way the URL
was given (--db, $CERVIX_WATCH_DB, the config file).

Nothing listens on the URL's port: each failing command exits 3 with one line, and no
file appears or changes.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import init_database

from cervix_watch.cli.app import app

SECRET = "Pw-9f3kq7"
FORMS = {
    "userinfo": "postgresql://alice:{s}@127.0.0.1:{port}/clinic",
    "password=": "postgresql://alice@127.0.0.1:{port}/clinic?password={s}",
    "sslpassword=": "postgresql://alice@127.0.0.1:{port}/clinic?sslmode=prefer&sslpassword={s}",
    "percent-encoded key": "postgresql://alice@127.0.0.1:{port}/clinic?pass%77ord={s}",
    "encoded value": "postgresql://alice@127.0.0.1:{port}/clinic?password=Pw%2d9f3kq7",
    "oauth_client_secret=": "postgresql://alice@127.0.0.1:{port}/clinic?oauth_client_secret={s}",
    "scram_client_key=": "postgresql://alice@127.0.0.1:{port}/clinic?scram_client_key={s}",
}
# (what runs, its exit status)
COMMANDS: dict[str, tuple[tuple[str, ...], int]] = {
    "config show": (("config", "show"), 0),
    "db info": (("db", "info"), 3),
    "db info json": (("db", "info", "--format", "json"), 3),
    "db check": (("db", "check"), 3),
    "patient list": (("patient", "list"), 3),
    "--debug patient list": (("--debug", "patient", "list"), 3),
}


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: every connection is refused at once."""
    pytest.importorskip("psycopg")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("how", ["--db", "CERVIX_WATCH_DB", "config file"])
@pytest.mark.parametrize("form", list(FORMS))
def test_no_secret_in_any_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    form: str,
    how: str,
    command: str,
) -> None:
    """Exit status as listed, one error line (or the listing), the secret masked everywhere;
    --debug adds a traceback, masked too."""
    url = FORMS[form].format(s=SECRET, port=closed_port)
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{url}"\n' if how == "config file" else "", encoding="utf-8")
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(config))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CERVIX_WATCH_DB", raising=False)
    if how == "CERVIX_WATCH_DB":
        monkeypatch.setenv("CERVIX_WATCH_DB", url)
    args, code = COMMANDS[command]
    flag = ["--db", url] if how == "--db" else []
    before = snapshot(tmp_path)
    result: Result = CliRunner().invoke(app, [*flag, *args])
    assert result.exit_code == code, result.output
    assert SECRET not in result.output
    assert "Pw%2d9f3kq7" not in result.output
    assert "***" in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == (1 if code else 0), result.stderr
    if "--debug" in args:
        assert "Traceback" in result.stderr
    elif code:
        assert result.stderr == errors[0] + "\n"
    assert snapshot(tmp_path) == before


def as_query_option(url: str, option: str = "password") -> tuple[str, str]:
    """`postgresql://user:pw@host/db` rewritten as `postgresql://user@host/db?option=pw`."""
    head, rest = url.split("://", 1)
    userinfo, location = rest.split("@", 1)
    user, password = userinfo.split(":", 1)
    return f"{head}://{user}@{location}?sslmode=disable&{option}={password}", password


@pytest.mark.parametrize("command", ["db info", "db info json", "config show", "patient list"])
def test_a_working_query_password_is_masked_in_listings(
    pg_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A real server accepts `?password=`: the command succeeds and shows the URL with
    `password=***`, never the password."""
    url, password = as_query_option(init_database(pg_database()))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "300")
    args = {"db info": ["db", "info"], "db info json": ["db", "info", "--format", "json"]}
    args |= {"config show": ["config", "show"], "patient list": ["patient", "list"]}
    result = CliRunner().invoke(app, ["--db", url, *args[command]])
    assert result.exit_code == 0, result.output
    assert password not in result.output
    if command != "patient list":
        assert "password=***" in result.output


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "--debug"])
def test_a_refused_query_password_is_masked_in_the_error(
    pg_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch, debug: list[str]
) -> None:
    """A wrong `?password=`: exit 3, one error line naming the server, the password masked
    there and in the traceback."""
    url, _ = as_query_option(init_database(pg_database()))
    wrong = url.rsplit("=", 1)[0] + "=Wrong-Pw-4711"
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(app, [*debug, "--db", wrong, "patient", "list"])
    assert result.exit_code == 3, result.output
    assert "Wrong-Pw-4711" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "password=***" in errors[0]
    assert "password authentication failed" in errors[0]


def test_the_receivers_log_line_masks_the_password(
    console_script: Path, closed_port: int, tmp_path: Path
) -> None:
    """`listen` (whose stderr is the journal) cannot reach its database: exit 3, one line,
    the query password masked."""
    url = FORMS["password="].format(s=SECRET, port=closed_port)
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_CONFIG": str(tmp_path / "none.toml")}
    args = ["listen", "--host", "127.0.0.1", "--port", "41999", "--allow-ae", "SCANNER"]
    done = subprocess.run(
        [str(console_script), "--db", url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert SECRET not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    masked = f"postgresql://alice@127.0.0.1:{closed_port}/clinic?password=***"
    assert lines[0].startswith(f"error: cannot use database {masked}: ")
    assert "refused" in lines[0]
