"""stdout when it is not a terminal (a pipe, a file, a test's runner): lines as a script
or an editor wants them, never padded with trailing spaces.

rich pads a table's last column (and a wrapped line may end at a space); at a terminal
nobody sees it, but in a file every padded line is a diff, and `grep ' $'` finds them.
The consoles that write to a pipe or a file (`output`) write through `TrimmedLines`; they
also soft-wrap, so that a long message stays one line rather than being broken at 80
columns (tables are still laid out at the console's width).
"""

from __future__ import annotations

import io
import re
import sys
from typing import TextIO, cast

# spaces before a line's end, and before the colour resets that may follow them; each run
# of spaces tried once, from its start, without backtracking (a table's padding is long
# runs of spaces followed by a border: tried from each space in turn, quadratic)
_TRAILING = re.compile(r"(?<! ) ++((?:\x1b\[[0-9;]*m)*)\n")


class TrimmedLines(io.TextIOBase):
    """A text file that writes to `file` what it is given, without trailing spaces on any
    line. Spaces at the end of one write are held until the next shows whether a line
    ends there (then they are dropped) or text follows (then they are written)."""

    def __init__(self, file: TextIO | None) -> None:
        super().__init__()
        self._given = file
        self._held = ""

    @property
    def _file(self) -> TextIO:
        # None: stdout as it is at each write (as a rich console without a file reads it),
        # so a console kept from an earlier invocation in the same process (`--version`
        # runs before the root command starts a new one) writes to the current stdout
        return self._given if self._given is not None else sys.stdout

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._file, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._file.fileno()

    def write(self, text: str) -> int:
        joined = self._held + text
        body = joined.rstrip(" ")
        self._held = joined[len(body) :]
        self._file.write(_TRAILING.sub(r"\1\n", body))
        return len(text)

    def flush(self) -> None:
        self._file.flush()


def trimmed(file: TextIO | None) -> TextIO:
    """`file` (None: stdout) written through `TrimmedLines`, typed as the file it stands
    in for."""
    return cast(TextIO, TrimmedLines(file))
