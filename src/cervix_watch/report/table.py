"""The weekly review for the terminal: a header, then one table per priority group.

Fits an 80-column terminal: two columns (the patient, her discussion points)
that wrap and fold, never truncate. Every cell is `rich.text.Text`, so a name
with brackets is never read as markup. Priority is written as a word
("URGENT"); the colour only repeats it, so the report reads the same with
NO_COLOR or piped into a file.

Both columns have a fixed width (the patient's 22 cells, the points the rest of the
line), given to rich as `Column.width`, so rich measures no cell. A review of a whole
clinic is not handed to rich's `Table` when it goes to a file or a pipe:
`ReviewView.pieces` writes its rows as lines of the same layout (the group's title,
borders and header still come from rich).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import lt
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import COLOR_SYSTEMS, RenderableType
from rich.console import Group as RenderGroup
from rich.style import Style
from rich.table import Table
from rich.text import Text

from cervix_watch.domain.enums import Priority
from cervix_watch.report import common
from cervix_watch.rules import Flag, PatientReview, Profile, Review
from cervix_watch.rules.identity import profile_label

PRIORITY_STYLE = {
    Priority.URGENT: "bold white on red",
    Priority.HIGH: "bold red",
    Priority.ROUTINE: "bold yellow",
    Priority.INFO: "bold cyan",
}
GROUP_STYLE = {**{p.value: PRIORITY_STYLE[p] for p in Priority}, common.NO_FLAGS: "bold green"}
if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

PATIENT_COLUMN_WIDTH = 22
# Each line of a group's table: `│ ` + patient + ` │ ` + points + ` │`.
BORDERS = 7
# Narrower than this, rich's own layout (which then squeezes the patient column).
NARROWEST = PATIENT_COLUMN_WIDTH + BORDERS + 10


def _same(text: str) -> str:
    return text


def review_table(
    review: Review, profile: Profile, escape: Callable[[str], str] = _same
) -> ReviewView:
    """Header and grouped tables, ready for `Console.print` (or `pieces`); `escape` is
    applied to the text of the records and the profile as it enters (the output layer's
    escaper of control characters), so it is laid out as it is printed."""
    return ReviewView(review, profile, escape)


class ReviewView:
    """The review for the terminal: a renderable, and the same as pieces to write
    (`report.cells.Tall`)."""

    styled = True  # the pieces keep rich's styles at a colour terminal (`_Styler`)

    def __init__(
        self, review: Review, profile: Profile, escape: Callable[[str], str] = _same
    ) -> None:
        self.review = review
        self.profile = profile
        self.escape = escape
        self.row_count = len(review.patients)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        parts: list[RenderableType] = [header(self.review, self.profile, self.escape)]
        for group in common.groups(self.review):
            parts.append(Text(""))
            parts.append(group_table(group, options.max_width, self.escape))
        if not self.review.patients:
            parts.append(Text(common.nobody_words(self.review), style="italic"))
        yield RenderGroup(*parts)

    def pieces(self, console: Console, width: int) -> Iterator[RenderableType | str]:
        """What `Console.print` of this view prints at `width`: the header for rich to
        print, then each group's lines as strings (each ending in a newline), to write in
        turn; with rich's colour codes where the console has colour (`_Styler`)."""
        styler = _Styler(console)
        headings = ("Patient", "Discussion points (rule)")
        widths = [PATIENT_COLUMN_WIDTH, width - BORDERS - PATIENT_COLUMN_WIDTH]
        if (
            width < NARROWEST
            or not self.review.patients
            or (styler.colour and any(map(lt, widths, map(len, headings))))
        ):
            yield self
            return
        yield header(self.review, self.profile, self.escape)
        drawn = box.ROUNDED.substitute(console.options, safe=console.safe_box)
        padded = [w + 2 for w in widths]  # the box's widths count each cell's padding
        between = drawn.get_row(padded, "row", edge=True) + "\n"
        for group in common.groups(self.review):
            yield "\n"
            title = _cell_lines(console, group.title, width)
            style = GROUP_STYLE[group.key]
            yield "".join(
                styler.line(line + " " * (width - cell_len(line)), style) + "\n" for line in title
            )
            yield drawn.get_top(padded) + "\n"
            yield (
                styler.heading(drawn, headings, widths)
                if styler.colour
                else heading_lines(console, drawn, widths)
            )
            yield drawn.get_row(padded, "head", edge=True) + "\n"
            for index, patient in enumerate(group.patients):
                if index:
                    yield between
                yield row_lines(console, drawn, widths, patient, self.escape, styler)
            yield drawn.get_bottom(padded) + "\n"


class _Styler:
    """A cell's (text, style) parts as the lines rich prints in a table cell: plain text
    at a console without colour, else each run with the colour codes rich writes for its
    style (`Style.render`, one prefix and suffix per style, remembered)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        name = console.color_system
        self.system = COLOR_SYSTEMS[name] if name else None
        self.colour = self.system is not None
        self._codes: dict[str, tuple[str, str]] = {}

    def line(self, text: str, style: str) -> str:
        """`text` in `style` (a whole line: a group's title)."""
        if not self.colour or not style or not text:
            return text
        prefix, suffix = self._code(style)
        return prefix + text + suffix

    def _code(self, style: str) -> tuple[str, str]:
        code = self._codes.get(style)
        if code is None:
            rendered = Style.parse(style).render("\x00", color_system=self.system)
            prefix, _, suffix = rendered.partition("\x00")
            code = self._codes[style] = (prefix, suffix)
        return code

    def heading(self, drawn: box.Box, headings: Sequence[str], widths: Sequence[int]) -> str:
        """The header row in bold, its padding too (each heading fits on one line)."""
        pad = self.line(" ", "bold")
        cells = [
            pad + self.line(h + " " * (w - len(h)), "bold") + pad
            for h, w in zip(headings, widths, strict=True)
        ]
        return f"{drawn.head_left}{cells[0]}{drawn.head_vertical}{cells[1]}{drawn.head_right}\n"

    def cell(self, parts: Sequence[Part], width: int) -> list[tuple[str, int]]:
        """The cell's lines at `width`, each with its width in cells."""
        if not self.colour:
            return [
                (line, _width(line)) for line in _cell_lines(self.console, _plain(parts), width)
            ]
        lines: list[list[Part]] = [[]]
        for text, style in parts:
            first, *rest = text.split("\n")
            lines[-1].append((first, style))
            lines += [[(more, style)] for more in rest]
        out: list[tuple[str, int]] = []
        for runs in lines:
            plain = _plain(runs)
            if "\t" not in plain and _width(plain) <= width:
                out.append(("".join(self.line(t, s) for t, s in runs), _width(plain)))
            else:  # wrapped (or its tabs expanded) as the table does it, by rich's Text
                wrapped = Text.assemble(*runs)
                wrapped.expand_tabs(8)
                out += [
                    (self._rendered(part), part.cell_len)
                    for part in wrapped.wrap(self.console, width, overflow="fold")
                ]
        return out

    def _rendered(self, text: Text) -> str:
        return "".join(
            segment.style.render(segment.text, color_system=self.system)
            if segment.style
            else segment.text
            for segment in text.render(self.console)
        )


def row_lines(
    console: Console,
    drawn: box.Box,
    widths: Sequence[int],
    patient: PatientReview,
    escape: Callable[[str], str] = _same,
    styler: _Styler | None = None,
) -> str:
    """One patient's row of a group table, as the table lays it out (top-aligned)."""
    cells_of = styler or _Styler(console)
    cells = [
        cells_of.cell(patient_parts(patient, escape), widths[0]),
        cells_of.cell(points_parts(patient, escape), widths[1]),
    ]
    left, divider, right = drawn.mid_left, drawn.mid_vertical, drawn.mid_right
    lines = []
    for n in range(max(map(len, cells))):
        (patient_text, patient_width), (points, points_width) = (
            c[n] if n < len(c) else ("", 0) for c in cells
        )
        lines.append(
            f"{left} {patient_text}{' ' * (widths[0] - patient_width)} {divider} "
            f"{points}{' ' * (widths[1] - points_width)} {right}\n"
        )
    return "".join(lines)


def heading_lines(console: Console, drawn: box.Box, widths: Sequence[int]) -> str:
    """The header row; a heading that wraps is aligned to the bottom, as rich aligns it."""
    headings = [
        _cell_lines(console, heading, width)
        for heading, width in zip(("Patient", "Discussion points (rule)"), widths, strict=True)
    ]
    height = max(map(len, headings))
    headings = [[""] * (height - len(lines)) + lines for lines in headings]
    edges = (drawn.head_left, drawn.head_vertical, drawn.head_right)
    return "".join(_line(edges, [h[n] for h in headings], widths) for n in range(height))


def _line(edges: Sequence[str], texts: Sequence[str], widths: Sequence[int]) -> str:
    left, divider, right = edges
    patient, points = (t + " " * (w - _width(t)) for t, w in zip(texts, widths, strict=True))
    return f"{left} {patient} {divider} {points} {right}\n"


def _width(line: str) -> int:
    # escaped text has no control character left, so printable ASCII is one cell each
    return len(line) if line.isascii() else cell_len(line)


def _cell_lines(console: Console, text: str, width: int) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        if "\t" in line:
            line = line.expandtabs(8)  # noqa: PLW2901 - as rich spaces a tab in a cell
        if _width(line) <= width:
            lines.append(line)
        else:  # wrapped as the table wraps it (rich's word wrap, folding a long word)
            lines.extend(part.plain for part in Text(line).wrap(console, width, overflow="fold"))
    return lines


def _plain(parts: Sequence[Part]) -> str:
    return "".join(text for text, _ in parts)


def header(review: Review, profile: Profile, escape: Callable[[str], str] = _same) -> Text:
    text = Text()
    text.append(f"Weekly review as of {review.as_of.isoformat()}", style="bold")
    text.append(escape(f"\nProfile: {profile_label(profile)} ({profile.title})"))
    text.append(f"\n{common.counts_line(review)}")
    text.append(f"\n{common.points_line(review)}")
    return text


def group_table(group: common.Group, width: int, escape: Callable[[str], str] = _same) -> Table:
    """A group's table `width` cells wide: the patient's column fixed, the points the rest."""
    table = Table(
        title=Text(group.title, style=GROUP_STYLE[group.key]),
        title_justify="left",
        box=box.ROUNDED,
        show_lines=True,
        expand=True,
        header_style="bold",
    )
    if width < NARROWEST:  # a very narrow terminal: rich's own layout
        table.add_column(
            "Patient",
            overflow="fold",
            min_width=PATIENT_COLUMN_WIDTH,
            max_width=PATIENT_COLUMN_WIDTH,
        )
        table.add_column("Discussion points (rule)", overflow="fold", ratio=1)
    else:
        table.add_column("Patient", overflow="fold", width=PATIENT_COLUMN_WIDTH)
        points = width - BORDERS - PATIENT_COLUMN_WIDTH
        table.add_column("Discussion points (rule)", overflow="fold", width=points)
    for patient in group.patients:
        table.add_row(patient_cell(patient, escape), points_cell(patient, escape))
    return table


# A cell's text as (text, style) parts ("": no style): a rich `Text` for the terminal, the
# plain text of a review written line by line; one spelling for both.
Part = tuple[str, str]


def patient_cell(patient: PatientReview, escape: Callable[[str], str] = _same) -> Text:
    return Text.assemble(*patient_parts(patient, escape))


def patient_parts(patient: PatientReview, escape: Callable[[str], str] = _same) -> list[Part]:
    return [
        (escape(patient.mrn), "bold"),
        (
            f"\n{escape(common.name_or_dash(patient.name))}"
            f"\nGA {patient.ga}, {patient.risk.value} risk"
            f"\nCL latest {common.mm_unit(patient.latest_cl_mm)}{common.route_aside(patient)}"
            f"\nCL shortest {common.mm_unit(patient.shortest_cl_mm)}"
            f"\nNext scan {common.due_text(patient.next_scan_due)}",
            "",
        ),
    ]


def points_cell(patient: PatientReview, escape: Callable[[str], str] = _same) -> Text:
    return Text.assemble(*points_parts(patient, escape))


def points_parts(patient: PatientReview, escape: Callable[[str], str] = _same) -> list[Part]:
    parts: list[Part] = []
    for index, flag in enumerate(patient.flags):
        if index:
            parts.append(("\n", ""))
        parts += flag_parts(flag, escape)
    if not patient.flags:
        parts.append(("no discussion points", "italic"))
    parts += [(f"\nDiscussed: {escape(line)}", "dim") for line in common.discussed_text(patient)]
    parts += [(f"\n{escape(line)}", "bold") for line in common.state_lines(patient)]
    return parts


def append_flag(text: Text, flag: Flag, escape: Callable[[str], str] = _same) -> None:
    for part, style in flag_parts(flag, escape):
        text.append(part, style=style or None)


def flag_parts(flag: Flag, escape: Callable[[str], str] = _same) -> list[Part]:
    return [
        (common.PRIORITY_LABEL[flag.priority], PRIORITY_STYLE[flag.priority]),
        (f" {flag.action.value}", "bold"),
        (f" [{flag.rule}]", ""),
        (f"\n{escape(flag.message)}", ""),
    ]
