"""`patient` commands: register, edit, close, list and show a pregnancy."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cervix_watch.app import patients
from cervix_watch.console import clinic, completion, context, output
from cervix_watch.console.commands import Commands, choices, examples
from cervix_watch.console.options import (
    AsOfOption,
    DateOption,
    ListFormat,
    ListFormatOption,
    MrnArg,
    NoteOption,
    OldNotesOption,
    OldReasonNoteOption,
    OperatorOption,
    ProfileOption,
    ReasonOption,
    ShowFormat,
    ShowFormatOption,
    field_options,
    note_given,
    shares,
)
from cervix_watch.console.output import Column, Format
from cervix_watch.domain.enums import Dating, Risk
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.patient_options import PATIENT_OPTIONS

app = Commands(
    name="patient", help="Register and look up patients (pregnancies under surveillance)."
)

# The pregnancy's details `patient add` and `patient edit` take, in --help order: each is
# the Patient field of its name (--prior-sptb-weeks sets prior_sptb_weeks), None when not
# given, its help from its Fact on the model (through domain/patient_options.py, so that
# `cervix-watch --help` needs no pydantic); a yes/no field is a --x/--no-x pair. Numbers
# and GAs arrive as text, so a bad one gets the model's one-line message.
_HISTORY_HELP = {name: help_ for name, (help_, _) in PATIENT_OPTIONS.items()}
_HISTORY_YES_NO = frozenset(name for name, (_, yes_no) in PATIENT_OPTIONS.items() if yes_no)
# The placeholder of each option that takes a value (`--fetuses N`); a yes/no pair has none.
_HISTORY_METAVARS = {
    "name": "TEXT",
    "edd": "DATE",
    "lmp": "DATE",
    "fetuses": "N",
    "prior_sptb_weeks": "W+D",
    "prior_sptb_count": "N",
    "prior_pprom_weeks": "W+D",
    "painless_loss_count": "N",
    "prior_cerclage": "TEXT",
    "cervical_excision": "TEXT",
    "dating": choices(Dating),
    "cervical_dilation_procedures": "N",
}
_HISTORY_FIELDS = field_options(_HISTORY_HELP, _HISTORY_YES_NO, _HISTORY_METAVARS)


def _history_options(
    note: NoteOption = None, notes: OldNotesOption = None, **fields: str | bool | None
) -> dict[str, Any]:
    """The history fields the user gave, by Patient field, and the note (--note, or the
    published --notes) as the field `notes`."""
    given = {field: value for field, value in fields.items() if value is not None}
    text = note_given(note, notes, "--notes")
    return given if text is None else {**given, "notes": text}


@app.command(
    "add",
    short_help="Register a pregnancy: MRN and --edd or --lmp.",
    epilog=examples(
        "cervix-watch patient add H123456 --edd 2027-03-14 --name 'Ann Example'",
        "cervix-watch patient add H123457 --lmp 2026-06-07 --prior-sptb-weeks 26+3",
    ),
)
@shares(_history_options, fields=_HISTORY_FIELDS)
def add(
    ctx: typer.Context,
    mrn: MrnArg,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Register a pregnancy: MRN plus --edd or --lmp, and the obstetric history."""
    from cervix_watch.domain.models import Patient
    from cervix_watch.domain.problems import build

    patient = build(Patient, {"mrn": mrn, **given})
    state = context.state(ctx)
    dated_by = "edd" if "edd" in given else "lmp"
    patients.register(state.store(), patient, context.who(operator), state.today, dated_by)
    ga = format_ga(patient.ga_on(state.today))
    output.success(f"Registered {patient.mrn}: EDD {patient.edd}, GA today {ga}.")


@app.command(
    "edit",
    short_help="Correct a patient's details, with --reason.",
    epilog=examples("cervix-watch patient edit H123456 --edd 2027-03-10 --reason 'dating scan'"),
)
@shares(_history_options, fields=_HISTORY_FIELDS)
def edit(
    ctx: typer.Context,
    mrn: MrnArg,
    reason: ReasonOption,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Correct a patient's details; the old values and --reason go to the audit trail.

    Give an empty value (e.g. --prior-sptb-weeks "") to clear an optional field.
    """
    context.require("reason", reason)
    if not given:
        raise InputError(Problem("patient", "give at least one field to change"))
    state = context.state(ctx)
    who = context.who(operator)
    moved = patients.amend_patient(state.store(), mrn, given, reason.strip(), who, state.today)
    output.success(f"Updated {mrn.strip()}: {', '.join(sorted(given))}.")
    for scan in moved:
        output.line(
            f"  scan {scan.scan_id} on {scan.date}: GA {format_ga(scan.old_ga_days)} -> "
            f"{format_ga(scan.new_ga_days)}"
        )


@app.command(
    "close",
    short_help="End surveillance: delivered, loss, transferred.",
    epilog=examples(
        "cervix-watch patient close H123456 --date 2027-03-12 --outcome delivered --ga 39+5"
    ),
)
def close(
    ctx: typer.Context,
    mrn: MrnArg,
    date_: DateOption,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            metavar="OUTCOME",
            help="delivered, loss, transferred or other.",
            autocompletion=completion.close_outcomes,
        ),
    ],
    ga: Annotated[
        str | None,
        typer.Option(
            "--ga",
            metavar="W+D",
            help="GA at delivery or loss, e.g. 38+2: must be the GA that --date and the EDD "
            "give (recorded from them when left out).",
        ),
    ] = None,
    note: NoteOption = None,
    old_reason: OldReasonNoteOption = None,
    operator: OperatorOption = None,
) -> None:
    """End surveillance for a pregnancy (delivered, loss, transferred): it leaves the review.

    --date is the day of delivery, loss or transfer; --note is kept in the audit trail.
    """
    from cervix_watch.domain.models import Closure
    from cervix_watch.domain.problems import build

    text = note_given(note, old_reason, "--reason")
    state = context.state(ctx)
    closure = build(
        Closure,
        {"date": context.parse_date("date", date_, state.today), "outcome": outcome, "ga_days": ga},
    )
    who = context.who(operator)
    stored = patients.close_patient(state.store(), mrn, closure, who, text, state.today)
    at = "" if stored.ga_days is None else f" at {format_ga(stored.ga_days)}"
    output.success(f"Closed {mrn.strip()}: {stored.outcome.value} on {stored.date}{at}.")


ActiveOption = Annotated[
    bool, typer.Option("--active/--all", help="Only active pregnancies, or every patient.")
]
RiskOption = Annotated[
    Risk | None,
    typer.Option(
        "--risk", metavar=choices(Risk), help="Only this risk category.", case_sensitive=False
    ),
]
# `patient list`: the machine-readable names (JSON keys, CSV header) and the table's headings
_LIST_COLUMNS = (
    Column("mrn", "MRN"),
    Column("name", "Name", wrap=True),
    Column("edd", "EDD"),
    Column("ga", "GA"),
    Column("ga_days", "GA days", in_table=False),
    Column("risk", "Risk"),
    Column("status", "Status"),
    Column("scans", "Scans"),
    Column("latest_cl_mm", "CL mm"),
)


@app.command(
    "list",
    epilog=examples("cervix-watch patient list", "cervix-watch patient list --all --format csv"),
)
def list_(
    ctx: typer.Context,
    active: ActiveOption = True,
    risk: RiskOption = None,
    profile: ProfileOption = None,
    format_: ListFormatOption = ListFormat.TABLE,
) -> None:
    """List patients with GA today, risk, scan count and latest CL."""
    from cervix_watch.console import progress
    from cervix_watch.domain.ga import format_ga

    state = context.state(ctx)
    today = state.today
    chosen = clinic.resolve_profile(state, profile)
    listed = patients.patient_list(
        state.store(),
        today,
        chosen,
        active=active,
        risk=risk.value if risk else None,
        track=progress.tracked,
    )
    records = [
        [
            row.patient.mrn,
            row.patient.name,
            row.patient.edd.isoformat(),
            format_ga(row.patient.ga_on(today)),
            row.patient.ga_on(today),
            row.risk,
            row.status,
            row.scans,
            row.latest_cl_mm,
        ]
        for row in listed
    ]
    title = f"Patients ({'active' if active else 'all'}), GA as of {today}"
    envelope = {"as_of": today.isoformat()}
    output.listing(
        Format(format_), _LIST_COLUMNS, records, title=title, envelope=envelope, items="patients"
    )


@app.command(
    "show",
    short_help="One patient: history, risk, scans, flags, next scan.",
    epilog=examples(
        "cervix-watch patient show H123456", "cervix-watch patient show H123456 -f json"
    ),
)
def show(
    ctx: typer.Context,
    mrn: MrnArg,
    profile: ProfileOption = None,
    as_of: AsOfOption = None,
    format_: ShowFormatOption = ShowFormat.TABLE,
) -> None:
    """One patient: history, risk, every scan with GA, flags, next scan due, audit trail."""
    from cervix_watch.console.render import show_patient

    state = context.state(ctx)
    on = context.review_date("as_of", as_of, state.today) or state.today
    show_patient(state, mrn, on, profile, as_json=format_ is ShowFormat.JSON)
