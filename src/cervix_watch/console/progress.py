"""Progress bars on stderr for long work, the one helper every long command uses.

A bar appears only when stderr is a terminal and the work is still running after
`SHOW_AFTER_S` (work that ends sooner never flickers one); it is erased when the work
ends, so the command's own lines are all that stay. Piped or redirected stderr gets
nothing. The core never imports rich: a command passes its loop's items through
`tracked`, or hands the `advance` callback `bar` yields to the code doing the work.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from cervix_watch.console import output

SHOW_AFTER_S = 1.0  # "longer than about a second" (issue 21): sooner, a bar only flickers

Item = TypeVar("Item")
Advance = Callable[[int], None]


def _nothing(_steps: int) -> None:
    """The `advance` of work nobody watches: stderr is not a terminal."""


@contextmanager
def bar(label: str, total: int | Callable[[], int] | None) -> Iterator[Advance]:
    """Yield `advance(steps)`, to be called as `steps` of `total` are done (no total: a
    spinner with the count; a function: called only when a bar may be shown). Shown on a
    terminal's stderr once the work outlasts `SHOW_AFTER_S`; silent otherwise."""
    if not sys.stderr.isatty():
        yield _nothing
        return
    if callable(total):
        total = total()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *((BarColumn(), MofNCompleteColumn()) if total else (TextColumn("{task.completed:,}"),)),
        TimeElapsedColumn(),
    )
    progress = Progress(*columns, console=output.err, transient=True)
    task = progress.add_task(label, total=total)
    started = time.monotonic()
    showing = threading.Lock()  # the timer's thread and this one start or stop it in turn
    finished = False

    def show() -> None:
        with showing:
            if not finished and not progress.live.is_started:
                progress.start()

    def advance(steps: int) -> None:
        progress.advance(task, steps)
        if not progress.live.is_started and time.monotonic() - started >= SHOW_AFTER_S:
            show()

    # A step that itself takes long (the write after the last line is checked) calls no
    # `advance`: the timer shows the bar then all the same.
    timer = threading.Timer(SHOW_AFTER_S, show)
    timer.daemon = True
    timer.start()
    try:
        yield advance
    finally:
        timer.cancel()
        with showing:
            finished = True
            if progress.live.is_started:
                progress.stop()


def each(items: Iterable[Item], advance: Advance) -> Iterator[Item]:
    """`items`, one by one, each counted as a step once the caller has handled it."""
    for item in items:
        yield item
        advance(1)


def tracked(
    items: Iterable[Item], label: str, total: int | Callable[[], int] | None
) -> Iterator[Item]:
    """`items`, one by one, each a step of its own `bar(label, total)`."""
    with bar(label, total) as advance:
        yield from each(items, advance)


__all__ = ["SHOW_AFTER_S", "Advance", "bar", "each", "tracked"]
