"""today, yesterday and the review's default date are the day the command started."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import TODAY, Cli


def test_today_and_yesterday_are_the_invocations_day(cli: Cli) -> None:
    """`--date today` / `yesterday` and the default review date are the day read at start-up
    (the tests' TODAY, whatever the machine's clock says)."""
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "today", "--cl", "30").exit_code == 0
    assert cli("scan", "add", "P01", "--date", "yesterday", "--cl", "31").exit_code == 0
    scans = json.loads(cli("scan", "list", "P01", "--format", "json").stdout)["scans"]
    assert [s["date"] for s in scans] == [
        (TODAY - timedelta(days=1)).isoformat(),
        TODAY.isoformat(),
    ]
    assert json.loads(cli("review", "--format", "json").stdout)["as_of"] == TODAY.isoformat()
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    refused = cli("scan", "add", "P01", "--date", tomorrow, "--cl", "30")
    assert refused.exit_code == 1
    assert f"{tomorrow} is in the future" in refused.output
