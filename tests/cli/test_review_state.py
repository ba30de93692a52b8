"""Review output (contract v3): each patient's `membranes_ruptured` and active `treatments`
in the JSON, and the same facts in the table, Markdown and HTML reviews and `patient show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Cli, both_backends

from cervix_watch.report.markdown import escape

AS_OF = "2026-11-06"
RUPTURED = "Membranes ruptured on 2026-11-04 (21+3)"
ON_PROGESTERONE = "In place: vaginal progesterone since 2026-11-03 (21+2)"


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    """P01: vaginal progesterone from 2026-11-03, a pessary started and ended before the
    review, a cerclage planned after it, ruptured membranes on 2026-11-04. P02: nothing."""
    steps = [
        ("patient", "add", "P01", "--edd", "2027-03-14"),
        ("patient", "add", "P02", "--edd", "2027-03-14"),
        ("treatment", "add", "P01", "progesterone", "--kind", "vaginal", "--date", "2026-11-03"),
        ("treatment", "add", "P01", "pessary", "--date", "2026-10-20", "--end", "2026-11-06"),
        ("exam", "add", "P01", "--date", "2026-11-04", "--membranes-ruptured"),
    ]
    for args in steps:
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


def _patients(cli: Cli, as_of: str = AS_OF) -> dict[str, dict[str, Any]]:
    result = cli("review", "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return {p["mrn"]: p for p in json.loads(result.stdout)["patients"]}


@both_backends
def test_json_has_the_rupture_and_the_active_treatments(clinic: Cli) -> None:
    """The rupture date and the treatments in place on the review date (the pessary ended
    on it, so it is no longer in place); a patient with neither has null and []."""
    patients = _patients(clinic)
    assert patients["P01"]["membranes_ruptured"] == "2026-11-04"
    assert patients["P01"]["treatments"] == [
        {"type": "progesterone", "kind": "vaginal", "start": "2026-11-03", "treatment_id": 1}
    ]
    assert (patients["P02"]["membranes_ruptured"], patients["P02"]["treatments"]) == (None, [])


def test_the_rupture_counts_from_its_own_date(clinic: Cli) -> None:
    """The day before the rupture exam there is none; on its date it is there."""
    assert _patients(clinic, "2026-11-03")["P01"]["membranes_ruptured"] is None
    assert _patients(clinic, "2026-11-04")["P01"]["membranes_ruptured"] == "2026-11-04"


def test_a_treatment_is_in_place_from_its_start_to_before_its_end(clinic: Cli) -> None:
    """Started on the review date: listed; ended on it: not; started after it: not."""
    before = _patients(clinic, "2026-11-02")["P01"]["treatments"]
    assert [t["type"] for t in before] == ["pessary"]
    on_start = _patients(clinic, "2026-11-03")["P01"]["treatments"]
    assert [t["type"] for t in on_start] == ["pessary", "progesterone"]
    on_end = _patients(clinic, "2026-11-06")["P01"]["treatments"]
    assert [t["type"] for t in on_end] == ["progesterone"]


def test_a_formulation_not_recorded_is_null_and_said_so(clinic: Cli) -> None:
    """A progesterone course without a kind: `"kind": null`, and the words say so."""
    clinic("treatment", "add", "P02", "progesterone", "--date", "2026-11-01")
    [course] = _patients(clinic)["P02"]["treatments"]
    assert course["kind"] is None
    table = " ".join(clinic("review", "--as-of", AS_OF).stdout.split())
    assert "In place: progesterone (formulation not recorded) since 2026-11-01" in table


def test_a_voided_rupture_exam_leaves_the_review(clinic: Cli) -> None:
    """Voiding the exam keyed in error ends the post-rupture state in the review."""
    assert clinic("exam", "void", "1", "--reason", "wrong patient").exit_code == 0
    assert _patients(clinic)["P01"]["membranes_ruptured"] is None


def test_table_markdown_and_patient_show_say_it(clinic: Cli) -> None:
    """The terminal table, the Markdown and `patient show` carry both lines."""
    table = " ".join(clinic("review", "--as-of", AS_OF).stdout.split())
    assert RUPTURED in table
    assert ON_PROGESTERONE in table
    markdown = clinic("review", "--as-of", AS_OF, "--format", "md").stdout
    assert f"**{escape(RUPTURED)}**" in markdown
    assert f"**{escape(ON_PROGESTERONE)}**" in markdown
    show = " ".join(clinic("patient", "show", "P01", "--as-of", AS_OF).stdout.split())
    assert RUPTURED in show
    assert "Membranes ruptured" not in clinic("patient", "show", "P02").stdout


def test_html_says_it(clinic: Cli, tmp_path: Path) -> None:
    """The HTML review shows both lines in the summary table and the patient's section."""
    out = tmp_path / "review.html"
    result = clinic("review", "--as-of", AS_OF, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count(RUPTURED) == 2
    assert ON_PROGESTERONE in page
