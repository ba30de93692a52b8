"""CSV import and export for the five kinds of contract.md: parse, validate, format.

No database here: the store runs the transaction and the checks that need
stored data (unknown MRN, event dates against the EDD), calling these
functions. Import is all-or-nothing at the store; this module's job is to
find every bad row and say where.

Reading (`read_rows`) streams: it yields lists of at most `chunk_rows`
`ParsedRow`s, so a 250,000-row file never sits in memory. Each row carries its
physical line number (header = line 1; a quoted cell spanning lines counts
every line) and either a validated record or its problems, each
`Problem(column, message, source, line)` printing as `file:line: column: problem`.

What is accepted:
- UTF-8, with or without a BOM (Excel writes one); CRLF or LF line endings.
- Header names are trimmed and matched case-insensitively; columns may come
  in any order; columns the contract lists but the header leaves out take
  their defaults.
- An empty cell means "not given" (the model's default applies). Cells of
  non-text columns are trimmed; text cells have the spreadsheet-safety `'`
  removed (see `cells.py`).
- Blank lines and rows whose every cell is empty (spreadsheets leave them
  behind) are skipped.
- A file with a header and no rows is valid and yields nothing; the caller
  decides whether that is worth a message.

What is a problem (never an exception): no header; an unknown, duplicated,
unnamed or missing required column; bytes that are not UTF-8; a NUL byte;
a line over `MAX_LINE_BYTES`; a row with more or fewer cells than the
header; any value the domain model refuses; inside one file, a repeated
`mrn` in patients or a repeated `scan_id` in scans.

Writing (`write_csv`): a header with every column in contract order, `\\n`
line endings, no BOM, UTF-8 left to the caller's stream. Dates ISO, booleans
`yes`/`no`, floats by `repr` (`31.0`), GA as `w+d`, enums by value, None as
an empty cell, free text spreadsheet-protected. Writing what was read gives
the same bytes again.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO, overload

from cervix_watch.domain.errors import Problem
from cervix_watch.interop.cells import format_row
from cervix_watch.interop.kinds import CsvKind, M, kind_named
from cervix_watch.interop.validate import ParsedRow, RowValidator

# No legitimate row comes near this (notes are at most 2,000 characters); a
# longer line is reported and skipped without being held in memory.
MAX_LINE_BYTES = 64 * 1024
# Explicit rather than inherited: csv's limit is process-wide and someone
# may have raised it. It caps a quoted cell that spans many short lines.
MAX_FIELD_CHARS = 128 * 1024
CHUNK_ROWS = 5000

_BOM = b"\xef\xbb\xbf"


class _Lines:
    """Physical lines of a binary stream as text, noting every line that cannot be used.

    A bad line is still handed to the csv parser (decoded with replacement
    characters, or blank when too long) so the records after it keep their
    line numbers; the problem waits in `bad` for the record that holds it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.bad: dict[int, tuple[str, str]] = {}  # line -> (kind, message)
        self.header: list[str] | None = None  # set once read, to name columns in problems

    def __iter__(self) -> Iterator[str]:
        readline, bad, number = self.stream.readline, self.bad, 0
        while raw := readline(MAX_LINE_BYTES + 1):
            number += 1
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                bad[number] = ("line", f"is longer than {MAX_LINE_BYTES} bytes")
                yield "\n"
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = raw[error.start]
                bad[number] = (
                    "encoding",
                    f"byte 0x{byte:02x} is not UTF-8 (save the file as CSV UTF-8)",
                )
                text = raw.decode("utf-8", "replace")
            if "\x00" in text:
                bad.setdefault(number, ("nul", "contains a NUL byte"))
                text = text.replace("\x00", "\ufffd")
            yield text


def _line_problems(
    lines: _Lines, first: int, last: int, cells: list[str], source: str
) -> list[Problem]:
    """Problems of the bad physical lines `first..last`, naming the column where possible."""
    problems = []
    for number in range(first, last + 1):
        if number not in lines.bad:
            continue
        kind, message = lines.bad.pop(number)
        column = "line"
        header = lines.header
        if kind != "line" and header is not None:
            # the replacement character marks the cell that held the bad bytes
            hits = [i for i, cell in enumerate(cells) if "\ufffd" in cell]
            if hits and hits[0] < len(header):
                column = header[hits[0]] or "line"
        problems.append(Problem(column, message, source, number))
    return problems


def _records(lines: _Lines, source: str) -> Iterator[tuple[int, list[str], list[Problem]]]:
    """(first line, cells, line problems) per CSV record, blank records skipped."""
    reader = csv.reader(lines)
    last = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            first, last = last + 1, reader.line_num
            problems = _line_problems(lines, first, last, [], source)
            yield (
                first,
                [],
                problems or [Problem("line", f"is not valid CSV: {error}", source, first)],
            )
            continue
        first, last = last + 1, reader.line_num
        problems = _line_problems(lines, first, last, cells, source) if lines.bad else []
        if problems or any(cells):
            yield first, cells, problems


def _check_header(kind: CsvKind[Any], names: list[str], source: str, line: int) -> list[Problem]:
    """Unknown, unnamed, duplicated and missing required columns, one problem each."""
    problems, seen = [], dict[str, int]()
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem(f"column {position}", "has no name", source, line))
        elif name not in kind.by_name:
            known = ", ".join(kind.column_names)
            message = f"is not a column of {kind.name}.csv (known: {known})"
            problems.append(Problem(name, message, source, line))
        elif name in seen:
            message = f"appears twice (columns {seen[name]} and {position})"
            problems.append(Problem(name, message, source, line))
        seen.setdefault(name, position)
    for name in kind.required:
        if name not in seen:
            problems.append(Problem(name, "required column is missing", source, line))
    if kind.required_any and not any(name in seen for name in kind.required_any):
        message = f"required column is missing (give {' or '.join(kind.required_any)})"
        problems.append(Problem(kind.required_any[0], message, source, line))
    return problems


@overload
def read_rows(
    kind: CsvKind[M], path: str | os.PathLike[str], *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[ParsedRow[M]]]: ...
@overload
def read_rows(
    kind: str, path: str | os.PathLike[str], *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[ParsedRow[Any]]]: ...
def read_rows(
    kind: CsvKind[Any] | str, path: str | os.PathLike[str], *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[ParsedRow[Any]]]:
    """Parse and validate the CSV file at `path`, yielding chunks of at most `chunk_rows` rows.

    Problems name the file as given (`str(path)`). Never raises for bad
    content; OSError (missing file, no permission) is the caller's to report.
    """
    with Path(path).open("rb") as stream:
        yield from read_stream(kind, stream, str(path), chunk_rows=chunk_rows)


def read_stream(
    kind: CsvKind[Any] | str, stream: IO[bytes], source: str, *, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[ParsedRow[Any]]]:
    """`read_rows` on an open binary stream (stdin, a test's BytesIO); `source` names it."""
    spec = kind_named(kind) if isinstance(kind, str) else kind
    csv.field_size_limit(MAX_FIELD_CHARS)
    lines = _Lines(stream)
    records = _records(lines, source)
    first = next(records, None)
    if first is None:
        problem = Problem("header", "the file is empty: expected a header row", source, 1)
        yield [ParsedRow(source, 1, None, (problem,))]
        return
    line, cells, problems = first
    names = [name.strip().lower() for name in cells]
    problems = problems or _check_header(spec, names, source, line)
    if problems:
        yield [ParsedRow(source, line, None, tuple(problems))]
        return
    lines.header = names
    validator = RowValidator(spec, names, source)
    chunk: list[ParsedRow[Any]] = []
    pending: list[tuple[int, list[str]]] = []
    for line, cells, problems in records:
        if problems:
            chunk.extend(validator.rows(pending))
            pending = []
            chunk.append(ParsedRow(source, line, None, tuple(problems)))
        else:
            pending.append((line, cells))
        if len(chunk) + len(pending) >= chunk_rows:
            chunk.extend(validator.rows(pending))
            yield chunk
            chunk, pending = [], []
    chunk.extend(validator.rows(pending))
    if chunk:
        yield chunk


def read_file(
    kind: CsvKind[M] | str, path: str | os.PathLike[str]
) -> tuple[list[M], list[Problem]]:
    """Every valid record of the file and every problem, in file order (not streaming)."""
    records: list[M] = []
    problems: list[Problem] = []
    for chunk in read_rows(kind, path):
        for row in chunk:
            if row.record is not None:
                records.append(row.record)
            problems.extend(row.problems)
    return records, problems


def write_csv(kind: CsvKind[M] | str, models: Iterable[M], out: TextIO) -> int:
    """Write a header with every column, then one row per model; return the row count.

    `out` should be opened with `newline=""` (or be a StringIO): rows end in
    `\\n` and a cell may hold a line break of its own.
    """
    spec = kind_named(kind) if isinstance(kind, str) else kind
    getters = [column.getter() for column in spec.columns]
    write = out.write
    write(format_row(list(spec.column_names)))
    count = 0
    for model in models:
        write(format_row([get(model) for get in getters]))
        count += 1
    return count


__all__ = [
    "CHUNK_ROWS",
    "MAX_FIELD_CHARS",
    "MAX_LINE_BYTES",
    "ParsedRow",
    "read_file",
    "read_rows",
    "read_stream",
    "write_csv",
]
