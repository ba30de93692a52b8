"""docs/clinical-rules.md: its rule, risk and schedule tables are generated from the profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from cervix_watch.report.rules_doc import regenerate, rules_table
from cervix_watch.rules import builtin_profile_names, load_profile

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical-rules.md"


def test_doc_tables_match_the_profiles() -> None:
    """The committed doc equals itself regenerated from the built-in profiles."""
    text = DOC.read_text("utf-8")
    assert regenerate(text) == text, (
        "docs/clinical-rules.md is stale: python -m cervix_watch.report.rules_doc "
        "docs/clinical-rules.md"
    )


@pytest.mark.parametrize("name", builtin_profile_names())
def test_doc_lists_every_rule_of_every_profile(name: str) -> None:
    """Every rule id of each profile appears in its generated block, with its priority."""
    text = DOC.read_text("utf-8")
    block = text.split(f"<!-- generated: rules {name} -->", 1)[1].split("<!-- end generated -->")[0]
    for rule in load_profile(name).rules:
        row = next(line for line in block.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert f"| {rule.priority.value} |" in row


def test_doc_does_not_point_to_the_shared_folder() -> None:
    """A clinician without ../shared can read the doc: no pointer to it."""
    text = DOC.read_text("utf-8")
    assert "../shared" not in text
    assert "shared/spec" not in text


def test_a_changed_number_changes_the_table() -> None:
    """The table is generated: an edited threshold shows in it."""
    profile = load_profile("nice-ng25")
    edited = profile.model_copy(
        update={
            "rules": tuple(
                r.model_copy(update={"threshold_mm": 20.0}) if r.id == "nice.twins-vp" else r
                for r in profile.rules
            )
        }
    )
    row = next(line for line in rules_table(edited).splitlines() if "nice.twins-vp" in line)
    assert "<= 20 mm" in row
