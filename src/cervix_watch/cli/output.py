"""The one module that owns the rich consoles: results on stdout, messages on stderr.

`out` and `err` are made on first use (module `__getattr__`): importing rich is a
large part of start-up, and `--help` or a command that fails early never needs it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console


def __getattr__(name: str) -> Console:
    """`out` (results, stdout) and `err` (messages, stderr), each made once when first used."""
    if name not in {"out", "err"}:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    console = (
        Console(highlight=False, soft_wrap=False)
        if name == "out"
        else Console(stderr=True, highlight=False, soft_wrap=True)
    )
    # A console reads COLUMNS/LINES once when made, and keeps following them only if they
    # were unset then. Made at first use rather than at import, it must not freeze the
    # values of that moment (tests set COLUMNS per test): keep the size live.
    console._width = console._height = None
    console._width = _Layout.width
    globals()[name] = console
    return console


class _Layout:
    # the config file's `columns`, when $COLUMNS is unset (None: follow the terminal)
    width: int | None = None


def set_width(columns: int | None) -> None:
    """Fix the consoles' width at `columns` (None: follow the terminal and $COLUMNS)."""
    _Layout.width = columns
    for name in ("out", "err"):
        console = globals().get(name)
        if console is not None:
            console._width = columns


def width() -> int:
    """The width tables are laid out at."""
    return _out().width


def _out() -> Console:
    console: Console = globals().get("out") or __getattr__("out")
    return console


def _err() -> Console:
    console: Console = globals().get("err") or __getattr__("err")
    return console


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[
    ListFormat,
    typer.Option("--format", "-f", help="Output as a table for people, or JSON/CSV for scripts."),
]


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def error(message: str) -> None:
    """One line on stderr, never markup-interpreted (user data may contain brackets)."""
    _err().print(f"error: {message}", markup=False, style=None if no_color() else "red")


def note(message: str) -> None:
    _err().print(message, markup=False, style=None if no_color() else "dim")


def success(message: str) -> None:
    _out().print(message, markup=False, style=None if no_color() else "green")


def line(message: str = "") -> None:
    _out().print(message, markup=False)


def one_line(message: str, good: bool = False) -> None:
    """A result line a script may read (it names a file or an SR): never wrapped."""
    style = "green" if good and not no_color() else None
    _out().print(message, markup=False, style=style, soft_wrap=True)


def write(text: str) -> None:
    """Text (Markdown, CSV, JSON, TOML) to stdout as it is, flushed."""
    sys.stdout.write(text)
    sys.stdout.flush()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")


def print_csv(header: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
    import csv

    from cervix_watch.interop.cells import protect

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([protect(v) if isinstance(v, str) else v for v in record])


def table(title: str | None, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
    """A plain rich table; cells are text (never markup) and wrap rather than truncate."""
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=title, title_justify="left", header_style="bold", expand=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for record in records:
        grid.add_row(*(Text("" if v is None else str(v)) for v in record))
    _out().print(grid)
