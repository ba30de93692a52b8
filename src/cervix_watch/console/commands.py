"""How every command is declared, so that its help teaches.

A command module makes its typer app with `Commands` (a group: `Commands(name="scan",
help=...)`; a top-level single command: `Commands()`, whose command the root adds as it
is) and gives each command, in its decorator, the line its group lists (`short_help=`),
its examples (`epilog=examples(...)`) and every value's placeholder (`metavar=` on the
option: DATE, MM, MRN; a choice lists its words, `choices(Format)`). Nothing is patched
in later. `tests/cli/test_help.py` fails when a command lacks an example, an option
shows typer's own `<str>`, or a summary is cut off at 80 columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import typer
from typer.core import TyperCommand
from typer.models import CommandFunctionType


def examples(*lines: str) -> str:
    """The epilog of a command's help: its example command lines, each kept on one line."""
    # "\b" keeps click from re-wrapping the block (a command line must stay one line)
    return "Examples:\n\n\b\n" + "\n".join(f"  $ {line}" for line in lines)


def example_lines(epilog: str | None) -> list[str]:
    """The command lines of an `examples` epilog (tests check each names real options)."""
    return [line[4:] for line in (epilog or "").splitlines() if line.startswith("  $ ")]


def choices(values: Iterable[Any]) -> str:
    """The placeholder of a choice: its words (`table|json|csv`), as a help line shows them."""
    return "|".join(str(getattr(value, "value", value)) for value in values)


class PlainCommand(TyperCommand):
    """A command whose arguments read `MRN` in its usage line and help (typer's own:
    `{MRN}` and `MRN <str>`), through click's public help hooks."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


def _argument_name(param: Any) -> str:
    return str(param.metavar or str(param.name).upper().rstrip("_"))


class Commands(typer.Typer):
    """A typer app whose commands are `PlainCommand`s unless one names its own class."""

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or PlainCommand, **kwargs)
