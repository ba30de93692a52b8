"""`db` commands: init, info, check, backup, copy and roles. Each one calls app.admin and
prints the result; no SQL here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cervix_watch.console import context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import BackupOutOption, ShowFormat, ShowFormatOption
from cervix_watch.domain.errors import DatabaseError
from cervix_watch.domain.filenames import shown

if TYPE_CHECKING:
    from cervix_watch.app.admin import Location

app = Commands(
    name="db",
    short_help="Look after the database: init, info, check, backup.",
    help="Look after the database: init (create), info, check, backup, copy to another "
    "database, roles.",
    no_args_is_help=True,
)

# A checksum prefix is enough for a person comparing two tables by eye; the check is done
# on the full digest.
_SHA_SHOWN = 16
_PROBLEMS_SHOWN = 20


def _location(ctx: typer.Context) -> Location:
    from cervix_watch.app import admin

    return admin.locate(context.state(ctx).db)


@app.command(
    "init",
    short_help="Create a new, empty cervix-watch database.",
    epilog=examples("cervix-watch db init ~/clinic.sqlite3"),
)
def init(
    ctx: typer.Context,
    where: Annotated[
        str | None,
        typer.Argument(
            metavar="[PATH_OR_URL]",
            help="SQLite file path or postgresql:// URL (default: --db, $CERVIX_WATCH_DB, "
            "else the per-user data folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create a new, empty cervix-watch database (the only way besides `demo`).

    Every other command refuses a path where no database exists, so a mistyped path never
    opens an empty clinic. On an existing cervix-watch database it changes nothing (beyond
    upgrading an older schema); a file that is not one is refused and left unchanged.
    """
    state = context.state(ctx)
    if where is not None:
        if not where.strip():
            raise typer.BadParameter("is empty", param_hint="PATH_OR_URL")
        state.db = where
    from cervix_watch.app import admin

    store = state.store(create=True)
    described = store.location.describe()
    version = admin.schema_version(store)
    if store.found_version == 0:
        output.success(f"Created a new cervix-watch database at {described} (schema {version}).")
    elif store.found_version < version:
        output.success(f"Upgraded {described} to schema {version}; no records changed.")
    else:
        output.success(f"{described} is already a cervix-watch database (schema {version}).")


@app.command(
    "info",
    short_help="The backend, location, schema version and counts.",
    epilog=examples("cervix-watch db info"),
)
def info(ctx: typer.Context, fmt: ShowFormatOption = ShowFormat.TABLE) -> None:
    """Show the backend, where the database is (password hidden), schema version and counts."""
    from cervix_watch.app import admin

    about = admin.info(_location(ctx))
    for warning in about.warnings:
        output.note(f"warning: {warning}")
    if fmt is ShowFormat.JSON:
        output.print_json(
            {
                "backend": about.backend,
                "location": about.location,
                "schema_version": about.schema_version,
                "counts": about.counts,
            }
        )
        return
    output.line(f"backend: {about.backend}")
    output.line(f"location: {about.location}")
    output.line(f"schema version: {about.schema_version}")
    output.table(None, ["table", "rows"], sorted(about.counts.items()))


@app.command(
    "check",
    short_help="Check the database is sound (integrity, foreign keys).",
    epilog=examples("cervix-watch db check"),
)
def check(ctx: typer.Context) -> None:
    """Check the database is sound: SQLite integrity and foreign keys, PostgreSQL orphan
    rows, and on both the audit trail's hash chain (naming the first row that breaks it).

    Exit status 3 when a problem is found.
    """
    from cervix_watch.app import admin

    report = admin.check(_location(ctx))
    output.line(f"{report.backend}: {report.location}")
    output.table(None, ["table", "rows"], sorted(report.counts.items()))
    output.line(f"checked: {', '.join(report.checks)}")
    if report.chain_head is not None:
        output.one_line(f"audit chain head: {report.chain_head}")
    if report.ok:
        output.success("no problems found")
        return
    if len(report.problems) == 1:
        raise DatabaseError(report.problems[0])
    for problem in report.problems[:_PROBLEMS_SHOWN]:
        output.note(f"problem: {problem}")
    raise DatabaseError(f"{len(report.problems)} problems found in {report.location}")


@app.command(
    "backup",
    short_help="A consistent copy of a SQLite database.",
    epilog=examples("cervix-watch db backup --out clinic-2026-11-30.sqlite3"),
)
def backup(
    ctx: typer.Context,
    out: BackupOutOption,
) -> None:
    """Write a consistent copy of a SQLite database, safe while others are writing.

    For PostgreSQL use pg_dump: pg_dump --format=custom --file=FILE URL.
    """
    from cervix_watch.app import admin

    size = admin.backup(_location(ctx), out)
    output.success(f"Backup written to {shown(out)} ({size} bytes); integrity_check ok.")


@app.command(
    "copy",
    short_help="Copy the whole database into an empty one.",
    epilog=examples("cervix-watch db copy --to postgresql://cw@dbhost/clinic"),
)
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="PATH_OR_URL",
            help="An empty target: SQLite file path or postgresql:// URL.",
            show_default=False,
        ),
    ],
) -> None:
    """Copy the whole database (every table, ids kept) into an empty database and verify it.

    Row counts and checksums of every table are compared before the copy is committed.
    """
    from cervix_watch.app import admin

    if not to.strip():
        raise typer.BadParameter("is empty", param_hint="'--to'")
    source, target = _location(ctx), admin.locate(to)
    output.note(f"copying {source.describe()} -> {target.describe()}")
    report = admin.copy(source, target)
    output.table(
        None,
        ["table", "rows", "sha256", "match"],
        [
            (e.table, e.target_rows, e.target_sha256[:_SHA_SHOWN], "yes" if e.matches else "NO")
            for e in report
        ],
    )
    total = sum(e.target_rows for e in report)
    from cervix_watch.domain.words import counted

    copied = f"Copied {counted(total, 'row')} in {counted(len(report), 'table')}"
    output.success(f"{copied}; counts and checksums match.")


ApplyOption = Annotated[
    bool, typer.Option("--apply", help="Run the statements (as the tables' owner).")
]


@app.command(
    "roles",
    short_help="The SQL for the PostgreSQL roles (or apply it).",
    epilog=examples("cervix-watch --db postgresql://admin@dbhost/clinic db roles --apply"),
)
def roles(
    ctx: typer.Context,
    apply: ApplyOption = False,
) -> None:
    """Print (or apply) the SQL for the PostgreSQL roles cervix_writer and cervix_reader.

    cervix_writer may read, add and change records but never delete them, and only add to
    the audit trail; cervix_reader may only read; no other login may connect. Give a person
    one of them with: GRANT cervix_writer TO their_login;
    """
    from cervix_watch.app import admin

    location = _location(ctx)
    for statement in admin.roles(location, apply=apply):
        output.line(f"{statement};")
    if apply:
        output.success(f"Applied to {location.describe()}.")
