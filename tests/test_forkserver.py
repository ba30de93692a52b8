"""The fork server (tests/forkserver.py) runs a program as a fresh `python -c` would: the
same output, exit status, streams, environment and folder; a caller gone, its child
killed. Each case runs a small probe both ways, or asserts what a fresh run gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import forkserver
from tests.forkclient import SOCKET_VARIABLE

# What the probe shows of the process it runs in; its first argument is its exit status.
PROBE = """\
import os, sys, time
streams = [(s.encoding, s.errors, s.line_buffering, s.mode, s.isatty()) if s else None
           for s in (sys.stdin, sys.stdout, sys.stderr)]
mask = os.umask(0)
print(sys.argv, os.getcwd(), oct(mask), sorted(os.environ), streams, time.tzname, flush=True)
print(sys.stdin.read() if sys.stdin else "no stdin", file=sys.stderr)
if sys.argv[1] == "left-open":
    kept = open("kept.txt", "w")
    kept.write("written at exit")
elif sys.argv[1] == "sleep":
    import time
    print(os.getpid(), flush=True)
    time.sleep(120)
elif sys.argv[1] == "signal":
    os.kill(os.getpid(), 9)
elif sys.argv[1] == "raise":
    raise ValueError("the probe failed")
sys.exit(int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1])
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A server running PROBE: the environment its callers get (the client on PATH)."""
    folder = tmp_path_factory.mktemp("forkserver")
    env = {"HOME": str(folder), "PATH": os.environ["PATH"]}
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    forkserver.write_client(bin_dir / "forked")
    fresh = bin_dir / "fresh"
    fresh.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c \'{PROBE}\' "$@"\n')
    fresh.chmod(0o700)
    socket = folder / "server.sock"
    with forkserver.started(socket, PROBE, [], env, folder / "server.log"):
        yield env | {SOCKET_VARIABLE: str(socket), "PATH": f"{bin_dir}:{env['PATH']}"}


def shell(line: str, env: dict[str, str], cwd: Path) -> tuple[int, bytes, bytes]:
    done = subprocess.run(
        ["/bin/sh", "-c", line], env=env, cwd=cwd, capture_output=True, timeout=60, check=False
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    "args",
    [
        "{} 0 'two words' ~ < /etc/hostname",
        "{} 3 < /dev/null",
        "{} message-to-stderr",
        "{} raise",
        "{} 0 <&-",
        "{} 0 >&- 2>/dev/null; echo $?",
        "{} 0 | head -c 20",
        "{} 7 2>&1 | cat",
        "TZ=JST-9 {} 0 < /dev/null",
    ],
)
def test_a_line_gives_what_a_fresh_interpreter_gives(
    server: dict[str, str], tmp_path: Path, args: str
) -> None:
    """Exit status, stdout and stderr byte for byte, including argv, folder, umask, the
    environment's names (without the server's variable), each stream's settings and the
    time zone."""
    alone = {name: value for name, value in server.items() if name != SOCKET_VARIABLE}
    fresh = shell("umask 027; " + args.format("fresh"), alone, tmp_path)
    forked = shell("umask 027; " + args.format("forked"), server, tmp_path)
    assert forked == fresh


def test_a_file_left_open_is_written_as_at_a_fresh_exit(
    server: dict[str, str], tmp_path: Path
) -> None:
    """A file the program leaves open gets the interpreter's full teardown, so it is flushed."""
    shell("forked left-open < /dev/null", server, tmp_path)
    assert (tmp_path / "kept.txt").read_text() == "written at exit"


def test_a_child_killed_by_a_signal_kills_its_client(
    server: dict[str, str], tmp_path: Path
) -> None:
    """The shell sees the status of a program killed by SIGKILL (128 + 9)."""
    assert shell("forked signal < /dev/null", server, tmp_path)[0] == 128 + signal.SIGKILL


def test_a_caller_gone_kills_its_child(server: dict[str, str], tmp_path: Path) -> None:
    """A client killed (a test's timeout) takes its child with it."""
    client = subprocess.Popen(
        ["forked", "sleep"],
        env=server,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert client.stdout is not None
    client.stdout.readline()
    child = int(client.stdout.readline())  # running its program
    client.kill()
    client.wait(timeout=60)
    deadline = time.monotonic() + 60
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not Path(f"/proc/{child}").exists()


def test_a_caller_started_differently_is_refused(server: dict[str, str], tmp_path: Path) -> None:
    """A client whose interpreter starts otherwise (here its warning options) could not be
    run faithfully by the server's child: exit 125 and why, nothing run."""
    status, out, err = shell("PYTHONWARNINGS=error forked 0", server, tmp_path)
    assert (status, out) == (forkserver.REFUSED, b"")
    assert b"started differently" in err
