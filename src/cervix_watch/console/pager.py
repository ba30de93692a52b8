"""The pager, as git has one: a listing or report taller than the screen, written to a
terminal, is shown through `$PAGER`, else `less -FRX` (quit at once when it fits, keep
colour, leave the screen as it was).

Never when stdout is not a terminal (a pipe, a file, a test's runner), never with the
root option `--no-pager`, and never when `$PAGER` is empty or `cat`. A pager that cannot
be started is no pager: the output goes to the terminal as it would without one.

Closing the pager early (`q`) is how a reader says "enough": the command ends quietly with
its own status (0), however much it had still to write, and writes nothing more to stdout.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT = ("less", "-FRX")


class _Choice:
    # False after `--no-pager` (set for each invocation by the root command)
    enabled: bool = True


def use(enabled: bool) -> None:
    """Start an invocation: page its tall output (True) or never (`--no-pager`)."""
    _Choice.enabled = enabled


def command() -> list[str] | None:
    """The pager's command line: `$PAGER` split as a shell would, else `less -FRX`; None
    for an empty `$PAGER` or `cat` (git's way of saying "no pager")."""
    configured = os.environ.get("PAGER")
    if configured is None:
        return list(DEFAULT)
    try:
        words = shlex.split(configured)
    except ValueError:  # an unclosed quote: not a command we can run
        return None
    return None if not words or words == ["cat"] else words


def wanted(console: Console) -> bool:
    """Whether `console`'s output may go through a pager: its file is a terminal, and
    neither `--no-pager` nor `$PAGER` said no."""
    if not _Choice.enabled:
        return False
    try:
        terminal = console.file.isatty()
    except (AttributeError, ValueError, OSError):
        terminal = False
    return terminal and command() is not None


@contextmanager
def paging(console: Console) -> Iterator[None]:
    """`console` writes to a pager for the block (as it would to the terminal: same width,
    height and colour), then waits for the reader to quit it. A pager closed early stops
    the block quietly and leaves `console` silent."""
    words = command()
    if words is None:
        yield
        return
    try:
        process = subprocess.Popen(  # the user's own $PAGER, as git runs it
            words, stdin=subprocess.PIPE, text=True, encoding="utf-8", errors="replace"
        )
    except OSError:  # not installed, not executable: the terminal instead
        yield
        return
    assert process.stdin is not None
    terminal = console.file
    console.file = process.stdin
    try:
        yield
        process.stdin.flush()
    except BrokenPipeError:
        console.quiet = True
    finally:
        console.file = terminal
        with _ctrl_c_is_the_pagers():
            with suppress(BrokenPipeError, OSError):
                process.stdin.close()
            process.wait()


@contextmanager
def _ctrl_c_is_the_pagers() -> Iterator[None]:
    """From the end of our output until the reader quits the pager, Ctrl-C is the pager's
    (less stops a search with it), not ours, as git has it: the command must not end under
    a pager that still holds the terminal. Ignored before the pager's input is closed, so a
    Ctrl-C typed the moment the pager has read everything is not ours either."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (an embedding program): as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
