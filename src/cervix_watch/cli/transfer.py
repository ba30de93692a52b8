"""`import` and `export`: the contract's five CSV kinds, all-or-nothing in, spreadsheet-safe out.

The ultrasound machine's SRs (`import sr`) and the FHIR Bundle (`export fhir`) are
subcommands of the same groups, defined in `cli.srcommands` and joined to these by the
root (`cli/app.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cervix_watch.console import clinic, context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import DryRunOption, OperatorOption, OutOption
from cervix_watch.domain.filenames import shown
from cervix_watch.domain.kinds import RECORD_KINDS, RecordKind
from cervix_watch.domain.words import counted, singular

if TYPE_CHECKING:
    pass


FileArg = Annotated[
    Path,
    typer.Argument(metavar="FILE", help="CSV file in the contract's format (UTF-8, header row)."),
]


def _import_csv(ctx: typer.Context, kind: RecordKind, file: Path, dry_run: bool, who: str) -> None:
    result = clinic.load_csv(context.state(ctx), kind, file, who, dry_run)
    if dry_run:
        output.success(
            f"Dry run: {counted(result.added, singular(kind.value))} would be added, "
            f"{result.skipped} already present; nothing was written."
        )
    else:
        output.success(
            f"Imported {counted(result.added, singular(kind.value))} from {shown(file.name)} "
            f"({result.skipped} already present)."
        )


def _csv_import_command(kind: RecordKind) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: FileArg,
        dry_run: DryRunOption = False,
        operator: OperatorOption = None,
    ) -> None:
        _import_csv(ctx, kind, file, dry_run, context.who(operator))

    command.__doc__ = (
        f"Import {kind.value} from a CSV file: all rows or none; every bad row is listed as "
        "file:line: column: problem.\n\nRows already in the database are skipped, so importing "
        "the same file twice is safe."
    )
    return command


DeidentifyOption = Annotated[
    bool,
    typer.Option(
        "--deidentify",
        help="Pseudonymise MRN and name, drop notes and scan ids, and shift each patient's "
        "dates by one offset (GA and intervals stay exact).",
    ),
]


def _csv_export_command(kind: RecordKind) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        out: OutOption = None,
        deidentify: DeidentifyOption = False,
        operator: OperatorOption = None,
    ) -> None:
        export_csv(ctx, kind, out, deidentify, operator)

    command.__doc__ = f"Export every current {kind.value[:-1]} record as CSV" + (
        " (voided scans are left out)." if kind is RecordKind.SCANS else "."
    )
    return command


def export_csv(
    ctx: typer.Context, kind: RecordKind, out: Path | None, deidentify: bool, operator: str | None
) -> None:
    from cervix_watch.app.transfer import exported
    from cervix_watch.interop.csvio import write_csv

    store = context.state(ctx).store()
    records = exported(
        store, kind.value, deidentify_as=context.who(operator) if deidentify else None
    )
    if out is None:
        _export_to_stdout(kind.value, records)
        return
    with output.private_file(out) as handle:
        count = write_csv(kind.value, records, handle)
    output.note(f"Wrote {count} {kind.value} to {shown(out)}.")


def _export_to_stdout(kind: str, records: Iterable[Any]) -> None:
    """The CSV as it is into a pipe or file (re-importable, byte for byte); on a terminal,
    with control characters escaped like every other output a person reads."""
    from cervix_watch.interop.csvio import write_csv

    if not sys.stdout.isatty():
        write_csv(kind, records, sys.stdout)
        sys.stdout.flush()
        return
    import io

    text = io.StringIO(newline="")
    write_csv(kind, records, text)
    output.write(text.getvalue())


# Each CSV kind's example command lines, in its help.
_IMPORT_EXAMPLES = {RecordKind.PATIENTS: "cervix-watch import patients patients.csv --dry-run"}
_EXPORT_EXAMPLES = {
    RecordKind.PATIENTS: "cervix-watch export patients --deidentify --out research.csv"
}


def import_app(sr: typer.Typer) -> Commands:
    """The `import` group: a command per CSV kind, then `sr` (the scanner's reports: a
    typer of one command, `srcommands.import_sr_app`, given by the root that assembles
    the tree)."""
    group = Commands(
        name="import",
        short_help="Import CSV files or the scanner's SRs: all or none.",
        help="Import records: the contract's CSV files, or the ultrasound machine's structured "
        "reports (sr).",
        no_args_is_help=True,
    )
    for kind in RECORD_KINDS:
        example = _IMPORT_EXAMPLES.get(kind, f"cervix-watch import {kind} {kind}.csv")
        group.command(
            kind.value,
            short_help=f"Import {kind} from a CSV file: all or none.",
            epilog=examples(example),
        )(_csv_import_command(kind))
    group.add_typer(sr)
    return group


def export_app(fhir: typer.Typer) -> Commands:
    """The `export` group: a command per CSV kind, then `fhir` (`srcommands.export_fhir_app`,
    given by the root)."""
    group = Commands(
        name="export",
        short_help="Export spreadsheet-safe CSV, or a FHIR Bundle.",
        help="Export records: the contract's CSV files, or a FHIR Bundle for the hospital "
        "record (fhir).",
        no_args_is_help=True,
    )
    for kind in RECORD_KINDS:
        example = _EXPORT_EXAMPLES.get(kind, f"cervix-watch export {kind} --out {kind}.csv")
        # the scans' summary says where the voided ones are; the others' is their first line
        summary = (
            "Every current scan as CSV (voided: --voided)." if kind is RecordKind.SCANS else None
        )
        group.command(kind.value, short_help=summary, epilog=examples(example))(
            _csv_export_command(kind)
        )
    group.add_typer(fhir)
    return group
