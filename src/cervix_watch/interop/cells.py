"""One CSV cell <-> one value: spreadsheet safety and the export spelling of each type.

Spreadsheet safety (contract.md). A spreadsheet runs a cell that starts with
`=`, `+`, `-` or `@` as a formula (and tab/CR are used to smuggle one in), so
export writes such a text cell with one `'` in front and import removes it.
To make export -> import -> export byte-identical even for a text that
genuinely starts with quotes followed by such a character (`'=x`), the rule
counts the quotes:

- export prefixes one `'` when the text matches `^'*[=+\\-@\\t\\r]`
  (`=x` -> `'=x`, `'=x` -> `''=x`);
- import removes one `'` when the cell matches `^'+[=+\\-@\\t\\r]`
  (`'=x` -> `=x`, `''=x` -> `'=x`); any other cell is taken as it is, so
  `'hello` stays `'hello`.

Only free-text columns (mrn, name, operator, notes) are treated this way;
numbers, dates and codes are never prefixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from enum import Enum
from typing import Any

from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.symptoms import format_symptoms

_TRIGGERS = "=+-@\t\r"
_NEEDS_PREFIX = re.compile(r"'*[=+\-@\t\r]")
_HAS_PREFIX = re.compile(r"'+[=+\-@\t\r]")
_FIRST_CHARS = frozenset("'" + _TRIGGERS)


def protect(text: str) -> str:
    """Text as exported: one `'` in front when a spreadsheet would read it as a formula."""
    if text and text[0] in _FIRST_CHARS and _NEEDS_PREFIX.match(text):
        return "'" + text
    return text


def unprotect(cell: str) -> str:
    """Text as imported: the one `'` that `protect` added is removed again."""
    if cell and cell[0] == "'" and _HAS_PREFIX.match(cell):
        return cell[1:]
    return cell


def _needs_quotes(cell: str) -> bool:
    return "," in cell or '"' in cell or "\n" in cell or "\r" in cell


def format_row(cells: list[str]) -> str:
    """One CSV record ending in `\\n`, quoted only where needed.

    Written by hand because csv.writer with a `\\n` terminator leaves a lone CR
    in a cell unquoted, which no reader can read back.
    """
    return (
        ",".join(
            '"' + cell.replace('"', '""') + '"' if _needs_quotes(cell) else cell for cell in cells
        )
        + "\n"
    )


def any_cell(value: Any) -> str:
    """A listing's cell: text spreadsheet-protected, numbers as they print, None empty."""
    if value is None:
        return ""
    return protect(value) if isinstance(value, str) else str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (header, then rows) with every cell through `any_cell`."""
    lines = [format_row(list(header))]
    lines.extend(format_row([any_cell(value) for value in row]) for row in rows)
    return "".join(lines)


def text_cell(value: Any) -> str:
    return "" if value is None else protect(str(value))


def date_cell(value: Any) -> str:
    return "" if value is None else date.isoformat(value)


def bool_cell(value: Any) -> str:
    return "yes" if value else "no"


def float_cell(value: Any) -> str:
    # repr keeps every digit (31.0, 22.55); float() because a row built with
    # model_construct from the database may hold an int
    return "" if value is None else repr(float(value))


def int_cell(value: Any) -> str:
    return "" if value is None else str(int(value))


def ga_cell(value: Any) -> str:
    return "" if value is None else format_ga(int(value))


def enum_cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value.value) if isinstance(value, Enum) else str(value)


def symptoms_cell(value: Any) -> str:
    return format_symptoms(value or ())


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "text": text_cell,
    "date": date_cell,
    "bool": bool_cell,
    "float": float_cell,
    "int": int_cell,
    "ga": ga_cell,
    "enum": enum_cell,
    "symptoms": symptoms_cell,
}
