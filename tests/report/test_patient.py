"""`patient show`: header, scans, plotext chart, flags with rule ids and citations, audit trail."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.report.conftest import AS_OF


def show(cli: Cli, mrn: str, *extra: str) -> str:
    result = cli("patient", "show", mrn, "--as-of", AS_OF, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_show_prints_chart_flags_and_audit(loaded: Cli) -> None:
    """P01: the CL chart (axes, tv markers, threshold ticks), her flags with ids and citations,
    risk reasons and the audit trail of her imports."""
    text = show(loaded, "P01")
    assert "GA (weeks)" in text
    assert "Cervical length against GA" in text
    assert "o transvaginal" in text
    assert "Risk (acog-smfm): HIGH - prior sPTB at 26+3" in text
    assert "HIGH cerclage-discussion [acog.usi-cerclage]" in text
    assert "Citation: ACOG Practice Bulletin 142 (2014)" in text
    assert "Audit trail (" in text
    assert "import scan" in text
    assert "Next scan due: 2026-10-20" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_voided_scan_listed_apart_with_reason(loaded: Cli) -> None:
    """A voided scan leaves the scan list and appears under Voided scans with its reason."""
    scans = json.loads(loaded("scan", "list", "P02", "--format", "json").stdout)["scans"]
    scan_id = str(scans[0]["scan_id"])
    assert loaded("scan", "void", scan_id, "--reason", "wrong patient").exit_code == 0
    text = show(loaded, "P02")
    assert "Voided scans (1, not counted)" in text
    assert "wrong patient" in text
    assert "Scans (0): none" in text
    assert "void scan" in text  # the audit trail records it


def test_closed_patient_still_shows_with_status(loaded: Cli) -> None:
    """A delivered patient is not reviewed, but `patient show` still prints her file and status."""
    closed = loaded("patient", "close", "P02", "--date", AS_OF, "--outcome", "delivered")
    assert closed.exit_code == 0, closed.output
    text = show(loaded, "P02")
    assert "closed: delivered on 2026-10-15" in text
    assert "none: not under review on this date" in text
    assert "(by history; not reviewed)" in text  # risk by history alone


def test_nice_profile_option(loaded: Cli) -> None:
    """--profile picks the rules: P02 gets NICE's referral point."""
    text = show(loaded, "P02", "--profile", "nice-ng25")
    assert "refer-ptb-clinic [nice.incidental-short]" in text


def test_unknown_patient_is_a_one_line_error(loaded: Cli) -> None:
    """An unknown MRN exits 1 with one line."""
    result = loaded("patient", "show", "NOPE", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_chart_frame_without_scans(loaded: Cli) -> None:
    """A patient with no scan gets a sentence instead of an empty chart frame."""
    result = loaded("patient", "add", "E1", "--edd", "2027-03-01")
    assert result.exit_code == 0, result.output
    text = show(loaded, "E1")
    assert "no scans recorded up to this date: no chart" in text
    assert "GA (weeks)" not in text
