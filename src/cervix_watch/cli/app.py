"""The root command: database selection, --debug, and the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import traceback
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from cervix_watch import __version__
from cervix_watch.console import context, output, usage
from cervix_watch.console.commands import Commands, examples
from cervix_watch.domain.errors import CervixWatchError


class _Group(TyperGroup):
    """Turns core errors into the contract's one-line messages and exit statuses (`--debug`
    adds the traceback and never changes the status)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        """The root context. Parsing prints `--help` (and a bare command's help): a reader
        gone by then is a closed pipe too (click itself would exit 1, the contract's "bad
        input, nothing written")."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            quiet_closed_pipe()
        except StdoutUnwritable as failed:
            _detach_stdout()
            output.error(str(failed))
            raise typer.Exit(failed.exit_code) from None
        except usage.UsageError as error:  # a root option or an unknown command
            usage.report(error)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StdoutUnwritable as failed:
            _detach_stdout()  # the unwritten rest must not fail again at exit
            output.error(str(failed))
            raise typer.Exit(failed.exit_code) from None
        except CervixWatchError as problem:
            _traceback_if_debug(ctx)
            for message in problem.lines():
                output.error(message)
            raise typer.Exit(problem.exit_code) from None
        except BrokenPipeError:
            quiet_closed_pipe()
        except usage.UsageError as error:  # a command's options: one line, as any error
            usage.report(error)
        except KeyboardInterrupt:
            output.error("interrupted; the unfinished command wrote nothing")
            raise typer.Exit(130) from None
        except Exception as unexpected:
            # typer's and click's own signals (exit, usage errors) pass through untouched
            if type(unexpected).__module__.startswith(("typer", "click")):
                raise
            _traceback_if_debug(ctx)
            # The message may quote patient data: name only the kind of failure.
            output.error(
                f"internal error ({type(unexpected).__name__}); nothing was written. "
                "Run again with --debug for details."
            )
            raise typer.Exit(1) from None


def _traceback_if_debug(ctx: Any) -> None:
    """With --debug, the traceback, every secret of every database URL it could quote (the
    chosen one, $CERVIX_WATCH_DB, any URL on the command line) written `***`."""
    if isinstance(ctx.obj, context.State) and ctx.obj.debug:
        from cervix_watch.app.masking import mask_secrets

        text = traceback.format_exc()
        urls = [ctx.obj.db, os.environ.get("CERVIX_WATCH_DB"), *sys.argv[1:]]
        for url in urls:
            text = mask_secrets(text, url if url and "://" in url else None)
        sys.stderr.write(text)


# What a program killed by SIGPIPE reports to the shell (128 + 13).
CLOSED_PIPE_STATUS = 141


def quiet_closed_pipe() -> NoReturn:
    """The reader of stdout went away (`... | head`): stop, saying nothing, exit 141.

    This is the one way every command ends on a closed pipe, whichever layer found it:
    a command's output (`_Group.invoke`), rich (`output`'s consoles), click printing help
    (`_Group.make_context`), or the last flush after the command returned (`main`).
    """
    _detach_stdout()
    raise typer.Exit(CLOSED_PIPE_STATUS)


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of the unwritten
    rest cannot fail again and print a traceback on exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _version(value: bool) -> None:
    if value:
        output.line(f"cervix-watch {__version__}")
        raise typer.Exit


def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH_OR_URL",
            help="SQLite file path or postgresql:// URL (default: $CERVIX_WATCH_DB, else the "
            "per-user data folder).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Never page a tall listing or report at a terminal (default: through $PAGER, "
            "else less -FRX, as git does).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Cervical-length surveillance for pregnancies at risk of cervical insufficiency."""
    if db is not None and not db.strip():
        raise typer.BadParameter(
            "is empty; give a file path or a postgresql:// URL", param_hint="'--db'"
        )
    from cervix_watch.console import defaults, pager

    pager.use(not no_pager)
    ctx.obj = context.State(db=db, debug=debug)  # --debug holds even for a bad config file
    ctx.obj.settings = defaults.apply(ctx, db)
    ctx.obj.db = ctx.obj.settings.db.value


# Every top-level command, in the order --help lists them: the cli module that defines it
# and its typer app there (a group, named by itself; or a single command's, added as it
# is). A module is imported only when its command is registered, so a one-command tree
# (see `main`) loads only its own.
COMMANDS: dict[str, tuple[str, str]] = {
    "patient": ("patient", "app"),
    "scan": ("scan", "app"),
    "exam": ("exam", "app"),
    "treatment": ("events", "treatment_app"),
    "discuss": ("events", "discuss_app"),
    "import": ("transfer", "import_app"),
    "export": ("transfer", "export_app"),
    "listen": ("srcommands", "listen_app"),
    "inbox": ("inbox", "app"),
    "review": ("review", "review_app"),
    "due": ("review", "due_app"),
    "audit": ("audit", "audit_app"),
    "rules": ("review", "rules_app"),
    "demo": ("demo", "demo_app"),
    "db": ("dbcmd", "app"),
    "config": ("settings", "app"),
    "docs": ("docs", "docs_app"),
}


# A group made from two modules (its attribute above makes it): the typer of another
# module's command it is given as its last subcommand (`import sr`, `export fhir`), so
# that no command module imports another.
JOINED: dict[str, tuple[str, str]] = {
    "import": ("srcommands", "import_sr_app"),
    "export": ("srcommands", "export_fhir_app"),
}


def _loaded(module: str, attribute: str) -> Any:
    from importlib import import_module

    return getattr(import_module(f"cervix_watch.cli.{module}"), attribute)


def _register(app: typer.Typer, name: str) -> None:
    """Add the command `name` (a group or a single command) to the root command."""
    command = _loaded(*COMMANDS[name])
    if name in JOINED:
        command = command(_loaded(*JOINED[name]))
    app.add_typer(command)


def build(only: str | None = None) -> typer.Typer:
    """The root command with every command registered, or with just `only` (see `main`)."""
    app = Commands(
        name="cervix-watch",
        cls=_Group,
        help="Cervical-length surveillance: log scans, review guideline discussion points.\n\n"
        "The tool prompts discussion; it never orders treatment.\n\n"
        "The user guide, the clinical rules, connecting the scanner and deployment: "
        "cervix-watch docs TOPIC.",
        epilog=examples(
            "cervix-watch db init ~/clinic.sqlite3", "cervix-watch --db ~/clinic.sqlite3 review"
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name in COMMANDS:
        if only is None or name == only:
            _register(app, name)
    return app


def __getattr__(name: str) -> typer.Typer:
    """`app`, the complete root command (tests, embedding), built once on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    complete = build()
    globals()["app"] = complete
    return complete


# Root options that take a value: the word after them is not the command.
_VALUE_OPTIONS = frozenset({"--db"})
# Commands that read the whole tree they run in (`docs --man` writes every command's
# section of the manual page): always given the whole tree.
_WHOLE_TREE = frozenset({"docs"})


def command_named(args: list[str]) -> str | None:
    """The command a command line runs, when it is certain to be one of ours; else None.

    Only the root options are skipped; anything unusual (an unknown word, `--`, shell
    completion) gives None, and the whole tree is built as before.
    """
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return None
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS and arg not in _WHOLE_TREE else None
    return None


def main() -> None:
    """Console-script entry point."""
    skip_pydantic_plugin_scan()
    _guard_closed_streams()
    _report_unwritable_stdout()
    try:
        command_tree(sys.argv[1:])(prog_name="cervix-watch")
    except SystemExit as finished:  # click ends every run so, in standalone mode
        sys.exit(_after_last_flush(finished.code))
    except BrokenPipeError:  # a flush after the command returned
        sys.exit(_after_last_flush(CLOSED_PIPE_STATUS))


def skip_pydantic_plugin_scan() -> None:
    """A speed trick: cervix-watch uses no pydantic plugin, so pydantic is told not to look.

    Looking reads the metadata of every installed package when the first model class is
    made (a tenth of a `scan add`). A user who sets the variable keeps their setting; the
    plain path (no variable) finds no plugin in our environment (tests/cli/test_startup.py),
    and bench/seams.py times the difference.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def command_tree(args: list[str]) -> typer.Typer:
    """The root command for the command line `args`: a speed trick over `build()`.

    Building the click tree of every command (and importing every command module) is a
    measurable part of a one-scan `scan add`; a command line that names one command gets a
    tree with only that command, which parses, helps and fails exactly as the full one
    (the plain path, tests/cli/test_startup.py); bench/seams.py times the difference.
    """
    return build(command_named(args))


def _after_last_flush(status: int | str | None) -> int | str | None:
    """`status`, or 141 when a successful command's output could not all be delivered
    (the reader went away before the buffered rest was flushed)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        if status in (0, None):
            status = CLOSED_PIPE_STATUS
    except StdoutUnwritable as failed:  # the command's last lines, after it returned
        _detach_stdout()
        if status in (0, None):
            output.error(str(failed))
            status = failed.exit_code
    if status == CLOSED_PIPE_STATUS:
        _detach_stdout()
    return status


if __name__ == "__main__":  # pragma: no cover
    main()


class _ClosedStdout(io.TextIOBase):
    """stdout when the caller closed it (`cervix-watch ... >&-`): nobody reads it, so every
    write meets a closed pipe and the command ends as under `| true` (exit 141)."""

    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "stdout is closed")

    def fileno(self) -> int:
        return 1  # /dev/null holds the number (`_guard_closed_streams`)


def _guard_closed_streams() -> None:
    """A standard stream the caller closed gets /dev/null as its file descriptor, so no file
    the command opens (the database) takes its number and is written as if it were the
    stream; a closed stdout becomes `_ClosedStdout`, a closed stdin or stderr /dev/null."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if fd == 0:
                sys.stdin = os.fdopen(0, "r", closefd=False)
            elif fd == 1:
                sys.stdout = _ClosedStdout()
            else:
                sys.stderr = os.fdopen(2, "w", closefd=False)


class StdoutUnwritable(CervixWatchError):
    """Standard output refused a write (a full disk, an I/O error): not a closed pipe, and
    not "internal error". The command may have saved before printing, so the message
    never says that nothing was written."""

    exit_code = 1

    def __init__(self, failed: OSError) -> None:
        reason = failed.strerror or type(failed).__name__
        super().__init__(
            f"output: standard output could not be written ({reason}); "
            "anything the command saved before printing is kept"
        )


class _ReportingStdout(io.TextIOWrapper):
    """stdout that reports a failed write as `StdoutUnwritable` (a closed pipe stays a
    `BrokenPipeError`, which ends quietly)."""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except BrokenPipeError:
            raise
        except OSError as failed:
            raise StdoutUnwritable(failed) from None

    def flush(self) -> None:
        try:
            super().flush()
        except BrokenPipeError:
            raise
        except OSError as failed:
            raise StdoutUnwritable(failed) from None


def _report_unwritable_stdout() -> None:
    """Wrap the process's own stdout (`sys.__stdout__`, kept alive there, so its file is not
    closed) in `_ReportingStdout`; a replaced or closed stdout is left as it is."""
    original = sys.stdout
    if original is None or original is not sys.__stdout__:
        return
    if not isinstance(original, io.TextIOWrapper):
        return
    sys.stdout = _ReportingStdout(
        original.buffer,
        encoding=original.encoding,
        errors=original.errors,
        line_buffering=original.line_buffering,
    )
