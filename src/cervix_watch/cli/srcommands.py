"""`import sr`, `listen` and `export fhir`: the ultrasound machine in, the hospital record out.

These need the `interop` extra (pydicom, pynetdicom, fhir.resources); without it
they say in one line how to install it. The packages are imported only inside
the commands, so the rest of the CLI (and `scan add`'s start-up) never loads them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cervix_watch.console import clinic, context, output, progress
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.extras import require_interop
from cervix_watch.console.options import DryRunOption, OperatorOption, OutOption
from cervix_watch.console.output import Format
from cervix_watch.domain.enums import Route
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown
from cervix_watch.domain.words import counted

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from cervix_watch.app.receive import Received
    from cervix_watch.app.srimport import Outcome, SrImporter
    from cervix_watch.interop.dicom_sr import SrError


# `import sr`: the root gives this typer's one command to the `import` group (`JOINED`)
import_sr_app = Commands()


@import_sr_app.command(
    "sr",
    short_help="Import the scanner's DICOM SR files: all or none.",
    epilog=examples(
        "cervix-watch import sr /media/usb/SR --dry-run",
        "cervix-watch import sr report.dcm --route tv --operator AB",
    ),
)
def import_sr(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="SR files, or folders of them (searched recursively).",
            show_default=False,
            metavar="FILE_OR_DIR",
        ),
    ],
    route: Annotated[
        Route | None,
        typer.Option(
            "--route",
            metavar="tv|ta|tp",
            help="tv, ta or tp, for reports that record no beam path (never assumed); a route "
            "that contradicts the report's beam path refuses the file.",
        ),
    ] = None,
    scanner: Annotated[
        str | None,
        typer.Option(
            "--scanner",
            help='Read the files with this machine\'s settings (its [scanners."NAME"] table '
            "of the config file: MRN, character set, serial, codes, route).",
            metavar="NAME",
            show_default=False,
        ),
    ] = None,
    operator: OperatorOption = None,
    dry_run: DryRunOption = False,
    hold: Annotated[
        bool,
        typer.Option(
            "--hold",
            help="Send what cannot be filed to the inbox (cervix-watch inbox) instead of "
            "failing the run; reports that are not about the cervix are ignored.",
        ),
    ] = False,
) -> None:
    """Import the ultrasound machine's OB-GYN structured reports (DICOM SR): all or none.

    The SR's PatientID must be a registered MRN; a report imported before (same SOP
    Instance UID) is "already present", one re-sent with other content is refused. Each
    problem is listed as FILE: field: problem. --dry-run lists what would be written and
    every unmapped measurement under Pelvis and Uterus. --hold files what it can and holds
    the rest in the inbox.
    """
    require_interop("pydicom")
    from cervix_watch.app.srimport import SrImporter
    from cervix_watch.console.srreport import report
    from cervix_watch.interop.sr_files import sr_files

    state = context.state(ctx)
    machine = state.settings.scanner(scanner) if scanner is not None else None
    files, unreadable = sr_files(paths)
    if not files:
        raise InputError(unreadable)
    state.pooled = True  # a transaction or two per file: connect once
    who = context.who(operator)
    codes = state.settings.sr_codes.value
    importer = SrImporter(
        state.store(),
        state.today,
        who,
        route,
        operator or who,
        codes,
        ultrasound_edd_tolerance_days=state.settings.ultrasound_edd_tolerance_days.value,
        scanner=machine,
    )
    charset = machine.charset if machine is not None else None
    if hold:
        if dry_run:
            raise InputError(Problem("hold", "--hold writes to the inbox: not with --dry-run"))
        _import_holding(state, importer, files, unreadable, charset)
        return
    readings = ((shown(path), _read(path, charset)) for path in files)
    with progress.bar("Importing SRs", len(files)) as advance:
        plans, problems = importer.plan_all(progress.each(readings, advance))
        if unreadable or problems:
            raise InputError(unreadable + problems)
        profile = clinic.resolve_profile(state, None)  # loaded and checked before any write
        outcome = importer.commit(plans, dry_run)
    report(state, outcome, dry_run, profile)
    added, present = counted(len(outcome.added), "scan"), len(outcome.present)
    route_used = _route_used(importer, outcome, len(files))
    if dry_run:
        output.success(
            f"Dry run: {added} would be added from {counted(len(files), 'file')}, {present} "
            f"already present{route_used}; nothing was written."
        )
    else:
        output.success(
            f"Imported {added} from {counted(len(files), 'file')} ({present} already "
            f"present{route_used})."
        )


def _route_used(importer: SrImporter, outcome: Outcome, reports: int) -> str:
    """For the run's summary: how many reports the given route stood in for (their beam
    path missing), and where it came from: "; route tv from --route for 3 of 5 reports"."""
    if importer.route is None:
        return ""
    origin = "--route"
    if importer.route_note is not None and importer.scanner is not None:
        origin = f"scanner settings {importer.scanner.ae_title}"
    used = f"{outcome.route_given} of {counted(reports, 'report')}"
    return f"; route {importer.route.value} from {origin} for {used}"


def _import_holding(
    state: context.State,
    importer: SrImporter,
    files: list[Path],
    unreadable: list[Problem],
    charset: str | None,
) -> None:
    """`import sr --hold`: every file read first (one that cannot be read, or kept, fails
    the run with nothing written); then each is filed, held in the inbox (calling AE "file
    import") or ignored, in its own transaction (`app.intake`)."""
    from collections import Counter

    from cervix_watch.app.intake import FILE_IMPORT, Intake
    from cervix_watch.app.srimport import Outcome
    from cervix_watch.console.srreport import report, report_taken
    from cervix_watch.interop.dicom_sr import SrError

    problems = list(unreadable)
    readings: list[tuple[str, Path, Dataset]] = []
    for path in files:
        read = _read(path, charset)
        if isinstance(read, SrError):
            problems.append(Problem(read.problem.field, read.problem.message, shown(path)))
        else:
            readings.append((shown(path), path, read))
    intake = Intake(importer, state.settings.receipt_days.value)
    problems += intake.unkeepable([(name, dataset) for name, _, dataset in readings])
    if problems:
        raise InputError(problems)
    profile = clinic.resolve_profile(state, None)  # loaded and checked before any write
    store = state.store()
    taken = []
    with progress.bar("Importing SRs", len(readings)) as advance:
        for name, path, dataset in readings:
            data = path.read_bytes()
            taken.append(intake.take(name, dataset, data, FILE_IMPORT, store.clock.now()))
            advance(1)
    for one in taken:
        if one.result is not None:
            report(state, one.result, False, profile)
        else:
            report_taken(one)
    counts = Counter(one.outcome for one in taken)
    filed = Outcome()
    for one in taken:
        if one.result is not None:
            filed.added += one.result.added
            filed.present += one.result.present
    route_used = _route_used(importer, filed, len(files))
    output.success(
        f"Imported {counted(counts['filed'], 'scan')} from {counted(len(files), 'file')} "
        f"({counts['present']} already present, {counts['held']} held in the inbox, "
        f"{counts['ignored']} ignored{route_used})."
    )


def _read(path: Path, charset: str | None) -> Dataset | SrError:
    from cervix_watch.interop.dicom_sr import SrError, read_file

    try:
        return read_file(path, charset)
    except SrError as refused:
        return refused


# `listen`: the root adds this typer's one command as a command of its own
listen_app = Commands()


@listen_app.command(
    "listen",
    short_help="Receive the scanner's SRs over DICOM.",
    epilog=examples(
        "cervix-watch listen --allow-ae US_ROOM1",
        "cervix-watch listen --host 0.0.0.0 --port 11112 --ae-title CERVIXWATCH",
    ),
)
def listen(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help="Address to listen on (another than loopback exposes it).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", min=1, max=65535, help="TCP port.")
    ] = 11112,
    ae_title: Annotated[
        str,
        typer.Option(
            "--ae-title",
            metavar="AE",
            help="This receiver's AE title, as the scanner names it; an association called "
            "any other title is rejected.",
        ),
    ] = "CERVIXWATCH",
    allow_ae: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-ae",
            metavar="AE",
            help="Accept associations only from this calling AE title (repeatable); the "
            "config file's [scanners] titles are accepted too, each from its hosts only.",
            show_default=False,
        ),
    ] = None,
    max_dataset_mib: Annotated[
        int,
        typer.Option(
            "--max-dataset-mib",
            metavar="N",
            min=1,
            max=1024,
            help="Largest report accepted, in MiB: a larger one is refused (0xC000) or its "
            "association aborted while it arrives.",
        ),
    ] = 8,
    max_associations: Annotated[
        int,
        typer.Option(
            "--max-associations",
            metavar="N",
            min=1,
            max=64,
            help="Associations open at once, at most.",
        ),
    ] = 4,
    max_per_address: Annotated[
        int,
        typer.Option(
            "--max-per-address",
            metavar="N",
            min=1,
            max=64,
            help="Associations open at once from one address, at most.",
        ),
    ] = 2,
) -> None:
    """Receive the ultrasound machine's SRs over DICOM (C-STORE) until Ctrl-C or SIGTERM.

    Each SR goes through the same checks as `import sr`, in its own transaction; a refused
    one gets a DICOM failure status and one line on stderr. C-ECHO is answered, and the
    Modality Worklist (C-FIND) of the scanners listed with `worklist = true` in the
    config file, from their hosts. What a peer may make it hold is bounded by the --max-*
    options below.
    """
    if not host.strip():
        # An empty address binds every interface (an unset variable in a unit file): never
        # by accident. 0.0.0.0 says it on purpose.
        raise typer.BadParameter(
            "is empty; give an address (0.0.0.0 to listen on every one)", param_hint="--host"
        )
    require_interop("pydicom", "pynetdicom")
    from cervix_watch.interop.receiver import MIB, Limits
    from cervix_watch.server.listener import Listener, check_ae_title

    check_ae_title("ae_title", ae_title)
    for allowed in allow_ae or []:
        check_ae_title("allow_ae", allowed)
    state = context.state(ctx)
    state.pooled = True
    who = context.who(None)
    limits = Limits(
        max_dataset_bytes=max_dataset_mib * MIB,
        max_associations=max_associations,
        max_per_address=min(max_per_address, max_associations),
    )
    settings = state.settings
    scanners = settings.scanners
    # --allow-ae and the [scanners] tables both name who may call (any AE when neither does)
    callers = list(dict.fromkeys([*(a.strip() for a in allow_ae or []), *scanners]))
    store = state.store()  # opened (and migrated) before any SR
    printed = _Printed(state)
    # The receiver runs for days: the clock is read again for each SR, as the day it arrives.
    clock = date.today
    codes = settings.sr_codes.value
    listener = Listener(
        store,
        clock,
        printed,
        who,
        codes,
        ae_title,
        callers,
        limits,
        scanners=scanners,
        worklist_days=settings.worklist_days.value,
        ultrasound_edd_tolerance_days=settings.ultrasound_edd_tolerance_days.value,
        worklist_accession=settings.worklist_accession.value,
        receipt_days=settings.receipt_days.value,
    )
    listener.serve(host, port)


class _Printed:
    """The listener's lines, printed as `import sr` prints them (`server.listener.Sink`)."""

    def __init__(self, state: context.State) -> None:
        self.state = state

    def note(self, message: str) -> None:
        output.note(message)

    def error(self, message: str) -> None:
        output.error(message)

    def received(self, received: Received) -> None:
        from cervix_watch.console.srreport import report, report_taken

        for line in received.errors:
            output.error(line)
        if received.taken is not None and received.taken.outcome in ("held", "ignored"):
            report_taken(received.taken)
        if received.outcome is not None and received.profile is not None:
            report(self.state, received.outcome, dry_run=False, profile=received.profile)


NdjsonOption = Annotated[
    Path | None,
    typer.Option(
        "--ndjson",
        help="Write FHIR Bulk Data instead: Patient.ndjson, Observation.ndjson (one resource "
        "a line) and manifest.json into this new or empty folder, streamed from the database.",
        metavar="DIR",
        show_default=False,
    ),
]


# `export fhir`: the root gives this typer's one command to the `export` group (`JOINED`)
export_fhir_app = Commands()


@export_fhir_app.command(
    "fhir",
    short_help="A FHIR R4B Bundle of patients and observations.",
    epilog=examples(
        "cervix-watch export fhir --out bundle.json", "cervix-watch export fhir H123456 H123457"
    ),
)
def export_fhir(
    ctx: typer.Context,
    mrns: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="MRNS", help="Only these patients (default: every patient).", show_default=False
        ),
    ] = None,
    out: OutOption = None,
    ndjson: NdjsonOption = None,
) -> None:
    """A FHIR R4B Bundle (collection): each Patient and a cervical-length Observation per
    current scan (LOINC 11961-0, mm), validated against FHIR R4B before it is written.

    For a whole clinic, --ndjson writes the same resources as FHIR Bulk Data files.
    """
    require_interop("fhir.resources")
    if ndjson is not None:
        if out is not None:
            raise InputError(Problem("ndjson", "give --ndjson DIR or --out FILE, not both"))
        from cervix_watch.console.fhirbulk import export_ndjson

        state = context.state(ctx)
        export_ndjson(state.store(), ndjson, mrns, state.settings.fhir_mrn_system.value)
        return
    from cervix_watch.interop.fhir import ExportedScan, bundle, to_json

    state = context.state(ctx)
    store = state.store()
    files = [f for mrn in mrns for f in store.patient_files(mrn)] if mrns else store.patient_files()
    files = list({f.patient.mrn: f for f in files}.values())  # `H1 H1`: her once, in order
    amended = store.amended_scan_ids()
    patients = (
        (f.patient, [ExportedScan(s, s.scan_id in amended) for s in f.scans]) for f in files
    )
    with progress.bar("Exporting FHIR", len(files)) as advance:
        content = bundle(
            progress.each(patients, advance),
            mrn_system=state.settings.fhir_mrn_system.value,
            timestamp=datetime.now(UTC).replace(microsecond=0),
        )
        text = to_json(content)  # the whole Bundle checked again: the bar stays till then
    output.emit(text, Format.JSON, out)
    if out is None:
        return
    observations = sum(len(f.scans) for f in files)
    from cervix_watch.domain.words import counted

    output.note(
        f"Wrote a FHIR Bundle of {counted(len(files), 'patient')}, "
        f"{counted(observations, 'observation')} to "
        f"{shown(out)}."
    )
