"""The version-2 worked examples (tests/data/examples/vignettes-v2) import into a fresh database.

Their flags are the rules' business (tests/rules); here: every file imports cleanly with
the version-2 columns, and what is stored is what the files say.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import VIGNETTES, Cli, both_backends

from cervix_watch.domain.kinds import RECORD_KINDS
from cervix_watch.interop.csvio import read_file

KINDS = RECORD_KINDS  # the one list of kinds, in import order

pytestmark = both_backends


@pytest.fixture
def vignettes_v2(tmp_path: Path) -> Path:
    """A writable copy of the version-2 worked examples."""
    target = tmp_path / "vignettes-v2"
    shutil.copytree(VIGNETTES, target)
    return target


def _import_all(cli: Cli, folder: Path) -> None:
    for kind in KINDS:
        result = cli("import", kind, str(folder / f"{kind}.csv"))
        assert result.exit_code == 0, f"{kind}: {result.output}"


def test_every_v2_file_imports_into_a_fresh_database(cli: Cli, vignettes_v2: Path) -> None:
    """All five files import (exit 0), and exporting gives back exactly the records read."""
    _import_all(cli, vignettes_v2)
    for kind in KINDS:
        exported = vignettes_v2 / f"exported-{kind}.csv"
        result = cli("export", kind, "--out", str(exported))
        assert result.exit_code == 0, result.output
        stored, problems = read_file(kind, exported)
        given, given_problems = read_file(kind, vignettes_v2 / f"{kind}.csv")
        assert problems == given_problems == []
        if kind == "treatments":  # treatment ids are the database's, not the file's
            stored = [t.model_copy(update={"treatment_id": None}) for t in stored]
        if kind == "scans":
            stored = [s.model_copy(update={"scan_id": None}) for s in stored]
        if kind == "exams":  # exam ids (contract v3) likewise
            stored = [e.model_copy(update={"exam_id": None}) for e in stored]
        assert sorted(map(repr, stored)) == sorted(map(repr, given)), kind


def test_v2_values_are_stored(cli: Cli, vignettes_v2: Path) -> None:
    """The v2 values of the examples reach the database: P12's LMP dating and transabdominal
    cerclage, P11's cramps at her exam; re-importing adds nothing."""
    _import_all(cli, vignettes_v2)
    shown = cli("patient", "show", "P12", "--format", "json")
    assert shown.exit_code == 0, shown.output
    p12 = json.loads(shown.stdout)
    assert p12["patient"]["dating"] == "lmp"
    assert [t["kind"] for t in p12["treatments"]] == ["transabdominal"]
    exams = cli("export", "exams")
    assert exams.exit_code == 0, exams.output
    # exams.csv starts with exam_id (contract v3): the MRN is the second cell
    p11_line = next(line for line in exams.stdout.splitlines() if line.split(",")[1] == "P11")
    assert p11_line.split(",")[-2] == "cramps"
    again = cli("import", "exams", str(vignettes_v2 / "exams.csv"))
    assert again.exit_code == 0, again.output
    assert "(2 already present)" in again.output
