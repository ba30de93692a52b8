"""docs/reference, generated: the CLI reference and the manual page from the root command
(given: nothing here imports the CLI), the CSV formats from the one CSV-kind
registry. `make docs` rewrites them (`python -m cervix_watch.cli.reference`);
tests/cli/test_reference.py fails when a file in docs/reference differs from what this
module generates (the way sqlite-utils keeps its cli-reference current with cog).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

REFERENCE_FILES = ("cli.md", "csv.md", "cervix-watch.1")

# An example cell per column where the type alone says too little.
_EXAMPLES: dict[str, str] = {
    "mrn": "H123456",
    "name": "Ann Example",
    "edd": "2027-03-14",
    "lmp": "2026-06-07",
    "date": "2026-10-13",
    "start": "2026-10-15",
    "end": "2027-02-20",
    "prior_sptb_weeks": "26+3",
    "prior_pprom_weeks": "30+0",
    "cl1_mm": "21.0",
    "cl2_mm": "21.5",
    "cl3_mm": "22.0",
    "funnel_length_mm": "8.0",
    "funnel_width_mm": "6.0",
    "dilation_cm": "1.0",
    "operator": "AB",
    "notes": "seen with partner",
    "symptoms": "cramps;backache",
    "source": "dicom-sr:1.2.826.0.1.3680043.8.498.1",
    "scan_id": "12",
}
_TYPE_EXAMPLES = {"int": "1", "bool": "no"}
# What a column means where its name does not say it all.
_NOTES: dict[str, str] = {
    "edd": "EDD = LMP + 280 days; give either",
    "prior_sptb_weeks": "earliest previous spontaneous preterm birth or mid-trimester loss",
    "prior_sptb_count": "default 1 when prior_sptb_weeks is set, else 0",
    "prior_pprom_weeks": "earliest previous preterm PPROM",
    "painless_loss_count": "second-trimester losses from painless dilation",
    "prior_cerclage": "indication of a cerclage in an earlier pregnancy",
    "cl1_mm": "the recorded CL is the shortest measurement",
    "symptoms": "symptom names separated by `;`",
    "source": "empty when typed; `dicom-sr:<SOP Instance UID>` from the scanner",
    "scan_id": "empty on import of new scans",
    "exam_id": "empty on import of new exams",
    "kind": "cerclage: the indication (or transabdominal); progesterone: the formulation, "
    "empty = not recorded; pessary: empty",
}
_TYPE_WORDS = {
    "text": "text",
    "date": "date, YYYY-MM-DD",
    "bool": "yes/no (also true/false, 1/0; empty = no)",
    "float": "number, one decimal",
    "int": "whole number",
    "ga": "GA, W+D (20+3) or 20w3d",
    "enum": "one of the listed words",
    "symptoms": "symptom names separated by `;`",
}


def _help_text(app: typer.Typer, path: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    return result.stdout.rstrip() + "\n"


def command_paths(root: Any) -> list[tuple[str, ...]]:
    """The path of every command under `root` (itself first), in `--help`'s order."""
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(root, ())
    return found


def cli_reference(app: typer.Typer) -> str:
    """Every command's `--help` at 80 columns, in the order `--help` lists them."""
    import typer.main

    parts = [
        "# CLI reference\n",
        "Generated from the program (`make docs`); every command's `--help` at 80 columns.\n",
    ]
    for path in command_paths(typer.main.get_command(app)):
        title = " ".join(("cervix-watch", *path))
        parts += [f"\n## `{title}`\n", "\n```\n", _help_text(app, path), "```\n"]
    return "".join(parts)


def _choices(model: type[Any], field_name: str) -> str:
    """The allowed words of an enum field ('' when the field is not an enum)."""
    info = model.model_fields.get(field_name)
    if info is None:
        return ""
    annotation = info.annotation
    words: list[str] = []  # a union of vocabularies (a treatment's kind) lists each one's words
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            words.extend(f"`{member.value}`" for member in candidate)
        if isinstance(candidate, types.UnionType):  # pragma: no cover - nested unions
            continue
    return ", ".join(words)


def _default(model: type[Any], field_name: str, required: bool) -> str:
    if required:
        return "required"
    info = model.model_fields.get(field_name)
    if info is None or info.is_required():
        return "empty"
    value = info.get_default(call_default_factory=True)
    if value is None or value in ((), "", []):
        return "empty"
    if isinstance(value, bool):
        return "no" if not value else "yes"
    return str(getattr(value, "value", value))


def csv_reference() -> str:
    """Every CSV kind: its columns in order with type, default, allowed words and an example."""
    from cervix_watch.interop.kinds import KINDS

    parts = [
        "# CSV formats\n\n",
        "Generated from the program's CSV-kind registry (`make docs`). Import and export use\n",
        "the same columns (UTF-8, a header row). Export writes every column in this order;\n",
        "on import a column may be left out of the header (its default applies), but a\n",
        "column not listed here, a duplicated column or a missing required one is an error.\n",
        "Import is all-or-nothing: a file with any bad row writes nothing and lists every\n",
        "bad row as `file:line: column: problem`.\n\n",
        "Spreadsheet safety: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a\n",
        "carriage return is written with one leading `'`, which import removes again.\n",
    ]
    for kind in KINDS.values():
        required = set(kind.required)
        parts.append(f"\n## `{kind.name}.csv`\n\n")
        if kind.required_any:
            either = " or ".join(f"`{c}`" for c in kind.required_any)
            parts.append(f"One of {either} is required.\n\n")
        parts.append("| column | type | default | allowed | example | notes |\n")
        parts.append("|---|---|---|---|---|---|\n")
        for column in kind.columns:
            name = column.name
            choices = _choices(kind.model, column.field)
            example = _EXAMPLES.get(name) or (
                choices.split(", ")[0].strip("`")
                if choices
                else _TYPE_EXAMPLES.get(column.type, "")
            )
            default = _default(kind.model, column.field, name in required)
            if column.index is not None:  # cl2_mm, cl3_mm: further measurements
                default = "required" if name in required else "empty"
            parts.append(
                f"| `{name}` | {_TYPE_WORDS[column.type]} | {default} | {choices} | {example} "
                f"| {_NOTES.get(name, '')} |\n"
            )
    return "".join(parts)


def man_reference(app: typer.Typer) -> str:
    """The manual page, cervix-watch(1) (`cervix-watch docs --man` writes the same)."""
    import typer.main

    from cervix_watch.console.manpage import man_page

    return man_page(typer.main.get_command(app))


# Each reference file and how it is made from the root command.
GENERATORS: dict[str, Callable[[typer.Typer], str]] = {
    "cli.md": cli_reference,
    "csv.md": lambda _app: csv_reference(),
    "cervix-watch.1": man_reference,
}


def write_reference(app: typer.Typer, folder: Path) -> list[Path]:
    """Rewrite every generated reference file of the root command `app` in `folder`; the
    paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, generate in GENERATORS.items():
        path = folder / name
        path.write_text(generate(app), encoding="utf-8")
        written.append(path)
    return written
