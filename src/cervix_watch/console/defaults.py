"""The settings applied to one invocation.

The settings are resolved once, by `cervix_watch.settings.resolve` (flag, environment,
config file, default), when the root command starts. The file's `operator` and `format`
then become click defaults (`ctx.default_map`) of every command that has those options,
so a command's own flag still wins and no command reads the file itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from cervix_watch.console import output

if TYPE_CHECKING:
    from cervix_watch.settings import Settings


def apply(ctx: typer.Context, db_flag: str | None) -> Settings:
    """Resolve this invocation's settings and make the file's values its defaults."""
    from cervix_watch.settings import CONFIG_FILE, resolve

    settings = resolve(db_flag, os.environ)
    defaults: dict[str, Any] = {}
    operator = settings.operator
    _fill_defaults(
        ctx,
        ctx.command,
        defaults,
        operator.value if operator.origin == CONFIG_FILE else None,
        settings.format.value,
    )
    ctx.default_map = defaults
    columns = settings.columns
    output.set_width(columns.value if columns.origin == CONFIG_FILE else None)
    return settings


def _fill_defaults(
    ctx: typer.Context,
    command: Any,
    defaults: dict[str, Any],
    operator: str | None,
    fmt: str | None,
) -> None:
    for param in command.params:
        if param.name == "operator" and operator is not None:
            defaults[param.name] = operator
        # the file's format only where this --format offers it (else the command's own
        # default, table): what the option offers is what it completes (click's public
        # shell_complete), the same choices its help lists
        if fmt is not None and "--format" in param.opts and fmt in offered(ctx, param):
            defaults[param.name] = fmt
    for name, sub in getattr(command, "commands", {}).items():
        nested: dict[str, Any] = {}
        _fill_defaults(ctx, sub, nested, operator, fmt)
        if nested:
            defaults[name] = nested


def offered(ctx: typer.Context, param: Any) -> list[str]:
    """The values a choice option offers (empty for free text), in its order."""
    return [str(item.value) for item in param.shell_complete(ctx, "")]
