"""`audit`: the quarterly preterm-clinic measures (audit.md) for a date range."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cervix_watch.console import clinic, context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import ReportOptions, report_options, shares
from cervix_watch.console.output import Format
from cervix_watch.domain.errors import InputError, Problem

if TYPE_CHECKING:
    from datetime import date


# `audit`: the root adds this typer's one command as a command of its own
audit_app = Commands()


@audit_app.command(
    "audit",
    short_help="The quarterly clinic audit.",
    epilog=examples(
        "cervix-watch audit --from 2026-07-01 --to 2026-09-30",
        "cervix-watch audit --from 2026-07-01 --to 2026-09-30 --format html --out q3.html",
    ),
)
@shares(report_options)
def audit(
    ctx: typer.Context,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="First day of the period, YYYY-MM-DD (included; default: the last full quarter).",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="DATE",
            help="Last day of the period, YYYY-MM-DD (included): the as-of date "
            "(default: the last full quarter).",
        ),
    ] = None,
    *,
    given: ReportOptions,
) -> None:
    """The clinic audit: screening by 24+0, short cervix discussed, treatments, outcomes.

    Without --from and --to it covers the last full calendar quarter before today.
    """
    state = context.state(ctx)
    period_from, period_to = _period(from_, to, state.today)
    chosen = clinic.resolve_profile(state, given.profile)
    from cervix_watch.app.audit import period_audit
    from cervix_watch.console import progress

    result = period_audit(state.store(), period_from, period_to, chosen, progress.tracked)
    from cervix_watch.console.render import emit_report
    from cervix_watch.report.audit_text import audit_table

    emit_report(
        given.format, given.out, lambda: audit_table(result), lambda: _text(result, given.format)
    )


def _period(from_: str | None, to: str | None, today: date) -> tuple[date, date]:
    """The period asked for, or the last full quarter before `today` when neither is given."""
    if from_ is None and to is None:
        from cervix_watch.audit import last_full_quarter

        return last_full_quarter(today)
    if from_ is None or to is None:
        missing = "from" if from_ is None else "to"
        raise InputError(
            Problem(missing, "give --from and --to together, or neither for the last full quarter")
        )
    period_from = context.review_date("from", from_, today)
    period_to = context.review_date("to", to, today)
    assert period_from is not None
    assert period_to is not None
    if period_from > period_to:
        raise InputError(Problem("from", f"{period_from} is after --to {period_to}"))
    return period_from, period_to


def _text(result: object, format_: Format) -> str:
    from cervix_watch.audit import ClinicAudit

    assert isinstance(result, ClinicAudit)
    if format_ is Format.JSON:
        return output.json_text(result.to_json_dict())
    if format_ is Format.MD:
        from cervix_watch.report.audit_text import audit_markdown

        return audit_markdown(result)
    if format_ is Format.CSV:
        from cervix_watch.report.audit_text import audit_csv

        return audit_csv(result)
    from cervix_watch.report.audit_html import audit_html

    return audit_html(result)
