"""A `cervix-watch listen` subprocess on a free loopback port, and a pynetdicom sender.

Used by tests/interop/test_listen.py and bench/interop.py (the 1,000-SR memory figure).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydicom.dataset import Dataset
from pynetdicom import AE
from tests.conftest import default_ctrl_c

VERIFICATION = "1.2.840.10008.1.1"
SR_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.88.22",
    "1.2.840.10008.5.1.4.1.1.88.33",
    "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR: proposed, to see it refused
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Listener:
    """A running `listen` process; its stdout and stderr go to files (no pipe to fill)."""

    process: subprocess.Popen[bytes]
    port: int
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text()

    def stderr(self) -> str:
        return self.err.read_text()

    def wait_for(self, text: str, timeout: float = 30) -> bool:
        """Whether `text` appears in stderr within `timeout` seconds (a start-up line after
        "Listening as", a line a report makes)."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr():
            if self.process.poll() is not None or time.monotonic() > deadline:
                return text in self.stderr()
            time.sleep(0.05)
        return True

    def rss_kib(self) -> int:
        """The process's resident memory now (VmRSS, KiB)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self, how: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout)


def start(
    db: Path | str, folder: Path, *options: str, env: dict[str, str] | None = None
) -> Listener:
    """Start `cervix-watch --db DB listen --port FREE OPTIONS...` and wait until it answers
    (DB: a SQLite file, or a PostgreSQL URL)."""
    port = free_port()
    out, err = folder / "listen.out", folder / "listen.err"
    environment = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_OPERATOR": "listener"}
    command = [sys.executable, "-m", "cervix_watch", "--db", str(db), "listen"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--port", str(port), *options],
            stdout=stdout,
            stderr=stderr,
            env={**environment, **(env or {})},
            preexec_fn=default_ctrl_c,  # noqa: PLW1509  (no threads yet; Ctrl-C even from `make test &`)
        )
    listener = Listener(process, port, out, err)
    deadline = time.monotonic() + 60
    while "Listening as" not in listener.stderr():
        if process.poll() is not None or time.monotonic() > deadline:
            listener.stop(signal.SIGKILL)
            raise RuntimeError(f"listen did not start: {listener.stderr()}")
        time.sleep(0.1)
    return listener


def moved(dataset: Dataset, by: timedelta) -> Dataset:
    """`dataset` with every date in it (study, content, LMP and EDD items) moved `by`: the
    listener refuses a scan dated after its (real) today. A value that is no calendar day
    (a fixture's unreadable LMP) stays as it is."""
    for element in dataset.iterall():
        if element.VR == "DA" and element.value:
            try:
                day = datetime.strptime(str(element.value), "%Y%m%d").date() + by
            except ValueError:
                continue
            element.value = day.strftime("%Y%m%d")
    return dataset


def sender(ae_title: str = "TESTSCU") -> AE:
    ae = AE(ae_title=ae_title)
    for uid in (*SR_CLASSES, VERIFICATION):
        ae.add_requested_context(uid)
    return ae


def send(port: int, datasets: Iterable[Dataset], ae_title: str = "TESTSCU") -> list[int | None]:
    """C-STORE each dataset over one association; the status of each (None: not sent)."""
    assoc = sender(ae_title).associate("127.0.0.1", port, ae_title="CERVIXWATCH")
    if not assoc.is_established:
        raise ConnectionRefusedError("association not established")
    statuses: list[int | None] = []
    try:
        for dataset in datasets:
            try:
                status = assoc.send_c_store(dataset)
            except ValueError:  # no accepted presentation context for its SOP class
                statuses.append(None)
                continue
            statuses.append(int(status.Status) if "Status" in status else None)
    finally:
        assoc.release()
    return statuses


def echo(port: int, ae_title: str = "TESTSCU", called: str = "CERVIXWATCH") -> int | None:
    """C-ECHO from `ae_title` to the AE titled `called`: its status (None: not associated)."""
    assoc = sender(ae_title).associate("127.0.0.1", port, ae_title=called)
    if not assoc.is_established:
        return None
    try:
        status = assoc.send_c_echo()
        return int(status.Status) if "Status" in status else None
    finally:
        assoc.release()
