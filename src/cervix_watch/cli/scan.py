"""`scan` commands: log a cervical-length scan in seconds, list, amend and void scans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cervix_watch.console import clinic, completion, context, listvoid, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import (
    ListFormat,
    ListFormatOption,
    NoteOption,
    OperatorOption,
    OptionalDateOption,
    OptionalMrnArg,
    PromptOption,
    ReasonOption,
    SonographerOption,
    interactive,
    shares,
    yes_no,
)
from cervix_watch.console.output import Column, Format
from cervix_watch.console.symptoms import SymptomOption, symptom_names
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.ga import format_ga, ga_days

if TYPE_CHECKING:
    from cervix_watch.domain.models import Scan

app = Commands(name="scan", help="Log and correct cervical-length scans.")

# Numbers arrive as text and are parsed by the domain model, so `--cl 22,5` gets the same
# one-line "cl_mm: ..." message and exit 1 as a bad CSV cell, not a usage error.
ClOption = Annotated[
    list[str] | None,
    typer.Option(
        "--cl",
        metavar="MM",
        help="A cervical-length measurement in mm, at most one decimal; repeat up to three "
        "times (--cl 24.5 --cl 25 --cl 26.1). The shortest is the recorded CL.",
        show_default=False,
    ),
]
AmendClOption = Annotated[
    list[str] | None,
    typer.Option(
        "--cl",
        metavar="MM",
        help="The scan's new set of measurements in mm, repeated up to three times: it "
        "REPLACES the whole set (give every measurement to keep, not only the changed one).",
        show_default=False,
    ),
]
Route = Annotated[
    str | None,
    typer.Option(
        "--route",
        metavar="tv|ta|tp",
        help="tv (transvaginal, default), ta (transabdominal), tp (transperineal).",
        autocompletion=completion.routes,
    ),
]
Funneling = Annotated[bool | None, yes_no("funneling", "Funneling of the internal os seen.")]
FunnelLength = Annotated[
    str | None, typer.Option("--funnel-length", metavar="MM", help="Funnel length, mm.")
]
FunnelWidth = Annotated[
    str | None, typer.Option("--funnel-width", metavar="MM", help="Funnel width, mm.")
]
FunnelShape = Annotated[
    str | None,
    typer.Option("--funnel-shape", metavar="T|Y|V|U", help="Funnel shape: T, Y, V or U."),
]
Sludge = Annotated[bool | None, yes_no("sludge", "Amniotic-fluid sludge seen.")]
ScanIdArg = Annotated[
    int,
    typer.Argument(
        metavar="SCAN_ID",
        help="The scan id printed when the scan was saved.",
        callback=context.record_id,
    ),
]


def _scan_details(
    route: Route = None,
    funneling: Funneling = None,
    funnel_length: FunnelLength = None,
    funnel_width: FunnelWidth = None,
    funnel_shape: FunnelShape = None,
    sludge: Sludge = None,
    symptom: SymptomOption = None,
    note: NoteOption = None,
) -> dict[str, Any]:
    """What `scan add` and `scan amend` both take besides the date and the measurements:
    the values given (None means not given), by Scan field."""
    values: dict[str, Any] = {
        "route": route,
        "funnel_length_mm": funnel_length,
        "funnel_width_mm": funnel_width,
        "funnel_shape": funnel_shape,
        "sludge": sludge,
        "symptoms": symptom_names(symptom),
        "notes": note,
    }
    detail = funnel_length is not None or funnel_width is not None or funnel_shape is not None
    # Funnel measurements imply funneling unless the user explicitly said --no-funneling.
    values["funneling"] = funneling if funneling is not None else (True if detail else None)
    return {k: v for k, v in values.items() if v is not None}


def _scan_values(
    state: context.State, date_: str | None, cl: list[str] | None, given: dict[str, Any]
) -> dict[str, Any]:
    """The scan values the options give: the date (parsed), the measurements, the rest."""
    values = dict(given)
    if cl:
        values["cl_mm"] = tuple(cl)
    if date_ is not None:
        values["date"] = context.parse_date("date", date_, state.today)
    return values


@app.command(
    "add",
    short_help="Log a scan; prints GA, recorded CL and any flags.",
    epilog=examples(
        "cervix-watch scan add H123456 --date 2026-10-13 --cl 21.0 --cl 21.5 --cl 22.0",
        "cervix-watch scan add H123456     # at a terminal: prompts for each value",
    ),
)
@shares(_scan_details)
def add(
    ctx: typer.Context,
    mrn: OptionalMrnArg = None,
    date_: OptionalDateOption = None,
    cl: ClOption = None,
    *,
    given: dict[str, Any],
    operator: SonographerOption = None,
    prompt: PromptOption = None,
) -> None:
    """Log a scan; prints the GA, the recorded (shortest) CL, the scan id and any flags raised.

    At a terminal, whatever is missing is asked for, each answer checked as it is typed:
    the MRN first, then the patient is confirmed, then date, measurements, findings,
    operator and note, and a summary before saving. Ctrl-C writes nothing (exit 130).
    """
    state = context.state(ctx)
    values = _scan_values(state, date_, cl, given)
    missing = [n for n, v in (("MRN", mrn), ("--date", date_), ("--cl", cl)) if not v]
    if missing and not interactive(prompt):
        raise typer.BadParameter(
            "missing (no terminal to prompt on; pass it as an option)",
            param_hint=" and ".join(missing),
        )
    profile = clinic.resolve_profile(state, None)  # loaded and checked before any write
    if missing:
        from cervix_watch.console.entry import interactive_scan

        scan, who = interactive_scan(state, mrn, values, operator, profile)
    else:
        scan, who = _scan_from_options(str(mrn), values, operator)
    from cervix_watch.app import records
    from cervix_watch.console.views import report_new_scan, same_day_notice

    stored, saved = records.add_scan(state.store(), scan, who, state.today, profile)
    same_day_notice("scan", scan.mrn, scan.date, saved.same_day)
    report_new_scan(stored, saved)


def _scan_from_options(mrn: str, values: dict[str, Any], operator: str | None) -> tuple[Any, str]:
    """The scan of a fully flag-driven `scan add`, and the person its audit row names."""
    from cervix_watch.domain.models import Scan
    from cervix_watch.domain.problems import build

    who = context.who(operator)
    values.update(mrn=mrn, operator=operator or who)
    return build(Scan, values), who


# `scan list`: the machine-readable column names (JSON keys, CSV header) and the table's headers
_LIST_COLUMNS = (
    Column("scan_id", "Id"),
    Column("mrn", "MRN"),
    Column("date", "Date"),
    Column("ga", "GA"),
    Column("ga_days", "GA days", in_table=False),
    Column("route", "Rt"),
    Column("cl_mm", "CL mm"),
    Column("recorded_cl_mm", "CL"),
    Column("funneling", "Fun"),
    Column("sludge", "Sl"),
    Column("operator", "By", wrap=True),
    Column("voided", "Void"),
)


@app.command(
    "list",
    epilog=examples("cervix-watch scan list H123456", "cervix-watch scan list --format csv"),
)
def list_(
    ctx: typer.Context,
    mrn: OptionalMrnArg = None,
    voided: Annotated[bool, typer.Option("--voided", help="Include voided scans.")] = False,
    format_: ListFormatOption = ListFormat.TABLE,
) -> None:
    """List scans with GA and recorded CL, by patient and date.

    Give an MRN for one patient's scans only.
    """
    from cervix_watch.console import progress

    state = context.state(ctx)
    records = []
    # a clinic's every scan takes seconds to read: a terminal sees a bar meanwhile
    with progress.bar("Reading scans", None) as advance:
        edds = listvoid.due_dates(state)
        for s, is_void in progress.each(state.store().scans(mrn, voided), advance):
            days = ga_days(edds[s.mrn], s.date)
            records.append(
                [
                    s.scan_id,
                    s.mrn,
                    s.date.isoformat(),
                    format_ga(days),
                    days,
                    s.route.value,
                    list(s.cl_mm),
                    s.recorded_cl_mm,
                    s.funneling,
                    s.sludge,
                    s.operator,
                    is_void,
                ]
            )
    listvoid.listing(state, "scan", mrn, voided, Format(format_), _LIST_COLUMNS, records)


@app.command(
    "amend",
    epilog=examples("cervix-watch scan amend 12 --cl 20.5 --cl 21.0 --reason 'caliper slip'"),
)
@shares(_scan_details)
def amend(
    ctx: typer.Context,
    scan_id: ScanIdArg,
    reason: ReasonOption,
    date_: OptionalDateOption = None,
    cl: AmendClOption = None,
    *,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Correct a scan; old values stay in the audit trail.

    --cl replaces the whole set of measurements: give every measurement the scan should
    keep (--cl 21.0 --cl 20.5 --cl 22.0), not only the one that changes; --symptom
    likewise replaces all its symptoms (give --symptom '' for none).
    """
    context.require("reason", reason)
    state = context.state(ctx)
    changes = _scan_values(state, date_, cl, given)
    if not changes:
        raise InputError(Problem("scan", "give at least one field to change"))
    from cervix_watch.app.records import amend_scan
    from cervix_watch.report.patient import change_words

    who = context.who(operator)
    amended = amend_scan(state.store(), scan_id, changes, reason.strip(), who, state.today)
    old, scan = amended.before, amended.after
    output.success(f"Amended scan {scan_id} ({scan.mrn}): {change_words(amended.changed)}.")
    if "cl_mm" in amended.changed:
        output.line(_replaced_words(len(old.cl_mm), len(scan.cl_mm), old, scan))


def _replaced_words(before: int, after: int, old: Scan, new: Scan) -> str:
    """`3 measurements replaced by 1; recorded CL 22.1 -> 22.4 mm`, and what to do when
    fewer were kept than there were (the guide's own example once dropped two)."""
    from cervix_watch.domain.words import counted

    words = (
        f"{counted(before, 'measurement')} replaced by {after}; recorded CL "
        f"{old.recorded_cl_mm:.1f} -> {new.recorded_cl_mm:.1f} mm."
    )
    if after < before:
        words += " To keep the others, give --cl once for each measurement the scan should keep."
    return words


@app.command(
    "void",
    epilog=examples("cervix-watch scan void 12 --reason 'entered on the wrong patient'"),
)
def void(
    ctx: typer.Context,
    scan_id: ScanIdArg,
    reason: ReasonOption,
    operator: OperatorOption = None,
) -> None:
    """Void a scan entered in error. It stays in the record, marked void, and no rule counts it."""
    listvoid.void(context.state(ctx), "scan", scan_id, reason, operator)
