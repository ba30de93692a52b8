"""Golden output of `review` in each text format on the vignettes (2026-10-15, 80 columns)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.report.conftest import AS_OF, check_golden

FORMATS = {"table": "review-table.txt", "md": "review.md", "csv": "review.csv"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_review_matches_golden_file(loaded: Cli, fmt: str, profile: str) -> None:
    """`review --format FMT` prints exactly the golden file for each profile."""
    result = loaded("review", "--as-of", AS_OF, "--profile", profile, "--format", fmt)
    assert result.exit_code == 0, result.output
    check_golden(f"{profile}-{FORMATS[fmt]}", result.stdout)


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_html_report_matches_golden_file(loaded: Cli, tmp_path: Path, profile: str) -> None:
    """`review --format html --out FILE` writes exactly the golden page."""
    out = tmp_path / "review.html"
    result = loaded(
        "review", "--as-of", AS_OF, "--profile", profile, "--format", "html", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    check_golden(f"{profile}-review.html", out.read_text(encoding="utf-8"))


def test_table_fits_80_columns_without_ellipsis(loaded: Cli) -> None:
    """Every line of the terminal report fits 80 columns and nothing is cut with an ellipsis."""
    result = loaded("review", "--as-of", AS_OF, "--format", "table")
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and a pipe: no escape codes


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "json"])
def test_out_file_holds_what_stdout_would_and_is_0600(
    loaded: Cli, tmp_path: Path, fmt: str
) -> None:
    """--out writes the same text as stdout (no colour codes) into a new owner-only file."""
    printed = loaded("review", "--as-of", AS_OF, "--format", fmt).stdout
    out = tmp_path / f"review.{fmt}"
    result = loaded("review", "--as-of", AS_OF, "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == printed
    assert out.stat().st_mode & 0o777 == 0o600
