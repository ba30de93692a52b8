"""The one module that owns the rich consoles: results on stdout, messages on stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


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
    err.print(f"error: {message}", markup=False, style=None if no_color() else "red")


def note(message: str) -> None:
    err.print(message, markup=False, style=None if no_color() else "dim")


def success(message: str) -> None:
    out.print(message, markup=False, style=None if no_color() else "green")


def line(message: str = "") -> None:
    out.print(message, markup=False)


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
    from rich.text import Text

    grid = Table(title=title, title_justify="left", header_style="bold", expand=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for record in records:
        grid.add_row(*(Text("" if v is None else str(v)) for v in record))
    out.print(grid)
