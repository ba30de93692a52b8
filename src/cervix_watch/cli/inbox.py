"""`inbox`: scanner reports held for a person (interop.md version 3, "Nothing received is lost").

`inbox` lists them (newest first; the PatientID masked unless it is a stored MRN),
`inbox show ID` shows one whole (audited), `inbox file ID [--mrn] [--route]` files it as
a scan through the same checks as `import sr`, `inbox reject ID --reason` closes it
(kept, never deleted). Parse, call `app.inbox`, render.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cervix_watch.console import context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import OperatorOption, ReasonOption, ShowFormat, ShowFormatOption
from cervix_watch.console.output import Column, Format
from cervix_watch.domain.enums import Route

if TYPE_CHECKING:
    from cervix_watch.app.inbox import Listed, Listing

app = Commands(
    name="inbox",
    short_help="Scanner reports held for a person: file or reject.",
    epilog=examples("cervix-watch inbox", "cervix-watch inbox --all --format json"),
    help="Scanner reports held for a person: list, show, file or reject them.",
    invoke_without_command=True,
)

InboxIdArg = Annotated[
    int,
    typer.Argument(
        metavar="ID", help="The inbox id `cervix-watch inbox` lists.", callback=context.record_id
    ),
]
_COLUMNS = [
    Column("inbox_id", "id"),
    Column("received", "received"),
    Column("calling_ae", "calling AE"),
    Column("study_date", "study date"),
    Column("patient", "patient id", wrap=True),
    Column("reason", "reason", wrap=True),
    Column("state", "state"),
    Column("versions", "versions"),
    Column("receipts", "received", in_table=False),
    Column("group", "group"),  # the table: only where held reports share their study
]


@app.callback()
def inbox(
    ctx: typer.Context,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also filed and rejected reports, and the codes ignored reports left unmapped.",
        ),
    ] = False,
    format_: ShowFormatOption = ShowFormat.TABLE,
) -> None:
    """List the scanner reports held for a person, newest first.

    A report that cannot be filed (no cervix length, no route, a PatientID that is no
    stored MRN, a name that differs, a re-send that differs) waits here: file it with
    `inbox file ID`, or reject it with `inbox reject ID --reason TEXT`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from cervix_watch.app import inbox as use

    state = context.state(ctx)
    found = use.listing(state.store(), all_)
    _render(found, Format(format_), all_)


def _render(found: Listing, fmt: Format, all_: bool) -> None:
    rows = [_row(listed, in_json=fmt is Format.JSON) for listed in found.rows]
    unmapped = [
        {"calling_ae": u.calling_ae, "code": u.code, "unit": u.unit, "reports": u.reports}
        for u in found.unmapped
    ]
    if fmt is Format.JSON:
        keys = [c.key for c in _COLUMNS]
        document: dict[str, Any] = {"inbox": [dict(zip(keys, r, strict=True)) for r in rows]}
        if all_:
            document["unmapped"] = unmapped
        output.print_json(document)
        return
    if not rows:
        output.one_line("No scanner report waits in the inbox.")
    else:
        # every row of the plain listing is held: its column gives way to the group's
        columns = [
            c if all_ or c.key != "state" else dataclasses.replace(c, in_table=False)
            for c in _COLUMNS
        ]
        output.listing(fmt, columns, rows, title="Inbox", envelope={}, items="inbox")
    for u in found.unmapped:
        output.one_line(
            f"{u.calling_ae} sent unmapped code {u.code} ({u.unit}) in {u.reports} "
            f"ignored report{'s' if u.reports != 1 else ''}"
        )


def _row(listed: Listed, in_json: bool) -> list[Any]:
    """The row; the table shows a study group only where reports share it (JSON: always)."""
    entry = listed.entry
    group = listed.group if in_json or listed.grouped else None
    versions = len(entry.versions)
    return [
        entry.inbox_id,
        entry.received_at.isoformat(sep=" ", timespec="minutes"),
        entry.calling_ae,
        entry.study_date.isoformat() if entry.study_date else None,
        listed.patient,
        entry.reason,
        entry.state,
        versions,
        entry.receipts,
        group,
    ]


@app.command(
    "show",
    short_help="One held report whole, its PatientID too (audited).",
    epilog=examples("cervix-watch inbox show 3"),
)
def show(ctx: typer.Context, inbox_id: InboxIdArg, operator: OperatorOption = None) -> None:
    """Show one held report whole, its PatientID included (the showing is audited)."""
    from cervix_watch.app import inbox as use

    state = context.state(ctx)
    shown = use.show(state.store(), inbox_id, context.who(operator))
    entry = shown.entry
    lines = [
        f"inbox report {entry.inbox_id}: {entry.state}",
        f"reason: {entry.reason}",
        f"received: {entry.received_at.isoformat(sep=' ')} from {entry.calling_ae} "
        f"({entry.receipts} time{'s' if entry.receipts != 1 else ''})"
        + (f", read with scanner settings {entry.scanner}" if entry.scanner else ""),
        f"SOP Instance UID: {entry.sop_instance_uid}",
        f"Study Instance UID: {entry.study_instance_uid or '(none)'}",
        f"study date: {entry.study_date.isoformat() if entry.study_date else '(none)'}",
        f"PatientID: {entry.patient_id}"
        + (" (a stored MRN)" if shown.is_mrn else " (no stored MRN)"),
    ]
    if shown.suggestions:
        lines.append(f"close MRNs: {', '.join(shown.suggestions)} (file with --mrn MRN)")
    for version in entry.versions:
        flag = " (a different version)" if version.number > 1 else ""
        lines.append(
            f"version {version.number}: {version.size:,} bytes, sha256 {version.sha256}, "
            f"received {version.received_at.isoformat(sep=' ')} from {version.calling_ae}{flag}"
        )
    if entry.state != "held":
        by = f" by {entry.resolved_by}" if entry.resolved_by else ""
        scan = f" as scan {entry.scan_id}" if entry.scan_id else ""
        why = f": {entry.resolution}" if entry.resolution else ""
        lines.append(f"{entry.state}{scan}{by}{why}")
    for line in lines:
        output.one_line(line)


@app.command(
    "file",
    short_help="File a held report as a scan (--mrn, --route).",
    epilog=examples(
        "cervix-watch inbox file 3 --route tv", "cervix-watch inbox file 4 --mrn H123456"
    ),
)
def file(
    ctx: typer.Context,
    inbox_id: InboxIdArg,
    mrn: Annotated[
        str | None,
        typer.Option(
            "--mrn",
            metavar="MRN",
            help="File it for this registered patient (the report's PatientID is then set "
            "aside: the choice is yours; the name on the report is still compared).",
            show_default=False,
        ),
    ] = None,
    route: Annotated[
        Route | None,
        typer.Option(
            "--route",
            metavar="tv|ta|tp",
            help="tv, ta or tp, for a report that records no beam path.",
        ),
    ] = None,
    name_differs_ok: Annotated[
        bool,
        typer.Option(
            "--name-differs-ok",
            help="File it although the name on the report differs from the record's (you "
            "checked it is hers); the scan's note and audit row say so.",
        ),
    ] = False,
    serial_differs_ok: Annotated[
        bool,
        typer.Option(
            "--serial-differs-ok",
            help="File it although it comes from another DeviceSerialNumber than its "
            "scanner's settings name (you checked it is that machine's); the scan's note and "
            "audit row say so.",
        ),
    ] = False,
    operator: OperatorOption = None,
) -> None:
    """File a held report as a scan, through the same checks as `import sr`.

    The stored report is read again with today's settings, the sending scanner's included
    (a code mapped since, or its route, applies).
    A report filed before is "already present"; the audit trail names the inbox id and you.
    """
    from cervix_watch import config
    from cervix_watch.app import inbox as use
    from cervix_watch.console.clinic import resolve_profile
    from cervix_watch.console.extras import require_interop
    from cervix_watch.console.srreport import report

    require_interop("pydicom")
    state = context.state(ctx)
    store = state.store()
    profile = resolve_profile(state, None)  # loaded and checked before anything is written
    filed = use.file_held(
        store,
        inbox_id,
        today=state.today,
        who=context.who(operator),
        mrn=mrn,
        route=route,
        codes=config.sr_codes(),
        scanners=state.settings.scanners,
        ultrasound_edd_tolerance_days=state.settings.ultrasound_edd_tolerance_days.value,
        name_differs_ok=name_differs_ok,
        serial_differs_ok=serial_differs_ok,
    )
    if filed.outcome is None:
        entry = filed.entry
        output.one_line(f"inbox report {entry.inbox_id}: already present (scan {entry.scan_id}).")
        return
    report(state, filed.outcome, dry_run=False, profile=profile)


@app.command(
    "reject",
    epilog=examples("cervix-watch inbox reject 5 --reason 'test image'"),
)
def reject(
    ctx: typer.Context,
    inbox_id: InboxIdArg,
    reason: ReasonOption,
    operator: OperatorOption = None,
) -> None:
    """Reject a held report (kept with the reason, never deleted)."""
    from cervix_watch.app import inbox as use

    state = context.state(ctx)
    store = state.store()
    entry = use.reject(store, inbox_id, reason, context.who(operator), store.clock.now())
    output.success(f"Inbox report {entry.inbox_id} rejected.")
