"""Fixtures for the renderers: the shared vignettes in a database, at a fixed width, no colour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cervix_watch.domain.kinds import RECORD_KINDS
from tests.conftest import Cli

KINDS = RECORD_KINDS  # the one list of kinds, in import order
AS_OF = "2026-10-15"
GOLDEN = Path(__file__).parent / "golden"
# Set to rewrite the golden files after a deliberate change of the output (then review the diff).
UPDATE_ENV = "CERVIX_WATCH_UPDATE_GOLDEN"


@pytest.fixture
def narrow(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI at 80 columns with NO_COLOR, as a golden file is rendered."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    return cli


@pytest.fixture
def loaded(narrow: Cli, vignettes: Path) -> Cli:
    """The shared vignettes imported into a fresh database (80 columns, no colour)."""
    for kind in KINDS:
        result = narrow("import", kind, str(vignettes / f"{kind}.csv"))
        assert result.exit_code == 0, result.output
    return narrow


def add_patient(cli: Cli, mrn: str, name: str, cl_mm: str = "18.0") -> None:
    """A low-risk singleton at 20+0 on AS_OF with one short transvaginal CL (a flagged patient)."""
    result = cli("patient", "add", mrn, "--edd", "2027-02-25", "--name", name)
    assert result.exit_code == 0, result.output
    scan = cli("scan", "add", mrn, "--date", AS_OF, "--cl", cl_mm, "--cl", cl_mm, "--cl", cl_mm)
    assert scan.exit_code == 0, scan.output


def check_golden(name: str, text: str) -> None:
    """Compare with golden/<name>, or write it when CERVIX_WATCH_UPDATE_GOLDEN is set."""
    path = GOLDEN / name
    if os.environ.get(UPDATE_ENV):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with {UPDATE_ENV}=1 to create it"
    assert text == path.read_text(encoding="utf-8")
