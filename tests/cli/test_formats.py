"""Honest --format options (issue 21.2-3, contract v3): each command offers, in help and
completion, exactly the formats it writes, and a configured default format it cannot
write falls back to `table` for that command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import Cli

from cervix_watch.cli.app import app
from cervix_watch.console.options import ListFormat, ShowFormat
from cervix_watch.console.output import LISTING_FORMATS, Format

# every command with --format, and the formats it writes
WRITES = {
    ("patient", "list"): ["table", "json", "csv"],
    ("scan", "list"): ["table", "json", "csv"],
    ("due",): ["table", "json", "csv"],
    ("patient", "show", "P1"): ["table", "json"],
    ("db", "info"): ["table", "json"],
    ("review",): ["table", "md", "html", "csv", "json"],
    ("audit", "--from", "2026-07-01", "--to", "2026-09-30"): ["table", "md", "html", "csv", "json"],
}
CHOICES = re.compile(r"-f, --format ([a-z|]+)")


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    """A database with one patient and one scan."""
    assert cli("patient", "add", "P1", "--edd", "2027-03-14").exit_code == 0
    assert cli("scan", "add", "P1", "--date", "2026-11-20", "--cl", "30").exit_code == 0
    return cli


def test_the_subset_formats_are_formats_the_output_layer_writes() -> None:
    """ListFormat is the listing's formats; ShowFormat is table and json; both within Format."""
    assert [Format(f) for f in ListFormat] == list(LISTING_FORMATS)
    assert {Format(f) for f in ShowFormat} == {Format.TABLE, Format.JSON}


@pytest.mark.parametrize("command", list(WRITES), ids=" ".join)
def test_help_offers_exactly_what_the_command_writes(cli: Cli, command: tuple[str, ...]) -> None:
    """--help lists the formats the command writes, no more (`scan list` offered md)."""
    words = [w for w in command if not w.startswith("-") and not w[0].isdigit() and w != "P1"]
    shown = cli(*words, "--help")
    assert shown.exit_code == 0
    (offered,) = CHOICES.findall(shown.stdout)
    assert offered.split("|") == WRITES[command]


@pytest.mark.parametrize(
    ("command", "fmt"), [(c, f) for c, formats in WRITES.items() for f in formats], ids=str
)
def test_each_offered_format_is_written(
    clinic: Cli, tmp_path: Path, command: tuple[str, ...], fmt: str
) -> None:
    """Every format a command offers it writes (exit 0), html into --out."""
    out = ["--out", str(tmp_path / "report.html")] if fmt == "html" else []
    result = clinic(*command, "--format", fmt, *out)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("command", "offered"), [(("scan", "list"), "table json csv"),
                                                   (("db", "info"), "table json")])  # fmt: skip
def test_completion_offers_the_same_formats(command: tuple[str, ...], offered: str) -> None:
    """Shell completion of --format proposes the command's own formats."""
    words = " ".join(("cervix-watch", *command, "--format", ""))
    env = {
        "_CERVIX_WATCH_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(command) + 2),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="cervix-watch")
    assert result.stdout.split() == offered.split()


def _run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"CERVIX_WATCH_CONFIG": str(config)})


@pytest.mark.parametrize("configured", ["csv", "json"])
def test_a_configured_format_a_command_cannot_write_falls_back_to_table(
    clinic: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: str
) -> None:
    """With format = "csv" in the config, `patient show` and `db info` print their table
    (they exited 2); listings write CSV; with "json" every command writes JSON."""
    monkeypatch.setenv("COLUMNS", "120")
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{db_url}"\nformat = "{configured}"\n', encoding="utf-8")
    for command in (("patient", "show", "P1"), ("db", "info")):
        result = _run(config, *command)
        assert result.exit_code == 0, result.output
        assert result.stdout.lstrip().startswith("{") is (configured == "json")
    listing = _run(config, "scan", "list")
    assert listing.exit_code == 0, listing.output
    first = listing.stdout.splitlines()[0]
    assert first.startswith("{") if configured == "json" else first.startswith("scan_id,")
