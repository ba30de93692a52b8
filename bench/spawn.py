"""Every timed child of the bench is started by one small spawner process.

`wait4`'s peak RSS of a child counts the pages the child had before it called `exec`:
with `fork` a copy of the parent's, with `vfork`/`posix_spawn` the parent's own (the
kernel records the old address space's high-water mark at `exec`). A bench parent that
has read a 50,000-patient review's JSON is 120 MB, and every child it started reported at
least that. The spawner is a fresh interpreter (`exec` gives it its own address space)
that only ever holds a few modules and one request, so a child started by it reports
its own peak, whatever the bench parent has grown to (tests/benchmarks/test_bench_spawn.py).

Requests and answers are one JSON line each over the spawner's stdin and stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# The spawner's whole program: for each request, start the child, read its stderr, reap it
# with wait4 and answer with its wall time (spawn to exit), peak RSS and CPU time.
SPAWNER = r"""
import json, os, signal, subprocess, sys, time
child = None
def stop(signum, frame):  # the bench was stopped: so is the command it was timing
    if child is not None:
        child.kill()
        child.wait()
    os._exit(1)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the bench's to handle
for line in sys.stdin:
    ask = json.loads(line)
    out = open(ask["stdout"], "wb") if ask["stdout"] else subprocess.DEVNULL
    start = time.perf_counter()
    child = subprocess.Popen(ask["argv"], stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.PIPE, env=ask["env"])
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if ask["stdout"]:
        out.close()
    answer = {"wall": wall, "rss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime,
              "returncode": os.waitstatus_to_exitcode(status),
              "stderr": errors.decode(errors="replace")}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
"""


@dataclass(frozen=True)
class Run:
    """One child run to completion."""

    wall: float  # seconds from spawn to exit
    rss_kb: int  # the child's peak resident memory (wait4's ru_maxrss)
    cpu: float  # the child's user + system CPU seconds
    returncode: int
    stderr: str


class Spawner:
    """A long-lived child that starts the timed commands (see the module docstring)."""

    def __init__(self, python: str = sys.executable) -> None:
        self._process = subprocess.Popen(
            [python, "-I", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], env: dict[str, str], stdout: Path | None = None) -> Run:
        pipe_in, pipe_out = self._process.stdin, self._process.stdout
        assert pipe_in is not None
        assert pipe_out is not None
        ask = {"argv": argv, "env": env, "stdout": str(stdout) if stdout else None}
        pipe_in.write(json.dumps(ask) + "\n")
        pipe_in.flush()
        answer = pipe_out.readline()
        if not answer:
            raise SystemExit(f"the bench's spawner died running: {' '.join(argv)}")
        return Run(**json.loads(answer))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()

    def stop(self) -> None:
        """End the spawner and the command it is running (the bench was interrupted)."""
        self._process.terminate()
        self._process.wait()
