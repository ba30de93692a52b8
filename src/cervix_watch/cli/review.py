"""`review`, `due` and `rules`: the clinician's weekly list and the guideline profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cervix_watch.console import clinic, context, output
from cervix_watch.console.commands import Commands, choices, examples
from cervix_watch.console.options import (
    AsOfOption,
    ListFormat,
    ListFormatOption,
    OperatorOption,
    OutOption,
    ProfileOption,
    ReportOptions,
    report_options,
    shares,
)
from cervix_watch.console.output import Column, Format
from cervix_watch.domain.enums import Priority
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cervix_watch.rules import PatientReview

rules_app = Commands(
    name="rules", help="Guideline profiles: list, show, check, choose the default."
)

# `due`: the machine-readable names (JSON keys, CSV header) and the table's headings
_DUE_COLUMNS = (
    Column("mrn", "MRN"),
    Column("name", "Name", wrap=True),
    Column("ga", "GA"),
    Column("ga_days", "GA days", in_table=False),
    Column("risk", "Risk"),
    Column("next_scan_due", "Due"),
    Column("status", "Status"),
    Column("days", "Days"),
    Column("latest_cl_mm", "Latest CL"),
)


# `review`: the root adds this typer's one command as a command of its own
review_app = Commands()


@review_app.command(
    "review",
    short_help="The weekly review of every active patient.",
    epilog=examples(
        "cervix-watch review",
        "cervix-watch review --as-of 2026-11-23 --profile nice-ng25 --format md",
        "cervix-watch review --format html --out review.html",
    ),
)
@shares(report_options)
def review(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    *,
    given: ReportOptions,
    priority: Annotated[
        Priority | None,
        typer.Option(
            "--priority",
            metavar=choices(Priority),
            help="Only patients with a discussion point at this priority or above.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The weekly review: every active patient's discussion points, most pressing first."""
    state = context.state(ctx)
    on = context.review_date("as_of", as_of, state.today) or state.today
    chosen = clinic.resolve_profile(state, given.profile)
    from cervix_watch.console.render import render_review

    result, histories = clinic.clinic_review(state, on, chosen)
    if priority is not None:
        result = result.at_or_above(priority)
    waiting = _inbox_waiting(state, given.format is Format.TABLE and given.out is None)
    result = replace(result, inbox_waiting=waiting)
    render_review(result, histories, chosen, given.format, given.out)


def _inbox_waiting(state: context.State, say_it: bool) -> int:
    """How many scanner reports wait in the inbox; on the terminal, a line saying so first
    ("3 scanner reports wait in the inbox: cervix-watch inbox")."""
    from cervix_watch.app.inbox import waiting, waiting_line

    count = waiting(state.store())
    if say_it and (line := waiting_line(count)):
        output.one_line(line)
    return count


# `due`: the root adds this typer's one command as a command of its own
due_app = Commands()


@due_app.command(
    "due",
    short_help="The recall list: scans due and overdue.",
    epilog=examples("cervix-watch due --within 7", "cervix-watch due --format csv"),
)
def due(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    within: Annotated[
        int | None,
        typer.Option(
            "--within",
            metavar="DAYS",
            min=0,
            help="Days ahead to include (default: the profile's look-ahead).",
        ),
    ] = None,
    profile: ProfileOption = None,
    format_: ListFormatOption = ListFormat.TABLE,
) -> None:
    """The recall list: scans overdue or due within the look-ahead, soonest first."""
    state = context.state(ctx)
    on = context.review_date("as_of", as_of, state.today) or state.today
    chosen = clinic.resolve_profile(state, profile)
    from cervix_watch.rules.identity import identity_json, profile_label

    result, _ = clinic.clinic_review(state, on, chosen)
    horizon = chosen.look_ahead_days if within is None else within
    rows = _due_rows(result.patients, on, horizon)
    by = profile_label(chosen)
    title = f"Scans due by {format_date_plus(on, horizon)} (as of {on}, {by}): {len(rows)}"
    envelope = {
        "as_of": on.isoformat(),
        **identity_json(chosen.name, chosen.sha256),
        "within_days": horizon,
    }
    output.listing(
        Format(format_), _DUE_COLUMNS, rows, title=title, envelope=envelope, items="patients"
    )
    if format_ is ListFormat.TABLE:
        _inbox_waiting(state, say_it=True)  # after the list: a report there may be one due


def _due_rows(patients: Iterable[PatientReview], on: date, horizon: int) -> list[list[Any]]:
    """A row per patient whose next scan is overdue or due within `horizon` days, soonest
    first (`rules.review.recall_status` decides, as for the worklist)."""
    from cervix_watch.rules.review import recall_status

    rows = []
    for p in sorted(patients, key=lambda p: (p.next_scan_due or date.max, p.mrn)):
        status = recall_status(p, on, horizon)
        if status is None or p.next_scan_due is None:
            continue
        rows.append(
            [
                p.mrn,
                p.name,
                p.ga,
                p.ga_days,
                p.risk.value,
                p.next_scan_due.isoformat(),
                status,
                (p.next_scan_due - on).days,
                p.latest_cl_mm,
            ]
        )
    return rows


def format_date_plus(on: date, days: int) -> str:
    """`on` + `days` as ISO text; past the calendar's end (`--as-of 9999-12-31`) 9999-12-31."""
    try:
        return date.fromordinal(on.toordinal() + days).isoformat()
    except (ValueError, OverflowError):
        return date.max.isoformat()


@rules_app.command(
    "profiles",
    epilog=examples("cervix-watch rules profiles"),
)
def profiles(ctx: typer.Context) -> None:
    """List the built-in guideline profiles."""
    from cervix_watch.rules import DEFAULT_PROFILE, builtin_profile_names, load_profile

    rows = [
        [name, load_profile(name).title, "yes" if name == DEFAULT_PROFILE else ""]
        for name in builtin_profile_names()
    ]
    output.table("Built-in profiles", ["Name", "Title", "Built-in default"], rows)


@rules_app.command(
    "show",
    short_help="Every rule of a profile, with its citation.",
    epilog=examples("cervix-watch rules show nice-ng25"),
)
def show(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="Profile name or .toml file (default: this database's default)."
        ),
    ] = None,
) -> None:
    """Every rule of a profile with its action, priority, condition and citation; without a
    name, this database's default profile, first saying which it is and its sha256."""
    from cervix_watch.rules import load_profile

    state = context.state(ctx)
    if name:
        profile = load_profile(name)  # a named profile needs no database
    else:
        output.line(f"Default profile: {_default_line(state)}")
        profile = clinic.resolve_profile(state, None)
    from cervix_watch.console.render import print_profile

    print_profile(profile)


@rules_app.command(
    "export",
    short_help="Write a built-in profile's TOML, to copy and edit.",
    epilog=examples("cervix-watch rules export nice-ng25 --out our-unit.toml"),
)
def export(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in profile name (acog-smfm, nice-ng25).")
    ],
    out: OutOption = None,
) -> None:
    """Write a built-in profile's TOML, to copy, edit and use with --profile or rules default."""
    from cervix_watch.rules import builtin_profile_text

    text = builtin_profile_text(name)
    if out is None:
        output.write(text)
        return
    output.write_file(out, text)
    output.note(
        f"Profile {name} written to {shown(out)}; edit it, then: cervix-watch rules check "
        f"{shown(out)}"
    )


@rules_app.command(
    "check",
    short_help="Validate a profile file; every problem listed.",
    epilog=examples("cervix-watch rules check our-unit.toml"),
)
def check(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A profile .toml file to validate.")],
) -> None:
    """Validate a profile file; every problem is reported with its place in the file."""
    from cervix_watch.rules import check_profile_file

    problems = check_profile_file(file)
    if problems:
        raise InputError(problems)
    output.success(f"{shown(file)}: profile is valid.")


@rules_app.command(
    "default",
    short_help="Show or set the database's default profile.",
    epilog=examples("cervix-watch rules default our-unit.toml"),
)
def default(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="Profile to make this database's default; omit to show it."
        ),
    ] = None,
    operator: OperatorOption = None,
) -> None:
    """Show or set the database's default guideline profile (--profile still overrides it)."""
    state = context.state(ctx)
    if name is None:
        output.line(_default_line(state))
        return
    import hashlib

    from cervix_watch.rules import profile_toml

    data, profile = profile_toml(name)  # refuses a profile that does not load
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # profile_toml has parsed it, so this cannot happen
        raise InputError(Problem("profile", "is not UTF-8 text")) from None
    from cervix_watch.app.clinic import PROFILE_SETTING, PROFILE_SHA_SETTING, PROFILE_TOML_SETTING

    sha = hashlib.sha256(data).hexdigest()
    values = {PROFILE_SETTING: profile.name, PROFILE_TOML_SETTING: text, PROFILE_SHA_SETTING: sha}
    audited = [PROFILE_SETTING, PROFILE_SHA_SETTING]
    state.store().set_settings(values, context.who(operator), audited)
    output.success(
        f"Default profile for this database: {profile.name} (sha256 {sha}), stored by content "
        f"from {name}."
    )


def _default_line(state: context.State) -> str:
    """`acog-smfm (built-in, not set)` or `unit-2026 (sha256 ab12...; stored in the database)`."""
    from cervix_watch.app.clinic import stored_default
    from cervix_watch.rules import DEFAULT_PROFILE

    default = stored_default(state.store())
    if default is None:
        return f"{DEFAULT_PROFILE} (built-in default; none stored in this database)"
    if default.sha256 is None:
        return f"{default.name} (stored by name only; run 'rules default' again to store it)"
    profile = clinic.resolve_profile(state, None)  # says so if the stored text is broken
    return f"{profile.name} (sha256 {default.sha256}; stored in this database)"


__all__ = ["due", "review", "rules_app"]
