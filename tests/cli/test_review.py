"""review / due / rules through the CLI, including the shared worked examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import Cli, both_backends

pytestmark = both_backends

PRIORITY_ORDER = ["urgent", "high", "routine", "info"]


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_vignettes_match_expected_json(loaded: Cli, vignettes: Path, profile: str) -> None:
    """Import + review --format json gives each v2 vignette's GA, actions and priorities."""
    expected = json.loads((vignettes / "expected.json").read_text())
    result = loaded(
        "review", "--as-of", expected["as_of"], "--profile", profile, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout)
    assert review["as_of"] == expected["as_of"]
    assert review["profile"] == profile
    got = {p["mrn"]: p for p in review["patients"]}
    for mrn, want in expected["patients"].items():
        assert got[mrn]["ga"] == want["ga"], mrn
        assert sorted(f["action"] for f in got[mrn]["flags"]) == sorted(want[profile]), mrn
        priorities = {f["action"]: f["priority"] for f in got[mrn]["flags"]}
        for action, priority in want.get("priority", {}).get(profile, {}).items():
            assert priorities[action] == priority, (mrn, action)


def test_review_json_has_the_contract_shape_and_order(loaded: Cli) -> None:
    """Keys as in contract.md; patients sorted by highest priority, then MRN; every flag cited."""
    review = json.loads(loaded("review", "--as-of", "2026-10-15", "--format", "json").stdout)
    assert set(review) == {"as_of", "profile", "inbox_waiting", "patients"}  # contract v3
    keys = {
        "mrn",
        "name",
        "ga",
        "ga_days",
        "risk",
        "latest_cl_mm",
        "shortest_cl_mm",
        "next_scan_due",
        "flags",
        "discussed",
        "membranes_ruptured",  # contract v3
        "treatments",
    }

    def rank(p: dict[str, object]) -> int:
        flags = p["flags"]
        assert isinstance(flags, list)
        return min((PRIORITY_ORDER.index(f["priority"]) for f in flags), default=4)

    for patient in review["patients"]:
        assert set(patient) == keys
        for flag in patient["flags"]:
            assert set(flag) == {"action", "rule", "priority", "message", "citation"}
            assert flag["citation"]
    order = [(rank(p), p["mrn"]) for p in review["patients"]]
    assert order == sorted(order)
    assert review["patients"][0]["mrn"] == "P04"  # the only urgent point


def test_closed_patient_leaves_the_review(loaded: Cli) -> None:
    """A delivered patient is not reviewed."""
    loaded(
        "patient",
        "close",
        "P02",
        "--date",
        "2026-10-15",
        "--outcome",
        "delivered",
        "--reason",
        "born",
    )
    review = json.loads(loaded("review", "--as-of", "2026-10-15", "--format", "json").stdout)
    assert "P02" not in {p["mrn"] for p in review["patients"]}


def test_voided_scan_no_longer_counts(loaded: Cli) -> None:
    """Voiding P02's only (short) scan removes its progesterone point."""
    scans = json.loads(loaded("scan", "list", "P02", "--format", "json").stdout)["scans"]
    loaded("scan", "void", str(scans[0]["scan_id"]), "--reason", "wrong patient")
    review = json.loads(loaded("review", "--as-of", "2026-10-15", "--format", "json").stdout)
    p02 = next(p for p in review["patients"] if p["mrn"] == "P02")
    assert "progesterone-discussion" not in {f["action"] for f in p02["flags"]}


def test_discussion_addresses_the_point(loaded: Cli) -> None:
    """A recorded discussion after the qualifying scan addresses the point and is listed."""
    loaded(
        "discuss", "P02", "progesterone-discussion", "--date", "2026-10-15", "--outcome", "accepted"
    )
    review = json.loads(loaded("review", "--as-of", "2026-10-15", "--format", "json").stdout)
    p02 = next(p for p in review["patients"] if p["mrn"] == "P02")
    assert p02["flags"] == []
    assert p02["discussed"] == [
        {"action": "progesterone-discussion", "date": "2026-10-15", "outcome": "accepted"}
    ]


def test_due_lists_due_and_overdue(loaded: Cli) -> None:
    """due --format json lists P01 (due) and P04 (due by its flag) on the vignettes' date."""
    result = loaded("due", "--as-of", "2026-10-15", "--format", "json")
    due = {p["mrn"]: p["status"] for p in json.loads(result.stdout)["patients"]}
    assert due["P01"] == "due"
    # v3 change 8: P04's low-risk single screen (window 18+0 to 22+6) is due at 19+5, not
    # overdue, though its next_scan_due (the window start) lies in the past: `due` goes by
    # the scan-due / scan-overdue flag
    assert due["P04"] == "due"


def test_due_lists_a_missed_single_screen_as_overdue(loaded: Cli) -> None:
    """At 23+2 P04's single screen is past its window and still in the treatment window."""
    result = loaded("due", "--as-of", "2026-11-09", "--format", "json")
    due = {p["mrn"]: p["status"] for p in json.loads(result.stdout)["patients"]}
    assert due["P04"] == "overdue"


def test_changed_profile_changes_the_result(loaded: Cli, tmp_path: Path) -> None:
    """A copy of acog-smfm with the cerclage threshold at 20 mm no longer flags P01 (CL 21 mm)."""
    from importlib import resources

    text = (resources.files("cervix_watch.rules") / "profiles" / "acog-smfm.toml").read_text()
    marker = 'id = "acog.usi-cerclage"'
    head, tail = text.split(marker, 1)
    tail = tail.replace("threshold_mm = 25.0", "threshold_mm = 20.0", 1)
    head = head.replace('name = "acog-smfm"', 'name = "our-unit"')  # an edited copy is renamed
    local = tmp_path / "our-unit.toml"
    local.write_text(head + marker + tail)
    assert loaded("rules", "check", str(local)).exit_code == 0
    review = json.loads(
        loaded(
            "review", "--as-of", "2026-10-15", "--profile", str(local), "--format", "json"
        ).stdout
    )
    p01 = next(p for p in review["patients"] if p["mrn"] == "P01")
    assert "cerclage-discussion" not in {f["action"] for f in p01["flags"]}


def test_stored_default_profile_is_used_and_overridable(loaded: Cli) -> None:
    """rules default nice-ng25 makes review use it unless --profile says otherwise."""
    assert loaded("rules", "default", "nice-ng25").exit_code == 0
    assert json.loads(loaded("review", "--format", "json").stdout)["profile"] == "nice-ng25"
    out = loaded("review", "--profile", "acog-smfm", "--format", "json").stdout
    assert json.loads(out)["profile"] == "acog-smfm"


def test_rules_check_reports_paths(cli: Cli, tmp_path: Path) -> None:
    """A broken profile file is refused with exit 1 and problems naming their place."""
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    result = cli("rules", "check", str(bad))
    assert result.exit_code == 1
    assert "bad.toml" in result.stderr


@pytest.mark.parametrize("profile", ["acog-smfm", "nice-ng25"])
def test_rules_show_lists_every_rule_with_citation(cli: Cli, profile: str) -> None:
    """rules show prints each rule id of the profile."""
    from cervix_watch.rules import load_profile

    out = cli("rules", "show", profile).stdout
    for rule in load_profile(profile).rules:
        assert rule.id in out


def test_scan_add_prints_the_flags_it_raises(cli: Cli) -> None:
    """A short CL with prior sPTB prints the cerclage point with its rule id right after saving."""
    cli("patient", "add", "P01", "--edd", "2027-03-14", "--prior-sptb-weeks", "26+3")
    result = cli(
        "scan", "add", "P01", "--date", "2026-10-13", "--cl", "21", "--cl", "21.5", "--cl", "22"
    )
    assert "cerclage-discussion" in result.stdout
    assert "acog.usi-cerclage" in result.stdout


def test_exam_add_prints_the_acute_review_first(cli: Cli) -> None:
    """An exam with contractions prints acute-review before anything else, then the rest."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    result = cli(
        "exam", "add", "P01", "--date", "2026-10-15", "--dilation-cm", "2",
        "--membranes-visible", "--contractions",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.split()[:2] == ["URGENT", "acute-review:"]
    acute, saved = out.index("[any.acute-review;"), out.index("Exam 1 saved")
    assert acute < saved < out.index("rescue-cerclage-review")
    assert "assess now: preterm labour, P-PROM, infection" in " ".join(out[:saved].split())


def test_exam_add_without_signs_prints_no_acute_review(cli: Cli) -> None:
    """A quiet exam starts with what was saved and raises no acute-review."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    result = cli("exam", "add", "P01", "--date", "2026-10-15")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Exam 1 saved")
    assert "acute-review" not in result.stdout


@pytest.mark.parametrize(
    ("profile", "new_ids"),
    [
        (
            "acog-smfm",
            ["acog.vp-prior-sptb-short"],
        ),
        ("nice-ng25", ["nice.twins-vp"]),
    ],
)
def test_rules_show_lists_the_version_2_rules(cli: Cli, profile: str, new_ids: list[str]) -> None:
    """rules show names every rule new in version 2, the shared ones included."""
    shared = [
        "any.window-closed",
        "any.short-after-cerclage",
        "any.acute-review",
        "any.symptoms",
        "any.confirm-tv",
        "any.dating",
        "any.smoking",
    ]
    out = cli("rules", "show", profile).stdout
    for rule_id in [*new_ids, *shared]:
        assert rule_id in out


def test_scan_add_with_an_urgent_symptom_prints_the_acute_review_first(cli: Cli) -> None:
    """scan add --symptom fluid prints acute-review before the saved line; cramps do not."""
    cli("patient", "add", "P01", "--edd", "2027-03-14")
    result = cli(
        "scan", "add", "P01", "--date", "2026-10-15", "--cl", "35", "--cl", "35", "--cl", "35",
        "--symptom", "fluid", "--operator", "AB",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.split()[:2] == ["URGENT", "acute-review:"]
    assert out.index("[any.acute-review;") < out.index("Scan 1 saved")
    quiet = cli(
        "scan", "add", "P01", "--date", "2026-10-22", "--cl", "35", "--cl", "35", "--cl", "35",
        "--symptom", "cramps", "--operator", "AB",
    )  # fmt: skip
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout.startswith("Scan 2 saved")
    assert "symptoms-noted" in quiet.stdout
