"""One scan, every way in: typed (`scan add`), imported from a CSV file (`import scans`)
and received from the scanner (`import sr`, and `app.receive`, what `listen` does with
each report) leave audit rows of the same keys and types, on both backends (issue 20.2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pydicom
import pytest
import sr_fixtures as fx
from tests.clirunner import CliRunner
from tests.conftest import BACKENDS, TODAY, init_database

from cervix_watch.app.intake import Intake
from cervix_watch.app.receive import SUCCESS, receive
from cervix_watch.app.srimport import SrImporter
from cervix_watch.cli.app import app
from cervix_watch.store.store import Store

NewDatabase = Callable[[], str]


@pytest.fixture(params=BACKENDS)
def new_database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> NewDatabase:
    """Factory: a new cervix-watch database on the backend, holding patient SR0001."""
    monkeypatch.setenv("CERVIX_WATCH_OPERATOR", "tester")
    made = iter(range(100))

    def make() -> str:
        if request.param == "sqlite":
            url = init_database(str(tmp_path / f"clinic-{next(made)}.sqlite3"))
        else:
            url = init_database(request.getfixturevalue("pg_database")())
        run(url, "patient", "add", fx.PATIENT_ID, "--lmp", "2026-06-07")
        return url

    return make


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def scan_audit(url: str) -> tuple[str, dict[str, Any]]:
    """The action and the changes of the database's one audit row of a scan."""
    store = Store.open(url)
    with store.read() as conn:
        [(action, changes)] = conn.exec_driver_sql(
            "SELECT action, changes FROM audit WHERE entity = 'scan'"
        ).all()
    store.close()
    return action, json.loads(changes)


def types(changes: dict[str, Any]) -> dict[str, str]:
    return {key: type(value).__name__ for key, value in changes.items()}


def test_typed_imported_and_received_scans_leave_the_same_audit_row(
    new_database: NewDatabase, sr_files: dict[str, Path], tmp_path: Path
) -> None:
    """The same examination (cl-mm.dcm's date, route and three CLs) written four ways:
    the same keys, each of the same type, the same values but for where it came from."""
    received = new_database()
    run(received, "import", "sr", str(sr_files["cl-mm.dcm"]))
    csv_file = tmp_path / "scans.csv"
    exported = run(received, "export", "scans").splitlines()
    header, row = exported  # the received scan, its scan_id left empty: a new scan
    csv_file.write_text(f"{header}\n,{row.split(',', 1)[1]}\n")
    imported = new_database()
    run(imported, "import", "scans", str(csv_file))
    listened = new_database()  # what `listen` does with each report it is sent
    store = Store.open(listened)
    intake = Intake(SrImporter(store, TODAY, "tester", None, "tester", {}))
    data = sr_files["cl-mm.dcm"].read_bytes()
    dataset = pydicom.dcmread(BytesIO(data))
    at = datetime(2026, 12, 1, 9, 30)
    assert receive(intake, "SR from US1", dataset, data, "US1", at).status == SUCCESS
    store.close()
    typed = new_database()
    run(
        typed,
        "scan", "add", fx.PATIENT_ID, "--date", "2026-10-13", "--route", "tv",
        "--cl", "30.4", "--cl", "31.2", "--cl", "32.0", "--no-prompt",
    )  # fmt: skip
    ways = [("sr", received), ("listen", listened), ("csv", imported), ("typed", typed)]
    rows = {way: scan_audit(url) for way, url in ways}
    assert {way: action for way, (action, _) in rows.items()} == {
        "sr": "import",
        "listen": "import",
        "csv": "import",
        "typed": "add",
    }
    sr, listen, csv, by_hand = (changes for _, changes in rows.values())
    assert types(sr) == types(listen) == types(csv) == types(by_hand)
    assert listen == sr
    assert sr["cl_mm"] == [30.4, 31.2, 32.0]
    assert sr["mrn"] == fx.PATIENT_ID
    assert sr["scan_id"] == 1
    assert sr["source"].startswith("dicom-sr:")
    assert sr == csv  # the export of the received scan, imported again
    assert {**by_hand, "source": sr["source"]} == sr
