"""Every command and option explains itself: help text is part of the interface."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from cervix_watch.cli.app import app


def walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(walk(sub, (*path, name)))
    return found


COMMANDS = walk(typer.main.get_command(app))


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "root" for p, _ in COMMANDS]
)
def test_every_command_and_option_has_help(path: tuple[str, ...], command: Any) -> None:
    """Each command has a help line and each of its options a help text."""
    assert (command.help or "").strip(), f"{' '.join(path)} has no help"
    for param in command.params:
        if param.param_type_name == "option" and param.name not in {
            "help",
            "install_completion",
            "show_completion",
        }:
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} has no help"


def _help(runner_args: list[str]) -> str:
    from tests.clirunner import CliRunner

    result = CliRunner().invoke(app, [*runner_args, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


LEAVES = [(p, c) for p, c in COMMANDS if not getattr(c, "commands", None)]


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_has_examples_and_plain_placeholders(
    path: tuple[str, ...], command: Any
) -> None:
    """Each command's help ends with examples and names values DATE, MM, MRN (not <str>)."""
    text = _help(list(path))
    assert "Examples:" in text, " ".join(path)
    assert f" {' '.join(path)}" in text.split("Examples:", 1)[1]
    for odd in ("<str>", "<int>", "<float>", "list[", "{"):
        assert odd not in text, (path, odd)
    assert not re.search(r"<[a-z][a-z ]*>", text), (path, "typer's own <type> placeholder")
    assert all(line == line.rstrip() for line in text.splitlines()), "trailing spaces"


def test_examples_use_only_real_commands_and_options() -> None:
    """Every example line names an existing command and only options that command has."""
    import shlex

    from cervix_watch.console.commands import example_lines

    by_path = {" ".join(p): c for p, c in COMMANDS}
    root_options = {o for p in by_path[""].params for o in p.opts}
    for path, command in by_path.items():
        for line in example_lines(command.epilog):
            words = shlex.split(line.split("#")[0])
            assert words[0] == "cervix-watch", line
            options = {w.split("=")[0] for w in words[1:] if w.startswith("-")}
            known = root_options | {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
            known |= {"--help"}
            if path:
                assert " ".join(path.split()) in line, line
            assert options <= known, (line, options - known)


def _groups(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not hasattr(command, "commands"):
        return []
    found = [path]
    for name, sub in command.commands.items():
        found += _groups(sub, (*path, name))
    return found


GROUPS = _groups(typer.main.get_command(app))


@pytest.mark.parametrize("path", GROUPS, ids=[" ".join(p) or "root" for p in GROUPS])
def test_command_summaries_fit_80_columns(path: tuple[str, ...]) -> None:
    """Every group's command list at 80 columns shows each summary whole (no '...' cut)."""
    text = _help(list(path))
    commands = text.split("Commands:", 1)[1].split("Examples:", 1)[0]
    assert "..." not in commands
    assert "…" not in commands
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag: str) -> None:
    """-V and --version print the program's version."""
    from tests.clirunner import CliRunner

    from cervix_watch import __version__

    result = CliRunner().invoke(app, [flag])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cervix-watch {__version__}"
