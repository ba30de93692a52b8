"""typer's `CliRunner`, with each app's click command built once.

typer's own `CliRunner.invoke(app, ...)` converts the typer app into its click command
(`typer.main.get_command`: every command's signature read again) on every call: about 80 ms
for cervix-watch's full tree, and 4,698 calls made it a third of the suite's CPU time. A
click command is made to be invoked any number of times (click's own tests reuse one), so
this runner converts each app once and invokes that command in typer's isolation, doing
what typer's `invoke` does with the result. The console script is not affected: it builds
its tree once per process (`cervix_watch.cli.app.main`), and tests/cli/test_entry.py and
the subprocess tests run it as it is.
"""

from __future__ import annotations

import shlex
import sys
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import typer
import typer.main
import typer.testing
from typer.testing import Result

__all__ = ["CliRunner", "Result"]

# each typer app's click command, kept while the app lives
_COMMANDS: weakref.WeakKeyDictionary[typer.Typer, Any] = weakref.WeakKeyDictionary()


def click_command(app: typer.Typer) -> Any:
    """The click command of `app`, built on first use."""
    command = _COMMANDS.get(app)
    if command is None:
        command = _COMMANDS[app] = typer.main.get_command(app)
    return command


class CliRunner(typer.testing.CliRunner):
    """typer's runner (same isolation, same `Result`), the app converted once."""

    def invoke(
        self,
        app: typer.Typer,
        args: str | Sequence[str] | None = None,
        input: bytes | str | None = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = True,
        color: bool = False,
        **extra: Any,
    ) -> Result:
        command = click_command(app)
        if isinstance(args, str):
            args = shlex.split(args)
        prog_name = (
            extra.pop("prog_name") if "prog_name" in extra else self.get_default_prog_name(command)
        )
        return_value: Any = None
        exception: BaseException | None = None
        exc_info: Any = None
        exit_code = 0
        with self.isolation(input=input, env=env, color=color) as (out, err, mixed):
            try:
                return_value = command.main(args=args or (), prog_name=prog_name, **extra)
            except SystemExit as finished:
                exc_info = sys.exc_info()
                code: Any = 0 if finished.code is None else finished.code
                if code != 0:
                    exception = finished
                if not isinstance(code, int):
                    sys.stdout.write(f"{code}\n")
                    code = 1
                exit_code = code
            except Exception as error:
                if not catch_exceptions:
                    raise
                exception, exit_code, exc_info = error, 1, sys.exc_info()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                stdout, stderr, output = out.getvalue(), err.getvalue(), mixed.getvalue()
        return Result(
            runner=self,
            stdout_bytes=stdout,
            stderr_bytes=stderr,
            output_bytes=output,
            return_value=return_value,
            exit_code=exit_code,
            exception=exception,
            exc_info=exc_info,
        )
