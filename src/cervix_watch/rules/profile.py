"""Guideline profiles: the pydantic schema of a profile file, loading and checking.

A profile is a TOML file (built-ins in `rules/profiles/`). Everything
clinical that is a number, a window, an interval, a priority or a citation
lives in that file; the code only knows the *kinds* of rule. A clinic copies
a file, edits a number and runs `review --profile path/to/file.toml`.
"""

from __future__ import annotations

import hashlib
import itertools
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationError, model_validator

from cervix_watch.domain.enums import Action, Priority, Risk
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.rules.kinds import KNOWN_RULE_IDS, RULE_KINDS, RuleSpec
from cervix_watch.rules.rule_base import KNOWN_IDS_CONTEXT, GraceDays
from cervix_watch.rules.schema import (
    MAX_INTERVAL_DAYS,
    Below,
    ClBand,
    Ga,
    HistoryCriteria,
    Spec,
    ThresholdMm,
    Window,
)

DEFAULT_PROFILE = "acog-smfm"
_PACKAGE_DIR = "profiles"

IntervalDays = Annotated[int, Field(ge=1, le=MAX_INTERVAL_DAYS)]


class Schedule(Spec):
    """Surveillance schedule of one risk category: serial (window + interval) or single."""

    kind: Literal["serial", "single"]
    window: Window
    interval_days: IntervalDays | None = None
    # Owen protocol (ACOG PB 234): weekly scans once the CL is below 30 mm
    short_cl_interval_days: IntervalDays | None = None
    short_cl_below_mm: ThresholdMm | None = None
    # single: a scan recorded from this GA on satisfies the schedule ("from 16+0")
    counts_from: Ga | None = None
    # priority of any.scan-overdue under this schedule; empty: the rule entry's own
    overdue_priority: Priority | None = None
    # single: a screen missed after its window stays overdue while the review date's GA is
    # inside this window (the profile's treatment window: a short cervix still changes
    # management); empty: overdue until the window's end only
    missed_until: Window | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "serial" and self.interval_days is None:
            raise ValueError("interval_days: is required for a serial schedule")
        if self.kind == "serial" and self.missed_until is not None:
            raise ValueError("missed_until: only a single schedule has a missed screen")
        if self.missed_until is not None and self.missed_until.last < self.window.last:
            raise ValueError("missed_until: must not end before the schedule's window")
        if (self.short_cl_interval_days is None) != (self.short_cl_below_mm is None):
            raise ValueError(
                "short_cl_below_mm: give both short_cl_below_mm and short_cl_interval_days, "
                "or neither"
            )
        if (
            self.short_cl_interval_days is not None
            and self.interval_days is not None
            and self.short_cl_interval_days >= self.interval_days
        ):
            raise ValueError("short_cl_interval_days: must be shorter than interval_days")
        return self

    @property
    def single_counts_from(self) -> int:
        return self.window.start if self.counts_from is None else self.counts_from


class ClUpgrade(Spec):
    """NICE: any CL at or below this, already recorded (transvaginal), makes the risk high."""

    threshold_mm: ThresholdMm
    comparison: Below = "le"


class RiskSpec(Spec):
    """Risk category definition: high and intermediate are any-of history criteria."""

    high: HistoryCriteria
    intermediate: HistoryCriteria | None = None
    cl_upgrade: ClUpgrade | None = None


class MultiplePregnancy(Spec):
    """Twins and higher order: which surveillance schedule applies.

    `schedule = false`: none (SMFM Consult #40); `true`: the risk category's
    schedule, as for a singleton; a schedule table: that schedule (NICE NG137:
    one scan 16+0 to 20+0), unless `serial_risk_schedule_applies` and the risk
    category's own schedule is serial, which then applies instead.
    """

    schedule: bool | Schedule
    serial_risk_schedule_applies: bool = False


class AuditSpec(Spec):
    """The quarterly clinic audit's windows and thresholds (audit.md); `[audit]` in a profile.

    The defaults are audit.md's: screening and short cervix in 16+0 to 24+0 (both ends
    included), a short cervix at or below 25 mm, discussed within 14 days, and the
    outcome bands < 24+0, 24+0-33+6, 34+0-36+6, >= 37+0.
    """

    window: Window = Field(
        default_factory=lambda: Window.model_validate({"start": "16+0", "end": "24+0"})
    )
    short_cervix: ClBand = Field(
        default_factory=lambda: ClBand.model_validate({"threshold_mm": 25.0, "comparison": "le"})
    )
    discussion_within_days: Annotated[int, Field(ge=0, le=MAX_INTERVAL_DAYS)] = 14
    discussion_actions: Annotated[tuple[Action, ...], Field(min_length=1)] = (
        Action.CERCLAGE_DISCUSSION,
        Action.PROGESTERONE_DISCUSSION,
        Action.SHORT_CERVIX_NOTED,
    )
    # GA at closure is counted in bands starting at these GAs (and one band before the first)
    outcome_bands_from: Annotated[tuple[Ga, ...], Field(min_length=1, max_length=8)] = (
        168,
        238,
        259,
    )

    @model_validator(mode="after")
    def _bands_rise(self) -> Self:
        bands = self.outcome_bands_from
        if any(later <= earlier for earlier, later in itertools.pairwise(bands)):
            raise ValueError("outcome_bands_from: each GA must be after the one before")
        return self


class Profile(Spec):
    """One guideline profile: risk definition, schedules, look-ahead and the rule entries."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    # Active patient: GA below this at the review date, or a cerclage in situ
    active_before: Ga
    look_ahead_days: Annotated[int, Field(ge=0, le=60)]
    # ACOG PB 130/234: a previous preterm PPROM is a spontaneous preterm birth
    pprom_counts_as_sptb: bool = False
    # a `deferred` discussion addresses its point for this many days (not a decision)
    defer_days: GraceDays = 7
    risk: RiskSpec
    schedules: dict[Risk, Schedule] = Field(default_factory=dict)
    multiple_pregnancy: MultiplePregnancy
    rules: Annotated[tuple[RuleSpec, ...], Field(min_length=1)]
    audit: AuditSpec = Field(default_factory=lambda: AuditSpec.model_validate({}))
    source: str = ""
    # set by the loader, never by the file (rules/identity.py): None for a built-in's rules,
    # else the sha256 of the profile's text
    sha256: str | None = None

    @model_validator(mode="after")
    def _one_window_closed_rule(self) -> Self:
        closing = [rule.id for rule in self.rules if rule.kind == "window-closed"]
        if len(closing) > 1:
            raise ValueError(f"rules: at most one window-closed rule, found {', '.join(closing)}")
        return self

    def schedule_for(self, risk: Risk, singleton: bool, by_history: Risk) -> Schedule | None:
        """The surveillance schedule of a pregnancy (clinical-rules.md, schedule section).

        A singleton follows her risk category (the NICE CL upgrade included). A multiple
        pregnancy takes the serial schedule only when her risk *by history* gives it: a short
        cervix found on the twins' single screen raises nice.twins-vp, not serial scans."""
        own = self.schedules.get(risk)
        if singleton:
            return own
        multiple = self.multiple_pregnancy
        if multiple.schedule is False:
            return None
        if multiple.schedule is True:
            return own
        historical = self.schedules.get(by_history)
        if (
            multiple.serial_risk_schedule_applies
            and historical is not None
            and historical.kind == "serial"
        ):
            return historical
        return multiple.schedule


def builtin_profile_names() -> list[str]:
    """Names of the profiles shipped with the package, default first."""
    folder = resources.files("cervix_watch.rules") / _PACKAGE_DIR
    names = sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a profile file by path; InputError lists every problem."""
    if isinstance(name_or_path, str) and name_or_path in builtin_profile_names():
        return _load_builtin(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        names = ", ".join(builtin_profile_names())
        raise InputError(
            Problem(
                "profile",
                f"{str(name_or_path)!r} is neither a built-in profile ({names}) nor a file",
            )
        )
    data = path.read_bytes()
    profile, problems = _parse(data, str(path))
    if profile is None:
        raise InputError(problems)
    return _identified(data, profile)


def profile_toml(name_or_path: str | Path) -> tuple[bytes, Profile]:
    """The TOML text of a built-in profile or a file, and the profile it validates to.

    What `rules default` stores in the database, so the clinic's rules travel with
    the data rather than with a path on one workstation.
    """
    if isinstance(name_or_path, str) and name_or_path in builtin_profile_names():
        data = resources.files("cervix_watch.rules") / _PACKAGE_DIR / f"{name_or_path}.toml"
        return data.read_bytes(), _load_builtin(name_or_path)
    profile = load_profile(name_or_path)
    return Path(name_or_path).read_bytes(), profile


def profile_from_toml(data: bytes, source: str) -> Profile:
    """A profile from TOML text (e.g. stored in the database); InputError lists every problem."""
    profile, problems = _parse(data, source)
    if profile is None:
        raise InputError(problems)
    return _identified(data, profile)


def stored_profile(data: bytes, source: str) -> tuple[Profile, str | None]:
    """A database's stored default from its TOML text, with the built-in's name when the
    text is that built-in as an earlier release shipped it (None otherwise).

    `rules default` stores a built-in's name only with that built-in's text, so a stored
    text with a built-in's name and other rules came from a release whose built-in said
    so. It is the clinic's choice of rules and stays in force (contract v3: stored by
    content, so every workstation reviews with the same rules, whatever its release),
    named as custom by its sha256, never as this version's built-in. InputError when the
    text does not validate.
    """
    profile, problems = _parse(data, source)
    if profile is None:
        raise InputError(problems)
    try:
        return _identified(data, profile), None
    except EditedBuiltin:
        custom = profile.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})
        return custom, profile.name


# the loader's own fields, not rules: where the text came from and its identity
_NOT_RULES = {"source", "sha256"}


class EditedBuiltin(InputError):
    """A profile that takes a built-in's `name` with other rules: an edited copy (refused:
    "rename it"), or, stored as a database's default, the built-in as an earlier release
    shipped it (`stored_profile`)."""

    def __init__(self, name: str, source: str | None) -> None:
        self.name = name
        super().__init__(Problem("name", f"rename it: {name!r} is a built-in profile", source))


def _identified(data: bytes, profile: Profile) -> Profile:
    """`profile` (read from `data`, a file or the database) as a built-in or as custom
    (contract v3, "profile identity"; the labels are rules/identity.py's).

    A profile whose rules are a built-in's, name included, is that built-in (its comments
    and layout may differ: an older export still reads as the built-in); any other is
    custom, named by its own `name` and the sha256 of its text. InputError when it takes a
    built-in's name with other rules: "rename it".
    """
    rules = profile.model_dump(exclude=_NOT_RULES)
    for name in builtin_profile_names():
        if rules == builtin_profile(name).model_dump(exclude=_NOT_RULES):
            return profile.model_copy(update={"sha256": None})
    if profile.name in builtin_profile_names():
        raise EditedBuiltin(profile.name, profile.source or None)
    return profile.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})


def check_profile_file(path: str | Path) -> list[Problem]:
    """Every problem in a profile file, each with its place in the file (`rules[3].window.end`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return [Problem("file", f"cannot read: {error.strerror or error}", source=str(path))]
    profile, problems = _parse(data, str(path))
    if profile is None:
        return problems
    try:
        _identified(data, profile)
    except InputError as refused:  # an edited built-in that kept the built-in's name
        return refused.problems
    return []


def builtin_profile_text(name: str) -> str:
    """The TOML text of a built-in profile, to copy and edit (`rules export`)."""
    if name not in builtin_profile_names():
        names = ", ".join(builtin_profile_names())
        raise InputError(Problem("profile", f"{name!r} is not a built-in profile ({names})"))
    return _builtin_bytes(name).decode("utf-8")


def _builtin_bytes(name: str) -> bytes:
    return (resources.files("cervix_watch.rules") / _PACKAGE_DIR / f"{name}.toml").read_bytes()


def builtin_profile(name: str) -> Profile:
    """A built-in profile as shipped (`name` must be one of `builtin_profile_names`)."""
    return _load_builtin(name)


@lru_cache(maxsize=8)
def _load_builtin(name: str) -> Profile:
    data = _builtin_bytes(name)
    profile, problems = _parse(data, f"built-in profile {name}")
    if profile is None:  # a broken shipped file is a bug, but still say where
        raise InputError(problems)
    return profile


def _parse(data: bytes, source: str) -> tuple[Profile | None, list[Problem]]:
    import tomllib

    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [Problem("file", "is not UTF-8 text", source=source)]
    except tomllib.TOMLDecodeError as error:
        return None, [Problem("toml", str(error), source=source)]
    problems = _duplicate_ids(raw, source)
    try:
        profile = Profile.model_validate(
            {**raw, "source": source, "sha256": None},
            context={KNOWN_IDS_CONTEXT: KNOWN_RULE_IDS},  # each rule's id checked (rule_base)
        )
    except ValidationError as error:
        return None, problems + _problems_from(error, source)
    return (None if problems else profile), problems


def _duplicate_ids(raw: dict[str, Any], source: str) -> list[Problem]:
    """Rule ids are unique within a profile: a duplicate is a copy-paste slip."""
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    rules = raw.get("rules")
    if not isinstance(rules, list):
        return problems
    for index, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            message = f"{rule_id!r} is already used by rules[{seen[rule_id]}]"
            problems.append(Problem(f"rules[{index}].id", message, source=source))
        seen.setdefault(rule_id, index)
    return problems


_BOUNDS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
}


def _problems_from(error: ValidationError, source: str) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        path, message = _path(item["loc"]), _message(item)
        # model validators name the field they reject: "end: must be after start"
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier():
            path, message = f"{path}.{head}" if path else head, rest
        problems.append(Problem(path or "profile", message, source=source))
    return problems


def _path(loc: tuple[int | str, ...]) -> str:
    """('rules', 3, 'qualifying-cl', 'window', 'end') -> 'rules[3].window.end'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in RULE_KINDS:  # the discriminated-union tag is not a key in the file
            continue
        else:
            text += f".{part}" if text else part
    return text


def _message(item: Any) -> str:
    kind, ctx, given = item["type"], item.get("ctx", {}), item.get("input")
    if kind in _BOUNDS:
        return f"{given!r} " + _BOUNDS[kind].format(**ctx)
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known key"
    if kind == "union_tag_invalid":
        return f"kind: {ctx.get('tag')!r} is not one of {', '.join(RULE_KINDS)}"
    if kind == "union_tag_not_found":
        return f"kind: is required, one of {', '.join(RULE_KINDS)}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{given!r} is not a whole number"
    if kind in {"float_parsing", "float_type"}:
        return f"{given!r} is not a number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{given!r} is not true or false"
    if kind in {"enum", "literal_error"}:
        return f"{given!r} is not one of {ctx.get('expected')}"
    if kind == "too_short":
        least = ctx.get("min_length")
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} entries; at most {ctx.get('max_length')} allowed"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")
