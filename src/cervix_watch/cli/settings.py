"""`config show`: each setting of this invocation and where its value came from.

The settings are resolved once, when the root command starts (`console/defaults.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cervix_watch.console import context, output
from cervix_watch.console.commands import Commands, examples

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cervix_watch.scanners import Scanner
    from cervix_watch.settings import Sourced

app = Commands(name="config", help="The user's configuration file: where each setting comes from.")


@app.command(
    "show",
    short_help="Each setting and where its value came from.",
    epilog=examples("cervix-watch config show", "cervix-watch --db ~/clinic.sqlite3 config show"),
)
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
