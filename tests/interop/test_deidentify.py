"""export --deidentify: pseudonyms, no notes, dates shifted per patient with GA kept exact."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from tests.conftest import Cli

from cervix_watch.app.transfer import DEIDENTIFY_KEY
from cervix_watch.domain.ga import ga_days
from cervix_watch.domain.kinds import RECORD_KINDS
from cervix_watch.interop.deidentify import Deidentifier
from cervix_watch.store.store import Store

KINDS = RECORD_KINDS  # the one list of kinds, in import order


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_deidentified_export_keeps_every_ga_and_hides_identity(
    cli: Cli, db_url: str, vignettes: Path
) -> None:
    """No original MRN or name appears, no patient's record keeps one of her own dates (each
    moved back by 30 days or more); each scan's GA is the same as before."""
    for kind in KINDS:
        assert cli("import", kind, str(vignettes / f"{kind}.csv")).exit_code == 0
    original = {kind: rows(cli("export", kind).stdout) for kind in KINDS}
    hidden = {kind: rows(cli("export", kind, "--deidentify").stdout) for kind in KINDS}
    text = "\n".join(cli("export", kind, "--deidentify").stdout for kind in KINDS)
    for patient in original["patients"]:
        assert patient["mrn"] not in text
        assert patient["name"] not in text
    # Another patient's shifted date may equal this patient's real one by chance (the
    # offsets are random), so dates are compared patient by patient, through the key.
    anonymiser = Deidentifier(Store.open(db_url).secret(DEIDENTIFY_KEY, "test"))
    for kind in KINDS:
        for mrn in {row["mrn"] for row in original[kind]}:
            own = [r for r in original[kind] if r["mrn"] == mrn]
            shifted = [r for r in hidden[kind] if r["mrn"] == anonymiser.pseudonym(mrn)]
            assert len(shifted) == len(own), (kind, mrn)
            for column in ("edd", "lmp", "date", "start", "end"):
                real = {r[column] for r in own if r.get(column)}
                assert real.isdisjoint(r.get(column) for r in shifted), (kind, column)
                for was in real:
                    moved = date.fromisoformat(was) + anonymiser.shift(mrn)
                    assert (date.fromisoformat(was) - moved).days >= 30
                    assert moved.isoformat() in {r.get(column) for r in shifted}, (kind, column)

    def scan_gas(tables: dict[str, list[dict[str, str]]]) -> list[int]:
        edd = {p["mrn"]: date.fromisoformat(p["edd"]) for p in tables["patients"]}
        return sorted(
            ga_days(edd[s["mrn"]], date.fromisoformat(s["date"])) for s in tables["scans"]
        )

    assert scan_gas(hidden) == scan_gas(original)
    assert all(not s["notes"] and not s["scan_id"] for s in hidden["scans"])


def test_pseudonyms_are_stable_and_reimportable(cli: Cli, vignettes: Path, tmp_path: Path) -> None:
    """Two exports give the same pseudonyms, and a de-identified export imports cleanly."""
    for kind in KINDS:
        cli("import", kind, str(vignettes / f"{kind}.csv"))
    first = cli("export", "patients", "--deidentify").stdout
    assert cli("export", "patients", "--deidentify").stdout == first
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    other = tmp_path / "research.sqlite3"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init", str(other)]).exit_code == 0
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text(cli("export", kind, "--deidentify").stdout)
        result = runner.invoke(app, ["--db", str(other), "import", kind, str(path)])
        assert result.exit_code == 0, result.output


def test_deidentified_export_keeps_v2_clinical_fields_and_hides_the_sr_uid(
    cli: Cli, tmp_path: Path
) -> None:
    """Symptoms, ruptured membranes, dating and the other risk factors are kept; a scan's
    SOP Instance UID is replaced by a stable pseudonymous UID that still imports."""
    uid = "1.2.826.0.1.3680043.8.498.12345"
    (tmp_path / "patients.csv").write_text(
        "mrn,edd,dating,smoker,cervical_dilation_procedures,des_exposure\n"
        "V01,2027-03-14,lmp,yes,2,yes\n"
    )
    (tmp_path / "scans.csv").write_text(
        f"mrn,date,cl1_mm,symptoms,source\nV01,2026-10-13,22,fever;cramps,dicom-sr:{uid}\n"
    )
    (tmp_path / "exams.csv").write_text(
        "mrn,date,membranes_ruptured,symptoms\nV01,2026-10-14,yes,fluid\n"
    )
    for kind in ("patients", "scans", "exams"):
        result = cli("import", kind, str(tmp_path / f"{kind}.csv"))
        assert result.exit_code == 0, result.output
    (patient,) = rows(cli("export", "patients", "--deidentify").stdout)
    (scan,) = rows(cli("export", "scans", "--deidentify").stdout)
    (exam,) = rows(cli("export", "exams", "--deidentify").stdout)
    assert (patient["dating"], patient["smoker"], patient["des_exposure"]) == ("lmp", "yes", "yes")
    assert patient["cervical_dilation_procedures"] == "2"
    assert scan["symptoms"] == "fever;cramps"
    assert (exam["membranes_ruptured"], exam["symptoms"]) == ("yes", "fluid")
    assert uid not in cli("export", "scans", "--deidentify").stdout
    assert scan["source"].startswith("dicom-sr:2.25.")
    assert rows(cli("export", "scans", "--deidentify").stdout)[0]["source"] == scan["source"]
    from cervix_watch.domain.models import Scan

    # a valid source: the de-identified file imports elsewhere
    assert Scan(mrn="X", date=date(2026, 1, 1), cl_mm=(20.0,), source=scan["source"]).source
