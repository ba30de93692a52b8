"""`import` and `export`: the contract's five CSV kinds, all-or-nothing in, spreadsheet-safe out.

The ultrasound machine's SRs (`import sr`) and the FHIR Bundle (`export fhir`) are
subcommands of the same groups, defined in `cli.srcommands`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cervix_watch.cli import context, output, progress
from cervix_watch.cli.options import DryRunOption, OperatorOption, OutOption
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown
from cervix_watch.domain.kinds import RECORD_KINDS, RecordKind
from cervix_watch.domain.words import counted, singular

if TYPE_CHECKING:
    from cervix_watch.store.importer import ImportResult


DEIDENTIFY_KEY = "deidentify_key"


import_app = typer.Typer(
    help="Import records: the contract's CSV files, or the ultrasound machine's structured "
    "reports (sr).",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export records: the contract's CSV files, or a FHIR Bundle for the hospital record "
    "(fhir).",
    no_args_is_help=True,
)
FileArg = Annotated[
    Path, typer.Argument(help="CSV file in the contract's format (UTF-8, header row).")
]


def _import_csv(ctx: typer.Context, kind: RecordKind, file: Path, dry_run: bool, who: str) -> None:
    result = load_csv(context.state(ctx), kind, file, who, dry_run)
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


Chunk = tuple[list[Problem], list[tuple[int, Any]]]


def load_csv(
    state: context.State,
    kind: RecordKind,
    file: Path,
    who: str,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Import one CSV file through the store (shared by `import` and `demo`); no date in it
    may be after `today` (default: the invocation's `State.today`)."""
    from cervix_watch.store.importer import import_records

    if not file.is_file():
        raise InputError(Problem("file", f"{shown(file)}: no such file"))
    with progress.bar(f"Importing {kind}", lambda: _line_count(file)) as advance:
        return import_records(
            state.store(),
            kind,
            _chunks(kind, file, advance),
            source=str(file),
            who=who,
            today=today or state.today,
            dry_run=dry_run,
        )


def _chunks(kind: str, file: Path, advance: progress.Advance) -> Iterator[Chunk]:
    """The parsed file chunk by chunk: each chunk's problems and its valid (line, record)s."""
    from cervix_watch.interop.csvio import read_rows

    done = 0  # lines, the header among them: the bar's total is the file's lines
    try:
        for chunk in read_rows(kind, file):
            problems = [p for row in chunk for p in row.problems]
            records = [(row.line, row.record) for row in chunk if row.ok and row.record is not None]
            advance(chunk[-1].line - done)
            done = chunk[-1].line
            yield problems, records
    except OSError as error:
        raise InputError(Problem("file", f"{shown(file)}: {error.strerror}")) from None


def _line_count(file: Path) -> int:
    """The file's lines (its newlines, and a last line without one), the progress total;
    read in blocks, a fraction of the time parsing takes."""
    lines, last = 0, b"\n"
    try:
        with file.open("rb") as handle:
            while block := handle.read(1 << 20):
                lines, last = lines + block.count(b"\n"), block[-1:]
    except OSError as error:
        raise InputError(Problem("file", f"{shown(file)}: {error.strerror}")) from None
    return lines + (last != b"\n")


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
    from cervix_watch.interop.csvio import write_csv
    from cervix_watch.store.importer import export_records

    store = context.state(ctx).store()
    records: Iterable[Any] = export_records(store, kind.value)
    if deidentify:
        from cervix_watch.interop.deidentify import Deidentifier

        anonymiser = Deidentifier(store.secret(DEIDENTIFY_KEY, context.who(operator)))
        records = anonymiser.apply_all(records)
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


def _register() -> None:
    from cervix_watch.cli import srcommands

    for kind in RECORD_KINDS:
        import_app.command(kind.value)(_csv_import_command(kind))
    import_app.command("sr")(srcommands.import_sr)
    for kind in RECORD_KINDS:
        export_app.command(kind.value)(_csv_export_command(kind))
    export_app.command("fhir")(srcommands.export_fhir)


_register()
