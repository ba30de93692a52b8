"""`--symptom NAME` (repeatable) for `scan add`, `scan amend` and `exam add`, and its prompt.

The names and their classes are the domain's (`domain.symptoms`); the option only
gathers them. An unknown name is refused by the domain model with one line naming
it (exit 1), like a bad CSV cell.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cervix_watch.console import completion
from cervix_watch.domain.symptoms import URGENT_SYMPTOMS, WATCH_SYMPTOMS, Symptom, parse_symptoms


def _names(group: frozenset[Symptom]) -> str:
    return ", ".join(s.value for s in Symptom if s in group)


SYMPTOM_HELP = (
    f"A symptom the patient reports; repeat for several. Urgent: {_names(URGENT_SYMPTOMS)}. "
    f"Watch: {_names(WATCH_SYMPTOMS)}."
)
SymptomOption = Annotated[
    list[str] | None,
    typer.Option(
        "--symptom",
        metavar="NAME",
        help=SYMPTOM_HELP,
        show_default=False,
        autocompletion=completion.symptoms,
    ),
]


def symptom_names(given: list[str] | None) -> list[str] | None:
    """The names as given (None when the option was not used); `--symptom ''` means none."""
    if given is None:
        return None
    return [name for name in given if name.strip()]


def ask_symptoms() -> list[str]:
    """Ask for symptoms, checked as typed: an unknown name is said and asked again."""
    question = (
        f"Symptoms, separated by ';' (urgent: {_names(URGENT_SYMPTOMS)}; "
        f"watch: {_names(WATCH_SYMPTOMS)}); blank for none"
    )
    while True:
        answer = str(typer.prompt(question, default="", show_default=False))
        try:
            return [s.value for s in parse_symptoms(answer)]
        except ValueError as error:
            typer.echo(f"symptoms: {error}", err=True)
