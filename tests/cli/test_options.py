"""Shared options (issue 10.4): one spelling and one help text per concept, in every command."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
import typer.main
from tests.conftest import Cli
from typer.models import OptionInfo

from cervix_watch.cli.app import app
from cervix_watch.console import options

CLI_SOURCES = Path(options.__file__).parent


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    found = [(" ".join(path), command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, (*path, name)))
    return found


LEAVES = [(p, c) for p, c in _walk(typer.main.get_command(app)) if not hasattr(c, "commands")]


def _aliases() -> dict[str, set[tuple[tuple[str, ...], str | None, bool]]]:
    """Each flag options.py declares: the (flags, help, hidden) of every alias it is in."""
    declared: dict[str, set[tuple[tuple[str, ...], str | None, bool]]] = {}
    for value in vars(options).values():
        if typing.get_origin(value) is not typing.Annotated:
            continue
        info = typing.get_args(value)[1]
        if isinstance(info, OptionInfo):
            flags = tuple(d for d in (info.default, *(info.param_decls or ())) if d)
            declared.setdefault(flags[0], set()).add((flags, info.help, bool(info.hidden)))
    return declared


SHARED = _aliases()
# Concepts with one help text everywhere (the others have a variant per default or choice set).
ONE_HELP = ("--date", "--note", "--reason", "--profile", "--dry-run")


def _shared_params() -> list[tuple[str, str, Any]]:
    return [
        (path, param.opts[0], param)
        for path, command in LEAVES
        for param in command.params
        if param.param_type_name == "option" and param.opts[0] in SHARED
    ]


def test_every_shared_option_is_declared_by_its_alias() -> None:
    """Every --date, --note, --reason, --out, ... of every command is one of options.py's."""
    seen = 0
    for path, flag, param in _shared_params():
        spelled = (tuple(param.opts), param.help, bool(param.hidden))
        assert spelled in SHARED[flag], (path, flag, spelled)
        seen += 1
    assert seen > 40


@pytest.mark.parametrize("flag", ONE_HELP)
def test_one_help_text_per_concept(flag: str) -> None:
    """--date, --note, --reason, --profile and --dry-run read the same in every command."""
    helps = {(p.help, p.hidden) for _, f, p in _shared_params() if f == flag and not p.hidden}
    assert len(helps) == 1, (flag, helps)


def test_no_command_module_spells_a_shared_flag() -> None:
    """Only console/options.py declares the shared flags: no command writes its own copy."""
    pattern = re.compile(r"typer\.Option\(\s*\"(--[a-z-]+)")
    for source in CLI_SOURCES.glob("*.py"):
        if source.name == "options.py":
            continue
        spelled = set(pattern.findall(source.read_text(encoding="utf-8"))) & set(SHARED)
        assert not spelled, (source.name, spelled)


def test_every_mrn_argument_reads_the_same() -> None:
    """Every command that takes an MRN argument describes it with the one MRN help text."""
    mrn_args = [
        (path, param.help)
        for path, command in LEAVES
        for param in command.params
        if param.param_type_name == "argument" and param.name == "mrn"
    ]
    assert len(mrn_args) >= 8
    assert {help_ for _, help_ in mrn_args} == {options.MRN_HELP}, mrn_args


CHANGING = [path for path, _ in LEAVES if path.split()[-1] in {"amend", "void", "edit"}]


def test_every_amend_void_and_edit_command_requires_reason() -> None:
    """Each command that changes an existing record has a visible, required --reason."""
    assert set(CHANGING) == {"patient edit", "scan amend", "scan void", "exam amend", "exam void"}
    commands = dict(LEAVES)
    for path in CHANGING:
        (reason,) = [p for p in commands[path].params if "--reason" in p.opts]
        assert reason.required, path
        assert not reason.hidden, path


@pytest.fixture
def recorded(cli: Cli) -> Cli:
    """P01 with one scan (id 1) and one progesterone treatment (id 1)."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "2026-11-20", "--cl", "22").exit_code == 0
    assert cli("treatment", "add", "P01", "progesterone", "--date", "2026-11-20").exit_code == 0
    return cli


def _everything(cli: Cli) -> list[str]:
    shown = [cli("patient", "show", "P01", "--format", "json").stdout]
    return shown + [cli("export", kind).stdout for kind in ("patients", "scans", "treatments")]


@pytest.mark.parametrize(
    "args",
    [
        ["patient", "edit", "P01", "--name", "Ann"],
        ["scan", "amend", "1", "--cl", "23"],
        ["scan", "void", "1"],
    ],
    ids=" ".join,
)
def test_a_change_without_reason_is_a_usage_error_and_writes_nothing(
    recorded: Cli, args: list[str]
) -> None:
    """Without --reason an amend, void or edit exits 2 naming --reason, and nothing changes."""
    before = _everything(recorded)
    result = recorded(*args)
    assert result.exit_code == 2, result.output
    assert "--reason" in result.stderr
    assert _everything(recorded) == before


@pytest.mark.parametrize("command", [["patient", "add"], ["patient", "edit"]], ids=" ".join)
def test_notes_is_hidden_from_help(cli: Cli, command: list[str]) -> None:
    """patient add/edit list --note in their help and no longer --notes."""
    text = cli(*command, "--help").stdout
    assert "--note " in text
    assert "--notes" not in text


def test_notes_still_works_for_patient_add_and_edit(cli: Cli) -> None:
    """The published --notes sets the patient's notes in add and edit, as --note does."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--notes", "booked").exit_code == 0
    assert cli("patient", "add", "P02", "--edd", "2027-03-14", "--note", "booked").exit_code == 0
    assert cli("export", "patients").stdout.count(",booked\n") == 2
    edited = cli("patient", "edit", "P01", "--notes", "moved", "--reason", "update")
    assert edited.exit_code == 0, edited.output
    assert "Updated P01: notes." in edited.stdout
    assert ",moved\n" in cli("export", "patients").stdout


def test_note_and_notes_together_are_refused(cli: Cli) -> None:
    """Giving both spellings of the note is a usage error and registers nobody."""
    result = cli("patient", "add", "P01", "--edd", "2027-03-14", "--note", "a", "--notes", "b")
    assert result.exit_code == 2
    assert "P01" not in cli("patient", "list", "--format", "csv").stdout


ENDINGS = {
    "patient close": ["patient", "close", "P01", "--date", "2026-11-30", "--outcome", "other"],
    "treatment end": ["treatment", "end", "1", "--date", "2026-11-30"],
}


@pytest.mark.parametrize("command", list(ENDINGS))
def test_close_and_end_take_a_note_and_hide_reason(cli: Cli, command: str) -> None:
    """patient close and treatment end offer --note; their old optional --reason is unlisted."""
    text = cli(*command.split(), "--help").stdout
    assert "--note " in text
    assert "--reason" not in text


@pytest.mark.parametrize("flag", ["--note", "--reason"])
@pytest.mark.parametrize("command", list(ENDINGS))
def test_close_and_end_keep_the_note_in_the_audit_trail(
    recorded: Cli, command: str, flag: str
) -> None:
    """The note of close/end, given as --note or the published --reason, is in the audit trail."""
    result = recorded(*ENDINGS[command], flag, "moved to another unit")
    assert result.exit_code == 0, result.output
    show = recorded("patient", "show", "P01", "--format", "json").stdout
    assert "moved to another unit" in show


@pytest.mark.parametrize("command", list(ENDINGS))
def test_close_and_end_work_without_a_note(recorded: Cli, command: str) -> None:
    """The contract's synopses (no --reason, no --note) still run."""
    result = recorded(*ENDINGS[command])
    assert result.exit_code == 0, result.output


def _option_names(path: str) -> set[str]:
    params = [p for p in dict(LEAVES)[path].params if p.param_type_name == "option"]
    return {o for p in params for o in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize(
    ("one", "other", "own"),
    [
        ("patient add", "patient edit", {"--reason"}),
        ("scan add", "scan amend", {"--reason", "--prompt", "--no-prompt"}),
        ("review", "audit", {"--as-of", "--from", "--to", "--priority"}),
    ],
)
def test_commands_that_share_options_offer_the_same(one: str, other: str, own: set[str]) -> None:
    """Commands given one declaration (`shares`) offer the same options, but their own."""
    assert _option_names(one) - own == _option_names(other) - own


def test_patient_history_options_are_patient_fields() -> None:
    """Each history option names a Patient field, and exactly the yes/no ones are pairs."""
    from cervix_watch.cli import patient
    from cervix_watch.domain.models import Patient

    fields = Patient.model_fields
    assert set(patient._HISTORY_HELP) <= set(fields)  # noqa: SLF001 (a test of this project's own private helper)
    yes_no = {name for name in patient._HISTORY_HELP if fields[name].annotation is bool}  # noqa: SLF001 (a test of this project's own private helper)
    assert yes_no == patient._HISTORY_YES_NO  # noqa: SLF001 (a test of this project's own private helper)
