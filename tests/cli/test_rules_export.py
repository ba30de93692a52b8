"""`rules export`: a built-in profile's TOML, to copy and edit, from an installed copy too."""

from __future__ import annotations

import stat
from importlib import resources
from pathlib import Path

import pytest
from tests.clirunner import CliRunner

from cervix_watch.cli.app import app


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_export_prints_the_shipped_profile_byte_for_byte(name: str) -> None:
    """The exported text is exactly the packaged TOML file."""
    shipped = (resources.files("cervix_watch.rules") / "profiles" / f"{name}.toml").read_text()
    result = CliRunner().invoke(app, ["rules", "export", name])
    assert result.exit_code == 0, result.output
    assert result.stdout == shipped


def test_exported_copy_is_a_valid_profile_once_renamed(tmp_path: Path) -> None:
    """An exported, renamed and edited copy passes `rules check` (the documented workflow)."""
    out = tmp_path / "our-unit.toml"
    runner = CliRunner()
    result = runner.invoke(app, ["rules", "export", "nice-ng25", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    edited = out.read_text().replace('name = "nice-ng25"', 'name = "our-unit"')
    out.write_text(edited)
    checked = runner.invoke(app, ["rules", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "profile is valid" in checked.stdout


def test_export_of_an_unknown_profile_is_one_line() -> None:
    """A name that is not built in is bad input naming the profile field, exit 1."""
    result = CliRunner().invoke(app, ["rules", "export", "acog"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: profile: 'acog' is not a built-in profile (acog-smfm, nice-ng25)"
    ]
