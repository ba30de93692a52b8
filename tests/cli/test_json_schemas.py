"""Every `--format json` output validates against its JSON Schema shipped in docs/reference/json.

The schemas hold the contract's conventions: booleans are true/false, lengths numbers,
lists arrays, GA "w+d" beside its *_days twin, dates ISO, listings an object
{"as_of": ..., "<items>": [...]}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main
from jsonschema import Draft202012Validator
from tests.conftest import Cli

from cervix_watch.cli.app import app

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "docs" / "reference" / "json"
DEMO = REPO / "data"
AS_OF = "2026-11-23"  # the demo clinic's review date

# command line (after --db) -> schema file name
COMMANDS: dict[str, tuple[str, ...]] = {
    "review": ("review", "--as-of", AS_OF, "--format", "json"),
    "due": ("due", "--as-of", AS_OF, "--format", "json"),
    "patient-list": ("patient", "list", "--all", "--format", "json"),
    "patient-show": ("patient", "show", "D003", "--as-of", AS_OF, "--format", "json"),
    "scan-list": ("scan", "list", "--format", "json"),
    "exam-list": ("exam", "list", "--voided", "--format", "json"),
    "db-info": ("db", "info", "--format", "json"),
    "audit": ("audit", "--from", "2026-07-01", "--to", "2026-11-23", "--format", "json"),
    "inbox": ("inbox", "--all", "--format", "json"),
}


def _json_commands() -> set[str]:
    """Every command whose --format accepts json, named as its schema file is."""
    found = set()

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for param in command.params:
            choices = getattr(param.type_descriptor, "choices", None) or ()
            if "--format" in param.opts and "json" in {getattr(c, "value", c) for c in choices}:
                found.add("-".join(path))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


@pytest.fixture
def demo_clinic(cli: Cli) -> Cli:
    """The demo clinic imported into a fresh database."""
    for kind in ("patients", "scans", "exams", "treatments", "discussions"):
        result = cli("import", kind, str(DEMO / f"{kind}.csv"))
        assert result.exit_code == 0, result.output
    return cli


def test_every_json_command_has_a_schema() -> None:
    """Each command offering --format json has a schema file and a case below."""
    assert _json_commands() == set(COMMANDS)
    assert {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")} == set(
        COMMANDS
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_schema_files_are_valid_json_schema(name: str) -> None:
    """Each shipped schema is itself a valid 2020-12 JSON Schema."""
    Draft202012Validator.check_schema(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_matches_its_schema(demo_clinic: Cli, name: str) -> None:
    """The command's JSON on the demo clinic validates against its schema, every error shown."""
    result = demo_clinic(*COMMANDS[name])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(document)
    ]
    assert errors[:10] == []
