"""`patient` commands: register, edit, close, list and show a pregnancy."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cervix_watch.cli import context, output
from cervix_watch.cli.options import (
    AsOfOption,
    DateOption,
    ListFormatOption,
    MrnArg,
    NoteOption,
    OldNotesOption,
    OldReasonNoteOption,
    OperatorOption,
    ProfileOption,
    ReasonOption,
    ShowFormatOption,
    note_given,
    shares,
)
from cervix_watch.cli.output import Column, Format
from cervix_watch.domain.enums import Risk
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.ga import format_ga

app = typer.Typer(help="Register and look up patients (pregnancies under surveillance).")

Edd = Annotated[str | None, typer.Option("--edd", help="Estimated due date, YYYY-MM-DD.")]
Lmp = Annotated[
    str | None, typer.Option("--lmp", help="Last menstrual period, YYYY-MM-DD (EDD = LMP + 280 d).")
]
Name = Annotated[str | None, typer.Option("--name", help="Patient name.")]
Fetuses = Annotated[str | None, typer.Option("--fetuses", help="Number of fetuses, 1-6.")]
PriorSptb = Annotated[
    str | None,
    typer.Option(
        "--prior-sptb-weeks",
        help="GA of the earliest previous spontaneous preterm birth or mid-trimester loss "
        "(16+0 to 36+6), e.g. 26+3.",
    ),
]
PriorSptbCount = Annotated[
    str | None,
    typer.Option("--prior-sptb-count", help="Number of previous sPTBs and mid-trimester losses."),
]
PriorPprom = Annotated[
    str | None, typer.Option("--prior-pprom-weeks", help="GA of the earliest previous PPROM.")
]
PainlessLoss = Annotated[
    str | None,
    typer.Option(
        "--painless-loss-count",
        help="Previous second-trimester losses from painless cervical dilation.",
    ),
]
PriorCerclage = Annotated[
    str | None,
    typer.Option(
        "--prior-cerclage", help="Cerclage in an earlier pregnancy: no, history, ultrasound, exam."
    ),
]
Excision = Annotated[
    str | None,
    typer.Option(
        "--cervical-excision",
        help="none, lletz, lletz_deep (>10 mm), lletz_multiple, cone, trachelectomy.",
    ),
]
UterineAnomaly = Annotated[
    bool | None,
    typer.Option("--uterine-anomaly/--no-uterine-anomaly", help="A uterine (Müllerian) anomaly."),
]
Adhesions = Annotated[
    bool | None,
    typer.Option(
        "--intrauterine-adhesions/--no-intrauterine-adhesions",
        help="Intrauterine adhesions (Asherman syndrome).",
    ),
]
FullDilatation = Annotated[
    bool | None,
    typer.Option(
        "--caesarean-full-dilatation/--no-caesarean-full-dilatation",
        help="A previous caesarean section at full dilatation.",
    ),
]
Dating = Annotated[
    str | None,
    typer.Option(
        "--dating",
        help="How the EDD was set: ultrasound, ivf or lmp (the LMP alone); '' = not recorded.",
    ),
]
# The other risk factors (clinical-rules.md): recorded and shown; no risk category uses them.
DesExposure = Annotated[
    bool | None,
    typer.Option("--des-exposure/--no-des-exposure", help="Exposed to DES in utero."),
]
ConnectiveTissue = Annotated[
    bool | None,
    typer.Option(
        "--connective-tissue-disorder/--no-connective-tissue-disorder",
        help="A collagen disorder such as Ehlers-Danlos syndrome.",
    ),
]
DilationProcedures = Annotated[
    str | None,
    typer.Option(
        "--cervical-dilation-procedures",
        metavar="N",
        help="Previous surgical dilations of the cervix (D&C, surgical termination): a count.",
    ),
]
CervicalTear = Annotated[
    bool | None,
    typer.Option("--cervical-tear/--no-cervical-tear", help="A cervical tear in a prior labour."),
]
Smoker = Annotated[bool | None, typer.Option("--smoker/--no-smoker", help="Smokes in pregnancy.")]


def _history_options(
    edd: Edd = None,
    lmp: Lmp = None,
    name: Name = None,
    fetuses: Fetuses = None,
    prior_sptb_weeks: PriorSptb = None,
    prior_sptb_count: PriorSptbCount = None,
    prior_pprom_weeks: PriorPprom = None,
    painless_loss_count: PainlessLoss = None,
    prior_cerclage: PriorCerclage = None,
    cervical_excision: Excision = None,
    uterine_anomaly: UterineAnomaly = None,
    intrauterine_adhesions: Adhesions = None,
    caesarean_full_dilatation: FullDilatation = None,
    dating: Dating = None,
    des_exposure: DesExposure = None,
    connective_tissue_disorder: ConnectiveTissue = None,
    cervical_dilation_procedures: DilationProcedures = None,
    cervical_tear: CervicalTear = None,
    smoker: Smoker = None,
    note: NoteOption = None,
    notes: OldNotesOption = None,
) -> dict[str, Any]:
    """The pregnancy's details `patient add` and `patient edit` take: those the user gave
    (None means not given), by Patient field; every option but the note is named as its
    field, and the note (--note, or the published --notes) is the field `notes`."""
    given = {
        field: value
        for field, value in locals().items()
        if value is not None and field not in ("note", "notes")
    }
    text = note_given(note, notes, "--notes")
    return given if text is None else {**given, "notes": text}


@app.command("add")
@shares(_history_options)
def add(
    ctx: typer.Context,
    mrn: MrnArg,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Register a pregnancy: MRN plus --edd or --lmp, and the obstetric history."""
    from cervix_watch.domain.models import Patient
    from cervix_watch.domain.plausibility import current_edd_problem
    from cervix_watch.domain.problems import build

    patient = build(Patient, {"mrn": mrn, **given})
    state = context.state(ctx)
    if problem := current_edd_problem(patient.edd, state.today, "edd" if "edd" in given else "lmp"):
        raise InputError(problem)
    state.store().add_patient(patient, context.who(operator))
    ga = format_ga(patient.ga_on(state.today))
    output.success(f"Registered {patient.mrn}: EDD {patient.edd}, GA today {ga}.")


@app.command("edit")
@shares(_history_options)
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
    _, moved = state.store().edit_patient(
        mrn, given, reason.strip(), context.who(operator), today=state.today
    )
    output.success(f"Updated {mrn.strip()}: {', '.join(sorted(given))}.")
    for scan in moved:
        output.line(
            f"  scan {scan.scan_id} on {scan.date}: GA {format_ga(scan.old_ga_days)} -> "
            f"{format_ga(scan.new_ga_days)}"
        )


@app.command("close")
def close(
    ctx: typer.Context,
    mrn: MrnArg,
    date_: DateOption,
    outcome: Annotated[
        str, typer.Option("--outcome", help="delivered, loss, transferred or other.")
    ],
    ga: Annotated[
        str | None, typer.Option("--ga", help="GA at delivery or loss, e.g. 38+2.")
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
    state.store().close_patient(mrn, closure, who, text, today=state.today)
    output.success(f"Closed {mrn.strip()}: {closure.outcome.value} on {closure.date}.")


ActiveOption = Annotated[
    bool, typer.Option("--active/--all", help="Only active pregnancies, or every patient.")
]
RiskOption = Annotated[
    Risk | None, typer.Option("--risk", help="Only this risk category.", case_sensitive=False)
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


@app.command("list")
def list_(
    ctx: typer.Context,
    active: ActiveOption = True,
    risk: RiskOption = None,
    profile: ProfileOption = None,
    format_: ListFormatOption = Format.TABLE,
) -> None:
    """List patients with GA today, risk, scan count and latest CL."""
    from cervix_watch.cli.views import patient_rows

    state = context.state(ctx)
    today = state.today
    records = patient_rows(state, today, active, risk.value if risk else None, profile)
    title = f"Patients ({'active' if active else 'all'}), GA as of {today}"
    envelope = {"as_of": today.isoformat()}
    output.listing(
        format_, _LIST_COLUMNS, records, title=title, envelope=envelope, items="patients"
    )


@app.command("show")
def show(
    ctx: typer.Context,
    mrn: MrnArg,
    profile: ProfileOption = None,
    as_of: AsOfOption = None,
    format_: ShowFormatOption = Format.TABLE,
) -> None:
    """One patient: history, risk, every scan with GA, flags, next scan due, audit trail."""
    from cervix_watch.cli.render import show_patient

    output.accept(format_, (Format.TABLE, Format.JSON))
    state = context.state(ctx)
    on = context.review_date("as_of", as_of, state.today) or state.today
    show_patient(state, mrn, on, profile, as_json=format_ is Format.JSON)
