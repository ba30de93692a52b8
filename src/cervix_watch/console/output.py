"""The one output layer: the rich consoles, the format enum, listings, and text written out.

Everything a command prints goes through here, so the output-safety rules of
contract.md are applied once:

- text from the database or a file can never drive the terminal: control and
  format characters, line and paragraph separators, lone surrogates and
  noncharacters (by Unicode category, `console.escapes`; tab and newline kept) are
  printed escaped, `\\x1b`, `\\u202e`. Rich's `Text` does not do
  this (it only drops a few C0 codes), so a listing's cells are escaped as they
  enter it (before they are measured), and the consoles escape every other
  segment of text they render (a render hook); Markdown and CSV text is escaped
  the same way on its way out;
  JSON gets the same characters as `\\u` escapes (the same data, still valid JSON);
  HTML is escaped by its template and written as it is.
- every CSV cell goes through the spreadsheet-safe writer `interop.cells`.
- `--out FILE` is written to a temporary file beside it and renamed over it only
  when complete; a symlink, directory or device is refused (`private_file`).

`out` and `err` are made on first use (module `__getattr__`): importing rich is a
large part of start-up, and `--help` or a command that fails early never needs it.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeGuard

import typer

from cervix_watch.console.escapes import escape_json, escape_text
from cervix_watch.console.piped import trimmed
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown

if TYPE_CHECKING:
    from rich.console import Console

    from cervix_watch.report.cells import Tall

FILE_MODE = 0o600  # reports and exports name patients


def safe_text(text: str) -> str:
    """`text` with every control and format character written as an escape (`\\x1b`)."""
    return escape_text(text)


def _make_console(
    stderr: bool, file: TextIO | None = None, width: int | None = None, soft_wrap: bool = False
) -> Console:
    """A console of this invocation: stdout's, stderr's, or (`file`) a plain one writing
    to a file at `width` (and `soft_wrap`, as stdout's), without colour or trailing spaces."""
    from rich.console import Console, RenderHook

    class EscapeHook(RenderHook):
        """Every renderable a console prints is rendered through `_Escaped` (rich's public
        render-hook protocol): a last line of defence for text not escaped where it
        entered a renderable."""

        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            return [_Escaped(renderable) for renderable in renderables]

    class CliConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; a closed reader is the command's one case (cli/app.py), 141
            self.quiet = True
            raise BrokenPipeError

    if file is not None:
        console = CliConsole(
            file=trimmed(file), highlight=False, soft_wrap=soft_wrap, width=width, color_system=None
        )
    elif stderr:
        console = CliConsole(stderr=True, highlight=False, soft_wrap=True, width=_Layout.width)
    elif not _isatty(sys.stdout):
        # A pipe or a file: no line ends in a space (`console.piped`), and a long line stays
        # whole unless a width was asked for ($COLUMNS, the config's `columns`): rich's 80
        # for a file is no one's screen.
        asked = _Layout.width is not None or bool(os.environ.get("COLUMNS"))
        console = CliConsole(
            file=trimmed(None), highlight=False, soft_wrap=not asked, width=_Layout.width
        )
    else:
        console = CliConsole(highlight=False, soft_wrap=False, width=_Layout.width)
    console.push_render_hook(EscapeHook())
    return console


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed, or not a real file
        return False


class _Escaped:
    """A renderable whose text segments are escaped (`safe_text`); control codes are not."""

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Any]:
        from rich.segment import Segment

        for segment in console.render(self.renderable, options):
            if segment.control:
                yield segment
                continue
            text = safe_text(segment.text)
            yield segment if text is segment.text else Segment(text, segment.style)

    def __rich_measure__(self, console: Console, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)


def __getattr__(name: str) -> Console:
    """`out` (results, stdout) and `err` (messages, stderr), each made once when first used
    in an invocation (`set_width` starts the next)."""
    if name not in {"out", "err"}:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    console = _make_console(stderr=name == "err")
    globals()[name] = console
    return console


class _Layout:
    # the config file's `columns`, when $COLUMNS is unset (None: follow the terminal)
    width: int | None = None


def set_width(columns: int | None) -> None:
    """Start an invocation: its consoles are made (at first use) `columns` wide, or, for
    None, as wide as $COLUMNS or the terminal. A console reads $COLUMNS and $LINES when it
    is made, so the consoles of an earlier invocation (tests run many in one process)
    are dropped rather than kept."""
    _Layout.width = columns
    for name in ("out", "err"):
        globals().pop(name, None)


def width() -> int:
    """The width tables are laid out at."""
    return _out().width


def _out() -> Console:
    console: Console = globals().get("out") or __getattr__("out")
    return console


def _err() -> Console:
    console: Console = globals().get("err") or __getattr__("err")
    return console


class Format(StrEnum):
    """Every output format of every command; each command accepts the ones it can write."""

    TABLE = "table"
    MD = "md"
    HTML = "html"
    CSV = "csv"
    JSON = "json"


LISTING_FORMATS = (Format.TABLE, Format.JSON, Format.CSV)


def accept(fmt: Format, allowed: Sequence[Format]) -> None:
    """A usage error (exit 2) for a format this command does not write."""
    if fmt not in allowed:
        names = ", ".join(f.value for f in allowed)
        message = f"{fmt.value} is not written here; use {names}"
        raise typer.BadParameter(message, param_hint="--format")


def require_out_for_html(fmt: Format, out: Path | None) -> None:
    """An HTML page on a terminal helps nobody: one line naming `out`, exit 1 (as the user
    guide says, like every other refusal of --out), before any work."""
    if fmt is Format.HTML and out is None:
        raise InputError(Problem("out", "--format html writes a file: give --out FILE"))


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def error(message: str) -> None:
    """One line on stderr, never markup-interpreted (user data may contain brackets). A
    newline or tab inside (a file name's, a driver's) is escaped too, as `shown` does: an
    error is one line, and a name must not forge another."""
    _err().print(f"error: {shown(message)}", markup=False, style=None if no_color() else "red")


def note(message: str) -> None:
    _err().print(message, markup=False, style=None if no_color() else "dim")


def success(message: str) -> None:
    _out().print(message, markup=False, style=None if no_color() else "green")


def line(message: str = "") -> None:
    _out().print(message, markup=False)


def one_line(message: str, good: bool = False) -> None:
    """A result line a script may read (it names a file or an SR): never wrapped."""
    style = "green" if good and not no_color() else None
    _out().print(message, markup=False, style=style, soft_wrap=True)


def json_text(value: Any) -> str:
    """One JSON document and a newline; format characters as `\\u` escapes (same data)."""
    return _json_safe(json_document(value))


def json_document(value: Any) -> str:
    """One JSON document and a newline, not yet escaped: for `emit(..., Format.JSON)`,
    which escapes what it writes (as `json_text` does)."""
    return json.dumps(value, ensure_ascii=False, default=str) + "\n"


def _json_safe(text: str) -> str:
    """JSON text with every control and format character the encoder left raw as a `\\u`
    escape: the same document."""
    return escape_json(text)


def _safe_as(fmt: Format | None, text: str) -> str:
    """`text` made safe for its format: HTML as it is (escaped by its template), JSON with
    `\\u` escapes (still valid JSON), everything else with `safe_text`."""
    if fmt is Format.HTML:
        return text
    return _json_safe(text) if fmt is Format.JSON else safe_text(text)


def print_json(value: Any) -> None:
    write(json_text(value))


def write(text: str, fmt: Format | None = None) -> None:
    """Text (Markdown, CSV, JSON, TOML) to stdout, control characters escaped, flushed."""
    sys.stdout.write(_safe_as(fmt, text))
    sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class Column:
    """One listing column: the JSON key and CSV header, and the table's heading.

    Cells hold typed values (numbers, booleans, lists): JSON keeps them as they are; the
    table and CSV spell them (`yes`/`no`; `21.0 21.5` and `21.0 / 21.5`). `wrap` marks
    free text (names, operators), the only cells a table may break at 80 columns;
    `in_table` False keeps a column out of the table (a machine twin such as `ga_days`).
    """

    key: str
    heading: str
    wrap: bool = False
    in_table: bool = True


def csv_cell(value: Any) -> Any:
    """A typed cell as a CSV file spells it: yes/no, `21.0 / 21.5`; numbers stay numbers
    (the safe writer protects text, and a negative number is not a formula)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return " / ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in value)
    return value


def cell_text(value: Any) -> str:
    """How a typed cell reads in a table: as in CSV, but a series of numbers spaced as
    `patient show` prints it (`21.0 21.5 22.0`), four columns narrower at 80 columns."""
    if isinstance(value, list | tuple):
        return " ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in value)
    shown = csv_cell(value)
    return "" if shown is None else str(shown)


def listing(
    fmt: Format,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None,
    envelope: dict[str, Any],
    items: str,
) -> None:
    """Print rows as a table, CSV, or the contract's JSON listing `{**envelope, items: [...]}`."""
    accept(fmt, LISTING_FORMATS)
    if fmt is Format.JSON:
        keys = [c.key for c in columns]
        records = [dict(zip(keys, row, strict=True)) for row in rows]
        print_json({**envelope, items: records})
    elif fmt is Format.CSV:
        from cervix_watch.interop.cells import csv_text

        texts = ([csv_cell(v) for v in row] for row in rows)
        write(csv_text([c.key for c in columns], texts))
    else:
        shown = [i for i, c in enumerate(columns) if c.in_table]
        _table(
            title,
            [columns[i] for i in shown],
            ([safe_text(cell_text(row[i])) for i in shown] for row in rows),
        )


# A listing taller than this many screens is written piece by piece (`show`), not
# handed to rich's Table: the same layout, in a fraction of the time and memory.
SCREENS_FOR_RICH = 2


def _table(title: str | None, columns: Sequence[Column], records: Iterable[Sequence[str]]) -> None:
    """A listing's table: identifiers, dates and numbers never break; free text folds
    between words (`report.cells`). Rules under the header only, so eleven columns of
    scans read at 80 columns."""
    from cervix_watch.report.cells import listing_table

    shown_title = None if title is None else safe_text(title)
    show(listing_table(shown_title, [(c.heading, c.wrap) for c in columns], records))


def show(renderable: Any) -> None:
    """Print a renderable (a listing, a report, a patient) on stdout: at a terminal, through
    the pager when it is taller than the screen (`console.pager`). A listing or report taller
    than `SCREENS_FOR_RICH` screens (`report.cells.Tall`) is written piece by piece: the
    same text, the rows as lines rather than through rich's Table (its styles too, or only
    where the console has none)."""
    from cervix_watch.console import pager

    console = _out()
    if not pager.wanted(console):
        _show(console, renderable)
    elif _streamed(renderable, console):
        with pager.paging(console):
            _show(console, renderable)
    else:
        with console.capture() as captured:
            console.print(renderable)
        text = captured.get()
        with pager.paging(console) if text.count("\n") > console.height else nullcontext():
            console.file.write(text)
            console.file.flush()


def write_shown(path: Path, renderable: Any) -> None:
    """What `show` prints, without colour, as the whole new content of `path` (written as
    `private_file` writes; `--format table --out FILE`): a tall listing or report piece by
    piece, never held whole."""
    stdout = _out()
    with private_file(path) as handle:
        console = _make_console(False, handle, stdout.width, stdout.soft_wrap)
        _show(console, renderable)


def page(text: str) -> None:
    """A document (`docs`) to stdout: through the pager at a terminal whatever its length
    (as `git help`; `less -F` quits at once when it fits), escaped as `write` escapes."""
    from cervix_watch.console import pager

    console = _out()
    if not pager.wanted(console):
        write(text)
        return
    with pager.paging(console):
        console.file.write(safe_text(text))
        console.file.flush()


def _streamed(renderable: Any, console: Console) -> TypeGuard[Tall]:
    """Whether `renderable` is a `Tall` written piece by piece (never held whole) here."""
    from cervix_watch.report.cells import Tall

    return (
        isinstance(renderable, Tall)
        and renderable.row_count > SCREENS_FOR_RICH * console.height
        and (renderable.styled or console.color_system is None)
    )


def _show(console: Console, renderable: Any) -> None:
    if _streamed(renderable, console):
        _write(console, renderable.pieces(console, console.width))
    else:
        console.print(renderable)


def _write(console: Console, pieces: Iterable[Any], batch: int = 500) -> None:
    """Strings to the console's file a batch at a time, so a pager shows the first screen
    at once and the whole listing is never one string; renderables through the console,
    in turn. The strings are not escaped again: a `Tall`'s text was escaped as it entered
    (a listing's cells by `listing`, the review's by `render.render_review`), before it
    was laid out (tests/cli/test_output.py, tests/report/test_table.py)."""
    file = console.file
    chunk: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            chunk.append(piece)
            if len(chunk) < batch:
                continue
        file.write("".join(chunk))
        chunk.clear()
        if not isinstance(piece, str):
            console.print(piece)
    file.write("".join(chunk))
    file.flush()


def table(title: str | None, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
    """A plain rich table; cells are text (never markup, escaped as they enter) that wrap
    between words and fold a path after a `/`, never truncate."""
    from rich.table import Table

    from cervix_watch.report.cells import FoldingText

    grid = Table(title=title, title_justify="left", header_style="bold", expand=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for record in records:
        grid.add_row(*(FoldingText(safe_text("" if v is None else str(v))) for v in record))
    _out().print(grid)


def _refuse_unsafe_target(path: Path) -> None:
    """`--out` may name a regular file (replaced) or a new name: never a link or a device."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError(Problem("out", f"cannot write {shown(path)}: {error.strerror}")) from None
    if stat.S_ISLNK(mode):
        what = "a symbolic link"
    elif stat.S_ISDIR(mode):
        what = "a folder"
    elif not stat.S_ISREG(mode):
        what = "not a regular file"
    else:
        return
    message = f"{shown(path)} is {what}; give a new file name or a regular file"
    raise InputError(Problem("out", message))


@contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """A text handle whose content replaces `path` (0600) only when the block completes.

    It is written to a temporary file in the same folder (created with O_EXCL and
    O_NOFOLLOW) and renamed over `path`; on any failure (disk full, an error,
    Ctrl-C) the temporary file is removed and `path` is left as it was. A path
    that cannot be written is the user's input problem: one line naming out, exit 1.
    """
    import tempfile

    _refuse_unsafe_target(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cervix-watch-", suffix=".tmp")
    except OSError as error:
        raise InputError(Problem("out", f"cannot write {shown(path)}: {error.strerror}")) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as failure:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(failure, OSError):
            message = f"cannot write {shown(path)}: {failure.strerror}; it was left unchanged"
            raise InputError(Problem("out", message)) from None
        raise


def write_file(path: Path, text: str, fmt: Format | None = None) -> None:
    """`text` as the whole new content of `path` (see `private_file`), escaped unless HTML."""
    with private_file(path) as handle:
        handle.write(_safe_as(fmt, text))


def emit(text: str, fmt: Format, out: Path | None = None) -> None:
    """A document (md, csv, json, html) to `out`, else stdout; escaped as its format needs."""
    if out is not None:
        write_file(out, text, fmt)
    else:
        write(text, fmt)
