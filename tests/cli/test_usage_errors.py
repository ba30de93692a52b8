"""One error style for usage errors (issue 21): one `error:` line naming the option in our
words (never click's usage block nor pydantic's "Input should be"), then `try: cervix-watch
CMD --help`, exit 2."""

from __future__ import annotations

import pytest
from tests.conftest import Cli

from cervix_watch.console.usage import our_words

CASES = [
    (("due", "--within", "-3"), "--within: must be at least 0", "due"),
    (("due", "--within", "x"), "--within: must be a whole number", "due"),
    (("review", "--priority", "soon"),
     "--priority: 'soon' is not one of 'urgent', 'high', 'routine', 'info'", "review"),
    (("review", "--format", "xml"),
     "--format: 'xml' is not one of 'table', 'md', 'html', 'csv', 'json'", "review"),
    (("scan", "list", "--bogus"), "--bogus: no such option", "scan list"),
    (("patient", "edit", "P1", "--name", "A"), "--reason: required", "patient edit"),
    (("bogus",), "no such command 'bogus'", ""),
    # a missing argument, named as the usage line names it (was a traceback)
    (("patient", "add"), "MRN: required", "patient add"),
    (("scan", "void"), "SCAN_ID: required", "scan void"),
    (("rules", "export"), "NAME: required", "rules export"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "line", "command"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_a_usage_error_is_one_line_and_a_try_line(
    cli: Cli, args: tuple[str, ...], line: str, command: str
) -> None:
    """Exactly two lines on stderr, nothing on stdout, exit 2."""
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    path = f"cervix-watch {command}".rstrip()
    assert result.stderr.splitlines() == [f"error: {line}", f"try: {path} --help"]


def test_a_root_option_without_its_value(cli: Cli) -> None:
    """`cervix-watch --db` (no value): the root's own error, same style."""
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    result = CliRunner().invoke(app, ["--db"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: --db: needs a value", "try: cervix-watch --help"]


@pytest.mark.parametrize(
    ("pydantic", "ours"),
    [
        ("Value error, 'x' is not one of 'a', 'b'.", "'x' is not one of 'a', 'b'"),
        ("Input should be greater than or equal to 0", "must be at least 0"),
        ("Input should be less than or equal to 60", "must be at most 60"),
        ("Input should be a valid integer, unable to parse string as an integer",
         "must be a whole number"),
        ("Input should be a valid number, unable to parse string as a number",
         "must be a number"),
    ],
)  # fmt: skip
def test_pydantic_wording_becomes_ours(pydantic: str, ours: str) -> None:
    """No "Value error," or "Input should be" reaches a user."""
    assert our_words(pydantic) == ours
