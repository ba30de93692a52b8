"""`audit`: the quarterly preterm-clinic measures (audit.md) for a date range."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cervix_watch.cli import clinic, context, output
from cervix_watch.cli.render import plain_text, write_file
from cervix_watch.cli.review import ProfileOption
from cervix_watch.domain.errors import InputError, Problem


class AuditFormat(StrEnum):
    TABLE = "table"
    MD = "md"
    HTML = "html"
    CSV = "csv"
    JSON = "json"


def audit(
    ctx: typer.Context,
    from_: Annotated[
        str, typer.Option("--from", help="First day of the period, YYYY-MM-DD (included).")
    ],
    to: Annotated[
        str,
        typer.Option("--to", help="Last day of the period, YYYY-MM-DD (included): the as-of date."),
    ],
    profile: ProfileOption = None,
    format_: Annotated[
        AuditFormat,
        typer.Option("--format", "-f", help="table (terminal), md, html, csv or json."),
    ] = AuditFormat.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (created 0600).")
    ] = None,
) -> None:
    """The clinic audit: screening by 24+0, short cervix discussed, treatments, outcomes."""
    if format_ is AuditFormat.HTML and out is None:
        raise typer.BadParameter("--format html writes a file: give --out FILE", param_hint="--out")
    state = context.state(ctx)
    period_from = context.review_date("from", from_, state.today)
    period_to = context.review_date("to", to, state.today)
    assert period_from is not None
    assert period_to is not None
    if period_from > period_to:
        raise InputError(Problem("from", f"{period_from} is after --to {period_to}"))
    chosen = clinic.resolve_profile(state, profile)
    from cervix_watch.audit import clinic_audit, edd_range
    from cervix_watch.store.auditread import audit_records

    # spec: open_points come from the review engine as of `to`
    review, _ = clinic.clinic_review(state, period_to, chosen)
    records = audit_records(state.store(), *edd_range(period_from, period_to), as_of=period_to)
    result = clinic_audit(records, chosen, period_from, period_to, review)
    if format_ is AuditFormat.TABLE:
        from cervix_watch.report.audit_text import audit_table

        if out is None:
            output.out.print(audit_table(result))
        else:
            write_file(out, plain_text(audit_table(result)))
        return
    text = _text(result, format_)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_file(out, text)


def _text(result: object, format_: AuditFormat) -> str:
    from cervix_watch.audit import ClinicAudit

    assert isinstance(result, ClinicAudit)
    if format_ is AuditFormat.JSON:
        return json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n"
    if format_ is AuditFormat.MD:
        from cervix_watch.report.audit_text import audit_markdown

        return audit_markdown(result)
    if format_ is AuditFormat.CSV:
        from cervix_watch.report.audit_text import audit_csv

        return audit_csv(result)
    from cervix_watch.report.audit_html import audit_html

    return audit_html(result)
