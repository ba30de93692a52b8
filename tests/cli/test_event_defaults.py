"""One rule for every event: --date defaults to today; every listing reads at 80 columns."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from tests.clirunner import CliRunner
from tests.conftest import TODAY, Cli

from cervix_watch.cli.app import app

DEMO = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def registered(cli: Cli) -> Cli:
    """One patient at about 20 weeks today."""
    edd = (TODAY + timedelta(days=140)).isoformat()
    assert cli("patient", "add", "P01", "--edd", edd).exit_code == 0
    return cli


def _exported(cli: Cli, kind: str) -> list[str]:
    return cli("export", kind).stdout.splitlines()[1:]


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (("exam", "add", "P01", "--dilation-cm", "0"), "exams"),
        (("treatment", "add", "P01", "progesterone"), "treatments"),
        (("discuss", "P01", "progesterone-discussion", "--outcome", "deferred"), "discussions"),
    ],
)
def test_an_event_without_date_is_dated_today(
    registered: Cli, args: tuple[str, ...], kind: str
) -> None:
    """exam add, treatment add and discuss record today's date when --date is left out."""
    result = registered(*args)
    assert result.exit_code == 0, result.output
    (row,) = _exported(registered, kind)
    assert TODAY.isoformat() in row.split(",")


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "list"),
        ("patient", "list", "--all"),
        ("due", "--as-of", "2026-11-23", "--within", "14"),
    ],
)
def test_listings_read_at_80_columns(cli: Cli, args: tuple[str, ...]) -> None:
    """At COLUMNS=80 no listing line is longer, and no MRN or date is broken over lines."""
    for kind in ("patients", "scans", "exams", "treatments", "discussions"):
        assert cli("import", kind, str(DEMO / f"{kind}.csv")).exit_code == 0
    db = json.loads(cli("db", "info", "--format", "json").stdout)["location"]
    result = CliRunner().invoke(app, ["--db", db, *args], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(word.startswith("D0") for line in lines for word in line.split())
    assert not any(line.strip().startswith(("/", "-10-", "-11-")) for line in lines)
    for line in lines:
        for word in line.split():
            if word.startswith("D0"):
                assert len(word) == 4, word  # an MRN is never cut (D001, not D00)
