"""The command line's layout (docs/developing.md, issue 20.1): `cli/` is one floor of
command modules under its root, over `console/`; neither opens the store itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "cervix_watch"
# `cli/app.py` assembles the commands (by name, `COMMANDS`); `cli/reference.py` is `make
# docs`'s entry, which builds the root: the only modules of cli/ that name another.
ROOT_MODULES = {"app", "reference"}


def _imported(path: Path) -> set[str]:
    """Every module `path` imports (at the top or inside a function), as written."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).glob("*.py"))


@pytest.mark.parametrize("path", _modules("cli"), ids=lambda p: p.stem)
def test_no_command_module_imports_another(path: Path) -> None:
    """A command module imports no other module of cli/: what two commands share is below."""
    if path.stem in ROOT_MODULES:
        return
    assert {n for n in _imported(path) if n.startswith("cervix_watch.cli")} == set()


@pytest.mark.parametrize(
    "path", [*_modules("cli"), *_modules("console")], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_the_command_line_opens_no_store_itself(path: Path) -> None:
    """cli/ and console/ reach the database through app/ (`app.database.open_clinic`)."""
    assert {n for n in _imported(path) if n.startswith("cervix_watch.store")} == set()


def test_nothing_below_the_command_line_imports_it() -> None:
    """No module outside cli/ imports cli/ (but `python -m cervix_watch`); console/ is below
    cli/, so it imports no cli/ module either."""
    found = {}
    for path in SRC.rglob("*.py"):
        if path.parent.name == "cli" or path == SRC / "__main__.py":
            continue
        uses = {n for n in _imported(path) if n.startswith("cervix_watch.cli")}
        if uses:
            found[str(path.relative_to(SRC))] = uses
    assert found == {}


def test_a_docs_command_line_gets_the_whole_tree() -> None:
    """`docs --man` writes the manual page of the tree it runs in, so start-up pruning
    (`command_named`) leaves a `docs` command line the whole tree; others keep theirs."""
    from cervix_watch.cli.app import command_named

    assert command_named(["docs", "--man"]) is None
    assert command_named(["--db", "x.sqlite3", "scan", "add"]) == "scan"


def test_every_command_is_declared_with_its_help() -> None:
    """Help is given where each command is declared (`console/commands.py`): no module
    patches placeholders, summaries or examples onto the click tree afterwards."""
    patched = {
        str(path.relative_to(SRC))
        for path in [*SRC.glob("cli/*.py"), *SRC.glob("console/*.py")]
        if any(
            word in path.read_text(encoding="utf-8")
            for word in (".metavar = ", ".short_help = ", ".epilog = ", "info.cls = ")
        )
    }
    assert patched == set()
