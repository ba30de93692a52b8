"""A throw-away PostgreSQL server for the test session: initdb, pg_ctl, one database per test.

The server listens on 127.0.0.1 only, on a free port, with password (scram) authentication
for TCP so that the tests see real URLs with passwords in them. initdb refuses to run as
root, so under root (as in CI) every server command runs as the `postgres` system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPERUSER = "postgres"
# Durability is irrelevant for a server that lives for one test run; these make it fast.
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class ServerUnavailable(Exception):
    """No PostgreSQL server could be started here; the message says why."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps them off PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        raise ServerUnavailable(
            "PostgreSQL is not installed (no initdb/pg_ctl; apt-get install postgresql)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgServer:
    """A running server; `new_database()` gives a fresh empty database's URL."""

    bin_dir: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    _admin: Any = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServerUnavailable(
                f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-1000:]} {tail}"
            )

    def start(self) -> None:
        self._prepare_root()
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        self._own(pwfile)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                f"-c max_connections=200 {_FAST}"
            )
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.root / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                )
                return
            except ServerUnavailable:
                if _attempt == 2:
                    raise

    def _prepare_root(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            shutil.chown(self.root, user=SUPERUSER)
        except (LookupError, OSError) as error:
            raise ServerUnavailable(
                f"running as root and cannot hand {self.root} to the {SUPERUSER!r} user: {error}"
            ) from None
        if shutil.which("runuser") is None:
            raise ServerUnavailable("running as root and `runuser` is missing")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, user=SUPERUSER)

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> Any:
        """An autocommit superuser connection to the maintenance database."""
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(
                host="127.0.0.1",
                port=self.port,
                user=SUPERUSER,
                password=self.password,
                dbname="postgres",
                autocommit=True,
            )
        return self._admin

    def new_database(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of the database named `template` (which must
        have no open connection), its files copied (from PostgreSQL 15, whose default
        WAL_LOG strategy would write every page to the WAL too)."""
        name = f"t_{uuid.uuid4().hex}"
        copied = "" if template is None else f' TEMPLATE "{template}"'
        if template is not None and self.admin().info.server_version >= 150000:
            copied += " STRATEGY FILE_COPY"
        self.admin().execute(f'CREATE DATABASE "{name}"{copied}')
        return self.url(name)

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        # a server that is already gone has nothing left to stop
        with contextlib.suppress(ServerUnavailable, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def _in_memory_folder() -> str | None:
    """Linux's /dev/shm (a tmpfs) when there is one: the server's files never reach the disk,
    which makes CREATE DATABASE and the removal at the end several times faster on a busy
    machine. None: the usual temp folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def start_server() -> PgServer:
    """Start a server in a new temp folder (outside pytest's root-only tmp tree)."""
    try:
        import psycopg  # noqa: F401  (the driver is part of the `postgres` extra)
    except ModuleNotFoundError:
        raise ServerUnavailable("psycopg is not installed (pip install '.[postgres]')") from None
    root = Path(tempfile.mkdtemp(prefix="cw-pg-", dir=_in_memory_folder()))
    server = PgServer(find_bin_dir(), root)
    started = time.monotonic()
    try:
        server.start()
    except (ServerUnavailable, OSError, subprocess.TimeoutExpired) as error:
        server.stop()
        raise ServerUnavailable(f"{error} (after {time.monotonic() - started:.0f} s)") from None
    return server
