"""The user's config file applied to one invocation, and `config show`.

Order for every value: the flag, then the environment variable, then the config
file (`config.py`), then the built-in default. The file's `operator` and `format`
become click defaults (`ctx.default_map`) of every command that has those
options, so a flag still wins and no command reads the file itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from cervix_watch.cli import context, output

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cervix_watch.config import UserSettings
    from cervix_watch.scanners import Scanner

app = typer.Typer(help="The user's configuration file: where each setting comes from.")

OPERATOR_ENV = "CERVIX_WATCH_OPERATOR"


def apply(ctx: typer.Context) -> UserSettings:
    """Read the config file and make its values this invocation's defaults."""
    from cervix_watch import config

    settings = config.user_settings()
    defaults: dict[str, Any] = {}
    operator = settings.operator if not os.environ.get(OPERATOR_ENV) else None
    _fill_defaults(ctx, ctx.command, defaults, operator, settings.format)
    ctx.default_map = defaults
    output.set_width(settings.columns if not os.environ.get("COLUMNS") else None)
    return settings


def chosen_db(db_flag: str | None, settings: UserSettings) -> str | None:
    """--db, else (when $CERVIX_WATCH_DB is unset) the file's `db`; None: the store decides.
    An empty $CERVIX_WATCH_DB, when no --db overrides it, is a usage error (exit 2)."""
    from cervix_watch.store.db import environment_db

    if db_flag is not None or environment_db() is not None:
        return db_flag
    return settings.db


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


def _source(flag: bool, env: str, configured: object) -> str:
    if flag:
        return "flag"
    if os.environ.get(env):
        return f"environment ({env})"
    if configured is not None:
        return "config file"
    return "default"


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Each setting's value and where it came from (flag, environment, config file, default)."""
    from cervix_watch import config
    from cervix_watch.scanners import load_scanners
    from cervix_watch.store.db import ENV_VAR, resolve

    state = context.state(ctx)
    settings = config.user_settings()
    db_flag = state.db if state.db is not None and state.db != settings.db else None
    location = resolve(state.db).describe()
    rows = [
        ["config file", str(settings.path), "exists" if settings.exists else "not found"],
        ["db", location, _source(db_flag is not None, ENV_VAR, settings.db)],
        [
            "operator",
            os.environ.get(OPERATOR_ENV) or settings.operator or context.who(None),
            _source(False, OPERATOR_ENV, settings.operator),
        ],
        ["format", settings.format or "table", "config file" if settings.format else "default"],
        [
            "columns",
            str(settings.columns or os.environ.get("COLUMNS") or output.width()),
            _source(False, "COLUMNS", settings.columns),
        ],
        _codes_row(len(config.sr_codes(settings.path))),
        *_scanner_rows(load_scanners(settings.path)),
    ]
    output.table(None, ["Setting", "Value", "From"], rows)


def _codes_row(mapped: int) -> list[str]:
    return ["sr.codes", f"{mapped} mapped", "config file" if mapped else "default (none)"]


def _scanner_rows(scanners: Mapping[str, Scanner]) -> list[list[str]]:
    """One row per `[scanners."AE"]` table: what it sets, in a line."""
    if not scanners:
        return [["scanners", "none", "default (none)"]]
    return [[f'scanners."{ae}"', _described(s), "config file"] for ae, s in scanners.items()]


def _described(scanner: Scanner) -> str:
    from cervix_watch.domain.words import counted

    parts = [f"hosts {', '.join(scanner.hosts)}"]
    if scanner.serial:
        parts.append(f"serial {scanner.serial}")
    mrn = f"MRN from {scanner.mrn_from}"
    if scanner.mrn_pattern is not None:
        mrn += f" matching {scanner.mrn_pattern.pattern}"
    parts += [mrn, f"charset {scanner.charset}"]
    if scanner.single_probe:
        parts.append("single probe")
    if scanner.route is not None:
        parts.append(f"route {scanner.route.value}")
    parts.append("worklist" if scanner.worklist else "no worklist")
    if scanner.codes:
        parts.append(f"{counted(len(scanner.codes), 'code')} mapped")
    return "; ".join(parts)
