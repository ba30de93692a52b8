"""docs/reference is current: the CLI reference and the CSV formats equal what the program
generates (`make docs` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cervix_watch.cli.app import app
from cervix_watch.console.reference import GENERATORS

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_reference_file_is_current(name: str) -> None:
    """The committed file is exactly the generated text; run `make docs` after a change."""
    assert (REFERENCE / name).read_text(encoding="utf-8") == GENERATORS[name](app)


def test_csv_reference_lists_every_column_of_every_kind() -> None:
    """Each CSV kind's columns appear in the CSV reference, in the registry's order."""
    from cervix_watch.interop.kinds import KINDS

    text = (REFERENCE / "csv.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        section = text.split(f"## `{kind.name}.csv`", 1)[1].split("\n## ", 1)[0]
        found = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
        assert found == list(kind.column_names)
