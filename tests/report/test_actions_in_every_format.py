"""The version-2 actions (acute-review, symptoms-noted, dating-check, smoking-cessation) in
every review format, in priority order."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.report.conftest import AS_OF

NEW_ACTIONS = ["acute-review", "smoking-cessation", "dating-check"]


@pytest.fixture
def v2_patients(narrow: Cli, tmp_path: Path) -> Cli:
    """V1: contractions today, a smoker, dated by LMP; V2: cramps at yesterday's exam."""
    files = {
        "patients": "mrn,name,edd,dating,smoker\nV1,Vee One,2027-02-25,lmp,yes\n"
        "V2,Vee Two,2027-02-25,ultrasound,no\n",
        "exams": "mrn,date,contractions,symptoms\nV1,2026-10-15,yes,\nV2,2026-10-14,no,cramps\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, "utf-8")
        result = narrow("import", kind, str(path))
        assert result.exit_code == 0, result.output
    return narrow


def _review(cli: Cli, fmt: str, *extra: str) -> str:
    result = cli("review", "--as-of", AS_OF, "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_has_the_new_actions_in_priority_order(v2_patients: Cli) -> None:
    """V1 sorts first (urgent acute-review); her flags go urgent, routine, info."""
    review = json.loads(_review(v2_patients, "json"))
    first, second = review["patients"]
    assert first["mrn"] == "V1"
    assert [(f["action"], f["priority"]) for f in first["flags"]][:1] == [
        ("acute-review", "urgent")
    ]
    ranked = [f["action"] for f in first["flags"] if f["action"] in NEW_ACTIONS]
    assert ranked == NEW_ACTIONS
    assert "symptoms-noted" in [f["action"] for f in second["flags"]]


@pytest.mark.parametrize("fmt", ["table", "md", "csv"])
def test_text_formats_show_every_new_action_in_order(v2_patients: Cli, fmt: str) -> None:
    """Table, Markdown and CSV name each new action with its rule id, acute-review first."""
    text = " ".join(_review(v2_patients, fmt).split())
    positions = [text.index(action) for action in [*NEW_ACTIONS, "symptoms-noted"]]
    assert positions == sorted(positions)
    for rule in ("any.acute-review", "any.smoking", "any.dating", "any.symptoms"):
        assert rule in text


def test_csv_rows_carry_action_and_priority(v2_patients: Cli) -> None:
    """One CSV row per new point, with its priority."""
    rows = list(csv.DictReader(io.StringIO(_review(v2_patients, "csv"))))
    got = {(r["mrn"], r["action"], r["priority"]) for r in rows}
    assert {
        ("V1", "acute-review", "urgent"),
        ("V1", "smoking-cessation", "routine"),
        ("V1", "dating-check", "info"),
        ("V2", "symptoms-noted", "routine"),
    } <= got


def test_html_lists_the_new_actions_and_draws_the_symptoms(
    v2_patients: Cli, tmp_path: Path
) -> None:
    """The HTML page names each new action and draws V2's watch symptom on her chart."""
    out = tmp_path / "review.html"
    _review(v2_patients, "html", "--out", str(out))
    page = out.read_text("utf-8")
    for action in [*NEW_ACTIONS, "symptoms-noted"]:
        assert f"<strong>{action}</strong>" in page
    assert 'class="symptom watch"' in page
    assert "watch symptoms, exam 2026-10-14" in page
