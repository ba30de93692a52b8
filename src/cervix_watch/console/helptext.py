"""Help that teaches: placeholders, one-line summaries and an example epilog for every command.

Declared here once and applied to the click tree as the root command hands out a
subcommand (`polish`), so a command module keeps only its own help sentence and
options. Only public attributes are set (`metavar`, `short_help`, `epilog`), and every
command is a `PlainCommand` (given as typer's `cls` when it is registered: `plain`).
`tests/cli/test_help.py` fails when a command lacks an example, an option lacks a
placeholder here, or a summary is cut off at 80 columns.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand

# Placeholders by option name. An option not listed: a choice shows its values
# (table|json|csv); any other would show typer's `<str>`, which tests/cli/test_help.py refuses.
METAVARS: dict[str, str] = {
    "--db": "PATH_OR_URL",
    "--date": "DATE",
    "--as-of": "DATE",
    "--from": "DATE",
    "--to": "DATE",
    "--edd": "DATE",
    "--lmp": "DATE",
    "--end": "DATE",
    "--cl": "MM",
    "--funnel-length": "MM",
    "--funnel-width": "MM",
    "--funnel-shape": "T|Y|V|U",
    "--route": "tv|ta|tp",
    "--dilation-cm": "CM",
    "--prior-sptb-weeks": "W+D",
    "--prior-pprom-weeks": "W+D",
    "--ga": "W+D",
    "--fetuses": "N",
    "--prior-sptb-count": "N",
    "--painless-loss-count": "N",
    "--cervical-dilation-procedures": "N",
    "--within": "DAYS",
    "--operator": "NAME",
    "--mrn": "MRN",
    "--name": "TEXT",
    "--note": "TEXT",
    "--notes": "TEXT",
    "--reason": "TEXT",
    "--profile": "PROFILE",
    "--out": "FILE",
    "--html": "FILE",
    "--data": "FOLDER",
    "--to-url": "URL",
    "--outcome": "OUTCOME",
    "--kind": "KIND",
    "--dating": "ultrasound|ivf|lmp",
    "--symptom": "NAME",
    "--host": "ADDRESS",
    "--port": "PORT",
    "--ae-title": "AE",
    "--allow-ae": "AE",
    "--max-dataset-mib": "N",
    "--max-associations": "N",
    "--max-per-address": "N",
    "--prior-cerclage": "TEXT",
    "--cervical-excision": "TEXT",
}

# The line each command shows in its group's list: short enough for 80 columns.
SUMMARIES: dict[str, str] = {
    "discuss": "Record that a discussion point was discussed.",
    "import": "Import CSV files or the scanner's SRs: all or none.",
    "export": "Export spreadsheet-safe CSV, or a FHIR Bundle.",
    "listen": "Receive the scanner's SRs over DICOM.",
    "inbox": "Scanner reports held for a person: file or reject.",
    "inbox show": "One held report whole, its PatientID too (audited).",
    "inbox file": "File a held report as a scan (--mrn, --route).",
    "review": "The weekly review of every active patient.",
    "due": "The recall list: scans due and overdue.",
    "audit": "The quarterly clinic audit.",
    "demo": "Load the demo clinic and show its review.",
    "db": "Look after the database: init, info, check, backup.",
    "patient add": "Register a pregnancy: MRN and --edd or --lmp.",
    "patient edit": "Correct a patient's details, with --reason.",
    "patient close": "End surveillance: delivered, loss, transferred.",
    "patient show": "One patient: history, risk, scans, flags, next scan.",
    "scan add": "Log a scan; prints GA, recorded CL and any flags.",
    "exam add": "Record an exam; prints its id and any flags.",
    "treatment end": "Record a treatment's end: cerclage removed, course stopped.",
    "rules show": "Every rule of a profile, with its citation.",
    "rules export": "Write a built-in profile's TOML, to copy and edit.",
    "rules check": "Validate a profile file; every problem listed.",
    "rules default": "Show or set the database's default profile.",
    "db init": "Create a new, empty cervix-watch database.",
    "db info": "The backend, location, schema version and counts.",
    "db check": "Check the database is sound (integrity, foreign keys).",
    "db backup": "A consistent copy of a SQLite database.",
    "db copy": "Copy the whole database into an empty one.",
    "db roles": "The SQL for the PostgreSQL roles (or apply it).",
    "import patients": "Import patients from a CSV file: all or none.",
    "import scans": "Import scans from a CSV file: all or none.",
    "import exams": "Import exams from a CSV file: all or none.",
    "import treatments": "Import treatments from a CSV file: all or none.",
    "import discussions": "Import discussions from a CSV file: all or none.",
    "import sr": "Import the scanner's DICOM SR files: all or none.",
    "export scans": "Every current scan as CSV (voided: --voided).",
    "export fhir": "A FHIR R4B Bundle of patients and observations.",
    "config show": "Each setting and where its value came from.",
    "docs": "The user guide, clinical rules, scanner and deployment docs.",
}

_EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("cervix-watch db init ~/clinic.sqlite3", "cervix-watch --db ~/clinic.sqlite3 review"),
    "patient add": (
        "cervix-watch patient add H123456 --edd 2027-03-14 --name 'Ann Example'",
        "cervix-watch patient add H123457 --lmp 2026-06-07 --prior-sptb-weeks 26+3",
    ),
    "patient list": ("cervix-watch patient list", "cervix-watch patient list --all --format csv"),
    "patient show": (
        "cervix-watch patient show H123456",
        "cervix-watch patient show H123456 -f json",
    ),
    "patient edit": ("cervix-watch patient edit H123456 --edd 2027-03-10 --reason 'dating scan'",),
    "patient close": (
        "cervix-watch patient close H123456 --date 2027-03-12 --outcome delivered --ga 39+5",
    ),
    "scan add": (
        "cervix-watch scan add H123456 --date 2026-10-13 --cl 21.0 --cl 21.5 --cl 22.0",
        "cervix-watch scan add H123456     # at a terminal: prompts for each value",
    ),
    "scan list": ("cervix-watch scan list H123456", "cervix-watch scan list --format csv"),
    "scan amend": ("cervix-watch scan amend 12 --cl 20.5 --cl 21.0 --reason 'caliper slip'",),
    "scan void": ("cervix-watch scan void 12 --reason 'entered on the wrong patient'",),
    "exam add": (
        "cervix-watch exam add H123456 --dilation-cm 1 --membranes-visible",
        "cervix-watch exam add H123456 --date 2026-10-13 --contractions",
    ),
    "exam list": ("cervix-watch exam list H123456", "cervix-watch exam list --voided --format csv"),
    "exam amend": ("cervix-watch exam amend 4 --no-membranes-ruptured --reason 'misread'",),
    "exam void": ("cervix-watch exam void 4 --reason 'entered on the wrong patient'",),
    "treatment add": (
        "cervix-watch treatment add H123456 cerclage --kind ultrasound --date 2026-10-15",
        "cervix-watch treatment add H123456 progesterone --date 2026-10-15",
    ),
    "treatment end": ("cervix-watch treatment end 3 --date 2027-02-20 --note 'removed at 36+0'",),
    "discuss": (
        "cervix-watch discuss H123456 cerclage-discussion --outcome accepted",
        "cervix-watch discuss H123456 progesterone-discussion --date 2026-10-14 --outcome declined",
        "cervix-watch discuss H123456 cerclage-removal-due --outcome deferred",
    ),
    "import patients": ("cervix-watch import patients patients.csv --dry-run",),
    "import scans": ("cervix-watch import scans scans.csv",),
    "import exams": ("cervix-watch import exams exams.csv",),
    "import treatments": ("cervix-watch import treatments treatments.csv",),
    "import discussions": ("cervix-watch import discussions discussions.csv",),
    "import sr": (
        "cervix-watch import sr /media/usb/SR --dry-run",
        "cervix-watch import sr report.dcm --route tv --operator AB",
    ),
    "export patients": ("cervix-watch export patients --deidentify --out research.csv",),
    "export scans": ("cervix-watch export scans --out scans.csv",),
    "export exams": ("cervix-watch export exams --out exams.csv",),
    "export treatments": ("cervix-watch export treatments --out treatments.csv",),
    "export discussions": ("cervix-watch export discussions --out discussions.csv",),
    "export fhir": (
        "cervix-watch export fhir --out bundle.json",
        "cervix-watch export fhir H123456 H123457",
    ),
    "listen": (
        "cervix-watch listen --allow-ae US_ROOM1",
        "cervix-watch listen --host 0.0.0.0 --port 11112 --ae-title CERVIXWATCH",
    ),
    "inbox": ("cervix-watch inbox", "cervix-watch inbox --all --format json"),
    "inbox show": ("cervix-watch inbox show 3",),
    "inbox file": (
        "cervix-watch inbox file 3 --route tv",
        "cervix-watch inbox file 4 --mrn H123456",
    ),
    "inbox reject": ("cervix-watch inbox reject 5 --reason 'test image'",),
    "review": (
        "cervix-watch review",
        "cervix-watch review --as-of 2026-11-23 --profile nice-ng25 --format md",
        "cervix-watch review --format html --out review.html",
    ),
    "due": ("cervix-watch due --within 7", "cervix-watch due --format csv"),
    "audit": (
        "cervix-watch audit --from 2026-07-01 --to 2026-09-30",
        "cervix-watch audit --from 2026-07-01 --to 2026-09-30 --format html --out q3.html",
    ),
    "demo": ("cervix-watch demo", "cervix-watch demo --html demo.html"),
    "rules profiles": ("cervix-watch rules profiles",),
    "rules show": ("cervix-watch rules show nice-ng25",),
    "rules check": ("cervix-watch rules check our-unit.toml",),
    "rules default": ("cervix-watch rules default our-unit.toml",),
    "rules export": ("cervix-watch rules export nice-ng25 --out our-unit.toml",),
    "config show": (
        "cervix-watch config show",
        "cervix-watch --db ~/clinic.sqlite3 config show",
    ),
    "db init": ("cervix-watch db init ~/clinic.sqlite3",),
    "db info": ("cervix-watch db info",),
    "db check": ("cervix-watch db check",),
    "db backup": ("cervix-watch db backup --out clinic-2026-11-30.sqlite3",),
    "db copy": ("cervix-watch db copy --to postgresql://cw@dbhost/clinic",),
    "db roles": ("cervix-watch --db postgresql://admin@dbhost/clinic db roles --apply",),
    "docs": (
        "cervix-watch docs",
        "cervix-watch docs rules",
        "cervix-watch docs --man > cervix-watch.1",
    ),
}


def examples(path: str) -> tuple[str, ...]:
    """The example command lines of `path` ("scan add"); empty when none is written."""
    return _EXAMPLES.get(path, ())


def _epilog(lines: tuple[str, ...]) -> str:
    # "\b" keeps click from re-wrapping the block (a command line must stay one line)
    return "Examples:\n\n\b\n" + "\n".join(f"  $ {line}" for line in lines)


class PlainCommand(TyperCommand):
    """A command whose arguments read `MRN` in its usage line and help (typer's own:
    `{MRN}` and `MRN <str>`), through click's public help hooks."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


def _argument_name(param: Any) -> str:
    return str(param.metavar or str(param.name).upper().rstrip("_"))


def plain(app: typer.Typer) -> None:
    """Make every command of `app` (and of its groups) a `PlainCommand`, unless it names
    its own class: typer's `cls`, given once here rather than in every decorator."""
    for info in app.registered_commands:
        if info.cls in {None, TyperCommand}:  # typer's default
            info.cls = PlainCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            plain(group.typer_instance)


def _metavar(ctx: Any, param: Any) -> str | None:
    if param.param_type_name == "argument":
        return param.metavar or str(param.name).upper().rstrip("_")
    if getattr(param, "is_flag", False) or param.metavar:
        return None
    for opt in param.opts:
        if opt in METAVARS:
            return METAVARS[opt]
    from cervix_watch.console.defaults import offered

    return "|".join(offered(ctx, param)) or None  # a choice: its values (table|json|csv)


def polish(ctx: Any, command: Any, path: str) -> None:
    """Placeholders, summary and examples for `command` and every command under it.

    Each is set from the tables above, so polishing again changes nothing."""
    for param in command.params:
        metavar = _metavar(ctx, param)
        if metavar is not None:
            param.metavar = metavar
    if path in SUMMARIES:
        command.short_help = SUMMARIES[path]
    lines = examples(path)
    if lines and not command.epilog:
        command.epilog = _epilog(lines)
    for name, sub in getattr(command, "commands", {}).items():
        polish(ctx, sub, f"{path} {name}".strip())
