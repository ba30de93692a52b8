"""A fork server ("zygote"): a program run many times as `python -c CODE`, without paying
a fresh interpreter and every import each time.

The server imports the modules the program needs once, then, for each request on its
Unix socket, forks a child that becomes the caller: the caller's stdin, stdout and stderr
(passed as file descriptors), argv, environment, working folder and umask, standard
streams rebuilt as the interpreter builds them at startup. The child runs CODE as
`python -c` would, in a fresh `__main__`, and ends as that program ends (the interpreter's
own handling of `SystemExit`, its last steps and exit status; `left_open` says when the
teardown of every module is skipped). The server sends the
status back to the caller, a tiny client (tests/forkclient.py, run with `python -S`),
which exits with it; if the client goes away first (a test's timeout), the server kills the
child.

What a fork cannot give the child, the server checks or restores: the interpreter's
flags, its filesystem encoding and its `LC_CTYPE` locale are the server's, so a caller
whose interpreter starts differently is refused (exit 125) rather than run unfaithfully;
rich's `_IMPORT_CWD` (the one module-level read of the working folder among the modules
the CLI imports) is read again. Rlimits, signal dispositions other than Python's own,
the process group and the controlling terminal are the server's, which the test starts
as it starts its callers' shell. So is the hash seed: every child iterates a set of
strings in one order, where fresh interpreters differ from run to run (output that
depended on that order would be a bug a fresh run shows more readily).

    python -m tests.forkserver SOCKET CODE [MODULE ...]   (in the clone's folder)

prints `ready` once the MODULEs are imported and SOCKET listens, and serves until its
stdin closes. `started` runs it for a test. Linux only (pidfd, /proc), as the tests are.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import io
import marshal
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tests import forkclient
from tests.forkclient import LENGTH_BYTES, startup

# What the child exits with when the caller's interpreter started differently.
REFUSED = 125


def write_client(script: Path) -> Path:
    """`script`: the client (tests/forkclient.py), run by this interpreter with `-S`."""
    source = Path(forkclient.__file__).read_text(encoding="utf-8")
    script.write_text(f"#!{sys.executable} -S\n{source}", encoding="utf-8")
    script.chmod(0o700)
    return script


@dataclass
class Request:
    """One caller, as the child receives it."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    umask: int
    layout: list[tuple[str, str, bool, bool] | None]
    startup: tuple[object, ...]
    fds: list[int]


@dataclass
class Running:
    """A child and its caller's connection (None once the caller went away)."""

    pid: int
    pidfd: int
    connection: socket.socket | None


def read_request(connection: socket.socket) -> Request:
    """The caller's request: a length, the marshalled context, and its standard streams."""
    connection.settimeout(30)
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    try:
        length = int.from_bytes(data[:LENGTH_BYTES], "big")
        while len(data) < LENGTH_BYTES + length:
            chunk = connection.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the request was cut short")
            data += chunk
        argv, env, cwd, umask, layout, started_as = marshal.loads(data[LENGTH_BYTES:])
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return Request(argv, env, cwd, umask, layout, started_as, fds)


def serve(path: str) -> Request | None:
    """Serve until stdin closes (None); in each forked child, return its request."""
    running: dict[int, Running] = {}
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener,
        selectors.DefaultSelector() as selector,
    ):
        listener.bind(path)
        listener.listen(64)
        selector.register(listener, selectors.EVENT_READ, "accept")
        selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stop")
        print("ready", flush=True)
        while True:
            for key, _events in selector.select():
                if key.data == "stop" and not os.read(sys.stdin.fileno(), 1024):
                    for child in running.values():
                        os.kill(child.pid, signal.SIGKILL)
                    return None
                if key.data == "accept":
                    request = _accept(listener, selector, running)
                    if request is not None:  # this is the child
                        return request
                elif isinstance(key.data, tuple):
                    _event(key.data, selector, running)


def _accept(
    listener: socket.socket, selector: selectors.BaseSelector, running: dict[int, Running]
) -> Request | None:
    """Fork a child for the next caller; the request in the child, None in the server."""
    connection, _address = listener.accept()
    try:
        request = read_request(connection)
    except (OSError, ValueError, EOFError) as failed:
        print(f"forkserver: a bad request: {failed}", file=sys.stderr, flush=True)
        connection.close()
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        connection.close()
        for child in running.values():
            os.close(child.pidfd)
            if child.connection is not None:
                child.connection.close()
        return request  # `serve` closes the listener and the selector on its way out
    for fd in request.fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    running[pid] = Running(pid, pidfd, connection)
    selector.register(pidfd, selectors.EVENT_READ, ("ended", pid))
    selector.register(connection, selectors.EVENT_READ, ("caller", pid))
    return None


def _event(
    data: tuple[str, int], selector: selectors.BaseSelector, running: dict[int, Running]
) -> None:
    """A child ended (its status to its caller), or a caller went away (its child killed)."""
    what, pid = data
    child = running[pid]
    if what == "caller" and child.connection is not None:
        selector.unregister(child.connection)
        child.connection.close()
        child.connection = None
        os.kill(pid, signal.SIGKILL)
    elif what == "ended":
        _pid, status = os.waitpid(pid, 0)
        selector.unregister(child.pidfd)
        os.close(child.pidfd)
        if child.connection is not None:
            selector.unregister(child.connection)
            with contextlib.suppress(OSError):
                child.connection.sendall(marshal.dumps(os.waitstatus_to_exitcode(status)))
            child.connection.close()
        del running[pid]


def become(request: Request) -> None:
    """Make this forked child the caller: its streams, argv, environment, folder, umask."""
    kept = [fd for fd, layout in enumerate(request.layout) if layout is not None]
    received = dict(zip(kept, request.fds, strict=True))
    for fd in (0, 1, 2):
        if fd in received:
            os.dup2(received[fd], fd)
        else:
            with contextlib.suppress(OSError):
                os.close(fd)
    for fd in request.fds:
        os.close(fd)
    streams = [_stream(fd, layout) for fd, layout in enumerate(request.layout)]
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams
    os.umask(request.umask)
    os.chdir(request.cwd)
    os.environ.clear()
    os.environ.update(request.env)
    time.tzset()  # the time module's zone, read from $TZ when the interpreter starts
    sys.argv = ["-c", *request.argv]
    sys.path[0] = ""  # as `python -c`: the working folder
    if "rich" in sys.modules:
        # rich keeps the folder it was imported in (for its tracebacks' paths)
        sys.modules["rich"]._IMPORT_CWD = os.path.abspath(os.getcwd())  # noqa: SLF001
    if request.startup != startup():
        print(
            "forkserver: the caller's interpreter started differently from the server's "
            f"({request.startup!r} != {startup()!r}); run it without the server",
            file=sys.stderr,
        )
        raise SystemExit(REFUSED)


def _stream(fd: int, layout: tuple[str, str, bool, bool] | None) -> io.TextIOWrapper | None:
    """Standard stream `fd` as the interpreter makes it at startup (Python/pylifecycle.c
    create_stdio), with the encoding, errors and buffering the caller's interpreter chose."""
    if layout is None:
        return None
    encoding, errors, line_buffering, write_through = layout
    mode = "r" if fd == 0 else "w"
    buffer = open(fd, mode + "b", buffering=0 if write_through else -1, closefd=False)  # noqa: SIM115
    raw = buffer if write_through else buffer.raw
    raw.name = ("<stdin>", "<stdout>", "<stderr>")[fd]
    stream = io.TextIOWrapper(
        buffer,
        encoding=encoding,
        errors=errors,
        newline="\n",
        line_buffering=line_buffering,
        write_through=write_through,
    )
    stream.mode = mode  # type: ignore[misc]
    return stream


def run_as_main(code: str) -> NoReturn:
    """Run `code` as `python -c` does, in a fresh `__main__`, and end as that interpreter
    ends (Py_RunMain): SystemExit's status (a message printed, 1), or 1 after an uncaught
    exception's traceback, then `finish`."""
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    interrupted = False
    try:
        exec(compile(code, "<string>", "exec"), main.__dict__)
        status = 0
    except SystemExit as finished:
        status = _exit_status(finished.code)
    except BaseException as failed:  # the traceback names the program's frames only
        below = failed.__traceback__.tb_next if failed.__traceback__ else None
        sys.excepthook(type(failed), failed.with_traceback(below), below)
        status, interrupted = 1, isinstance(failed, KeyboardInterrupt)
    status = finish(status)
    if left_open():  # the teardown would close (and flush) them: let it
        sys.exit(status)
    if interrupted:  # as the interpreter ends on an uncaught Ctrl-C: killed by SIGINT
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status)


def left_open() -> list[int]:
    """The file descriptors the program left open beside its standard streams.

    Only when there are none is the teardown of every module skipped: in a child of the
    server it costs more than most commands (freeing the server's objects touches, so
    copies, every page of its memory), and with no file or database left open it has
    nothing to write.
    """
    listed = [int(fd) for fd in os.listdir("/proc/self/fd")]
    return [fd for fd in listed if fd > 2 and _is_open(fd)]  # not listdir's own, closed


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _exit_status(code: object) -> int:
    """The status of `SystemExit(code)`, as the interpreter gives it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    if sys.stderr is not None and not sys.stderr.closed:
        print(code, file=sys.stderr)
    return 1


def finish(status: int) -> int:
    """The interpreter's last steps (Py_FinalizeEx) before the teardown of every module:
    wait for the program's threads, run its atexit functions, flush the standard streams
    (exit 120 when stdout cannot be flushed)."""
    import atexit
    import threading

    threading._shutdown()  # type: ignore[attr-defined]  # noqa: SLF001
    atexit._run_exitfuncs()  # noqa: SLF001
    if sys.stdout is not None and not sys.stdout.closed:
        try:
            sys.stdout.flush()
        except Exception as failed:
            if sys.stderr is not None and not sys.stderr.closed:
                sys.stderr.write(f"Exception ignored in: {sys.stdout!r}\n")
                sys.stderr.write("".join(traceback.format_exception_only(failed)))
            status = 120
    if sys.stderr is not None and not sys.stderr.closed:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
    return status


@contextlib.contextmanager
def started(
    socket_path: Path, code: str, modules: list[str], env: dict[str, str], log: Path
) -> Iterator[Path]:
    """A server for `code` on `socket_path`, started in `env` (the environment its callers
    have, so that its interpreter starts as theirs), stopped on leaving."""
    if len(os.fsencode(socket_path)) >= 100:
        raise ValueError(f"{socket_path}: too long for a Unix socket's address")
    with log.open("wb") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver", str(socket_path), code, *modules],
            cwd=Path(__file__).parents[1],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        if server.stdout.readline() != b"ready\n":
            raise RuntimeError(f"the fork server did not start: {log.read_text()}")
        yield socket_path
    finally:
        server.stdin.close()
        server.wait(timeout=60)
        server.stdout.close()


def _preload(modules: list[str]) -> None:
    """Import `modules` with the server single-threaded: a fork copies only the thread that
    forks, so a library's worker threads (OpenBLAS, under numpy) would be missing in it."""
    import importlib

    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    for module in modules:
        importlib.import_module(module)
    if blas is None:
        del os.environ["OPENBLAS_NUM_THREADS"]
    else:
        os.environ["OPENBLAS_NUM_THREADS"] = blas
    # The children's collector leaves the imported objects alone: collecting them would
    # touch (and so copy) every page of the server's memory in every child.
    gc.collect()
    gc.freeze()
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise RuntimeError(f"the server runs {threads} threads after its imports; cannot fork")


if __name__ == "__main__":
    socket_path, code, *modules = sys.argv[1:]
    _preload(modules)
    request = serve(socket_path)
    if request is not None:
        become(request)
        run_as_main(code)
