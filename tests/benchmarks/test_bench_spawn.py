"""bench/spawn.py: a child started by the spawner reports its own peak RSS, not the
bench parent's (wait4 counts the pages a child had before exec)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import spawn

BALLAST_MB = 200  # the parent grows by this much after the spawner starts


@pytest.fixture
def spawner() -> spawn.Spawner:
    started = spawn.Spawner()
    yield started  # type: ignore[misc]
    started.close()


def test_a_spawned_childs_peak_rss_does_not_follow_the_parents(spawner: spawn.Spawner) -> None:
    """With the parent grown by 200 MB, a direct child of it reports at least that; the
    same tiny child through the spawner reports a few MB."""
    ballast = b"x" * (BALLAST_MB * 2**20)  # touched: resident
    direct = subprocess.Popen(["true"])
    _, _, usage = os.wait4(direct.pid, 0)
    spawned = spawner.run(["true"], env=dict(os.environ))
    assert len(ballast) == BALLAST_MB * 2**20
    assert usage.ru_maxrss // 1024 >= BALLAST_MB
    assert spawned.rss_kb // 1024 < 50
    assert spawned.returncode == 0


def test_a_run_gives_its_exit_code_stderr_cpu_and_stdout_file(
    spawner: spawn.Spawner, tmp_path: Path
) -> None:
    """A failing child's exit code and stderr come back; stdout goes to the file named."""
    code = "import sys; print('out'); sys.stderr.write('bad'); sys.exit(3)"
    out = tmp_path / "out.txt"
    done = spawner.run([sys.executable, "-c", code], env=dict(os.environ), stdout=out)
    assert (done.returncode, done.stderr, out.read_text()) == (3, "bad", "out\n")
    assert done.wall > 0
    assert done.cpu >= 0


def test_stopping_the_spawner_ends_the_command_it_runs(tmp_path: Path) -> None:
    """An interrupted bench stops the spawner, and with it the command being timed: the
    waiting run ends at once instead of after the command's 60 s."""
    started = spawn.Spawner()
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            started.run([sys.executable, "-c", code], env=dict(os.environ))
        except SystemExit as stopped:
            outcome.append(stopped)

    waiting = threading.Thread(target=wait)
    waiting.start()
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started.stop()
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    assert "spawner died" in str(outcome[0])
    assert not Path(f"/proc/{pid_file.read_text()}").exists()
