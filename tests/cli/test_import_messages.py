"""Import errors name the file line and the MRN typed, never a patient's name."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, both_backends


@both_backends
def test_import_errors_quote_the_mrn_but_never_a_name(cli: Cli, tmp_path: Path) -> None:
    """A conflicting row, an MRN twice in one file and an over-long name: every message names
    the file line and the MRN the user typed, and no name (stored or from the file) appears."""
    stored = "Harriet Stored-Name"
    assert cli("patient", "add", "P01", "--edd", "2027-03-14", "--name", stored).exit_code == 0
    long_name = "Zebedee " * 1300  # over the 10,000-character limit
    names = ["Conflicting Newname", "Twice Firstname", "Twice Secondname", long_name.strip()]
    path = tmp_path / "patients.csv"
    path.write_text(
        "mrn,name,edd\n"
        f"P01,{names[0]},2027-03-14\n"
        f"Q1,{names[1]},2027-03-14\n"
        f"Q1,{names[2]},2027-03-14\n"
        f"Q2,{names[3]},2027-03-14\n",
        encoding="utf-8",
    )
    result = cli("import", "patients", str(path))
    assert result.exit_code == 1
    # checks against the database come after the file's own checks, so sort by line number
    lines = sorted(result.stderr.splitlines(), key=lambda line: int(line.split(":")[2]))
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith(f"error: {path}:2: mrn: 'P01' ")
    assert lines[1].startswith(f"error: {path}:4: mrn: 'Q1' ")
    assert lines[2].startswith(f"error: {path}:5: name: ")
    for name in [stored, *names]:
        for part in name.split():
            assert part not in result.output, part
    assert (
        json.loads(cli("patient", "list", "--format", "json").stdout)["patients"][0]["name"]
        == stored
    )
