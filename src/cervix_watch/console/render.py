"""Rendering a review, a profile and a patient: gather the data, call `report/`, write it out.

The renderers in `cervix_watch.report` return text or rich renderables; this
module decides where they go (the stdout console of `console/output.py`, or a
file created 0600). Every format is drawn from the one `Review` the engine
returned and the histories it was computed from: no rule runs twice.

`--format html` needs `--out FILE`: an HTML page on a terminal helps nobody,
and a redirect would create the file with the shell's permissions, not 0600.
What is written, and how it is made safe, is `output`'s business (`output.emit`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cervix_watch.console import clinic, context, output
from cervix_watch.console.output import Format

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import RenderableType

    from cervix_watch.rules import PatientHistory, Profile, Review


def render_review(
    review: Review,
    histories: dict[str, PatientHistory],
    profile: Profile,
    fmt: Format,
    out: Path | None,
) -> None:
    """Print or write the review in one of the formats table, md, csv, json, html."""

    def table() -> RenderableType:
        # imported only for the table: rich's table machinery is a tenth of a JSON review
        from cervix_watch.report.table import review_table

        return review_table(review, profile, escape=output.safe_text)

    emit_report(fmt, out, table, lambda: review_text(review, histories, profile, fmt))


def emit_report(
    fmt: Format,
    out: Path | None,
    table: Callable[[], RenderableType],
    text: Callable[[], str],
) -> None:
    """A report (review, audit) as a rich table on the terminal (plain text in `out`), or
    its md/csv/json/html text, through the output layer."""
    if fmt is Format.TABLE:
        if out is None:
            output.show(table())
        else:
            output.write_shown(out, table())
        return
    assert out is not None or fmt is not Format.HTML, "the command asks for --out first"
    from cervix_watch.bulk import collector_paused

    # a document of the whole clinic: made without a full collection's walk over the
    # records just read (0.85 s of a 50,000-patient review's JSON)
    with collector_paused():
        document = text()
    output.emit(document, fmt, out)


def review_text(
    review: Review, histories: dict[str, PatientHistory], profile: Profile, fmt: Format
) -> str:
    """The review as md, csv, json or html text."""
    if fmt is Format.MD:
        from cervix_watch.report.markdown import review_markdown

        return review_markdown(review, profile)
    if fmt is Format.CSV:
        from cervix_watch.report.csvout import review_csv

        return review_csv(review)
    if fmt is Format.HTML:
        from cervix_watch.report.html import review_html

        return review_html(review, histories, profile)
    # escaped once, by `emit` (json_text escapes too: the same pass twice over 14 MB)
    return output.json_document(review.to_json_dict())


def print_profile(profile: Profile) -> None:
    """`rules show`: every rule with its condition in words, risk categories and schedules."""
    from cervix_watch.report.profile import profile_view

    output.out.print(profile_view(profile))


def show_patient(
    state: context.State, mrn: str, on: date, profile_option: str | None, as_json: bool = False
) -> None:
    """`patient show`: records from the store, flags from the engine, laid out by report/."""
    from cervix_watch.report.chart import chart_data
    from cervix_watch.report.patient import PatientView, patient_view
    from cervix_watch.rules import risk_reasons
    from cervix_watch.rules.risk import risk_by_history

    store = state.store()
    profile = clinic.resolve_profile(state, profile_option)
    review, histories = clinic.clinic_review(state, on, profile, mrn=mrn)
    (history,) = histories.values()
    patient = history.patient
    current = review.patients[0] if review.patients else None
    # an inactive patient is not reviewed: show her category by history alone
    category = current.risk if current is not None else risk_by_history(profile, patient)
    risk = category.value.upper()
    if current is None:
        risk += " (by history; not reviewed)"
    view = PatientView(
        patient=patient,
        closure=history.closure,
        as_of=on,
        profile=profile.name,
        profile_sha256=profile.sha256,
        review=current,
        risk=risk,
        risk_category=category.value,
        risk_reasons=tuple(risk_reasons(profile, patient)),
        scans=history.scans,
        voided=tuple(store.voided_scans(patient.mrn)),
        exams=history.exams,
        treatments=history.treatments,
        discussions=history.discussions,
        audit=tuple(store.audit_trail(patient.mrn)),
        chart=chart_data(history, profile, on),
    )
    if as_json:
        from cervix_watch.report.patient_json import patient_json

        output.print_json(patient_json(view))
        return
    output.show(patient_view(view))
