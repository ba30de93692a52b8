"""One CSV row -> one domain record or its problems, named by CSV column.

The domain model holds every value rule; this module only maps cells to
fields and back: empty cells are left out so the model's defaults apply,
`cl1_mm..cl3_mm` become the tuple `Scan.cl_mm` (and an error in `cl_mm[i]`
names the column it came from), and the checks that need more than one row
(a repeated `mrn`, `scan_id` or `exam_id` inside one file) live here.
"""

from __future__ import annotations

from functools import cache
from itertools import compress, repeat
from typing import Any, Generic, NamedTuple

from pydantic import TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails

from cervix_watch.domain.errors import Problem
from cervix_watch.domain.problems import problems_from
from cervix_watch.interop.cells import unprotect
from cervix_watch.interop.kinds import CL_COLUMNS, CsvKind, M

# Within one file these columns must not repeat (contract: MRN unique; record ids stable).
_UNIQUE = {"patients": "mrn", "scans": "scan_id", "exams": "exam_id"}


class ParsedRow(NamedTuple, Generic[M]):
    """One CSV record: where it starts, and either its validated record or its problems.

    A NamedTuple rather than a frozen dataclass: one is made per row of files
    with 250,000 rows, and a tuple is the cheapest immutable record.
    """

    source: str
    line: int
    record: M | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, column: str, message: str) -> Problem:
        """A Problem pointing at this row, for checks made later (e.g. by the store)."""
        return Problem(column, message, self.source, self.line)


def _cl_values(data: dict[str, Any]) -> tuple[list[str], list[Problem]]:
    """Move `cl1_mm..cl3_mm` into `cl_mm`; return the columns used and any gap problems."""
    values = [data.pop(name, None) for name in CL_COLUMNS]
    present = [value for value in values if value is not None]
    if present:
        data["cl_mm"] = tuple(present)
    if None not in values[: len(present)]:
        return list(CL_COLUMNS[: len(present)]), []
    used = [name for name, value in zip(CL_COLUMNS, values, strict=True) if value is not None]
    problems = []
    for position, name in enumerate(CL_COLUMNS[:-1]):
        later = [other for other in CL_COLUMNS[position + 1 :] if other in used]
        if name not in used and later:
            message = f"is empty but {later[0]} is given (fill the measurements from cl1_mm on)"
            problems.append(Problem(name, message))
    return used, problems


def _quick_cl(data: dict[str, Any]) -> bool:
    """`_cl_values` for the common case, unrolled; False when there is a gap to report."""
    pop = data.pop
    cl1, cl2, cl3 = pop("cl1_mm", None), pop("cl2_mm", None), pop("cl3_mm", None)
    if cl3 is not None:
        data["cl_mm"] = (cl1, cl2, cl3)
        return cl1 is not None and cl2 is not None
    if cl2 is not None:
        data["cl_mm"] = (cl1, cl2)
        return cl1 is not None
    if cl1 is not None:
        data["cl_mm"] = (cl1,)
    return True


def _problems(error: ValidationError, cl_used: list[str]) -> list[Problem]:
    """Problems of a failed validation, one per item, with `cl_mm[i]` named as its column."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        details = InitErrorDetails(type=item["type"], loc=loc, input=item["input"])
        if "ctx" in item:
            details["ctx"] = item["ctx"]
        single = ValidationError.from_exception_data(error.title, [details])
        for problem in problems_from(single):
            column = problem.field
            if column == "cl_mm":
                index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
                column = cl_used[index] if index < len(cl_used) else CL_COLUMNS[0]
                # "too short" after a bad item repeats what that item said
                if any(p.field.startswith("cl") for p in problems):
                    continue
            problems.append(Problem(column, problem.message))
    return problems


@cache
def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


class RowValidator(Generic[M]):
    """Validates the rows of one file against its header; remembers keys seen so far.

    Speed: the domain model's validators are most of the cost, so the rest is
    kept lean. The first try passes the non-empty cells as they are; only
    text cells carrying the spreadsheet `'` are touched. A row that fails is
    tried once more with every non-text cell trimmed (`" 2026-11-23"`), and
    its problems come from that second try.
    """

    def __init__(self, kind: CsvKind[M], header: list[str], source: str) -> None:
        self.kind, self.source, self.width = kind, source, len(header)
        self.names = header
        text = kind.text_columns
        self.is_text = [name in text for name in header]
        self.text_names = [name for name in header if name in text]
        self.is_scan = kind.name == "scans"
        self.unique = _UNIQUE.get(kind.name)
        self.mrn_index = header.index("mrn") if "mrn" in header else None
        self.seen: dict[object, int] = {}

    def cells_to_data(self, cells: list[str]) -> dict[str, Any]:
        """Cells -> field data: text unprotected, other cells trimmed, empty cells left out."""
        data: dict[str, Any] = {}
        for name, is_text, cell in zip(self.names, self.is_text, cells, strict=True):
            value = unprotect(cell) if is_text else cell.strip()
            if value:
                data[name] = value
        return data

    def _quick_data(self, cells: list[str]) -> dict[str, Any]:
        """`cells_to_data` without trimming: what almost every row needs, done cheaply."""
        # compress/filter keep the non-empty cells without a Python-level loop
        data = dict(zip(compress(self.names, cells), filter(None, cells), strict=True))
        for name in self.text_names:
            cell = data.get(name)
            if cell is not None and cell[0] == "'":
                data[name] = unprotect(cell)
        return data

    def _validate(self, data: dict[str, Any]) -> tuple[M | None, list[Problem]]:
        problems: list[Problem] = []
        cl_used: list[str] = []
        if self.is_scan:
            cl_used, problems = _cl_values(data)
        try:
            record = self.kind.model.model_validate(data)
        except ValidationError as error:
            return None, [*problems, *_problems(error, cl_used)]
        return (None if problems else record), problems

    def row(self, line: int, cells: list[str]) -> ParsedRow[M]:
        """Validate one record of the file starting at `line`."""
        if len(cells) != self.width:
            message = f"has {len(cells)} cells but the header has {self.width}"
            return self._bad(line, [Problem("row", message)])
        record, problems = self._validate(self._quick_data(cells))
        if problems:
            record, problems = self._validate(self.cells_to_data(cells))
        problems.extend(self._repeats(line, cells, record))
        if problems:
            return self._bad(line, problems)
        return ParsedRow(self.source, line, record)

    def rows(self, records: list[tuple[int, list[str]]]) -> list[ParsedRow[M]]:
        """Validate a chunk of (line, cells) records with one call into pydantic.

        When any row of the chunk fails, the chunk is done again row by row
        to find each row's problems; files without errors never pay for that.
        """
        width, quick, cl = self.width, self._quick_data, self.is_scan
        batch = []
        for _, cells in records:
            if len(cells) != width:
                return [self.row(line, cells) for line, cells in records]
            data = quick(cells)
            if cl and not _quick_cl(data):
                return [self.row(line, cells) for line, cells in records]
            batch.append(data)
        try:
            models = _list_adapter(self.kind.model).validate_python(batch)
        except ValidationError:
            return [self.row(line, cells) for line, cells in records]
        if self.unique is not None:
            for (line, cells), record in zip(records, models, strict=True):
                if self._repeats(line, cells, record):
                    return [self.row(line, cells) for line, cells in self._forget(records)]
        # ParsedRow._make skips the NamedTuple's Python-level __new__ (one row each)
        lines = [line for line, _ in records]
        rows = zip(repeat(self.source), lines, models, repeat(()), strict=False)
        return list(map(ParsedRow._make, rows))

    def _forget(self, records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
        """Undo what `_repeats` remembered of these records, before they are done again."""
        lines = {line for line, _ in records}
        self.seen = {key: line for key, line in self.seen.items() if line not in lines}
        return records

    def _repeats(self, line: int, cells: list[str], record: M | None) -> list[Problem]:
        """A `mrn` (patients), `scan_id` (scans) or `exam_id` (exams) used on an earlier line."""
        key: object = None
        if self.unique == "mrn" and self.mrn_index is not None:
            key = unprotect(cells[self.mrn_index]).strip() or None
        elif self.unique is not None and record is not None:
            key = getattr(record, self.unique)
        if key is None or self.unique is None:
            return []
        first = self.seen.setdefault(key, line)
        if first == line:
            return []
        return [Problem(self.unique, f"{key!r} is also on line {first}")]

    def _bad(self, line: int, problems: list[Problem]) -> ParsedRow[M]:
        located = tuple(Problem(p.field, p.message, self.source, line) for p in problems)
        return ParsedRow(self.source, line, None, located)
