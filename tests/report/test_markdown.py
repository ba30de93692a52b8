"""`review --format md`: a Markdown table per priority with user text escaped."""

from __future__ import annotations

import re

from cervix_watch.report.markdown import escape
from tests.conftest import Cli
from tests.report.conftest import AS_OF, add_patient


def test_pipe_in_a_name_is_escaped(narrow: Cli) -> None:
    """A `|` in a name is written `\\|`, so the table keeps its columns."""
    add_patient(narrow, "M1", "Ann | Bee")
    result = narrow("review", "--as-of", AS_OF, "--format", "md")
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("| M1 ")]
    assert "Ann \\| Bee" in row
    unescaped_pipes = re.findall(r"(?<!\\)\|", row)
    assert len(unescaped_pipes) == 8  # 7 columns


def test_markup_and_html_in_user_text_are_literal() -> None:
    """Emphasis, links and HTML tags in user text are backslash-escaped."""
    assert escape("<b>*x*</b> [a](b)") == "\\<b\\>\\*x\\*\\</b\\> \\[a\\]\\(b\\)"
    assert escape("two\nlines") == "two lines"


def test_groups_in_priority_order(loaded: Cli) -> None:
    """Headings go urgent, high, routine, info, then patients without points."""
    text = loaded("review", "--as-of", AS_OF, "--format", "md").stdout
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert [h.split()[1] for h in headings] == ["URGENT", "HIGH", "ROUTINE", "INFO", "No"]
