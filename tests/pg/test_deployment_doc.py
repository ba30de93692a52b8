"""docs/deployment.md, sections 1 and 2, run as written against a server of this test's own
(roles are cluster-wide, so the shared test server would already have them): the SQL blocks
through psql as the superuser, the shell blocks through sh as the owner and as a writer,
with only the host:port and the passwords put in. Then what the section promises: the
writer cannot rewrite the trail and is named for a change made behind the program, the
reader only reads, and a login in neither role cannot connect (issue 24, reproduction 2).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.conftest import REPO, in_ci, system_clock
from tests.pg.pgserver import SUPERUSER, PgServer, ServerUnavailable, start_server

DOC = REPO / "docs" / "deployment.md"
PASSWORD = "pw-for-the-doc-test"
BIN = Path(sys.executable).parent


def blocks(section: str) -> list[tuple[str, str]]:
    """The fenced blocks (language, text) of the section whose heading starts `section`."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end != -1 else None]
    return re.findall(r"```(\w+)\n(.*?)```", body, flags=re.DOTALL)


@pytest.fixture(scope="module")
def own_server() -> Iterator[PgServer]:
    try:
        server = start_server()
    except ServerUnavailable as why:
        if in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but no server started: {why}")
        pytest.skip(f"no PostgreSQL server: {why}")
    yield server
    server.stop()


class Site:
    """The doc's placeholders filled in for this server, and ways to run its blocks."""

    def __init__(self, server: PgServer, tmp_path: Path) -> None:
        self.server, self.tmp_path = server, tmp_path
        beside = server.bin_dir / "psql"
        self.psql = str(beside) if beside.exists() else shutil.which("psql") or "psql"

    def fill(self, text: str) -> str:
        here = f"127.0.0.1:{self.server.port}"
        text = text.replace("dbserver.example:5432", here).replace("dbserver.example", here)
        return text.replace("'...'", f"'{PASSWORD}'").replace("the-password", PASSWORD)

    def superuser_sql(self, sql: str) -> subprocess.CompletedProcess[str]:
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.server.port}/postgres"
        env = {**os.environ, "PGPASSWORD": self.server.password}
        return subprocess.run(
            [self.psql, "-X", "-v", "ON_ERROR_STOP=1", url],
            input=self.fill(sql),
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def shell(self, person: str, script: str) -> subprocess.CompletedProcess[str]:
        """`script` in sh -e as `person`: their own HOME (so their ~/.pgpass), no password."""
        home = self.tmp_path / person
        home.mkdir(exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CERVIX_WATCH_DB", "PGPASSWORD", "PGPASSFILE"}
        }
        env |= {"HOME": str(home), "PATH": f"{BIN}:{env['PATH']}", "NO_COLOR": "1"}
        return subprocess.run(
            ["sh", "-e", "-c", self.fill(script)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    def connect(self, user: str) -> object:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.server.port,
            dbname="cervix_watch",
            user=user,
            password=PASSWORD,
        )


@system_clock
def test_the_deployment_steps_run_as_written(
    own_server: PgServer, tmp_path: Path, system_today: date
) -> None:
    """Sections 1 and 2 of docs/deployment.md, as written, give the roles they describe."""
    import psycopg

    site = Site(own_server, tmp_path)
    superuser_first, owner_steps, logins = blocks("1. ")
    assert [superuser_first[0], owner_steps[0], logins[0]] == ["sql", "sh", "sql"]
    _owner_without_roles_is_told_what_to_run(site)

    outputs = []
    for language, text in (superuser_first, owner_steps, logins):
        done = site.superuser_sql(text) if language == "sql" else site.shell("owner", text)
        assert done.returncode == 0, (text, done.stdout, done.stderr)
        outputs.append(done.stdout)
    assert "Applied to postgresql://cervix_owner@127.0.0.1" in outputs[1]
    assert "GRANT SELECT, INSERT ON TABLE audit TO cervix_writer" in outputs[1]

    # section 2 as alice (the writer), then her first records, through the program
    edd, scanned = system_today + timedelta(days=100), system_today - timedelta(days=1)
    alice = "\n".join(text for _language, text in blocks("2. "))
    alice += (
        f"\ncervix-watch patient add W1 --edd {edd}"
        f"\ncervix-watch scan add W1 --date {scanned} --cl 27"
        "\ncervix-watch db check\n"
    )
    done = site.shell("alice", alice)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "no problems found" in done.stdout

    # behind the program's back, as alice: the trail refuses her, the scan change names her
    with site.connect("alice") as conn:  # type: ignore[attr-defined]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit SET who = 'nobody', changes = '{}' WHERE audit_id = 2")
        conn.rollback()
        conn.execute("UPDATE scans SET cl1_mm = 35")
        conn.commit()
        who, action, changes = conn.execute(
            "SELECT who, action, changes FROM audit ORDER BY audit_id DESC LIMIT 1"
        ).fetchone()
    assert (who, action, json.loads(changes)["cl1_mm"]) == ("alice", "db-update", [27.0, 35])
    checked = site.shell(
        "alice", alice.split("\ncervix-watch patient add")[0] + "\ncervix-watch db check"
    )
    assert checked.returncode == 0, checked.stderr

    # bob reads and cannot write; a login in neither role cannot connect at all
    bob = alice.split("\ncervix-watch patient add")[0].replace("alice", "bob")
    read = site.shell("bob", bob + "\ncervix-watch patient list")
    assert read.returncode == 0, read.stderr
    assert "W1" in read.stdout
    wrote = site.shell("bob", bob + f"\ncervix-watch patient add W2 --edd {edd}")
    assert wrote.returncode == 3
    assert "permission denied" in wrote.stderr
    assert site.superuser_sql("CREATE ROLE mallory LOGIN PASSWORD '...';").returncode == 0
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        site.connect("mallory")


def _owner_without_roles_is_told_what_to_run(site: Site) -> None:
    """Before the roles exist, an owner without CREATEROLE gets exit 3 and the statements a
    superuser must run (the reproduction's "permission denied to create role"), nothing
    changed."""
    made = site.superuser_sql(
        "CREATE ROLE early_owner LOGIN PASSWORD '...';\nCREATE DATABASE early OWNER early_owner;\n"
    )
    assert made.returncode == 0, made.stderr
    url = f"postgresql://early_owner:{PASSWORD}@127.0.0.1:{site.server.port}/early"
    done = site.shell(
        "early", f"cervix-watch db init '{url}'\ncervix-watch --db '{url}' db roles --apply"
    )
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    assert "CREATE ROLE cervix_writer NOLOGIN; CREATE ROLE cervix_reader NOLOGIN;" in done.stderr
    assert PASSWORD not in done.stderr
    roles = site.superuser_sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'cervix_%';")
    assert " 0\n" in roles.stdout
