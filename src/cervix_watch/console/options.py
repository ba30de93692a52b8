"""The options several commands share, one typed alias each: one spelling, one help text.

A command declares `as_of: AsOfOption = None` instead of spelling the option out
again, so `--as-of` (or `--profile`, `--note`, ...) reads and behaves the same in
every command; tests/cli/test_options.py checks that no command declares one of
these flags any other way. Where an older spelling was published it stays as a
hidden alias (`--notes`, and `--reason` where the text is a note: see `NoteOption`).

A group of options that several commands take together is declared once, as the
parameters of one function, and given to each command with `shares`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cervix_watch.console import completion
from cervix_watch.console.commands import choices
from cervix_watch.console.output import Format

MRN_HELP = "Hospital number (MRN)."
MrnArg = Annotated[str, typer.Argument(metavar="MRN", help=MRN_HELP, show_default=False)]
# `scan add` asks for a missing MRN at a terminal (its description says so).
OptionalMrnArg = Annotated[
    str | None, typer.Argument(metavar="MRN", help=MRN_HELP, show_default=False)
]

FORMAT_FLAGS = ("--format", "-f")


# What each kind of command writes, so that --format offers exactly those (in help,
# completion and docs/reference) and a configured default it cannot write is not applied
# (console/defaults.py offers the config's format only where it is a choice): `table` then.
# Each is a subset of output.Format (tests/cli/test_options.py checks); a command hands
# `Format(format_)` on to the output layer.
class ListFormat(StrEnum):
    """A listing (`output.listing`): `patient list`, `scan list`, `due`."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ShowFormat(StrEnum):
    """One record or one summary: `patient show`, `db info`."""

    TABLE = "table"
    JSON = "json"


ListFormatOption = Annotated[
    ListFormat,
    typer.Option(
        *FORMAT_FLAGS,
        metavar=choices(ListFormat),
        help="table for people; json or csv for scripts.",
    ),
]
ShowFormatOption = Annotated[
    ShowFormat,
    typer.Option(
        *FORMAT_FLAGS, metavar=choices(ShowFormat), help="table for people, json for scripts."
    ),
]
# review and audit write every format
ReportFormatOption = Annotated[
    Format,
    typer.Option(
        *FORMAT_FLAGS, metavar=choices(Format), help="table (terminal), md, html, csv or json."
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        metavar="FILE",
        help="Write to this file instead of stdout: created 0600, replaced only when complete; "
        "never a link or a device.",
    ),
]
# `db backup` writes nothing to stdout: its --out is the backup itself, and required.
BackupOutOption = Annotated[
    Path,
    typer.Option("--out", metavar="FILE", help="New file for the backup (created owner-only)."),
]

DATE_HELP = "YYYY-MM-DD, today or yesterday."
# The date an event happened: required, or `= TODAY` where the command defaults to today
# (every entry command does, as `scan add` at a terminal offers).
DateOption = Annotated[str, typer.Option("--date", metavar="DATE", help=DATE_HELP)]
TODAY = "today"
# `scan add` asks for a missing date at a terminal; `scan amend` keeps the stored one.
OptionalDateOption = Annotated[
    str | None, typer.Option("--date", metavar="DATE", help=DATE_HELP, show_default=False)
]

AS_OF_HELP = "Review date, YYYY-MM-DD"
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", metavar="DATE", help=f"{AS_OF_HELP} (default today).")
]
# The demo clinic is a snapshot taken on its own day, and is reviewed on that day.
DemoAsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help=f"{AS_OF_HELP} (default: the demo clinic's own day)."
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="PROFILE",
        help="Built-in profile name (acog-smfm, nice-ng25) or a profile .toml file "
        "(default: the database's default, else acog-smfm).",
        autocompletion=completion.profiles,
    ),
]
OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        metavar="NAME",
        help="Who is making this change, for the audit trail (default: $CERVIX_WATCH_OPERATOR "
        "or your login name).",
    ),
]
# A typed scan's operator is the sonographer, stored with the scan as well as audited.
SonographerOption = Annotated[
    str | None,
    typer.Option("--operator", metavar="NAME", help="Sonographer (also named in the audit trail)."),
]

# --reason says why an existing record is changed (amended, voided, edited): required
# wherever that happens, and kept in the audit trail.
ReasonOption = Annotated[
    str,
    typer.Option(
        "--reason", metavar="TEXT", help="Why this record is changed; kept in the audit trail."
    ),
]
# --note is free text about what is recorded. `patient add/edit` published it as --notes,
# and `patient close` and `treatment end` (which change no record's values, so need no
# reason) published it as an optional --reason: both spellings still work there, unlisted.
NoteOption = Annotated[
    str | None, typer.Option("--note", metavar="TEXT", help="Free-text note.", show_default=False)
]
OldNotesOption = Annotated[
    str | None,
    typer.Option("--notes", metavar="TEXT", hidden=True, help="The old spelling of --note."),
]
OldReasonNoteOption = Annotated[
    str | None,
    typer.Option("--reason", metavar="TEXT", hidden=True, help="The old spelling of --note here."),
]


def note_given(note: str | None, old_spelling: str | None, old_flag: str) -> str | None:
    """The note given as --note or under its old spelling (`old_flag`); both is a usage error."""
    if note is not None and old_spelling is not None:
        raise typer.BadParameter(f"give --note or {old_flag}, not both", param_hint="'--note'")
    return note if note is not None else old_spelling


def yes_no(flag: str, help_: str) -> Any:
    """A `--flag/--no-flag` option that is None when neither is given (unchanged, default)."""
    return typer.Option(f"--{flag}/--no-{flag}", help=help_)


# `scan add` and `treatment add` ask for what is missing at a terminal, and only there.
PromptOption = Annotated[
    bool | None,
    yes_no("prompt", "Ask for missing values (default: only on an interactive terminal)."),
]


def interactive(prompt: bool | None) -> bool:
    """Whether to prompt: as --prompt/--no-prompt says, else when stdin is a terminal."""
    import sys

    return prompt if prompt is not None else sys.stdin.isatty()


DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Check everything and report what would be written; write nothing."
    ),
]


R = TypeVar("R")
T = TypeVar("T")


def shares(
    declared: Callable[..., T], *, fields: Sequence[inspect.Parameter] = ()
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a command the options `declared` declares: one declaration for every command
    that takes them (`patient add` and `patient edit`, `scan add` and `scan amend`, ...).

    The command names a parameter `given`; `fields` (see `field_options`) and `declared`'s
    own parameters take its place among the command's options, and the command receives
    what `declared` returns from their values as `given` (`fields` in its `**`).
    """
    own_of_declared = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(declared, eval_str=True).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    shared = [*fields, *own_of_declared]

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        own = list(inspect.signature(command, eval_str=True).parameters.values())
        at = [p.name for p in own].index("given")
        # Keyword-only, as typer calls a command: the order is --help's, defaults or not.
        params = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in (*own[:at], *shared, *own[at + 1 :])
        ]

        @functools.wraps(command)
        def run(**kwargs: Any) -> R:
            values = {p.name: kwargs.pop(p.name) for p in shared}
            return command(given=declared(**values), **kwargs)

        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate


def field_options(
    helps: Mapping[str, str], yes_no_fields: Collection[str], metavars: Mapping[str, str]
) -> tuple[inspect.Parameter, ...]:
    """An option per model field, for `shares`, in the order of `helps`: `--prior-sptb-weeks`
    for `prior_sptb_weeks`, showing its placeholder from `metavars` (W+D); a yes/no field is
    a `--x/--no-x` pair. Each is None when not given; values other than yes/no arrive as
    text for the model to parse."""

    def option(field: str, help_: str) -> Any:
        flag = field.replace("_", "-")
        if field in yes_no_fields:
            return Annotated[bool | None, yes_no(flag, help_)]
        return Annotated[str | None, typer.Option(f"--{flag}", metavar=metavars[field], help=help_)]

    return tuple(
        inspect.Parameter(
            field, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option(field, help_)
        )
        for field, help_ in helps.items()
    )


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What `review` and `audit` both ask: which profile, which format, which file."""

    profile: str | None
    format: Format
    out: Path | None


def report_options(
    profile: ProfileOption = None,
    format_: ReportFormatOption = Format.TABLE,
    out: OutOption = None,
) -> ReportOptions:
    """The report commands' options; `--format html` without `--out` is refused before any
    work (an HTML page on a terminal helps nobody)."""
    from cervix_watch.console import output

    output.require_out_for_html(format_, out)
    return ReportOptions(profile, format_, out)
