"""Every command and option explains itself: help text is part of the interface."""

from __future__ import annotations

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
