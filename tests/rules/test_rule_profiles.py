"""Guideline profiles: built-ins load, an edited copy changes results, broken files explained."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from rules_factories import actions, patient, review, scan

from cervix_watch.domain.enums import Action, Priority
from cervix_watch.domain.errors import InputError
from cervix_watch.rules import builtin_profile_names, check_profile_file, load_profile
from cervix_watch.rules.kinds import KNOWN_RULE_IDS

SPEC_RULE_IDS = {
    "acog-smfm": {
        "acog.usi-cerclage",
        "smfm.vp-short-cervix",
        "smfm.vp-shared-decision",
        "smfm.vp-prior-sptb",
        "acog.history-cerclage",
        "acog.exam-cerclage",
        "acog.weekly-cl",
        "acog.cerclage-removal",
        "acog.progesterone-stop",
    },
    "nice-ng25": {
        "nice.choice",
        "nice.vp-history",
        "nice.vp-short-cervix",
        "nice.cerclage-pprom-trauma",
        "nice.incidental-short",
        "rcog.history-cerclage",
        "nice.rescue",
        "nice.cerclage-removal",
        "nice.progesterone-stop",
    },
}
SHARED_RULE_IDS = {
    "any.short-outside-window",
    "any.measurement-quality",
    "any.funneling",
    "any.sludge",
    # version 3
    "any.cerclage-emergency",
    "any.symptomatic-short-cervix",
    "any.progesterone-formulation",
}


def _builtin_text(name: str) -> str:
    return (resources.files("cervix_watch.rules") / "profiles" / f"{name}.toml").read_text("utf-8")


def test_builtin_names_default_first() -> None:
    """The two built-in profiles are listed, the default (acog-smfm) first."""
    assert builtin_profile_names() == ["acog-smfm", "nice-ng25"]


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_builtin_profiles_carry_every_spec_rule(name: str) -> None:
    """Every rule id of clinical-rules.md for the profile, plus the shared ones, is in its file."""
    ids = {rule.id for rule in load_profile(name).rules}
    assert SPEC_RULE_IDS[name] | SHARED_RULE_IDS <= ids
    assert ids <= set(KNOWN_RULE_IDS)


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_builtin_profiles_check_clean(name: str, tmp_path: Path) -> None:
    """A shipped profile, copied to disk, has no problems."""
    copy = tmp_path / f"{name}.toml"
    copy.write_text(_builtin_text(name), "utf-8")
    assert check_profile_file(copy) == []
    assert load_profile(copy).name == name


def test_code_holds_no_clinical_numbers() -> None:
    """The rule modules contain no CL threshold or GA literal: those live in the TOML files."""
    folder = Path(__file__).resolve().parents[2] / "src" / "cervix_watch" / "rules"
    for module in (
        "checks.py",
        "visit_checks.py",
        "findings.py",
        "engine.py",
        "schedule.py",
        "risk.py",
        "context.py",
    ):
        code = (folder / module).read_text("utf-8")
        assert not re.search(
            r"\b(20|25|30|34|36|37|112|168|238|252|259)(\.\d)?\b", _code_only(code)
        ), module
        assert not re.search(r"\d+\+\d", _code_only(code)), module


def _code_only(source: str) -> str:
    """The source without comments and docstrings, which may cite numbers."""
    without_docstrings = re.sub(r'"""(.|\n)*?"""', "", source)
    return "\n".join(line.split("#", 1)[0] for line in without_docstrings.splitlines())


def test_load_unknown_name_lists_builtins() -> None:
    """A name that is neither built in nor a file is refused with the list of built-ins."""
    with pytest.raises(InputError, match="acog-smfm, nice-ng25"):
        load_profile("no-such-profile")


def test_modified_profile_changes_the_result(tmp_path: Path) -> None:
    """A copy of acog-smfm with usi-cerclage's threshold at 26 mm flags a CL of 25.5 mm."""
    text = _builtin_text("acog-smfm")
    block = text.index('id = "acog.usi-cerclage"')
    edited = text[:block] + text[block:].replace("threshold_mm = 25.0", "threshold_mm = 26.0", 1)
    edited = edited.replace('name = "acog-smfm"', 'name = "clinic-acog"')
    path = tmp_path / "clinic.toml"
    path.write_text(edited, "utf-8")
    clinic = load_profile(path)
    p = patient("20+0", prior_sptb_weeks="26+3")
    short = scan(p, "20+0", 25.5)
    assert "cerclage-discussion" not in actions(review(p, short))
    result = review(p, short, profile=clinic)
    assert "cerclage-discussion" in actions(result)
    assert "< 26 mm" in next(
        f.message for f in result.flags if f.action is Action.CERCLAGE_DISCUSSION
    )


def test_modified_priority_and_interval(tmp_path: Path) -> None:
    """Priorities and schedule intervals are data too."""
    text = _builtin_text("nice-ng25").replace("interval_days = 14", "interval_days = 10")
    text = text.replace('name = "nice-ng25"', 'name = "local-nice"')  # edited: renamed
    block = text.index('id = "any.scan-due"')
    text = text[:block] + text[block:].replace('priority = "routine"', 'priority = "high"', 1)
    path = tmp_path / "local.toml"
    path.write_text(text, "utf-8")
    p = patient("20+0", prior_sptb_weeks="26+3")
    result = review(p, scan(p, "19+0", 35.0), profile=load_profile(path))
    assert result.next_scan_due is not None
    assert (result.next_scan_due - scan(p, "19+0").date).days == 10
    assert next(f for f in result.flags if f.action is Action.SCAN_DUE).priority is Priority.HIGH


def test_local_rule_of_an_existing_kind(tmp_path: Path) -> None:
    """A clinic may add its own `local.*` rule using a registered kind."""
    text = _builtin_text("acog-smfm").replace('name = "acog-smfm"', 'name = "our-unit"') + (
        '\n[[rules]]\nid = "local.sludge-review"\nkind = "finding"\naction = "short-cervix-noted"\n'
        'priority = "high"\ncitation = "Local policy 7"\nfinding = "sludge"\n'
    )
    path = tmp_path / "local.toml"
    path.write_text(text, "utf-8")
    p = patient("20+0")
    result = review(p, scan(p, "20+0", 35.0, sludge=True), profile=load_profile(path))
    assert any(f.rule == "local.sludge-review" for f in result.flags)


def _break(name: str, old: str, new: str, *, after: str | None = None) -> str:
    text = _builtin_text(name)
    start = text.index(after) if after else 0
    assert old in text[start:], old
    return text[:start] + text[start:].replace(old, new, 1)


# (edit: after marker, old, new) -> the path and words of the reported problem
BROKEN_CASES = [
    (
        'id = "acog.history-cerclage"',
        # v3 change 9: the history-cerclage window runs to before 24+0
        'ga_window = { end = "24+0"',
        'ga_window = { start = "25+0", end = "24+0"',
        "rules[5].ga_window.end",
        "must be after start",
    ),
    (
        'id = "acog.usi-cerclage"',
        "threshold_mm = 25.0",
        "threshold_mm = 250.0",
        "rules[0].threshold_mm",
        "at most 60",
    ),
    (
        'id = "acog.usi-cerclage"',
        "threshold_mm = 25.0",
        "threshold_mm = -1.0",
        "rules[0].threshold_mm",
        "more than 0",
    ),
    (
        'id = "acog.usi-cerclage"',
        'comparison = "lt"',
        'comparison = "below"',
        "rules[0].comparison",
        "'lt'",
    ),
    (
        'id = "acog.usi-cerclage"',
        'priority = "high"',
        'priority = "soon"',
        "rules[0].priority",
        "'urgent'",
    ),
    (
        'id = "acog.usi-cerclage"',
        'action = "cerclage-discussion"',
        'action = "stitch"',
        "rules[0].action[0]",
        "'cerclage-discussion'",
    ),
    (
        'id = "acog.usi-cerclage"',
        'kind = "qualifying-cl"',
        'kind = "magic"',
        "rules[0].kind",
        "'magic'",
    ),
    (
        'id = "acog.usi-cerclage"',
        'id = "acog.usi-cerclage"',
        'id = "acog.usi"',
        "rules[0].id",
        "local.",
    ),
    (  # a number, not text: one problem (it raised AttributeError before the id check)
        'id = "acog.usi-cerclage"',
        'id = "acog.usi-cerclage"',
        "id = 5",
        "rules[0].id",
        "valid string",
    ),
    (
        'id = "acog.usi-cerclage"',
        'kind = "qualifying-cl"',
        'kind = "history"',
        "rules[0].ga_window",
        "is required",
    ),
    (
        'id = "acog.usi-cerclage"',
        'start = "16+0"',
        'start = "16+9"',
        "rules[0].window.start",
        "0-6",
    ),
    (
        'id = "acog.usi-cerclage"',
        'start = "16+0"',
        "start = 112",
        "rules[0].window.start",
        "string",
    ),
    (
        'id = "acog.usi-cerclage"',
        "threshold_mm = 25.0",
        "threshold_mm = 25.0\nthreshhold = 1",
        "rules[0].threshhold",
        "not a known key",
    ),
    (
        'id = "smfm.vp-shared-decision"',
        "floor_mm = 20.0",
        "floor_mm = 26.0",
        "rules[3].floor_mm",
        "below threshold_mm",
    ),
    (
        'id = "acog.exam-cerclage"',
        "dilation_cm = 1.0",
        "dilation_cm = 11.0",
        "rules[6].dilation_cm",
        "at most 10",
    ),
    (
        'id = "any.measurement-quality"',
        "max_spread_fraction = 0.10",
        "max_spread_fraction = 10",
        "rules[15].max_spread_fraction",
        "less than 1",
    ),
    (
        "[schedules.high]",
        "interval_days = 14",
        "interval_days = 0",
        "schedules.high.interval_days",
        "at least 1",
    ),
    (
        "[schedules.high]",
        "short_cl_interval_days = 7",
        "short_cl_interval_days = 21",
        "schedules.high.short_cl_interval_days",
        "shorter",
    ),
    (
        "[schedules.low]",
        'kind = "single"',
        'kind = "serial"',
        "schedules.low.interval_days",
        "required",
    ),
    (
        "[risk.high]",
        'prior_sptb_before = "37+0"',
        'prior_sptb_before = "45+0"',
        "risk.high.prior_sptb_before",
        "44+6",
    ),
    (
        "look_ahead_days",
        "look_ahead_days = 7",
        'look_ahead_days = "a week"',
        "look_ahead_days",
        "whole number",
    ),
    (
        'id = "any.sludge"',
        'id = "any.sludge"',
        'id = "any.funneling"',
        "rules[17].id",
        "already used by rules[16]",
    ),
    # version 3: a treatment-end step must come after the rule's own GA; a missed single
    # screen stays overdue no shorter than its window
    (
        'id = "acog.cerclage-removal"',
        'escalate = { from_ga = "37+0"',
        'escalate = { from_ga = "35+0"',
        "rules[8].escalate",
        "must be after the rule's from_ga",
    ),
    (
        "[schedules.low]",
        'missed_until = { start = "16+0", end = "24+0"',
        'missed_until = { start = "16+0", end = "20+0"',
        "schedules.low.missed_until",
        "must not end before the schedule's window",
    ),
    (
        "[schedules.high]",
        'overdue_priority = "high"',
        'overdue_priority = "high"\nmissed_until = { end = "24+0" }',
        "schedules.high.missed_until",
        "only a single schedule",
    ),
]


@pytest.mark.parametrize(("after", "old", "new", "field", "words"), BROKEN_CASES)
def test_check_reports_path_of_each_problem(
    after: str, old: str, new: str, field: str, words: str, tmp_path: Path
) -> None:
    """check_profile_file names the place in the file (`rules[3].window.end`) and what is wrong."""
    path = tmp_path / "broken.toml"
    path.write_text(_break("acog-smfm", old, new, after=after), "utf-8")
    problems = {p.field: p for p in check_profile_file(path)}
    assert field in problems, problems
    assert words in problems[field].message
    assert problems[field].source == str(path)
    with pytest.raises(InputError):
        load_profile(path)


def test_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    """Several broken entries are all reported, each with its own path."""
    text = _break(
        "acog-smfm", "threshold_mm = 25.0", "threshold_mm = 250.0", after='id = "acog.usi-cerclage"'
    )
    text = text.replace('priority = "info"', 'priority = "later"')
    text = text.replace("look_ahead_days = 7", "look_ahead_days = -1")
    path = tmp_path / "broken.toml"
    path.write_text(text, "utf-8")
    fields = {p.field for p in check_profile_file(path)}
    assert fields == {
        "look_ahead_days",
        "rules[0].threshold_mm",
        "rules[15].priority",
        "rules[16].priority",
        "rules[17].priority",
        # v3: any.cerclage-emergency, any.symptomatic-short-cervix and
        # any.progesterone-formulation come before any.dating
        "rules[23].priority",
    }


@pytest.mark.parametrize(
    ("content", "field"),
    [(b"name = [", "toml"), (b"\xff\xfe", "file"), (b"", "name")],
)
def test_check_unreadable_files(content: bytes, field: str, tmp_path: Path) -> None:
    """Bad TOML, non-UTF-8 bytes and an empty file are problems, not tracebacks."""
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    assert field in {p.field for p in check_profile_file(path)}


def test_check_missing_file(tmp_path: Path) -> None:
    """A missing file is reported as a problem."""
    assert [p.field for p in check_profile_file(tmp_path / "absent.toml")] == ["file"]


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_profile_round_trips_through_its_dump(name: str) -> None:
    """Dumping a profile writes GA as "w+d" again, so the dump validates to the same profile."""
    profile = load_profile(name)
    dumped = profile.model_dump(mode="json")
    assert dumped["active_before"] == "37+0"
    assert type(profile).model_validate(dumped) == profile
    assert tomllib.loads(_builtin_text(name))["name"] == name


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (
            {"type": "too_short", "ctx": {"min_length": 1, "actual_length": 0}},
            "needs at least 1 entry",
        ),
        (
            {"type": "too_short", "ctx": {"min_length": 2, "actual_length": 1}},
            "needs at least 2 entries",
        ),
        (
            {"type": "too_long", "ctx": {"max_length": 3, "actual_length": 4}},
            "has 4 entries; at most 3 allowed",
        ),
    ],
)
def test_list_length_problems_are_plain_words(item: dict[str, object], words: str) -> None:
    """A list too short or too long in a profile is said in words, not pydantic's "Tuple should"."""
    from cervix_watch.rules.profile import _message

    assert _message({**item, "input": [], "msg": "Tuple should have ..."}) == words
