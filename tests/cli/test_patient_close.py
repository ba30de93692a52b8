"""`patient close` (contract v3): the GA at closure is the one --date and the EDD give; a
--ga that differs is refused naming it, and without --ga it is computed and stored."""

from __future__ import annotations

import pytest
from tests.conftest import Cli, both_backends

from cervix_watch.store.store import Store

EDD = "2027-02-18"  # closed on 2026-11-20: GA 27+1
CLOSED_ON = "2026-11-20"
COMPUTED = "27+1"


@pytest.fixture
def registered(cli: Cli) -> Cli:
    assert cli("patient", "add", "D1", "--edd", EDD).exit_code == 0
    return cli


def _close(cli: Cli, *extra: str) -> tuple[int, str, str]:
    result = cli("patient", "close", "D1", "--date", CLOSED_ON, "--outcome", "delivered", *extra)
    return result.exit_code, result.stdout, result.stderr


def _stored_ga(db_url: str) -> int | None:
    _, closure = Store.open(db_url).get_patient("D1")
    return None if closure is None else closure.ga_days


@both_backends
def test_without_ga_the_computed_ga_is_stored_and_audited(registered: Cli, db_url: str) -> None:
    """No --ga: the GA from the date and EDD is stored, printed and in the audit row."""
    code, out, _ = _close(registered)
    assert code == 0
    assert out == f"Closed D1: delivered on {CLOSED_ON} at {COMPUTED}.\n"
    assert _stored_ga(db_url) == 27 * 7 + 1
    close = Store.open(db_url).audit_trail("D1")[-1]
    assert (close.action, close.changes["ga_days"]) == ("close", 27 * 7 + 1)


@pytest.mark.parametrize("typed", [COMPUTED, "27w1d", " 27+1 "])
def test_the_computed_ga_typed_is_accepted(registered: Cli, db_url: str, typed: str) -> None:
    """--ga equal to the computed GA, in either spelling, closes the pregnancy."""
    assert _close(registered, "--ga", typed)[0] == 0
    assert _stored_ga(db_url) == 27 * 7 + 1


@pytest.mark.parametrize("typed", ["27+0", "27+2", "37+0", "25+4"])
def test_a_differing_ga_is_refused_naming_the_computed_one(
    registered: Cli, db_url: str, typed: str
) -> None:
    """One day either side (or a term GA for a preterm birth): exit 1, one line naming the
    computed GA, nothing written."""
    code, _, err = _close(registered, "--ga", typed)
    assert code == 1
    assert err.startswith(f"error: ga: {typed} differs from {COMPUTED}, the GA on {CLOSED_ON}")
    assert len(err.splitlines()) == 1
    assert _stored_ga(db_url) is None
    assert Store.open(db_url).audit_trail("D1")[-1].action == "add"


@pytest.mark.parametrize(("typed", "field"), [("26.3", "ga_days"), ("x", "ga_days")])
def test_a_ga_that_is_not_one_is_refused(
    registered: Cli, db_url: str, typed: str, field: str
) -> None:
    """A decimal or a word as --ga: exit 1, one line, nothing written."""
    code, _, err = _close(registered, "--ga", typed)
    assert (code, err.count("\n")) == (1, 1)
    assert err.startswith(f"error: {field}: ")
    assert _stored_ga(db_url) is None


def test_help_says_the_ga_is_checked(registered: Cli) -> None:
    """--help tells the user the GA is checked against the date and the EDD."""
    text = " ".join(registered("patient", "close", "--help").stdout.split())
    assert "must be the GA that --date and the EDD give" in text
