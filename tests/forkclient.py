"""The fork server's client (tests/forkserver.py): a program's stand-in on PATH.

`tests.forkserver.write_client` makes it an executable run with `python -S` (no site, no
packages: a few milliseconds), importing only the standard library. It passes its standard
streams (as file descriptors), argv, environment, working folder, umask and interpreter
startup to the server named by `$TESTS_FORKSERVER`, waits, and ends as the server's child
ended.
"""

from __future__ import annotations

import locale
import marshal
import os
import signal
import socket
import sys

# The variable naming the server's socket; removed from the environment passed on, so the
# program never sees it.
SOCKET_VARIABLE = "TESTS_FORKSERVER"
LENGTH_BYTES = 8


def startup() -> tuple[object, ...]:
    """What the interpreter decided at its start from its environment and options: a child
    forked from a server that started differently could not run as this caller would."""
    flags = {
        name: getattr(sys.flags, name)
        for name in dir(sys.flags)
        if not name.startswith(("_", "n_", "no_site", "count", "index"))  # -S: the client's
    }
    lc_ctype = locale.setlocale(locale.LC_CTYPE)
    encoding = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return (flags, encoding, lc_ctype, sys.warnoptions)


def request() -> tuple[bytes, list[int], str]:
    """The request (its length first), the standard streams to pass, the server's socket.

    A stream closed at the client's start (None) is not passed, so the program finds it
    closed too; each passed one carries the encoding, errors and buffering this same
    interpreter chose for it.
    """
    streams = (sys.stdin, sys.stdout, sys.stderr)
    kept = [fd for fd, stream in enumerate(streams) if stream is not None]
    layout = [
        (s.encoding, s.errors, s.line_buffering, s.write_through) if s is not None else None
        for s in streams
    ]
    env = dict(os.environ)
    path = env.pop(SOCKET_VARIABLE, None)
    if path is None:
        sys.exit(f"forkserver client: ${SOCKET_VARIABLE} is not set")
    umask = os.umask(0o22)
    os.umask(umask)
    context = marshal.dumps((sys.argv[1:], env, os.getcwd(), umask, layout, startup()))
    return len(context).to_bytes(LENGTH_BYTES, "big") + context, kept, path


def main() -> None:
    """Run this command line in a child of the server; exit as it exited."""
    message, kept, path = request()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(path)
    socket.send_fds(server, [message], kept)  # the streams themselves, as SCM_RIGHTS
    reply = b""
    while chunk := server.recv(64):
        reply += chunk
    server.close()
    if not reply:
        sys.exit("forkserver client: the server went away")
    status = marshal.loads(reply)
    if status < 0:  # killed by a signal: die of the same one, as the shell then reports
        if -status not in (signal.SIGKILL, signal.SIGSTOP):  # those cannot be handled
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    os._exit(status)


if __name__ == "__main__":
    main()
