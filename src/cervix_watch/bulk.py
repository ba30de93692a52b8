"""Helpers for work over a whole clinic at once (hundreds of thousands of small records)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Set once by a process that runs for days (`listen`): see `long_running`.
_PROCESS = {"long_running": False}


def long_running() -> None:
    """Mark this process as long-running: from now on `collector_paused` does nothing.

    A frozen object is only ever freed by reference counting, so a reference cycle
    among the objects of each received report would stay until exit; in a process
    that does not exit soon that is a leak. The collector is (re-)enabled, anything
    frozen before is handed back to it, and it is never paused again here.
    """
    _PROCESS["long_running"] = True
    gc.unfreeze()
    gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk read, review or import.

    The one place the collector is tuned: the core's bulk operations (the store's bulk
    read, the import, the clinic review) run inside it; command bodies never do.

    Reference counting still frees every record as usual; only the collector's
    passes are skipped. A clinic of 50,000 patients is some 300,000 records,
    none of which holds a reference cycle, and the collector's repeated passes
    over that growing heap cost as much as building the records.

    At the end the objects made meanwhile are moved to the oldest generation
    (`gc.freeze` then at once `gc.unfreeze`: nothing stays frozen), so the records a
    bulk operation returns are not walked three times more, young to old, while the
    caller renders them: a full pass still reaches them, and every cycle among them is
    collected as usual. The collector is running again when the block ends, however it
    ends. A long-lived process (a listener that runs for days) never pauses it at all;
    a streaming import calls `collect_young()` now and then to keep cyclic garbage
    bounded meanwhile.
    """
    if _PROCESS["long_running"]:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def collect_young() -> None:
    """Collect the young generations only: cheap, for a long stream with the collector paused."""
    gc.collect(1)
