"""`demo`: the bundled clinic shows every priority in the terminal report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def test_demo_shows_every_priority(narrow: Cli, tmp_path: Path) -> None:
    """URGENT, HIGH, ROUTINE, INFO and patients without points all appear; --html writes 0600."""
    out = tmp_path / "demo.html"
    result = narrow("demo", "--html", str(out))
    assert result.exit_code == 0, result.output
    for heading in ("URGENT (", "HIGH (", "ROUTINE (", "INFO (", "No discussion points ("):
        assert heading in result.stdout
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8").count("<svg") == 31
