"""A database made by the release before the contract-v3 data (commit 7f47cf1, schema 4)
upgrades in place: its exams get ids and can be voided, nothing else changes.

tests/fixtures/pre-v3-clinic.sqlite3 was written by that release (see
tests/fixtures/make_pre_v3_clinic.sh). The PostgreSQL upgrade through the same
migrations is tested from the v1 dump (tests/store/test_migration_v2.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.clirunner import CliRunner, Result
from tests.conftest import REPO, Cli

from cervix_watch.cli.app import app
from cervix_watch.store import migrations
from cervix_watch.store.store import Store

PRE_V3 = REPO / "tests" / "fixtures" / "pre-v3-clinic.sqlite3"
PRE_V3_VERSION = 4
PRE_V3_COUNTS = {
    "settings": 1,
    "patients": 3,
    "scans": 1,
    "exams": 2,
    "treatments": 2,
    "discussions": 1,
    "audit": 10,
}
# the tables of later versions, empty after the upgrade (the inbox and the worklist, issue
# 23), and the audit row of the one-format upgrade (store.auditformat: the old added exams
# had no exam_id)
UPGRADED_COUNTS = {
    **PRE_V3_COUNTS,
    "audit": PRE_V3_COUNTS["audit"] + 1,
    "inbox": 0,
    "inbox_versions": 0,
    "inbox_receipts": 0,
    "worklist_steps": 0,
}


@pytest.fixture
def pre_v3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Cli]:
    """A copy of the pre-v3 clinic, and the CLI pointed at it."""
    target = tmp_path / "pre-v3-clinic.sqlite3"
    shutil.copy(PRE_V3, target)
    target.chmod(0o600)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", str(target), *args])

    return str(target), invoke


def test_the_fixture_is_a_pre_v3_database() -> None:
    """The fixture is schema 4 with no void columns on exams (what the release wrote)."""
    engine = sa.create_engine(f"sqlite:///{PRE_V3}")
    with engine.connect() as conn:
        assert migrations.schema_version(conn) == PRE_V3_VERSION
        columns = {c["name"] for c in sa.inspect(conn).get_columns("exams")}
    engine.dispose()
    assert "voided_at" not in columns


def test_upgrade_adds_exam_voids_and_keeps_every_row(pre_v3: tuple[str, Cli]) -> None:
    """Opened by this program: the current schema, the same rows, every exam current."""
    path, _ = pre_v3
    store = Store.open(path)
    assert store.found_version == PRE_V3_VERSION
    with store.read() as conn:
        assert migrations.schema_version(conn) == len(migrations.MIGRATIONS)
    assert store.counts() == UPGRADED_COUNTS
    assert [(e.exam_id, e.membranes_ruptured) for e, voided in store.exams(None, True)] == [
        (1, True),
        (2, False),
    ]
    assert not any(voided for _, voided in store.exams(None, True))
    [again] = Store.open(path).patient_files("R1")
    assert [e.exam_id for e in again.exams] == [1, 2]


def test_an_upgraded_exam_keyed_in_error_is_voided_and_stops_counting(
    pre_v3: tuple[str, Cli],
) -> None:
    """The old release's ruptured-membranes exam is listed with its id, voided with a
    reason, and the review no longer sees ruptured membranes."""
    _, cli = pre_v3

    def messages() -> list[str]:
        result = cli("review", "--as-of", "2026-11-04", "--format", "json")
        assert result.exit_code == 0, result.output
        review = json.loads(result.stdout)
        r1 = next(p for p in review["patients"] if p["mrn"] == "R1")
        return [f["message"] for f in r1["flags"]]

    listed = json.loads(cli("exam", "list", "R1", "--format", "json").stdout)
    assert [e["exam_id"] for e in listed["exams"]] == [1, 2]
    assert any("membranes ruptured" in m for m in messages())
    result = cli("exam", "void", "1", "--reason", "keyed in error")
    assert result.exit_code == 0, result.output
    assert not any("membranes ruptured" in m for m in messages())
    exported = cli("export", "exams").stdout.splitlines()
    assert exported[0].startswith("exam_id,mrn,date,")
    assert [line.split(",")[0] for line in exported[1:]] == ["2"]


def test_an_upgraded_closure_keeps_its_stored_ga(pre_v3: tuple[str, Cli]) -> None:
    """A closure stored before the GA check is not rewritten by the upgrade (nothing is
    changed silently); a new closure is checked."""
    path, _ = pre_v3
    _, closure = Store.open(path).get_patient("D1")
    assert closure is not None
    assert closure.ga_days == 37 * 7
