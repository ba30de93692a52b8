"""The settings applied to one invocation, and `config show`.

The settings are resolved once, by `cervix_watch.settings.resolve` (flag, environment,
config file, default), when the root command starts. The file's `operator` and `format`
then become click defaults (`ctx.default_map`) of every command that has those options,
so a command's own flag still wins and no command reads the file itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from cervix_watch.cli import context, output

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cervix_watch.scanners import Scanner
    from cervix_watch.settings import Settings, Sourced

app = typer.Typer(help="The user's configuration file: where each setting comes from.")


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


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Each setting's value and where it came from (flag, environment, config file, default)."""
    from cervix_watch.app.admin import locate
    from cervix_watch.domain.words import counted

    settings = context.state(ctx).settings
    path = settings.config_path
    rows = [
        ["config file", str(path), "exists" if settings.config_exists else "not found"],
        ["db", locate(settings.db.value).describe(), settings.db.origin],
        ["operator", context.who(settings.operator.value), settings.operator.origin],
        ["format", settings.format.value or "table", settings.format.origin],
        ["columns", str(settings.columns.value or output.width()), settings.columns.origin],
        _codes_row(len(settings.sr_codes.value)),
        _tolerance_row(settings.ultrasound_edd_tolerance_days),
        ["mrn_system", settings.fhir_mrn_system.value, settings.fhir_mrn_system.origin],
        ["worklist_days", str(settings.worklist_days.value), settings.worklist_days.origin],
        _accession_row(settings.worklist_accession),
        ["receipt_days", counted(settings.receipt_days.value, "day"), settings.receipt_days.origin],
        *_scanner_rows(settings.scanners),
    ]
    output.table(None, ["Setting", "Value", "From"], rows)


def _tolerance_row(days: Sourced[int]) -> list[str]:
    """`[sr] ultrasound_edd_tolerance_days`, under a label that keeps the column narrow."""
    return ["edd_tolerance", f"{days.value} days (ultrasound-age EDD)", days.origin]


def _accession_row(accession: Sourced[str]) -> list[str]:
    """`worklist_accession`, under a label that keeps the column narrow: the worklist's
    AccessionNumber (empty by default)."""
    shown = "the step id (CW<n>)" if accession.value == "step" else "none (empty)"
    return ["accession", f"{shown} (worklist)", accession.origin]


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
