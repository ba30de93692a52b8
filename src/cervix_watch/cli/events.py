"""`treatment` and `discuss`: the events that change what the review says (`exam`: cli.exam)."""

from __future__ import annotations

from typing import Annotated

import typer

from cervix_watch.console import completion, context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.discussed import ACTION_NAMES, check_discussion
from cervix_watch.console.options import (
    TODAY,
    DateOption,
    MrnArg,
    NoteOption,
    OldReasonNoteOption,
    OperatorOption,
    PromptOption,
    interactive,
    note_given,
)
from cervix_watch.domain.enums import Action, ProgesteroneKind, TreatmentType
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.words import treatment_words

treatment_app = Commands(
    name="treatment", help="Record cerclage, progesterone and pessary, and their end."
)

_ACTIONS_HINT = f"; the points are: {ACTION_NAMES}"


@treatment_app.command(
    "add",
    epilog=examples(
        "cervix-watch treatment add H123456 cerclage --kind ultrasound --date 2026-10-15",
        "cervix-watch treatment add H123456 progesterone --date 2026-10-15",
    ),
)
def treatment_add(
    ctx: typer.Context,
    mrn: MrnArg,
    type_: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="cerclage, progesterone or pessary.",
            autocompletion=completion.treatment_types,
        ),
    ],
    date_: DateOption = TODAY,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Cerclage: history, ultrasound or exam (the indication), or transabdominal "
            "(stays in place; no removal prompt). Progesterone: the formulation, vaginal, "
            "im-17ohpc (17-OHPC injections) or oral; asked for at a terminal.",
            autocompletion=completion.treatment_kinds,
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", metavar="DATE", help="End date, if already ended.")
    ] = None,
    note: NoteOption = None,
    operator: OperatorOption = None,
    prompt: PromptOption = None,
) -> None:
    """Record a treatment; its id is printed for `treatment end`.

    --date is the day it started; --end the day it ended, if it already has. A progesterone
    course without --kind is recorded as "formulation not recorded" (at a terminal, the
    formulation is asked for first).
    """
    from cervix_watch.domain.models import Treatment
    from cervix_watch.domain.problems import build

    state = context.state(ctx)
    if kind is None and _is_progesterone(type_) and interactive(prompt):
        kind = _ask_formulation()
    treatment = build(
        Treatment,
        {
            "mrn": mrn,
            "type": type_,
            "kind": kind,
            "start": context.parse_date("date", date_, state.today),
            "end": context.parse_date("end", end, state.today),
            "notes": note,
        },
    )
    who = context.who(operator)
    treatment_id = state.store().add_treatment(treatment, who, today=state.today).id
    what = treatment_words(treatment.type.value, treatment.kind.value if treatment.kind else None)
    output.success(
        f"Treatment {treatment_id} recorded for {treatment.mrn}: {what} from {treatment.start}."
    )


def _is_progesterone(type_: str) -> bool:
    try:
        return TreatmentType(type_) is TreatmentType.PROGESTERONE
    except ValueError:
        return False  # the model says what is wrong with the type


def _ask_formulation() -> str:
    """The progesterone formulation, checked as typed; blank = not recorded."""
    from cervix_watch.console.entry import ask

    words = "/".join(k.value for k in ProgesteroneKind)

    def check(text: str) -> str:
        try:
            return ProgesteroneKind(text).value if text else ""
        except ValueError:
            raise InputError(Problem("kind", f"{text!r} is not one of {words}")) from None

    return ask(f"Formulation ({words}), blank if not recorded", check)


@treatment_app.command(
    "end",
    short_help="Record a treatment's end: cerclage removed, course stopped.",
    epilog=examples("cervix-watch treatment end 3 --date 2027-02-20 --note 'removed at 36+0'"),
)
def treatment_end(
    ctx: typer.Context,
    treatment_id: Annotated[
        int,
        typer.Argument(
            metavar="TREATMENT_ID",
            help="Treatment id printed by `treatment add`.",
            callback=context.record_id,
        ),
    ],
    date_: DateOption,
    note: NoteOption = None,
    old_reason: OldReasonNoteOption = None,
    operator: OperatorOption = None,
) -> None:
    """Record the end of a treatment (cerclage removed, progesterone stopped).

    --date is the day it ended; --note is kept in the audit trail.
    """
    text = note_given(note, old_reason, "--reason")
    state = context.state(ctx)
    end = context.parse_date("date", date_, state.today)
    assert end is not None
    who = context.who(operator)
    treatment = state.store().end_treatment(treatment_id, end, who, text, today=state.today)
    output.success(
        f"Treatment {treatment_id} ({treatment.mrn}, {treatment.type.value}) ended {end}."
    )


# `discuss`: the root adds this typer's one command as a command of its own
discuss_app = Commands()


@discuss_app.command(
    "discuss",
    short_help="Record that a discussion point was discussed.",
    epilog=examples(
        "cervix-watch discuss H123456 cerclage-discussion --outcome accepted",
        "cervix-watch discuss H123456 progesterone-discussion --date 2026-10-14 --outcome declined",
        "cervix-watch discuss H123456 cerclage-removal-due --outcome deferred",
    ),
)
def discuss(
    ctx: typer.Context,
    mrn: MrnArg,
    action: Annotated[
        str,
        typer.Argument(
            metavar="ACTION",
            help="The flag discussed, e.g. cerclage-discussion, progesterone-discussion, "
            "history-cerclage-discussion, refer-ptb-clinic, cerclage-removal-due (any case).",
            autocompletion=completion.actions,
        ),
    ],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            metavar="OUTCOME",
            help="accepted, declined or deferred.",
            autocompletion=completion.discussion_outcomes,
        ),
    ],
    date_: DateOption = TODAY,
    note: NoteOption = None,
    operator: OperatorOption = None,
) -> None:
    """Record that a discussion point was discussed with the patient, and the outcome.

    ACTION is one of: cerclage-discussion, history-cerclage-discussion,
    rescue-cerclage-review, progesterone-discussion, surveillance-increase, scan-due,
    scan-overdue, refer-ptb-clinic, cerclage-removal-due, progesterone-stop-due,
    measurement-quality, funneling-noted, sludge-noted, short-cervix-noted,
    acute-review, symptoms-noted, dating-check, smoking-cessation.

    The same decision (point, date and outcome) is not recorded twice; a point the
    patient does not have on that date is recorded with a notice.
    """
    from cervix_watch.domain.models import Discussion
    from cervix_watch.domain.problems import build

    state = context.state(ctx)
    action = action.strip()
    try:
        Action(action)  # any spelling of case, as every choice (contract.md v3)
    except ValueError:
        from cervix_watch.domain.identifiers import close_matches, did_you_mean

        hint = did_you_mean(close_matches(action, [a.value for a in Action], most=1))
        raise InputError(
            Problem("action", f"{action!r} is not a discussion point{hint or _ACTIONS_HINT}")
        ) from None
    discussion = build(
        Discussion,
        {
            "mrn": mrn,
            "action": action,
            "date": context.parse_date("date", date_, state.today),
            "outcome": outcome,
            "notes": note,
        },
    )
    check_discussion(state, discussion)
    state.store().add_discussion(discussion, context.who(operator), today=state.today)
    output.success(
        f"Recorded for {discussion.mrn}: {Action(discussion.action).value} "
        f"{discussion.outcome.value} on {discussion.date}."
    )
