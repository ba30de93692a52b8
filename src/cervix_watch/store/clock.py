"""The store's clock: the one place below `cli/` that reads the wall clock.

Audit rows and void marks record *when* a change was made; that is the only time the
store needs. Which day it is ("today", for "a scan date may not be in the future") is
read once at the command-line edge and passed down as a plain date.
"""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """Timestamps for the audit trail: UTC, whole seconds, naive (as the columns hold them)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


SYSTEM_CLOCK = Clock()

__all__ = ["SYSTEM_CLOCK", "Clock"]
