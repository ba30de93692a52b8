"""The options several commands share, one typed alias each: one spelling, one help text.

A command declares `as_of: AsOfOption = None` instead of spelling the option out
again, so `--as-of` (or `--profile`, `--note`, ...) reads and behaves the same in
every command. Where an older spelling was published it stays as a hidden alias.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cervix_watch.cli.output import Format

FORMAT_FLAGS = ("--format", "-f")

ListFormatOption = Annotated[
    Format,
    typer.Option(*FORMAT_FLAGS, help="table for people; json or csv for scripts."),
]
ShowFormatOption = Annotated[
    Format, typer.Option(*FORMAT_FLAGS, help="table for people, json for scripts.")
]
ReportFormatOption = Annotated[
    Format, typer.Option(*FORMAT_FLAGS, help="table (terminal), md, html, csv or json.")
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write to this file instead of stdout: created 0600, replaced only when complete; "
        "never a link or a device.",
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Review date, YYYY-MM-DD (default today).")
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="Built-in profile name (acog-smfm, nice-ng25) or a profile .toml file "
        "(default: the database's default, else acog-smfm).",
    ),
]
OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="Who is making this change, for the audit trail (default: $CERVIX_WATCH_OPERATOR "
        "or your login name).",
    ),
]
ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why this record is changed; kept in the audit trail.")
]
NoteOption = Annotated[
    str | None, typer.Option("--note", "--notes", help="Free-text note.", show_default=False)
]
