"""The root command: database selection, --debug, and the one place errors become exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from cervix_watch import __version__
from cervix_watch.cli import context, output
from cervix_watch.domain.errors import CervixWatchError


class _Group(TyperGroup):
    """Turns core errors into the contract's one-line messages and exit statuses."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CervixWatchError as problem:
            if isinstance(ctx.obj, context.State) and ctx.obj.debug:
                raise
            for message in problem.lines():
                output.error(message)
            raise typer.Exit(problem.exit_code) from None
        except KeyboardInterrupt:
            output.error("interrupted; the unfinished command wrote nothing")
            raise typer.Exit(130) from None
        except Exception as unexpected:
            # typer's own signals (exit, usage errors) pass through untouched
            if type(unexpected).__module__.startswith("typer") or (
                isinstance(ctx.obj, context.State) and ctx.obj.debug
            ):
                raise
            # The message may quote patient data: name only the kind of failure.
            output.error(
                f"internal error ({type(unexpected).__name__}); nothing was written. "
                "Run again with --debug for details."
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    name="cervix-watch",
    cls=_Group,
    help="Cervical-length surveillance: log scans, review guideline discussion points.\n\n"
    "The tool prompts discussion; it never orders treatment.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        output.line(f"cervix-watch {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="SQLite file path or postgresql:// URL (default: $CERVIX_WATCH_DB, else the "
            "per-user data folder).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Cervical-length surveillance for pregnancies at risk of cervical insufficiency."""
    ctx.obj = context.State(db=db, debug=debug)


def _register() -> None:
    from cervix_watch.cli import dbcmd, demo, events, patient, review, scan, transfer

    app.add_typer(patient.app, name="patient")
    app.add_typer(scan.app, name="scan")
    app.add_typer(events.exam_app, name="exam")
    app.add_typer(events.treatment_app, name="treatment")
    app.command("discuss")(events.discuss)
    app.command("import")(transfer.import_command)
    app.command("export")(transfer.export_command)
    app.command("review")(review.review)
    app.command("due")(review.due)
    app.add_typer(review.rules_app, name="rules")
    app.command("demo")(demo.demo)
    app.add_typer(dbcmd.app, name="db")


_register()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="cervix-watch")


if __name__ == "__main__":  # pragma: no cover
    main()
