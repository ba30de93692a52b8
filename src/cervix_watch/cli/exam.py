"""`exam` commands: record a physical examination of the cervix, list, amend and void exams.

Modelled on `scan`: every exam has an id (printed by `exam add`, shown by `exam list`),
a mistake is corrected with `exam amend ... --reason` and an exam entered in error is
voided with `exam void --reason`: kept and marked, never deleted, and never counted
again (contract v3: ruptured membranes keyed in error must be correctable).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cervix_watch.console import clinic, context, listvoid, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import (
    TODAY,
    DateOption,
    ListFormat,
    ListFormatOption,
    MrnArg,
    NoteOption,
    OperatorOption,
    OptionalDateOption,
    OptionalMrnArg,
    ReasonOption,
    shares,
    yes_no,
)
from cervix_watch.console.output import Column, Format
from cervix_watch.console.symptoms import SymptomOption, symptom_names
from cervix_watch.domain.errors import InputError, Problem

app = Commands(name="exam", help="Record, list, amend and void examinations of the cervix.")

DilationOption = Annotated[
    str | None, typer.Option("--dilation-cm", metavar="CM", help="Cervical dilation in cm (0-10).")
]
ExamIdArg = Annotated[
    int,
    typer.Argument(
        metavar="EXAM_ID",
        help="The exam id printed when the exam was saved (see: exam list).",
        callback=context.record_id,
    ),
]
# The exam's yes/no findings: Exam field -> help. `--x` records it, `--no-x` (amend) clears it.
_FINDINGS = {
    "membranes_visible": "Fetal membranes visible at the os.",
    "membranes_ruptured": "Membranes ruptured (P-PROM confirmed).",
    "contractions": "Uterine contractions.",
    "bleeding": "Active vaginal bleeding.",
    "infection_signs": "Clinical signs of infection.",
}


def _exam_details(
    dilation_cm: DilationOption = None,
    membranes_visible: Annotated[
        bool | None, yes_no("membranes-visible", _FINDINGS["membranes_visible"])
    ] = None,
    membranes_ruptured: Annotated[
        bool | None, yes_no("membranes-ruptured", _FINDINGS["membranes_ruptured"])
    ] = None,
    contractions: Annotated[bool | None, yes_no("contractions", _FINDINGS["contractions"])] = None,
    bleeding: Annotated[bool | None, yes_no("bleeding", _FINDINGS["bleeding"])] = None,
    infection_signs: Annotated[
        bool | None, yes_no("infection-signs", _FINDINGS["infection_signs"])
    ] = None,
    symptom: SymptomOption = None,
    note: NoteOption = None,
) -> dict[str, Any]:
    """What `exam add` and `exam amend` both take besides the date: the values given (None
    means not given), by Exam field."""
    values: dict[str, Any] = {
        "dilation_cm": dilation_cm,
        "membranes_visible": membranes_visible,
        "membranes_ruptured": membranes_ruptured,
        "contractions": contractions,
        "bleeding": bleeding,
        "infection_signs": infection_signs,
        "symptoms": symptom_names(symptom),
        "notes": note,
    }
    return {k: v for k, v in values.items() if v is not None}


@app.command(
    "add",
    short_help="Record an exam; prints its id and any flags.",
    epilog=examples(
        "cervix-watch exam add H123456 --dilation-cm 1 --membranes-visible",
        "cervix-watch exam add H123456 --date 2026-10-13 --contractions",
    ),
)
@shares(_exam_details)
def add(
    ctx: typer.Context,
    mrn: MrnArg,
    date_: DateOption = TODAY,
    *,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Record a speculum or digital examination; prints its id and any flag it raises."""
    from cervix_watch.domain.models import Exam
    from cervix_watch.domain.problems import build

    state = context.state(ctx)
    on = context.parse_date("date", date_, state.today)
    exam = build(Exam, {**given, "mrn": mrn, "date": on})
    profile = clinic.resolve_profile(state, None)  # loaded and checked before any write
    from cervix_watch.app import records
    from cervix_watch.console.views import report_new_exam, same_day_notice

    saved = records.add_exam(state.store(), exam, context.who(operator), state.today, profile)
    same_day_notice("exam", exam.mrn, exam.date, saved.same_day)
    report_new_exam(exam, saved)


# `exam list`: the machine-readable column names (JSON keys, CSV header) and the table's headers
_LIST_COLUMNS = (
    Column("exam_id", "Id"),
    Column("mrn", "MRN"),
    Column("date", "Date"),
    Column("ga", "GA"),
    Column("ga_days", "GA days", in_table=False),
    Column("dilation_cm", "Dil cm"),
    *(Column(name, name, in_table=False) for name in _FINDINGS),
    Column("symptoms", "Symptoms", in_table=False),
    Column("findings", "Findings", wrap=True),
    Column("voided", "Void"),
)


@app.command(
    "list",
    epilog=examples(
        "cervix-watch exam list H123456", "cervix-watch exam list --voided --format csv"
    ),
)
def list_(
    ctx: typer.Context,
    mrn: OptionalMrnArg = None,
    voided: Annotated[bool, typer.Option("--voided", help="Include voided exams.")] = False,
    format_: ListFormatOption = ListFormat.TABLE,
) -> None:
    """List exams with their ids, GA and findings, by patient and date.

    Give an MRN for one patient's exams only.
    """
    from cervix_watch.domain.ga import format_ga, ga_days
    from cervix_watch.report.patient import exam_findings

    state = context.state(ctx)
    edds = listvoid.due_dates(state)
    records = []
    for e, is_void in state.store().exams(mrn, voided):
        days = ga_days(edds[e.mrn], e.date)
        findings = [getattr(e, name) for name in _FINDINGS]
        symptoms = [s.value for s in e.symptoms]
        row = [e.exam_id, e.mrn, e.date.isoformat(), format_ga(days), days, e.dilation_cm]
        records.append([*row, *findings, symptoms, exam_findings(e), is_void])
    listvoid.listing(state, "exam", mrn, voided, Format(format_), _LIST_COLUMNS, records)


@app.command(
    "amend",
    epilog=examples("cervix-watch exam amend 4 --no-membranes-ruptured --reason 'misread'"),
)
@shares(_exam_details)
def amend(
    ctx: typer.Context,
    exam_id: ExamIdArg,
    reason: ReasonOption,
    date_: OptionalDateOption = None,
    *,
    given: dict[str, Any],
    operator: OperatorOption = None,
) -> None:
    """Correct an exam; old values stay in the audit trail.

    Each finding given is set (--membranes-ruptured) or cleared (--no-membranes-ruptured);
    --symptom replaces all its symptoms (give --symptom '' for none).
    """
    context.require("reason", reason)
    state = context.state(ctx)
    changes = dict(given)
    if date_ is not None:
        changes["date"] = context.parse_date("date", date_, state.today)
    if not changes:
        raise InputError(Problem("exam", "give at least one field to change"))
    from cervix_watch.app.records import amend_exam
    from cervix_watch.report.patient import change_words

    who = context.who(operator)
    amended = amend_exam(state.store(), exam_id, changes, reason.strip(), who, state.today)
    exam = amended.after
    output.success(f"Amended exam {exam_id} ({exam.mrn}): {change_words(amended.changed)}.")


@app.command(
    "void",
    epilog=examples("cervix-watch exam void 4 --reason 'entered on the wrong patient'"),
)
def void(
    ctx: typer.Context,
    exam_id: ExamIdArg,
    reason: ReasonOption,
    operator: OperatorOption = None,
) -> None:
    """Void an exam entered in error. It stays in the record, marked void, and no rule counts it."""
    listvoid.void(context.state(ctx), "exam", exam_id, reason, operator)
