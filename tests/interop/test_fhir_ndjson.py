"""`export fhir --ndjson DIR`: FHIR Bulk Data files and their manifest, written safely."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from tests.conftest import Cli, both_backends

from cervix_watch.interop import fhir
from cervix_watch.store.store import Store

MODELS: dict[str, Any] = {"Patient": FhirPatient, "Observation": Observation}


def _clinic(cli: Cli) -> None:
    """H1 with a current, an amended and a voided scan; H2 with none; H3 with one."""
    for mrn in ("H1", "H2", "H3"):
        assert cli("patient", "add", mrn, "--edd", "2027-03-14").exit_code == 0
    for mrn, cl in (("H1", "30"), ("H1", "28"), ("H1", "26"), ("H3", "24")):
        assert cli("scan", "add", mrn, "--date", "2026-10-13", "--cl", cl).exit_code == 0
    assert cli("scan", "amend", "2", "--cl", "27.5", "--reason", "caliper slip").exit_code == 0
    assert cli("scan", "void", "3", "--reason", "wrong patient").exit_code == 0


def _resources(folder: Path, kind: str) -> list[dict[str, Any]]:
    """Each line of `<kind>.ndjson`, checked by its fhir.resources model."""
    lines = (folder / f"{kind}.ndjson").read_text(encoding="utf-8").splitlines()
    for line in lines:
        MODELS[kind].model_validate_json(line)
    return [json.loads(line) for line in lines]


@both_backends
def test_ndjson_is_the_bundles_resources_one_a_line(cli: Cli, tmp_path: Path) -> None:
    """Every line passes fhir.resources; the resources are the Bundle's, but each subject
    is the relative `Patient/<id>`; voided scans out, amended ones `amended`."""
    _clinic(cli)
    folder = tmp_path / "bulk"
    result = cli("export", "fhir", "--ndjson", str(folder))
    assert result.exit_code == 0, result.output
    assert "Wrote FHIR Bulk Data of 3 patients, 3 observations to" in result.output
    patients, observations = _resources(folder, "Patient"), _resources(folder, "Observation")
    bundle = Bundle.model_validate_json(cli("export", "fhir").stdout)
    from_bundle = [e.resource.model_dump(mode="json", exclude_none=True) for e in bundle.entry]
    for observation in observations:
        patient_id = observation["subject"]["reference"].removeprefix("Patient/")
        assert patient_id in {p["id"] for p in patients}
        observation["subject"] = {"reference": f"urn:uuid:{patient_id}"}
    by_id = {r["id"]: r for r in from_bundle}
    assert [by_id[r["id"]] for r in patients + observations] == patients + observations
    assert len(from_bundle) == len(patients) + len(observations)
    assert [o["status"] for o in observations] == ["final", "amended", "final"]
    assert [p["identifier"][0]["value"] for p in patients] == ["H1", "H2", "H3"]


def test_manifest_has_the_bulk_data_fields(cli: Cli, tmp_path: Path) -> None:
    """manifest.json: transactionTime, request, requiresAccessToken false, output of
    {type, url (relative), count}, error []; owner-only files in a new 0700 folder."""
    _clinic(cli)
    folder = tmp_path / "bulk"
    assert cli("export", "fhir", "--ndjson", str(folder)).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest) == {
        "transactionTime",
        "request",
        "requiresAccessToken",
        "output",
        "error",
    }
    assert datetime.fromisoformat(manifest["transactionTime"]).tzinfo is not None
    assert manifest["request"] == "cervix-watch export fhir --ndjson"
    assert manifest["requiresAccessToken"] is False
    assert manifest["output"] == [
        {"type": "Patient", "url": "Patient.ndjson", "count": 3},
        {"type": "Observation", "url": "Observation.ndjson", "count": 3},
    ]
    assert manifest["error"] == []
    assert sorted(p.name for p in folder.iterdir()) == [
        "Observation.ndjson",
        "Patient.ndjson",
        "manifest.json",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_named_patients_into_an_existing_empty_folder(cli: Cli, tmp_path: Path) -> None:
    """`export fhir --ndjson DIR H2 ' H3'`: only those, in an empty folder that exists; H2
    has no scans, and a type with no resources has no file."""
    _clinic(cli)
    folder = tmp_path / "empty"
    folder.mkdir()
    assert cli("export", "fhir", "--ndjson", str(folder), "H2").exit_code == 0
    assert [p["identifier"][0]["value"] for p in _resources(folder, "Patient")] == ["H2"]
    assert not (folder / "Observation.ndjson").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["request"] == "cervix-watch export fhir --ndjson H2"
    assert [o["type"] for o in manifest["output"]] == ["Patient"]
    again = tmp_path / "again"
    assert cli("export", "fhir", "--ndjson", str(again), "H3", " H1").exit_code == 0
    assert [p["identifier"][0]["value"] for p in _resources(again, "Patient")] == ["H1", "H3"]


def _bad_target(tmp_path: Path, case: str) -> Path:
    target = tmp_path / "target"
    if case == "file":
        target.write_text("")
    elif case == "symlink":
        (tmp_path / "real").mkdir()
        target.symlink_to(tmp_path / "real")
    elif case == "not empty":
        target.mkdir()
        (target / "old.ndjson").write_text("{}\n")
    elif case == "no parent":
        target = tmp_path / "missing" / "target"
    return target


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("file", "is not a folder; give a new or empty folder"),
        ("symlink", "is a symbolic link; give a new or empty folder"),
        ("not empty", "is not empty; give a new or empty folder"),
        ("no parent", "cannot be created: No such file or directory"),
    ],
)
def test_a_bad_folder_is_one_line_and_nothing_written(
    cli: Cli, tmp_path: Path, case: str, problem: str
) -> None:
    """A file, a symbolic link, a folder with files, a folder that cannot be made: one line
    naming ndjson, exit 1, nothing written anywhere."""
    _clinic(cli)
    target = _bad_target(tmp_path, case)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli("export", "fhir", "--ndjson", str(target))
    assert result.exit_code == 1
    assert result.output == f"error: ndjson: {target} {problem}\n"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_unknown_mrn_or_out_as_well_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """An unregistered MRN, or --out with --ndjson: one line, exit 1, no folder made."""
    _clinic(cli)
    folder = tmp_path / "bulk"
    unknown = cli("export", "fhir", "--ndjson", str(folder), "H1", "NOPE")
    assert (unknown.exit_code, unknown.output) == (1, "error: mrn: no patient 'NOPE'\n")
    both = cli("export", "fhir", "--ndjson", str(folder), "--out", str(tmp_path / "b.json"))
    assert both.exit_code == 1
    assert both.output == "error: ndjson: give --ndjson DIR or --out FILE, not both\n"
    assert sorted(tmp_path.iterdir()) == [tmp_path / "clinic.sqlite3"]


def test_a_failure_part_way_leaves_nothing(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resource that fails its check after others were written: no file is left, and the
    folder the export made is gone (an existing one is left empty)."""
    _clinic(cli)
    real = fhir.ndjson_lines

    def fails_on_h3(patient: Any, *args: Any, **kwargs: Any) -> dict[str, list[str]]:
        if patient.mrn == "H3":
            raise ValueError("Observation does not round-trip through fhir.resources")
        return real(patient, *args, **kwargs)

    monkeypatch.setattr(fhir, "ndjson_lines", fails_on_h3)
    made, existing = tmp_path / "made", tmp_path / "existing"
    existing.mkdir()
    for folder in (made, existing):
        result = cli("export", "fhir", "--ndjson", str(folder))
        assert result.exit_code != 0
    assert not made.exists()
    assert list(existing.iterdir()) == []


def test_an_unwritable_folder_is_one_line(console_script: Path, tmp_path: Path) -> None:
    """An empty folder the user may not write (run without root's capabilities): one line,
    exit 1, the folder still empty."""
    db = tmp_path / "clinic.sqlite3"
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"]
    env = {**os.environ, "NO_COLOR": "1", "XDG_CONFIG_HOME": "/nonexistent/cervix-watch"}
    env.pop("CERVIX_WATCH_DB", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, str(console_script), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    assert run("db", "init", str(db)).returncode == 0
    done = run("--db", str(db), "export", "fhir", "--ndjson", str(locked))
    locked.chmod(0o755)  # so pytest can clear its temp folder
    assert (done.returncode, done.stderr) == (
        1,
        f"error: ndjson: {locked} cannot be written: permission denied\n",
    )
    assert list(locked.iterdir()) == []


@both_backends
def test_streamed_patients_are_the_patient_files(cli: Cli, db_url: str) -> None:
    """`patients_streamed` in batches of one or two gives what `patient_files` and
    `amended_scan_ids` give, patient by patient, on both backends."""
    _clinic(cli)
    store = Store.open(db_url)
    amended = store.amended_scan_ids()
    expected = [
        (f.patient, [(s, s.scan_id in amended) for s in f.scans]) for f in store.patient_files()
    ]
    for batch in (1, 2, 1000):
        assert list(store.patients_streamed(batch=batch)) == expected
    assert list(store.patients_streamed(["H3", "H1"], batch=1)) == [expected[0], expected[2]]
    store.engine.dispose()
