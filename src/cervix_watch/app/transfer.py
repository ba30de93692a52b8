"""Import the contract's CSV files of a kind, all or nothing; export a kind's records.

Shared by `import KIND`, `export KIND` and the demo. Progress is the `advance`
callback the caller passes (steps are the file's lines, the header among them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown

if TYPE_CHECKING:
    from datetime import date

    from cervix_watch.store.importer import ImportResult
    from cervix_watch.store.store import Store

# The key of the database's own secret that pseudonymises an export (`--deidentify`).
DEIDENTIFY_KEY = "deidentify_key"

Chunk = tuple[list[Problem], list[tuple[int, Any]]]
Advance = Callable[[int], None]


def _nothing(_steps: int) -> None:
    """The `advance` of work nobody watches."""


def import_csv(
    store: Store,
    kind: str,
    file: Path,
    *,
    who: str,
    today: date,
    dry_run: bool = False,
    advance: Advance = _nothing,
) -> ImportResult:
    """Import one CSV file through the store: every row, or none and every problem; no
    date in it may be after `today`."""
    from cervix_watch.store.importer import import_records

    return import_records(
        store,
        kind,
        _chunks(kind, file, advance),
        source=str(file),
        who=who,
        today=today,
        dry_run=dry_run,
    )


def _chunks(kind: str, file: Path, advance: Advance) -> Iterator[Chunk]:
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


def line_count(file: Path) -> int:
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


def exported(store: Store, kind: str, *, deidentify_as: str | None = None) -> Iterable[Any]:
    """Every current record of `kind`; pseudonymised with the database's own key when
    `deidentify_as` names who asked (its first use makes the key, an audited write)."""
    from cervix_watch.store.importer import export_records

    records: Iterable[Any] = export_records(store, kind)
    if deidentify_as is None:
        return records
    from cervix_watch.interop.deidentify import Deidentifier

    return Deidentifier(store.secret(DEIDENTIFY_KEY, deidentify_as)).apply_all(records)


__all__ = ["DEIDENTIFY_KEY", "ImportResult", "exported", "import_csv", "line_count"]
